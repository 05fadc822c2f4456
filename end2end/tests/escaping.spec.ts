import { expect, openNewAppInformation, signUp, test, uniqueEmail, waitForHydration } from "./helpers";

// Issue 19, item 4: text from users is text everywhere it is shown,
// <title> and <textarea> included (Leptos writes both into the server's
// HTML unescaped; src/components/field.rs `raw_text` escapes them).
// Each payload tries to end the element it lands in and add markup.
const TITLE_BREAK = `</title><img src=x onerror=alert(1)>`;
const TEXTAREA_BREAK = `</textarea><button formaction="/api/create_invite">Boom</button>`;
const ATTRIBUTE_BREAK = `"><img src=x onerror=alert(1)>`;

test("markup typed into every text field is shown as the literal text, title included", async ({ page }, info) => {
  const dialogs: string[] = [];
  page.on("dialog", async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  // App names are unique across all apps, so each project's has its own
  // end; at most 46 characters, within the 50 a name may have.
  const salt = Math.random().toString(36).slice(2, 6);
  const name = `</title></textarea>"><img src=x> ${info.project.name} ${salt}`;
  const person = `Eve ${TITLE_BREAK}`;
  await signUp(page, info, uniqueEmail("escaper", info), person);
  await expect(page.getByRole("heading", { name: `Welcome back, ${person}` })).toBeVisible();

  await openNewAppInformation(page, info, "private.account_level", name);
  const long = `${TEXTAREA_BREAK}\n${TITLE_BREAK}\n${ATTRIBUTE_BREAK}`;
  await page.getByLabel("Short description").fill(ATTRIBUTE_BREAK);
  await page.getByLabel("Long description").fill(long);
  await page.getByLabel("Contact name").fill(TITLE_BREAK);
  await page.getByLabel("Contact email").fill("eve@example.com");
  await page.getByLabel("Privacy policy URL").fill("https://acme.example/privacy");
  await page.getByLabel("Support URL").fill("https://acme.example/help");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();

  // A fresh load is the server's HTML: each field holds exactly what was typed.
  await page.reload();
  await waitForHydration(page, info);
  await expect(page).toHaveTitle("App information · Portico");
  await expect(page.getByLabel("App name")).toHaveValue(name);
  await expect(page.getByLabel("Short description")).toHaveValue(ATTRIBUTE_BREAK);
  await expect(page.getByLabel("Long description")).toHaveValue(long);
  await expect(page.getByLabel("Contact name")).toHaveValue(TITLE_BREAK);
  await expect(page.getByRole("button", { name: "Boom" })).toHaveCount(0);

  // The app's own page: its name is the document title, literally.
  await page.getByRole("navigation", { name: "App sections" }).getByRole("link", { name: "Overview" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await page.reload();
  await waitForHydration(page, info);
  await expect(page).toHaveTitle(`${name} · Portico`);
  expect(await page.evaluate(() => document.title)).toBe(`${name} · Portico`);
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByText(`Managed by ${person} (who created it)`)).toBeVisible();

  // My apps lists it by its literal name.
  await page.goto("/apps");
  await waitForHydration(page, info);
  await expect(page.getByRole("link", { name, exact: true })).toBeVisible();

  // The profile shows the name as typed.
  await page.goto("/profile");
  await waitForHydration(page, info);
  await expect(page.getByLabel("Display name")).toHaveValue(person);

  // Nowhere did a payload become an element or run.
  for (const path of ["/apps", "/profile", "/"]) {
    await page.goto(path);
    await expect(page.locator('img[src="x"]')).toHaveCount(0);
  }
  expect(dialogs).toEqual([]);
});
