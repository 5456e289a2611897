/**
 * The task, subtask, waitable, context, backpressure and yield built-ins
 * (CanonicalABI.md § Canonical Definitions, the 🔀 ones). Each factory
 * returns the core function for one `canon` definition of an instance.
 *
 * Built-ins that may block return a Promise when they have to wait: wrap
 * them with `WebAssembly.Suspending` (see `jspi.ts`). Without JSPI such a
 * wait traps with a `JspiRequiredError` cause; where the spec lets a
 * built-in complete without blocking (an event already pending, a yield),
 * it does.
 *
 * @module
 */
import { type CoreValue, Trap, type ValType } from "@weft/abi";
import { BLOCKED, EventCode, type EventTuple } from "./codes.ts";
import { blockingThread, checkMayBlock, currentThread } from "./canon_lower.ts";
import { hasJspi } from "./jspi.ts";
import { JspiRequiredError } from "./errors.ts";
import { type AsyncInstanceState, guard } from "./instance.ts";
import { Subtask } from "./subtask.ts";
import type { Task } from "./task.ts";
import { typeEquals } from "./type_equals.ts";
import { Waitable, WaitableSet } from "./waitable.ts";

/** Options of built-ins that can block a synchronous caller. */
export interface BlockingOptions {
  /** Whether JSPI may suspend the caller (default: detected). */
  readonly jspi?: boolean;
}

function needJspi(what: string, options: BlockingOptions): void {
  if (!(options.jspi ?? hasJspi())) {
    throw new Trap(`cannot block in ${what}`, { cause: new JspiRequiredError(what) });
  }
}

/** CanonicalABI.md § 🔀 `canon context.get`: reads thread-local slot `i`. */
export function contextGet(inst: AsyncInstanceState, i: number): () => CoreValue {
  if (i >= 2) {
    throw new RangeError(`Cannot create context.get: received slot ${i}, expected 0 or 1`);
  }
  return () => guard(inst, () => currentThread(inst, "context.get").storage[i]!);
}

/** CanonicalABI.md § 🔀 `canon context.set`: writes thread-local slot `i`. */
export function contextSet(inst: AsyncInstanceState, i: number): (v: CoreValue) => void {
  if (i >= 2) {
    throw new RangeError(`Cannot create context.set: received slot ${i}, expected 0 or 1`);
  }
  return (v) =>
    guard(inst, () => {
      currentThread(inst, "context.set").storage[i] = v;
    });
}

/** CanonicalABI.md § 🔀 `canon backpressure.{inc,dec}` (`inc`): traps at 2^16. */
export function backpressureInc(inst: AsyncInstanceState): () => void {
  return () =>
    guard(inst, () => {
      if (inst.backpressure + 1 >= 2 ** 16) throw new Trap("backpressure counter overflow");
      inst.backpressure++;
    });
}

/** CanonicalABI.md § 🔀 `canon backpressure.{inc,dec}` (`dec`): traps below 0. */
export function backpressureDec(inst: AsyncInstanceState): () => void {
  return () =>
    guard(inst, () => {
      if (inst.backpressure === 0) throw new Trap("backpressure counter underflow");
      inst.backpressure--;
      if (inst.backpressure === 0) inst.store.notify();
    });
}

/** What `task.return` needs of its definition. */
export interface TaskReturnOptions {
  /** The result type it was defined with (`undefined` for none). */
  readonly resultType: ValType | undefined;
  /** Its string encoding and memory (compared with the lift's). */
  readonly liftOptions?: { readonly stringEncoding?: string; readonly memory?: unknown };
  /** Lifts the result values from the flat arguments (spec: `lift_flat_values`, `MAX_FLAT_PARAMS`). */
  readonly liftResults: (task: Task, flatArgs: readonly CoreValue[]) => unknown[];
}

