import assert from "node:assert/strict";
import { BadValue, codecOf, toCamelCase } from "./codec.ts";
import type { CoreValue } from "./context.ts";
import { Trap } from "./errors.ts";
import { TestHeap } from "./testdata/heap.ts";
import { t, type ValType } from "./types.ts";

function lowerFlat(type: ValType, v: unknown, heap = new TestHeap()): CoreValue[] {
  const c = codecOf(type);
  const out: CoreValue[] = new Array(c.flat.length);
  c.lowerFlat(heap.context(), v, out, 0);
  return out;
}

function liftFlat(type: ValType, flat: CoreValue[], heap = new TestHeap()): unknown {
  return codecOf(type).liftFlat(heap.context(), flat, 0);
}

function badValue(type: ValType, v: unknown): BadValue {
  try {
    codecOf(type).check(v);
  } catch (e) {
    if (e instanceof BadValue) return e;
    throw e;
  }
  throw new Error(`expected ${String(v)} to be rejected`);
}

Deno.test("integers: lowering rejects wrong types and out-of-range values", () => {
  assert.equal(badValue(t.u32, "1").isRange, false);
  assert.equal(badValue(t.u32, -1).isRange, true);
  assert.equal(badValue(t.u8, 256).isRange, true);
  assert.equal(badValue(t.s8, -129).isRange, true);
  assert.equal(badValue(t.s32, 1.5).isRange, true);
  assert.equal(badValue(t.u64, 1).isRange, false);
  assert.equal(badValue(t.u64, -1n).isRange, true);
  assert.equal(badValue(t.s64, 2n ** 63n).isRange, true);
  assert.equal(
    badValue(t.u32, -1).toError('argument "count"').message,
    'Cannot lower argument "count" as u32: received -1',
  );
  assert.deepEqual(lowerFlat(t.s8, -1), [-1]);
  assert.deepEqual(lowerFlat(t.u64, 2n ** 64n - 1n), [2n ** 64n - 1n]);
});

Deno.test("integers: lifting wraps to the type's width", () => {
  assert.equal(liftFlat(t.u8, [0x1ff]), 0xff);
  assert.equal(liftFlat(t.s8, [0xff]), -1);
  assert.equal(liftFlat(t.u16, [-1]), 0xffff);
  assert.equal(liftFlat(t.s16, [0x8000]), -32768);
  assert.equal(liftFlat(t.u32, [-1]), 0xffffffff);
  assert.equal(liftFlat(t.s32, [0xffffffff]), -1);
  assert.equal(liftFlat(t.u64, [-1n]), 2n ** 64n - 1n);
  assert.equal(liftFlat(t.s64, [2n ** 64n - 1n]), -1n);
  assert.equal(liftFlat(t.bool, [2]), true);
  assert.equal(liftFlat(t.bool, [0]), false);
});

Deno.test("floats: NaNs are canonical in memory and on lifting", () => {
  const heap = new TestHeap();
  const cx = heap.context();
  const nan = new Float32Array(new Uint32Array([0x7fa00001]).buffer)[0]!;
  codecOf(t.f32).store(cx, nan, 16);
  assert.equal(heap.dv().getUint32(16, true), 0x7fc00000);
  codecOf(t.f64).store(cx, NaN, 24);
  assert.equal(heap.dv().getBigUint64(24, true), 0x7ff8000000000000n);
  heap.dv().setUint32(32, 0xffc00001, true);
  assert.ok(Number.isNaN(codecOf(t.f32).load(cx, 32)));
  assert.equal(liftFlat(t.f32, [0.1]), Math.fround(0.1));
  assert.equal(badValue(t.f64, 1n).isRange, false);
});

Deno.test("char: one scalar value; surrogates and big code points trap on lifting", () => {
  assert.deepEqual(lowerFlat(t.char, "😀"), [0x1f600]);
  assert.equal(badValue(t.char, "ab").isRange, true);
  assert.equal(badValue(t.char, "\ud800").isRange, true);
  assert.equal(badValue(t.char, 65).isRange, false);
  assert.equal(liftFlat(t.char, [0x41]), "A");
  assert.throws(() => liftFlat(t.char, [0xd800]), { name: "Trap", message: /surrogate/ });
  assert.throws(() => liftFlat(t.char, [0x110000]), { name: "Trap", message: /out of range/ });
});

Deno.test("records use camelCase fields and report the path of a bad value", () => {
  const type: ValType = {
    kind: "record",
    fields: [{ name: "first-name", type: t.string }, { name: "age", type: t.u8 }],
  };
  const heap = new TestHeap();
  const flat = lowerFlat(type, { firstName: "Ada", age: 36 }, heap);
  assert.deepEqual(liftFlat(type, flat, heap), { firstName: "Ada", age: 36 });
  const nested: ValType = { kind: "list", element: type };
  const e = badValue(nested, [{ firstName: "a", age: 1 }, { firstName: "b", age: 300 }]);
  assert.equal(
    e.toError('argument "people"').message,
    'Cannot lower argument "people" at [1].age as u8: received 300',
  );
  assert.equal(toCamelCase("get-HTTP-thing"), "getHTTPThing");
});

