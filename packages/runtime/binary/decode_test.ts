import assert from "node:assert/strict";
import type {
  Canon,
  ComponentAst,
  ComponentItem,
  CoreInstanceItem,
  CoreModuleItem,
  CoreTypeItem,
  ExportItem,
  ImportItem,
  InstanceTypeAst,
  NestedComponentItem,
  TypeDef,
  ValType,
} from "./ast.ts";
import { decodeComponent, MAX_NESTING_DEPTH } from "./decode.ts";
import { CompileError } from "./errors.ts";
import {
  component,
  fixture,
  leb,
  PREAMBLE,
  section,
  str,
  wat,
  withoutOffsets,
} from "./_test_util.ts";

const prim = (type: string): ValType => ({ kind: "primitive", type } as ValType);
const idx = (index: number): ValType => ({ kind: "type", index });

function ofKind<K extends ComponentItem["kind"]>(
  ast: ComponentAst,
  kind: K,
): Extract<ComponentItem, { kind: K }>[] {
  return ast.items.filter((i): i is Extract<ComponentItem, { kind: K }> => i.kind === kind);
}

/** Asserts `fn` throws a CompileError whose message matches `pattern`; returns it. */
function assertCompileError(fn: () => unknown, pattern: RegExp): CompileError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof CompileError, `expected CompileError, got ${error}`);
    assert.match(error.message, pattern);
    assert.match(
      error.message,
      /^Cannot decode component: expected .+ at byte 0x[0-9a-f]+, found .+/,
    );
    assert.equal(typeof error.offset, "number");
    return error;
  }
  assert.fail("expected a CompileError");
}

Deno.test("decodeComponent() decodes an empty component", async () => {
  const bytes = await wat("(component)");
  const ast = decodeComponent(bytes);
  assert.equal(ast.offset, 0);
  assert.equal(ast.size, bytes.length);
  assert.deepEqual(ast.items.filter((i) => i.kind !== "custom"), []);
});

Deno.test("decodeComponent() rejects a core module with a message saying so", () => {
  const core = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
  const error = assertCompileError(
    () => decodeComponent(core),
    /core WebAssembly module header.*use WebAssembly\.compile/,
  );
  assert.equal(error.offset, 4);
});

Deno.test("decodeComponent() rejects bad magic, versions and layers at their offsets", () => {
  assertCompileError(
    () => decodeComponent(new Uint8Array()),
    /magic number .* byte 0x0, found the end of the input/,
  );
  assertCompileError(
    () => decodeComponent(Uint8Array.of(0, 0x61, 0x73, 0x4d, 0x0d, 0, 1, 0)),
    /magic number/,
  );
  const v12 = assertCompileError(
    () => decodeComponent(Uint8Array.of(0, 0x61, 0x73, 0x6d, 0x0c, 0, 1, 0)),
    /binary version 0x0d at byte 0x4, found version 0xc/,
  );
  assert.equal(v12.offset, 4);
  assertCompileError(
    () => decodeComponent(Uint8Array.of(0, 0x61, 0x73, 0x6d, 0x0d, 0, 2, 0)),
    /layer 2/,
  );
});

Deno.test("decodeComponent() throws TypeError for a non-Uint8Array argument", () => {
  assert.throws(() => decodeComponent("x" as unknown as Uint8Array), TypeError);
});

