// Browser-side measurements of one running Portico build, for comparing
// two designs (scripts/compare-designs runs this once per design):
//   bytes     what a first visit downloads before the page fully works
//   clicks    sidebar click to the target page fully working, first visit
//             (empty cache) and repeat (same context, warm cache)
//   lighthouse performance and accessibility scores, mobile and desktop
// Prints one JSON object on stdout; progress goes to stderr.
//   node bench/designs.mjs http://127.0.0.1:3300 portico_session=… APP_ID
//   node bench/designs.mjs --table OUT.json   # the Markdown table of a
//                                             # compare-designs JSON file
// Env: SAMPLES (15), LH_RUNS (3; 0 skips Lighthouse), LH_DIR (/tmp/lh),
// CHROMIUM_PATH (/usr/bin/chromium), READY_TIMEOUT_MS (20000).
//
// "Fully working" is the same test for both designs, so that one script
// measures both: the page's h1 shows the expected title, <html> carries
// data-hydrated="true" (today's hydrate() and the islands loader both set
// it once their code has run) and no `.deferred` part is still waiting for
// its chunk (src/components/deferred.rs sets data-ready when attached).
import { chromium } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const SAMPLES = Number(process.env.SAMPLES ?? 15);
const LH_RUNS = Number(process.env.LH_RUNS ?? 3);
const LH_DIR = process.env.LH_DIR ?? "/tmp/lh";
const READY_TIMEOUT = Number(process.env.READY_TIMEOUT_MS ?? 20_000);
// How long the network must stay quiet after "ready" before the byte count
// is taken: chunks fetched right after hydration still belong to the page.
const IDLE_MS = 1000;

const log = (...args) => console.error("[designs]", ...args);
const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  // Nearest rank: with 15 samples p90 is the 14th, a real sample.
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
const kib = (bytes) => Math.round((bytes / 1024) * 10) / 10;
const round1 = (x) => (x == null ? null : Math.round(x * 10) / 10);

if (process.argv[2] === "--table") {
  console.log(table(JSON.parse(readFileSync(process.argv[3], "utf8"))));
  process.exit(0);
}

const [base, cookie, appId] = process.argv.slice(2);
if (!base || !cookie || !appId) {
  console.error("usage: node bench/designs.mjs BASE_URL 'portico_session=…' APP_ID");
  process.exit(2);
}
const eq = cookie.indexOf("=");
const sessionCookie = { name: cookie.slice(0, eq), value: cookie.slice(eq + 1), url: base };

const overview = `/apps/${appId}`;
const PAGES = [
  { key: "information", path: `/apps/${appId}/information`, h1: "App information" },
  { key: "credentials", path: `/apps/${appId}/credentials`, h1: "Credentials" },
  { key: "deliveries", path: `/apps/${appId}/deliveries`, h1: "Delivery log" },
];

