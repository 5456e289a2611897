/**
 * Tasks: one call of a lifted function (CanonicalABI.md § Tasks).
 *
 * @module
 */
import { Trap, type ValType } from "@weft/abi";
import { type AsyncInstanceState, toTrap } from "./instance.ts";
import type { Thread } from "./store.ts";

/** How a function was lifted: no `async` option, `async` without `callback` (🚟), or with one. */
export type LiftMode = "sync" | "stackful" | "callback";

/** CanonicalABI.md § Tasks (`Task.State`). */
export const TaskState = {
  INITIAL: 1,
  STARTED: 2,
  PENDING_CANCEL: 3,
  CANCEL_DELIVERED: 4,
  RESOLVED: 5,
} as const;

/** One of the {@linkcode TaskState} values. */
export type TaskState = typeof TaskState[keyof typeof TaskState];

/** CanonicalABI.md § Tasks (`OnStart`): gives the callee its arguments. */
export type OnStart = () => unknown[];
/** CanonicalABI.md § Tasks (`OnResolve`): the result values, or `undefined` when cancelled. */
export type OnResolve = (result: unknown[] | undefined) => void;
/** CanonicalABI.md § Tasks (`OnCancel`): requests cancellation on behalf of `caller`. */
export type OnCancel = (caller: AsyncInstanceState | undefined) => void;
/**
 * CanonicalABI.md § Tasks (`FuncInst`): a component function in the spec's
 * calling convention, whoever implements it (a lifted guest function or an
 * async host function). `caller` is the calling instance (`undefined` for
 * the host). `onTrap`, a Weft addition, hears of a trap that ends the call
 * after the function returned (while it ran on the scheduler).
 */
export type FuncInst = (
  onStart: OnStart,
  onResolve: OnResolve,
  caller: AsyncInstanceState | undefined,
  onTrap?: (trap: Trap) => void,
) => OnCancel;

/** What a {@linkcode Task} needs to know of its function and canonical options. */
export interface TaskOptions {
  /** Whether the function type is `async` (spec: `ft.async_`). */
  readonly async: boolean;
  /** How it was lifted (spec: `opts.async_`, `opts.callback`). */
  readonly mode: LiftMode;
  /**
   * The lift's canonical options as the embedder knows them, compared by
   * `task.return` (spec: `LiftOptions.equal`: same string encoding, same memory).
   */
  readonly liftOptions?: { readonly stringEncoding?: string; readonly memory?: unknown };
  /** The function's result type, which `task.return` must match. */
  readonly resultType?: ValType | undefined;
  /** Hears of a trap that ends the task (see {@linkcode Task.fail}). */
  readonly onTrap?: (trap: Trap) => void;
}

/**
 * CanonicalABI.md § Tasks (`Task`): the state of one call of a lifted
 * function. Also the borrow scope of its lowered arguments (`numBorrows`).
 */
export class Task {
  /** The instance the task runs in. */
  readonly inst: AsyncInstanceState;
  /** The function's options. */
  readonly opts: TaskOptions;
  /** The task's state (spec: `state`). */
  state: TaskState = TaskState.INITIAL;
  /** Borrow handles lent to this call and not yet dropped (spec: `num_borrows`). */
  numBorrows = 0;
  /**
   * Whether the core function was entered with JSPI (`WebAssembly.promising`)
   * and ends on a later microtask: a sync caller cannot wait for it in place.
   */
  inFlight = false;
  /** The task that called this one, when a guest called (for the reentrance check). */
  callerTask: Task | undefined = undefined;
  /** The thread that runs the lifted core function (spec: `implicit_thread`). */
  implicitThread: Thread | undefined = undefined;
  /** The task's live threads (spec: `threads`). */
  readonly threads: Thread[] = [];
  readonly #onStart: OnStart;
  readonly #onResolve: OnResolve;
  readonly #onTrap: ((trap: Trap) => void) | undefined;
  #failed = false;

  /** Creates a task in state `INITIAL`. */
  constructor(
    inst: AsyncInstanceState,
    opts: TaskOptions,
    hooks: {
      readonly onStart: OnStart;
      readonly onResolve: OnResolve;
      /** Overrides `opts.onTrap` (so that `opts` can be shared by every call). */
      readonly onTrap?: ((trap: Trap) => void) | undefined;
    },
  ) {
    this.inst = inst;
    this.opts = opts;
    this.#onStart = hooks.onStart;
    this.#onResolve = hooks.onResolve;
    this.#onTrap = hooks.onTrap ?? opts.onTrap;
  }

  /** CanonicalABI.md § Tasks (`needs_exclusive`): sync and callback lifts hold the lock. */
  needsExclusive(): boolean {
    return this.opts.mode !== "stackful";
  }

