/**
 * The async state of a component instance (CanonicalABI.md § Component
 * Instances), composed with the synchronous `ComponentInstanceState` of
 * `@weft/abi`.
 *
 * @module
 */
import { type ComponentInstanceState, HandleTable, Trap } from "@weft/abi";
import { Store } from "./store.ts";
import type { Thread } from "./store.ts";

/** Options of {@linkcode AsyncInstanceState}. */
export interface AsyncInstanceOptions {
  /** The store (scheduler) the instance runs in; default: a store of its own. */
  readonly store?: Store;
}

/**
 * The async parts of the spec's `ComponentInstance`: `threads`,
 * `backpressure`, `num_waiting_to_enter` and `exclusive_thread`. The handle
 * table, `may_leave`, `may_enter` and poisoning stay on the synchronous
 * {@linkcode ComponentInstanceState} (`state`); waitables, waitable sets and
 * error contexts live in its `handles` table beside resource handles, as the
 * spec has it.
 */
export class AsyncInstanceState {
  /** The synchronous state: handle table, `mayLeave`, `mayEnter`, poisoning. */
  readonly state: ComponentInstanceState;
  /** The store (scheduler) the instance runs in. */
  readonly store: Store;
  /** The instance's threads (spec: `inst.threads`). */
  readonly threads: HandleTable<Thread> = new HandleTable<Thread>();
  /** The backpressure counter (spec: `backpressure`), 0 ≤ n < 2^16. */
  backpressure = 0;
  /** Tasks waiting to enter because of backpressure (spec: `num_waiting_to_enter`). */
  numWaitingToEnter = 0;
  #exclusiveThread: Thread | undefined = undefined;

  /** Creates the async state of `state`. */
  constructor(state: ComponentInstanceState, options: AsyncInstanceOptions = {}) {
    this.state = state;
    this.store = options.store ?? new Store();
    // A trapped instance writes and reads no more: the other ends of its
    // streams and futures (say, a host's ReadableStream) must not wait forever.
    state.onPoison((trap) => {
      for (const e of this.handles) {
        const end = e as { fail?: unknown };
        if (typeof end.fail === "function") (end as { fail(t: Error): void }).fail(trap);
      }
      this.store.notify();
    });
  }

  /** The handle table (spec: `inst.handles`), shared with resources. */
  get handles(): HandleTable {
    return this.state.handles;
  }

  /**
   * The thread holding the instance's exclusive lock, which sync-lifted and
   * callback-lifted tasks need while their core code runs (spec:
   * `exclusive_thread`).
   */
  get exclusiveThread(): Thread | undefined {
    return this.#exclusiveThread;
  }

  set exclusiveThread(thread: Thread | undefined) {
    this.#exclusiveThread = thread;
    // Releasing the lock can make a waiting task ready.
    if (thread === undefined) this.store.notify();
  }

  /** Throws the instance's first trap if it trapped (every built-in checks this first). */
  throwIfPoisoned(): void {
    const p = this.state.poisoned;
    if (p !== undefined) throw p;
  }

  /** Traps unless the instance may call out (spec: `trap_if(not inst.may_leave)`). */
  checkMayLeave(): void {
    if (!this.state.mayLeave) throw new Trap("cannot leave component instance");
  }
}

const byState = new WeakMap<ComponentInstanceState, AsyncInstanceState>();

/**
 * The async state of `state`, created on first use (in `options.store`, or a
 * store of its own). One per instance, so every trampoline of an instance
 * finds the same one.
 */
export function asyncStateOf(
  state: ComponentInstanceState,
  options: AsyncInstanceOptions = {},
): AsyncInstanceState {
  let a = byState.get(state);
  if (a === undefined) {
    a = new AsyncInstanceState(state, options);
    byState.set(state, a);
  }
  return a;
}

/** Converts any failure into a `Trap` (a `Trap` as it is). */
export function toTrap(e: unknown): Trap {
  if (e instanceof Trap) return e;
  return new Trap(e instanceof Error ? e.message : String(e), { cause: e });
}

/**
 * Runs a built-in of `inst`: a poisoned instance rethrows its first trap, and
 * a trap thrown into the guest poisons the instance first, so that guest code
 * catching it cannot carry on (as `@weft/abi`'s built-ins do).
 */
export function guard<T>(inst: AsyncInstanceState, body: () => T): T {
  inst.throwIfPoisoned();
  try {
    return body();
  } catch (e) {
    inst.state.poison(toTrap(e));
    throw inst.state.poisoned;
  }
}
