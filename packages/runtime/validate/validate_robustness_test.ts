// Hostile input: mutated component binaries must be rejected with a
// CompileError (or accepted), never crash the validator with another error.

import assert from "node:assert/strict";
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import { decodeComponent } from "../binary/decode.ts";
import { CompileError } from "../binary/errors.ts";
import { validateComponent } from "./validate.ts";
import { componentForms } from "../../../scripts/conformance/forms.ts";

const SUITES = new URL("../../../../shared/conformance/", import.meta.url);
const FOLDERS = [
  "component-model/validation",
  "component-model/values",
  "wasmtime/component-model",
];

/** Seed components, so the test also runs without the suites. */
const SEEDS = [
  `(component
    (core module $m (memory (export "mem") 1)
      (func (export "f") (param i32 i32) (result i32) unreachable)
      (func (export "realloc") (param i32 i32 i32 i32) (result i32) unreachable))
    (core instance $i (instantiate $m))
    (type $r (record (field "a" u32) (field "b" (list string))))
    (import "t" (type $t (eq $r)))
    (func $f (param "s" string) (result u32) (canon lift (core func $i "f")
      (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
    (export "f" (func $f)))`,
  `(component
    (import "r" (type $r (sub resource)))
    (import "[method]r.get" (func (param "self" (borrow $r)) (result u32)))
    (component $c (import "x" (type (sub resource))))
    (instance (instantiate $c (with "x" (type $r)))))`,
];

async function samples(): Promise<Uint8Array[]> {
  const out = await Promise.all(SEEDS.map((s) => parse(s)));
  for (const folder of FOLDERS) {
    const dir = new URL(`${folder}/`, SUITES);
    let names: string[];
    try {
      names = [...Deno.readDirSync(dir)].map((f) => f.name).filter((n) => n.endsWith(".wast"));
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      for (const form of componentForms(await Deno.readTextFile(new URL(name, dir)))) {
        // Valid components given as text: top-level ones and unlinkable ones.
        const valid = form.assertion === undefined || form.assertion === "assert_unlinkable";
        if (form.source.kind === "binary" || !valid) continue;
        try {
          out.push(await parse(form.source.text));
        } catch {
          // Not parseable by this wasm-tools version; the harness counts those.
        }
      }
    }
  }
  return out;
}

Deno.test("validateComponent() only ever throws CompileError on mutated binaries", async () => {
  const inputs = await samples();
  let seed = 0x5eed;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const crashes: string[] = [];
  let validated = 0;
  for (let n = 0; n < 6000; n++) {
    const bytes = inputs[Math.floor(random() * inputs.length)]!.slice();
    for (let k = 1 + Math.floor(random() * 3); k > 0; k--) {
      bytes[8 + Math.floor(random() * (bytes.length - 8))] = Math.floor(random() * 256);
    }
    try {
      const ast = decodeComponent(bytes);
      validated++;
      validateComponent(ast);
    } catch (e) {
      if (!(e instanceof CompileError)) {
        crashes.push(e instanceof Error ? e.stack ?? "" : String(e));
      }
    }
  }
  assert.deepEqual(crashes.slice(0, 5), []);
  // The mutations must reach the validator, not only the decoder.
  assert.ok(validated > 1000, `only ${validated} mutated inputs decoded`);
});
