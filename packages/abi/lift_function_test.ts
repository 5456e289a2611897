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
  const f = liftFunction(
    (ptr) => {
      got = Array.from({ length: 17 }, (_, i) => heap.dv().getUint16(Number(ptr) + 2 * i, true));
      return undefined;
    },
    fn(params),
    { instance, memory: heap.memory, realloc: heap.realloc },
  );
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
  const parentExport = liftFunction(
    () => {
      try {
        childExport();
      } catch (e) {
        inner = e;
      }
    },
    fn([]),
    { instance: parent },
  );
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
  assert.throws(() => give(file), {
    name: "TypeError",
    message: /Cannot lower argument "f" as own<file>/,
  });
  const take = liftFunction(() => handle, fn([], { kind: "own", resource: rt }), { instance });
  assert.equal(take(), file);
  assert.equal(instance.handles.size, 0);
  assert.throws(() => take(), Trap); // the handle is gone
});

Deno.test("strings round-trip through lift and lower in every encoding", () => {
  for (const stringEncoding of ["utf8", "utf16", "latin1+utf16"] as const) {
    const instance = new ComponentInstanceState();
    const heap = new TestHeap();
    const options = { instance, stringEncoding, memory: heap.memory, realloc: heap.realloc };
    const type = fn([["s", t.string]], t.string);
    // The guest passes its argument to a host import and returns what the import returned.
    const hostImport = lowerFunction((s) => `<${s}>`, type, options);
    const guestExport = liftFunction(
      (ptr, len) => {
        hostImport(ptr, len, 1000);
        return 1000;
      },
      type,
      options,
    );
    for (const s of ["", "plain", "café", "Ωmega", "emoji 😀", "\u00ff\u0100"]) {
      assert.equal(guestExport(s), `<${s}>`, `${stringEncoding}: ${s}`);
    }
  }
});

Deno.test("liftFunction: results are read after the callee grew the memory", () => {
  const instance = new ComponentInstanceState();
  const heap = new TestHeap();
  const f = liftFunction(
    () => {
      heap.memory.grow(1);
      const dv = heap.dv();
      const len = new TextEncoder().encodeInto("far", heap.u8().subarray(70000)).written;
      dv.setUint32(70016, 70000, true);
      dv.setUint32(70020, len, true);
      return 70016;
    },
    fn([], t.string),
    { instance, memory: heap.memory },
  );
  assert.equal(f(), "far");
});

const GUEST = `(module
  (memory (export "memory") 1)
  (global $bump (mut i32) (i32.const 1024))
  (func (export "realloc") (param $old i32) (param $old_size i32) (param $align i32)
      (param $new_size i32) (result i32)
    (local $ret i32)
    (local.set $ret (i32.and
      (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
      (i32.sub (i32.const 0) (local.get $align))))
    (global.set $bump (i32.add (local.get $ret) (local.get $new_size)))
    (if (i32.gt_u (global.get $bump) (i32.mul (memory.size) (i32.const 65536)))
      (then (drop (memory.grow
        (i32.add (i32.div_u (global.get $bump) (i32.const 65536)) (i32.const 1))))))
    (memory.copy (local.get $ret) (local.get $old) (local.get $old_size))
    (local.get $ret))
  (func (export "echo") (param i32 i32) (result i32)
    (i32.store (i32.const 16) (local.get 0))
    (i32.store (i32.const 20) (local.get 1))
    (i32.const 16))
  (func (export "neg") (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1))))`;

async function guest(): Promise<Record<string, unknown>> {
  const bytes = await parse(GUEST);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>))
    .exports as Record<string, unknown>;
}

type Core = (...flat: CoreValue[]) => unknown;

Deno.test("real wasm: strings and lists round-trip through a guest's memory and realloc", async () => {
  for (const stringEncoding of ["utf8", "utf16", "latin1+utf16"] as const) {
    const exports = await guest();
    const options = {
      instance: new ComponentInstanceState(),
      stringEncoding,
      memory: exports.memory as WebAssembly.Memory,
      realloc: exports.realloc as (a: number, b: number, c: number, d: number) => number,
    };
    const echo = liftFunction(exports.echo as Core, fn([["s", t.string]], t.string), options);
    const big = "x".repeat(70_000) + "é😀"; // forces memory.grow inside realloc
    for (const s of ["", "ascii", "café", "Ωmega 😀", big]) assert.equal(echo(s), s);
    const echoList = liftFunction(
      exports.echo as Core,
      fn([["l", { kind: "list", element: t.u32 }]], { kind: "list", element: t.u32 }),
      options,
    );
    assert.deepEqual(
      echoList(new Uint32Array([1, 2, 0xffffffff])),
      new Uint32Array([1, 2, 0xffffffff]),
    );
    assert.deepEqual(echoList([7]), new Uint32Array([7]));
  }
});

