import { REVIEWER } from "../playwright.config";
import { completeListing, expect, openNewAppInformation, signIn, signUp, test, uniqueEmail, waitForHydration } from "./helpers";

test("a developer completes the checklist and submits; a reviewer rejects with a note the developer reads", async ({ page }, info) => {
  // Three people, two sign-ins each and a submission's pre-review checks:
  // longer than the default budget on a loaded two-core machine.
  test.setTimeout(90_000);
  const developer = uniqueEmail("submitter", info);
  await signUp(page, info, developer, "Submitter");
  await expect(page.getByRole("heading", { name: "Welcome back, Submitter" })).toBeVisible();
  const name = `Reviewed ${info.project.name} ${Date.now()}`;
  await openNewAppInformation(page, info, "marketplace.user_managed", name);
  const appUrl = new URL(page.url()).pathname.replace(/\/information$/, "");
  const sections = page.getByRole("navigation", { name: "App sections" });

  // The checklist names what is missing, each with a link to fix it.
  await sections.getByRole("link", { name: "Submit" }).click();
  await expect(page.getByRole("heading", { name: "Submit for review" })).toBeVisible();
  await expect(sections.getByRole("link", { name: "Submit" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByRole("button", { name: "Submit for review" })).toHaveCount(0);
  await page.getByRole("link", { name: "A short description." }).click();
  await expect(page.getByRole("heading", { name: "App information" })).toBeVisible();
  await waitForHydration(page, info);

  await completeListing(page, info, appUrl);

  // Nothing is missing now: notes, a test plan, Submit.
  await page.goto(`${appUrl}/submit`);
  await waitForHydration(page, info);
  await expect(page.getByText("Everything a review needs is here.")).toBeVisible();
  await page.getByLabel("Test plan (optional)").fill("Sign in as test@example.com.");
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByRole("status")).toContainText("Submitted.");
  await expect(page.getByRole("heading", { name: "In review" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Withdraw submission" })).toBeVisible();

  // The reviewer finds it in the queue, claims it and rejects it.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, info, REVIEWER.email, REVIEWER.password);
  await page.goto("/review");
  await waitForHydration(page, info);
  await page.getByRole("link", { name: `${name} (version 1)` }).click();
  await expect(page.getByRole("heading", { name: `${name} — version 1` })).toBeVisible();
  await expect(page.getByText("Sign in as test@example.com.")).toBeVisible();
  await page.getByRole("button", { name: "Claim for review" }).click();
  await expect(page.getByText("You are reviewing this submission.")).toBeVisible();
  await waitForHydration(page, info);

  // A rejection without a note is refused beside the note, the choice kept.
  await page.getByLabel("Reject: send it back with a note").check();
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect(page.getByText("Say what the developer must change: it is all they see.")).toBeVisible();
  await expect(page.getByLabel("Reject: send it back with a note")).toBeChecked();
  await waitForHydration(page, info);
  await page.getByLabel("Note to the developer").fill("Add a <b>support</b> page.");
  await page.getByText("Notes on single fields (shown beside each field)").click();
  await page.getByLabel("Note on short description").fill("Say who it is for.");
  await page.getByRole("button", { name: "Record decision" }).click();
  await expect(page.getByRole("status")).toHaveText("Decision recorded.");
  await expect(page.getByRole("link", { name: `${name} (version 1)` })).toHaveCount(0);

  // The developer sees the decision and the note, as text.
  await page.getByRole("button", { name: "Sign out" }).click();
  await signIn(page, info, developer);
  // Told in Portico (no SMTP here), the newest first; the link leads to Submit.
  await page.getByRole("banner").getByRole("link", { name: "Notifications" }).click();
  const told = page.getByRole("list", { name: "Notifications" }).getByRole("listitem");
  await expect(told.first()).toContainText("Add a <b>support</b> page.");
  await expect(told.nth(1)).toContainText(`${name} was submitted for review`);
  await page.getByRole("button", { name: "Mark all as read (2 new)" }).click();
  await expect(page.getByRole("status")).toHaveText("All marked as read.");
  await page.getByRole("link", { name: `${name} version 1 was not approved` }).click();
  await expect(page.getByRole("heading", { name: "Earlier submissions" })).toBeVisible();
  await expect(page.getByText("Rejected", { exact: true })).toBeVisible();
  await expect(page.getByText("Add a <b>support</b> page.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Short description" })).toBeVisible();

  // The note on the short description is beside that field.
  await page.getByRole("link", { name: "Short description" }).click();
  await expect(page.getByRole("heading", { name: "App information" })).toBeVisible();
  await expect(page.getByRole("note")).toHaveText("Reviewer’s note on short description: Say who it is for.");
});
