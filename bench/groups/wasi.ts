/**
 * Group `wasi` (issue #5): WASI 0.2 host calls, each case a small WAT
 * component in `bench/testdata/wasi_*.wat` run through
 *
 * - the floor: the same core modules with the least hand-written JS that
 *   does the same host work (a handle table, copies in and out of memory);
 * - Weft: `@weft/wasi`'s `createWasi` (and `denoFs`) under `@weft/runtime`;
 * - jco: jco-transpile 0.12.0's glue with preview2-shim 0.26 (from
 *   `tools/componentize/`) under Deno, in this process.
 *
 * Cases:
 *
 * - `poll-ready`: one `poll` of one pollable that is ready (a 0 ns
 *   monotonic-clock timer), in a guest loop of {@linkcode POLL_LOOP}.
 * - `stdout-64k`: 64 KiB written to stdout with blocking-write-and-flush
 *   (16 calls of 4 KiB, the most one call may write). The sink is a JS
 *   function that counts the bytes, the same for every path: Weft's stdout
 *   option, and for jco the `write` of the `node:process` stdout
 *   preview2-shim writes to, replaced while the group runs.
 * - `file-read-1m`: open a 1 MiB file in a preopen, `read` it whole, drop it.
 *
 * preview2-shim does `poll` and file reads through its I/O worker
 * (`Atomics.wait` on a worker thread), which works under Deno; its stdout
 * write is a direct `write` on Node's stdout. If it cannot be loaded (the
 * tools are not installed), the jco column stays empty and setup says why.
 *
 * @module
 */
import { deepStrictEqual, equal } from "node:assert/strict";
import { Component } from "@weft/runtime";
import { type ByteSink, createWasi } from "@weft/wasi";
import { denoFs } from "@weft/wasi/deno";
import { fixture } from "../../scripts/fixtures.ts";
import { ensureTools, TOOLS_DIR } from "../../scripts/build_examples.ts";
import { type BenchCase, type BenchGroup, callOp, type Op } from "../_group.ts";
import { type JcoComponent, loadJco } from "../_jco.ts";

/** Polls per guest loop in `poll-ready`: the table reports the cost of one. */
export const POLL_LOOP = 100;

/** The size of the file `file-read-1m` reads. */
export const FILE_SIZE = 1 << 20;

/** The bytes `stdout-64k` writes per op. */
export const STDOUT_BYTES = 1 << 16;

type Fn = (...args: unknown[]) => unknown;

/** The bump allocator every wasi_*.wat exports from its memory module. */
type Realloc = (old: number, oldSize: number, align: number, size: number) => number;

/** The memory module of a wasi_*.wat component, instantiated for a floor. */
function memoryModule(module: WebAssembly.Module): {
  memory: WebAssembly.Memory;
  realloc: Realloc;
} {
  const e = new WebAssembly.Instance(module).exports;
  return { memory: e.memory as WebAssembly.Memory, realloc: e.realloc as Realloc };
}

/**
 * The floor of `poll-ready`: handles in an array, a pollable is its deadline
 * in ns, `poll` checks each and writes the ready indices into a fresh list.
 */
function floorPoll(modules: readonly WebAssembly.Module[]): Fn {
  const { memory, realloc } = memoryModule(modules[0]!);
  const deadlines: bigint[] = [0n]; // handle 0 is never valid
  const now = () => BigInt(Math.round(performance.now() * 1e6));
  const m = new WebAssembly.Instance(modules[1]!, {
    m: { memory },
    h: {
      "subscribe-duration": (ns: bigint) => deadlines.push(now() + ns) - 1,
      poll: (ptr: number, len: number, ret: number) => {
        const handles = new Uint32Array(memory.buffer, ptr, len);
        const ready: number[] = [];
        const t = now();
        for (let i = 0; i < len; i++) if (deadlines[handles[i]!]! <= t) ready.push(i);
        const out = realloc(0, 0, 4, ready.length * 4);
        new Uint32Array(memory.buffer, out, ready.length).set(ready);
        const r = new Uint32Array(memory.buffer, ret, 2);
        r[0] = out;
        r[1] = ready.length;
      },
    },
  }).exports;
  const pollReady = m["poll-ready"] as (n: number) => number;
  return (n) => pollReady(n as number) >>> 0;
}

