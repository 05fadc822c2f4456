// Prints the size of each file of the release bundle (WASM and JS): raw,
// gzip -9 and brotli q11, as a browser would download them.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dir = process.argv[2];
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const files = [];
const walk = (d) => {
  for (const name of readdirSync(d)) {
    const path = join(d, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.(wasm|js)$/.test(name)) files.push(path);
  }
};
walk(dir);
console.log(`${"file".padEnd(48)} ${"raw".padStart(11)} ${"gzip".padStart(11)} ${"brotli".padStart(11)}`);
for (const path of files.sort()) {
  const bytes = readFileSync(path);
  const gzip = gzipSync(bytes, { level: 9 }).length;
  const brotli = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }).length;
  console.log(`${path.slice(dir.length + 1).padEnd(48)} ${kib(bytes.length).padStart(11)} ${kib(gzip).padStart(11)} ${kib(brotli).padStart(11)}`);
}
