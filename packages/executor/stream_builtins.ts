/**
 * The stream and future built-ins (CanonicalABI.md § 🔀 `canon
 * {stream,future}.new`, `.read/.write`, `.cancel-read/-write`,
 * `.drop-readable/-writable`), and lifting/lowering of stream and future
 * handles (§ Loading `lift_async_value`, § Storing `lower_stream`).
 *
 * @module
 */
import { type FutureType, type StreamType, Trap, type ValType } from "@weft/abi";
import {
  type ElementCodec,
  type ReadableBuffer,
  ReadableGuestBuffer,
  type WritableBuffer,
  WritableGuestBuffer,
} from "./buffers.ts";
import { blockingThread, checkMayBlock, currentThread } from "./canon_lower.ts";
import { BLOCKED, CopyResult, EventCode, type EventTuple } from "./codes.ts";
import type { BlockingOptions } from "./builtins.ts";
import { hasJspi } from "./jspi.ts";
import { JspiRequiredError } from "./errors.ts";
import { type AsyncInstanceState, guard } from "./instance.ts";
import {
  type CopyEnd,
  CopyState,
  ReadableFutureEnd,
  ReadableStreamEnd,
  SharedFuture,
  SharedStream,
  WritableFutureEnd,
  WritableStreamEnd,
} from "./streams.ts";
import { typeEquals } from "./type_equals.ts";

type AnyEnd =
  | typeof ReadableStreamEnd
  | typeof WritableStreamEnd
  | typeof ReadableFutureEnd
  | typeof WritableFutureEnd;

const END_NAMES = new Map<AnyEnd, string>([
  [ReadableStreamEnd, "readable stream end"],
  [WritableStreamEnd, "writable stream end"],
  [ReadableFutureEnd, "readable future end"],
  [WritableFutureEnd, "writable future end"],
]);

function endAt<E extends AnyEnd>(
  inst: AsyncInstanceState,
  i: number,
  EndT: E,
  t: ValType | undefined,
): InstanceType<E> {
  const e = inst.handles.get(i);
  if (!(e instanceof EndT)) throw new Trap(`handle index ${i} is not a ${END_NAMES.get(EndT)}`);
  if (!typeEquals(e.shared.t, t)) {
    throw new Trap(`handle index ${i} has the wrong element type for this built-in`);
  }
  return e as InstanceType<E>;
}

function needJspi(what: string, options: BlockingOptions): void {
  if (!(options.jspi ?? hasJspi())) {
    throw new Trap(`cannot block in ${what}`, { cause: new JspiRequiredError(what) });
  }
}

/** CanonicalABI.md § 🔀 `canon {stream,future}.new` (stream): `() => ri | (wi << 32)`. */
export function streamNew(inst: AsyncInstanceState, type: StreamType): () => bigint {
  return () =>
    guard(inst, () => {
      inst.checkMayLeave();
      const shared = new SharedStream(type.element);
      const ri = inst.handles.add(new ReadableStreamEnd(inst.store, shared));
      const wi = inst.handles.add(new WritableStreamEnd(inst.store, shared));
      return BigInt(ri) | (BigInt(wi) << 32n);
    });
}

/** CanonicalABI.md § 🔀 `canon {stream,future}.new` (future): `() => ri | (wi << 32)`. */
export function futureNew(inst: AsyncInstanceState, type: FutureType): () => bigint {
  return () =>
    guard(inst, () => {
      inst.checkMayLeave();
      const shared = new SharedFuture(type.element);
      const ri = inst.handles.add(new ReadableFutureEnd(inst.store, shared));
      const wi = inst.handles.add(new WritableFutureEnd(inst.store, shared));
      return BigInt(ri) | (BigInt(wi) << 32n);
    });
}

/** Options of the stream and future copy built-ins. */
export interface CopyOptions extends BlockingOptions {
  /** The `async` canonical option. */
  readonly async: boolean;
  /**
   * How elements live in guest memory under the built-in's canonical
   * options (required when the type has an element type).
   */
  readonly codec?: ElementCodec;
}

