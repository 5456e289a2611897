import assert from "node:assert/strict";
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import type { CoreValue } from "./context.ts";
import { InstancePoisonedError, Trap } from "./errors.ts";
import { ComponentInstanceState } from "./instance_state.ts";
import { liftFunction } from "./lift_function.ts";
import { lowerFunction } from "./lower_function.ts";
import { resourceDrop, resourceNew } from "./resources.ts";
import { TestHeap } from "./testdata/heap.ts";
import { isWasmException, toTrap, UNCAUGHT_EXCEPTION } from "./traps.ts";
import { type FuncType, ResourceType, t, type ValType } from "./types.ts";

const fn = (params: [string, ValType][], result?: ValType): FuncType => ({
  params: params.map(([name, type]) => ({ name, type })),
  result,
  async: false,
});

type Exports = Record<string, (...a: CoreValue[]) => CoreValue>;

async function instantiate(wat: string, imports: WebAssembly.Imports = {}): Promise<Exports> {
  const module = new WebAssembly.Module((await parse(wat)) as Uint8Array<ArrayBuffer>);
  return new WebAssembly.Instance(module, imports).exports as Exports;
}

/**
 * A guest whose `run` calls its import `f` inside `try_table (catch_all)`:
 * it returns 1 when it caught something, 0 when `f` returned.
 */
function catchingGuest(f: (...a: CoreValue[]) => unknown): Promise<Exports> {
  return instantiate(
    `(module
      (import "" "f" (func $f))
      (func (export "run") (result i32)
        (block $caught
          (try_table (catch_all $caught) (call $f))
          (return (i32.const 0)))
        (i32.const 1)))`,
    { "": { f } },
  );
}

/** A core function that throws a core wasm exception. */
async function thrower(): Promise<(...a: CoreValue[]) => CoreValue> {
  const { throw: f } = await instantiate(`(module (tag $t) (func (export "throw") (throw $t)))`);
  return f!;
}

Deno.test("a trap in a callee component cannot be caught by the caller's wasm", async () => {
  const a = new ComponentInstanceState();
  const b = new ComponentInstanceState();
  const aF = liftFunction(
    () => {
      throw new WebAssembly.RuntimeError("unreachable");
    },
    fn([]),
    { instance: a },
  );
  const guest = await catchingGuest(lowerFunction(aF, fn([]), { instance: b }));
  const run = liftFunction(guest.run!, fn([], t.u32), { instance: b });
  assert.throws(() => run(), { name: "Trap", message: "unreachable" });
  // The trap poisons the trapping instance and the instance it unwound through.
  assert.equal(a.poisoned?.message, "unreachable");
  assert.equal(b.poisoned, a.poisoned);
  assert.throws(() => run(), InstancePoisonedError);
});

Deno.test("a core exception escaping a component becomes a trap", async () => {
  const a = new ComponentInstanceState();
  const aF = liftFunction(await thrower(), fn([]), { instance: a });
  assert.throws(() => aF(), { name: "Trap", message: UNCAUGHT_EXCEPTION });
  assert.ok(a.poisoned);

  // Called from another component, the caller's catch_all does not see it either.
  const a2 = new ComponentInstanceState();
  const b = new ComponentInstanceState();
  const a2F = liftFunction(await thrower(), fn([]), { instance: a2 });
  const guest = await catchingGuest(lowerFunction(a2F, fn([]), { instance: b }));
  const run = liftFunction(guest.run!, fn([], t.u32), { instance: b });
  assert.throws(() => run(), { name: "Trap", message: UNCAUGHT_EXCEPTION });
  assert.ok(b.poisoned);
});

Deno.test("an exception thrown and caught inside one component is no trap", async () => {
  const instance = new ComponentInstanceState();
  const { f } = await instantiate(`(module
    (tag $t)
    (func $throw (throw $t))
    (func (export "f") (result i32)
      (block $caught
        (try_table (catch_all $caught) (call $throw))
        (return (i32.const 0)))
      (i32.const 7)))`);
  const lifted = liftFunction(f!, fn([], t.u32), { instance });
  assert.equal(lifted(), 7);
  assert.equal(instance.poisoned, undefined);
});

