/**
 * The scheduler: threads that wait until a condition holds, resumed by a
 * loop on JS microtasks (CanonicalABI.md § Threads, § Embedding API).
 *
 * The spec switches stacks; here a blocked thread is a continuation (a JS
 * function to call with the `Cancelled` flag). Callback-lifted tasks and host
 * subtasks never need more than that; a stackful thread (JSPI) blocks with
 * {@linkcode Thread.waitUntilAsync}, whose continuation resolves the Promise
 * its suspended wasm stack waits on.
 *
 * @module
 */
import { Trap } from "@weft/abi";
import type { HostHeldCounter } from "./streams.ts";
import type { Task } from "./task.ts";

/** The continuation of a blocked thread: called with `true` when it was cancelled. */
export type Continuation = (cancelled: boolean) => void;

/** Options of a {@linkcode Store}. */
export interface StoreOptions {
  /**
   * How many threads one scheduler turn resumes before it lets the JS event
   * loop run (timers, I/O) with a macrotask; default 256. Keeps a guest that
   * yields forever from starving the host.
   */
  readonly sliceSize?: number;
  /**
   * Called with a trap raised while the scheduler resumed a thread whose task
   * has no `onTrap` hook. Default: `reportError` (or rethrow where absent).
   */
  readonly onUnhandledTrap?: (trap: Trap) => void;
}

/**
 * Runs `k` in a later macrotask, after pending timers and I/O. A message on
 * a fresh `MessageChannel` takes tens of microseconds, where `setTimeout(k, 0)`
 * is clamped to milliseconds once timers nest; the channel is closed at once,
 * so it never keeps the process alive.
 */
function yieldToEventLoop(k: () => void): void {
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    channel.port1.close();
    k();
  };
  channel.port2.postMessage(null);
}

/**
 * CanonicalABI.md § Embedding API (`Store`): the threads waiting to run, and
 * the loop that resumes ready ones (`tick`). Resumption order is first in,
 * first out: the spec leaves it nondeterministic, FIFO keeps it fair and
 * reproducible.
 */
export class Store implements HostHeldCounter {
  /** The running thread (spec: `current_thread()`), `undefined` outside any task. */
  current: Thread | undefined = undefined;

  readonly #waiting = new Set<Thread>();
  readonly #sliceSize: number;
  readonly #onUnhandledTrap: ((trap: Trap) => void) | undefined;
  #scheduled = false;
  /** Scheduler turns since the last one run from a macrotask. */
  #ranSinceMacrotask = 0;
  /** Threads resumed whose code continues later, on a microtask (JSPI). */
  #inFlight = 0;
  /** Work the host does that may wake a thread (pending host function calls). */
  #external = 0;
  /** Threads of started tasks that have not ended (spec: the union of `inst.threads`). */
  readonly #live = new Set<Thread>();
  /** Counts notifications, so that a deadlock check sees whether anything happened. */
  #epoch = 0;
  #deadlockCheck = false;
  /** @internal Streams and futures of this store with an end the host holds. */
  hostHeld = 0;

  /** Creates a store. */
  constructor(options: StoreOptions = {}) {
    this.#sliceSize = options.sliceSize ?? 256;
    this.#onUnhandledTrap = options.onUnhandledTrap;
  }

  /** How many threads are waiting (blocked on a condition). */
  get waitingCount(): number {
    return this.#waiting.size;
  }

  /** @internal Registers a waiting thread. */
  addWaiting(thread: Thread): void {
    this.#waiting.add(thread);
    this.notify();
  }

  /** @internal Unregisters a waiting thread. */
  removeWaiting(thread: Thread): void {
    this.#waiting.delete(thread);
  }

  /** @internal A thread resumed with an asynchronous continuation starts running. */
  beginInFlight(): void {
    this.#inFlight++;
  }

  /** @internal That thread's code now runs. */
  endInFlight(): void {
    this.#inFlight--;
  }

  /** @internal The host started work that may wake a thread (an async host call). */
  holdExternal(): void {
    this.#external++;
  }

  /** @internal That work ended. */
  releaseExternal(): void {
    this.#external--;
    this.#epoch++;
    this.notify();
  }

  /** @internal A task registered a thread. */
  registerLive(thread: Thread): void {
    this.#live.add(thread);
  }

  /** @internal A task unregistered a thread. */
  unregisterLive(thread: Thread): void {
    this.#live.delete(thread);
    this.#epoch++;
  }

