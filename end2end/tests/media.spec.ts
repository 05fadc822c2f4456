import { type Page, type TestInfo } from "@playwright/test";
import { expect, hydrated, openNewAppInformation, signUp, test, uniqueEmail } from "./helpers";
import { png } from "./images";

/** Signs up, builds an app and opens its information page. */
async function openInformation(page: Page, info: TestInfo, who: string): Promise<void> {
  await signUp(page, info, uniqueEmail(who, info), who);
  await expect(page.getByRole("heading", { name: `Welcome back, ${who}` })).toBeVisible();
  await openNewAppInformation(page, info, "marketplace.user_managed", `Media ${who} ${info.project.name} ${Date.now()}`);
}

/** Picks a file; without JavaScript the form is posted with its button. */
async function addImage(page: Page, info: TestInfo, file: Buffer, name = "shot.png"): Promise<void> {
  await page.getByLabel("Add a preview image").setInputFiles({ name, mimeType: "image/png", buffer: file });
  if (!hydrated(info)) await page.getByRole("button", { name: "Upload image" }).click();
}

test("a valid preview image shows in the form and in the listing preview", async ({ page }, info) => {
  await openInformation(page, info, "Imager");
  await addImage(page, info, png(1200, 780));

  const thumbnail = page.getByRole("img", { name: "Preview image 1" });
  await expect(thumbnail).toBeVisible();
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1200);
  const card = page.getByRole("article", { name: "Listing card preview" });
  await expect(card.getByRole("img", { name: "Card image" })).toBeVisible();
  await expect(page.getByRole("article", { name: "Detail page preview" }).getByRole("img", { name: "Gallery image 1" })).toBeVisible();
  await expect(page.getByText("1 of 6 preview images.")).toBeVisible();

  // A second image, then reorder and delete.
  await addImage(page, info, png(1200, 780), "second.png");
  await expect(page.getByRole("img", { name: "Preview image 2" })).toBeVisible();
  const secondSrc = await page.getByRole("img", { name: "Preview image 2" }).getAttribute("src");
  await page.getByRole("button", { name: "Move image 2 earlier" }).click();
  await expect(page.getByRole("img", { name: "Preview image 1" })).toHaveAttribute("src", secondSrc!);
  await expect(card.getByRole("img", { name: "Card image" })).toHaveAttribute("src", secondSrc!);
  await page.getByRole("button", { name: "Delete image 1" }).click();
  await expect(page.getByRole("img", { name: "Preview image 2" })).toHaveCount(0);
  await expect(page.getByText("1 of 6 preview images.")).toBeVisible();
});

test("a 1200x781 image is refused, in the browser before any byte is sent", async ({ page }, info) => {
  await openInformation(page, info, "Refused");
  const uploads: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname.endsWith("/media")) uploads.push(request.url());
  });
  await addImage(page, info, png(1200, 781), "almost.png");
  await expect(page.getByText("This image is 1200x781 pixels. Preview images must be exactly 1200x780.")).toBeVisible();
  await expect(page.getByLabel("Add a preview image")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("img", { name: "Preview image 1" })).toHaveCount(0);
  if (hydrated(info)) {
    // The check ran in WASM: nothing went to the server.
    expect(uploads).toEqual([]);
  } else {
    // Without JavaScript the server made the same check.
    expect(uploads).toHaveLength(1);
  }

  // A later file that passes takes the message away.
  await addImage(page, info, png(1200, 780), "right.png");
  await expect(page.getByRole("img", { name: "Preview image 1" })).toBeVisible();
  await expect(page.getByText("Preview images must be exactly 1200x780.")).toHaveCount(0);
  await expect(page.getByLabel("Add a preview image")).not.toHaveAttribute("aria-invalid", "true");
});

/** A small MP4: an `ftyp` box, then filler in an `mdat` box. */
function mp4(len: number): Buffer {
  const head = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from("ftypisom"), Buffer.from([0, 0, 2, 0]), Buffer.from("isomiso2")]);
  const mdat = Buffer.alloc(len - head.length);
  mdat.writeUInt32BE(len - head.length, 0);
  mdat.write("mdat", 4);
  return Buffer.concat([head, mdat]);
}

test("the listing preview shows the video too", async ({ page }, info) => {
  await openInformation(page, info, "Filmer");
  await page.getByLabel("Add a video").setInputFiles({ name: "demo.mp4", mimeType: "video/mp4", buffer: mp4(4096) });
  if (!hydrated(info)) await page.getByRole("button", { name: "Upload video" }).click();
  await expect(page.getByLabel("Listing video")).toBeVisible();
  const preview = page.getByRole("article", { name: "Detail page preview" });
  await expect(preview.getByLabel("Video in the listing preview")).toHaveAttribute("src", /^\/media\//);
});

test("the listing preview follows what the developer types", async ({ page }, info) => {
  test.skip(!hydrated(info), "live updates need JavaScript; without it the preview shows the saved listing");
  await openInformation(page, info, "Previewer");
  const card = page.getByRole("article", { name: "Listing card preview" });
  await page.getByLabel("App name").fill("Notes Deluxe");
  await page.getByLabel("Short description").fill("Notes that write themselves.");
  await page.getByLabel("Analytics").check();
  await expect(card.getByRole("heading", { name: "Notes Deluxe" })).toBeVisible();
  await expect(card.getByText("Notes that write themselves.")).toBeVisible();
  await expect(card.getByRole("list", { name: "Categories" })).toHaveText("Analytics");
  await page.getByLabel("Long description").fill("First line.\nSecond line.");
  await expect(page.getByRole("article", { name: "Detail page preview" }).getByText("Second line.")).toBeVisible();
});

test("the app icon is checked like preview images and shows in the preview; a new one replaces it", async ({ page }, info) => {
  await openInformation(page, info, "Iconic");
  const uploads: string[] = [];
  page.on("request", (request) => {
    if (request.method() === "POST" && new URL(request.url()).pathname.endsWith("/media")) uploads.push(request.url());
  });
  const pick = async (file: Buffer, name: string) => {
    await page.getByLabel("Add an app icon").setInputFiles({ name, mimeType: "image/png", buffer: file });
    if (!hydrated(info)) await page.getByRole("button", { name: "Upload icon" }).click();
  };
  const region = page.getByRole("region", { name: "App icon" });
  await expect(region.getByText("No icon yet.")).toBeVisible();

  await pick(png(1200, 780), "big.png");
  await expect(region.getByText("This image is 1200x780 pixels. The app icon must be exactly 160x160.")).toBeVisible();
  await expect(page.getByLabel("Add an app icon")).toHaveAttribute("aria-invalid", "true");
  // The preview images' picker says nothing.
  await expect(page.getByLabel("Add a preview image")).not.toHaveAttribute("aria-invalid", "true");
  expect(uploads).toHaveLength(hydrated(info) ? 0 : 1);

  await pick(png(160, 160), "icon.png");
  const icon = region.getByRole("img", { name: "App icon" });
  await expect(icon).toBeVisible();
  await expect.poll(() => icon.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(160);
  await expect(page.getByRole("article", { name: "Detail page preview" }).getByRole("img", { name: "App icon" })).toBeVisible();
  const first = await icon.getAttribute("src");

  await pick(png(160, 160), "again.png");
  await expect(icon).not.toHaveAttribute("src", first!);
  await expect(region.getByRole("img", { name: "App icon" })).toHaveCount(1);
});
