/**
 * The shared state of streams and futures, and their ends (CanonicalABI.md
 * § Stream State, § Future State): the rendezvous copy between a reader and
 * a writer, partial copies, zero-length readiness, cancellation and drops.
 *
 * @module
 */
import { Trap, type ValType } from "@weft/abi";
import type { ReadableBuffer, WritableBuffer } from "./buffers.ts";
import { CopyResult } from "./codes.ts";
import type { Store } from "./store.ts";
import { noneOrNumberType } from "./type_equals.ts";
import { Waitable } from "./waitable.ts";

/** CanonicalABI.md § Stream State (`ReclaimBuffer`). */
export type ReclaimBuffer = () => void;
/** CanonicalABI.md § Stream State (`OnCopy`): some elements were copied; the buffer stays pending. */
export type OnCopy = (reclaimBuffer: ReclaimBuffer) => void;
/** CanonicalABI.md § Stream State (`OnCopyDone`): the copy ended. */
export type OnCopyDone = (result: CopyResult) => void;

/**
 * Who takes part in a copy: the instance of a guest end (an opaque object
 * compared by identity), `undefined` for the host.
 */
export type CopyParty = object | undefined;

const SAME_INSTANCE = "cannot copy non-numeric values between two ends in the same instance";

/**
 * Where streams and futures whose end is in the host's hands are counted (a
 * `Store`): while the count is not 0, the host may still make progress on
 * its own, so the store declares no deadlock.
 */
export interface HostHeldCounter {
  /** How many streams and futures not yet dropped have an end the host holds. */
  hostHeld: number;
}

/**
 * The part of a shared stream or future state that tracks whether the host
 * holds one of its ends.
 */
export abstract class SharedEnds {
  /** Whether either end was dropped (spec: `dropped`). */
  dropped = false;
  /**
   * Why the ends were dropped, when not by a `drop`: the trap of the
   * instance that held one (the host's adapters report it to their readers).
   */
  failure: Error | undefined = undefined;
  #countedIn: HostHeldCounter | undefined = undefined;
  #hostOwned = false;

  /** Whether one end is (or may be) in the host's hands, as counted in a store. */
  get hostHeld(): boolean {
    return this.#countedIn !== undefined;
  }

  /**
   * Marks that an end is (or may be) in the host's hands, counted in
   * `counter`: it left a guest's handle table (without entering another
   * yet), or (`permanent`) a host adapter made it and keeps the other end.
   */
  markHostHeld(
    counter: HostHeldCounter | undefined,
    options: { readonly permanent?: boolean } = {},
  ): void {
    if (options.permanent) this.#hostOwned = true;
    if (counter === undefined || this.#countedIn !== undefined || this.dropped) return;
    this.#countedIn = counter;
    counter.hostHeld++;
  }

  /**
   * Marks that the end entered the handle table of a guest of `counter`
   * (when a host adapter keeps the other end, it is counted there instead).
   */
  markGuestHeld(counter: HostHeldCounter): void {
    if (this.#hostOwned) return this.markHostHeld(counter);
    this.#uncount();
  }

  #uncount(): void {
    if (this.#countedIn === undefined) return;
    this.#countedIn.hostHeld--;
    this.#countedIn = undefined;
  }

  /** Sets `dropped` and ends host tracking. */
  protected markDropped(): void {
    this.dropped = true;
    this.#uncount();
  }
}

/**
 * CanonicalABI.md § Stream State (`SharedStreamImpl`): the state both ends
 * of a stream share. At most one operation is pending at a time; the other
 * side's operation completes against it.
 */
export class SharedStream extends SharedEnds {
  /** The element type. */
  readonly t: ValType | undefined;
  #pendingInst: CopyParty = undefined;
  #pendingBuffer: ReadableBuffer | WritableBuffer | undefined = undefined;
  #pendingOnCopy: OnCopy | undefined = undefined;
  #pendingOnCopyDone: OnCopyDone | undefined = undefined;

  /** Creates the shared state of a `stream<t>`. */
  constructor(t: ValType | undefined) {
    super();
    this.t = t;
  }

  /** Whether an operation is pending (a buffer is waiting for the other side). */
  get hasPending(): boolean {
    return this.#pendingBuffer !== undefined;
  }

  /** Whether `buffer` is the one waiting for the other side. */
  isPending(buffer: ReadableBuffer | WritableBuffer): boolean {
    return this.#pendingBuffer === buffer;
  }

  #resetPending = (): void => {
    this.#setPending(undefined, undefined, undefined, undefined);
  };

  #setPending(
    inst: CopyParty,
    buffer: ReadableBuffer | WritableBuffer | undefined,
    onCopy: OnCopy | undefined,
    onCopyDone: OnCopyDone | undefined,
  ): void {
    this.#pendingInst = inst;
    this.#pendingBuffer = buffer;
    this.#pendingOnCopy = onCopy;
    this.#pendingOnCopyDone = onCopyDone;
  }

