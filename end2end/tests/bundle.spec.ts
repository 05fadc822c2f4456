import { type Page, type TestInfo } from "@playwright/test";
import { expect, hydrated, openNewAppInformation, signUp, test, uniqueEmail, waitForHydration } from "./helpers";
import { png } from "./images";

// Pages are server-rendered; the browser's code is one module holding the
// islands (src/islands.js loads it), sent compressed, and the lazy
// functions' chunks when first needed. A link is a page load, and the next
// page's islands work at once.
test("a page's code is one compressed module, and the next page needs nothing new", async ({ page }, info) => {
  test.skip(!hydrated(info), "the bundle is the browser's code");
  const fetched: { path: string; encoding: string | undefined }[] = [];
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith("/pkg/")) {
      fetched.push({ path: url.pathname, encoding: response.headers()["content-encoding"] });
    }
  });
  const paths = () => fetched.map((f) => f.path);

  await page.goto("/signin");
  await waitForHydration(page, info);
  expect(paths().filter((p) => p.endsWith(".wasm"))).toEqual(["/pkg/portico.wasm"]);
  for (const file of fetched.filter((f) => /\.(wasm|js)$/.test(f.path))) {
    expect(["br", "gzip"], `${file.path} is sent compressed`).toContain(file.encoding);
  }

  // The sign-up page: a page load, whose live checks work with the same
  // module (no other code fetched).
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  await waitForHydration(page, info);
  const email = page.getByLabel("Email");
  await email.fill("not-an-email");
  await email.blur();
  await expect(page.getByText("Enter an email address like name@example.com.")).toBeVisible();
  expect(paths().filter((p) => p.endsWith(".wasm") && p !== "/pkg/portico.wasm")).toEqual([]);
});

// A browser without JavaScript cannot run the module: it must not download
// it (no preload of it in the page).
test("without JavaScript, no browser code is downloaded", async ({ page }, info) => {
  test.skip(hydrated(info), "this is the no-JavaScript case");
  const fetched: string[] = [];
  page.on("request", (request) => fetched.push(new URL(request.url()).pathname));
  await signUp(page, info, uniqueEmail("nojs", info), "No Script");
  await expect(page.getByRole("heading", { name: "Welcome back, No Script" })).toBeVisible();
  await openNewAppInformation(page, info, "marketplace.account_level", `No Script ${Date.now()}`);
  await expect(page.getByRole("heading", { name: "App information" })).toBeVisible();
  expect(fetched.filter((p) => /\.(wasm|js)$/.test(p))).toEqual([]);
  expect(fetched.filter((p) => p.endsWith("/pkg/portico.css")).length).toBeGreaterThan(0);
});

/** Signs `who` up, builds an app and opens its information page; from
 * then on every request's path is recorded in the returned list. */
async function openInformationWatched(page: Page, info: TestInfo, who: string): Promise<string[]> {
  await signUp(page, info, uniqueEmail(who.replace(" ", "").toLowerCase(), info), who);
  await expect(page.getByRole("heading", { name: `Welcome back, ${who}` })).toBeVisible();
  await openNewAppInformation(page, info, "marketplace.account_level", `${who} ${Date.now()}`);
  const fetched: string[] = [];
  page.on("request", (request) => fetched.push(new URL(request.url()).pathname));
  return fetched;
}

/** The fetches of lazy function `name`'s chunk (alone or in a bundle). */
function chunkFetches(fetched: string[], name: string): string[] {
  return fetched.filter((p) => new RegExp(`${name}_\\d+\\.(wasm|bundle)$`).test(p));
}

// URL fields check with the `url` crate's parser, which is loaded only when
// a URL field is first focused (src/components/url_check.rs): the page is
// interactive without it.
test("a URL field's check is fetched when the field is first focused, not with the page", async ({ page }, info) => {
  test.skip(!hydrated(info), "the check runs in the browser's code");
  const fetched = await openInformationWatched(page, info, "Url Check");
  const urlCheck = () => chunkFetches(fetched, "check_url");

  // A fresh load of the page: live checks of other fields work, and the
  // URL check has not been fetched.
  await page.reload();
  await waitForHydration(page, info);
  const shortDescription = page.getByLabel("Short description");
  await shortDescription.fill("x".repeat(151));
  await shortDescription.blur();
  await expect(page.getByText("A short description has at most 150 characters (this one has 151).")).toBeVisible();
  expect(urlCheck()).toEqual([]);

  // Focusing a URL field fetches it; the check then answers on leaving.
  const privacy = page.getByLabel("Privacy policy URL");
  await privacy.focus();
  await expect.poll(() => urlCheck().length).toBeGreaterThan(0);
  await privacy.fill("http://acme.example/privacy");
  await privacy.blur();
  await expect(page.getByText("Use an https:// address (http:// only for localhost).")).toBeVisible();
  await expect(privacy).toHaveAttribute("aria-invalid", "true");
  // Typing a valid address clears it: only the latest answer counts.
  await privacy.fill("https://acme.example/privacy");
  await expect(privacy).not.toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Use an https:// address (http:// only for localhost).")).toHaveCount(0);
});

// Checking and uploading a picked file (src/pages/apps/media.rs) is its own
// chunk too, fetched when a file input is first focused; the image check
// after it, when the first image is picked.
test("the upload code is fetched when a file input is first focused, not with the page", async ({ page }, info) => {
  test.skip(!hydrated(info), "the upload runs in the browser's code");
  const fetched = await openInformationWatched(page, info, "Upload Chunk");
  const chunk = (name: string) => chunkFetches(fetched, name);

  await page.reload();
  await waitForHydration(page, info);
  expect(chunk("pick_and_upload")).toEqual([]);
  expect(chunk("check_image_in_browser")).toEqual([]);

  const input = page.getByLabel("Add a preview image");
  await input.focus();
  await expect.poll(() => chunk("pick_and_upload").length).toBeGreaterThan(0);
  expect(chunk("check_image_in_browser")).toEqual([]);

  await input.setInputFiles({ name: "shot.png", mimeType: "image/png", buffer: png(1200, 780) });
  await expect(page.getByRole("img", { name: "Preview image 1" })).toBeVisible();
  expect(chunk("check_image_in_browser").length).toBeGreaterThan(0);
  expect(new Set(fetched.filter((p) => p.startsWith("/pkg/"))).size, "no file is fetched twice")
    .toBe(fetched.filter((p) => p.startsWith("/pkg/")).length);
});

// The form is server-rendered and usable before the module arrives; what
// is typed then reaches the preview once its island hydrates.
test("what is typed before the page's code arrives reaches the live preview", async ({ page }, info) => {
  test.skip(!hydrated(info), "hydration is the browser's code");
  await openInformationWatched(page, info, "Late Preview");
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/pkg\/portico\.wasm$/, async (route) => {
    await held;
    await route.continue();
  });

  await page.reload();
  const card = page.getByRole("article", { name: "Listing card preview" });
  await page.getByLabel("App name").fill("Typed Early");
  await expect(page.locator("html[data-hydrated]")).toHaveCount(0);
  await expect(card.getByRole("heading", { name: "Typed Early" })).toHaveCount(0);

  // Once it arrives, the preview catches up with what was typed, and
  // follows from then on.
  release();
  await waitForHydration(page, info);
  await expect(card.getByRole("heading", { name: "Typed Early" })).toBeVisible();
  await page.getByLabel("App name").fill("Typed Late");
  await expect(card.getByRole("heading", { name: "Typed Late" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Listing preview" })).toHaveCount(1);
  await expect(page.getByRole("heading", { name: "Preview images and video" })).toHaveCount(1);
});
