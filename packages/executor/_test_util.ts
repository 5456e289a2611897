// Helpers for the executor's tests: instances, memories, codecs, deferreds.
import { ComponentInstanceState, t } from "@weft/abi";
import type { ElementCodec } from "./buffers.ts";
import { AsyncInstanceState } from "./instance.ts";
import { Store } from "./store.ts";
import { canonLift, type LiftDefinition } from "./canon_lift.ts";
import { taskReturn } from "./builtins.ts";
import type { FuncInst } from "./task.ts";
import { callAsync } from "./host.ts";

export function newInstance(store: Store = new Store()): AsyncInstanceState {
  return new AsyncInstanceState(new ComponentInstanceState(), { store });
}

export function newMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1 });
}

/** A u8 element codec over `memory`. */
export function u8Codec(memory: WebAssembly.Memory): ElementCodec {
  return {
    size: 1,
    align: 1,
    memoryLength: () => memory.buffer.byteLength,
    load: (ptr, n) => new Uint8Array(memory.buffer, ptr, n).slice(),
    store: (ptr, values) => new Uint8Array(memory.buffer).set(values as ArrayLike<number>, ptr),
  };
}

/** A u32 element codec over `memory`. */
export function u32Codec(memory: WebAssembly.Memory): ElementCodec {
  return {
    size: 4,
    align: 4,
    memoryLength: () => memory.buffer.byteLength,
    load: (ptr, n) => {
      const dv = new DataView(memory.buffer);
      return Array.from({ length: n }, (_, i) => dv.getUint32(ptr + 4 * i, true));
    },
    store: (ptr, values) => {
      const dv = new DataView(memory.buffer);
      for (let i = 0; i < values.length; i++) dv.setUint32(ptr + 4 * i, values[i] as number, true);
    },
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
}

/** Lets queued microtasks and one macrotask run. */
export function settle(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

/** Reads the two u32 event payload words at `ptr`. */
export function payloadAt(memory: WebAssembly.Memory, ptr: number): [number, number] {
  const dv = new DataView(memory.buffer);
  return [dv.getUint32(ptr, true), dv.getUint32(ptr + 4, true)];
}

/**
 * A callback-lifted `async func(x: u32) -> u32` of `inst` whose core
 * function and callback are JS: `start(x, ret)` and `onEvent(event, p1, p2, ret)`
 * return the packed callback code.
 */
export function callbackFunc(
  inst: AsyncInstanceState,
  start: (x: number, ret: (v: number) => void) => number,
  onEvent: (event: number, p1: number, p2: number, ret: (v: number) => void) => number = () => 0,
  extra: Partial<LiftDefinition> = {},
): FuncInst {
  const r = taskReturn(inst, { resultType: t.u32, liftResults: (_task, flat) => [flat[0]] });
  const ret = (v: number): void => r(v);
  return canonLift({
    instance: inst,
    async: true,
    mode: "callback",
    resultType: t.u32,
    lowerParams: (_task, args) => [args[0] as number],
    callee: ([x]) => start(Number(x), ret),
    callback: (e, p1, p2) => onEvent(e, p1, p2, ret),
    ...extra,
  });
}

/**
 * Runs `body` synchronously as the core code of a callback-lifted task of
 * `inst` (so built-ins find their current thread) and returns its value;
 * rethrows what it throws.
 */
export function run<T>(inst: AsyncInstanceState, body: () => T): T {
  const out: { v?: T; e?: unknown; threw?: boolean; ran?: boolean } = {};
  const f = callbackFunc(inst, (_x, ret) => {
    out.ran = true;
    try {
      out.v = body();
    } catch (e) {
      out.threw = true;
      out.e = e;
      throw e;
    }
    ret(0);
    return 0;
  });
  callAsync(f, [0]).catch(() => {});
  if (out.threw) throw out.e;
  if (!out.ran) throw new Error("the task did not run (instance poisoned or not enterable)");
  return out.v!;
}
