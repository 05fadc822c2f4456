import { REVIEWER } from "../playwright.config";
import { completeListing, expect, openNewAppInformation, signIn, signUp, test, uniqueEmail, waitForHydration } from "./helpers";

test("an approved app is found by search and installed from the Marketplace; later edits are a draft", async ({ page }, info) => {
  // Three people, two sign-ins each and a submission's pre-review checks:
  // longer than the default budget on a loaded two-core machine.
  test.setTimeout(150_000);
  const developer = uniqueEmail("publisher", info);
  await signUp(page, info, developer, "Publisher");
  await expect(page.getByRole("heading", { name: "Welcome back, Publisher" })).toBeVisible();
  // A word no other app has, so the search finds this one alone.
  const word = `zq${info.project.name.replace(/[^a-z]/gi, "")}${Date.now().toString(36)}`;
  const name = `Scribe ${word}`;
  await openNewAppInformation(page, info, "marketplace.user_managed", name);
  const appUrl = new URL(page.url()).pathname.replace(/\/information$/, "");
  await completeListing(page, info, appUrl, "Meeting notes, written for you.");
  await page.goto(`${appUrl}/credentials`);
  await waitForHydration(page, info);
  await page.getByRole("button", { name: "Generate client secret (production)" }).click();
  await expect(page.getByLabel("New production client secret")).toBeVisible();

  // The Install page: Marketplace install is the default option.
  const sections = page.getByRole("navigation", { name: "App sections" });
  await sections.getByRole("link", { name: "Install" }).click();
  await expect(page.getByRole("heading", { name: "How users add your app" })).toBeVisible();
  await expect(sections.getByRole("link", { name: "Install" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByLabel("Install from the Marketplace")).toBeChecked();
  await waitForHydration(page, info);
  // A landing page needs its URL: refused beside the field, choice kept.
  await page.getByRole("radio", { name: /^Landing page/ }).check();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("Enter a URL.")).toBeVisible();
  await expect(page.getByRole("radio", { name: /^Landing page/ })).toBeChecked();
  await waitForHydration(page, info);
  await page.getByLabel("Install from the Marketplace").check();
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText("Install option saved.");

  await page.goto(`${appUrl}/submit`);
  await waitForHydration(page, info);
  await page.getByLabel("Release notes for users (optional)").fill("First release.");
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByRole("heading", { name: "In review" })).toBeVisible();

  // The reviewer approves it.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, info, REVIEWER.email, REVIEWER.password);
  await page.goto("/review");
  await page.getByRole("link", { name: `${name} (version 1)` }).click();
  await expect(page.getByText("The first version: nothing was approved before.")).toBeVisible();
  await waitForHydration(page, info);
  await page.getByRole("button", { name: "Claim for review" }).click();
  await expect(page.getByText("You are reviewing this submission.")).toBeVisible();
  await waitForHydration(page, info);
  await page.getByLabel("Approve: publish this version").check();
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect(page.getByRole("status")).toHaveText("Decision recorded.");

  // A user of another account finds it by search and installs it.
  await page.getByRole("button", { name: "Sign out" }).click();
  const shopper = uniqueEmail("shopper", info);
  await signUp(page, info, shopper, "Shopper");
  await expect(page.getByRole("heading", { name: "Welcome back, Shopper" })).toBeVisible();
  await page.goto("/marketplace");
  await waitForHydration(page, info);
  await page.getByLabel("Search apps").fill(`"${word}" *(<`);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByRole("heading", { name: `Apps matching “"${word}" *(<”` })).toBeVisible();
  const results = page.getByRole("list").filter({ has: page.getByRole("link", { name }) });
  await expect(results.getByRole("listitem")).toHaveCount(1);
  await page.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByText("Meeting notes, written for you.")).toBeVisible();
  await expect(page.getByText("First release.")).toBeVisible();
  await expect(page.getByRole("img", { name: `${name} screenshot 1 of 1` })).toBeVisible();
  await expect(page.getByText("See your profile: name, email and account.")).toBeVisible();
  await waitForHydration(page, info);
  await page.getByRole("link", { name: "Install", exact: true }).click();
  await expect(page.getByRole("heading", { name: `Allow ${name} to access your account?` })).toBeVisible();
  // Allowing installs it and sends the code to the app's redirect URL,
  // which is answered here (it is not on this machine).
  await page.route("https://acme.example/**", (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>Acme</title><h1>Acme got a code</h1>" }),
  );
  await page.getByRole("button", { name: "Allow" }).click();
  await expect(page).toHaveURL(/^https:\/\/acme\.example\/oauth\/callback\?code=/);
  await page.goto("/installed");
  await expect(page.getByRole("row", { name: new RegExp(name) }).getByText("user:read")).toBeVisible();

  // The developer edits the live app: a draft; the listing is unchanged.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, info, developer);
  await page.goto(`${appUrl}/information`);
  await waitForHydration(page, info);
  await page.getByLabel("Short description").fill("Better meeting notes.");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toHaveText("Saved.");
  await page.goto(`${appUrl}/submit`);
  await expect(page.getByRole("heading", { name: "Live: version 1" })).toBeVisible();
  const changes = page.getByRole("table", { name: "Changes since the live version" });
  await expect(changes.getByRole("row", { name: /Short description/ })).toContainText("Better meeting notes.");
  await expect(page.getByRole("heading", { name: "Submit a new version" })).toBeVisible();
  await page.goto(`/marketplace/${appUrl.split("/").pop()}`);
  await expect(page.getByText("Meeting notes, written for you.")).toBeVisible();
  await expect(page.getByText("Better meeting notes.")).toHaveCount(0);

  // Version 2 asks for one more scope, and is approved.
  await page.goto(`${appUrl}/scopes`);
  await waitForHydration(page, info);
  await page.getByRole("checkbox", { name: /^meeting:read / }).check();
  await page.getByRole("button", { name: "Save scopes" }).click();
  await expect(page.getByText("Scopes saved.")).toBeVisible();
  await page.goto(`${appUrl}/submit`);
  await waitForHydration(page, info);
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByRole("heading", { name: "In review" })).toBeVisible();
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, info, REVIEWER.email, REVIEWER.password);
  await page.goto("/review");
  await page.getByRole("link", { name: `${name} (version 2)` }).click();
  await waitForHydration(page, info);
  await page.getByRole("button", { name: "Claim for review" }).click();
  await expect(page.getByText("You are reviewing this submission.")).toBeVisible();
  await waitForHydration(page, info);
  await page.getByLabel("Approve: publish this version").check();
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect(page.getByRole("status")).toHaveText("Decision recorded.");

  // The shopper's install keeps its scopes until the shopper approves.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, info, shopper);
  await page.goto("/installed");
  await waitForHydration(page, info);
  const row = page.getByRole("row", { name: new RegExp(name) });
  const asked = row.getByRole("group", { name: `New scopes for ${name}` });
  await expect(asked).toContainText("A new version asks for more:");
  await expect(asked.getByText("meeting:read")).toBeVisible();
  await asked.getByRole("button", { name: `Approve new scopes for ${name}` }).click();
  await expect(page.getByRole("status")).toHaveText("Approved: the app has its new scopes.");
  await expect(row.getByRole("group", { name: `New scopes for ${name}` })).toHaveCount(0);
  await expect(row.getByText("meeting:read")).toBeVisible();
});
