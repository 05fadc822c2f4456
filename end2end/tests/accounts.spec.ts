import { REVIEWER } from "../playwright.config";
import { expect, hydrated, PASSWORD, signIn, signUp, test, uniqueEmail, waitForHydration } from "./helpers";

test("sign up lands signed in, with the account's name in the header", async ({ page }, info) => {
  const email = uniqueEmail("ada", info);
  await signUp(page, info, email, "Ada Lovelace");
  await expect(page).toHaveURL("/");
  await expect(page.getByRole("heading", { name: "Welcome back, Ada Lovelace" })).toBeVisible();
  const header = page.getByRole("banner");
  await expect(header.getByRole("link", { name: /Ada Lovelace/ })).toBeVisible();
  await expect(header.getByRole("button", { name: "Sign out" })).toBeVisible();
});

test("sign out, then sign in again", async ({ page }, info) => {
  const email = uniqueEmail("bo", info);
  await signUp(page, info, email, "Bo");
  await expect(page.getByRole("heading", { name: "Welcome back, Bo" })).toBeVisible();

  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("banner").getByRole("button", { name: "Sign out" })).toHaveCount(0);

  await signIn(page, info, email);
  await expect(page).toHaveURL("/");
  await expect(page.getByRole("heading", { name: "Welcome back, Bo" })).toBeVisible();
  await page.getByRole("banner").getByRole("link", { name: /Bo/ }).click();
  await expect(page.getByRole("heading", { name: "Profile" })).toBeVisible();
  await expect(page.getByText(email)).toBeVisible();
});

test("a wrong password says so, and nothing more", async ({ page }, info) => {
  const email = uniqueEmail("cy", info);
  await signUp(page, info, email, "Cy");
  await expect(page.getByRole("heading", { name: "Welcome back, Cy" })).toBeVisible();
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();

  await signIn(page, info, email, "not my password");
  await expect(page.getByRole("alert")).toHaveText("Email or password is incorrect.");
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();

  await signIn(page, info, uniqueEmail("nobody", info), "not my password");
  await expect(page.getByRole("alert")).toHaveText("Email or password is incorrect.");
});