Deno.test("decodeComponent() decodes every defvaltype, function and resource type", async () => {
  const ast = decodeComponent(await fixture("types.wat"));
  const types: TypeDef[] = ofKind(ast, "type").map((t) => t.type);
  const expected: TypeDef[] = [
    { kind: "resource", rep: { kind: "i32" }, dtor: undefined },
    {
      kind: "record",
      fields: [{ name: "x", type: prim("u32") }, { name: "y-pos", type: prim("s64") }],
    },
    {
      kind: "variant",
      cases: [{ name: "circle", type: prim("f32") }, { name: "none", type: undefined }],
    },
    { kind: "list", element: prim("u8") },
    { kind: "list", element: prim("u8"), length: 3 },
    { kind: "tuple", types: [prim("string"), prim("char")] },
    { kind: "flags", labels: ["read", "write"] },
    { kind: "enum", labels: ["red", "green"] },
    { kind: "option", type: idx(1) },
    { kind: "result", ok: prim("u32"), err: prim("string") },
    { kind: "result", ok: undefined, err: undefined },
    { kind: "result", ok: undefined, err: prim("bool") },
    { kind: "own", index: 0 },
    { kind: "borrow", index: 0 },
    { kind: "stream", type: prim("u8") },
    { kind: "stream", type: undefined },
    { kind: "future", type: prim("string") },
    { kind: "future", type: undefined },
    { kind: "map", key: prim("string"), value: prim("u32") },
    {
      kind: "tuple",
      types: [
        "bool",
        "s8",
        "u8",
        "s16",
        "u16",
        "s32",
        "u32",
        "s64",
        "u64",
        "f32",
        "f64",
        "char",
        "string",
        "error-context",
      ]
        .map(prim),
    },
    {
      kind: "func",
      async: false,
      params: [{ name: "a", type: prim("u32") }, { name: "b", type: idx(1) }],
      result: prim("string"),
    },
    { kind: "func", async: false, params: [], result: undefined },
    { kind: "func", async: true, params: [{ name: "x", type: idx(14) }], result: idx(16) },
  ];
  assert.deepEqual(types, expected);
});

Deno.test("decodeComponent() decodes a valtype type index past 63 as an s33", () => {
  // Index 64 must be written 0xc0 0x00: a single 0x40 byte would be the s33 -64.
  const types = [...Array(65)].flatMap(() => [0x73]);
  const bytes = component(section(7, [...leb(66), ...types, 0x70, 0xc0, 0x00]));
  const ast = decodeComponent(bytes);
  assert.deepEqual(ast.items.at(-1), {
    kind: "type",
    offset: 8 + 2 + 1 + 65,
    type: { kind: "list", element: idx(64) },
  });
  assertCompileError(
    () => decodeComponent(component(section(7, [0x01, 0x70, 0x40]))),
    /expected a valtype at byte 0xc, found 0x40/,
  );
});

Deno.test("decodeComponent() decodes core types, module types and their declarations", async () => {
  const ast = decodeComponent(await fixture("decls.wat"));
  const [moduleType] = ofKind(ast, "core-type") as CoreTypeItem[];
  assert.deepEqual(withoutOffsets(moduleType?.type), {
    kind: "module",
    declarations: [
      {
        kind: "type",
        type: {
          kind: "func",
          params: [{ kind: "i32" }, { kind: "i64" }],
          results: [{ kind: "f32" }],
        },
      },
      { kind: "import", module: "env", name: "f", type: { kind: "func", type: 0 } },
      {
        kind: "import",
        module: "env",
        name: "mem",
        type: { kind: "memory", limits: { min: 1n, max: 2n, shared: false, address64: false } },
      },
      {
        kind: "import",
        module: "env",
        name: "tbl",
        type: {
          kind: "table",
          element: {
            kind: "ref",
            nullable: true,
            heap: { kind: "abstract", type: "func", shared: false },
          },
          limits: { min: 1n, max: undefined, shared: false, address64: false },
        },
      },
      {
        kind: "import",
        module: "env",
        name: "g",
        type: { kind: "global", type: { kind: "i32" }, mutable: true, shared: false },
      },
      { kind: "export", name: "h", type: { kind: "func", type: 0 } },
    ],
  });
});

Deno.test("decodeComponent() decodes instance and component types with their declarators", async () => {
  const ast = decodeComponent(await fixture("decls.wat"));
  const [, instanceType, componentType] = ofKind(ast, "type").map((t) => t.type);
  assert.equal(instanceType?.kind, "instance");
  const decls = (instanceType as InstanceTypeAst).declarations.map(withoutOffsets);
  assert.deepEqual(decls, [
    { kind: "type", type: { kind: "primitive", type: "u8" } },
    {
      kind: "export",
      name: { name: "r" },
      type: { kind: "type", bound: { kind: "sub-resource" } },
    },
    {
      kind: "alias",
      alias: { sort: { kind: "type" }, target: { kind: "outer", count: 1, index: 0 } },
    },
    {
      kind: "export",
      name: { name: "name" },
      type: { kind: "type", bound: { kind: "eq", index: 2 } },
    },
    { kind: "type", type: { kind: "borrow", index: 1 } },
    {
      kind: "type",
      type: {
        kind: "func",
        async: false,
        params: [{ name: "self", type: idx(4) }],
        result: idx(2),
      },
    },
    { kind: "export", name: { name: "[method]r.get" }, type: { kind: "func", type: 5 } },
  ]);
  assert.equal(componentType?.kind, "component");
  const kinds = componentType?.kind === "component"
    ? componentType.declarations.map((d) => d.kind)
    : [];
  assert.deepEqual(kinds, ["core-type", "type", "import", "type", "export"]);
  // Declarator offsets point into the input, in order.
  const offsets = componentType?.kind === "component"
    ? componentType.declarations.map((d) => d.offset)
    : [];
  assert.deepEqual(offsets, [...offsets].sort((a, b) => a - b));
});

