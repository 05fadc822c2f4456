// Finishes the release site's /pkg after `cargo leptos build --split`:
//   1. one bundle file per lazy route (its split plus every shared chunk it
//      needs, concatenated), and a patch to the split loader (which also
//      drops its comments) so that the first route a visitor loads arrives
//      as that one file, and that page's deferred parts (if any) as one
//      more;
//   2. brotli and gzip copies of every file, which the server sends to
//      browsers that accept them (tower-http ServeDir, precompressed).
//
// Why (1): the splitter makes one file per set of routes sharing code, so a
// page needs 5-107 small files. Each is compressed on its own, and brotli
// finds far less to reuse in a small file: the information page's chunks
// are 173 KiB brotli as separate files and 125 KiB as one. Later
// navigations still fetch only the chunks they lack, one file each, so no
// byte is fetched twice.
//   node scripts/lib/route_bundles.mjs target/site/pkg
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dir = process.argv[2];
const loaderName = "__wasm_split.______________________.js";
const manifest = JSON.parse(readFileSync(join(dir, "__wasm_split_manifest.json"), "utf8"));

// 1. Bundles: [u32 LE header length][header: JSON [[file, bytes], ...]][files].
function writeBundle(name, files) {
  const parts = files.map((f) => readFileSync(join(dir, `${f}.wasm`)));
  const header = Buffer.from(JSON.stringify(files.map((f, i) => [f, parts[i].length])));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  writeFileSync(join(dir, name), Buffer.concat([length, header, ...parts]));
}

// Only routes: a lazy function is never the first split a page loads, and
// every entry here is loaded with the main module.
const bundles = {};
for (const [split, files] of Object.entries(manifest)) {
  if (!/_route_view_\d+$/.test(split)) continue;
  const name = `route${split}.bundle`;
  writeBundle(name, files);
  bundles[split] = { file: name, parts: files };
}

// A page's deferred part (src/components/deferred.rs) is a lazy function
// named attach_<page>_…, after its route <page>_route (e.g.
// attach_information_media_and_preview on the information page), fetched
// right after the page has hydrated. After a first visit to that page it
// arrives as one more bundle: the parts the page's own bundle did not hold.
for (const [split, files] of Object.entries(manifest)) {
  if (!split.startsWith("attach_")) continue;
  const page = Object.keys(manifest).find((route) => {
    const name = route.match(/^__(.+)_route_view_\d+$/)?.[1];
    return name !== undefined && split.startsWith(`attach_${name}_`);
  });
  if (page === undefined) {
    console.error(`${split}: no route matches its name (attach_<route>_…)`);
    process.exit(1);
  }
  const rest = files.filter((f) => !manifest[page].includes(f));
  const name = `after_${split}.bundle`;
  writeBundle(name, rest);
  bundles[split] = { after: { route: page, file: name, parts: rest } };
  console.log(`${name}: ${rest.length} parts beyond ${page}`);
}

// The loader, as wasm-split-cli 0.2.3 (cargo-leptos 0.3.10) writes it:
//   const __chunk_N = makeLoad(() => {
//       const src = fetch(new URL("./chunk_N.wasm", import.meta.url)); ...
//   export const __wasm_split_load_<split> = wrapAsyncCb(makeLoad(() => { ...
// Every fetch goes through fetchPart, and each split's loader through
// makeRouteLoad, which on the first load of any split fetches its bundle.
const loaderPath = join(dir, loaderName);
let loader = readFileSync(loaderPath, "utf8");
const patched = loader.includes("makeRouteLoad");
const fetchPattern = /fetch\(new URL\("\.\/([A-Za-z0-9_]+)\.wasm", import\.meta\.url\)\)/g;
const splitPattern = /export const __wasm_split_load_([A-Za-z0-9_]+) = wrapAsyncCb\(makeLoad\(/g;
const fetches = [...loader.matchAll(fetchPattern)].length;
const splits = [...loader.matchAll(splitPattern)].length;
const expected = new Set(Object.values(manifest).flat()).size;
if (!patched && (fetches !== expected || splits !== Object.keys(manifest).length)) {
  console.error(`${loaderName}: found ${fetches} chunk fetches and ${splits} split loaders, ` +
    `expected ${expected} and ${Object.keys(manifest).length}: the splitter's output changed`);
  process.exit(1);
}
if (!patched) {
  loader = loader
    // The splitter heads each chunk's loader with a comment naming every
    // split that shares it: 60 KB of the loader's 150, loaded with the main
    // module on every page (1.5 KiB brotli) and never read.
    .replace(/\/\*[^]*?\*\//g, "")
    .replace(fetchPattern, 'fetchPart("$1")')
    .replace(splitPattern, 'export const __wasm_split_load_$1 = wrapAsyncCb(makeRouteLoad("$1", ');
  loader += `
// Added by scripts/lib/route_bundles.mjs: the first split loaded arrives as
// one bundle file; every later chunk as its own file.
const ROUTE_BUNDLES = ${JSON.stringify(bundles)};
const bundled = new Map();
let firstSplit = undefined;
const afterTried = new Set();
function fetchPart(name) {
    const part = bundled.get(name);
    if (part !== undefined) {
        bundled.delete(name);
        return part;
    }
    return fetch(new URL("./" + name + ".wasm", import.meta.url));
}
function useBundle(file, parts) {
    const bytes = fetch(new URL("./" + file, import.meta.url)).then((r) => {
        if (!r.ok) throw new Error("bundle " + file + ": " + r.status);
        return r.arrayBuffer();
    });
    // The header is read once; each part is a slice of the bytes.
    const spans = bytes.then((buf) => {
        const length = new DataView(buf).getUint32(0, true);
        const entries = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, length)));
        const found = new Map();
        let start = 4 + length;
        for (const [part, size] of entries) {
            found.set(part, buf.slice(start, start + size));
            start += size;
        }
        return found;
    });
    for (const name of parts) {
        // A failed bundle fails these parts once; makeLoad forgets
        // failures, and the retry fetches the part on its own.
        bundled.set(name, spans.then((found) => {
            const part = found.get(name);
            if (part === undefined) throw new Error(name + " is not in " + file);
            return new Response(part, { headers: { "Content-Type": "application/wasm" } });
        }));
    }
}
function makeRouteLoad(split, fetcher, deps) {
    const load = makeLoad(fetcher, deps);
    return () => {
        const bundle = ROUTE_BUNDLES[split];
        if (bundle !== undefined) {
            if (firstSplit === undefined) {
                firstSplit = split;
                if (bundle.file !== undefined) useBundle(bundle.file, bundle.parts);
            } else if (bundle.after !== undefined && bundle.after.route === firstSplit && !afterTried.has(split)) {
                // A deferred part of the page first visited.
                afterTried.add(split);
                useBundle(bundle.after.file, bundle.after.parts);
            }
        }
        return load();
    };
}
`;
  writeFileSync(loaderPath, loader);
}

// 2. Precompressed copies (quality 11 brotli, level 9 gzip).
for (const name of readdirSync(dir)) {
  const path = join(dir, name);
  if (statSync(path).isDirectory() || /\.(br|gz)$/.test(name) || name.endsWith(".json") || name.endsWith(".d.ts")) continue;
  const bytes = readFileSync(path);
  writeFileSync(`${path}.br`, brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }));
  writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
}
console.log(`route bundles: ${Object.keys(bundles).length}; precompressed ${dir}`);