Deno.test("records of numbers and bools, of every size, store, load and name bad fields", () => {
  const kinds = [t.u8, t.f64, t.s16, t.bool, t.u32, t.f32, t.s8, t.s32, t.u16] as const;
  const sample = [200, -0.25, -300, true, 4000000000, 1.5, -7, -2000000000, 65535];
  const bad = [256, "x", 40000, 1, -1, 1n, 128, 2 ** 31, -1];
  for (let n = 1; n <= kinds.length; n++) {
    const fields = kinds.slice(0, n).map((type, i) => ({ name: `field-${i}`, type }));
    const type: ValType = { kind: "record", fields };
    const value = Object.fromEntries(sample.slice(0, n).map((v, i) => [`field${i}`, v]));
    const heap = new TestHeap();
    const cx = heap.context();
    const c = codecOf(type);
    c.store(cx, value, 64);
    assert.deepEqual(c.load(cx, 64), value, `record of ${n} fields through memory`);
    assert.deepEqual(liftFlat(type, lowerFlat(type, value, heap), heap), value);
    for (let i = 0; i < n; i++) {
      const e = badValue(type, { ...value, [`field${i}`]: bad[i] });
      assert.match(e.toError("x").message, new RegExp(`^Cannot lower x at \\.field${i} as `));
      assert.throws(() => c.store(cx, { ...value, [`field${i}`]: bad[i] }, 64), BadValue);
    }
    assert.throws(() => c.store(cx, 5, 64), BadValue);
  }
});

Deno.test("lists of records with padding leave the padding bytes as they were", () => {
  const entry: ValType = {
    kind: "record",
    fields: [{ name: "id", type: t.u32 }, { name: "score", type: t.f64 }, {
      name: "ok",
      type: t.bool,
    }],
  };
  const list: ValType = { kind: "list", element: entry };
  const heap = new TestHeap();
  heap.u8().fill(0xaa);
  const value = [{ id: 1, score: 0.5, ok: true }, { id: 0xffffffff, score: -2, ok: false }];
  const [ptr, len] = lowerFlat(list, value, heap) as [number, number];
  assert.equal(len, 2);
  const u8 = heap.u8();
  for (const at of [4, 5, 6, 7, 17, 18, 19, 20, 21, 22, 23]) {
    assert.equal(u8[ptr + at], 0xaa, `padding byte ${at}`);
    assert.equal(u8[ptr + 24 + at], 0xaa, `padding byte ${24 + at}`);
  }
  assert.deepEqual(liftFlat(list, [ptr, len], heap), value);
  const e = badValue(list, [value[0], { id: 1, score: 1, ok: 0 }]);
  assert.equal(e.toError("l").message, "Cannot lower l at [1].ok as bool: received 0");
});

Deno.test("variants: { tag, val }, and invalid discriminants trap", () => {
  const type: ValType = {
    kind: "variant",
    cases: [{ name: "none-here", type: undefined }, { name: "num", type: t.f32 }, {
      name: "big",
      type: t.u64,
    }],
  };
  assert.deepEqual(lowerFlat(type, { tag: "num", val: 1.5 }), [1, 0x3fc00000n]);
  assert.deepEqual(liftFlat(type, [1, 0x3fc00000n]), { tag: "num", val: 1.5 });
  assert.deepEqual(liftFlat(type, [0, 0n]), { tag: "none-here" });
  assert.deepEqual(liftFlat(type, [2, -1n]), { tag: "big", val: 2n ** 64n - 1n });
  assert.throws(() => liftFlat(type, [3, 0n]), { name: "Trap", message: /invalid discriminant 3/ });
  const heap = new TestHeap();
  heap.u8()[40] = 7;
  assert.throws(() => codecOf(type).load(heap.context(), 40), Trap);
  assert.equal(badValue(type, { tag: "nope" }).isRange, false);
});

Deno.test("enums are label strings", () => {
  const type: ValType = { kind: "enum", labels: ["red", "green-ish"] };
  assert.deepEqual(lowerFlat(type, "green-ish"), [1]);
  assert.equal(liftFlat(type, [0]), "red");
  assert.throws(() => liftFlat(type, [2]), Trap);
  badValue(type, "blue");
});

Deno.test("options: T | undefined, tagged when nested", () => {
  const opt: ValType = { kind: "option", type: t.u32 };
  assert.deepEqual(lowerFlat(opt, undefined), [0, 0]);
  assert.deepEqual(lowerFlat(opt, null), [0, 0]);
  assert.deepEqual(lowerFlat(opt, 7), [1, 7]);
  assert.equal(liftFlat(opt, [0, 9]), undefined);
  assert.equal(liftFlat(opt, [1, 9]), 9);
  const nested: ValType = { kind: "option", type: opt };
  assert.deepEqual(lowerFlat(nested, { tag: "some", val: undefined }), [1, 0, 0]);
  assert.deepEqual(liftFlat(nested, [1, 1, 4]), { tag: "some", val: 4 });
  assert.deepEqual(liftFlat(nested, [0, 0, 0]), { tag: "none" });
  assert.throws(() => liftFlat(opt, [2, 0]), Trap);
});

