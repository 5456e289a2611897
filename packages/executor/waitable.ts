/**
 * Waitables and waitable sets (CanonicalABI.md § Waitable State).
 *
 * @module
 */
import { Trap } from "@weft/abi";
import { EventCode, type EventTuple } from "./codes.ts";
import type { Store, Thread } from "./store.ts";

/**
 * CanonicalABI.md § Waitable State (`Waitable`): something a thread can wait
 * on (a subtask, or a stream or future end). Its pending event is computed
 * when delivered, so a later call of `setPendingEvent` replaces an earlier
 * one that was not delivered yet.
 */
export class Waitable {
  /** The store whose threads wait on this waitable. */
  readonly store: Store;
  /** The set the waitable is in (spec: `wset`). */
  wset: WaitableSet | undefined = undefined;
  /** Whether a thread waits on this waitable alone (spec: `has_sync_waiter`). */
  hasSyncWaiter = false;
  #pendingEvent: (() => EventTuple) | undefined = undefined;

  /** Creates a waitable whose waiters run in `store`. */
  constructor(store: Store) {
    this.store = store;
  }

  /** CanonicalABI.md § Waitable State (`set_pending_event`). */
  setPendingEvent(pendingEvent: () => EventTuple): void {
    this.#pendingEvent = pendingEvent;
    this.store.notify();
  }

  /** CanonicalABI.md § Waitable State (`has_pending_event`). */
  hasPendingEvent(): boolean {
    return this.#pendingEvent !== undefined;
  }

  /** CanonicalABI.md § Waitable State (`in_waitable_set`). */
  inWaitableSet(): boolean {
    return this.wset !== undefined;
  }

  /**
   * CanonicalABI.md § Waitable State (`wait_for_pending_event`): blocks
   * `thread` (not cancellable) until this waitable has an event, then runs `k`.
   */
  waitForPendingEvent(thread: Thread, k: () => void): void {
    this.hasSyncWaiter = true;
    thread.waitUntil(() => this.hasPendingEvent(), false, () => {
      this.hasSyncWaiter = false;
      k();
    });
  }

  /**
   * `waitForPendingEvent` for a thread suspended by JSPI (`releaseExclusive`:
   * see `Thread.waitUntilAsync`).
   */
  async waitForPendingEventAsync(
    thread: Thread,
    options: { readonly releaseExclusive?: boolean } = {},
  ): Promise<void> {
    this.hasSyncWaiter = true;
    try {
      await thread.waitUntilAsync(() => this.hasPendingEvent(), false, options);
    } finally {
      this.hasSyncWaiter = false;
    }
  }

  /** CanonicalABI.md § Waitable State (`get_pending_event`): takes and computes the event. */
  getPendingEvent(): EventTuple {
    const pending = this.#pendingEvent;
    if (pending === undefined) throw new Trap("no pending event");
    this.#pendingEvent = undefined;
    return pending();
  }

  /** CanonicalABI.md § Waitable State (`join`): moves into `wset`, or out of any set. */
  join(wset: WaitableSet | undefined): void {
    if (this.wset !== undefined) this.wset.remove(this);
    this.wset = wset;
    if (wset !== undefined) {
      wset.elems.push(this);
      if (this.hasPendingEvent()) this.store.notify();
    }
  }

  /** CanonicalABI.md § Waitable State (`drop`): leaves its set. */
  drop(): void {
    this.join(undefined);
  }
}

/**
 * CanonicalABI.md § Waitable State (`WaitableSet`): waitables a thread waits
 * on together. Events are delivered round-robin over the members, so one
 * busy waitable cannot starve the others (the spec picks at random).
 */
export class WaitableSet {
  /** The members (spec: `elems`). */
  readonly elems: Waitable[] = [];
  /** Threads waiting on the set (spec: `num_waiting`). */
  numWaiting = 0;

  /** @internal Removes a member. */
  remove(w: Waitable): void {
    const i = this.elems.indexOf(w);
    if (i >= 0) this.elems.splice(i, 1);
  }

  /** CanonicalABI.md § Waitable State (`has_pending_event`). */
  hasPendingEvent(): boolean {
    for (const w of this.elems) if (w.hasPendingEvent()) return true;
    return false;
  }

  /** CanonicalABI.md § Waitable State (`get_pending_event`). */
  getPendingEvent(): EventTuple {
    const elems = this.elems;
    for (let i = 0; i < elems.length; i++) {
      const w = elems[i]!;
      if (w.hasPendingEvent()) {
        // Move it to the back: the next delivery prefers the others.
        elems.splice(i, 1);
        elems.push(w);
        return w.getPendingEvent();
      }
    }
    throw new Trap("no pending event in the waitable set");
  }

  /**
   * CanonicalABI.md § Waitable State (`wait_for_event_and`): blocks `thread`
   * until `readyFunc` holds and a member has an event; `k` gets the event,
   * or `TASK_CANCELLED` when the wait was cancelled.
   */
  waitForEventAnd(
    thread: Thread,
    readyFunc: () => boolean,
    cancellable: boolean,
    k: (event: EventTuple) => void,
  ): void {
    this.numWaiting++;
    thread.waitUntil(() => readyFunc() && this.hasPendingEvent(), cancellable, (cancelled) => {
      const event: EventTuple = cancelled
        ? [EventCode.TASK_CANCELLED, 0, 0]
        : this.getPendingEvent();
      this.numWaiting--;
      k(event);
    });
  }

  /** CanonicalABI.md § Waitable State (`wait_for_event`). */
  waitForEvent(thread: Thread, cancellable: boolean, k: (event: EventTuple) => void): void {
    this.waitForEventAnd(thread, () => true, cancellable, k);
  }

  /** `waitForEvent` for a thread suspended by JSPI. */
  async waitForEventAsync(thread: Thread, cancellable: boolean): Promise<EventTuple> {
    this.numWaiting++;
    try {
      const cancelled = await thread.waitUntilAsync(() => this.hasPendingEvent(), cancellable);
      return cancelled ? [EventCode.TASK_CANCELLED, 0, 0] : this.getPendingEvent();
    } finally {
      this.numWaiting--;
    }
  }

  /** CanonicalABI.md § Waitable State (`poll`): the next event, or `NONE`, without blocking. */
  poll(thread: Thread, cancellable: boolean): EventTuple {
    if (thread.task.deliverPendingCancel(cancellable)) return [EventCode.TASK_CANCELLED, 0, 0];
    if (!this.hasPendingEvent()) return [EventCode.NONE, 0, 0];
    return this.getPendingEvent();
  }

  /** CanonicalABI.md § Waitable State (`drop`): traps while it has members or waiters. */
  drop(): void {
    if (this.elems.length > 0) throw new Trap("cannot drop a waitable set that still has members");
    if (this.numWaiting > 0) throw new Trap("cannot drop a waitable set with waiters");
  }
}