// Runs in every document before its own scripts. It notes, per h1 title,
// the first moment the page was fully working with that title, in the
// page's own clock (epoch ms). A MutationObserver sees the change that
// completes readiness as it happens, where polling from node would add its
// interval and a CDP round trip to every sample, and it works the same for
// a client-side navigation (same document, new h1) and a full page load
// (new document, observer installed again).
function readyObserver() {
  const seen = (window.__porticoReady = {});
  const check = () => {
    const root = document.documentElement;
    if (!root || root.dataset.hydrated !== "true") return;
    if (document.querySelector(".deferred:not([data-ready])")) return;
    for (const h1 of document.querySelectorAll("h1")) {
      const title = h1.textContent.trim();
      if (!(title in seen) && h1.checkVisibility()) seen[title] = performance.timeOrigin + performance.now();
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
}

// The same test, evaluated once, for error messages and the overview page
// (whose h1 is the app's name).
function readyState() {
  return {
    url: location.href,
    hydrated: document.documentElement.dataset.hydrated ?? null,
    pendingDeferred: document.querySelectorAll(".deferred:not([data-ready])").length,
    h1: [...document.querySelectorAll("h1")].map((h) => `${h.textContent.trim()}${h.checkVisibility() ? "" : " (hidden)"}`),
    seen: Object.keys(window.__porticoReady ?? {}),
  };
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
const result = { base, appId, samples: SAMPLES, bytes: {}, clicks: {}, lighthouse: {} };
try {
  for (const p of PAGES) result.bytes[p.key] = await bytesBeforeReady(p);
  for (const p of PAGES) result.clicks[p.key] = await clickToReady(p);
} finally {
  await browser.close();
}
// After the Playwright browser is closed: Lighthouse launches its own
// Chromium, and two on 2 cores would disturb its timings.
if (LH_RUNS > 0) for (const p of PAGES) result.lighthouse[p.key] = lighthouse(p);
console.log(JSON.stringify(result, null, 2));

async function newContext() {
  const context = await browser.newContext({ baseURL: base });
  await context.addCookies([sessionCookie]);
  await context.addInitScript(readyObserver);
  return context;
}

// Waits until the page is fully working with `title` as its h1 and returns
// that moment in the page's clock. Retries across a full page load, which
// destroys the execution context the wait runs in.
async function readyAt(page, title, what) {
  const deadline = Date.now() + READY_TIMEOUT;
  for (;;) {
    const left = deadline - Date.now();
    try {
      if (left <= 0) throw new Error("timeout");
      const handle = await page.waitForFunction(
        (t) => (t === null ? Object.values(window.__porticoReady ?? {})[0] : window.__porticoReady?.[t]),
        title, { timeout: left, polling: 20 });
      return await handle.jsonValue();
    } catch (e) {
      const transient = /context was destroyed|navigat|Target closed|frame was detached/i.test(String(e));
      if (transient && Date.now() < deadline) continue;
      let state;
      try { state = await page.evaluate(readyState); } catch (e2) { state = String(e2); }
      throw new Error(`${what}: not ready within ${READY_TIMEOUT} ms (expected h1 ${JSON.stringify(title)}): ` +
        `${JSON.stringify(state)}; ${String(e).split("\n")[0]}`);
    }
  }
}

// Offset of the page's clock (timeOrigin + now) from node's, from the
// round trip with the least delay of a few: converts readyAt() into
// node's clock, where the click was timed.
async function clockOffset(page) {
  let best = null;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.timeOrigin + performance.now();
    const tp = await page.evaluate(() => performance.timeOrigin + performance.now());
    const t1 = performance.timeOrigin + performance.now();
    if (!best || t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: tp - (t0 + t1) / 2 };
  }
  return best.offset;
}

// Resolves once no request of this page has been in flight for `ms`.
async function networkIdle(page, ms, what) {
  const inflight = new Set();
  let last = Date.now();
  const on = (r) => { inflight.add(r); last = Date.now(); };
  const off = (r) => { inflight.delete(r); last = Date.now(); };
  page.on("request", on);
  page.on("requestfinished", off);
  page.on("requestfailed", off);
  try {
    const deadline = Date.now() + READY_TIMEOUT;
    while (inflight.size > 0 || Date.now() - last < ms) {
      if (Date.now() > deadline) throw new Error(`${what}: network never idle (${[...inflight].map((r) => r.url()).join(", ")})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    page.off("request", on);
    page.off("requestfinished", off);
    page.off("requestfailed", off);
  }
}

// a. Bytes a first visit transfers before the page fully works (and the
// second of quiet after it). encodedDataLength is what crossed the wire,
// response headers included, as DevTools' "transferred" column shows it.
async function bytesBeforeReady(p) {
  log(`bytes: ${p.path}`);
  const context = await newContext();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const reqs = new Map();
    cdp.on("Network.requestWillBeSent", (e) => reqs.set(e.requestId, { url: e.request.url, type: e.type, bytes: 0 }));
    cdp.on("Network.responseReceived", (e) => {
      const r = reqs.get(e.requestId);
      if (!r) return;
      r.type = e.type;
      r.mime = e.response.mimeType;
      r.status = e.response.status;
      r.encoding = Object.entries(e.response.headers).find(([k]) => k.toLowerCase() === "content-encoding")?.[1] ?? "identity";
    });
    cdp.on("Network.loadingFinished", (e) => { const r = reqs.get(e.requestId); if (r) r.bytes = e.encodedDataLength; });
    cdp.on("Network.loadingFailed", (e) => { const r = reqs.get(e.requestId); if (r) r.failed = e.errorText; });
    await cdp.send("Network.enable");
    await page.goto(p.path, { waitUntil: "commit" });
    await readyAt(page, p.h1, `bytes ${p.path}`);
    await networkIdle(page, IDLE_MS, `bytes ${p.path}`);
    const list = [...reqs.values()].map((r) => ({ ...r, url: r.url.replace(base, "") }));
    const isCode = (r) => r.type === "Script" || /javascript|wasm/.test(r.mime ?? "") || /\.(m?js|wasm)(\?|$)/.test(r.url);
    const sum = (xs) => xs.reduce((n, r) => n + r.bytes, 0);
    const failed = list.filter((r) => r.failed || r.status >= 400);
    if (failed.length) log(`  warning: failed requests on ${p.path}: ${JSON.stringify(failed)}`);
    return {
      scriptWasmKiB: kib(sum(list.filter(isCode))),
      allKiB: kib(sum(list)),
      requests: list.length,
      scriptWasmRequests: list.filter(isCode).length,
      list,
    };
  } finally {
    await context.close();
  }
}

// b. Click on the overview's sidebar link to the target page fully
// working. First visit: a new context per sample, so nothing is cached.
// Repeat: the same context loads the overview again and clicks again.
async function clickToReady(p) {
  log(`clicks: ${p.path} (${SAMPLES} samples)`);
  const first = [];
  const repeat = [];
  for (let i = 0; i < SAMPLES; i++) {
    const context = await newContext();
    try {
      const page = await context.newPage();
      first.push(await oneClick(page, p, `first ${p.path} #${i + 1}`));
      repeat.push(await oneClick(page, p, `repeat ${p.path} #${i + 1}`));
    } finally {
      await context.close();
    }
  }
  const stats = (xs) => ({ medianMs: round1(median(xs)), p90Ms: round1(quantile(xs, 0.9)), samplesMs: xs.map(round1) });
  return { first: stats(first), repeat: stats(repeat) };
}

async function oneClick(page, p, what) {
  await page.goto(overview, { waitUntil: "commit" });
  await readyAt(page, null, `${what}: overview`);
  // Clicked once the overview has finished loading, as a reader would,
  // not while its last chunks still compete with the click's work.
  await networkIdle(page, 300, `${what}: overview`);
  // By address, not by label: the sidebar says "Information" for the
  // page titled "App information", and a redesign may word it otherwise.
  let link = page.locator(`nav[aria-label="App sections"] a[href="${p.path}"]`);
  if ((await link.count()) === 0) link = page.locator(`nav a[href="${p.path}"]`);
  if ((await link.count()) !== 1) throw new Error(`${what}: expected one sidebar link to ${p.path}, found ${await link.count()}`);
  await link.scrollIntoViewIfNeeded();
  const box = await link.boundingBox();
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  // Hover and press beforehand: the click event, which both routers act
  // on, fires on release, so timing starts there.
  await page.mouse.move(x, y);
  await page.mouse.down();
  const t0 = performance.timeOrigin + performance.now();
  await page.mouse.up();
  await page.waitForURL((url) => url.pathname === p.path, { waitUntil: "commit", timeout: READY_TIMEOUT });
  const at = await readyAt(page, p.h1, what);
  const ms = at - (await clockOffset(page)) - t0;
  if (!(ms > 0)) throw new Error(`${what}: impossible timing ${ms} ms (clock offset?)`);
  return ms;
}

// c. Lighthouse, its CLI from LH_DIR: mobile (its default) and desktop.
function lighthouse(p) {
  const bin = join(LH_DIR, "node_modules", ".bin", "lighthouse");
  const out = {};
  for (const form of ["mobile", "desktop"]) {
    const runs = [];
    for (let i = 0; i < LH_RUNS; i++) {
      log(`lighthouse ${form} ${p.path} #${i + 1}`);
      const dir = mkdtempSync(join(tmpdir(), "designs-lh-"));
      try {
        const file = join(dir, "report.json");
        const args = [base + p.path, "--quiet", "--output=json", `--output-path=${file}`,
          "--only-categories=performance,accessibility",
          "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
          `--extra-headers=${JSON.stringify({ Cookie: cookie })}`];
        if (form === "desktop") args.push("--preset=desktop");
        // Lighthouse 12 takes the browser from CHROME_PATH (no --chrome-path flag).
        execFileSync(bin, args, { env: { ...process.env, CHROME_PATH: CHROMIUM }, stdio: ["ignore", "ignore", "inherit"], timeout: 180_000 });
        const lhr = JSON.parse(readFileSync(file, "utf8"));
        const score = (c) => (lhr.categories[c]?.score == null ? null : Math.round(lhr.categories[c].score * 100));
        const metric = (a) => round1(lhr.audits[a]?.numericValue);
        const run = {
          performance: score("performance"), accessibility: score("accessibility"),
          fcpMs: metric("first-contentful-paint"), lcpMs: metric("largest-contentful-paint"),
          tbtMs: metric("total-blocking-time"), speedIndexMs: metric("speed-index"),
          finalUrl: lhr.finalDisplayedUrl, runtimeError: lhr.runtimeError?.message,
        };
        // A run redirected to the sign-in page would score the wrong page.
        if (!lhr.finalDisplayedUrl?.endsWith(p.path)) run.runtimeError ??= `ended at ${lhr.finalDisplayedUrl}`;
        if (run.runtimeError || run.performance == null) log(`  warning: ${JSON.stringify(run)}`);
        runs.push(run);
      } catch (e) {
        log(`  lighthouse failed: ${String(e).split("\n")[0]}`);
        runs.push({ error: String(e).split("\n")[0] });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const ok = runs.filter((r) => r.performance != null && !r.runtimeError);
    out[form] = {
      performance: median(ok.map((r) => r.performance)),
      accessibility: median(ok.map((r) => r.accessibility)),
      runs,
    };
  }
  return out;
}

// The Markdown table of a compare-designs JSON file: { designs: [A, B] },
// each with label, throughput (wrk) and browser (this script's output).
function table({ designs }) {
  const [a, b] = designs;
  const rows = [];
  const head = `| Metric | ${a.label} | ${b.label} | ${b.label}/${a.label} |`;
  rows.push(head, "|---|---:|---:|---:|");
  const ratio = (x, y) => (x && y != null ? `${(y / x).toFixed(2)}×` : "");
  const fmt = (x, unit = "") => (x == null ? "n/a" : `${x}${unit}`);
  const row = (name, x, y, unit = "", withRatio = true) =>
    rows.push(`| ${name} | ${fmt(x, unit)} | ${fmt(y, unit)} | ${withRatio ? ratio(x, y) : ""} |`);

  const tp = (d, path) => d.throughput.find((t) => t.path === path);
  for (const t of a.throughput) {
    const ta = t;
    const tb = tp(b, t.path);
    rows.push(`| SSR req/s ${t.name} | ${ta.rps.toFixed(0)} (${ta.pctHealthz}%) | ${tb ? `${tb.rps.toFixed(0)} (${tb.pctHealthz}%)` : "n/a"} | ${tb ? ratio(ta.rps, tb.rps) : ""} |`);
  }
  for (const t of [...a.throughput, ...b.throughput]) {
    if (t.errors > 0) rows.push(`| ⚠ wrk errors ${t.name} | ${tp(a, t.path)?.errors ?? ""} | ${tp(b, t.path)?.errors ?? ""} | |`);
  }
  const ba = a.browser;
  const bb = b.browser;
  // Keys from both sides: a design whose run skipped a part shows n/a.
  const keys = (part) => [...new Set([...Object.keys(ba[part]), ...Object.keys(bb[part])])];
  for (const k of keys("bytes")) {
    row(`JS+WASM before ready, ${k} (KiB)`, ba.bytes[k]?.scriptWasmKiB, bb.bytes[k]?.scriptWasmKiB);
    row(`All bytes before ready, ${k} (KiB)`, ba.bytes[k]?.allKiB, bb.bytes[k]?.allKiB);
  }
  for (const k of keys("clicks")) {
    for (const kind of ["first", "repeat"]) {
      const ca = ba.clicks[k]?.[kind];
      const cb = bb.clicks[k]?.[kind];
      row(`Click→ready ${k}, ${kind} visit, median (ms)`, ca?.medianMs, cb?.medianMs);
      row(`Click→ready ${k}, ${kind} visit, p90 (ms)`, ca?.p90Ms, cb?.p90Ms);
    }
  }
  for (const k of keys("lighthouse")) {
    for (const form of ["mobile", "desktop"]) {
      const la = ba.lighthouse[k]?.[form];
      const lb = bb.lighthouse[k]?.[form];
      row(`Lighthouse ${form} ${k}: performance`, la?.performance, lb?.performance, "", false);
      row(`Lighthouse ${form} ${k}: accessibility`, la?.accessibility, lb?.accessibility, "", false);
    }
  }
  const samples = `${ba.samples} click samples per cell (medians; p90 = nearest rank)`;
  const lhRuns = [ba, bb].map((d) => Object.values(d.lighthouse)[0]?.mobile.runs.length ?? 0);
  const lh = Math.max(...lhRuns) ? `Lighthouse: median of ${Math.max(...lhRuns)} run(s) per cell` : "Lighthouse: skipped";
  return `${rows.join("\n")}\n\n${samples}; ${lh}; SSR: wrk -t1 -c16 for ${a.seconds} s per path, (%) = of /healthz in the same design's run.`;
}
