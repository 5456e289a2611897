import assert from "node:assert/strict";
import type { CoreValue, ResourceHandle } from "./context.ts";
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
  const heap = new TestHeap();
  const lowered = (instance: ComponentInstanceState) =>
    lowerFunction((s) => `${s}!`, fn([["s", t.string]], t.string), {
      instance,
      memory: heap.memory,
      realloc: heap.realloc,
    });
  const core = lowered(new ComponentInstanceState());
  const len = writeString(heap, 200, "héllo");
  assert.equal(core(200, len, 300), undefined);
  const ptr = heap.dv().getUint32(300, true);
  const n = heap.dv().getUint32(304, true);
  assert.equal(new TextDecoder().decode(heap.u8().subarray(ptr, ptr + n)), "héllo!");
  assert.throws(() => core(200, len, 302), {
    name: "Trap",
    message: /result area pointer 302 is not aligned to 4/,
  });
  assert.throws(() => lowered(new ComponentInstanceState())(200, len, 65532), {
    name: "Trap",
    message: /out of bounds/,
  });
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
  const other = new ComponentInstanceState();
  const borrowed = resourceNew(rt, other)(1);
  const viaBorrow = lowerFunction(() => {}, fn([["r", { kind: "borrow", resource: rt }]]), {
    instance: other,
  });
  viaBorrow(borrowed);
  assert.equal(other.handles.size, 1);
});

