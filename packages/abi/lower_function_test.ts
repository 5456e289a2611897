import assert from "node:assert/strict";
import type { CoreValue } from "./context.ts";
import { ComponentError, Trap } from "./errors.ts";
import { ComponentInstanceState } from "./instance_state.ts";
import { liftFunction } from "./lift_function.ts";
import { lowerFunction } from "./lower_function.ts";
import { resourceDrop, resourceNew } from "./resources.ts";
import { TestHeap } from "./testdata/heap.ts";
import { type FuncType, ResourceType, t, type ValType } from "./types.ts";

const fn = (params: [string, ValType][], result?: ValType): FuncType => ({
  params: params.map(([name, type]) => ({ name, type })),
  result,
  async: false,
});

function writeString(heap: TestHeap, ptr: number, s: string): number {
  const bytes = new TextEncoder().encode(s);
  heap.u8().set(bytes, ptr);
  return bytes.length;
}

Deno.test("lowerFunction: flat params are lifted, the result lowered", () => {
  const instance = new ComponentInstanceState();
  const seen: unknown[][] = [];
  const core = lowerFunction(
    (...args) => (seen.push(args), -5),
    fn([["a", t.u8], ["b", t.s64]], t.s16),
    {
      instance,
    },
  );
  assert.equal(core(0x1ff, -1n), -5);
  assert.deepEqual(seen, [[0xff, -1n]]);
});

Deno.test("lowerFunction: strings in, strings out through the return pointer", () => {
  const instance = new ComponentInstanceState();
  const heap = new TestHeap();
  const core = lowerFunction((s) => `${s}!`, fn([["s", t.string]], t.string), {
    instance,
    memory: heap.memory,
    realloc: heap.realloc,
  });
  const len = writeString(heap, 200, "héllo");
  assert.equal(core(200, len, 300), undefined);
  const ptr = heap.dv().getUint32(300, true);
  const n = heap.dv().getUint32(304, true);
  assert.equal(new TextDecoder().decode(heap.u8().subarray(ptr, ptr + n)), "héllo!");
  assert.throws(() => core(200, len, 302), {
    name: "Trap",
    message: /result area pointer 302 is not aligned to 4/,
  });
  assert.throws(() => core(200, len, 65532), { name: "Trap", message: /out of bounds/ });
});

Deno.test("lowerFunction: more than 16 flat params are read from memory", () => {
  const instance = new ComponentInstanceState();
  const heap = new TestHeap();
  const params: [string, ValType][] = Array.from({ length: 15 }, (_, i) => [`p${i}`, t.u64]);
  let got: unknown[] = [];
  const core = lowerFunction((...a) => void (got = a), fn([...params, ["s", t.string]]), {
    instance,
    memory: heap.memory,
  });
  for (let i = 0; i < 15; i++) heap.dv().setBigUint64(64 + 8 * i, BigInt(i), true);
  heap.dv().setUint32(184, 500, true);
  heap.dv().setUint32(188, writeString(heap, 500, "ok"), true);
  core(64);
  assert.deepEqual(got, [...Array.from({ length: 15 }, (_, i) => BigInt(i)), "ok"]);
  assert.throws(() => core(60), { name: "Trap", message: /not aligned to 8/ });
});

Deno.test("lowerFunction: traps when the instance may not leave", () => {
  const instance = new ComponentInstanceState();
  let called = false;
  const core = lowerFunction(() => void (called = true), fn([]), { instance });
  instance.mayLeave = false;
  assert.throws(() => core(), { name: "Trap", message: "cannot leave component instance" });
  assert.equal(called, false);
});

Deno.test("lowerFunction: a host exception becomes a trap", () => {
  const instance = new ComponentInstanceState();
  const error = new Error("disk on fire");
  const core = lowerFunction(
    () => {
      throw error;
    },
    fn([]),
    { instance, name: "save" },
  );
  assert.throws(() => core(), (e: unknown) => {
    assert.ok(e instanceof Trap);
    assert.equal(e.message, 'host function "save" threw: disk on fire');
    assert.equal(e.cause, error);
    return true;
  });
});

Deno.test("lowerFunction: result<T, E> maps a thrown payload to err", () => {
  const instance = new ComponentInstanceState();
  const heap = new TestHeap();
  let behaviour: () => unknown = () => 7;
  const core = lowerFunction(
    () => behaviour(),
    fn([], { kind: "result", ok: t.u32, err: t.string }),
    { instance, memory: heap.memory, realloc: heap.realloc },
  );
  const ret = 4000;
  core(ret);
  assert.deepEqual([heap.u8()[ret], heap.dv().getUint32(ret + 4, true)], [0, 7]);
  behaviour = () => {
    throw new ComponentError("nope");
  };
  core(ret);
  assert.equal(heap.u8()[ret], 1);
  const p = heap.dv().getUint32(ret + 4, true);
  const n = heap.dv().getUint32(ret + 8, true);
  assert.equal(new TextDecoder().decode(heap.u8().subarray(p, p + n)), "nope");
  behaviour = () => {
    throw Object.assign(new Error("x"), { payload: "plain" });
  };
  core(ret);
  assert.equal(heap.u8()[ret], 1);
  behaviour = () => {
    throw new TypeError("bug");
  };
  assert.throws(() => core(ret), Trap);
});