  #resetAndNotifyPending(result: CopyResult): void {
    const k = this.#pendingOnCopyDone;
    this.#resetPending();
    k?.(result);
  }

  /** CanonicalABI.md § Stream State (`cancel`): ends the pending operation as `CANCELLED`. */
  cancel(): void {
    this.#resetAndNotifyPending(CopyResult.CANCELLED);
  }

  /** CanonicalABI.md § Stream State (`drop`): a pending operation ends as `DROPPED`. */
  drop(): void {
    if (this.dropped) return;
    this.markDropped();
    if (this.#pendingBuffer !== undefined) this.#resetAndNotifyPending(CopyResult.DROPPED);
  }

  #checkSameInstance(inst: CopyParty): void {
    // CanonicalABI.md § Stream State: "temporary" limitation of same-instance copies.
    if (inst !== undefined && inst === this.#pendingInst && !noneOrNumberType(this.t)) {
      throw new Trap(SAME_INSTANCE);
    }
  }

  /** CanonicalABI.md § Stream State (`read`). */
  read(inst: CopyParty, dst: WritableBuffer, onCopy: OnCopy, onCopyDone: OnCopyDone): void {
    if (this.dropped) {
      onCopyDone(CopyResult.DROPPED);
    } else if (this.#pendingBuffer === undefined) {
      this.#setPending(inst, dst, onCopy, onCopyDone);
    } else {
      this.#checkSameInstance(inst);
      const src = this.#pendingBuffer as ReadableBuffer;
      if (src.remain() > 0) {
        if (dst.remain() > 0) {
          const n = Math.min(dst.remain(), src.remain());
          dst.write(src.read(n));
          this.#pendingOnCopy!(this.#resetPending);
        }
        onCopyDone(CopyResult.COMPLETED);
      } else {
        this.#resetAndNotifyPending(CopyResult.COMPLETED);
        this.#setPending(inst, dst, onCopy, onCopyDone);
      }
    }
  }

  /** CanonicalABI.md § Stream State (`write`). */
  write(inst: CopyParty, src: ReadableBuffer, onCopy: OnCopy, onCopyDone: OnCopyDone): void {
    if (this.dropped) {
      onCopyDone(CopyResult.DROPPED);
    } else if (this.#pendingBuffer === undefined) {
      this.#setPending(inst, src, onCopy, onCopyDone);
    } else {
      this.#checkSameInstance(inst);
      const dst = this.#pendingBuffer as WritableBuffer;
      if (dst.remain() > 0) {
        if (src.remain() > 0) {
          const n = Math.min(src.remain(), dst.remain());
          dst.write(src.read(n));
          this.#pendingOnCopy!(this.#resetPending);
        }
        onCopyDone(CopyResult.COMPLETED);
      } else if (src.isZeroLength() && dst.isZeroLength()) {
        onCopyDone(CopyResult.COMPLETED);
      } else {
        this.#resetAndNotifyPending(CopyResult.COMPLETED);
        this.#setPending(inst, src, onCopy, onCopyDone);
      }
    }
  }
}

