import { expect, openNewAppInformation, signUp, test, uniqueEmail, waitForHydration } from "./helpers";

test("the information form saves valid fields and explains the invalid ones", async ({ page }, info) => {
  await signUp(page, info, uniqueEmail("lister", info), "Lister");
  await expect(page.getByRole("heading", { name: "Welcome back, Lister" })).toBeVisible();
  await openNewAppInformation(page, info, "marketplace.account_level", `Listing ${info.project.name} ${Date.now()}`);
  await page.getByLabel("Short description").fill("Meeting notes that write themselves.");
  await page.getByLabel("Long description").fill("It listens.\nIt writes.\nYou read.");
  await page.getByLabel("Contact name").fill("Lister");
  await page.getByLabel("Contact email").fill("lister@example.com");
  await page.getByLabel("Privacy policy URL").fill("http://acme.example/privacy");
  await page.getByLabel("Support URL").fill("https://acme.example/help");
  await page.getByLabel("Productivity").check();
  await page.getByRole("button", { name: "Save" }).click();

  // The server's answer. The browser shows the field's message as soon as
  // the field loses focus, before any save, so that message alone does not
  // mean the server has answered; reloading before it has would abort the
  // save.
  await expect(page.getByRole("alert")).toHaveText(
    "Some fields were not saved: see the messages beside them. The others were saved.",
  );
  await expect(page.getByText("Use an https:// address (http:// only for localhost).")).toBeVisible();
  await expect(page.getByLabel("Privacy policy URL")).toHaveAttribute("aria-invalid", "true");

  // What was valid is stored: a fresh load shows it.
  await page.reload();
  await expect(page.getByLabel("Short description")).toHaveValue("Meeting notes that write themselves.");
  await expect(page.getByLabel("Long description")).toHaveValue("It listens.\nIt writes.\nYou read.");
  await expect(page.getByLabel("Productivity")).toBeChecked();

  await waitForHydration(page, info);
  await page.getByLabel("Privacy policy URL").fill("https://acme.example/privacy");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved.");
  await page.reload();
  await expect(page.getByLabel("Privacy policy URL")).toHaveValue("https://acme.example/privacy");
});
