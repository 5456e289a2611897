/**
 * Group `pool` (issue #6): the worker pool of `@weft/workers` against one
 * instance in this thread (throughput) and against a bare `postMessage`
 * round trip to a worker (latency). jco has no pool, so its column is empty.
 *
 * - `pool-throughput`: one op runs the CPU-bound export `mix` over
 *   {@linkcode THROUGHPUT_ITEMS} inputs; the floor calls one Weft instance in
 *   this thread for each in turn, Weft sends them all at once to a pool of
 *   two workers with `pipeline: 8` (calls sent ahead to each worker, so a
 *   worker never waits for the main thread between two items). `opsPerCall`
 *   makes both columns per item, so floor/weft is the pool's speed-up (the
 *   issue's target: at least 1.8 on two cores).
 * - `pool-roundtrip`: one awaited `pool.call("echo", [7])` after another,
 *   on a pool of one worker of its own; the floor is one awaited
 *   `postMessage` of a number to a bare worker that posts it back (the
 *   issue's target: weft/floor at most 2). The floor is mostly the time the
 *   OS takes to wake the other thread, twice; the pool's worker polls its
 *   request ring for a while after each call (`spin`), so only the main
 *   thread's wake-up is left on its path.
 *
 * The workers load scripts from disk, so this needs `--allow-read`
 * (`deno task bench:compare` runs with `-A`); `dispose()` terminates them.
 *
 * @module
 */
import { deepStrictEqual } from "node:assert/strict";
import { Component } from "@weft/runtime";
import { WorkerPool } from "@weft/workers";
import { fixture } from "../../scripts/fixtures.ts";
import type { BenchGroup } from "../_group.ts";

/** Inputs per op of `pool-throughput` (even, so two workers end a batch together). */
export const THROUGHPUT_ITEMS = 128;

/** Rounds of `mix` per input: about 1 ms of guest work on this machine. */
export const MIX_ROUNDS = 300_000;

/** The pool's size in `pool-throughput` (the "pool of 2"). */
export const POOL_SIZE = 2;

// The floor's worker: echoes every message. A Blob URL keeps it a bare
// worker (no module graph to load, no permission needed to read it).
const ECHO_WORKER = "self.onmessage = (event) => self.postMessage(event.data);";

type Mix = (seed: number, rounds: number) => number;

/** A worker that posts back what it receives, and an awaitable round trip to it. */
function echoWorker(): { roundTrip: (value: number) => Promise<unknown>; close: () => void } {
  const url = URL.createObjectURL(new Blob([ECHO_WORKER], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  // One round trip at a time (the harness awaits each op), so one resolver suffices.
  let pending: ((value: unknown) => void) | undefined;
  worker.onmessage = (event: MessageEvent) => {
    const resolve = pending;
    pending = undefined;
    resolve?.(event.data);
  };
  return {
    roundTrip: (value) =>
      new Promise((resolve) => {
        pending = resolve;
        worker.postMessage(value);
      }),
    close: () => {
      worker.terminate();
      URL.revokeObjectURL(url);
    },
  };
}

/** Sets up group `pool`. */
export async function setup(): Promise<BenchGroup> {
  const bytes = await fixture(new URL("../testdata/pool.wat", import.meta.url));
  const component = await Component.compile(bytes);
  const mix = component.instantiateSync({}).exports.mix as Mix;
  const seeds = Array.from({ length: THROUGHPUT_ITEMS }, (_, i) => i * 7919 + 1);

  const echo = echoWorker();
  const pools: WorkerPool[] = [];
  try {
    // Eager, and never reaped between the cases, so no case times a worker's start.
    const options = { bytes, mode: "worker", start: "eager", idleTimeout: Infinity } as const;
    // A deeper pipeline keeps each worker fed while the main thread answers another.
    const pool = await WorkerPool.create(component, { ...options, size: POOL_SIZE, pipeline: 8 });
    pools.push(pool);
    // The round trip gets a pool of its own whose worker, like the floor's, has
    // only ever answered the main thread: a worker that ran the throughput
    // case sits on the other core, and waking a thread on an idle core costs
    // this VM up to ~150 µs, which would then be timed for one path only.
    const echoPool = await WorkerPool.create(component, { ...options, size: 1 });
    pools.push(echoPool);

    const floorThroughput = (): number[] => seeds.map((seed) => mix(seed, MIX_ROUNDS));
    const weftThroughput = (): Promise<number[]> =>
      Promise.all(seeds.map((seed) => pool.call<number>("mix", [seed, MIX_ROUNDS])));

    // The same results through both paths, and the pool really uses two threads.
    deepStrictEqual(await weftThroughput(), floorThroughput(), "pool-throughput: results differ");
    const threads = new Set(pool.stats().map((s) => s.thread));
    if (threads.size !== POOL_SIZE) {
      throw new Error(`Cannot set up case pool-throughput: ${threads.size} worker thread(s) ran`);
    }
    deepStrictEqual(await echoPool.call("echo", [7]), 7, "pool-roundtrip: weft differs");
    deepStrictEqual(await echo.roundTrip(7), 7, "pool-roundtrip: the floor differs");

    return {
      cases: [
        {
          name: "pool-throughput",
          floor: floorThroughput,
          weft: weftThroughput,
          opsPerCall: THROUGHPUT_ITEMS,
        },
        {
          name: "pool-roundtrip",
          floor: () => echo.roundTrip(7),
          weft: () => echoPool.call("echo", [7]),
        },
      ],
      async dispose() {
        echo.close();
        await Promise.all(pools.map((p) => p[Symbol.asyncDispose]()));
      },
    };
  } catch (error) {
    echo.close();
    for (const p of pools) p.terminate();
    throw error;
  }
}
