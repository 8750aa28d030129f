// Trunk's post-build hook (Trunk.toml): minifies wasm-bindgen's JS glue with terser in release
// builds. Trunk's own minifier cannot parse the glue's ES module and ships it as it is; minified,
// it is 2 KB smaller gzipped (page weight is a budget, README "Page weight"). Before that, the
// names the glue and the wasm module share are shortened and the module's custom sections
// dropped (scripts/wasm-names.mjs): 9 KB less. The rust link in index.html has no integrity
// digest, which would name the glue before this rewrite.

import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { minify } from "terser";
import { shortenWasmNames } from "./wasm-names.mjs";

const staging = process.env.TRUNK_STAGING_DIR;
if (process.env.TRUNK_PROFILE === "release" && staging) {
  const files = await readdir(staging);
  for (const name of files.filter((name) => name.endsWith(".js"))) {
    const path = join(staging, name);
    let glue = await readFile(path, "utf8");
    // Trunk names the module after its glue: `raft-playground-<hash>_bg.wasm`.
    const wasmName = name.replace(/\.js$/, "_bg.wasm");
    if (files.includes(wasmName)) {
      const wasmPath = join(staging, wasmName);
      const shortened = shortenWasmNames(await readFile(wasmPath), glue);
      await writeFile(wasmPath, shortened.wasm);
      glue = shortened.glue;
    }
    // `module`: the glue is an ES module, so its top-level names may be mangled, not its exports.
    const { code } = await minify(glue, { module: true, compress: true, mangle: true });
    await writeFile(path, code);
  }
}
