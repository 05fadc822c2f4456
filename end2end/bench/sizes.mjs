// Prints the size of each file of the release bundle (WASM and JS): raw,
// gzip -9 and brotli q11, as a browser would download them; the main
// module (every island, loaded by every page that has one); each lazy
// function's chunks (fetched the first time it is called); and everything
// together: what a visitor downloads at most until every page fully works,
// the App information page's image check and upload included.
// Then, per page, what a first visit downloads until the page is ready
// (the main module and the page's lazy islands), and until every part of
// it has been used once (its lazy functions too: the URL check, the
// upload, the image check).
//   node sizes.mjs DIR [--max-everything-brotli KIB] [--max-page-brotli KIB]
// With --max-everything-brotli it exits 1 when the total is over KIB, and
// with --max-page-brotli when what a page needs until it is ready is
// (scripts/test uses it: a bundle that silently grew fails the tests).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dir = process.argv[2];
const limitAt = process.argv.indexOf("--max-everything-brotli");
const maxEverythingKib = limitAt > 0 ? Number(process.argv[limitAt + 1]) : undefined;
const pageLimitAt = process.argv.indexOf("--max-page-brotli");
const maxPageKib = pageLimitAt > 0 ? Number(process.argv[pageLimitAt + 1]) : undefined;
// The pages with lazy islands or lazy functions, and which (by the name
// before the hash in the split manifest); every other page needs the
// main module only. Kept by hand: a new lazy island goes here.
const PAGES = {
  "App information": { ready: ["listing_workbench_loader"], later: ["check_url", "pick_and_upload", "check_image_in_browser"] },
  "Credentials": { ready: ["copy_button_loader"], later: ["check_url"] },
  "Features": { ready: ["copy_button_loader"], later: ["check_url"] },
  "Delivery log": { ready: ["delivery_log_loader"], later: [] },
};
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const sizes = new Map();
for (const name of readdirSync(dir).sort()) {
  const path = join(dir, name);
  if (statSync(path).isDirectory() || !/\.(wasm|js)$/.test(name)) continue;
  const bytes = readFileSync(path);
  sizes.set(name, {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  });
}
const row = (label, s) => console.log(`${label.padEnd(52)} ${kib(s.raw).padStart(11)} ${kib(s.gzip).padStart(11)} ${kib(s.brotli).padStart(11)}`);
const sum = (names) => names.reduce((t, n) => {
  const s = sizes.get(n) ?? { raw: 0, gzip: 0, brotli: 0 };
  return { raw: t.raw + s.raw, gzip: t.gzip + s.gzip, brotli: t.brotli + s.brotli };
}, { raw: 0, gzip: 0, brotli: 0 });

console.log(`${"".padEnd(52)} ${"raw".padStart(11)} ${"gzip".padStart(11)} ${"brotli".padStart(11)}`);
if (!sizes.has("portico.wasm")) {
  console.error(`No portico.wasm in ${dir}: is this a release build?`);
  process.exit(1);
}
// The split loader is imported by portico.js, so it loads with the main module.
const main = [...sizes.keys()].filter((n) => n === "portico.wasm" || n === "portico.js" || n.startsWith("__wasm_split"));
row("main module (portico.wasm, portico.js, split loader)", sum(main));
const manifestPath = join(dir, "__wasm_split_manifest.json");
const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, "utf8")) : {};
const filesOf = (fn) => {
  const entry = Object.entries(manifest).find(([name]) => name.replace(/_\d+$/, "") === fn);
  if (!entry) {
    console.error(`The split manifest has no lazy function ${fn}: update PAGES in sizes.mjs.`);
    process.exit(1);
  }
  return entry[1].map((f) => `${f}.wasm`);
};
console.log("\nlazy islands and functions, fetched when first needed (their chunks):");
for (const [name, files] of Object.entries(manifest).sort()) {
  row(`  ${name.replace(/_\d+$/, "")}`, sum(files.map((f) => `${f}.wasm`)));
}
console.log("\nper page, a first visit (shared chunks counted once):");
const overPages = [];
for (const [page, { ready, later }] of Object.entries(PAGES)) {
  const until = (fns) => [...new Set([...main, ...fns.flatMap(filesOf)])];
  const readySize = sum(until(ready));
  row(`  ${page}, until ready`, readySize);
  if (later.length > 0) row(`  ${page}, every part used once`, sum(until([...ready, ...later])));
  if (maxPageKib !== undefined && !(readySize.brotli / 1024 <= maxPageKib)) overPages.push(`${page} ${kib(readySize.brotli)}`);
}
row("  every other page, until ready", sum(main));
const everything = sum([...sizes.keys()]);
console.log("");
row("everything (main module and every chunk)", everything);
if (maxEverythingKib !== undefined && !(everything.brotli / 1024 <= maxEverythingKib)) {
  console.error(`\nThe whole bundle is ${kib(everything.brotli)} brotli, over the ${maxEverythingKib} KiB limit.`);
  process.exit(1);
}
if (overPages.length > 0) {
  console.error(`\nOver the ${maxPageKib} KiB brotli a first visit may download until the page is ready: ${overPages.join(", ")}.`);
  process.exit(1);
}
