/**
 * Group `async` (issue #4): component-model async calls through hand-written
 * minimal JS over the same core module (the floor), Weft, and jco's glue.
 * The guest is `bench/testdata/async.wat` (callback-lifted exports); the
 * host import `tick(x)` is an `async` JS function answering `x * 2`.
 *
 * - `async-export-noop`: an awaited call of `noop(x)`, which answers at once;
 *   the floor calls the core function with a JS `task.return` and wraps the
 *   value in a resolved Promise.
 * - `async-import-noop`: per `tick` in `pump(n)`, a guest loop awaiting the
 *   async host import `n` times in turn; the floor is a JS loop awaiting
 *   `tick` as often (the least an async host call can cost).
 * - `tasks-10k`: 10,000 concurrent calls of `run(x)` (each awaits one
 *   `tick`) into one instance, per call; the floor is 10,000 concurrent JS
 *   async functions awaiting `tick`. jco's glue takes milliseconds per call
 *   here (about 28 s an op), so its column is left out of this case.
 *
 * `stream-u8-1m` waits for `stream<u8>` to be mapped to a `ReadableStream`
 * at the JS boundary (issue #4, not done yet).
 *
 * @module
 */
import { deepStrictEqual } from "node:assert/strict";
import { Component } from "@weft/runtime";
import { fixture } from "../../scripts/fixtures.ts";
import type { BenchGroup } from "../_group.ts";
import { loadGlue } from "../_jco.ts";
import { transpileBytes } from "@bytecodealliance/jco-transpile";

/** `tick`s per op of `async-import-noop` (small: jco's glue takes milliseconds per tick). */
export const PUMP = 20;

/** Concurrent calls per op of `tasks-10k`. */
export const TASKS = 10_000;

type AsyncFn = (x: number) => Promise<number>;

const tick = async (x: number): Promise<number> => await x * 2;

/** The floor's `noop`: the core function with a JS `task.return`, answered as a Promise. */
function floorNoop(modules: readonly WebAssembly.Module[]): AsyncFn {
  const mem = new WebAssembly.Instance(modules[0]!).exports.mem as WebAssembly.Memory;
  let answer = 0;
  const unused = () => {
    throw new Error("not used by noop");
  };
  const main = new WebAssembly.Instance(modules[1]!, {
    "": {
      mem,
      tick: unused,
      "task-return": (v: number) => {
        answer = v >>> 0;
      },
      "ws-new": unused,
      "ws-drop": unused,
      join: unused,
      "subtask-drop": unused,
      "ctx-get": unused,
      "ctx-set": unused,
    },
  });
  const noop = main.exports.noop as (x: number) => number;
  return (x) => {
    noop(x);
    return Promise.resolve(answer);
  };
}

async function floorPump(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await tick(i);
  return sum;
}

function floorTasks(): Promise<number[]> {
  return Promise.all(Array.from({ length: TASKS }, async (_, x) => await tick(x)));
}

/** Sets up group `async`. */
export async function setup(): Promise<BenchGroup> {
  const bytes = await fixture(new URL("../testdata/async.wat", import.meta.url));
  const component = await Component.compile(bytes);
  const weft = (await component.instantiate({ tick })).exports as Record<string, AsyncFn>;
  const out = await transpileBytes(bytes, { name: "async_bench", instantiation: { tag: "async" } });
  const glue = await loadGlue(out.files, "async_bench", { sync: false });
  const jco = await glue.instantiate({ tick: { default: tick } }) as Record<string, AsyncFn>;
  const noop = floorNoop(component.modules());

  const weftTasks = () => Promise.all(Array.from({ length: TASKS }, (_, x) => weft.run!(x)));
  const expectedTasks = await floorTasks();
  deepStrictEqual(await weft.noop!(7), await noop(7), "async-export-noop: weft differs");
  deepStrictEqual(await jco.noop!(7), await noop(7), "async-export-noop: jco differs");
  deepStrictEqual(await weft.pump!(PUMP), await floorPump(PUMP), "async-import-noop: weft differs");
  deepStrictEqual(await jco.pump!(PUMP), await floorPump(PUMP), "async-import-noop: jco differs");
  deepStrictEqual(await weftTasks(), expectedTasks, "tasks-10k: weft differs");

  return {
    cases: [
      {
        name: "async-export-noop",
        floor: () => noop(7),
        weft: () => weft.noop!(7),
        jco: () => jco.noop!(7),
      },
      {
        name: "async-import-noop",
        floor: () => floorPump(PUMP),
        weft: () => weft.pump!(PUMP),
        jco: () => jco.pump!(PUMP),
        opsPerCall: PUMP,
      },
      { name: "tasks-10k", floor: floorTasks, weft: weftTasks, opsPerCall: TASKS },
    ],
    async dispose() {
      await glue.dispose();
    },
  };
}
