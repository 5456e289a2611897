import assert from "node:assert/strict";
import {
  alignment,
  discriminantSize,
  elemSize,
  flattenFunctionType,
  flattenType,
  MAX_FLAT_PARAMS,
} from "./layout.ts";
import { ResourceType, t, type ValType } from "./types.ts";

const labels = (n: number): string[] => Array.from({ length: n }, (_, i) => `l${i}`);

Deno.test("alignment and elemSize of primitives", () => {
  const expected: [ValType, number, number][] = [
    [t.bool, 1, 1],
    [t.s8, 1, 1],
    [t.u16, 2, 2],
    [t.s32, 4, 4],
    [t.u64, 8, 8],
    [t.f32, 4, 4],
    [t.f64, 8, 8],
    [t.char, 4, 4],
    [t.string, 4, 8],
    [t.errorContext, 4, 4],
  ];
  for (const [type, a, s] of expected) {
    assert.equal(alignment(type), a, type.kind);
    assert.equal(elemSize(type), s, type.kind);
  }
});

Deno.test("records are padded to their alignment", () => {
  const r: ValType = {
    kind: "record",
    fields: [{ name: "a", type: t.u8 }, { name: "b", type: t.u32 }, { name: "c", type: t.u8 }],
  };
  assert.equal(alignment(r), 4);
  assert.equal(elemSize(r), 12);
  const tup: ValType = { kind: "tuple", types: [t.u8, t.u64] };
  assert.equal(alignment(tup), 8);
  assert.equal(elemSize(tup), 16);
});

Deno.test("lists: variable lists are a pointer pair, fixed lists are inline", () => {
  assert.deepEqual([
    alignment({ kind: "list", element: t.u64 }),
    elemSize({ kind: "list", element: t.u64 }),
  ], [4, 8]);
  const fixed: ValType = { kind: "list", element: t.u16, length: 3 };
  assert.deepEqual([alignment(fixed), elemSize(fixed)], [2, 6]);
  assert.deepEqual(flattenType(fixed), ["i32", "i32", "i32"]);
  assert.deepEqual(flattenType({ kind: "list", element: t.f64 }), ["i32", "i32"]);
});

Deno.test("variant discriminants grow with the case count", () => {
  assert.equal(discriminantSize(1), 1);
  assert.equal(discriminantSize(256), 1);
  assert.equal(discriminantSize(257), 2);
  assert.equal(discriminantSize(65536), 2);
  assert.equal(discriminantSize(65537), 4);
  assert.equal(elemSize({ kind: "enum", labels: labels(256) }), 1);
  assert.equal(elemSize({ kind: "enum", labels: labels(257) }), 2);
  assert.equal(alignment({ kind: "enum", labels: labels(257) }), 2);
  assert.throws(() => discriminantSize(0), RangeError);
});

Deno.test("options and results lay out as variants", () => {
  const o: ValType = { kind: "option", type: t.u64 };
  assert.deepEqual([alignment(o), elemSize(o)], [8, 16]);
  const r: ValType = { kind: "result", ok: undefined, err: undefined };
  assert.deepEqual([alignment(r), elemSize(r)], [1, 1]);
  assert.deepEqual(flattenType(r), ["i32"]);
  const rs: ValType = { kind: "result", ok: t.string, err: t.u8 };
  assert.deepEqual([alignment(rs), elemSize(rs)], [4, 12]);
});

Deno.test("flags take 1, 2 or 4 bytes and need 1 to 32 labels", () => {
  assert.equal(elemSize({ kind: "flags", labels: labels(8) }), 1);
  assert.equal(elemSize({ kind: "flags", labels: labels(9) }), 2);
  assert.equal(elemSize({ kind: "flags", labels: labels(17) }), 4);
  assert.equal(alignment({ kind: "flags", labels: labels(32) }), 4);
  assert.throws(() => elemSize({ kind: "flags", labels: labels(33) }), RangeError);
  assert.throws(() => elemSize({ kind: "flags", labels: [] }), RangeError);
});

Deno.test("handles, streams and futures are i32", () => {
  const rt = new ResourceType("r");
  for (
    const type of [
      { kind: "own", resource: rt },
      { kind: "borrow", resource: rt },
      { kind: "stream", element: t.u8 },
      { kind: "future", element: undefined },
    ] as ValType[]
  ) {
    assert.deepEqual([alignment(type), elemSize(type), flattenType(type)], [4, 4, ["i32"]]);
  }
});

Deno.test("variant payloads join their flat types", () => {
  const v = (...types: ValType[]): ValType => ({
    kind: "variant",
    cases: types.map((type, i) => ({ name: `c${i}`, type })),
  });
  assert.deepEqual(flattenType(v(t.f32, t.u32)), ["i32", "i32"]);
  assert.deepEqual(flattenType(v(t.f32, t.f32)), ["i32", "f32"]);
  assert.deepEqual(flattenType(v(t.f64, t.f32)), ["i32", "i64"]);
  assert.deepEqual(flattenType(v(t.u32, t.s64)), ["i32", "i64"]);
  assert.deepEqual(flattenType(v(t.string, t.f64)), ["i32", "i64", "i32"]);
});

Deno.test("flattenFunctionType spills params and results", () => {
  const many = Array.from(
    { length: MAX_FLAT_PARAMS + 1 },
    (_, i) => ({ name: `p${i}`, type: t.u32 }),
  );
  const ft = { params: many, result: t.string, async: false };
  assert.deepEqual(flattenFunctionType(ft, "lift"), { params: ["i32"], results: ["i32"] });
  assert.deepEqual(flattenFunctionType(ft, "lower"), { params: ["i32", "i32"], results: [] });
  const small = { params: many.slice(0, 16), result: t.u64, async: false };
  assert.equal(flattenFunctionType(small, "lower").params.length, 16);
  assert.deepEqual(flattenFunctionType(small, "lower").results, ["i64"]);
});