Deno.test("lowerFunction: a host result of the wrong type traps", () => {
  const instance = new ComponentInstanceState();
  const core = lowerFunction(() => "seven", fn([], t.u32), { instance, name: "count" });
  assert.throws(() => core(), {
    name: "Trap",
    message: 'Cannot lower the result of "count" as u32: received "seven"',
  });
});

Deno.test("lowerFunction: own params leave the caller's table", () => {
  const instance = new ComponentInstanceState();
  const rt = new ResourceType("res", { instance });
  const seen: [number, boolean][] = [];
  rt.js = { toJs: (rep, own) => (seen.push([rep, own]), rep), fromJs: (v) => v as number };
  const h = resourceNew(rt, instance)(33);
  const core = lowerFunction(() => {}, fn([["r", { kind: "own", resource: rt }]]), { instance });
  core(h);
  assert.deepEqual(seen, [[33, true]]);
  assert.equal(instance.handles.size, 0);
  assert.throws(() => core(h), Trap);
  const borrowed = resourceNew(rt, instance)(1);
  const viaBorrow = lowerFunction(() => {}, fn([["r", { kind: "borrow", resource: rt }]]), {
    instance,
  });
  viaBorrow(borrowed);
  assert.equal(instance.handles.size, 1);
});

Deno.test("lowerFunction: a borrowed handle is lent for the call only", () => {
  const instance = new ComponentInstanceState();
  const rt = new ResourceType("res", { instance });
  rt.js = { toJs: (rep) => rep, fromJs: (v) => v as number };
  const h = resourceNew(rt, instance)(5);
  const drop = resourceDrop(rt, instance);
  let inner: unknown;
  const core = lowerFunction(
    (rep) => {
      assert.equal(rep, 5);
      // The guest cannot drop the handle while it is lent.
      try {
        drop(h);
      } catch (e) {
        inner = e;
      }
    },
    fn([["r", { kind: "borrow", resource: rt }]]),
    { instance },
  );
  core(h);
  assert.ok(inner instanceof Trap);
  drop(h); // the lend ended with the call
  assert.equal(instance.handles.size, 0);
});

Deno.test("lowerFunction: params of the wrong handle kind trap", () => {
  const instance = new ComponentInstanceState();
  const a = new ResourceType("a", { instance });
  const b = new ResourceType("b", { instance });
  b.js = a.js = { toJs: (rep) => rep, fromJs: (v) => v as number };
  const h = resourceNew(a, instance)(1);
  const core = lowerFunction(() => {}, fn([["r", { kind: "own", resource: b }]]), { instance });
  assert.throws(() => core(h), { name: "Trap", message: /expected "b"/ });
  assert.throws(() => core(42), { name: "Trap", message: "unknown handle index 42" });
});

Deno.test("component to component: A imports B's export; B calling back into A traps", () => {
  const a = new ComponentInstanceState();
  const b = new ComponentInstanceState();
  let aExport: (...args: unknown[]) => unknown = () => {};
  // B's core export calls B's import, which is A's export.
  const bImport = lowerFunction((...args) => aExport(...args), fn([["x", t.u32]], t.u32), {
    instance: b,
  });
  const bExport = liftFunction((x) => Number(x) + 1, fn([["x", t.u32]], t.u32), { instance: b });
  const bExportCallingBack = liftFunction((x) => bImport(x), fn([["x", t.u32]], t.u32), {
    instance: b,
  });
  const aImport = lowerFunction(bExport, fn([["x", t.u32]], t.u32), { instance: a });
  const aImportBack = lowerFunction(bExportCallingBack, fn([["x", t.u32]], t.u32), { instance: a });
  aExport = liftFunction((x) => aImport(x), fn([["x", t.u32]], t.u32), { instance: a });
  assert.equal(aExport(1), 2);
  const aExport2 = liftFunction((x) => aImportBack(x), fn([["x", t.u32]], t.u32), { instance: a });
  assert.throws(() => aExport2(1), { name: "Trap", message: /cannot enter component instance/ });
});

Deno.test("component to component: a parent may call into its child", () => {
  const parent = new ComponentInstanceState();
  const child = new ComponentInstanceState({ parent });
  const childExport = liftFunction(() => 9, fn([], t.u32), { instance: child });
  const parentImport = lowerFunction(childExport, fn([], t.u32), { instance: parent });
  const parentExport = liftFunction(() => parentImport(), fn([], t.u32), { instance: parent });
  assert.equal(parentExport(), 9);
});

Deno.test("component to component: own handles cross through the JS mapping", () => {
  const a = new ComponentInstanceState();
  const b = new ComponentInstanceState();
  const rt = new ResourceType("thing", { instance: b });
  const objects = new Map<number, object>();
  rt.js = {
    toJs(rep) {
      const o = { rep };
      objects.set(rep, o);
      return o;
    },
    fromJs: (v) => (v as { rep: number }).rep,
  };
  let got: CoreValue = -1;
  const bTake = liftFunction((h) => void (got = h), fn([["t", { kind: "own", resource: rt }]]), {
    instance: b,
  });
  const aCall = lowerFunction(bTake, fn([["t", { kind: "own", resource: rt }]]), { instance: a });
  const h = a.handles.add(undefined as unknown); // occupy index 1 so the indices differ
  void h;
  const ha = resourceNew(rt, a)(12);
  aCall(ha);
  assert.equal(a.handles.size, 1);
  assert.equal(b.handles.size, 1);
  assert.equal(typeof got, "number");
});
