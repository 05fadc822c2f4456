import AxeBuilder from "@axe-core/playwright";
import { expect, type Page, type TestInfo, test as base } from "@playwright/test";

import { png } from "./images";

/** A unique address per test and project, so specs can run in parallel. */
export function uniqueEmail(who: string, info: TestInfo): string {
  const salt = Math.random().toString(36).slice(2, 8);
  return `${who}-${info.project.name}-${Date.now()}-${salt}@example.com`;
}

export const PASSWORD = "correct horse battery";

/** True in the project that runs with JavaScript on. */
export function hydrated(info: TestInfo): boolean {
  return info.project.use.javaScriptEnabled !== false;
}

/**
 * Fails the test on any console error or CSP violation: a broken bundle or
 * a blocked script must not pass quietly.
 */
export const test = base.extend<{ consoleErrors: string[]; accessible: void }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on("console", (msg) => {
        // Pages and server functions answer 4xx on purpose (a wrong
        // password is a 401, a page for reviewers only a 403); Chromium
        // logs each. Anything else, 5xx included, counts.
        const expectedStatus = /^Failed to load resource: the server responded with a status of 4\d\d/;
        if (msg.type() === "error" && !expectedStatus.test(msg.text())) errors.push(msg.text());
      });
      page.on("pageerror", (err) => errors.push(err.message));
      await use(errors);
      expect(errors, "no console errors").toEqual([]);
    },
    { auto: true },
  ],
  // Every spec ends with an axe check of the page it left open, as it is
  // then (after its forms' answers, its errors beside fields). Hydrated
  // only: axe runs as a script in the page, and the server sends the same
  // HTML to a browser without JavaScript (pages render on the server only;
  // islands draw on the server what they draw in the browser).
  accessible: [
    async ({ page }, use, info) => {
      await use();
      if (hydrated(info) && !page.isClosed()) await expectAccessible(page);
    },
    { auto: true },
  ],
});

/** Fails on any serious or critical axe violation on the page as it is
 * (skipped on a page that is not one of Portico's, e.g. an OAuth client's
 * redirect target). */
export async function expectAccessible(page: Page): Promise<void> {
  if ((await page.locator("main#main").count()) === 0) return;
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"])
    .analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}) on ${new URL(page.url()).pathname}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(serious, "axe: no serious or critical violations").toEqual([]);
}

/**
 * Waits until the page's islands have hydrated (JS project only): the
 * island script (src/islands.js) marks `<html data-hydrated>` then.
 */
export async function waitForHydration(page: Page, info: TestInfo): Promise<void> {
  if (!hydrated(info)) return;
  await page.waitForFunction(() => document.documentElement.dataset.hydrated === "true");
}

export async function signUp(page: Page, info: TestInfo, email: string, name: string): Promise<void> {
  await page.goto("/signup");
  await waitForHydration(page, info);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
}

export async function signIn(page: Page, info: TestInfo, email: string, password: string = PASSWORD): Promise<void> {
  await page.goto("/signin");
  await waitForHydration(page, info);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export { expect };

/** Builds an app of `type` named `name` and opens its App information page. */
export async function openNewAppInformation(page: Page, info: TestInfo, type: string, name: string): Promise<void> {
  await page.goto(`/apps/new?type=${type}`);
  await waitForHydration(page, info);
  await page.getByLabel("App name").fill(name);
  await page.getByRole("button", { name: "Create" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await page.getByRole("navigation", { name: "App sections" }).getByRole("link", { name: "Information" }).click();
  await expect(page.getByRole("heading", { name: "App information" })).toBeVisible();
  await waitForHydration(page, info);
}

/**
 * From an app's App information page (`appUrl` is the app's path): fills in
 * everything a review needs: the listing, a preview image, an icon, a production
 * redirect URL and the user:read scope.
 */
export async function completeListing(page: Page, info: TestInfo, appUrl: string, shortDescription = "Notes that write themselves."): Promise<void> {
  await page.getByLabel("Short description").fill(shortDescription);
  await page.getByLabel("Long description").fill("It listens.\nIt writes.");
  await page.getByLabel("Contact name").fill("Sub Mitter");
  await page.getByLabel("Contact email").fill("sub@example.com");
  await page.getByLabel("Privacy policy URL").fill("https://acme.example/privacy");
  await page.getByLabel("Support URL").fill("https://acme.example/help");
  await page.getByLabel("Productivity").check();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved.");
  // Saving loaded the page again: a file picked before its islands are
  // hydrated waits for the Upload button, which only the no-JS run clicks.
  await waitForHydration(page, info);
  await page.getByLabel("Add a preview image").setInputFiles({ name: "shot.png", mimeType: "image/png", buffer: png(1200, 780) });
  if (!hydrated(info)) await page.getByRole("button", { name: "Upload image" }).click();
  await expect(page.getByRole("img", { name: "Preview image 1" })).toBeVisible();
  await page.getByLabel("Add an app icon").setInputFiles({ name: "icon.png", mimeType: "image/png", buffer: png(160, 160) });
  if (!hydrated(info)) await page.getByRole("button", { name: "Upload icon" }).click();
  await expect(page.getByRole("region", { name: "App icon" }).getByRole("img", { name: "App icon" })).toBeVisible();

  await page.goto(`${appUrl}/credentials`);
  await waitForHydration(page, info);
  await page.getByLabel("Production redirect URL").fill("https://acme.example/oauth/callback");
  await page.getByRole("button", { name: "Save redirect settings" }).click();
  await expect(page.getByText("Redirect settings saved.")).toBeVisible();
  await page.goto(`${appUrl}/scopes`);
  await waitForHydration(page, info);
  await page.getByRole("checkbox", { name: /^user:read / }).check();
  await page.getByRole("button", { name: "Save scopes" }).click();
  await expect(page.getByText("Scopes saved.")).toBeVisible();
}
