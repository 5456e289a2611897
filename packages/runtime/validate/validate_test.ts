import assert from "node:assert/strict";
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import type { ComponentAst, ComponentItem } from "../binary/ast.ts";
import { decodeComponent } from "../binary/decode.ts";
import { CompileError } from "../binary/errors.ts";
import { validateComponent, type ValidateOptions } from "./validate.ts";

async function validate(text: string, options: ValidateOptions = {}): Promise<void> {
  validateComponent(decodeComponent(await parse(text)), options);
}

/** Asserts that `text` is rejected with a CompileError whose message contains `includes`. */
async function rejects(text: string, includes: string, options: ValidateOptions = {}) {
  const bytes = await parse(text);
  const ast = decodeComponent(bytes);
  let error: unknown;
  try {
    validateComponent(ast, options);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof CompileError, `expected a CompileError for ${text}`);
  assert.match(error.message, /^Cannot validate component: /);
  assert.ok(
    error.message.includes(includes),
    `message ${JSON.stringify(error.message)} should include ${JSON.stringify(includes)}`,
  );
  assert.equal(typeof error.offset, "number");
  assert.ok(error.offset! > 0 && error.offset! < bytes.length, "offset points into the binary");
  return error;
}

const CORE_F = `(core module $m
    (memory (export "mem") 1)
    (func (export "f") (param i32 i32))
    (func (export "g") (result i32) unreachable)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) unreachable))
  (core instance $i (instantiate $m))`;

Deno.test("validateComponent() accepts an empty and a typical component", async () => {
  await validate("(component)");
  await validate(`(component
    ${CORE_F}
    (type $r (record (field "a" u32)))
    (export $r2 "r" (type $r))
    (func $f (param "s" string) (canon lift (core func $i "f") (memory (core memory $i "mem"))
      (realloc (core func $i "realloc"))))
    (export "f" (func $f)))`);
});

Deno.test("validateComponent() reports index out of bounds with item, offset and counts", async () => {
  const e = await rejects(
    `(component (import "a" (func)) (import "b" (func)) (export "c" (func 4)))`,
    "refers to func index 4, but only 2 funcs are defined",
  );
  assert.match(e.message, /^Cannot validate component: export "c" at byte 0x[0-9a-f]+ /);
  assert.equal(e.message.includes(`0x${e.offset!.toString(16)}`), true);
});

Deno.test("validateComponent() appends imports and exports to their index spaces", async () => {
  // The export adds func 1; the second export refers to it.
  await validate(`(component (import "a" (func)) (export "b" (func 0)) (export "c" (func 1)))`);
  await rejects(
    `(component (import "a" (func)) (export "b" (func 0)) (export "c" (func 2)))`,
    "func index 2",
  );
});

Deno.test("validateComponent() checks name grammar and strong uniqueness", async () => {
  await rejects(`(component (import "aBc" (func)))`, "`aBc` is not in kebab case");
  await rejects(`(component (import "a:b/c@1." (func)))`, "invalid import name");
  await rejects(
    `(component (import "a" (func)) (import "A" (func)))`,
    "conflicts with previous name `a`",
  );
  await rejects(
    `(component (import "a" (type $a (sub resource)))
      (import "[method]a.a" (func (param "self" (borrow $a)))))`,
    "conflicts with previous name `a`",
  );
  // `[constructor]a` does not conflict with `a`.
  await validate(`(component (import "a" (type $a (sub resource)))
    (import "[constructor]a" (func (result (own $a)))))`);
  // Imports and exports are separate namespaces.
  await validate(`(component (import "a" (func $f)) (export "a" (func $f)))`);
});

Deno.test("validateComponent() checks annotated names against resource types", async () => {
  await rejects(`(component (import "[static]a.b" (func)))`, "not known in this context");
  await rejects(
    `(component (import "a" (type $a (sub resource)))
      (import "[method]a.b" (func (param "x" (borrow $a)))))`,
    "first argument called `self`",
  );
  await rejects(
    `(component (import "a" (type $a (sub resource)))
      (import "[constructor]a" (func (result u32))))`,
    "should return `(own $T)`",
  );
  await rejects(`(component (import "[method]a.b" (instance)))`, "requires a func");
});