/** A copy that did not complete at once: the sync caller waits (JSPI). */
function finishCopy<E extends CopyEnd<SharedStream | SharedFuture>>(
  inst: AsyncInstanceState,
  e: E,
  async: boolean,
  options: BlockingOptions,
  what: string,
): number | Promise<number> {
  const payload = (): number => e.getPendingEvent()[2];
  if (e.hasPendingEvent()) return payload();
  if (async) return BLOCKED;
  const thread = currentThread(inst, what);
  checkMayBlock(thread, what);
  needJspi(what, options);
  return e.waitForPendingEventAsync(thread, { releaseExclusive: true }).then(() =>
    guard(inst, payload)
  );
}

function streamCopy(
  inst: AsyncInstanceState,
  type: StreamType,
  options: CopyOptions,
  reading: boolean,
): (i: number, ptr: number, n: number) => number | Promise<number> {
  const EndT = reading ? ReadableStreamEnd : WritableStreamEnd;
  const eventCode = reading ? EventCode.STREAM_READ : EventCode.STREAM_WRITE;
  const what = reading ? "stream.read" : "stream.write";
  return (i, ptr, n) =>
    guard(inst, () => {
      if (options.async) currentThread(inst, what);
      else blockingThread(inst, what);
      inst.checkMayLeave();
      const e = endAt(inst, i, EndT, type.element);
      if (e.state !== CopyState.IDLE) {
        throw new Trap(
          e.state === CopyState.DONE
            ? `cannot ${reading ? "read from" : "write to"} a stream whose other end was dropped`
            : `cannot start a ${what} while another copy is in progress`,
        );
      }
      if (e.inWaitableSet() && !options.async) {
        throw new Trap(`cannot ${what} synchronously on an end in a waitable set`);
      }
      const p = ptr >>> 0;
      const len = n >>> 0;
      const buffer = reading
        ? new WritableGuestBuffer(type.element, options.codec, p, len)
        : new ReadableGuestBuffer(type.element, options.codec, p, len);
      const streamEvent = (result: CopyResult, reclaimBuffer: () => void): EventTuple => {
        reclaimBuffer();
        if (result === CopyResult.DROPPED) {
          e.state = CopyState.DONE;
          e.doneBecause = "dropped";
        } else e.state = CopyState.IDLE;
        return [eventCode, i, (result | (buffer.progress << 4)) >>> 0];
      };
      const onCopy = (reclaim: () => void): void => {
        e.setPendingEvent(() => streamEvent(CopyResult.COMPLETED, reclaim));
      };
      const onCopyDone = (result: CopyResult): void => {
        e.setPendingEvent(() => streamEvent(result, () => {}));
      };
      e.state = CopyState.COPYING;
      e.buffer = buffer;
      if (reading) {
        (e as ReadableStreamEnd).copy(inst, buffer as WritableBuffer, onCopy, onCopyDone);
      } else {
        (e as WritableStreamEnd).copy(inst, buffer as ReadableBuffer, onCopy, onCopyDone);
      }
      return finishCopy(inst, e, options.async, options, what);
    });
}

/** CanonicalABI.md § 🔀 `canon stream.{read,write}` (read): `(i, ptr, n) => packed | BLOCKED`. */
export function streamRead(
  inst: AsyncInstanceState,
  type: StreamType,
  options: CopyOptions,
): (i: number, ptr: number, n: number) => number | Promise<number> {
  return streamCopy(inst, type, options, true);
}

/** CanonicalABI.md § 🔀 `canon stream.{read,write}` (write): `(i, ptr, n) => packed | BLOCKED`. */
export function streamWrite(
  inst: AsyncInstanceState,
  type: StreamType,
  options: CopyOptions,
): (i: number, ptr: number, n: number) => number | Promise<number> {
  return streamCopy(inst, type, options, false);
}

