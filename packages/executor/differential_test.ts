// Differential test against the spec's executable definitions: random
// sequences of stream, future and waitable built-in calls run here and in
// canonical-abi/definitions.py (via testdata/spec_replay.py) must return the
// same values, trap at the same call, and leave memory the same.
import assert from "node:assert/strict";
import { type FutureType, type StreamType, t } from "@weft/abi";
import type { ElementCodec } from "./buffers.ts";
import { waitableJoin, waitableSetDrop, waitableSetNew, waitableSetPoll } from "./builtins.ts";
import {
  cancelCopy,
  dropEnd,
  type EndKind,
  futureNew,
  futureRead,
  futureWrite,
  streamNew,
  streamRead,
  streamWrite,
} from "./stream_builtins.ts";
import {
  CopyState,
  ReadableFutureEnd,
  ReadableStreamEnd,
  type SharedFuture,
  SharedStream,
  WritableFutureEnd,
  WritableStreamEnd,
} from "./streams.ts";
import { newInstance, payloadAt, run } from "./_test_util.ts";

const SPEC_DIR = new URL("../../../shared/spec/component-model/canonical-abi/", import.meta.url);
const REPLAY = new URL("./testdata/spec_replay.py", import.meta.url);
const ST: StreamType = { kind: "stream", element: t.u8 };
const FT: FutureType = { kind: "future", element: t.u8 };
const MEM_SIZE = 64;
const EVENT_PTR = 56;

type Op = [string, ...number[]];
type Result = number | number[] | null | "trap";