Deno.test("a failing host import is a trap the guest cannot catch", async () => {
  const instance = new ComponentInstanceState();
  const core = lowerFunction(
    () => {
      throw new Error("boom");
    },
    fn([]),
    { instance, name: "f" },
  );
  const guest = await catchingGuest(core);
  const run = liftFunction(guest.run!, fn([], t.u32), { instance });
  assert.throws(() => run(), { name: "Trap", message: 'host function "f" threw: boom' });
  assert.ok(instance.poisoned);
});

Deno.test("after a caught trap, the guest cannot call out again", () => {
  const instance = new ComponentInstanceState();
  let calls = 0;
  const failing = lowerFunction(
    () => {
      throw new Error("first");
    },
    fn([]),
    { instance, name: "failing" },
  );
  const other = lowerFunction(() => void calls++, fn([]), { instance, name: "other" });
  let second: unknown;
  // A stand-in for guest code that swallows the trap and carries on.
  const run = liftFunction(
    () => {
      try {
        failing();
      } catch {
        // ignored, as a catch_all would
      }
      try {
        other();
      } catch (e) {
        second = e;
      }
      return 0;
    },
    fn([], t.u32),
    { instance },
  );
  assert.throws(() => run(), { name: "Trap", message: /threw: first/ });
  assert.equal(calls, 0); // the second import never ran
  assert.equal(second, instance.poisoned);
});

Deno.test("a host import that catches a trap of another guest keeps its caller usable", () => {
  const a = new ComponentInstanceState();
  const b = new ComponentInstanceState();
  const bF = liftFunction(
    () => {
      throw new WebAssembly.RuntimeError("unreachable");
    },
    fn([]),
    { instance: b },
  );
  // The host calls B itself and handles the trap: that is the host's decision.
  const host = lowerFunction(
    () => {
      try {
        bF();
      } catch {
        return 5;
      }
      return 0;
    },
    fn([], t.u32),
    { instance: a },
  );
  const run = liftFunction(() => host(), fn([], t.u32), { instance: a });
  assert.equal(run(), 5);
  assert.equal(a.poisoned, undefined);
  assert.ok(b.poisoned);
});

Deno.test("exceptions from realloc, post-return and destructors become traps", async () => {
  const heap = new TestHeap();
  const throwing = await thrower();

  const i1 = new ComponentInstanceState();
  const f = liftFunction(() => {}, fn([["s", t.string]]), {
    instance: i1,
    memory: heap.memory,
    realloc: () => Number(throwing()),
  });
  assert.throws(() => f("x"), { name: "Trap", message: UNCAUGHT_EXCEPTION });
  assert.ok(i1.poisoned);

  const i2 = new ComponentInstanceState();
  const g = liftFunction(() => 1, fn([], t.u32), {
    instance: i2,
    postReturn: () => void throwing(),
  });
  assert.throws(() => g(), { name: "Trap", message: UNCAUGHT_EXCEPTION });
  assert.ok(i2.poisoned);

  const impl = new ComponentInstanceState();
  const user = new ComponentInstanceState();
  const rt = new ResourceType("r", { instance: impl, dtor: () => void throwing() });
  const h = resourceNew(rt, user)(1);
  assert.throws(() => resourceDrop(rt, user)(h), { name: "Trap", message: UNCAUGHT_EXCEPTION });
  // The destructor's instance trapped, and so did the caller it would have unwound into.
  assert.ok(impl.poisoned);
  assert.equal(user.poisoned, impl.poisoned);
});

Deno.test("a trap from a canon built-in poisons the calling instance", () => {
  const instance = new ComponentInstanceState();
  const rt = new ResourceType("r", { instance });
  const drop = resourceDrop(rt, instance);
  assert.throws(() => drop(9), { name: "Trap", message: "unknown handle index 9" });
  assert.equal(instance.poisoned?.message, "unknown handle index 9");
  // Later built-ins rethrow the first trap.
  assert.throws(() => resourceNew(rt, instance)(1), { message: "unknown handle index 9" });
});

Deno.test("toTrap keeps traps, names core exceptions and wraps other errors", async () => {
  const trap = new Trap("x");
  assert.equal(toTrap(trap), trap);
  const error = new TypeError("bad");
  assert.equal(toTrap(error).message, "bad");
  assert.equal(toTrap(error).cause, error);
  let exception: unknown;
  try {
    (await thrower())();
  } catch (e) {
    exception = e;
  }
  assert.ok(isWasmException(exception));
  assert.equal(isWasmException(error), false);
  assert.equal(toTrap(exception).message, UNCAUGHT_EXCEPTION);
});