/** The floor of `stdout-64k`: each write copies the bytes out to `sink`. */
function floorStdout(modules: readonly WebAssembly.Module[], sink: ByteSink): Fn {
  const { memory } = memoryModule(modules[0]!);
  const m = new WebAssembly.Instance(modules[1]!, {
    m: { memory },
    h: {
      "get-stdout": () => 1,
      write: (_self: number, ptr: number, len: number, ret: number) => {
        void sink.write(new Uint8Array(memory.buffer, ptr, len).slice());
        new Uint8Array(memory.buffer)[ret] = 0; // ok
      },
    },
  }).exports;
  const write64k = m["write-64k"] as () => number;
  return () => write64k() >>> 0;
}

/**
 * The floor of `file-read-1m`: a preopen is a host path, a descriptor an
 * open `Deno.FsFile`, and `read` reads straight into guest memory.
 */
function floorFileRead(modules: readonly WebAssembly.Module[], dir: string): Fn {
  const { memory, realloc } = memoryModule(modules[0]!);
  const files: (Deno.FsFile | undefined)[] = [undefined, undefined]; // 1: the preopen
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const m = new WebAssembly.Instance(modules[1]!, {
    m: { memory },
    h: {
      "get-dirs": (ret: number) => {
        const name = encoder.encode("/data");
        const list = realloc(0, 0, 4, 12);
        const str = realloc(0, 0, 1, name.length);
        new Uint8Array(memory.buffer, str, name.length).set(name);
        new Uint32Array(memory.buffer, list, 3).set([1, str, name.length]);
        new Uint32Array(memory.buffer, ret, 2).set([list, 1]);
      },
      "open-at": (
        _dir: number,
        _pathFlags: number,
        ptr: number,
        len: number,
        _openFlags: number,
        _flags: number,
        ret: number,
      ) => {
        const path = decoder.decode(new Uint8Array(memory.buffer, ptr, len));
        const handle = files.push(Deno.openSync(`${dir}/${path}`, { read: true })) - 1;
        const dv = new DataView(memory.buffer);
        dv.setUint8(ret, 0);
        dv.setUint32(ret + 4, handle, true);
      },
      read: (handle: number, length: bigint, offset: bigint, ret: number) => {
        const file = files[handle]!;
        const want = Number(length);
        const p = realloc(0, 0, 1, want);
        file.seekSync(Number(offset), Deno.SeekMode.Start);
        let got = 0;
        while (got < want) {
          const n = file.readSync(new Uint8Array(memory.buffer, p + got, want - got));
          if (n === null) break;
          got += n;
        }
        const dv = new DataView(memory.buffer);
        dv.setUint8(ret, 0);
        dv.setUint32(ret + 4, p, true);
        dv.setUint32(ret + 8, got, true);
        dv.setUint8(ret + 12, got < want ? 1 : 0);
      },
      drop: (handle: number) => {
        files[handle]?.close();
        files[handle] = undefined;
      },
    },
  }).exports;
  const read1m = m["read-1m"] as () => bigint;
  return () => read1m();
}

/** preview2-shim 0.26's WASI import object, from `tools/componentize/node_modules`. */
interface Shim {
  imports(preopens: Record<string, string>): Record<string, unknown>;
}

async function loadShim(): Promise<Shim> {
  await ensureTools();
  // The Node build, module by module: its `instantiation.js` imports the
  // package by its own name, which Deno cannot resolve from a file URL.
  const base = new URL("node_modules/@bytecodealliance/preview2-shim/dist/nodejs/", TOOLS_DIR);
  const load = async (name: string) =>
    await import(new URL(`${name}.js`, base).href) as Record<string, Record<string, unknown>>;
  const [cli, clocks, filesystem, io, random] = await Promise.all(
    ["cli", "clocks", "filesystem", "io", "random"].map(load),
  );
  const createFilesystem = filesystem!.createFilesystem as unknown as (
    o: { preopens: Record<string, string> },
  ) => { types: unknown; preopens: unknown };
  return {
    // jco-transpile 0.12.0 keys imports without their version.
    imports: (preopens) => {
      const fs = createFilesystem({ preopens });
      return {
        "wasi:cli/stdout": cli!.stdout,
        "wasi:clocks/monotonic-clock": clocks!.monotonicClock,
        "wasi:filesystem/preopens": fs.preopens,
        "wasi:filesystem/types": fs.types,
        "wasi:io/error": io!.error,
        "wasi:io/poll": io!.poll,
        "wasi:io/streams": io!.streams,
        "wasi:random/random": random!.random,
      };
    },
  };
}

/** A sink that keeps nothing but the count (the same sink for every path). */
function countingSink(): ByteSink & { bytes: number } {
  const sink = {
    bytes: 0,
    write(chunk: Uint8Array) {
      sink.bytes += chunk.length;
    },
  };
  return sink;
}