Deno.test("validateComponent() checks defined value types", async () => {
  await rejects(`(component (type (record)))`, "at least one field");
  await rejects(`(component (type (enum "a" "A")))`, "conflicts with previous enum tag name");
  await rejects(`(component (type (own 0)))`, "type index 0");
  await rejects(`(component (type u32) (type (own 0)))`, "not a resource type");
  await rejects(`(component (type (func)) (type (list 0)))`, "not a defined type");
  await rejects(`(component (type (list u64 33554432)))`, "exceeds maximum byte size");
  await validate(`(component (type (list u64 33554431)))`);
  const labels = Array.from({ length: 33 }, (_, i) => `"f${i}"`).join(" ");
  await rejects(`(component (type (flags ${labels})))`, "cannot have more than 32 flags");
  await rejects(`(component (type (stream char)))`, "`stream<char>`");
});

Deno.test("validateComponent() bounds type nesting (and so its own recursion)", async () => {
  let text = "(component (type string)";
  for (let i = 0; i < 99; i++) text += ` (type (list ${i}))`;
  await validate(text + ")");
  await rejects(text + " (type (list 99)))", "type nesting is too deep");
});

Deno.test("validateComponent() rejects borrow in results and resources in type declarators", async () => {
  await rejects(
    `(component (type $r (resource (rep i32))) (type (func (result (borrow $r)))))`,
    "cannot contain a `borrow` type",
  );
  await rejects(
    `(component (type (component (type (resource (rep i32))))))`,
    "resources can only be defined within a concrete component",
  );
});

Deno.test("validateComponent() checks resource definitions and built-ins", async () => {
  await rejects(
    `(component (core module $m (func (export "d"))) (core instance $i (instantiate $m))
      (alias core export $i "d" (core func $d))
      (type (resource (rep i32) (dtor (func $d)))))`,
    "wrong signature for a destructor",
  );
  await rejects(
    `(component (import "r" (type $r (sub resource))) (core func (canon resource.new $r)))`,
    "not a local resource",
  );
  await validate(
    `(component (import "r" (type $r (sub resource))) (core func (canon resource.drop $r)))`,
  );
  await rejects(`(component (type u8) (core func (canon resource.drop 0)))`, "not a resource type");
});

Deno.test("validateComponent() checks canonical options", async () => {
  await rejects(
    `(component ${CORE_F}
      (func (param "s" string) (canon lift (core func $i "f"))))`,
    "canonical option `memory` is required",
  );
  await rejects(
    `(component ${CORE_F}
      (func (param "s" string) (canon lift (core func $i "f") (memory (core memory $i "mem")))))`,
    "canonical option `realloc` is required",
  );
  await rejects(
    `(component ${CORE_F}
      (func (param "s" string) (canon lift (core func $i "f") (memory (core memory $i "mem"))
        (realloc (core func $i "f")))))`,
    "incorrect signature",
  );
  await rejects(
    `(component ${CORE_F}
      (func (param "a" u32) (canon lift (core func $i "f"))))`,
    "lowered parameter types `[I32]` do not match parameter types `[I32, I32]`",
  );
  await rejects(
    `(component ${CORE_F} (import "h" (func $h))
      (core func (canon lower (func $h) string-encoding=utf8 string-encoding=utf16)))`,
    "conflicting with option `utf16`",
  );
  await rejects(
    `(component ${CORE_F} (import "h" (func $h))
      (core func (canon lower (func $h) (post-return (core func $i "f")))))`,
    "cannot be specified for lowerings",
  );
  // A lowered function's core type follows from flattening: (list u8) -> 2 × i32.
  await rejects(
    `(component
      (import "h" (func $h (param "x" (list u8))))
      (core module $mem (memory (export "mem") 1))
      (core instance $mi (instantiate $mem))
      (core func $low (canon lower (func $h) (memory (core memory $mi "mem"))))
      (core module $n (import "" "h" (func (param i32))))
      (core instance (instantiate $n (with "" (instance (export "h" (func $low)))))))`,
    "supplies import `::h` with the wrong type",
  );
});

Deno.test("validateComponent() checks instantiation arguments by name and type", async () => {
  await rejects(
    `(component (component $c (import "x" (func))) (instance (instantiate $c)))`,
    "missing import named `x`",
  );
  await rejects(
    `(component (import "f" (func $f (param "a" u32)))
      (component $c (import "x" (func (param "a" s32))))
      (instance (instantiate $c (with "x" (func $f)))))`,
    "type mismatch in function parameter `a`",
  );
  // Extra arguments are allowed.
  await validate(`(component (import "f" (func $f)) (component $c)
    (instance (instantiate $c (with "x" (func $f)))))`);
  await rejects(
    `(component (core module $m (import "a" "b" (func))) (core instance (instantiate $m)))`,
    "missing module instantiation argument `a`",
  );
});

