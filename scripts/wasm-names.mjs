// Shortens the names the wasm module imports from its JS glue, and drops the module's custom
// sections, after wasm-bindgen has written both (called by scripts/minify-glue.mjs, Trunk's
// post-build hook, in release builds).
//
// wasm-bindgen names every import after the function it wraps plus a 16-digit hash
// (`__wbg_fillText_d6a1b2…`), and the module and the glue each spell out all of them: about
// 240 names that gzip cannot shrink, for the hashes are random. They are only keys that
// join the two files, so any names do as long as both sides agree: each becomes one or two
// letters, in both. The custom sections (`name`, which names wasm-bindgen's own shims for a
// debugger; `producers`; `target_features`, which wasm-bindgen has already read) mean nothing
// to a browser running the page. Together that is 9 KB of the page's weight, gzipped.
//
// Anything unexpected (a glue that does not spell a name exactly once, as a key) stops the build
// rather than ship a page whose module and glue disagree.

const WASM_HEADER = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const CUSTOM_SECTION = 0;
const IMPORT_SECTION = 2;
const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** Returns `wasm` and `glue` with short import names and no custom sections in `wasm`. */
export function shortenWasmNames(wasm, glue) {
  if (!wasm.subarray(0, 8).equals(WASM_HEADER)) throw new Error("not a version 1 wasm module");
  const sections = [WASM_HEADER];
  let renamed = null;
  for (const { id, body } of readSections(wasm)) {
    if (id === CUSTOM_SECTION) continue;
    if (id === IMPORT_SECTION) {
      renamed = renameImports(body);
      sections.push(Buffer.from([id]), uleb(renamed.body.length), renamed.body);
    } else {
      sections.push(Buffer.from([id]), uleb(body.length), body);
    }
  }
  if (!renamed) throw new Error("the wasm module imports nothing: not wasm-bindgen's output");
  return { wasm: Buffer.concat(sections), glue: renameInGlue(glue, renamed.names) };
}

function* readSections(wasm) {
  let at = WASM_HEADER.length;
  while (at < wasm.length) {
    const id = wasm[at];
    const [size, start] = readUleb(wasm, at + 1);
    if (start + size > wasm.length) throw new Error(`section ${id} runs past the module's end`);
    yield { id, body: wasm.subarray(start, start + size) };
    at = start + size;
  }
}

/**
 * Rewrites the import section with one short name per distinct module and field name. Returns
 * the new section body and the renaming, long name to short.
 */
function renameImports(body) {
  const names = new Map();
  const short = (name) => {
    if (!names.has(name)) names.set(name, shortName(names.size));
    return names.get(name);
  };
  let [count, at] = readUleb(body, 0);
  const out = [uleb(count)];
  for (let import_ = 0; import_ < count; import_++) {
    const [module, afterModule] = readName(body, at);
    const [field, afterField] = readName(body, afterModule);
    const end = skipImportDescription(body, afterField);
    out.push(encodeName(short(module)), encodeName(short(field)), body.subarray(afterField, end));
    at = end;
  }
  if (at !== body.length) throw new Error("the import section has bytes after its imports");
  return { body: Buffer.concat(out), names };
}

/** Where the description of an import (what kind of thing it is, and its type) ends. */
function skipImportDescription(body, at) {
  const kind = body[at];
  const skipLimits = (from) => {
    const flags = body[from];
    let [, next] = readUleb(body, from + 1);
    if (flags & 1) [, next] = readUleb(body, next);
    return next;
  };
  switch (kind) {
    case 0: // A function: its type index.
      return readUleb(body, at + 1)[1];
    case 1: // A table: its element type, then its limits.
      return skipLimits(at + 2);
    case 2: // A memory: its limits.
      return skipLimits(at + 1);
    case 3: // A global: its value type and mutability.
      return at + 3;
    default:
      throw new Error(`an import of unknown kind ${kind}`);
  }
}

/**
 * Renames each module and field name where the glue spells it: as the key of the object it
 * hands the module (`__wbg_fillText_…: function(…)`, `"./raft-playground_bg.js": import0`).
 */
function renameInGlue(glue, names) {
  let renamed = glue;
  for (const [long, short] of names) {
    const mentions = renamed.split(long).length - 1;
    const key = new RegExp(`(?<=[\\s{,])"?${escape(long)}"?(?=\\s*:)`);
    if (mentions !== 1 || !key.test(renamed)) {
      throw new Error(`the glue does not name the import ${long} exactly once, as a key`);
    }
    renamed = renamed.replace(key, JSON.stringify(short));
  }
  return renamed;
}

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** `a`…`Z`, then `aa`…: the `index`th short name. */
function shortName(index) {
  let name = "";
  for (let rest = index + 1; rest > 0; rest = Math.floor((rest - 1) / LETTERS.length)) {
    name = LETTERS[(rest - 1) % LETTERS.length] + name;
  }
  return name;
}

function readUleb(bytes, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function uleb(value) {
  const bytes = [];
  do {
    let byte = value % 0x80;
    value = Math.floor(value / 0x80);
    if (value > 0) byte |= 0x80;
    bytes.push(byte);
  } while (value > 0);
  return Buffer.from(bytes);
}

function readName(bytes, at) {
  const [length, start] = readUleb(bytes, at);
  return [bytes.subarray(start, start + length).toString("utf8"), start + length];
}

function encodeName(name) {
  const bytes = Buffer.from(name, "utf8");
  return Buffer.concat([uleb(bytes.length), bytes]);
}