Deno.test("results are { tag: ok | err, val } below the top level", () => {
  const type: ValType = { kind: "result", ok: t.u8, err: undefined };
  assert.deepEqual(lowerFlat(type, { tag: "err" }), [1, 0]);
  assert.deepEqual(liftFlat(type, [0, 5]), { tag: "ok", val: 5 });
  assert.deepEqual(liftFlat(type, [1, 5]), { tag: "err" });
});

Deno.test("flags: objects of booleans; bits beyond the labels are ignored", () => {
  const type: ValType = { kind: "flags", labels: ["read", "write-all", "exec"] };
  assert.deepEqual(lowerFlat(type, { read: true, exec: true }), [0b101]);
  assert.deepEqual(liftFlat(type, [0xfffffff2]), { read: false, writeAll: true, exec: false });
  const big: ValType = { kind: "flags", labels: Array.from({ length: 32 }, (_, i) => `f${i}`) };
  assert.deepEqual(lowerFlat(big, { f31: true }), [0x80000000]);
  badValue(type, 5);
});

Deno.test("lists: numeric lists are typed arrays, others arrays", () => {
  const heap = new TestHeap();
  const u16s: ValType = { kind: "list", element: t.u16 };
  const flat = lowerFlat(u16s, new Uint16Array([1, 2, 65535]), heap);
  const back = liftFlat(u16s, flat, heap);
  assert.ok(back instanceof Uint16Array);
  assert.deepEqual([...back], [1, 2, 65535]);
  // Plain arrays and iterables lower too.
  const f2 = lowerFlat(u16s, new Set([3, 4]), heap);
  assert.deepEqual([...(liftFlat(u16s, f2, heap) as Uint16Array)], [3, 4]);
  const bools: ValType = { kind: "list", element: t.bool };
  assert.deepEqual(liftFlat(bools, lowerFlat(bools, [true, false], heap), heap), [true, false]);
  assert.equal(
    badValue(u16s, [1, -1]).toError("x").message,
    "Cannot lower x at [1] as u16: received -1",
  );
  const u8s = liftFlat(
    { kind: "list", element: t.u8 },
    lowerFlat({ kind: "list", element: t.u8 }, [9], heap),
    heap,
  );
  assert.ok(u8s instanceof Uint8Array);
});

Deno.test("lists: NaN payloads are canonicalised when lifting float lists", () => {
  const heap = new TestHeap();
  heap.dv().setUint32(64, 0x7fa00001, true);
  const floats = liftFlat({ kind: "list", element: t.f32 }, [64, 1], heap) as Float32Array;
  assert.equal(new Uint32Array(floats.buffer)[0], 0x7fc00000);
});

Deno.test("lists: lifting traps on misaligned, out-of-bounds and oversized lists", () => {
  const type: ValType = { kind: "list", element: t.u32 };
  assert.throws(() => liftFlat(type, [2, 1]), /not aligned to 4/);
  assert.throws(() => liftFlat(type, [65532, 2]), /out of bounds/);
  assert.throws(() => liftFlat(type, [0, 2 ** 27]), /out of bounds/);
  // In bounds of a memory over 256 MiB, but longer than the spec's 2^28-1 bytes.
  const bytes: ValType = { kind: "list", element: t.u8 };
  assert.throws(() => liftFlat(bytes, [0, 2 ** 28], new TestHeap(4097)), /exceeds the maximum/);
});

Deno.test("fixed-length lists need exactly N elements", () => {
  const type: ValType = { kind: "list", element: t.u8, length: 2 };
  assert.deepEqual(lowerFlat(type, [1, 2]), [1, 2]);
  assert.deepEqual([...(liftFlat(type, [3, 4]) as Uint8Array)], [3, 4]);
  assert.equal(badValue(type, [1]).isRange, true);
});

Deno.test("maps are Map objects", () => {
  const heap = new TestHeap();
  const type: ValType = { kind: "map", key: t.string, value: t.u32 };
  const flat = lowerFlat(type, new Map([["a", 1], ["b", 2]]), heap);
  assert.deepEqual(liftFlat(type, flat, heap), new Map([["a", 1], ["b", 2]]));
  badValue(type, 1);
});

Deno.test("tuples are arrays", () => {
  const heap = new TestHeap();
  const type: ValType = { kind: "tuple", types: [t.string, t.s64] };
  assert.deepEqual(liftFlat(type, lowerFlat(type, ["x", -2n], heap), heap), ["x", -2n]);
  badValue(type, { 0: "x", 1: 1n });
});

Deno.test("stream, future and error-context values are rejected for now", () => {
  assert.equal(badValue({ kind: "stream", element: t.u8 }, 1).isRange, false);
  assert.throws(() => liftFlat({ kind: "future", element: undefined }, [1]), Trap);
});
