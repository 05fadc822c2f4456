import { type Page, type TestInfo } from "@playwright/test";
import { expect, hydrated, openNewAppInformation, signUp, test, uniqueEmail, waitForHydration } from "./helpers";
import { png } from "./images";

// The first page a visitor opens arrives as the main module plus one
// compressed bundle of that route's code; pages opened after it fetch only
// the chunks they still lack (scripts/lib/route_bundles.mjs).
test("the first page's code arrives as one compressed bundle, later pages' as the chunks they lack", async ({ page }, info) => {
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
  const bundles = paths().filter((p) => p.endsWith(".bundle"));
  expect(bundles).toEqual([expect.stringMatching(/^\/pkg\/route__sign_in_route_view_\d+\.bundle$/)]);
  expect(paths().filter((p) => p.endsWith(".wasm") && p !== "/pkg/portico.wasm")).toEqual([]);
  for (const file of fetched.filter((f) => /\.(wasm|js|bundle)$/.test(f.path))) {
    expect(["br", "gzip"], `${file.path} is sent compressed`).toContain(file.encoding);
  }

  // The sign-up page shares most of its code with sign-in: only what it
  // lacks is fetched, as chunk files, and its live checks work.
  await page.getByRole("link", { name: "Create an account" }).click();
  await expect(page.getByRole("heading", { name: "Create your account" })).toBeVisible();
  const email = page.getByLabel("Email");
  await email.fill("not-an-email");
  await email.blur();
  await expect(page.getByText("Enter an email address like name@example.com.")).toBeVisible();
  expect(paths().filter((p) => p.endsWith(".bundle"))).toHaveLength(1);
  expect(paths().filter((p) => /^\/pkg\/split___sign_up_route_view_\d+\.wasm$/.test(p))).toHaveLength(1);
  expect(new Set(paths()).size, "no file is fetched twice").toBe(paths().length);
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

// The media list and the live preview hydrate after the form, from their
// own chunk (src/components/deferred.rs): the form is interactive without
// it, and what is typed before it arrives still reaches the preview.
test("the form is interactive before the media list and preview's chunk arrives", async ({ page }, info) => {
  test.skip(!hydrated(info), "hydration is the browser's code");
  const fetched = await openInformationWatched(page, info, "Late Preview");
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  // The part's code: after a first visit, one bundle of what the page's
  // own bundle lacks (scripts/lib/route_bundles.mjs).
  await page.route(/\/pkg\/after_attach_information_media_and_preview_\d+\.bundle$/, async (route) => {
    await held;
    await route.continue();
  });

  await page.reload();
  await page.waitForFunction(() => document.documentElement.dataset.hydrated === "true");
  // The form's live check works; the preview has not hydrated yet.
  const shortDescription = page.getByLabel("Short description");
  await shortDescription.fill("x".repeat(151));
  await shortDescription.blur();
  await expect(page.getByText("A short description has at most 150 characters (this one has 151).")).toBeVisible();
  await expect.poll(() => chunkFetches(fetched, "after_attach_information_media_and_preview")).toEqual([
    expect.stringMatching(/^\/pkg\/after_attach_information_media_and_preview_\d+\.bundle$/),
  ]);
  const card = page.getByRole("article", { name: "Listing card preview" });
  await page.getByLabel("App name").fill("Typed Early");
  await expect(page.locator(".deferred[data-ready]")).toHaveCount(0);
  await expect(card.getByRole("heading", { name: "Typed Early" })).toHaveCount(0);

  // Once it arrives, the preview catches up with what was typed, and
  // follows from then on.
  release();
  await expect(page.locator(".deferred[data-ready]")).toHaveCount(2);
  await expect(card.getByRole("heading", { name: "Typed Early" })).toBeVisible();
  await page.getByLabel("App name").fill("Typed Late");
  await expect(card.getByRole("heading", { name: "Typed Late" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Listing preview" })).toHaveCount(1);
  await expect(page.getByRole("heading", { name: "Preview images and video" })).toHaveCount(1);
  // The reload fetched two bundles and no chunk file on its own.
  expect(fetched.filter((p) => /^\/pkg\/.*\.wasm$/.test(p) && p !== "/pkg/portico.wasm")).toEqual([]);
});
