import { expect, hydrated, PASSWORD, signUp, test, uniqueEmail, waitForHydration } from "./helpers";

test("a developer shares an install link; a teammate installs, uninstalls, and a stale link expires", async ({ page, browser }, info) => {
  const baseURL = info.project.use.baseURL as string;
  await signUp(page, info, uniqueEmail("builder", info), "Bea Builder");
  await expect(page.getByRole("heading", { name: "Welcome back, Bea Builder" })).toBeVisible();
  const name = `Installable ${info.project.name} ${Date.now()}`;
  await page.goto("/apps/new?type=marketplace.user_managed");
  await waitForHydration(page, info);
  await page.getByLabel("App name").fill(name);
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const appUrl = new URL(page.url()).pathname;

  // Credentials: a secret (copied), and the redirect URL.
  await page.goto(`${appUrl}/credentials`);
  await waitForHydration(page, info);
  await page.getByRole("button", { name: "Generate client secret (development)" }).click();
  const secretField = page.getByLabel("New development client secret");
  await expect(secretField).toHaveValue(/^[A-Za-z0-9_-]{43}$/);
  const secret = await secretField.inputValue();
  if (hydrated(info)) {
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
    await page.getByRole("button", { name: "Copy client secret" }).click();
    await expect(page.getByText("Copied.")).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  } else {
    // Without JavaScript there is no button that would do nothing.
    await expect(page.getByRole("button", { name: "Copy client secret" })).toHaveCount(0);
  }
  await page.getByLabel("Development redirect URL").fill(`${baseURL}/healthz`);
  await page.getByRole("textbox", { name: "Allow list" }).fill("http://not-local.example/cb");
  await page.getByRole("button", { name: "Save redirect settings" }).click();
  // The server's rule, beside the field; nothing saved.
  await expect(page.getByText("Line 1: Use https:// (http:// only for localhost).")).toBeVisible();
  // (Without JavaScript the failed post came back with the saved values.)
  await page.getByLabel("Development redirect URL").fill(`${baseURL}/healthz`);
  await page.getByRole("textbox", { name: "Allow list" }).fill("");
  if (hydrated(info)) {
    // Editing the field re-checks it at once: the server's message does
    // not wait for the field to lose focus (and move the button under the
    // pointer as Save is pressed).
    await expect(page.getByRole("textbox", { name: "Allow list" })).toBeFocused();
    await expect(page.getByText("Line 1: Use https:// (http:// only for localhost).")).toHaveCount(0);
  }
  await page.getByRole("button", { name: "Save redirect settings" }).click();
  await expect(page.getByText("Redirect settings saved.")).toBeVisible();
  await expect(page.getByLabel("Development redirect URL")).toHaveValue(`${baseURL}/healthz`);

  // Scopes.
  await page.goto(`${appUrl}/scopes`);
  await waitForHydration(page, info);
  await expect(page.getByRole("checkbox", { name: /user:read:admin/ })).toHaveCount(0);
  await page.getByRole("checkbox", { name: /^user:read / }).check();
  await page.getByRole("checkbox", { name: /^meeting:read / }).check();
  await page.getByRole("button", { name: "Save scopes" }).click();
  await expect(page.getByText("Scopes saved.")).toBeVisible();

  // The Publishable URL.
  await page.goto(`${appUrl}/credentials`);
  await waitForHydration(page, info);
  await page.getByRole("button", { name: "Generate install link" }).click();
  const linkField = page.getByLabel("Install link");
  await expect(linkField).toHaveValue(/\/install\//);
  await expect(page.getByRole("button", { name: "Regenerate install link" })).toBeVisible();
  const installLink = await linkField.inputValue();

  // A teammate joins the account (development apps install only there).
  await page.goto("/account/members");
  await waitForHydration(page, info);
  await page.getByLabel("Role", { exact: true }).selectOption("member");
  await page.getByRole("button", { name: "Create invite link" }).click();
  const inviteField = page.getByLabel("Invite link (shown once)");
  await expect(inviteField).toHaveValue(/\/invite\//);
  const invite = await inviteField.inputValue();

  const context = await browser.newContext({ javaScriptEnabled: hydrated(info), baseURL });
  const mate = await context.newPage();
  await mate.goto(invite);
  await waitForHydration(mate, info);
  await mate.getByRole("link", { name: "Create an account to join" }).click();
  await waitForHydration(mate, info);
  await mate.getByLabel("Email").fill(uniqueEmail("mate", info));
  await mate.getByLabel("Your name").fill("Tim Mate");
  await mate.getByLabel("Password").fill(PASSWORD);
  await mate.getByRole("button", { name: "Create account" }).click();
  // Joining is the invite page's own step.
  await expect(mate).toHaveURL(/\/invite\/[^/?]+$/);
  await waitForHydration(mate, info);
  await mate.getByRole("button", { name: /^Join / }).click();
  await expect(mate).toHaveURL(/\/account\/members$/);

  // The install link leads to the consent page; Allow sends the teammate
  // to the app's redirect URL with a code.
  await mate.goto(installLink);
  await expect(mate.getByRole("heading", { name: `Allow ${name} to access your account?` })).toBeVisible();
  await expect(mate.getByText("See your profile: name, email and account.")).toBeVisible();
  await expect(mate.getByText("See your meetings.")).toBeVisible();
  await waitForHydration(mate, info);
  await mate.getByRole("button", { name: "Allow" }).click();
  await expect(mate).toHaveURL(/\/healthz\?code=[A-Za-z0-9_-]{43}/);

  // Installed apps lists it; uninstalling removes it.
  await mate.goto("/installed");
  await waitForHydration(mate, info);
  const row = mate.getByRole("row", { name: new RegExp(name) });
  await expect(row).toBeVisible();
  await expect(row.getByText("user:read")).toBeVisible();
  await row.getByRole("button", { name: `Uninstall ${name}` }).click();
  await expect(mate.getByText("Uninstalled: the app's access has ended.")).toBeVisible();
  await expect(mate.getByRole("row", { name: new RegExp(name) })).toHaveCount(0);

  // Renaming the app makes the link stale; the page says so, the link expires.
  await page.goto(`${appUrl}/information`);
  await waitForHydration(page, info);
  await page.getByLabel("App name").fill(`${name} 2`);
  await page.getByLabel("Short description").fill("Installs itself.");
  await page.getByLabel("Long description").fill("A test app.");
  await page.getByLabel("Contact name").fill("Bea Builder");
  await page.getByLabel("Contact email").fill("bea@example.com");
  await page.getByLabel("Privacy policy URL").fill("https://bea.example/privacy");
  await page.getByLabel("Support URL").fill("https://bea.example/help");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved.");
  await page.goto(`${appUrl}/credentials`);
  await expect(page.getByText("This link is out of date")).toBeVisible();
  await mate.goto(installLink);
  await expect(mate.getByRole("heading", { name: "This install link has expired" })).toBeVisible();
  await context.close();
});

test("a user schedules a meeting and deletes it", async ({ page }, info) => {
  await signUp(page, info, uniqueEmail("meet", info), "Mia Meet");
  await expect(page.getByRole("heading", { name: "Welcome back, Mia Meet" })).toBeVisible();
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Meetings" }).click();
  await expect(page.getByRole("heading", { name: "Meetings", level: 1 })).toBeVisible();
  await waitForHydration(page, info);
  await expect(page.getByText("No meetings yet.")).toBeVisible();
  await page.getByLabel("Topic").fill("Design review");
  await page.getByLabel("Start (UTC)").fill("2026-12-03T14:00");
  await page.getByLabel("Length in minutes").fill("45");
  await page.getByRole("button", { name: "Schedule" }).click();
  await expect(page.getByText("Meeting scheduled.")).toBeVisible();
  // The form is empty again, ready for the next meeting.
  await expect(page.getByLabel("Topic")).toHaveValue("");
  const row = page.getByRole("row", { name: /Design review/ });
  await expect(row).toContainText("2026-12-03 14:00:00");
  await expect(row).toContainText("45 min");
  await row.getByRole("button", { name: "Delete meeting Design review" }).click();
  await expect(page.getByText("No meetings yet.")).toBeVisible();
});
