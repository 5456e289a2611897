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
 * - `stream-u8-1m`: 1 MiB through a `stream<u8>` from guest to host: the
 *   guest (`bench/testdata/async_stream.wat`, callback-lifted `bytes(n)`)
 *   returns a stream and writes 1 MiB of its memory into it; the host reads
 *   it to the end. Weft gives a `ReadableStream<Uint8Array>` (chunks of at
 *   most 65536 bytes, 16 here); the floor is a `ReadableStream` pulling the
 *   same 16 chunks, each a copy of 64 KiB of the core module's memory, read
 *   to the end the same way. jco-transpile 0.12.0's glue gives its own
 *   `Stream` object (not a `ReadableStream`): its column reads it with
 *   `read({ count: 65536 })` until done, the same chunking.
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

/** Bytes per op of `stream-u8-1m`. */
export const STREAM_BYTES = 1 << 20;

/** The chunk size of `stream-u8-1m` (Weft's `ReadableStream` chunks of a `stream<u8>`). */
const STREAM_CHUNK = 65536;

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

/** Reads `stream` to the end; its byte count. */
async function drain(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.length;
  }
}

/** The floor of `stream-u8-1m`: 64 KiB copies of wasm memory pulled through a `ReadableStream`. */
function floorStream(module: WebAssembly.Module): () => Promise<number> {
  const mem = new WebAssembly.Instance(module).exports.mem as WebAssembly.Memory;
  const base = 65536;
  const bytes = new Uint8Array(mem.buffer, base, STREAM_BYTES);
  for (let i = 0; i < STREAM_BYTES; i++) bytes[i] = i & 255;
  return () => {
    let at = 0;
    return drain(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= STREAM_BYTES) return controller.close();
          const end = Math.min(at + STREAM_CHUNK, STREAM_BYTES);
          controller.enqueue(new Uint8Array(mem.buffer).slice(base + at, base + end));
          at = end;
        },
      }, { highWaterMark: 0 }),
    );
  };
}

/** jco's `Stream` (its mapping of a `stream<u8>`), read in chunks of `STREAM_CHUNK`. */
interface JcoStream {
  read(options: { count: number }): Promise<{ done: boolean; value?: Uint8Array }>;
}

async function drainJco(stream: JcoStream): Promise<number> {
  let n = 0;
  for (;;) {
    const { done, value } = await stream.read({ count: STREAM_CHUNK });
    if (done || value === undefined) return n;
    n += value.length;
  }
}

/** Checks that the chunks hold bytes i & 255 (what `bytes(n)` writes); their byte count. */
function checkStreamBytes(chunks: Uint8Array[]): number {
  let i = 0;
  for (const c of chunks) {
    for (const b of c) {
      if (b !== (i & 255)) throw new Error(`stream-u8-1m: byte ${i} is ${b}`);
      i++;
    }
  }
  return i;
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

  const streamBytes = await fixture(new URL("../testdata/async_stream.wat", import.meta.url));
  const streamComponent = await Component.compile(streamBytes);
  const weftStream = (await streamComponent.instantiate()).exports.bytes as (
    n: number,
  ) => Promise<ReadableStream<Uint8Array>>;
  const streamOut = await transpileBytes(streamBytes, {
    name: "async_stream_bench",
    instantiation: { tag: "async" },
  });
  const streamGlue = await loadGlue(streamOut.files, "async_stream_bench", { sync: false });
  const jcoStream = (await streamGlue.instantiate({}) as Record<string, unknown>).bytes as (
    n: number,
  ) => Promise<JcoStream>;
  const floorBytes = floorStream(streamComponent.modules()[0]!);

  const weftTasks = () => Promise.all(Array.from({ length: TASKS }, (_, x) => weft.run!(x)));
  const expectedTasks = await floorTasks();
  deepStrictEqual(await weft.noop!(7), await noop(7), "async-export-noop: weft differs");
  deepStrictEqual(await jco.noop!(7), await noop(7), "async-export-noop: jco differs");
  deepStrictEqual(await weft.pump!(PUMP), await floorPump(PUMP), "async-import-noop: weft differs");
  deepStrictEqual(await jco.pump!(PUMP), await floorPump(PUMP), "async-import-noop: jco differs");
  deepStrictEqual(await weftTasks(), expectedTasks, "tasks-10k: weft differs");
  const weftChunks = await Array.fromAsync(await weftStream(STREAM_BYTES));
  deepStrictEqual(weftChunks.length, STREAM_BYTES / STREAM_CHUNK, "stream-u8-1m: weft's chunking");
  deepStrictEqual(checkStreamBytes(weftChunks), STREAM_BYTES, "stream-u8-1m: weft differs");
  deepStrictEqual(await floorBytes(), STREAM_BYTES, "stream-u8-1m: floor differs");
  deepStrictEqual(await drainJco(await jcoStream(STREAM_BYTES)), STREAM_BYTES, "stream-u8-1m: jco");

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
      {
        name: "stream-u8-1m",
        floor: floorBytes,
        weft: async () => await drain(await weftStream(STREAM_BYTES)),
        jco: async () => await drainJco(await jcoStream(STREAM_BYTES)),
      },
    ],
    async dispose() {
      await glue.dispose();
      await streamGlue.dispose();
    },
  };
}
