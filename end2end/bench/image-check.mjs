// Times the browser-side preview-image check (the WASM `image` code on the
// App information page) in Debian's Chromium against a running Portico.
// The page records each check as the `portico:image-check` performance
// measure; this picks each sample file RUNS times and reports the median.
//   node bench/image-check.mjs http://127.0.0.1:3200 /path/to/fixtures
import { chromium } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const [base, dir] = process.argv.slice(2);
const RUNS = Number(process.env.BENCH_IMAGE_RUNS ?? 25);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  const json = { accept: "application/json" };
  const email = `image-bench-${Date.now()}@example.com`;
  let res = await page.request.post("/api/sign_up", {
    form: { email, display_name: "Bench", password: "correct horse battery" }, headers: json,
  });
  if (!res.ok()) throw new Error(`sign-up: ${res.status()}`);
  res = await page.request.post("/api/create_app", {
    form: { app_type: "marketplace.account_level", name: `Image bench ${Date.now()}` },
    headers: json, maxRedirects: 0,
  });
  const location = res.headers()["location"];
  if (!location) throw new Error(`create_app: ${res.status()} ${await res.text()}`);
  await page.goto(`${location}/information`);
  // The page's islands, the media list among them (src/islands.js marks it).
  await page.waitForFunction(() => document.documentElement.dataset.hydrated === "true");
  const input = page.getByLabel("Add a preview image");

  const rows = [];
  for (const [label, file, type] of [
    ["PNG 1200x780", "valid.png", "image/png"],
    ["JPEG 1200x780", "valid.jpg", "image/jpeg"],
    ["GIF 1200x780", "valid.gif", "image/gif"],
  ]) {
    const buffer = readFileSync(join(dir, file));
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const before = await page.evaluate(() => performance.getEntriesByName("portico:image-check").length);
      await input.setInputFiles({ name: file, mimeType: type, buffer });
      await page.waitForFunction((n) => performance.getEntriesByName("portico:image-check").length > n, before);
      times.push(await page.evaluate(() => performance.getEntriesByName("portico:image-check").at(-1).duration));
    }
    times.sort((a, b) => a - b);
    const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    rows.push(`${label.padEnd(16)} ${String(buffer.length).padStart(9)} B   median ${at(0.5).toFixed(2)} ms   p95 ${at(0.95).toFixed(2)} ms   max ${times.at(-1).toFixed(2)} ms   (n=${RUNS})`);
  }
  console.log(rows.join("\n"));
} finally {
  await browser.close();
}