Deno.test("decodeComponent() decodes imports with every extern type and name attribute", async () => {
  const ast = decodeComponent(await fixture("decls.wat"));
  const imports = (ofKind(ast, "import") as ImportItem[]).map(({ name, type }) => ({ name, type }));
  assert.deepEqual(imports, [
    { name: { name: "wasi:io/streams@0.2.3" }, type: { kind: "instance", type: 1 } },
    { name: { name: "m" }, type: { kind: "module", type: 0 } },
    { name: { name: "c" }, type: { kind: "component", type: 2 } },
    { name: { name: "t" }, type: { kind: "type", bound: { kind: "eq", index: 0 } } },
    { name: { name: "res" }, type: { kind: "type", bound: { kind: "sub-resource" } } },
    { name: { name: "a:b/c@0.2", versionSuffix: ".1" }, type: { kind: "func", type: 5 } },
    { name: { name: "impl", implements: "a:b/d" }, type: { kind: "instance", type: 6 } },
    { name: { name: "ext", externalId: "https://example.com/x" }, type: { kind: "func", type: 7 } },
  ]);
});

Deno.test("decodeComponent() rejects a repeated name attribute", () => {
  const attrs = [0x02, 0x00, ...str("a:b/x"), 0x00, ...str("a:b/y")];
  const bytes = component(section(10, [0x01, 0x02, ...str("i"), ...attrs, 0x05, 0x00]));
  assertCompileError(() => decodeComponent(bytes), /at most one `implements` attribute/);
});