/**
 * CanonicalABI.md § Future State (`SharedFutureImpl`): the state both ends of
 * a future share; one value is copied once.
 */
export class SharedFuture extends SharedEnds {
  /** The element type. */
  readonly t: ValType | undefined;
  #pendingInst: CopyParty = undefined;
  #pendingBuffer: ReadableBuffer | WritableBuffer | undefined = undefined;
  #pendingOnCopyDone: OnCopyDone | undefined = undefined;
  #pendingIsReader = false;

  /** Creates the shared state of a `future<t>`. */
  constructor(t: ValType | undefined) {
    super();
    this.t = t;
  }

  #setPending(
    inst: CopyParty,
    buffer: ReadableBuffer | WritableBuffer | undefined,
    onCopyDone: OnCopyDone | undefined,
    isReader: boolean,
  ): void {
    this.#pendingInst = inst;
    this.#pendingBuffer = buffer;
    this.#pendingOnCopyDone = onCopyDone;
    this.#pendingIsReader = isReader;
  }

  #resetAndNotifyPending(result: CopyResult): void {
    const k = this.#pendingOnCopyDone;
    this.#setPending(undefined, undefined, undefined, false);
    k?.(result);
  }

  /** CanonicalABI.md § Future State (`cancel`). */
  cancel(): void {
    this.#resetAndNotifyPending(CopyResult.CANCELLED);
  }

  /**
   * CanonicalABI.md § Future State (`drop`): a pending read ends as
   * `DROPPED` (only the host's writer can be dropped before writing; a
   * guest's writable end traps first).
   */
  drop(): void {
    if (this.dropped) return;
    this.markDropped();
    if (this.#pendingBuffer !== undefined) this.#resetAndNotifyPending(CopyResult.DROPPED);
  }

  #checkSameInstance(inst: CopyParty): void {
    if (inst !== undefined && inst === this.#pendingInst && !noneOrNumberType(this.t)) {
      throw new Trap(SAME_INSTANCE);
    }
  }

  /** CanonicalABI.md § Future State (`read`). */
  read(inst: CopyParty, dst: WritableBuffer, onCopyDone: OnCopyDone): void {
    if (this.dropped) {
      // Only reachable when the host dropped its writer without a value.
      onCopyDone(CopyResult.DROPPED);
    } else if (this.#pendingBuffer === undefined) {
      this.#setPending(inst, dst, onCopyDone, true);
    } else {
      this.#checkSameInstance(inst);
      dst.write((this.#pendingBuffer as ReadableBuffer).read(1));
      this.#resetAndNotifyPending(CopyResult.COMPLETED);
      onCopyDone(CopyResult.COMPLETED);
    }
  }

  /** CanonicalABI.md § Future State (`write`). */
  write(inst: CopyParty, src: ReadableBuffer, onCopyDone: OnCopyDone): void {
    if (this.dropped) {
      onCopyDone(CopyResult.DROPPED);
    } else if (this.#pendingBuffer === undefined) {
      this.#setPending(inst, src, onCopyDone, false);
    } else {
      this.#checkSameInstance(inst);
      (this.#pendingBuffer as WritableBuffer).write(src.read(1));
      this.#resetAndNotifyPending(CopyResult.COMPLETED);
      onCopyDone(CopyResult.COMPLETED);
    }
  }

  /** Whether a reader waits (for tests and adapters). */
  get readerPending(): boolean {
    return this.#pendingBuffer !== undefined && this.#pendingIsReader;
  }
}

/** CanonicalABI.md § Stream State (`CopyState`). */
export const CopyState = {
  IDLE: 1,
  COPYING: 2,
  CANCELLING_COPY: 3,
  DONE: 4,
} as const;

/** One of the {@linkcode CopyState} values. */
export type CopyState = typeof CopyState[keyof typeof CopyState];

/** CanonicalABI.md § Stream State (`CopyEnd`): one end of a stream or future in a handle table. */
export abstract class CopyEnd<S extends SharedStream | SharedFuture> extends Waitable {
  /** The end's copy state (spec: `state`). */
  state: CopyState = CopyState.IDLE;
  /** The shared state (spec: `shared`). */
  readonly shared: S;
  /**
   * Why the end is `DONE`: its future's value was copied, or the other end
   * was dropped (the spec does not distinguish; the trap messages do).
   */
  doneBecause: "copied" | "dropped" | undefined = undefined;
  /** The buffer of the copy in progress (set by the copy built-ins). */
  buffer: ReadableBuffer | WritableBuffer | undefined = undefined;

  /** Creates an end of `shared` whose waiters run in `store`. */
  constructor(store: Store, shared: S) {
    super(store);
    this.shared = shared;
  }

  /** What the end is, for messages (`readable stream end`, …). */
  abstract get endName(): string;

  /** CanonicalABI.md § Stream State (`copying`). */
  copying(): boolean {
    return this.state === CopyState.COPYING || this.state === CopyState.CANCELLING_COPY;
  }

  /** CanonicalABI.md § Stream State (`drop`): traps while a copy is in progress. */
  override drop(): void {
    if (this.copying()) {
      throw new Trap(`cannot drop a ${this.endName} while a copy is in progress`);
    }
    this.shared.drop();
    super.drop();
  }

  /**
   * The instance holding this end trapped: the other side sees its end
   * dropped (a copy in progress ends `DROPPED`) with the trap as the reason.
   */
  fail(trap: Error): void {
    this.shared.failure ??= trap;
    this.shared.drop();
  }
}

/** CanonicalABI.md § Stream State (`ReadableStreamEnd`). */
export class ReadableStreamEnd extends CopyEnd<SharedStream> {
  /** What the end is, for messages. */
  override get endName(): string {
    return "readable stream end";
  }

  /** Starts a read into `dst`. */
  copy(inst: CopyParty, dst: WritableBuffer, onCopy: OnCopy, onCopyDone: OnCopyDone): void {
    this.shared.read(inst, dst, onCopy, onCopyDone);
  }
}

/** CanonicalABI.md § Stream State (`WritableStreamEnd`). */
export class WritableStreamEnd extends CopyEnd<SharedStream> {
  /** What the end is, for messages. */
  override get endName(): string {
    return "writable stream end";
  }

  /** Starts a write from `src`. */
  copy(inst: CopyParty, src: ReadableBuffer, onCopy: OnCopy, onCopyDone: OnCopyDone): void {
    this.shared.write(inst, src, onCopy, onCopyDone);
  }
}

/** CanonicalABI.md § Future State (`ReadableFutureEnd`). */
export class ReadableFutureEnd extends CopyEnd<SharedFuture> {
  /** What the end is, for messages. */
  override get endName(): string {
    return "readable future end";
  }

  /** Starts a read into `dst`. */
  copy(inst: CopyParty, dst: WritableBuffer, onCopyDone: OnCopyDone): void {
    this.shared.read(inst, dst, onCopyDone);
  }
}

/** CanonicalABI.md § Future State (`WritableFutureEnd`): droppable only once done. */
export class WritableFutureEnd extends CopyEnd<SharedFuture> {
  /** What the end is, for messages. */
  override get endName(): string {
    return "writable future end";
  }

  /** Starts a write from `src`. */
  copy(inst: CopyParty, src: ReadableBuffer, onCopyDone: OnCopyDone): void {
    this.shared.write(inst, src, onCopyDone);
  }

  /** Traps unless the value was written (or the reader dropped). */
  override drop(): void {
    if (this.state !== CopyState.DONE) {
      throw new Trap("cannot drop a writable future end before a value was written to it");
    }
    super.drop();
  }
}
