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

  await page.getByRole("button", { name: "Rotate secret (development)" }).click();
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
    await page.getByRole("button", { name: "Rotate secret (development)" }).click();
    await expect(secret).not.toHaveValue(second);
    await expect(copied).toHaveCount(0);
  }
  await expect(page.getByText("The previous secret works until")).toBeVisible();
  await page.getByRole("button", { name: "Revoke old development secret now" }).click();
  await expect(page.getByText("The previous secret works until")).toHaveCount(0);
});
