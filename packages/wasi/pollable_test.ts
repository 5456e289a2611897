import assert from "node:assert/strict";
import {
  type Clock,
  createWasi,
  poll,
  Pollable,
  pollAsync,
  SUSPENDING,
  WouldBlockError,
} from "./mod.ts";

function fakeClock(): Clock & { advance(ns: bigint): void } {
  let now = 1_000n;
  return {
    monotonicNow: () => now,
    wallNow: () => ({ seconds: 0n, nanoseconds: 0 }),
    advance: (ns) => void (now += ns),
  };
}

type Monotonic = {
  now(): bigint;
  subscribeDuration(d: bigint): Pollable;
  subscribeInstant(t: bigint): Pollable;
};

Deno.test("poll returns the indices of the ready pollables", () => {
  const clock = fakeClock();
  const mono = createWasi({ clock }).imports["wasi:clocks/monotonic-clock@0.2.12"] as Monotonic;
  const a = mono.subscribeDuration(100n);
  const b = mono.subscribeDuration(0n);
  const c = mono.subscribeInstant(1_050n);
  assert.deepEqual([...poll([a, b, c])], [1]);
  clock.advance(50n);
  assert.deepEqual([...poll([a, b, c])], [1, 2]);
  clock.advance(50n);
  const r = poll([a, b, c]);
  assert.ok(r instanceof Uint32Array, "list<u32> maps to Uint32Array");
  assert.deepEqual([...r], [0, 1, 2]);
});

Deno.test("poll of an empty list traps, as the WIT says", () => {
  assert.throws(() => poll([]), (e) => e instanceof RangeError && !("payload" in e));
});

Deno.test("poll and block with nothing ready refuse synchronously (no busy loop)", () => {
  const clock = fakeClock();
  const mono = createWasi({ clock }).imports["wasi:clocks/monotonic-clock@0.2.12"] as Monotonic;
  const p = mono.subscribeDuration(1_000_000n);
  const started = performance.now();
  assert.throws(() => poll([p]), WouldBlockError);
  assert.throws(() => p.block(), WouldBlockError);
  assert.ok(performance.now() - started < 50, "returned at once");
  clock.advance(1_000_000n);
  p.block(); // ready: returns without waiting
  assert.deepEqual([...poll([p])], [0]);
});

Deno.test("pollAsync waits for the first ready pollable and cancels the other timers", async () => {
  const mono = createWasi().imports["wasi:clocks/monotonic-clock@0.2.12"] as Monotonic;
  const slow = mono.subscribeDuration(60_000_000_000n); // a minute: its timer must not leak
  const fast = mono.subscribeDuration(20_000_000n); // 20 ms
  const t0 = mono.now();
  const ready = await pollAsync([slow, fast]);
  const elapsed = mono.now() - t0;
  assert.deepEqual([...ready], [1]);
  assert.ok(elapsed >= 19_000_000n, `waited ${elapsed} ns`);
  // Deno's test sanitizer fails this test if the one-minute timer is still pending.
});

Deno.test("block's async form waits for a clock", async () => {
  const mono = createWasi().imports["wasi:clocks/monotonic-clock@0.2.12"] as Monotonic;
  const p = mono.subscribeDuration(10_000_000n);
  assert.equal(p.ready(), false);
  const asyncBlock =
    (Pollable.prototype.block as unknown as Record<symbol, (...args: unknown[]) => unknown>)[
      SUSPENDING
    ]!;
  await asyncBlock.call(p);
  assert.equal(p.ready(), true);
});

Deno.test("pollAsync can be aborted", async () => {
  const mono = createWasi().imports["wasi:clocks/monotonic-clock@0.2.12"] as Monotonic;
  const p = mono.subscribeDuration(60_000_000_000n);
  const controller = new AbortController();
  const waiting = pollAsync([p], controller.signal);
  setTimeout(() => controller.abort(new Error("stop")), 5);
  await assert.rejects(waiting, /stop/);
});

Deno.test("poll's async form is attached under SUSPENDING", async () => {
  const asyncPoll =
    (poll as unknown as Record<symbol, (...args: unknown[]) => unknown>)[SUSPENDING]!;
  assert.deepEqual([...(await asyncPoll([new Pollable()])) as Uint32Array], [0]);
});