Deno.test("decodeComponent() decodes core modules, instances, aliases and nested components in order", async () => {
  const bytes = await fixture("definitions.wat");
  const ast = decodeComponent(bytes);
  assert.deepEqual(ast.items.map((i) => i.kind), [
    "core-module",
    "core-module",
    "core-instance",
    "alias",
    "core-instance",
    "core-instance",
    "alias",
    "type",
    "type",
    "alias",
    "canon",
    "component",
    "instance",
    "alias",
    "instance",
    "export",
    "export",
    "export",
    "export",
    "custom",
  ]);
  // A core module is a view on its bytes in the input, located at its offset.
  for (const m of ofKind(ast, "core-module") as CoreModuleItem[]) {
    assert.deepEqual(m.bytes, bytes.subarray(m.offset, m.offset + m.bytes.length));
    assert.deepEqual([...m.bytes.subarray(0, 8)], [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    assert.equal(m.bytes.buffer, bytes.buffer);
  }
  const coreInstances = (ofKind(ast, "core-instance") as CoreInstanceItem[]).map((i) => i.instance);
  assert.deepEqual(coreInstances, [
    { kind: "instantiate", module: 0, args: [] },
    { kind: "exports", exports: [{ name: "run", sort: "func", index: 0 }] },
    { kind: "instantiate", module: 1, args: [{ name: "dep", instance: 1 }] },
  ]);
  assert.deepEqual(ofKind(ast, "alias").map((a) => a.alias), [
    {
      sort: { kind: "core", sort: "func" },
      target: { kind: "core-export", instance: 0, name: "run" },
    },
    {
      sort: { kind: "core", sort: "memory" },
      target: { kind: "core-export", instance: 0, name: "mem" },
    },
    {
      sort: { kind: "core", sort: "func" },
      target: { kind: "core-export", instance: 0, name: "run" },
    },
    { sort: { kind: "func" }, target: { kind: "export", instance: 0, name: "g" } },
  ]);
  const [nested] = ofKind(ast, "component") as NestedComponentItem[];
  assert.ok(nested);
  assert.equal(nested.offset, nested.component.offset);
  assert.deepEqual([...bytes.subarray(nested.offset, nested.offset + 8)], PREAMBLE);
  assert.deepEqual(withoutOffsets(nested.component.items.filter((i) => i.kind !== "custom")), [
    { kind: "type", type: { kind: "func", async: false, params: [], result: prim("u32") } },
    { kind: "import", name: { name: "f" }, type: { kind: "func", type: 0 } },
    {
      kind: "alias",
      alias: { sort: { kind: "type" }, target: { kind: "outer", count: 1, index: 0 } },
    },
    {
      kind: "export",
      name: { name: "g" },
      sort: { kind: "func" },
      index: 0,
      type: { kind: "func", type: 1 },
    },
  ]);
  assert.deepEqual(ofKind(ast, "instance").map((i) => i.instance), [
    { kind: "instantiate", component: 0, args: [{ name: "f", sort: { kind: "func" }, index: 0 }] },
    {
      kind: "exports",
      exports: [
        { name: { name: "g" }, sort: { kind: "func" }, index: 1 },
        { name: { name: "ft" }, sort: { kind: "type" }, index: 0 },
      ],
    },
  ]);
  const exports = (ofKind(ast, "export") as ExportItem[]).map(({ name, sort, index, type }) => ({
    name,
    sort,
    index,
    type,
  }));
  assert.deepEqual(exports, [
    { name: { name: "run" }, sort: { kind: "func" }, index: 0, type: undefined },
    { name: { name: "bag" }, sort: { kind: "instance" }, index: 1, type: undefined },
    { name: { name: "inner" }, sort: { kind: "component" }, index: 0, type: undefined },
    { name: { name: "core" }, sort: { kind: "core", sort: "module" }, index: 0, type: undefined },
  ]);
});

Deno.test("decodeComponent() decodes the component-name section into names per sort", async () => {
  const ast = decodeComponent(await fixture("definitions.wat"));
  assert.equal(ast.names?.component, "outer");
  const byKind = new Map(
    ast.names?.sorts.map((
      s,
    ) => [s.sort.kind === "core" ? `core ${s.sort.sort}` : s.sort.kind, s.names]),
  );
  assert.deepEqual(byKind.get("core module"), new Map([[0, "m"], [1, "needs"]]));
  assert.deepEqual(byKind.get("core instance"), new Map([[0, "mi"], [1, "bundle"], [2, "ni"]]));
  assert.deepEqual(byKind.get("instance"), new Map([[0, "ii"], [1, "bag"]]));
  assert.deepEqual(byKind.get("component"), new Map([[0, "inner"]]));
  const [nested] = ofKind(ast, "component") as NestedComponentItem[];
  assert.equal(nested?.component.names?.component, "inner");
});

Deno.test("decodeComponent() keeps a malformed name section as a custom section only", () => {
  const payload = [...str("component-name"), 0x01, 0x05, 0x03, 0x09];
  const ast = decodeComponent(component(section(0, payload)));
  assert.equal(ast.names, undefined);
  assert.deepEqual(withoutOffsets(ast.items), [
    { kind: "custom", name: "component-name", data: Uint8Array.of(0x01, 0x05, 0x03, 0x09) },
  ]);
});

Deno.test("decodeComponent() decodes every canonical built-in with its options", async () => {
  const ast = decodeComponent(await fixture("canon.wat"));
  const canons: Canon[] = ofKind(ast, "canon").map((c) => c.canon);
  // Indices from canon.wat: core memory 0, table 0; core funcs realloc 0,
  // post 1, cb 2, dtor 3, f 4, async-f 5; types: host func 0, $r 1, $st 2, $fu 3.
  const mem = { kind: "memory", index: 0 } as const;
  const realloc = { kind: "realloc", index: 0 } as const;
  const expected: Canon[] = [
    {
      kind: "lift",
      coreFunc: 4,
      options: [mem, realloc, { kind: "string-encoding", encoding: "utf16" }, {
        kind: "post-return",
        index: 1,
      }],
      type: 4,
    },
    {
      kind: "lift",
      coreFunc: 5,
      options: [{ kind: "async" }, { kind: "callback", index: 2 }, mem, realloc],
      type: 5,
    },
    {
      kind: "lower",
      func: 0,
      options: [mem, realloc, { kind: "string-encoding", encoding: "latin1+utf16" }],
    },
    { kind: "lower", func: 0, options: [{ kind: "async" }, mem, realloc] },
    { kind: "resource.new", type: 1 },
    { kind: "resource.drop", type: 1 },
    { kind: "resource.rep", type: 1 },
    { kind: "backpressure.inc" },
    { kind: "backpressure.dec" },
    {
      kind: "task.return",
      result: prim("string"),
      options: [mem, { kind: "string-encoding", encoding: "utf8" }],
    },
    { kind: "task.return", result: undefined, options: [] },
    { kind: "task.cancel" },
    { kind: "context.get", type: { kind: "i32" }, index: 0 },
    { kind: "context.set", type: { kind: "i32" }, index: 1 },
    { kind: "subtask.cancel", async: false },
    { kind: "subtask.cancel", async: true },
    { kind: "subtask.drop" },
    { kind: "stream.new", type: 2 },
    { kind: "stream.read", type: 2, options: [mem] },
    { kind: "stream.write", type: 2, options: [{ kind: "async" }, mem] },
    { kind: "stream.cancel-read", type: 2, async: false },
    { kind: "stream.cancel-write", type: 2, async: true },
    { kind: "stream.drop-readable", type: 2 },
    { kind: "stream.drop-writable", type: 2 },
    { kind: "future.new", type: 3 },
    { kind: "future.read", type: 3, options: [mem] },
    { kind: "future.write", type: 3, options: [mem] },
    { kind: "future.cancel-read", type: 3, async: true },
    { kind: "future.cancel-write", type: 3, async: false },
    { kind: "future.drop-readable", type: 3 },
    { kind: "future.drop-writable", type: 3 },
    { kind: "error-context.new", options: [mem] },
    { kind: "error-context.debug-message", options: [mem, realloc] },
    { kind: "error-context.drop" },
    { kind: "waitable-set.new" },
    { kind: "waitable-set.wait", cancellable: false, memory: 0 },
    { kind: "waitable-set.poll", cancellable: true, memory: 0 },
    { kind: "waitable-set.drop" },
    { kind: "waitable.join" },
    { kind: "thread.index" },
    { kind: "thread.new-indirect", type: 0, table: 0 },
    { kind: "thread.resume-later" },
    { kind: "thread.suspend", cancellable: false },
    { kind: "thread.yield", cancellable: true },
    { kind: "thread.suspend-then-resume", cancellable: true },
    { kind: "thread.yield-then-resume", cancellable: false },
    { kind: "thread.suspend-then-promote", cancellable: false },
    { kind: "thread.yield-then-promote", cancellable: true },
  ];
  assert.deepEqual(canons, expected);
  const resource = ofKind(ast, "type").find((t) => t.type.kind === "resource");
  assert.deepEqual(resource?.type, { kind: "resource", rep: { kind: "i32" }, dtor: 3 });
});

Deno.test("decodeComponent() decodes the shared-everything thread built-ins and GC options", () => {
  const canons = [
    0x40,
    0x01,
    0x00, // thread.spawn-ref shared (core type 0)
    0x41,
    0x00,
    0x00,
    0x02, // thread.spawn-indirect (core type 0) (table 2)
    0x42,
    0x01, // thread.available-parallelism shared
    0x01,
    0x00,
    0x00,
    0x02,
    0x09,
    0x08,
    0x03, // lower func 0 gc (core-type 3)
  ];
  const ast = decodeComponent(component(section(8, [0x04, ...canons])));
  assert.deepEqual(ast.items.map((i) => i.kind === "canon" ? i.canon : undefined), [
    { kind: "thread.spawn-ref", shared: true, type: 0 },
    { kind: "thread.spawn-indirect", shared: false, type: 0, table: 2 },
    { kind: "thread.available-parallelism", shared: true },
    { kind: "lower", func: 0, options: [{ kind: "gc" }, { kind: "core-type", index: 3 }] },
  ]);
});

Deno.test("decodeComponent() decodes GC core types: sub types, rec groups, structs, arrays, refs", () => {
  const types = [
    0x00,
    0x50,
    0x00,
    0x5f,
    0x01,
    0x7f,
    0x01, // sub (non-final) struct (field (mut i32))
    0x4f,
    0x01,
    0x00,
    0x5e,
    0x78,
    0x00, // sub final (super 0) array i8
    0x4e,
    0x02,
    0x50,
    0x00,
    0x60,
    0x01,
    0x64,
    0x02,
    0x00, // rec: sub func (param (ref 2))
    0x60,
    0x01,
    0x63,
    0x65,
    0x6e,
    0x01,
    0x6f, // func (param (ref null (shared any))) (result externref)
  ];
  const ast = decodeComponent(component(section(3, [0x03, ...types])));
  assert.deepEqual(ast.items.map((i) => i.kind === "core-type" ? i.type : undefined), [
    {
      kind: "sub",
      final: false,
      supertypes: [],
      type: { kind: "struct", fields: [{ type: { kind: "i32" }, mutable: true }] },
    },
    {
      kind: "sub",
      final: true,
      supertypes: [0],
      type: { kind: "array", element: { type: { kind: "i8" }, mutable: false } },
    },
    {
      kind: "rec",
      types: [
        {
          kind: "sub",
          final: false,
          supertypes: [],
          type: {
            kind: "func",
            params: [{ kind: "ref", nullable: false, heap: { kind: "index", index: 2 } }],
            results: [],
          },
        },
        {
          kind: "func",
          params: [{
            kind: "ref",
            nullable: true,
            heap: { kind: "abstract", type: "any", shared: true },
          }],
          results: [{
            kind: "ref",
            nullable: true,
            heap: { kind: "abstract", type: "extern", shared: false },
          }],
        },
      ],
    },
  ]);
});

Deno.test("decodeComponent() decodes a core func type declared inside an instance type", () => {
  const it = [0x42, 0x01, 0x00, 0x60, 0x01, 0x7e, 0x00]; // (instance (core type (func (param i64))))
  const ast = decodeComponent(component(section(7, [0x01, ...it])));
  assert.deepEqual(withoutOffsets(ast.items), [{
    kind: "type",
    type: {
      kind: "instance",
      declarations: [{
        kind: "core-type",
        type: { kind: "func", params: [{ kind: "i64" }], results: [] },
      }],
    },
  }]);
});

Deno.test("decodeComponent() decodes start and value sections", () => {
  const start = section(9, [0x02, 0x02, 0x00, 0x01, 0x01]); // start func 2 (value 0) (value 1), 1 result
  const values = section(12, [0x02, 0x79, 0x01, 0x2a, 0x73, 0x03, 0x02, 0x68, 0x69]); // u32 42; string "hi"
  const ast = decodeComponent(component(values, start));
  assert.deepEqual(withoutOffsets(ast.items), [
    { kind: "value", type: prim("u32"), bytes: Uint8Array.of(0x2a) },
    { kind: "value", type: prim("string"), bytes: Uint8Array.of(0x02, 0x68, 0x69) },
    { kind: "start", func: 2, args: [0, 1], results: 1 },
  ]);
});

Deno.test("decodeComponent() gives every item its offset, in binary order", async () => {
  for (const name of ["types.wat", "decls.wat", "definitions.wat", "canon.wat"]) {
    const bytes = await fixture(name);
    const ast = decodeComponent(bytes);
    const offsets = ast.items.map((i) => i.offset);
    for (let i = 1; i < offsets.length; i++) {
      assert.ok((offsets[i] as number) > (offsets[i - 1] as number), `${name}: offsets increase`);
    }
    assert.ok(
      offsets.every((o) => o >= 8 && o < bytes.length),
      `${name}: offsets inside the input`,
    );
  }
});

Deno.test("decodeComponent() requires each section to end at its declared size", () => {
  // A type section that declares 3 bytes but whose single type takes 1.
  const error = assertCompileError(
    () => decodeComponent(component([0x07, 0x03, 0x01, 0x73, 0x73])),
    /end of the type section at byte 0xc, found 1 unread bytes/,
  );
  assert.equal(error.offset, 12);
  // A section whose contents run past its declared size.
  assertCompileError(() => decodeComponent(component([0x07, 0x02, 0x02, 0x73, 0x73])), /2 types/);
});

Deno.test("decodeComponent() rejects unknown section ids, type codes, canon opcodes and options", () => {
  assertCompileError(
    () => decodeComponent(component([0x0d, 0x00])),
    /section id \(0 to 12\) at byte 0x8, found 0x0d/,
  );
  assertCompileError(
    () => decodeComponent(component(section(7, [0x01, 0x62]))),
    /a type definition at byte 0xb, found 0x62/,
  );
  assertCompileError(
    () => decodeComponent(component(section(8, [0x01, 0x2e]))),
    /canonical function at byte 0xb, found 0x2e/,
  );
  assertCompileError(
    () => decodeComponent(component(section(8, [0x01, 0x01, 0x00, 0x00, 0x01, 0x0a]))),
    /canonical option .* at byte 0xf, found 0x0a/,
  );
  assertCompileError(
    () => decodeComponent(component(section(6, [0x01, 0x01, 0x02, 0x00, 0x00]))),
    /outer alias sort .* found func/,
  );
});

Deno.test("decodeComponent() checks vector counts against the bytes left before reading", () => {
  const error = assertCompileError(
    () => decodeComponent(component(section(7, [0xff, 0xff, 0xff, 0xff, 0x0f, 0x73]))),
    /expected 4294967295 types at byte 0xa, found only 1 byte left/,
  );
  assert.equal(error.offset, 10);
});

Deno.test("decodeComponent() rejects an embedded component where a core module belongs", () => {
  assertCompileError(
    () => decodeComponent(component(section(1, [...PREAMBLE]))),
    /version header for a module .* found a component header/,
  );
});

Deno.test("decodeComponent() caps nested components", () => {
  let inner: number[] = [...PREAMBLE];
  for (let i = 0; i < 300; i++) inner = [...PREAMBLE, ...section(4, inner)];
  assertCompileError(
    () => decodeComponent(Uint8Array.from(inner)),
    /at most 100 levels of nested components/,
  );
  let ok: number[] = [...PREAMBLE];
  for (let i = 0; i < MAX_NESTING_DEPTH; i++) ok = [...PREAMBLE, ...section(4, ok)];
  let depth = 0;
  for (let c: ComponentAst | undefined = decodeComponent(Uint8Array.from(ok)); c; depth++) {
    const next: ComponentItem | undefined = c.items[0];
    c = next?.kind === "component" ? next.component : undefined;
  }
  assert.equal(depth, MAX_NESTING_DEPTH + 1);
});

Deno.test("decodeComponent() caps nested instance, component and module types", () => {
  // (instance (type (instance (type ...)))) 100k deep, then the same with module types.
  const n = 100_000;
  const nestedTypes: number[] = [0x01];
  for (let i = 0; i < n; i++) nestedTypes.push(0x42, 0x01, 0x01);
  nestedTypes.push(0x73);
  assertCompileError(() => decodeComponent(component(section(7, nestedTypes))), /levels of nested/);
  const nestedModules: number[] = [0x01];
  for (let i = 0; i < n; i++) nestedModules.push(0x50, 0x01, 0x01);
  assertCompileError(
    () => decodeComponent(component(section(3, nestedModules))),
    /levels of nested/,
  );
});

Deno.test("decodeComponent() reports invalid UTF-8 in names", () => {
  assertCompileError(
    () => decodeComponent(component(section(10, [0x01, 0x00, 0x02, 0xff, 0xfe, 0x01, 0x00]))),
    /extern name at byte 0xd, found malformed UTF-8 encoding/,
  );
});

Deno.test("decodeComponent() rejects a repeated `shared` prefix without deep recursion", () => {
  const chain = new Array(200_000).fill(0x65);
  const bytes = component(section(3, [0x01, ...chain, 0x60, 0x00, 0x00]));
  const error = assertCompileError(
    () => decodeComponent(bytes),
    /composite type after `shared` at byte 0xe, found 0x65/,
  );
  assert.equal(error.cause, undefined);
  const shared = decodeComponent(component(section(3, [0x01, 0x65, 0x60, 0x00, 0x00])));
  assert.deepEqual(withoutOffsets(shared.items), [
    { kind: "core-type", type: { kind: "func", params: [], results: [], shared: true } },
  ]);
});

Deno.test("decodeComponent() reads views with an offset and views of a SharedArrayBuffer", async () => {
  const bytes = await fixture("decls.wat");
  const expected = decodeComponent(bytes);
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
  shared.set(bytes);
  assert.deepEqual(decodeComponent(shared), expected);
  const padded = new Uint8Array(bytes.length + 16);
  padded.set(bytes, 16);
  assert.deepEqual(decodeComponent(padded.subarray(16)), expected);
});

Deno.test("decodeComponent() reports a value longer than its section", () => {
  assertCompileError(
    () => decodeComponent(component(section(12, [0x01, 0x73, 0x09, 0x00]))),
    /a value of 9 bytes at byte 0xd, found only 1 byte left/,
  );
});