/** Sets up group `wasi`. */
export async function setup(): Promise<BenchGroup> {
  const testdata = new URL("../testdata/", import.meta.url);
  const pollBytes = await fixture(new URL("wasi_poll.wat", testdata));
  const stdoutBytes = await fixture(new URL("wasi_stdout.wat", testdata));
  const fileBytes = await fixture(new URL("wasi_file_read.wat", testdata));

  const dir = await Deno.makeTempDir({ prefix: "weft-bench-wasi-" });
  const data = new Uint8Array(FILE_SIZE).map((_, i) => (i * 131) & 0xff);
  await Deno.writeFile(`${dir}/data.bin`, data);

  const sink = countingSink();
  const wasi = createWasi({ stdout: sink, fs: denoFs(), preopens: { "/data": dir } });
  const compile = async (bytes: Uint8Array) => {
    const component = await Component.compile(bytes);
    const instance = await component.instantiate(wasi.imports);
    return { modules: component.modules(), exports: instance.exports as Record<string, Fn> };
  };
  const poll = await compile(pollBytes);
  const stdout = await compile(stdoutBytes);
  const file = await compile(fileBytes);

  // jco: the glue of each component over preview2-shim, in this process.
  const glue: JcoComponent[] = [];
  let jco: Record<string, Fn | undefined> = {};
  // preview2-shim writes stdout with `write` on node:process's stdout.
  const nodeStdout = (await import("node:process")).stdout as unknown as {
    write: (chunk: Uint8Array) => boolean;
  };
  const realWrite = nodeStdout.write;
  try {
    const shim = await loadShim();
    const imports = shim.imports({ "/data": dir });
    const load = async (bytes: Uint8Array, name: string, exportName: string) => {
      const g = await loadJco(bytes, name);
      glue.push(g);
      return (await g.instantiate(imports))[exportName] as Fn;
    };
    jco = {
      pollReady: await load(pollBytes, "wasi_poll", "pollReady"),
      write64k: await load(stdoutBytes, "wasi_stdout", "write64k"),
      read1m: await load(fileBytes, "wasi_file_read", "read1m"),
    };
    nodeStdout.write = (chunk: Uint8Array) => {
      void sink.write(chunk);
      return true;
    };
  } catch (error) {
    console.error(
      `wasi: the jco column stays empty: cannot load jco's glue over preview2-shim: ${
        (error as Error).message
      }`,
    );
  }

  const floor = {
    pollReady: floorPoll(poll.modules),
    write64k: floorStdout(stdout.modules, sink),
    read1m: floorFileRead(file.modules, dir),
  };
  const weft = {
    pollReady: poll.exports["poll-ready"]!,
    write64k: stdout.exports["write-64k"]!,
    read1m: file.exports["read-1m"]!,
  };

  /** Checks each path once (the result, and for stdout what reached the sink). */
  const check = async (name: string, f: Fn | undefined, args: unknown[], expected: unknown) => {
    if (f === undefined) return;
    const before = sink.bytes;
    deepStrictEqual(await f(...args), expected, `${name}: the export's result`);
    if (name.startsWith("stdout")) equal(sink.bytes - before, STDOUT_BYTES, `${name}: bytes out`);
  };
  for (const [path, fns] of [["floor", floor], ["weft", weft], ["jco", jco]] as const) {
    await check(`poll-ready (${path})`, fns.pollReady, [POLL_LOOP], POLL_LOOP);
    await check(`stdout-64k (${path})`, fns.write64k, [], STDOUT_BYTES);
    await check(`file-read-1m (${path})`, fns.read1m, [], BigInt(FILE_SIZE));
  }

  const op = (f: Fn | undefined, args: unknown[]): { jco?: Op } =>
    f === undefined ? {} : { jco: callOp(f, args) };
  const cases: BenchCase[] = [
    {
      name: "poll-ready",
      floor: callOp(floor.pollReady, [POLL_LOOP]),
      weft: callOp(weft.pollReady, [POLL_LOOP]),
      ...op(jco.pollReady, [POLL_LOOP]),
      opsPerCall: POLL_LOOP,
    },
    {
      name: "stdout-64k",
      floor: callOp(floor.write64k, []),
      weft: callOp(weft.write64k, []),
      ...op(jco.write64k, []),
    },
    {
      name: "file-read-1m",
      floor: callOp(floor.read1m, []),
      weft: callOp(weft.read1m, []),
      ...op(jco.read1m, []),
    },
  ];
  return {
    cases,
    async dispose() {
      nodeStdout.write = realWrite;
      for (const g of glue) await g.dispose();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