Deno.test("validateComponent() substitutes supplied resources on instantiation", async () => {
  const child = `(component $c
      (import "t" (type $t (sub resource)))
      (import "f" (func (param "x" (own $t)))))`;
  await validate(`(component
    (import "t" (type $t (sub resource)))
    (import "f" (func $f (param "x" (own $t))))
    ${child}
    (instance (instantiate $c (with "t" (type $t)) (with "f" (func $f)))))`);
  await rejects(
    `(component
      (import "t" (type $t (sub resource)))
      (import "u" (type $u (sub resource)))
      (import "f" (func $f (param "x" (own $u))))
      ${child}
      (instance (instantiate $c (with "t" (type $t)) (with "f" (func $f)))))`,
    "resource types are not the same",
  );
  // Two instantiations of one component export distinct resource types.
  await rejects(
    `(component
      (component $d (type $r (resource (rep i32))) (export "r" (type $r)))
      (instance $a (instantiate $d))
      (instance $b (instantiate $d))
      (alias export $a "r" (type $ra))
      (alias export $b "r" (type $rb))
      (component $e (import "r" (type $r (sub resource))) (import "s" (type (eq $r))))
      (instance (instantiate $e (with "r" (type $ra)) (with "s" (type $rb)))))`,
    "resource types are not the same",
  );
});

Deno.test("validateComponent() checks outer aliases", async () => {
  await rejects(`(component (alias outer 1 0 (type $a)))`, "invalid outer alias count of 1");
  await rejects(
    `(component $C (type $R (resource (rep i32))) (component (alias outer $C $R (type $a))))`,
    "transitively refers to resources",
  );
  await validate(`(component $C (type $T u32) (component (alias outer $C $T (type $a))))`);
  await rejects(
    `(component $C (component $D) (type (component (alias outer $C $D (component $a)))))`,
    "may only refer to types or instances",
  );
});

Deno.test("validateComponent() enforces external visibility of types", async () => {
  const lift = `(core module $m (func (export "f") (result i32) unreachable))
    (core instance $i (instantiate $m))`;
  await rejects(
    `(component ${lift} (type $R (resource (rep i32)))
      (func $f (result (own $R)) (canon lift (core func $i "f")))
      (export "f" (func $f)))`,
    "func not valid to be used as export",
  );
  await validate(`(component ${lift} (type $R (resource (rep i32)))
    (func $f (result (own $R)) (canon lift (core func $i "f")))
    (export $R2 "r" (type $R))
    (export "f" (func $f) (func (result (own $R2)))))`);
  await rejects(
    `(component (type $E (enum "a")) (import "f" (func (result $E))))`,
    "func not valid to be used as import",
  );
});

Deno.test("validateComponent() checks core module instantiation and core types", async () => {
  await rejects(
    `(component (core module $a (import "" "g" (global i32)))
      (core module $b (global (export "g") i64 (i64.const 0)))
      (core instance $i (instantiate $b))
      (core instance (instantiate $a (with "" (instance $i)))))`,
    "expected global type i32, found i64",
  );
  await rejects(
    `(component (core module (import "" "a" (func)) (import "" "a" (func))))`,
    "duplicate import name `:a`",
  );
  await rejects(`(component (core type (module (import "" "" (memory 70000)))))`, "at most");
});

Deno.test("validateComponent() validates core code only when asked", async () => {
  const text = `(component (core module (func i32.add)))`;
  await validate(text);
  await rejects(text, "is not a valid core module", { validateCoreModules: true });
});

Deno.test("validateComponent() applies Wasmtime's root restrictions only when asked", async () => {
  const text = `(component (import "f" (func $f)) (export "g" (func $f)))`;
  await validate(text);
  await rejects(text, "reexport of an imported function", { rootRestrictions: true });
  await rejects(`(component (import "c" (component)))`, "root-level component imports", {
    rootRestrictions: true,
  });
  // Nested components may import components.
  await validate(`(component (component (import "c" (component))))`, { rootRestrictions: true });
});

// 🪙 Values cannot be written with this wasm-tools version's text format
// (it encodes value imports in an older binary form), so these use ASTs.
function valueComponent(items: ComponentItem[]): ComponentAst {
  return { offset: 0, size: 100, items, names: undefined };
}
const U32 = { kind: "primitive", type: "u32" } as const;
const importValue: ComponentItem = {
  kind: "import",
  offset: 10,
  name: { name: "v" },
  type: { kind: "value", bound: { kind: "type", type: U32 } },
};
function exportValue(name: string, index: number, offset: number): ComponentItem {
  return {
    kind: "export",
    offset,
    name: { name },
    sort: { kind: "value" },
    index,
    type: undefined,
  };
}

