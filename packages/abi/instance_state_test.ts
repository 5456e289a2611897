import assert from "node:assert/strict";
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import { Trap } from "./errors.ts";
import { ComponentInstanceState } from "./instance_state.ts";
import { liftFunction } from "./lift_function.ts";
import { lowerFunction } from "./lower_function.ts";
import { resourceDrop, resourceNew } from "./resources.ts";
import { type FuncType, ResourceType, t } from "./types.ts";

Deno.test("poison keeps the first trap", () => {
  const inst = new ComponentInstanceState();
  assert.equal(inst.poisoned, undefined);
  const first = new Trap("first");
  inst.poison(first);
  inst.poison(new Trap("second"));
  assert.equal(inst.poisoned, first);
});

Deno.test("the entering set excludes what the caller is already inside", () => {
  const root = new ComponentInstanceState();
  const a = new ComponentInstanceState({ parent: root });
  const b = new ComponentInstanceState({ parent: root });
  assert.deepEqual(a.enteringSet(undefined), [a, root]);
  assert.deepEqual(a.enteringSet(b), [a]);
  assert.deepEqual(root.enteringSet(a), []);
  root.mayEnter = false;
  assert.equal(a.mayEnterFrom(undefined), false);
  assert.equal(a.mayEnterFrom(b), true);
});

async function coreModule(wat: string): Promise<WebAssembly.Module> {
  return new WebAssembly.Module((await parse(wat)) as Uint8Array<ArrayBuffer>);
}

const noParams: FuncType = { params: [], result: undefined, async: false };

Deno.test("runStart: a start function cannot enter its own instance", async () => {
  const inst = new ComponentInstanceState();
  const m = new WebAssembly.Instance(await coreModule(`(module (func (export "")))`));
  const lifted = liftFunction(m.exports[""] as () => void, noParams, { instance: inst });
  const lowered = lowerFunction(lifted, noParams, { instance: inst });
  const starting = await coreModule(`(module
    (import "" "" (func $f))
    (func $start (call $f))
    (start $start))`);
  assert.throws(
    () => inst.runStart(() => new WebAssembly.Instance(starting, { "": { "": lowered } })),
    { name: "Trap", message: "cannot enter component instance" },
  );
  assert.equal(inst.poisoned?.message, "cannot enter component instance");
});

Deno.test("runStart: a start function cannot swallow a trap", async () => {
  const inst = new ComponentInstanceState();
  const failing = lowerFunction(
    () => {
      throw new Error("no");
    },
    noParams,
    { instance: inst, name: "f" },
  );
  const starting = await coreModule(`(module
    (import "" "" (func $f))
    (func $start
      (block $caught
        (try_table (catch_all $caught) (call $f))))
    (start $start))`);
  assert.throws(
    () => inst.runStart(() => new WebAssembly.Instance(starting, { "": { "": failing } })),
    { name: "Trap", message: 'host function "f" threw: no' },
  );
  const trapping = await coreModule(`(module (func $start unreachable) (start $start))`);
  const other = new ComponentInstanceState();
  assert.throws(() => other.runStart(() => new WebAssembly.Instance(trapping)), {
    name: "Trap",
    message: /unreachable/,
  });
  assert.ok(other.poisoned);
});

Deno.test("runStart: other calls work, and the instance can be entered afterwards", async () => {
  const inst = new ComponentInstanceState();
  const other = new ComponentInstanceState();
  let calls = 0;
  const host = lowerFunction(() => void calls++, noParams, { instance: inst });
  const otherLifted = liftFunction(() => void calls++, noParams, { instance: other });
  const intoOther = lowerFunction(otherLifted, noParams, { instance: inst });
  const starting = await coreModule(`(module
    (import "" "host" (func $host))
    (import "" "other" (func $other))
    (func $start (call $host) (call $other))
    (start $start))`);
  inst.runStart(() => new WebAssembly.Instance(starting, { "": { host, other: intoOther } }));
  assert.equal(calls, 2);
  // A start function may drop resources of its own instance: their destructors run.
  const dropped: number[] = [];
  const rt = new ResourceType("r", { instance: inst, dtor: (rep) => void dropped.push(rep) });
  const drop = resourceDrop(rt, inst);
  const h = resourceNew(rt, inst)(7);
  inst.runStart(() => drop(h));
  assert.deepEqual(dropped, [7]);
  const lifted = liftFunction(() => 3, { ...noParams, result: t.u32 }, { instance: inst });
  assert.equal(lifted(), 3);
  // A link error is no trap: it passes through and leaves the instance alone.
  assert.throws(() => inst.runStart(() => new WebAssembly.Instance(starting, {})), TypeError);
  assert.equal(inst.poisoned, undefined);
});