Deno.test("real wasm: integers keep their meaning across the signed core boundary", async () => {
  const exports = await guest();
  const instance = new ComponentInstanceState();
  const negS = liftFunction(exports.neg as Core, fn([["x", t.s32]], t.s32), { instance });
  const negU = liftFunction(exports.neg as Core, fn([["x", t.u32]], t.u32), { instance });
  const negU8 = liftFunction(exports.neg as Core, fn([["x", t.u8]], t.u8), { instance });
  assert.equal(negS(5), -5);
  assert.equal(negU(1), 0xffffffff);
  assert.equal(negU8(1), 0xff);
  const add = liftFunction(exports.add64 as Core, fn([["a", t.u64], ["b", t.u64]], t.u64), {
    instance,
  });
  assert.equal(add(2n ** 64n - 1n, 2n), 1n);
  const addS = liftFunction(exports.add64 as Core, fn([["a", t.s64], ["b", t.s64]], t.s64), {
    instance,
  });
  assert.equal(addS(2n ** 63n - 1n, 1n), -(2n ** 63n));
});

Deno.test("liftFunction: a bad pointer from realloc traps, even for an empty list", () => {
  const list = fn([["a", { kind: "list", element: t.u32 }]]);
  const lifted = (ptr: number) => {
    const heap = new TestHeap();
    return liftFunction(() => {}, list, {
      instance: new ComponentInstanceState(),
      memory: heap.memory,
      realloc: () => ptr,
    });
  };
  // CanonicalABI.md § Storing (`store_list_into_range`): alignment first, then bounds.
  assert.throws(() => lifted(-4)([1, 2]), {
    name: "Trap",
    message: /^realloc return: beyond end of memory \(list out of bounds: pointer 4294967292/,
  });
  assert.throws(() => lifted(-4)([]), {
    name: "Trap",
    message: /^realloc return: beyond end of memory/,
  });
  assert.throws(() => lifted(-1)([1, 2]), {
    name: "Trap",
    message: /^realloc return: result not aligned \(list pointer 4294967295 is not aligned to 4\)/,
  });
  assert.throws(() => lifted(65535)(new Uint32Array(0)), {
    name: "Trap",
    message: /^realloc return: result not aligned/,
  });
  const str = (ptr: number) =>
    liftFunction(() => {}, fn([["s", t.string]]), {
      instance: new ComponentInstanceState(),
      memory: new TestHeap().memory,
      realloc: () => ptr,
      stringEncoding: "utf16",
    });
  assert.throws(() => str(3)("ab"), { message: /^realloc return: result not aligned/ });
  assert.throws(() => str(65538)(""), { message: /^realloc return: beyond end of memory/ });
  assert.equal(str(65536)(""), undefined); // an empty string may end exactly at the end
  // The spilled parameter area is allocated the same way.
  const many = fn(Array.from({ length: 17 }, (_, i) => [`p${i}`, t.u32] as [string, ValType]));
  const spilled = liftFunction(() => {}, many, {
    instance: new ComponentInstanceState(),
    memory: new TestHeap().memory,
    realloc: () => 2,
  });
  assert.throws(() => spilled(...Array.from({ length: 17 }, () => 0)), {
    message: /^realloc return: result not aligned \(parameter area pointer 2/,
  });
});

Deno.test("liftFunction: a list of plain records is checked whole before realloc runs", () => {
  const instance = new ComponentInstanceState();
  const heap = new TestHeap();
  const entry: ValType = {
    kind: "record",
    fields: [{ name: "id", type: t.u32 }, { name: "score", type: t.f64 }, {
      name: "ok",
      type: t.bool,
    }],
  };
  let seen: number[] = [];
  const core = (ptr: CoreValue, len: CoreValue) => {
    const dv = new DataView(heap.memory.buffer);
    seen = [];
    for (let i = 0; i < Number(len); i++) seen.push(dv.getUint32(Number(ptr) + 24 * i, true));
  };
  const f = liftFunction(core, fn([["entries", { kind: "list", element: entry }]]), {
    instance,
    memory: heap.memory,
    realloc: heap.realloc,
  });
  const good = { id: 7, score: 0.5, ok: true };
  assert.throws(() => f([good, good, { id: 9, score: "high", ok: false }]), {
    name: "TypeError",
    message: 'Cannot lower argument "entries" at [2].score as f64: received "high"',
  });
  assert.deepEqual(heap.calls, []); // realloc was not entered
  assert.equal(instance.poisoned, undefined);
  heap.u8().fill(0xaa); // padding bytes keep whatever guest memory held
  f([good, { id: 8, score: NaN, ok: false }]);
  assert.deepEqual(seen, [7, 8]);
  assert.equal(heap.calls.length, 1);
  const size = (heap.calls as number[][])[0]![3];
  assert.equal(size, 48);
  const stored = [...heap.u8().subarray(heap.last - 48, heap.last)];
  assert.deepEqual(stored.slice(4, 8), [0xaa, 0xaa, 0xaa, 0xaa]); // between id and score
  assert.deepEqual(stored.slice(17, 24), Array(7).fill(0xaa)); // after ok
  assert.deepEqual(stored.slice(24, 28), [8, 0, 0, 0]);
  assert.deepEqual(stored.slice(32, 40), [0, 0, 0, 0, 0, 0, 0xf8, 0x7f]); // the canonical NaN
});
