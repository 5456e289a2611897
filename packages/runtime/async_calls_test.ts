// Many calls into one instance of an async component: concurrency, task-local
// context of host functions, and aborts at each point of a task's life.
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { fixture } from "../../scripts/fixtures.ts";
import { CancelledError, Component } from "./mod.ts";

// `run(x)` (callback-lifted) awaits the async host import `wait(x)` and answers its value.
const asyncWait = new URL("./testdata/async_wait.wat", import.meta.url);
const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

Deno.test("1000 concurrent calls into one instance all complete with their own results", async () => {
  const component = await Component.compile(await fixture(asyncWait));
  let inFlight = 0;
  let most = 0;
  const { exports } = await component.instantiate({
    wait: async (x: number): Promise<number> => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Answer in a scrambled order: some now, some a few turns later.
      for (let i = 0; i < x % 4; i++) await turn();
      inFlight--;
      return x * 3;
    },
  });
  const keys = Array.from({ length: 1000 }, (_, i) => i);
  const results = await Promise.all(keys.map((x) => exports.run(x) as Promise<number>));
  assert.deepEqual(results, keys.map((x) => x * 3));
  assert.ok(most > 1, "calls overlapped in the instance");
  assert.equal(inFlight, 0);
});

Deno.test("a host function sees the task-local context of its own call, across awaits", async () => {
  const component = await Component.compile(await fixture(asyncWait));
  const als = new AsyncLocalStorage<number>();
  const seen: [number, number | undefined, number | undefined][] = [];
  const { exports } = await component.instantiate({
    wait: async (x: number): Promise<number> => {
      const before = als.getStore();
      await turn();
      seen.push([x, before, als.getStore()]);
      return x;
    },
  });
  const keys = Array.from({ length: 100 }, (_, i) => i);
  const results = await Promise.all(
    keys.map((x) => als.run(x, () => exports.run(x) as Promise<number>)),
  );
  assert.deepEqual(results, keys);
  assert.equal(seen.length, 100);
  for (const [x, before, after] of seen) {
    assert.equal(before, x, `call ${x} saw another call's context`);
    assert.equal(after, x, `call ${x} lost its context across an await`);
  }
});

Deno.test("aborting a call at each point of its life leaves the instance serving", async () => {
  const component = await Component.compile(await fixture(asyncWait));
  const pending = new Map<number, (v: number) => void>();
  let onCall: ((x: number) => void) | undefined;
  const { exports } = await component.instantiate({
    wait: (x: number): Promise<number> | number => {
      onCall?.(x);
      if (x >= 100) return x; // answers at once: the task returns without waiting
      return new Promise<number>((resolve) => pending.set(x, resolve));
    },
  });
  const run = (x: number, signal?: AbortSignal) =>
    exports.run(x, ...(signal ? [{ signal }] : [])) as Promise<number>;
  const serves = async (x: number) => {
    const p = run(x);
    await turn();
    pending.get(x)?.(x + 1);
    pending.delete(x);
    assert.equal(await p, x + 1);
  };

  // 1. Aborted before the call: never enters the instance.
  await assert.rejects(run(1, AbortSignal.abort()), CancelledError);
  assert.equal(pending.has(1), false);
  await serves(2);

  // 2. Aborted while the guest runs (from inside a host call it made): the
  //    guest sees TASK_CANCELLED when it next waits.
  const inside = new AbortController();
  onCall = (x) => x === 3 && inside.abort();
  await assert.rejects(run(3, inside.signal), CancelledError);
  onCall = undefined;
  await serves(4);

  // 3. Aborted while the task waits on its subtask.
  const waiting = new AbortController();
  const third = run(5, waiting.signal);
  await turn();
  assert.ok(pending.has(5));
  waiting.abort();
  await assert.rejects(third, CancelledError);
  // The abandoned host call settling later does no harm.
  pending.get(5)!(0);
  await serves(6);

  // 4. Aborted after the task returned: the answer stands.
  const done = new AbortController();
  assert.equal(await run(100, done.signal), 100);
  done.abort();
  await serves(7);

  // 5. Aborted twice, and aborted with a reason: CancelledError keeps it as cause.
  const twice = new AbortController();
  const fifth = run(8, twice.signal);
  await turn();
  twice.abort(new Error("first"));
  twice.abort(new Error("second"));
  await assert.rejects(fifth, (e: unknown) => {
    assert.ok(e instanceof CancelledError);
    return true;
  });
  await serves(9);
});
