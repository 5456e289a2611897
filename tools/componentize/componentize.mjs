// Builds one component from a JavaScript source with componentize-js (run by
// Node from scripts/build_examples.ts):
//
//   node componentize.mjs SOURCE.js WIT_DIR WORLD OUT.wasm
import { writeFile } from "node:fs/promises";
import process from "node:process";

// The npm packages are imported by a specifier made at run time: Node finds
// them in node_modules here, and the repository's `deno check .` leaves
// these Node-only imports alone.
const load = (name) => import(name);
// componentize-js reads the WIT through preview2-shim's file system, which
// sees nothing until a directory is preopened.
const { _setPreopens } = await load(
  "@bytecodealliance/preview2-shim/filesystem",
);
const { componentize } = await load("@bytecodealliance/componentize-js");

const [sourcePath, witPath, worldName, out] = process.argv.slice(2);
if (out === undefined) {
  console.error(
    "usage: node componentize.mjs SOURCE.js WIT_DIR WORLD OUT.wasm",
  );
  process.exit(2);
}
_setPreopens({ "/": "/" });
const started = performance.now();
const { component } = await componentize({ sourcePath, witPath, worldName });
await writeFile(out, component);
console.error(
  `componentize-js: ${out} (${component.length} bytes, ${
    Math.round(performance.now() - started)
  } ms)`,
);
