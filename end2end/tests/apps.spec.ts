import { expect, signUp, test, uniqueEmail, waitForHydration } from "./helpers";
import type { Page, TestInfo } from "@playwright/test";

const SIX_TYPES = [
  "Account-level OAuth app",
  "User-managed OAuth app",
  "Chat bot",
  "Account-level app",
  "User-managed app",
  "Webhook-only app",
];

async function buildApp(page: Page, info: TestInfo, typeLabel: string, name: string): Promise<void> {
  await page.goto("/apps");
  await waitForHydration(page, info);
  await page.getByRole("link", { name: "Build App" }).click();
  await expect(page.getByRole("heading", { name: "Do you want to publish this app on the Marketplace?" })).toBeVisible();
  await waitForHydration(page, info);
  // The label is the name plus its one-line explanation.
  await page.getByRole("radio", { name: new RegExp(`^${typeLabel} `) }).check();
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: `Name your ${typeLabel}` })).toBeVisible();
  await waitForHydration(page, info);
  await page.getByLabel("App name").fill(name);
  await page.getByRole("button", { name: "Create" }).click();
}

test("a developer builds one app of each of the six types", async ({ page }, info) => {
  test.setTimeout(60_000);
  await signUp(page, info, uniqueEmail("builder", info), "Builder");
  await expect(page.getByRole("heading", { name: "Welcome back, Builder" })).toBeVisible();
  const stamp = `${info.project.name}-${Date.now()}`;
  for (const [i, typeLabel] of SIX_TYPES.entries()) {
    const name = `Six ${i} ${stamp}`;
    await buildApp(page, info, typeLabel, name);
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    await expect(page.getByText(typeLabel, { exact: true })).toBeVisible();
  }
  await page.goto("/apps");
  const rows = page.getByRole("table", { name: "Your apps" }).getByRole("row");
  await expect(rows).toHaveCount(7); // header + six apps
  for (const typeLabel of SIX_TYPES) {
    await expect(page.getByRole("cell", { name: typeLabel, exact: true })).toBeVisible();
  }
});

test("a taken name is refused beside the field, and an app can be deleted", async ({ page }, info) => {
  await signUp(page, info, uniqueEmail("namer", info), "Namer");
  await expect(page.getByRole("heading", { name: "Welcome back, Namer" })).toBeVisible();
  const name = `Taken ${info.project.name} ${Date.now()}`;
  await buildApp(page, info, "Chat bot", name);
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();

  await buildApp(page, info, "Webhook-only app", name.toUpperCase());
  await expect(page.getByText("That name is taken.")).toBeVisible();
  await expect(page.getByLabel("App name")).toHaveAttribute("aria-invalid", "true");

  await page.goto("/apps");
  await waitForHydration(page, info);
  await page.getByRole("link", { name: `Delete ${name}` }).click();
  await page.getByRole("button", { name: `Delete ${name}` }).click();
  await expect(page.getByRole("status")).toHaveText("The app was deleted.");
  await expect(page.getByRole("link", { name })).toHaveCount(0);
});