function futureCopy(
  inst: AsyncInstanceState,
  type: FutureType,
  options: CopyOptions,
  reading: boolean,
): (i: number, ptr: number) => number | Promise<number> {
  const EndT = reading ? ReadableFutureEnd : WritableFutureEnd;
  const eventCode = reading ? EventCode.FUTURE_READ : EventCode.FUTURE_WRITE;
  const what = reading ? "future.read" : "future.write";
  return (i, ptr) =>
    guard(inst, () => {
      if (options.async) currentThread(inst, what);
      else blockingThread(inst, what);
      inst.checkMayLeave();
      const e = endAt(inst, i, EndT, type.element);
      if (e.state !== CopyState.IDLE) {
        throw new Trap(
          e.state !== CopyState.DONE
            ? `cannot start a ${what} while another copy is in progress`
            : e.doneBecause === "dropped"
            ? `cannot ${reading ? "read from" : "write to"} a future whose other end was dropped`
            : `cannot ${reading ? "read from" : "write to"} a future after its value was ${
              reading ? "read" : "written"
            }`,
        );
      }
      if (e.inWaitableSet() && !options.async) {
        throw new Trap(`cannot ${what} synchronously on an end in a waitable set`);
      }
      const p = ptr >>> 0;
      const buffer = reading
        ? new WritableGuestBuffer(type.element, options.codec, p, 1)
        : new ReadableGuestBuffer(type.element, options.codec, p, 1);
      const onCopyDone = (result: CopyResult): void => {
        e.setPendingEvent((): EventTuple => {
          if (result === CopyResult.CANCELLED) e.state = CopyState.IDLE;
          else {
            e.state = CopyState.DONE;
            e.doneBecause = result === CopyResult.DROPPED ? "dropped" : "copied";
          }
          return [eventCode, i, result];
        });
      };
      e.state = CopyState.COPYING;
      if (reading) (e as ReadableFutureEnd).copy(inst, buffer as WritableBuffer, onCopyDone);
      else (e as WritableFutureEnd).copy(inst, buffer as ReadableBuffer, onCopyDone);
      return finishCopy(inst, e, options.async, options, what);
    });
}

/** CanonicalABI.md § 🔀 `canon future.{read,write}` (read): `(i, ptr) => result | BLOCKED`. */
export function futureRead(
  inst: AsyncInstanceState,
  type: FutureType,
  options: CopyOptions,
): (i: number, ptr: number) => number | Promise<number> {
  return futureCopy(inst, type, options, true);
}

/** CanonicalABI.md § 🔀 `canon future.{read,write}` (write): `(i, ptr) => result | BLOCKED`. */
export function futureWrite(
  inst: AsyncInstanceState,
  type: FutureType,
  options: CopyOptions,
): (i: number, ptr: number) => number | Promise<number> {
  return futureCopy(inst, type, options, false);
}

/** The end classes, by what the cancel and drop built-ins name. */
export const EndKind = {
  "stream.readable": ReadableStreamEnd,
  "stream.writable": WritableStreamEnd,
  "future.readable": ReadableFutureEnd,
  "future.writable": WritableFutureEnd,
} as const;

/** One of the keys of {@linkcode EndKind}. */
export type EndKind = keyof typeof EndKind;

/**
 * CanonicalABI.md § 🔀 `canon {stream,future}.cancel-{read,write}`
 * (`cancel_copy`): `(i) => payload | BLOCKED`.
 */