test("a duplicate email is refused beside the field", async ({ page }, info) => {
  const email = uniqueEmail("dup", info);
  await signUp(page, info, email, "First");
  await expect(page.getByRole("heading", { name: "Welcome back, First" })).toBeVisible();
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();

  await signUp(page, info, email, "Second");
  await expect(page.getByText("An account with this email already exists. Sign in instead.")).toBeVisible();
  await expect(page.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
});

test("an admin invites a second person, who joins the account", async ({ page, browser }, info) => {
  const owner = uniqueEmail("owner", info);
  await signUp(page, info, owner, "Olga Owner");
  await expect(page.getByRole("heading", { name: "Welcome back, Olga Owner" })).toBeVisible();

  await page.getByRole("banner").getByRole("link", { name: "Members" }).click();
  await expect(page.getByRole("heading", { name: "Members of Olga Owner's account" })).toBeVisible();
  await waitForHydration(page, info);
  await page.getByLabel("Role", { exact: true }).selectOption("member");
  await page.getByRole("button", { name: "Create invite link" }).click();
  const linkField = page.getByLabel("Invite link (shown once)");
  await expect(linkField).toHaveValue(/\/invite\//);
  const link = await linkField.inputValue();

  // The invitee, in a browser of their own.
  const context = await browser.newContext({ javaScriptEnabled: hydrated(info), baseURL: info.project.use.baseURL });
  const invitee = await context.newPage();
  await invitee.goto(link);
  await waitForHydration(invitee, info);
  await expect(invitee.getByRole("heading", { name: "Join Olga Owner's account" })).toBeVisible();
  await expect(invitee.getByText("invited you to join")).toBeVisible();
  await invitee.getByRole("link", { name: "Create an account to join" }).click();
  await waitForHydration(invitee, info);
  await invitee.getByLabel("Email").fill(uniqueEmail("nia", info));
  await invitee.getByLabel("Your name").fill("Nia Newcomer");
  await invitee.getByLabel("Password").fill(PASSWORD);
  await invitee.getByRole("button", { name: "Create account" }).click();
  // Signing up does not join: back on the invite's page, joining is a step of its own.
  await expect(invitee).toHaveURL(/\/invite\/[^/?]+$/);
  await expect(invitee.getByRole("heading", { name: "Join Olga Owner's account" })).toBeVisible();
  await expect(invitee.getByText("You are signed in as")).toBeVisible();
  await expect(invitee.getByRole("button", { name: "Decline" })).toBeVisible();
  await waitForHydration(invitee, info);
  await invitee.getByRole("button", { name: "Join Olga Owner's account" }).click();
  await expect(invitee).toHaveURL(/\/account\/members$/);
  await expect(invitee.getByRole("heading", { name: "Members of Olga Owner's account" })).toBeVisible();
  await expect(invitee.getByRole("cell", { name: /Nia Newcomer/ })).toBeVisible();
  await context.close();

  // The owner sees them, and the link is used up.
  await page.goto("/account/members");
  await expect(page.getByRole("cell", { name: "Nia Newcomer", exact: true })).toBeVisible();
  await page.goto(new URL(link).pathname);
  await expect(page.getByRole("heading", { name: "This invite link has expired" })).toBeVisible();
});

test("an invitee who declines stays in their own account, and the link stays open", async ({ page, browser }, info) => {
  const owner = uniqueEmail("olive", info);
  await signUp(page, info, owner, "Olive Owner");
  await expect(page.getByRole("heading", { name: "Welcome back, Olive Owner" })).toBeVisible();
  await page.goto("/account/members");
  await waitForHydration(page, info);
  await page.getByLabel("Role", { exact: true }).selectOption("admin");
  await page.getByRole("button", { name: "Create invite link" }).click();
  const linkField = page.getByLabel("Invite link (shown once)");
  await expect(linkField).toHaveValue(/\/invite\//);
  const link = await linkField.inputValue();

  // Someone with an account of their own signs in through the link.
  const dan = uniqueEmail("dan", info);
  const context = await browser.newContext({ javaScriptEnabled: hydrated(info), baseURL: info.project.use.baseURL });
  const invitee = await context.newPage();
  await signUp(invitee, info, dan, "Dan Decliner");
  await expect(invitee.getByRole("heading", { name: "Welcome back, Dan Decliner" })).toBeVisible();
  await invitee.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(invitee.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();
  await invitee.goto(link);
  await waitForHydration(invitee, info);
  await invitee.getByRole("link", { name: "Sign in to join" }).click();
  await waitForHydration(invitee, info);
  await invitee.getByLabel("Email").fill(dan);
  await invitee.getByLabel("Password").fill(PASSWORD);
  await invitee.getByRole("button", { name: "Sign in" }).click();

  // The page names the account, who invites and as what.
  await expect(invitee).toHaveURL(/\/invite\/[^/?]+$/);
  await expect(invitee.getByRole("heading", { name: "Join Olive Owner's account" })).toBeVisible();
  await expect(invitee.getByText("Olive Owner", { exact: true })).toBeVisible();
  await expect(invitee.getByText(/as admin\./)).toBeVisible();
  await waitForHydration(invitee, info);
  await invitee.getByRole("button", { name: "Decline" }).click();
  await expect(invitee).toHaveURL(/\/$/);
  await expect(invitee.getByRole("heading", { name: "Welcome back, Dan Decliner" })).toBeVisible();
  await invitee.goto("/account/members");
  await expect(invitee.getByRole("heading", { name: "Members of Dan Decliner's account" })).toBeVisible();

  // Declining did not use the link up.
  await invitee.goto(link);
  await expect(invitee.getByRole("heading", { name: "Join Olive Owner's account" })).toBeVisible();
  await context.close();
  await page.goto("/account/members");
  await expect(page.getByRole("cell", { name: "Dan Decliner", exact: true })).toHaveCount(0);
});

test("only reviewers see the Review section", async ({ page }, info) => {
  await signUp(page, info, uniqueEmail("dev", info), "Dev");
  await expect(page.getByRole("heading", { name: "Welcome back, Dev" })).toBeVisible();
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "My apps" })).toBeVisible();
  await expect(nav.getByRole("link", { name: "Review" })).toHaveCount(0);
  await page.goto("/review");
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();

  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();
  await signIn(page, info, REVIEWER.email, REVIEWER.password);
  await expect(nav.getByRole("link", { name: "Review" })).toBeVisible();
  await nav.getByRole("link", { name: "Review" }).click();
  await expect(page.getByRole("heading", { name: "Review" })).toBeVisible();
});

test("the browser checks fields as you type, with the server's rules", async ({ page }, info) => {
  test.skip(!hydrated(info), "live validation needs the WASM bundle");
  await page.goto("/signup");
  await waitForHydration(page, info);
  const email = page.getByLabel("Email");
  await email.fill("not-an-email");
  await email.blur();
  await expect(page.getByText("Enter an email address like name@example.com.")).toBeVisible();
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await email.fill("fine@example.com");
  await expect(page.getByText("Enter an email address like name@example.com.")).toHaveCount(0);
  const password = page.getByLabel("Password");
  await password.fill("short");
  await password.blur();
  await expect(page.getByText("Use at least 8 characters for your password.")).toBeVisible();
});
