import { expect, expectAccessible, signUp, test, uniqueEmail, waitForHydration } from "./helpers";

test("every page has no serious or critical axe violation, signed out and in", async ({ page }, info) => {
  for (const path of ["/", "/signin", "/signup"]) {
    await page.goto(path);
    await waitForHydration(page, info);
    await expectAccessible(page);
  }

  await signUp(page, info, uniqueEmail("axe", info), "Axel");
  await expect(page.getByRole("heading", { name: "Welcome back, Axel" })).toBeVisible();
  await expectAccessible(page);
  const name = `Axe ${info.project.name} ${Date.now()}`;
  await page.goto("/apps/new?type=marketplace.chat_bot");
  await waitForHydration(page, info);
  await page.getByLabel("App name").fill(name);
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const appUrl = new URL(page.url()).pathname;

  for (const path of [
    "/apps/new",
    "/apps",
    appUrl,
    `${appUrl}/credentials`,
    `${appUrl}/scopes`,
    `${appUrl}/information`,
    `${appUrl}/features`,
    `${appUrl}/deliveries`,
    "/meetings",
    "/installed",
    "/account/members",
    "/profile",
  ]) {
    await page.goto(path);
    await waitForHydration(page, info);
    await expectAccessible(page);
  }

  // With messages beside refused fields too.
  await page.goto(`${appUrl}/information`);
  await waitForHydration(page, info);
  await page.getByLabel("Privacy policy URL").fill("http://insecure.example");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Use an https:// address (http:// only for localhost).")).toBeVisible();
  await expectAccessible(page);
});
