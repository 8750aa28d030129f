// scripts/wasm-names.mjs, the post-build step that gives the wasm's imports short names in the
// module and its JS glue alike, on a module small enough to write out here. Every other test
// in this folder loads a page it rewrote; these show that the two halves still meet, that the
// custom sections go, and that a glue it cannot rename safely stops the build.

import { test } from "node:test";
import assert from "node:assert/strict";
import { shortenWasmNames } from "../../scripts/wasm-names.mjs";

const MODULE = "./page_bg.js";
const LOG = "__wbg_log_0123456789abcdef";
const NOW = "__wbg_now_fedcba9876543210";

/** A module that imports two functions from `MODULE` and exports one calling both. */
function sampleWasm() {
  const name = (text) => [text.length, ...Buffer.from(text)];
  const section = (id, body) => [id, body.length, ...body];
  return Buffer.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [0x01, 0x60, 0x00, 0x00]), // one type: () -> ()
    ...section(2, [0x02, ...name(MODULE), ...name(LOG), 0x00, 0x00, ...name(MODULE), ...name(NOW), 0x00, 0x00]),
    ...section(3, [0x01, 0x00]), // one function of that type
    ...section(7, [0x01, ...name("run"), 0x00, 0x02]), // exported as `run` (function 2)
    ...section(10, [0x01, 0x06, 0x00, 0x10, 0x00, 0x10, 0x01, 0x0b]), // run: call 0; call 1
    ...section(0, [...name("producers"), 0x00]),
  ]);
}

/** The shape of wasm-bindgen's glue: the imports object, keyed by module and by field. */
function sampleGlue() {
  return `const calls = [];
const import0 = { __proto__: null, ${LOG}: function() { calls.push("log"); }, ${NOW}: function() { calls.push("now"); } };
const imports = { __proto__: null, "${MODULE}": import0 };`;
}

test("the module and its glue keep meeting under the short names", async () => {
  const { wasm, glue } = shortenWasmNames(sampleWasm(), sampleGlue());
  const module = new WebAssembly.Module(wasm);
  const names = WebAssembly.Module.imports(module).map(({ module, name }) => [module, name]);
  assert.deepEqual(names, [["a", "b"], ["a", "c"]], "one short name per distinct module and field");
  assert.equal(WebAssembly.Module.customSections(module, "producers").length, 0, "custom sections dropped");
  for (const long of [MODULE, LOG, NOW]) assert.ok(!glue.includes(long), `the glue no longer spells ${long}`);
  const { imports, calls } = new Function(`${glue}\nreturn { imports, calls };`)();
  const instance = new WebAssembly.Instance(module, imports);
  instance.exports.run();
  assert.deepEqual(calls, ["log", "now"], "each import reaches its own function");
});

test("a glue that spells an import anywhere but once, as a key, stops the build", () => {
  const twice = `${sampleGlue()}\nconsole.log("${LOG}");`;
  assert.throws(() => shortenWasmNames(sampleWasm(), twice), /does not name the import __wbg_log_\w+ exactly once/);
  const missing = sampleGlue().replace(NOW, "__wbg_now_renamed");
  assert.throws(() => shortenWasmNames(sampleWasm(), missing), /does not name the import __wbg_now_\w+ exactly once/);
  assert.throws(() => shortenWasmNames(Buffer.from("not wasm"), sampleGlue()), /not a version 1 wasm module/);
});