/** CanonicalABI.md § 🔀 `canon task.return`. */
export function taskReturn(
  inst: AsyncInstanceState,
  options: TaskReturnOptions,
): (...flatArgs: CoreValue[]) => void {
  return (...flatArgs) =>
    guard(inst, () => {
      const task = currentThread(inst, "task.return").task;
      inst.checkMayLeave();
      if (task.opts.mode === "sync") {
        throw new Trap("invalid task.return: the function was not lifted with the async option");
      }
      if (!typeEquals(options.resultType, task.opts.resultType)) {
        throw new Trap(
          "invalid task.return signature: the result type does not match the function's",
        );
      }
      const a = options.liftOptions ?? {};
      const b = task.opts.liftOptions ?? {};
      // A memory only one side names is not a mismatch: the spec's test
      // suite returns results without one from lifts that have one.
      const memoryDiffers = a.memory !== undefined && b.memory !== undefined &&
        a.memory !== b.memory;
      if ((a.stringEncoding ?? "utf8") !== (b.stringEncoding ?? "utf8") || memoryDiffers) {
        throw new Trap(
          "invalid task.return signature: its canonical options differ from the lift's",
        );
      }
      task.return(options.liftResults(task, flatArgs));
    });
}

/** CanonicalABI.md § 🔀 `canon task.cancel`. */
export function taskCancel(inst: AsyncInstanceState): () => void {
  return () =>
    guard(inst, () => {
      const task = currentThread(inst, "task.cancel").task;
      inst.checkMayLeave();
      if (task.opts.mode === "sync") {
        throw new Trap("invalid task.cancel: the function was not lifted with the async option");
      }
      task.cancel();
    });
}

/** CanonicalABI.md § 🔀 `canon waitable-set.new`. */
export function waitableSetNew(inst: AsyncInstanceState): () => number {
  return () =>
    guard(inst, () => {
      inst.checkMayLeave();
      return inst.handles.add(new WaitableSet());
    });
}

function waitableSetAt(inst: AsyncInstanceState, si: number): WaitableSet {
  const w = inst.handles.get(si);
  if (!(w instanceof WaitableSet)) throw new Trap(`handle index ${si} is not a waitable set`);
  return w;
}

/** CanonicalABI.md § 🔀 `canon waitable-set.wait` (`unpack_event`): writes p1, p2 at `ptr`. */
function unpackEvent(memory: WebAssembly.Memory, ptr: number, e: EventTuple): number {
  const p = ptr >>> 0;
  const buffer = memory.buffer;
  if (p + 8 > buffer.byteLength) {
    throw new Trap(
      `event out of bounds: pointer ${p} + length 8 exceeds memory size ${buffer.byteLength}`,
    );
  }
  const dv = new DataView(buffer);
  dv.setUint32(p, e[1] >>> 0, true);
  dv.setUint32(p + 4, e[2] >>> 0, true);
  return e[0];
}

/** Options of `waitable-set.wait` and `waitable-set.poll`. */
export interface WaitOptions extends BlockingOptions {
  /** The `cancellable` immediate. */
  readonly cancellable: boolean;
  /** The `memory` immediate: where the event's payload is written. */
  readonly memory: WebAssembly.Memory;
}

/**
 * CanonicalABI.md § 🔀 `canon waitable-set.wait`: `(si, ptr) => eventCode`.
 * Returns at once when an event is pending; otherwise the caller's stack is
 * suspended (a Promise; JSPI).
 */
export function waitableSetWait(
  inst: AsyncInstanceState,
  options: WaitOptions,
): (si: number, ptr: number) => number | Promise<number> {
  return (si, ptr) =>
    guard(inst, () => {
      const thread = blockingThread(inst, "waitable-set.wait");
      inst.checkMayLeave();
      const wset = waitableSetAt(inst, si);
      // Spec: wait_until may return at once when ready (CanonicalABI.md § Threads).
      if (thread.task.deliverPendingCancel(options.cancellable)) {
        return unpackEvent(options.memory, ptr, [EventCode.TASK_CANCELLED, 0, 0]);
      }
      if (wset.hasPendingEvent()) return unpackEvent(options.memory, ptr, wset.getPendingEvent());
      checkMayBlock(thread, "waitable-set.wait");
      needJspi("waitable-set.wait", options);
      return wset.waitForEventAsync(thread, options.cancellable).then((e) =>
        guard(inst, () => unpackEvent(options.memory, ptr, e))
      );
    });
}

