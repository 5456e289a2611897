import assert from "node:assert/strict";
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import type { CoreValue } from "./context.ts";
import { ComponentError, InstancePoisonedError, Trap } from "./errors.ts";
import { ComponentInstanceState } from "./instance_state.ts";
import { liftFunction } from "./lift_function.ts";
import { lowerFunction } from "./lower_function.ts";
import { hostResourceJs, resourceDrop } from "./resources.ts";
import { TestHeap } from "./testdata/heap.ts";
import { type FuncType, ResourceType, t, type ValType } from "./types.ts";

const fn = (params: [string, ValType][], result?: ValType): FuncType => ({
  params: params.map(([name, type]) => ({ name, type })),
  result,
  async: false,
});

function readString(heap: TestHeap, ptr: number, len: number): string {
  return new TextDecoder().decode(heap.u8().subarray(ptr, ptr + len));
}

Deno.test("liftFunction: scalars in, scalar out", () => {
  const instance = new ComponentInstanceState();
  const core = (a: CoreValue, b: CoreValue) => BigInt(a) + (b as bigint);
  const f = liftFunction(core, fn([["a", t.u8], ["b", t.s64]], t.s64), { instance });
  assert.equal(f(200, -1n), 199n);
});

Deno.test("liftFunction: bad arguments throw before the core function runs", () => {
  const instance = new ComponentInstanceState();
  const heap = new TestHeap();
  let calls = 0;
  const f = liftFunction(() => void calls++, fn([["name", t.string], ["count", t.u32]]), {
    instance,
    memory: heap.memory,
    realloc: heap.realloc,
  });
  assert.throws(() => f("x", -1), {
    name: "RangeError",
    message: 'Cannot lower argument "count" as u32: received -1',
  });
  assert.throws(() => f(1, 1), {
    name: "TypeError",
    message: 'Cannot lower argument "name" as string: received 1',
  });
  assert.equal(calls, 0);
  assert.deepEqual(heap.calls, []); // realloc was not entered either
  assert.equal(instance.poisoned, undefined);
  f("x", 1);
  assert.equal(calls, 1);
});

Deno.test("liftFunction: strings go through realloc and come back through a return area", () => {
  const instance = new ComponentInstanceState();
  const heap = new TestHeap();
  const core = (ptr: CoreValue, len: CoreValue) => {
    const s = readString(heap, Number(ptr), Number(len)).toUpperCase();
    const bytes = new TextEncoder().encode(s);
    const p = heap.realloc(0, 0, 1, bytes.length);
    heap.u8().set(bytes, p);
    heap.dv().setUint32(0, p, true);
    heap.dv().setUint32(4, bytes.length, true);
    return 0;
  };
  const f = liftFunction(core, fn([["s", t.string]], t.string), {
    instance,
    memory: heap.memory,
    realloc: heap.realloc,
  });
  assert.equal(f("héllo"), "HÉLLO");
});

Deno.test("liftFunction: post-return runs after lifting, with the flat results", () => {
  const instance = new ComponentInstanceState();
  const heap = new TestHeap();
  heap.u8().set(new TextEncoder().encode("hi"), 100);
  heap.dv().setUint32(8, 100, true);
  heap.dv().setUint32(12, 2, true);
  const seen: CoreValue[][] = [];
  const f = liftFunction(() => 8, fn([], t.string), {
    instance,
    memory: heap.memory,
    postReturn: (...flat) => {
      seen.push(flat);
      heap.u8().fill(0, 100, 102); // frees the string: it must already be lifted
    },
  });
  assert.equal(f(), "hi");
  assert.deepEqual(seen, [[8]]);
});

Deno.test("liftFunction: a trap in post-return poisons the instance", () => {
  const instance = new ComponentInstanceState();
  const f = liftFunction(() => 1, fn([], t.u32), {
    instance,
    postReturn: () => {
      throw new WebAssembly.RuntimeError("unreachable");
    },
  });
  assert.throws(() => f(), Trap);
  assert.throws(() => f(), InstancePoisonedError);
});

Deno.test("liftFunction: post-return and realloc cannot call imports", () => {
  const instance = new ComponentInstanceState();
  const imported = lowerFunction(() => {}, fn([]), { instance });
  const f = liftFunction(() => 0, fn([], t.u32), { instance, postReturn: () => void imported() });
  assert.throws(() => f(), { name: "Trap", message: "cannot leave component instance" });
  const inst2 = new ComponentInstanceState();
  const heap = new TestHeap();
  const imported2 = lowerFunction(() => {}, fn([]), { instance: inst2 });
  const g = liftFunction(() => {}, fn([["s", t.string]]), {
    instance: inst2,
    memory: heap.memory,
    realloc: (...a) => (imported2(), heap.realloc(...a)),
  });
  assert.throws(() => g("x"), { message: "cannot leave component instance" });
  assert.ok(inst2.poisoned);
});

Deno.test("liftFunction: top-level result returns ok or throws ComponentError", () => {
  const instance = new ComponentInstanceState();
  const heap = new TestHeap();
  const f = liftFunction(
    () => 16,
    fn([], { kind: "result", ok: t.u32, err: { kind: "enum", labels: ["bad-input"] } }),
    { instance, memory: heap.memory },
  );
  heap.dv().setUint8(16, 0);
  heap.dv().setUint32(20, 7, true);
  assert.equal(f(), 7);
  heap.dv().setUint8(16, 1);
  heap.dv().setUint8(20, 0);
  assert.throws(() => f(), (e: unknown) => {
    assert.ok(e instanceof ComponentError);
    assert.equal(e.payload, "bad-input");
    return true;
  });
  assert.equal(instance.poisoned, undefined);
  const g = liftFunction(() => 0, fn([], { kind: "result", ok: undefined, err: undefined }), {
    instance,
  });
  assert.equal(g(), undefined);
});

