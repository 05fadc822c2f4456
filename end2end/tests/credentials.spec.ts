import { expect, hydrated, signUp, test, uniqueEmail, waitForHydration } from "./helpers";

test("a developer generates a client secret, sees it once, and rotates it", async ({ page }, info) => {
  await signUp(page, info, uniqueEmail("creds", info), "Creds");
  await expect(page.getByRole("heading", { name: "Welcome back, Creds" })).toBeVisible();
  const name = `Creds ${info.project.name} ${Date.now()}`;
  await page.goto("/apps/new?type=marketplace.user_managed");
  await waitForHydration(page, info);
  await page.getByLabel("App name").fill(name);
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await page.getByRole("navigation", { name: "App sections" }).getByRole("link", { name: "Credentials" }).click();
  await expect(page.getByRole("heading", { name: "Credentials", level: 1 })).toBeVisible();
  await waitForHydration(page, info);
  await expect(page.getByText("Inactive until the app is approved")).toBeVisible();

  await page.getByRole("button", { name: "Generate client secret (development)" }).click();
  const secret = page.getByLabel("New development client secret");
  await expect(secret).toBeVisible();
  const first = await secret.inputValue();
  expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
  await expect(page.getByLabel("Development client ID")).toHaveValue(/^[A-Za-z0-9_-]{22}$/);

  // Shown once: a fresh load no longer has it.
  await page.reload();
  await expect(page.getByLabel("Development client ID")).toBeVisible();
  await expect(page.getByLabel("New development client secret")).toHaveCount(0);
  await waitForHydration(page, info);

  // Rotating asks first.
  const rotate = async () => {
    const confirm = page.getByRole("button", { name: "Rotate secret (development)" });
    if (!(await confirm.isVisible())) await page.getByText("Rotate development secret…").click();
    await expect(page.getByText("The current one keeps working for 24 hours")).toBeVisible();
    await confirm.click();
  };
  await expect(page.getByRole("button", { name: "Rotate secret (development)" })).toBeHidden();
  await rotate();
  await expect(secret).not.toHaveValue(first);
  if (hydrated(info)) {
    const baseURL = info.project.use.baseURL as string;
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
    const copied = page.getByText("Copied.", { exact: true });
    await page.getByRole("button", { name: "Copy client secret" }).click();
    await expect(copied).toBeVisible();
    const second = await secret.inputValue();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(second);
    // The outcome fades (after 3 s), so that a secret rotated in place is
    // not shown as copied while the clipboard holds the one before.
    await expect(copied).toHaveCount(0, { timeout: 10_000 });
    await rotate();
    await expect(secret).not.toHaveValue(second);
    await expect(copied).toHaveCount(0);
  }
  // The grace period as time left, the moment itself beside it.
  await expect(page.getByText(/The previous secret stays valid for 2[34] h( \d+ min)? more \(until/)).toBeVisible();
  await expect(page.locator("time[datetime]").first()).toHaveAttribute("title", /^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
  await page.getByRole("button", { name: "Revoke old development secret now" }).click();
  await expect(page.getByText("The previous secret stays valid")).toHaveCount(0);
  if (hydrated(info)) {
    // The client ID has its own copy button.
    await page.getByRole("button", { name: "Copy development client ID" }).click();
    const clientId = await page.getByLabel("Development client ID").inputValue();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(clientId);
  }
  // Strict mode says what it does to the allow list.
  await expect(page.getByText("While strict mode is on, the allow list is ignored.")).toBeVisible();
});
