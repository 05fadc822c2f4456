import { expect, openNewAppInformation, signUp, test, uniqueEmail } from "./helpers";

test("a half-filled listing saves as a draft, and the app sidebar marks one section", async ({ page }, info) => {
  await signUp(page, info, uniqueEmail("drafter", info), "Drafter");
  await expect(page.getByRole("heading", { name: "Welcome back, Drafter" })).toBeVisible();
  const name = `Draft ${info.project.name} ${Date.now()}`;
  await openNewAppInformation(page, info, "marketplace.account_level", name);

  // Exactly one section is current: the page we are on.
  const sections = page.getByRole("navigation", { name: "App sections" });
  await expect(sections.locator("[aria-current]")).toHaveCount(1);
  await expect(sections.getByRole("link", { name: "Information" })).toHaveAttribute("aria-current", "page");

  // Only the short description: nothing blocks Save, nothing is refused.
  await page.getByLabel("Short description").fill("Half a listing, for now.");
  await expect(page.getByLabel("Privacy policy URL")).not.toHaveAttribute("required", /.*/);
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved.");
  await expect(page.getByRole("alert")).toHaveCount(0);
  await page.reload();
  await expect(page.getByLabel("Short description")).toHaveValue("Half a listing, for now.");
  await expect(page.getByLabel("Privacy policy URL")).toHaveValue("");

  // From another section, that one is the current one.
  await sections.getByRole("link", { name: "Overview" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(sections.locator("[aria-current]")).toHaveCount(1);
  await expect(sections.getByRole("link", { name: "Overview" })).toHaveAttribute("aria-current", "page");

  // The delivery log's filters: one current, and it follows the choice.
  await sections.getByRole("link", { name: "Delivery log" }).click();
  const filters = page.getByRole("navigation", { name: "Filter by status" });
  await expect(filters.locator("[aria-current]")).toHaveCount(1);
  await expect(filters.getByRole("link", { name: "All" })).toHaveAttribute("aria-current", "page");
  await filters.getByRole("link", { name: "Failed" }).click();
  await expect(page).toHaveURL(/status=failed/);
  await expect(filters.getByRole("link", { name: "Failed" })).toHaveAttribute("aria-current", "page");
  await expect(filters.locator("[aria-current]")).toHaveCount(1);
  await expect(sections.locator("[aria-current]")).toHaveCount(1);
});