Deno.test("liftFunction: more than 16 flat params are spilled into memory", () => {
  const instance = new ComponentInstanceState();
  const heap = new TestHeap();
  const params: [string, ValType][] = Array.from({ length: 17 }, (_, i) => [`p${i}`, t.u16]);
  let got: number[] = [];
  const f = liftFunction((ptr) => {
    got = Array.from({ length: 17 }, (_, i) => heap.dv().getUint16(Number(ptr) + 2 * i, true));
    return undefined;
  }, fn(params), { instance, memory: heap.memory, realloc: heap.realloc });
  f(...Array.from({ length: 17 }, (_, i) => i * 100));
  assert.deepEqual(got, Array.from({ length: 17 }, (_, i) => i * 100));
  assert.deepEqual(heap.calls, [[0, 0, 2, 34]]);
});

Deno.test("liftFunction: a wasm trap poisons; later calls throw InstancePoisonedError", async () => {
  const bytes = await parse(`(module
    (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1))))`);
  const core = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>));
  const div = core.exports.div as (a: number, b: number) => number;
  const instance = new ComponentInstanceState();
  const f = liftFunction(
    div as (...flat: CoreValue[]) => unknown,
    fn([["a", t.u32], ["b", t.u32]], t.u32),
    { instance, name: "div" },
  );
  assert.equal(f(0xffffffff, 1), 0xffffffff);
  assert.throws(() => f(1, 0), { name: "Trap", message: /divide by zero/ });
  assert.ok(instance.poisoned instanceof Trap);
  assert.ok(instance.poisoned.cause instanceof WebAssembly.RuntimeError);
  assert.throws(() => f(1, 1), (e: unknown) => {
    assert.ok(e instanceof InstancePoisonedError);
    assert.equal(e.cause, instance.poisoned);
    return true;
  });
});

Deno.test("liftFunction: re-entering an instance mid-call traps", () => {
  const instance = new ComponentInstanceState();
  let f: (...args: unknown[]) => unknown = () => {};
  const callback = lowerFunction(() => f(), fn([]), { instance });
  f = liftFunction(() => callback(), fn([]), { instance });
  assert.throws(() => f(), { name: "Trap", message: /cannot enter component instance/ });
  assert.ok(instance.poisoned);
});

Deno.test("liftFunction: a child cannot be entered while its parent is mid-call", () => {
  const parent = new ComponentInstanceState();
  const child = new ComponentInstanceState({ parent });
  const childExport = liftFunction(() => 1, fn([], t.u32), { instance: child });
  let inner: unknown;
  const parentExport = liftFunction(() => {
    try {
      childExport();
    } catch (e) {
      inner = e;
    }
  }, fn([]), { instance: parent });
  parentExport();
  assert.ok(inner instanceof Trap);
  assert.equal(childExport(), 1); // fine once the parent returned
});

Deno.test("liftFunction: borrows lent to the callee must be dropped before it returns", () => {
  const callee = new ComponentInstanceState();
  const rt = new ResourceType("conn"); // a host resource
  const conn = {};
  const keep = liftFunction(() => {}, fn([["c", { kind: "borrow", resource: rt }]]), {
    instance: callee,
  });
  assert.throws(() => keep(conn), {
    name: "Trap",
    message: "borrow handles still remain at the end of the call",
  });
  const callee2 = new ComponentInstanceState();
  const drop2 = resourceDrop(rt, callee2);
  const ok = liftFunction((h) => drop2(Number(h)), fn([["c", { kind: "borrow", resource: rt }]]), {
    instance: callee2,
  });
  ok(conn);
  ok(conn);
  assert.equal(callee2.handles.size, 0);
  assert.equal(callee2.poisoned, undefined);
});

Deno.test("liftFunction: a borrow of the callee's own resource passes the rep", () => {
  const instance = new ComponentInstanceState();
  const rt = new ResourceType("thing", { instance });
  rt.js = { toJs: (rep) => ({ rep }), fromJs: (v) => (v as { rep: number }).rep };
  let got: CoreValue = 0;
  const f = liftFunction((r) => void (got = r), fn([["t", { kind: "borrow", resource: rt }]]), {
    instance,
  });
  f({ rep: 77 });
  assert.equal(got, 77);
  assert.equal(instance.handles.size, 0);
});

Deno.test("liftFunction: own handles move in and out of the callee's table", () => {
  const instance = new ComponentInstanceState();
  const rt = new ResourceType("file");
  rt.js = hostResourceJs();
  const file = { name: "a" };
  let handle: CoreValue = 0;
  const give = liftFunction((h) => void (handle = h), fn([["f", { kind: "own", resource: rt }]]), {
    instance,
  });
  give(file);
  assert.equal(instance.handles.size, 1);
  assert.throws(() => give(file), { name: "TypeError", message: /Cannot lower argument "f" as own<file>/ });
  const take = liftFunction(() => handle, fn([], { kind: "own", resource: rt }), { instance });
  assert.equal(take(), file);
  assert.equal(instance.handles.size, 0);
  assert.throws(() => take(), Trap); // the handle is gone
});
