// Trunk's post-build hook (Trunk.toml): minifies wasm-bindgen's JS glue with terser in release
// builds. Trunk's own minifier cannot parse the glue's ES module and ships it as it is; minified,
// it is 2 KB smaller gzipped (page weight is a budget, README "Page weight"). The rust link in
// index.html has no integrity digest, which would name the glue before this rewrite.

import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { minify } from "terser";

const staging = process.env.TRUNK_STAGING_DIR;
if (process.env.TRUNK_PROFILE === "release" && staging) {
  for (const name of (await readdir(staging)).filter((name) => name.endsWith(".js"))) {
    const path = join(staging, name);
    // `module`: the glue is an ES module, so its top-level names may be mangled, not its exports.
    const { code } = await minify(await readFile(path, "utf8"), { module: true, compress: true, mangle: true });
    await writeFile(path, code);
  }
}