export function cancelCopy(
  inst: AsyncInstanceState,
  kind: EndKind,
  type: StreamType | FutureType,
  options: BlockingOptions & { readonly async: boolean },
): (i: number) => number | Promise<number> {
  const EndT = EndKind[kind];
  const what = `${kind.split(".")[0]}.cancel-${kind.endsWith("readable") ? "read" : "write"}`;
  return (i) =>
    guard(inst, () => {
      if (options.async) currentThread(inst, what);
      else blockingThread(inst, what);
      inst.checkMayLeave();
      const e = endAt(inst, i, EndT, type.element) as CopyEnd<SharedStream | SharedFuture>;
      if (e.state !== CopyState.COPYING) throw new Trap(`${what}: there is no copy in progress`);
      if (e.hasSyncWaiter) throw new Trap(`${what}: a thread waits on the copy synchronously`);
      if (e.inWaitableSet() && !options.async) {
        throw new Trap(`${what}: a synchronous cancel of an end in a waitable set`);
      }
      e.state = CopyState.CANCELLING_COPY;
      // After a partial copy the buffer still waits in the stream (its
      // COMPLETED event was not delivered): the cancel ends it, and the event
      // becomes CANCELLED with the progress, as the spec's tests expect.
      const partial = e.shared instanceof SharedStream && e.buffer !== undefined &&
        e.shared.isPending(e.buffer);
      if (!e.hasPendingEvent() || partial) e.shared.cancel();
      return finishCopy(inst, e, options.async, options, what);
    });
}

/** CanonicalABI.md § 🔀 `canon {stream,future}.drop-{readable,writable}`. */
export function dropEnd(
  inst: AsyncInstanceState,
  kind: EndKind,
  type: StreamType | FutureType,
): (i: number) => void {
  const EndT = EndKind[kind];
  return (i) =>
    guard(inst, () => {
      inst.checkMayLeave();
      const e = endAt(inst, i, EndT, type.element) as CopyEnd<SharedStream | SharedFuture>;
      e.drop();
      inst.handles.remove(i);
    });
}

/**
 * CanonicalABI.md § Loading (`lift_stream`, `lift_async_value`): takes the
 * readable end at `i` out of `inst`'s table to pass it to a callee; traps
 * unless it is an idle readable end of type `type` outside any waitable set.
 */
export function liftStream(inst: AsyncInstanceState, i: number, type: StreamType): SharedStream {
  const shared = liftAsyncValue(inst, i, ReadableStreamEnd, type.element).shared;
  // Until it is lowered into a guest, the host may hold it.
  shared.markHostHeld(inst.store);
  return shared;
}

/** CanonicalABI.md § Loading (`lift_future`): as {@linkcode liftStream} for a future. */
export function liftFuture(inst: AsyncInstanceState, i: number, type: FutureType): SharedFuture {
  const shared = liftAsyncValue(inst, i, ReadableFutureEnd, type.element).shared;
  shared.markHostHeld(inst.store);
  return shared;
}

function liftAsyncValue<E extends typeof ReadableStreamEnd | typeof ReadableFutureEnd>(
  inst: AsyncInstanceState,
  i: number,
  EndT: E,
  t: ValType | undefined,
): InstanceType<E> {
  const e = endAt(inst, i, EndT, t);
  if (e.state !== CopyState.IDLE) {
    const kind = e instanceof ReadableStreamEnd ? "stream" : "future";
    throw new Trap(
      e.state !== CopyState.DONE
        ? `cannot pass handle index ${i} while a copy is in progress`
        : e.doneBecause === "dropped"
        ? `cannot pass handle index ${i}: the ${kind}'s other end was dropped`
        : `cannot pass handle index ${i}: the ${kind}'s value was already read`,
    );
  }
  if (e.inWaitableSet()) {
    throw new Trap(`cannot pass handle index ${i} while it is in a waitable set`);
  }
  inst.handles.remove(i);
  return e;
}

/** CanonicalABI.md § Storing (`lower_stream`): a new readable end in `inst`'s table. */
export function lowerStream(inst: AsyncInstanceState, shared: SharedStream): number {
  shared.markGuestHeld(inst.store);
  return inst.handles.add(new ReadableStreamEnd(inst.store, shared));
}

/** CanonicalABI.md § Storing (`lower_future`): a new readable end in `inst`'s table. */
export function lowerFuture(inst: AsyncInstanceState, shared: SharedFuture): number {
  shared.markGuestHeld(inst.store);
  return inst.handles.add(new ReadableFutureEnd(inst.store, shared));
}