function specAvailable(): boolean {
  try {
    Deno.statSync(new URL("definitions.py", SPEC_DIR));
    new Deno.Command("python3", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    return true;
  } catch {
    return false;
  }
}

/** A small deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs a random sequence of `length` calls in one task of a fresh instance,
 * choosing handles among the live ones (sometimes any index), and returns the
 * calls, their results (stopping at the first trap) and the memory.
 */
function runHere(seed: number, length: number): { ops: Op[]; results: Result[]; memory: number[] } {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const inst = newInstance();
  const memory = new WebAssembly.Memory({ initial: 1 });
  const bytes = new Uint8Array(memory.buffer);
  for (let i = 0; i < MEM_SIZE; i++) bytes[i] = i;
  const codec: ElementCodec = {
    size: 1,
    align: 1,
    memoryLength: () => MEM_SIZE,
    load: (ptr, n) => bytes.slice(ptr, ptr + n),
    store: (ptr, vs) => bytes.set(vs as ArrayLike<number>, ptr),
  };
  const o = { async: true, codec };
  // Indices that stream.new/future.new returned: the only places ends can be.
  const known = new Set<number>();
  type End = ReadableStreamEnd | WritableStreamEnd | ReadableFutureEnd | WritableFutureEnd;
  const liveOf = (
    cls: abstract new (...a: never[]) => unknown,
    pred: (e: End) => boolean = () => true,
  ): number[] => {
    const out: number[] = [];
    for (const i of known) {
      let e: unknown;
      try {
        e = inst.handles.get(i);
      } catch {
        continue; // not live
      }
      if (e instanceof cls && pred(e as End)) out.push(i);
    }
    return out;
  };
  // Mostly a handle the call is valid for, sometimes any live one, rarely any index.
  const handle = (
    cls: abstract new (...a: never[]) => unknown,
    pred: (e: End) => boolean = () => true,
  ): number => {
    const r = rand();
    const good = liveOf(cls, pred);
    if (good.length > 0 && r < 0.85) return pick(good);
    const live = liveOf(cls);
    if (live.length > 0 && r < 0.97) return pick(live);
    return 1 + Math.floor(rand() * 8);
  };
  const idle = (e: End): boolean => e.state === CopyState.IDLE;
  const copying = (e: End): boolean => e.state === CopyState.COPYING;
  const notCopying = (e: End): boolean => !e.copying();
  // Weighted: copies and events often, drops rarely (a drop ends the stream).
  const weights: [string, number][] = [
    ["stream.new", 3],
    ["future.new", 2],
    ["stream.read", 8],
    ["stream.write", 8],
    ["future.read", 3],
    ["future.write", 3],
    ["stream.cancel-read", 2],
    ["stream.cancel-write", 2],
    ["future.cancel-read", 1],
    ["future.cancel-write", 1],
    ["stream.drop-readable", 1],
    ["stream.drop-writable", 1],
    ["future.drop-readable", 1],
    ["future.drop-writable", 1],
    ["event", 8],
  ];
  const kinds = weights.flatMap(([k, w]) => Array<string>(w).fill(k));
  const pickKind = (): string => pick(kinds);
  const targets: Record<string, () => number[]> = {
    "stream.read": () => liveOf(ReadableStreamEnd, idle),
    "stream.write": () => liveOf(WritableStreamEnd, idle),
    "future.read": () => liveOf(ReadableFutureEnd, idle),
    "future.write": () => liveOf(WritableFutureEnd, idle),
    "stream.cancel-read": () => liveOf(ReadableStreamEnd, copying),
    "stream.cancel-write": () => liveOf(WritableStreamEnd, copying),
    "future.cancel-read": () => liveOf(ReadableFutureEnd, copying),
    "future.cancel-write": () => liveOf(WritableFutureEnd, copying),
    "stream.drop-readable": () => liveOf(ReadableStreamEnd, notCopying),
    "stream.drop-writable": () => liveOf(WritableStreamEnd, notCopying),
    "future.drop-readable": () => liveOf(ReadableFutureEnd, notCopying),
    "future.drop-writable": () => liveOf(WritableFutureEnd, (e) => e.state === CopyState.DONE),
  };
  const hasTarget = (kind: string): boolean => {
    // Few live streams and futures: new ones only while there are fewer than three.
    if (kind === "stream.new") return liveOf(ReadableStreamEnd).length < 3;
    if (kind === "future.new") return liveOf(ReadableFutureEnd).length < 3;
    return (targets[kind]?.() ?? [1]).length > 0;
  };
  // Prefer the end whose other side has a copy pending: that is where copies happen.
  const otherPending = (e: End): boolean =>
    e.shared instanceof SharedStream
      ? e.shared.hasPending
      : (e.shared as SharedFuture).readerPending;
  const ops: Op[] = [];
  const results: Result[] = [];
  run(inst, () => {
    for (let k = 0; k < length; k++) {
      // Start with one stream and one future, then mostly calls that have a valid target.
      let kind = k === 0 ? "stream.new" : k === 1 ? "future.new" : pickKind();
      for (let tries = 0; tries < 8 && k > 1 && !hasTarget(kind) && rand() < 0.97; tries++) {
        kind = pickKind();
      }
      // Mostly in bounds (ptr + n <= 56), sometimes not.
      const ptr = Math.floor(rand() * (rand() < 0.95 ? 48 : MEM_SIZE));
      const n = Math.floor(rand() * (rand() < 0.95 ? 9 : 40));
      let op: Op;
      let call: () => Result;
      const cancelOrDrop = (
        endKind: EndKind,
        cls: abstract new (...a: never[]) => unknown,
        drop: boolean,
      ) => {
        const i = handle(cls);
        const type = endKind.startsWith("stream") ? ST : FT;
        op = [kind, i];
        call = drop
          ? () => (dropEnd(inst, endKind, type)(i), null)
          : () => cancelCopy(inst, endKind, type, { async: true })(i) as number;
      };
      switch (kind) {
        case "stream.new":
        case "future.new": {
          op = [kind];
          call = () => {
            const p = kind === "stream.new" ? streamNew(inst, ST)() : futureNew(inst, FT)();
            const ends = [Number(p & 0xffff_ffffn), Number(p >> 32n)];
            for (const e of ends) known.add(e);
            return ends;
          };
          break;
        }
        case "stream.read": {
          const pref = liveOf(ReadableStreamEnd, (e) => idle(e) && otherPending(e));
          const i = pref.length > 0 && rand() < 0.7 ? pick(pref) : handle(ReadableStreamEnd, idle);
          op = [kind, i, ptr, n];
          call = () => streamRead(inst, ST, o)(i, ptr, n) as number;
          break;
        }
        case "stream.write": {
          const pref = liveOf(WritableStreamEnd, (e) => idle(e) && otherPending(e));
          const i = pref.length > 0 && rand() < 0.7 ? pick(pref) : handle(WritableStreamEnd, idle);
          op = [kind, i, ptr, n];
          call = () => streamWrite(inst, ST, o)(i, ptr, n) as number;
          break;
        }
        case "future.read": {
          const pref = liveOf(ReadableFutureEnd, (e) => idle(e) && otherPending(e));
          const i = pref.length > 0 && rand() < 0.7 ? pick(pref) : handle(ReadableFutureEnd, idle);
          op = [kind, i, ptr];
          call = () => futureRead(inst, FT, o)(i, ptr) as number;
          break;
        }
        case "future.write": {
          const pref = liveOf(WritableFutureEnd, (e) => idle(e) && otherPending(e));
          const i = pref.length > 0 && rand() < 0.7 ? pick(pref) : handle(WritableFutureEnd, idle);
          op = [kind, i, ptr];
          call = () => futureWrite(inst, FT, o)(i, ptr) as number;
          break;
        }
        case "stream.cancel-read":
          cancelOrDrop("stream.readable", ReadableStreamEnd, false);
          break;
        case "stream.cancel-write":
          cancelOrDrop("stream.writable", WritableStreamEnd, false);
          break;
        case "future.cancel-read":
          cancelOrDrop("future.readable", ReadableFutureEnd, false);
          break;
        case "future.cancel-write":
          cancelOrDrop("future.writable", WritableFutureEnd, false);
          break;
        case "stream.drop-readable":
          cancelOrDrop("stream.readable", ReadableStreamEnd, true);
          break;
        case "stream.drop-writable":
          cancelOrDrop("stream.writable", WritableStreamEnd, true);
          break;
        case "future.drop-readable":
          cancelOrDrop("future.readable", ReadableFutureEnd, true);
          break;
        case "future.drop-writable":
          cancelOrDrop("future.writable", WritableFutureEnd, true);
          break;
        default: {
          const pending = (e: End): boolean => e.hasPendingEvent();
          const ends = [
            ...liveOf(ReadableStreamEnd, pending),
            ...liveOf(WritableStreamEnd, pending),
            ...liveOf(ReadableFutureEnd, pending),
            ...liveOf(WritableFutureEnd, pending),
          ];
          const any = [...liveOf(ReadableStreamEnd), ...liveOf(WritableStreamEnd)];
          const i = ends.length > 0 ? pick(ends) : any.length > 0 ? pick(any) : 1;
          op = ["event", i];
          call = () => {
            const si = waitableSetNew(inst)();
            waitableJoin(inst)(i, si);
            const code = waitableSetPoll(inst, { cancellable: false, memory })(si, EVENT_PTR);
            waitableJoin(inst)(i, 0);
            waitableSetDrop(inst)(si);
            return [code, ...payloadAt(memory, EVENT_PTR)];
          };
        }
      }
      ops.push(op!);
      try {
        results.push(call!());
      } catch {
        results.push("trap");
        break;
      }
    }
  });
  return { ops, results, memory: Array.from(bytes.subarray(0, MEM_SIZE)) };
}

Deno.test({
  name:
    "stream/future/waitable built-ins agree with the spec's definitions.py on 300 random sequences",
  ignore: !specAvailable(),
  async fn() {
    const runs = Array.from({ length: 300 }, (_, seed) => runHere(seed + 1, 40));
    const child = new Deno.Command("python3", {
      args: [REPLAY.pathname, SPEC_DIR.pathname],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(runs.map((r) => r.ops))));
    await writer.close();
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const spec = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      results: Result[];
      memory: number[];
    }[];
    let calls = 0;
    let traps = 0;
    let specAsserts = 0;
    for (let k = 0; k < runs.length; k++) {
      const here = runs[k]!;
      const there = spec[k]!;
      const where = `seed ${k + 1}: ${JSON.stringify(here.ops)}`;
      const last = there.results.at(-1);
      if (typeof last === "string" && last.startsWith("assert")) {
        // Known spec bug: SharedFutureImpl.drop asserts that a pending buffer is
        // a reader's, but dropping the readable end while a write is pending
        // leaves the writer's buffer there. Weft notifies the writer DROPPED
        // (what the assertion's surrounding text intends); compare up to it.
        const at = there.results.length - 1;
        assert.equal(here.ops[at]?.[0], "future.drop-readable", `${where}: spec ${last}`);
        assert.deepEqual(here.results.slice(0, at), there.results.slice(0, at), where);
        specAsserts++;
        continue;
      }
      assert.deepEqual(here.results, there.results, where);
      assert.deepEqual(here.memory, there.memory, where);
      calls += here.results.length;
      if (here.results.at(-1) === "trap") traps++;
    }
    // The sequences must exercise more than the first trap.
    assert.ok(specAsserts < 30, `${specAsserts} sequences hit the spec's future-drop assertion`);
    assert.ok(calls > 3000, `only ${calls} calls ran`);
    assert.ok(traps < 295, `${traps} of 300 sequences trapped`);
    assert.ok(traps > 10, `only ${traps} of 300 sequences trapped: the traps go untested`);
  },
});

if (!specAvailable()) {
  console.log("differential_test.ts: skipped, definitions.py or python3 is absent");
}