  #hasBackpressure(): boolean {
    const inst = this.inst;
    return inst.backpressure > 0 || (this.needsExclusive() && inst.exclusiveThread !== undefined);
  }

  /**
   * CanonicalABI.md § Tasks (`enter_implicit_thread`): called on the
   * implicit thread before the callee runs. An async function waits
   * (cancellably) while the instance has backpressure, or while others wait
   * to enter; then a sync or callback lift takes the exclusive lock. `k`
   * gets `false` when the task was cancelled while waiting (it is resolved
   * then, and the callee must not run).
   */
  enterImplicitThread(thread: Thread, k: (entered: boolean) => void): void {
    if (this.state !== TaskState.INITIAL) throw new Trap("task entered twice");
    this.implicitThread = thread;
    const inst = this.inst;
    const enter = (): void => {
      if (this.opts.async && this.needsExclusive()) inst.exclusiveThread = thread;
      this.registerThread(thread);
      k(true);
    };
    if (this.opts.async && (this.#hasBackpressure() || inst.numWaitingToEnter > 0)) {
      inst.numWaitingToEnter++;
      thread.waitUntil(() => !this.#hasBackpressure(), true, (cancelled) => {
        inst.numWaitingToEnter--;
        if (cancelled) {
          this.cancel();
          k(false);
          return;
        }
        enter();
      });
      return;
    }
    enter();
  }

  /** CanonicalABI.md § Tasks (`register_thread`). */
  registerThread(thread: Thread): void {
    this.threads.push(thread);
    thread.index = this.inst.threads.add(thread);
    this.inst.store.registerLive(thread);
  }

  /** CanonicalABI.md § Tasks (`exit_implicit_thread`): releases the exclusive lock. */
  exitImplicitThread(): void {
    const thread = this.implicitThread!;
    this.unregisterThread(thread);
    if (this.opts.async && this.needsExclusive() && this.inst.exclusiveThread === thread) {
      this.inst.exclusiveThread = undefined;
    }
  }

  /**
   * CanonicalABI.md § Tasks (`unregister_thread`): traps when the last
   * thread ends before the task returned or was cancelled.
   */
  unregisterThread(thread: Thread): void {
    const i = this.threads.indexOf(thread);
    if (i >= 0) this.threads.splice(i, 1);
    this.inst.store.unregisterLive(thread);
    if (thread.index !== undefined) {
      this.inst.threads.remove(thread.index);
      thread.index = undefined;
    }
    if (this.threads.length === 0 && this.state !== TaskState.RESOLVED) {
      throw new Trap("async-lifted export failed to produce a result");
    }
  }

  /**
   * CanonicalABI.md § Tasks (`request_cancellation`): a task still waiting to
   * start is cancelled at once; a started one gets `TASK_CANCELLED` delivered
   * to a cancellable blocked thread now, or at its next cancellable wait.
   */
  requestCancellation(caller: AsyncInstanceState | undefined): void {
    if (this.state === TaskState.RESOLVED) return;
    if (this.state === TaskState.INITIAL) {
      // The implicit thread waits (cancellably) to enter: the task never starts.
      this.state = TaskState.CANCEL_DELIVERED;
      this.implicitThread!.resume(true);
      return;
    }
    if (this.state !== TaskState.STARTED) return;
    const inst = this.inst;
    let candidates = this.threads.filter((t) => !t.running && t.cancellable);
    if (
      this.needsExclusive() && inst.exclusiveThread !== undefined &&
      inst.exclusiveThread !== this.implicitThread
    ) {
      candidates = candidates.filter((t) => t !== this.implicitThread);
    }
    const target = candidates[0];
    if (target !== undefined && inst.state.mayEnterFrom(caller?.state)) {
      this.state = TaskState.CANCEL_DELIVERED;
      const entering = inst.state.enteringSet(caller?.state);
      for (const e of entering) e.mayEnter = false;
      try {
        target.resume(true);
      } catch (e) {
        this.fail(e);
        throw this.inst.state.poisoned;
      } finally {
        for (const e of entering) e.mayEnter = true;
      }
    } else {
      this.state = TaskState.PENDING_CANCEL;
    }
  }

  /** CanonicalABI.md § Tasks (`deliver_pending_cancel`). */
  deliverPendingCancel(cancellable: boolean): boolean {
    if (cancellable && this.state === TaskState.PENDING_CANCEL) {
      this.state = TaskState.CANCEL_DELIVERED;
      return true;
    }
    return false;
  }

  /** CanonicalABI.md § Tasks (`start`): takes the arguments from the caller. */
  start(): unknown[] {
    this.state = TaskState.STARTED;
    return this.#onStart();
  }

  /**
   * CanonicalABI.md § Tasks (`return_`): delivers the result; traps when the
   * task resolved already or still holds borrows.
   */
  return(result: unknown[]): void {
    if (this.state === TaskState.RESOLVED) {
      throw new Trap("task.return called more than once (the task has already returned)");
    }
    if (this.numBorrows > 0) throw new Trap("borrow handles still remain at the end of the call");
    this.state = TaskState.RESOLVED;
    this.#onResolve(result);
  }

  /**
   * CanonicalABI.md § Tasks (`cancel`): resolves without a result; traps
   * unless cancellation was delivered to the task.
   */
  cancel(): void {
    if (this.state !== TaskState.CANCEL_DELIVERED) {
      throw new Trap("task.cancel called when cancellation was not delivered to the task");
    }
    if (this.numBorrows > 0) throw new Trap("borrow handles still remain at the end of the call");
    this.state = TaskState.RESOLVED;
    this.#onResolve(undefined);
  }

  /**
   * A trap ended the task: poisons the instance, tells `opts.onTrap`, and
   * returns the trap when no one was told (for the scheduler to report).
   */
  fail(e: unknown): Trap | undefined {
    this.inst.state.poison(toTrap(e));
    const trap = this.inst.state.poisoned!;
    // Other tasks of the instance waiting on the scheduler are ended too.
    this.inst.store.notify();
    if (this.#failed) return undefined;
    this.#failed = true;
    if (this.#onTrap === undefined) return trap;
    this.#onTrap(trap);
    return undefined;
  }
}