Deno.test("validateComponent() requires values to be consumed exactly once", () => {
  validateComponent(valueComponent([importValue, exportValue("w", 0, 20)]));
  assert.throws(
    () => validateComponent(valueComponent([importValue])),
    (e: unknown) =>
      e instanceof CompileError && e.message.includes("value index 0, which is never used"),
  );
  assert.throws(
    () =>
      validateComponent(
        valueComponent([importValue, exportValue("w", 0, 20), exportValue("x", 0, 30)]),
      ),
    (e: unknown) =>
      e instanceof CompileError && e.offset === 30 &&
      e.message.includes("uses value index 0 a second time"),
  );
});

Deno.test("validateComponent() checks start functions against their values", () => {
  const importFunc: ComponentItem[] = [
    {
      kind: "type",
      offset: 5,
      type: { kind: "func", async: false, params: [{ name: "a", type: U32 }], result: U32 },
    },
    { kind: "import", offset: 8, name: { name: "f" }, type: { kind: "func", type: 0 } },
  ];
  const start = (args: number[], results: number): ComponentItem => ({
    kind: "start",
    offset: 40,
    func: 0,
    args,
    results,
  });
  validateComponent(
    valueComponent([...importFunc, importValue, start([0], 1), exportValue("r", 1, 50)]),
  );
  assert.throws(
    () => validateComponent(valueComponent([...importFunc, importValue, start([], 1)])),
    (e: unknown) => e instanceof CompileError && e.message.includes("with 0 arguments"),
  );
  assert.throws(
    () => validateComponent(valueComponent([...importFunc, importValue, start([0], 0)])),
    (e: unknown) => e instanceof CompileError && e.message.includes("declares 0 results"),
  );
});

Deno.test("validateComponent() keeps external names through instantiation (wit-component shape)", async () => {
  const text = (given: string) =>
    `(component
    (import "wasi:http/types@0.2.0" (instance $types (export "request" (type (sub resource)))))
    (alias export $types "request" (type $request))
    (type $local (resource (rep i32)))
    (core module $m (func (export "handle") (param i32)))
    (core instance $i (instantiate $m))
    (func $handle (param "r" (own ${given})) (canon lift (core func $i "handle")))
    (component $shim
      (import "import-type-request" (type $r (sub resource)))
      (import "import-func-handle" (func $f (param "r" (own $r))))
      (export "handle" (func $f)))
    (instance $exp (instantiate $shim
      (with "import-type-request" (type ${given}))
      (with "import-func-handle" (func $handle))))
    (export "wasi:http/incoming-handler@0.2.0" (instance $exp)))`;
  // The supplied resource is named by the parent's import, so the export is valid.
  await validate(text("$request"));
  // A local resource the parent never exports has no external name.
  await rejects(text("$local"), "instance not valid to be used as export");
});

Deno.test("validateComponent() lets `(sub resource)` ascriptions hide an exported resource", async () => {
  const text = (ascription: string) =>
    `(component
    (component $C
      (type $r (resource (rep i32)))
      (export "r1" (type $r))
      (export "r2" (type $r) ${ascription}))
    (instance $c (instantiate $C))
    (alias export $c "r1" (type $r1))
    (alias export $c "r2" (type $r2))
    (component $eq (import "a" (type $a (sub resource))) (import "b" (type (eq $a))))
    (instance (instantiate $eq (with "a" (type $r1)) (with "b" (type $r2)))))`;
  await validate(text(""));
  await validate(
    `(component (type $r (resource (rep i32))) (export "r" (type $r) (type (sub resource))))`,
  );
  await rejects(text("(type (sub resource))"), "resource types are not the same");
});

Deno.test("validateComponent() gives resources no names inside a bag of exports", async () => {
  await rejects(
    `(component
      (type $T (resource (rep i32)))
      (export $T2 "a" (type $T))
      (core module $m (func (export "a") (result i32) unreachable))
      (core instance $i (instantiate $m))
      (func $f (result (own $T2)) (canon lift (core func $i "a")))
      (instance (export "a" (type $T2)) (export "[constructor]a" (func $f))))`,
    "resource `a` is not known in this context",
  );
});

Deno.test("validateComponent() gives each member of a core rec group its own type index", async () => {
  await validate(`(component
    (core rec (type (func)) (type (func (param i32))))
    (core type $mt (module))
    (import "m" (core module (type $mt))))`);
});