/** CanonicalABI.md § 🔀 `canon waitable-set.poll`: `(si, ptr) => eventCode`, never blocks. */
export function waitableSetPoll(
  inst: AsyncInstanceState,
  options: WaitOptions,
): (si: number, ptr: number) => number {
  return (si, ptr) =>
    guard(inst, () => {
      const thread = currentThread(inst, "waitable-set.poll");
      inst.checkMayLeave();
      const wset = waitableSetAt(inst, si);
      return unpackEvent(options.memory, ptr, wset.poll(thread, options.cancellable));
    });
}

/** CanonicalABI.md § 🔀 `canon waitable-set.drop`. */
export function waitableSetDrop(inst: AsyncInstanceState): (si: number) => void {
  return (si) =>
    guard(inst, () => {
      inst.checkMayLeave();
      const wset = waitableSetAt(inst, si);
      wset.drop();
      inst.handles.remove(si);
    });
}

/** CanonicalABI.md § 🔀 `canon waitable.join`: `si` 0 leaves any set. */
export function waitableJoin(inst: AsyncInstanceState): (wi: number, si: number) => void {
  return (wi, si) =>
    guard(inst, () => {
      inst.checkMayLeave();
      const w = inst.handles.get(wi);
      if (!(w instanceof Waitable)) throw new Trap(`handle index ${wi} is not a waitable`);
      if (w.hasSyncWaiter) {
        throw new Trap("cannot join a waitable that a thread waits on synchronously");
      }
      w.join(si === 0 ? undefined : waitableSetAt(inst, si));
    });
}

function subtaskAt(inst: AsyncInstanceState, i: number): Subtask {
  const s = inst.handles.get(i);
  if (!(s instanceof Subtask)) throw new Trap(`handle index ${i} is not a subtask`);
  return s;
}

/**
 * CanonicalABI.md § 🔀 `canon subtask.cancel`: `(i) => state`, or `BLOCKED`
 * (async) when the callee did not resolve at once.
 */
export function subtaskCancel(
  inst: AsyncInstanceState,
  options: BlockingOptions & { readonly async: boolean },
): (i: number) => number | Promise<number> {
  return (i) =>
    guard(inst, () => {
      const thread = blockingThread(inst, "subtask.cancel");
      inst.checkMayLeave();
      const subtask = subtaskAt(inst, i);
      if (subtask.resolveDelivered()) {
        throw new Trap("subtask.cancel: the subtask has already resolved");
      }
      if (subtask.cancellationRequested) {
        throw new Trap("subtask.cancel: cancellation was already requested");
      }
      if (subtask.inWaitableSet() && !options.async) {
        throw new Trap("subtask.cancel: a synchronous cancel of a subtask in a waitable set");
      }
      const finish = (): number => {
        const [, , payload] = subtask.getPendingEvent();
        return payload;
      };
      if (!subtask.resolved()) {
        subtask.cancellationRequested = true;
        subtask.onCancel!(inst);
        if (!subtask.resolved()) {
          if (options.async) return BLOCKED;
          checkMayBlock(thread, "subtask.cancel");
          needJspi("subtask.cancel", options);
          return subtask.waitForPendingEventAsync(thread).then(() => guard(inst, finish));
        }
      }
      return finish();
    });
}

/** CanonicalABI.md § 🔀 `canon subtask.drop`. */
export function subtaskDrop(inst: AsyncInstanceState): (i: number) => void {
  return (i) =>
    guard(inst, () => {
      inst.checkMayLeave();
      const s = subtaskAt(inst, i);
      s.drop();
      inst.handles.remove(i);
    });
}

/**
 * CanonicalABI.md § 🔀 `canon thread.yield`: `() => cancelled`. With JSPI
 * the caller's stack is suspended so that other threads run; without it the
 * yield completes at once (the spec allows it: a yield is always ready).
 */
export function threadYield(
  inst: AsyncInstanceState,
  options: BlockingOptions & { readonly cancellable: boolean },
): () => number | Promise<number> {
  return () =>
    guard(inst, () => {
      const thread = currentThread(inst, "thread.yield");
      inst.checkMayLeave();
      if (thread.task.deliverPendingCancel(options.cancellable)) return 1;
      if (!(options.jspi ?? hasJspi())) return 0;
      const r = thread.waitUntilAsync(() => true, options.cancellable);
      return typeof r === "boolean" ? (r ? 1 : 0) : r.then((c) => (c ? 1 : 0));
    });
}
