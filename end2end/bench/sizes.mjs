// Prints the size of each file of the release bundle (WASM and JS): raw,
// gzip -9 and brotli q11, as a browser would download them; then, from
// cargo-leptos' split manifest, what each lazy route or function costs on
// top of the main module (its own chunk plus the shared chunks it needs).
//   node sizes.mjs DIR [--max-main-brotli KIB] [--max-page-brotli KIB]
//                      [--max-full-page-brotli KIB]
// With --max-main-brotli it exits 1 when the main module's brotli size is
// over KIB, and with --max-page-brotli when what any page loads before it
// is interactive is (scripts/test uses both: a bundle that silently grew,
// e.g. the splitter leaving all data in the main module, fails the tests),
// and with --max-full-page-brotli when what a first visit fetches until
// the page fully works (its deferred parts too) is.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dir = process.argv[2];
const limitAt = process.argv.indexOf("--max-main-brotli");
const maxMainBrotliKib = limitAt > 0 ? Number(process.argv[limitAt + 1]) : undefined;
const pageLimitAt = process.argv.indexOf("--max-page-brotli");
const maxPageBrotliKib = pageLimitAt > 0 ? Number(process.argv[pageLimitAt + 1]) : undefined;
const overPages = [];
// Each page with everything a first visit fetches until it fully works.
const fullPages = [];
const fullLimitAt = process.argv.indexOf("--max-full-page-brotli");
const maxFullPageBrotliKib = fullLimitAt > 0 ? Number(process.argv[fullLimitAt + 1]) : undefined;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const sizes = new Map();
for (const name of readdirSync(dir).sort()) {
  const path = join(dir, name);
  if (statSync(path).isDirectory() || !/\.(wasm|js|bundle)$/.test(name)) continue;
  const bytes = readFileSync(path);
  sizes.set(name, {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  });
}
const row = (label, s) => console.log(`${label.padEnd(44)} ${kib(s.raw).padStart(11)} ${kib(s.gzip).padStart(11)} ${kib(s.brotli).padStart(11)}`);
const sum = (names) => names.reduce((t, n) => {
  const s = sizes.get(n) ?? { raw: 0, gzip: 0, brotli: 0 };
  return { raw: t.raw + s.raw, gzip: t.gzip + s.gzip, brotli: t.brotli + s.brotli };
}, { raw: 0, gzip: 0, brotli: 0 });

console.log(`${"".padEnd(44)} ${"raw".padStart(11)} ${"gzip".padStart(11)} ${"brotli".padStart(11)}`);
// The split loader is imported by portico.js, so it loads with the main module.
const loader = "__wasm_split.______________________.js";
const main = ["portico.wasm", "portico.js", loader].filter((n) => sizes.has(n));
const mainSize = sum(main);
row("main module (portico.wasm, portico.js, split loader)", mainSize);
const chunks = [...sizes.keys()].filter((n) => n.endsWith(".wasm") && !main.includes(n));
row(`all ${chunks.length} split chunks together`, sum(chunks));
const manifestPath = join(dir, "__wasm_split_manifest.json");
if (existsSync(manifestPath)) {
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  // A first visit fetches the route's bundle (scripts/lib/route_bundles.mjs)
  // when there is one; a later navigation fetches the chunks it lacks.
  const bundled = Object.keys(manifest).some((name) => sizes.has(`route${name}.bundle`));
  console.log(bundled
    ? "\nloaded before the first page is interactive (main module + the route's bundle):"
    : "\nloaded before the page is interactive (main module + the route's chunks):");
  const routes = Object.entries(manifest).filter(([name]) => /_route_view_\d+$/.test(name)).sort();
  for (const [name, files] of routes) {
    const label = name.replace(/^__/, "").replace(/_view_\d+$/, "");
    const code = bundled ? [`route${name}.bundle`] : files.map((f) => `${f}.wasm`);
    const page = sum([...main, ...code]);
    row(`  ${label}`, page);
    if (maxPageBrotliKib !== undefined && !(page.brotli / 1024 <= maxPageBrotliKib)) overPages.push(`${label} ${kib(page.brotli)}`);
    // Until it fully works, a first visit also fetches the page's deferred
    // parts (`attach_<page>_…`, e.g. the media list and the preview of
    // InformationRoute): counted with it.
    const key = label.replace(/Route.*$/, "").toLowerCase();
    const deferred = Object.keys(manifest).filter((n) => n.startsWith(`attach_${key}_`) && sizes.has(`after_${n}.bundle`));
    if (deferred.length > 0) {
      const full = sum([...main, ...code, ...deferred.map((n) => `after_${n}.bundle`)]);
      row(`  ${label}, fully working (with its deferred parts)`, full);
      fullPages.push([label, full]);
    } else {
      fullPages.push([label, page]);
    }
  }
  // Lazy functions (the image check) load their chunks one file each, when
  // first called, on a page that is already interactive.
  const functions = Object.entries(manifest).filter(([name]) => !/_route_view_\d+$/.test(name)).sort();
  if (functions.length > 0) console.log("\nlazy functions, fetched when first called (their chunks alone):");
  for (const [name, files] of functions) {
    row(`  ${name.replace(/_\d+$/, "")}`, sum(files.map((f) => `${f}.wasm`)));
  }
  // A page's deferred parts (attach_*), fetched once the page has hydrated,
  // after a first visit to it: one bundle of what the page's own lacked.
  const after = Object.keys(manifest).filter((name) => sizes.has(`after_${name}.bundle`)).sort();
  if (after.length > 0) console.log("\ndeferred parts, fetched once their page has hydrated (one bundle after a first visit):");
  for (const name of after) row(`  ${name.replace(/_\d+$/, "")}`, sum([`after_${name}.bundle`]));
}

if (maxMainBrotliKib !== undefined && !(mainSize.brotli / 1024 <= maxMainBrotliKib)) {
  console.error(`\nThe main module is ${kib(mainSize.brotli)} brotli, over the ${maxMainBrotliKib} KiB limit.`);
  process.exit(1);
}
const overFull = fullPages.filter(([, size]) => maxFullPageBrotliKib !== undefined && !(size.brotli / 1024 <= maxFullPageBrotliKib));
if (overFull.length > 0) {
  console.error(`\nOver the ${maxFullPageBrotliKib} KiB brotli a first visit may fetch until the page fully works: ${overFull.map(([l, s]) => `${l} ${kib(s.brotli)}`).join(", ")}.`);
  process.exit(1);
}
if (maxFullPageBrotliKib !== undefined && fullPages.length === 0) {
  console.error("\nNo page was measured: the split manifest is missing or has no routes.");
  process.exit(1);
}
if (overPages.length > 0) {
  console.error(`\nOver the ${maxPageBrotliKib} KiB brotli a page may load before it is interactive: ${overPages.join(", ")}.`);
  process.exit(1);
}
