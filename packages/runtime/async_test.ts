import assert from "node:assert/strict";
import { fixture } from "../../scripts/fixtures.ts";
import { CancelledError, CompileError, Component } from "./mod.ts";

const asyncWait = new URL("./testdata/async_wait.wat", import.meta.url);

/** A host `wait(x)` whose answers the test gives, one pending Promise per argument. */
function manualHost() {
  const pending = new Map<number, (v: number) => void>();
  return {
    imports: {
      wait: (x: number): Promise<number> =>
        new Promise<number>((resolve) => pending.set(x, resolve)),
    },
    answer(x: number, v: number): void {
      const resolve = pending.get(x);
      assert.ok(resolve, `no pending wait(${x})`);
      pending.delete(x);
      resolve(v);
    },
    has: (x: number): boolean => pending.has(x),
  };
}

/** Lets queued microtasks and timers run. */
const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

Deno.test("an async export returns a Promise; call B completes while call A waits", async () => {
  const component = await Component.compile(await fixture(asyncWait));
  const host = manualHost();
  const { exports } = await component.instantiate(host.imports);
  let aDone = false;
  const a = (exports.run(1) as Promise<number>).then((v) => {
    aDone = true;
    return v;
  });
  const b = exports.run(2) as Promise<number>;
  await turn();
  assert.ok(host.has(1) && host.has(2), "both calls reached the host");
  host.answer(2, 20);
  assert.equal(await b, 20);
  assert.equal(aDone, false, "call A still waits on its host promise");
  host.answer(1, 10);
  assert.equal(await a, 10);
});

Deno.test("aborting an async export call cancels it and the instance keeps serving", async () => {
  const component = await Component.compile(await fixture(asyncWait));
  const host = manualHost();
  const { exports } = await component.instantiate(host.imports);
  const controller = new AbortController();
  const cancelled = exports.run(3, { signal: controller.signal }) as Promise<number>;
  await turn();
  assert.ok(host.has(3));
  controller.abort();
  await assert.rejects(cancelled, CancelledError);
  // An already aborted signal never enters the instance.
  await assert.rejects(
    exports.run(9, { signal: controller.signal }) as Promise<number>,
    CancelledError,
  );
  const next = exports.run(4) as Promise<number>;
  await turn();
  host.answer(4, 40);
  assert.equal(await next, 40);
  // The cancelled call's host promise settling later does no harm.
  host.answer(3, 30);
  await turn();
  const again = exports.run(5) as Promise<number>;
  await turn();
  host.answer(5, 50);
  assert.equal(await again, 50);
});

Deno.test("an async JS host import becomes a subtask; a plain return resolves at once", async () => {
  const component = await Component.compile(await fixture(asyncWait));
  const slow = await component.instantiate({
    wait: async (x: number): Promise<number> => {
      await turn();
      return x * 10;
    },
  });
  const results = await Promise.all([1, 2, 3].map((x) => slow.exports.run(x) as Promise<number>));
  assert.deepEqual(results, [10, 20, 30]);
  const fast = await component.instantiate({ wait: (x: number): number => x + 1 });
  assert.equal(await fast.exports.run(41), 42);
});

Deno.test("an async export rejects a bad argument before entering the instance", async () => {
  const component = await Component.compile(await fixture(asyncWait));
  const host = manualHost();
  const { exports } = await component.instantiate(host.imports);
  await assert.rejects(exports.run(-1) as Promise<number>, RangeError);
  await assert.rejects(exports.run("7") as Promise<number>, TypeError);
  const ok = exports.run(7) as Promise<number>;
  await turn();
  host.answer(7, 70);
  assert.equal(await ok, 70);
});

const asyncStackful = new URL("./testdata/async_stackful.wat", import.meta.url);

Deno.test("a stackful async lift runs with JSPI and is refused at instantiation without it", async () => {
  const component = await Component.compile(await fixture(asyncStackful));
  const { exports } = await component.instantiate();
  assert.equal(await exports.run(41), 42);
  const wasm = WebAssembly as unknown as Record<string, unknown>;
  const promising = wasm.promising;
  wasm.promising = undefined;
  try {
    await assert.rejects(() => component.instantiate(), (e: unknown) => {
      assert.ok(e instanceof CompileError);
      assert.match(e.message, /stackful async lift .* needs JSPI/);
      return true;
    });
  } finally {
    wasm.promising = promising;
  }
});
