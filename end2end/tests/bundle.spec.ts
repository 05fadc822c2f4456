import { expect, hydrated, test, waitForHydration } from "./helpers";

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