  /**
   * Something changed that may make a waiting thread ready: schedules a
   * scheduler turn on a microtask (once, however often it is called).
   */
  notify(): void {
    this.#epoch++;
    if (this.#scheduled || this.#waiting.size === 0) return;
    this.#scheduled = true;
    // A JSPI thread resumes on a microtask and its turn ends at once: count
    // turns too, so that a guest yielding forever still lets timers and I/O run.
    if (this.#ranSinceMacrotask < this.#sliceSize) queueMicrotask(this.#turn);
    else yieldToEventLoop(this.#macroTurn);
  }

  #macroTurn = (): void => {
    this.#ranSinceMacrotask = 0;
    this.#turn();
  };

  #turn = (): void => {
    this.#ranSinceMacrotask++;
    // Stays scheduled while it runs, so a notify from a resumed thread does
    // not queue a second turn.
    for (let n = 0; n < this.#sliceSize; n++) {
      if (!this.tick()) {
        this.#scheduled = false;
        this.#checkDeadlockSoon();
        return;
      }
    }
    // More work: let timers and I/O run first.
    yieldToEventLoop(this.#macroTurn);
  };

  /**
   * CanonicalABI.md § Embedding API (`Store.tick`): resumes one ready thread,
   * entering its instance from the host for the duration. Returns whether a
   * thread ran. Does nothing while a thread runs.
   */
  tick(): boolean {
    if (this.current !== undefined || this.#inFlight !== 0) return false;
    const thread = this.#pickReady();
    if (thread === undefined) return false;
    const inst = thread.task.inst.state;
    const entering = inst.enteringSet(undefined);
    for (const i of entering) i.mayEnter = false;
    try {
      thread.resume(false);
    } catch (e) {
      this.#trapped(thread, e);
    } finally {
      for (const i of entering) i.mayEnter = true;
    }
    return true;
  }

  /**
   * Runs scheduler turns synchronously until no thread is ready (for tests
   * and for synchronous callers); returns how many threads ran. Bounded by
   * `limit` (default 1,000,000) so a guest that yields forever cannot hang
   * the caller: past it, a `Trap` is thrown.
   */
  drain(limit = 1_000_000): number {
    let n = 0;
    while (this.tick()) {
      if (++n > limit) throw new Trap(`scheduler ran more than ${limit} threads without settling`);
    }
    return n;
  }

  /**
   * Whether no thread can make progress: threads wait, none is ready, none
   * runs or is about to resume, and the host has no work under way that
   * could wake one.
   */
  #stuck(): boolean {
    if (this.#waiting.size === 0 || this.current !== undefined || this.#inFlight !== 0) {
      return false;
    }
    if (this.#external !== 0 || this.hostHeld !== 0) return false;
    // A live thread that does not wait runs, or its stack is suspended by
    // JSPI in a host import: it may still make progress.
    for (const t of this.#live) if (!t.waiting) return false;
    for (const t of this.#waiting) {
      if (t.task.inst.state.poisoned !== undefined) return false;
      if (t.ready()) return false;
    }
    return true;
  }

  /**
   * When the store looks stuck, checks again after a macrotask (so that host
   * code reacting to what just happened gets to run): if nothing happened
   * meanwhile, every waiting task traps with a deadlock, as Wasmtime's event
   * loop does, rather than its caller waiting forever.
   */
  #checkDeadlockSoon(): void {
    if (this.#deadlockCheck || !this.#stuck()) return;
    this.#deadlockCheck = true;
    const epoch = this.#epoch;
    setTimeout(() => {
      this.#deadlockCheck = false;
      if (epoch !== this.#epoch || !this.#stuck()) return;
      const trap = new Trap(
        "deadlock: every task of the store waits and nothing can wake one",
      );
      for (const t of [...this.#waiting]) {
        this.#waiting.delete(t);
        this.#trapped(t, trap);
      }
    }, 0);
  }

  #pickReady(): Thread | undefined {
    for (const t of this.#waiting) {
      const poisoned = t.task.inst.state.poisoned;
      if (poisoned !== undefined) {
        // The instance trapped: its waiting tasks can never go on. End them
        // with the trap so that their callers do not wait forever.
        this.#waiting.delete(t);
        this.#trapped(t, poisoned);
        continue;
      }
      if (!t.task.inst.state.mayEnterFrom(undefined)) continue;
      if (t.ready()) return t;
    }
    return undefined;
  }

  #trapped(thread: Thread, e: unknown): void {
    const trap = thread.task.fail(e);
    if (trap === undefined) return;
    if (this.#onUnhandledTrap !== undefined) this.#onUnhandledTrap(trap);
    else if (typeof reportError === "function") reportError(trap);
    else throw trap;
  }
}

/**
 * CanonicalABI.md § Threads (`Thread`): a thread of a task. A thread is
 * running, suspended (blocked with no condition), or waiting (blocked until
 * `readyFunc` returns `true`).
 */
export class Thread {
  /** The task the thread belongs to. */
  readonly task: Task;
  /** The condition a waiting thread waits for (spec: `ready_func`). */
  readyFunc: (() => boolean) | undefined = undefined;
  /** Whether the blocked thread accepts cancellation (spec: `cancellable`). */
  cancellable = false;
  /** The thread's index in its instance's thread table (spec: `index`). */
  index: number | undefined = undefined;
  /** Thread-local storage for `context.get/set` (spec: `storage`). */
  readonly storage: (number | bigint)[] = [0, 0];
  #cont: Continuation | undefined;

  /** Creates a suspended thread that runs `threadFunc` when first resumed. */
  constructor(task: Task, threadFunc: () => void) {
    this.task = task;
    this.#cont = () => threadFunc();
  }

  /** Whether the thread runs (spec: `running`). */
  get running(): boolean {
    return this.#cont === undefined;
  }

  /** Whether the thread is blocked with no condition (spec: `suspended`). */
  get suspended(): boolean {
    return this.#cont !== undefined && this.readyFunc === undefined;
  }

  /** Whether the thread is blocked until a condition holds (spec: `waiting`). */
  get waiting(): boolean {
    return this.#cont !== undefined && this.readyFunc !== undefined;
  }

  /** Whether the thread waits and its condition holds (spec: `ready`). */
  ready(): boolean {
    return this.waiting && this.readyFunc!();
  }

  get #store(): Store {
    return this.task.inst.store;
  }

  #startWaiting(readyFunc: () => boolean): void {
    this.readyFunc = readyFunc;
    this.#store.addWaiting(this);
  }

  #stopWaiting(): void {
    this.readyFunc = undefined;
    this.#store.removeWaiting(this);
  }

  /** CanonicalABI.md § Threads (`resume_later`): a suspended thread becomes ready. */
  resumeLater(): void {
    if (!this.suspended) throw new Trap("cannot resume a thread that is not suspended");
    this.#startWaiting(() => true);
  }

  /**
   * CanonicalABI.md § Threads (`resume`): runs the thread's continuation
   * until it blocks again (or, for a JSPI thread, schedules it). The thread
   * is the store's current thread meanwhile.
   */
  resume(cancelled = false): void {
    if (this.running) throw new Trap("cannot resume a running thread");
    if (cancelled && !this.cancellable) {
      throw new Trap("cannot cancel a thread that is not cancellable");
    }
    if (this.waiting) this.#stopWaiting();
    const k = this.#cont!;
    this.#cont = undefined;
    const store = this.#store;
    const prev = store.current;
    store.current = this;
    try {
      k(cancelled);
    } finally {
      store.current = prev;
    }
  }

  #block(cancellable: boolean, k: Continuation): void {
    this.cancellable = cancellable;
    this.#cont = k;
  }

  /**
   * CanonicalABI.md § Threads (`suspend`): blocks with no condition until
   * resumed; `k` runs then. A pending cancellation is delivered at once.
   */
  suspend(cancellable: boolean, k: Continuation): void {
    if (this.task.deliverPendingCancel(cancellable)) return k(true);
    this.#block(cancellable, k);
  }

  /**
   * CanonicalABI.md § Threads (`wait_until`): blocks until `readyFunc`
   * holds, then runs `k(false)`; a cancellation runs `k(true)`. The thread
   * always blocks (even when the condition holds already) so that other
   * ready threads get their turn first; the spec allows both.
   */
  waitUntil(readyFunc: () => boolean, cancellable: boolean, k: Continuation): void {
    if (this.task.deliverPendingCancel(cancellable)) return k(true);
    this.#startWaiting(readyFunc);
    this.#block(cancellable, k);
  }

  /** CanonicalABI.md § Threads (`yield_`): lets every other ready thread run first. */
  yield(cancellable: boolean, k: Continuation): void {
    this.waitUntil(() => true, cancellable, k);
  }

  /**
   * `waitUntil` for a thread whose stack is suspended by JSPI: returns
   * `true`/`false` (cancelled) at once when a pending cancellation is
   * delivered, else a Promise of it that the suspended wasm awaits. The
   * thread stops being current while it waits and becomes current again just
   * before its wasm resumes.
   */
  waitUntilAsync(
    readyFunc: () => boolean,
    cancellable: boolean,
    options: { readonly releaseExclusive?: boolean } = {},
  ): boolean | Promise<boolean> {
    if (this.task.deliverPendingCancel(cancellable)) return true;
    const store = this.#store;
    // `releaseExclusive`: a callback lift blocked in a synchronous stream or
    // future copy lets other tasks of the instance run meanwhile (the spec's
    // and Wasmtime's tests expect it; a blocking lowered call keeps the lock),
    // then takes the exclusive lock back before it resumes.
    const inst = this.task.inst;
    const holdsLock = options.releaseExclusive === true && inst.exclusiveThread === this &&
      this.task.opts.mode === "callback";
    if (holdsLock) inst.exclusiveThread = undefined;
    const ready = holdsLock ? () => inst.exclusiveThread === undefined && readyFunc() : readyFunc;
    return new Promise<boolean>((resolve) => {
      this.#startWaiting(ready);
      this.#block(cancellable, (cancelled) => {
        if (holdsLock && inst.exclusiveThread === undefined) inst.exclusiveThread = this;
        store.beginInFlight();
        resolve(cancelled);
      });
      if (store.current === this) store.current = undefined;
    }).then((cancelled) => {
      store.endInFlight();
      store.current = this;
      return cancelled;
    });
  }

  /**
   * A JSPI thread's code ended (returned or threw): it stops being current,
   * and the scheduler may run other threads.
   */
  leaveAsync(): void {
    const store = this.#store;
    if (store.current === this) store.current = undefined;
    store.notify();
  }
}
