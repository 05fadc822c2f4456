// Writes a brotli (quality 11) and a gzip (level 9) copy beside each file
// of the release bundle, served to browsers that accept them (tower-http
// ServeDir, precompressed): the smallest download without compressing on
// every request.
//   node scripts/lib/precompress.mjs target/site/pkg
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const dir = process.argv[2];
let count = 0;
for (const name of readdirSync(dir)) {
  const path = join(dir, name);
  if (statSync(path).isDirectory() || /\.(br|gz)$/.test(name) || name.endsWith(".json") || name.endsWith(".d.ts")) continue;
  const bytes = readFileSync(path);
  writeFileSync(`${path}.br`, brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }));
  writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
  count += 1;
}
console.log(`precompressed ${count} files in ${dir}`);