Deno.test("lowerFunction: a borrowed handle is lent for the call only", () => {
  const instance = new ComponentInstanceState();
  const rt = new ResourceType("res", { instance });
  rt.js = { toJs: (rep) => rep, fromJs: (v) => v as number };
  const h = resourceNew(rt, instance)(5);
  const drop = resourceDrop(rt, instance);
  let lendsDuringCall = -1;
  const core = lowerFunction(
    (rep) => {
      assert.equal(rep, 5);
      lendsDuringCall = (instance.handles.get(h) as ResourceHandle).numLends;
    },
    fn([["r", { kind: "borrow", resource: rt }]]),
    { instance },
  );
  core(h);
  assert.equal(lendsDuringCall, 1);
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
  assert.throws(() => core(h), { name: "Trap", message: /expected "b", found "a"/ });
  const other = new ComponentInstanceState();
  const core2 = lowerFunction(() => {}, fn([["r", { kind: "own", resource: b }]]), {
    instance: other,
  });
  assert.throws(() => core2(42), { name: "Trap", message: "unknown handle index 42" });
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

/** Writes the pairs of a `list<tuple<string, u32>>` into `heap` at `at`; returns the list's length. */
function writeStringU32Pairs(heap: TestHeap, at: number, pairs: [string, number][]): number {
  let text = at + 12 * pairs.length;
  pairs.forEach(([k, v], i) => {
    const n = writeString(heap, text, k);
    heap.dv().setUint32(at + 12 * i, text, true);
    heap.dv().setUint32(at + 12 * i + 4, n, true);
    heap.dv().setUint32(at + 12 * i + 8, v, true);
    text += n;
  });
  return pairs.length;
}

function readStringU32Pairs(heap: TestHeap, ptr: number, n: number): [string, number][] {
  const dv = heap.dv();
  return Array.from({ length: n }, (_, i) => {
    const p = dv.getUint32(ptr + 12 * i, true);
    const len = dv.getUint32(ptr + 12 * i + 4, true);
    const key = new TextDecoder().decode(heap.u8().subarray(p, p + len));
    return [key, dv.getUint32(ptr + 12 * i + 8, true)];
  });
}

const stringU32Map: ValType = { kind: "map", key: t.string, value: t.u32 };

Deno.test("component to component: a map keeps its repeated keys, in order", () => {
  const a = new ComponentInstanceState();
  const b = new ComponentInstanceState();
  const heapA = new TestHeap();
  const heapB = new TestHeap();
  let received: [string, number][] = [];
  const bTake = liftFunction(
    (ptr, n) => void (received = readStringU32Pairs(heapB, Number(ptr), Number(n))),
    fn([["m", stringU32Map]]),
    { instance: b, memory: heapB.memory, realloc: heapB.realloc },
  );
  const aCall = lowerFunction(bTake, fn([["m", stringU32Map]]), {
    instance: a,
    memory: heapA.memory,
  });
  const pairs: [string, number][] = [["z", 26], ["k", 1], ["k", 2], ["a", 0]];
  aCall(1000, writeStringU32Pairs(heapA, 1000, pairs));
  assert.deepEqual(received, pairs);
});

Deno.test("component to component: a map returned to another guest keeps its repeated keys", () => {
  const a = new ComponentInstanceState();
  const b = new ComponentInstanceState();
  const heapA = new TestHeap();
  const heapB = new TestHeap();
  const pairs: [string, number][] = [["k", 1], ["k", 2]];
  const bGive = liftFunction(
    () => {
      heapB.dv().setUint32(0, 1000, true);
      heapB.dv().setUint32(4, writeStringU32Pairs(heapB, 1000, pairs), true);
      return 0;
    },
    fn([], stringU32Map),
    { instance: b, memory: heapB.memory },
  );
  const aCall = lowerFunction(bGive, fn([], stringU32Map), {
    instance: a,
    memory: heapA.memory,
    realloc: heapA.realloc,
  });
  aCall(2000);
  const ptr = heapA.dv().getUint32(2000, true);
  const n = heapA.dv().getUint32(2004, true);
  assert.deepEqual(readStringU32Pairs(heapA, ptr, n), pairs);
});

Deno.test("JS keeps the Map mapping, and a JS array of pairs lowers every pair", () => {
  const instance = new ComponentInstanceState();
  const heap = new TestHeap();
  let got: unknown;
  const fromGuest = lowerFunction((m) => void (got = m), fn([["m", stringU32Map]]), {
    instance,
    memory: heap.memory,
  });
  fromGuest(1000, writeStringU32Pairs(heap, 1000, [["k", 1], ["j", 3], ["k", 2]]));
  // A JS Map holds one value per key: the last pair wins (Explainer.md allows that).
  assert.deepEqual(got, new Map([["k", 2], ["j", 3]]));

  let received: [string, number][] = [];
  const toGuest = liftFunction(
    (ptr, n) => void (received = readStringU32Pairs(heap, Number(ptr), Number(n))),
    fn([["m", stringU32Map]]),
    { instance, memory: heap.memory, realloc: heap.realloc },
  );
  toGuest([["k", 1], ["k", 2], ["a", 0]]);
  assert.deepEqual(received, [["k", 1], ["k", 2], ["a", 0]]);
  toGuest(new Map([["x", 9]]));
  assert.deepEqual(received, [["x", 9]]);
});

Deno.test("component to component: strings are transcoded from the caller's encoding", () => {
  const heapA = new TestHeap();
  const len = writeString(heapA, 100, "àà"); // 4 bytes of UTF-8, 2 code units of UTF-16
  const heapB = new TestHeap();
  const seen: string[] = [];
  const bTake = liftFunction(
    (ptr, n) => {
      const p = Number(ptr);
      seen.push(new TextDecoder("utf-16le").decode(heapB.u8().subarray(p, p + 2 * Number(n))));
    },
    fn([["s", t.string]]),
    {
      instance: new ComponentInstanceState(),
      memory: heapB.memory,
      realloc: heapB.realloc,
      stringEncoding: "utf16",
    },
  );
  const aCall = lowerFunction(bTake, fn([["s", t.string]]), {
    instance: new ComponentInstanceState(),
    memory: heapA.memory,
  });
  aCall(100, len);
  // CanonicalABI.md § Storing (`store_utf8_to_utf16`): 2 × 4 bytes, then shrunk to 4.
  assert.deepEqual(heapB.calls.map(([, ...rest]) => rest), [[0, 2, 8], [8, 2, 4]]);
  // From JS, the same text is a UTF-16 source: one exact allocation.
  heapB.calls.length = 0;
  bTake("àà");
  assert.deepEqual(heapB.calls, [[0, 0, 2, 4]]);
  assert.deepEqual(seen, ["àà", "àà"]);
});

Deno.test("component to component: an unaligned pointer from the shrinking realloc traps", () => {
  const heapA = new TestHeap();
  const len = writeString(heapA, 100, "àà");
  const heapB = new TestHeap();
  heapB.override = (p) => (heapB.calls.length === 2 ? 3 : p);
  const a = new ComponentInstanceState();
  const b = new ComponentInstanceState();
  const bTake = liftFunction(() => {}, fn([["s", t.string]]), {
    instance: b,
    memory: heapB.memory,
    realloc: heapB.realloc,
    stringEncoding: "utf16",
  });
  const aCall = lowerFunction(bTake, fn([["s", t.string]]), {
    instance: a,
    memory: heapA.memory,
  });
  assert.throws(() => aCall(100, len), {
    name: "Trap",
    message: /^realloc return: result not aligned \(string pointer 3 is not aligned to 2\)/,
  });
  assert.ok(a.poisoned && b.poisoned);
});

Deno.test("component to component: results come back from the callee's encoding", () => {
  const heapB = new TestHeap();
  heapB.u8().set([0xe9, 0xe9], 100); // "éé" in Latin-1
  const bGive = liftFunction(
    () => {
      heapB.dv().setUint32(0, 100, true);
      heapB.dv().setUint32(4, 2, true);
      return 0;
    },
    fn([], t.string),
    {
      instance: new ComponentInstanceState(),
      memory: heapB.memory,
      stringEncoding: "latin1+utf16",
    },
  );
  const heapA = new TestHeap();
  const aCall = lowerFunction(bGive, fn([], t.string), {
    instance: new ComponentInstanceState(),
    memory: heapA.memory,
    realloc: heapA.realloc,
  });
  aCall(200);
  // CanonicalABI.md § Storing (`store_latin1_to_utf8`): worst case 2 × 2, which fits exactly.
  assert.deepEqual(heapA.calls.map(([, ...rest]) => rest), [[0, 1, 2], [2, 1, 4]]);
  const ptr = heapA.dv().getUint32(200, true);
  const n = heapA.dv().getUint32(204, true);
  assert.equal(new TextDecoder().decode(heapA.u8().subarray(ptr, ptr + n)), "éé");
  // To JS the result is a plain string.
  assert.equal(bGive(), "éé");
});

Deno.test("component to component: a top-level result passes as its variant", () => {
  const heapB = new TestHeap();
  const type = fn([["x", t.u32]], { kind: "result", ok: t.u32, err: t.string });
  heapB.u8().set(new TextEncoder().encode("bad"), 100);
  const bF = liftFunction(
    (x) => {
      const dv = heapB.dv();
      if (Number(x) === 0) {
        dv.setUint32(0, 1, true);
        dv.setUint32(4, 100, true);
        dv.setUint32(8, 3, true);
      } else {
        dv.setUint32(0, 0, true);
        dv.setUint32(4, Number(x) * 2, true);
      }
      return 0;
    },
    type,
    { instance: new ComponentInstanceState(), memory: heapB.memory },
  );
  const heapA = new TestHeap();
  const a = new ComponentInstanceState();
  const aCall = lowerFunction(bF, type, {
    instance: a,
    memory: heapA.memory,
    realloc: heapA.realloc,
  });
  aCall(21, 300);
  assert.deepEqual([heapA.dv().getUint32(300, true), heapA.dv().getUint32(304, true)], [0, 42]);
  aCall(0, 300);
  assert.equal(heapA.dv().getUint32(300, true), 1);
  const p = heapA.dv().getUint32(304, true);
  assert.equal(new TextDecoder().decode(heapA.u8().subarray(p, p + 3)), "bad");
  assert.equal(a.poisoned, undefined);
  // For JS the same function returns or throws.
  assert.equal(bF(21), 42);
  assert.throws(() => bF(0), { name: "ComponentError", message: /bad/ });
});
