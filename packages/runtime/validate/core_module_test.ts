import assert from "node:assert/strict";
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import { formatSig, readCoreModuleType, sigsMatch } from "./core_module.ts";

Deno.test("readCoreModuleType() reads import and export types", async () => {
  const bytes = await parse(`(module
    (import "env" "f" (func (param i32 i64) (result f32)))
    (import "env" "m" (memory 1 2))
    (import "env" "t" (table 3 funcref))
    (import "env" "g" (global (mut f64)))
    (func (export "h") (result i32) i32.const 0)
    (global (export "k") i64 (i64.const 7))
    (memory (export "mem") 1)
    (table (export "tab") 1 externref))`);
  const t = readCoreModuleType(bytes);
  assert.ok(t !== undefined);
  assert.deepEqual(t.imports.map((i) => `${i.module}::${i.name}:${i.type.kind}`), [
    "env::f:func",
    "env::m:memory",
    "env::t:table",
    "env::g:global",
  ]);
  assert.deepEqual(t.imports[0]!.type, {
    kind: "func",
    sig: { params: ["i32", "i64"], results: ["f32"] },
  });
  assert.deepEqual(t.imports[1]!.type, {
    kind: "memory",
    min: 1n,
    max: 2n,
    shared: false,
    address64: false,
  });
  assert.deepEqual(t.exports.get("h"), { kind: "func", sig: { params: [], results: ["i32"] } });
  assert.deepEqual(t.exports.get("k"), { kind: "global", type: "i64", mutable: false });
  assert.deepEqual(t.exports.get("tab"), {
    kind: "table",
    element: "externref",
    min: 1n,
    max: undefined,
    address64: false,
  });
  // The export index space counts imports first.
  assert.deepEqual(t.exports.get("mem"), {
    kind: "memory",
    min: 1n,
    max: undefined,
    shared: false,
    address64: false,
  });
});

Deno.test("readCoreModuleType() gives up (undefined) on bytes it cannot read", () => {
  const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  // A type section that ends in the middle of a func type.
  assert.equal(readCoreModuleType(new Uint8Array([...header, 0x01, 0x02, 0x01, 0x60])), undefined);
  assert.deepEqual(readCoreModuleType(new Uint8Array(header)), { imports: [], exports: new Map() });
});

Deno.test("sigsMatch() treats unknown signatures as matching; formatSig() prints them", () => {
  const a = { params: ["i32"], results: [] };
  assert.equal(sigsMatch(a, { params: ["i32"], results: [] }), true);
  assert.equal(sigsMatch(a, { params: [], results: ["i32"] }), false);
  assert.equal(sigsMatch(a, undefined), true);
  assert.equal(formatSig(a), "(func (param i32))");
  assert.equal(formatSig({ params: [], results: ["i64"] }), "(func (result i64))");
});
