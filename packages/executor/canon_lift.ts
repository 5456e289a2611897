/**
 * `canon lift` for async functions and async canonical options
 * (CanonicalABI.md § `canon lift`): the implicit thread of each call, the
 * callback event loop, backpressure and the exclusive lock.
 *
 * @module
 */
import { type CoreValue, InstancePoisonedError, Trap, type ValType } from "@weft/abi";
import { CallbackCode, EventCode, type EventTuple, unpackCallbackResult } from "./codes.ts";
import type { AsyncInstanceState } from "./instance.ts";
import { Thread } from "./store.ts";
import { type FuncInst, type LiftMode, Task, type TaskOptions, TaskState } from "./task.ts";
import { WaitableSet } from "./waitable.ts";

/** What {@linkcode canonLift} needs of a lifted function. */
export interface LiftDefinition {
  /** The instance that owns the core function. */
  readonly instance: AsyncInstanceState;
  /** Whether the function type is `async`. */
  readonly async: boolean;
  /** How it was lifted: no `async` option, `async` (stackful), or `async` with `callback`. */
  readonly mode: LiftMode;
  /**
   * The core function. `sync`: returns its flat results. `callback`: returns
   * the packed callback code (an i32). `stackful`: returns nothing, or a
   * Promise when wrapped with `WebAssembly.promising` (JSPI).
   */
  readonly callee: (flatArgs: CoreValue[]) => unknown;
  /** The `callback` function (mode `callback`): `(event, p1, p2) => packed`. */
  readonly callback?: (event: number, p1: number, p2: number) => number | PromiseLike<number>;
  /** The `post-return` function (mode `sync`). */
  readonly postReturn?: (flatResults: unknown) => void;
  /**
   * Lowers the arguments into the callee (spec: `lower_flat_values` with
   * `MAX_FLAT_PARAMS`); `task` is the borrow scope.
   */
  readonly lowerParams: (task: Task, args: unknown[]) => CoreValue[];
  /** Lifts the core results (mode `sync`; spec: `lift_flat_values` with `MAX_FLAT_RESULTS`). */
  readonly liftResults?: (task: Task, flatResults: unknown) => unknown[];
  /** The lift's string encoding and memory, which `task.return` must match. */
  readonly liftOptions?: { readonly stringEncoding?: string; readonly memory?: unknown };
  /** The function's result type (`task.return` must name the same). */
  readonly resultType?: ValType | undefined;
  /** The function's name, for messages. */
  readonly name?: string;
}

/**
 * CanonicalABI.md § Embedding API (`Store.lift`) and § `canon lift`: the
 * function as a {@linkcode FuncInst}. A call checks that the instance may be
 * entered, creates the task and its implicit thread and runs it until it
 * blocks; the rest runs on the store's scheduler. A sync function type
 * (`async: false`) with async options runs the instance's threads until the
 * task resolved (trapping on deadlock), as the spec says.
 */
export function canonLift(def: LiftDefinition): FuncInst {
  const inst = def.instance;
  const name = def.name ?? "function";
  // The same for every call: made once.
  const taskOptions: TaskOptions = {
    async: def.async,
    mode: def.mode,
    resultType: def.resultType,
    ...(def.liftOptions !== undefined ? { liftOptions: def.liftOptions } : {}),
  };
  return (onStart, onResolve, caller, onTrap) => {
    if (inst.state.poisoned !== undefined) {
      if (caller === undefined) {
        throw new InstancePoisonedError(
          `Cannot call "${name}": the instance trapped before (${inst.state.poisoned.message})`,
          { cause: inst.state.poisoned },
        );
      }
      throw inst.state.poisoned;
    }
    // The calling task, when a guest calls (its thread is current meanwhile).
    const callerTask = caller === undefined ? undefined : inst.store.current?.task;
    if (
      inst.state.starting || !inst.state.mayEnterFrom(caller?.state) ||
      reentersCallChain(inst, callerTask)
    ) {
      throw new Trap("cannot enter component instance");
    }
    const task = new Task(inst, taskOptions, { onStart, onResolve, onTrap });
    task.callerTask = callerTask;
    const thread = new Thread(task, () => threadFunc(def, task, thread));
    const entering = inst.state.enteringSet(caller?.state);
    for (const e of entering) e.mayEnter = false;
    try {
      thread.resume(false);
      if (!def.async && !task.inFlight) runUntilResolved(task);
    } catch (e) {
      // The caller hears of the trap by this throw; the task is over.
      task.fail(e);
      throw inst.state.poisoned;
    } finally {
      for (const e of entering) e.mayEnter = true;
    }
    return (c) => task.requestCancellation(c);
  };
}

/**
 * Whether a task of `inst` is on the (async) call chain that leads to this
 * call: the spec's `may_enter_from` lets a child call into its parent, but
 * its `trap-on-reenter` test (and Wasmtime) trap when a task of that parent
 * is itself waiting on the call chain.
 */
function reentersCallChain(inst: AsyncInstanceState, callerTask: Task | undefined): boolean {
  for (let t = callerTask; t !== undefined; t = t.callerTask) if (t.inst === inst) return true;
  return false;
}

/** The body of the implicit thread (CanonicalABI.md § `canon lift`, `thread_func`). */
function threadFunc(def: LiftDefinition, task: Task, thread: Thread): void {
  task.enterImplicitThread(thread, (entered) => {
    if (!entered) return;
    const inst = def.instance;
    const args = task.start();
    const flatArgs = def.lowerParams(task, args);
    switch (def.mode) {
      case "sync": {
        const finish = (flatResults: unknown): void => {
          inst.throwIfPoisoned();
          task.return(def.liftResults!(task, flatResults));
          if (def.postReturn !== undefined) {
            inst.state.mayLeave = false;
            try {
              def.postReturn(flatResults);
            } finally {
              inst.state.mayLeave = true;
            }
            inst.throwIfPoisoned();
          }
          task.exitImplicitThread();
        };
        const r = def.callee(flatArgs);
        if (isThenable(r)) {
          // JSPI (`WebAssembly.promising`): the core function ends on a later microtask.
          task.inFlight = true;
          settleAsync(task, thread, r, finish);
          return;
        }
        finish(r);
        return;
      }
      case "stackful": {
        const r = def.callee(flatArgs);
        if (isThenable(r)) {
          // JSPI: the core function suspended; it ends on a later microtask.
          r.then(() => {
            try {
              inst.throwIfPoisoned();
              task.exitImplicitThread();
            } catch (e) {
              reportTrap(task, e);
            } finally {
              thread.leaveAsync();
            }
          }, (e) => {
            thread.leaveAsync();
            reportTrap(task, e);
          });
          return;
        }
        inst.throwIfPoisoned();
        task.exitImplicitThread();
        return;
      }
      case "callback": {
        const r = def.callee(flatArgs);
        if (isThenable(r)) {
          task.inFlight = true;
          settleAsync(task, thread, r, (packed) => {
            inst.throwIfPoisoned();
            callbackLoop(def, task, thread, Number(packed));
          });
          return;
        }
        inst.throwIfPoisoned();
        callbackLoop(def, task, thread, Number(r));
        return;
      }
    }
  });
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === "object" && v !== null &&
    typeof (v as { then?: unknown }).then === "function";
}

/**
 * Continues a JSPI thread once its core function (entered with
 * `WebAssembly.promising`) returned: the thread is current while `k` runs.
 */
function settleAsync(
  task: Task,
  thread: Thread,
  r: PromiseLike<unknown>,
  k: (value: unknown) => void,
): void {
  const store = task.inst.store;
  r.then((v) => {
    const prev = store.current;
    store.current = thread;
    try {
      k(v);
    } catch (e) {
      reportTrap(task, e);
    } finally {
      store.current = prev === thread ? undefined : prev;
      thread.leaveAsync();
    }
  }, (e) => {
    thread.leaveAsync();
    reportTrap(task, e);
  });
}

function reportTrap(task: Task, e: unknown): void {
  const trap = task.fail(e);
  if (trap !== undefined && typeof reportError === "function") reportError(trap);
}

/**
 * CanonicalABI.md § `canon lift`: the event loop of a callback-lifted task.
 * Between callbacks the task releases the exclusive lock, so other tasks of
 * the instance run; `YIELD` and `WAIT` are cancellable.
 */
function callbackLoop(def: LiftDefinition, task: Task, thread: Thread, packed: number): void {
  const inst = def.instance;
  const callback = def.callback!;
  const [code, si] = unpackCallbackResult(packed);
  if (code === CallbackCode.EXIT) {
    task.exitImplicitThread();
    return;
  }
  inst.exclusiveThread = undefined;
  const onEvent = (event: EventTuple): void => {
    inst.exclusiveThread = thread;
    const next = callback(event[0], event[1], event[2]);
    if (isThenable(next)) {
      settleAsync(task, thread, next, (packed) => {
        inst.throwIfPoisoned();
        callbackLoop(def, task, thread, Number(packed));
      });
      return;
    }
    inst.throwIfPoisoned();
    callbackLoop(def, task, thread, Number(next));
  };
  const unlocked = (): boolean => inst.exclusiveThread === undefined;
  if (code === CallbackCode.YIELD) {
    thread.waitUntil(unlocked, true, (cancelled) => {
      onEvent(cancelled ? [EventCode.TASK_CANCELLED, 0, 0] : [EventCode.NONE, 0, 0]);
    });
    return;
  }
  const wset = inst.handles.get(si);
  if (!(wset instanceof WaitableSet)) {
    throw new Trap(`callback returned WAIT with handle index ${si}, which is not a waitable set`);
  }
  wset.waitForEventAnd(thread, unlocked, true, onEvent);
}

/**
 * CanonicalABI.md § `canon lift` (`not ft.async_`): a caller of a sync
 * function type cannot block, so the instance's ready threads run here until
 * the task resolved; none ready is a deadlock and traps.
 */
function runUntilResolved(task: Task): void {
  const inst = task.inst;
  while (task.state !== TaskState.RESOLVED) {
    let next: Thread | undefined;
    for (const t of inst.threads) {
      if (t !== inst.exclusiveThread && t.ready()) {
        next = t;
        break;
      }
    }
    if (next === undefined) {
      throw new Trap("deadlock detected: a synchronous call blocked and nothing can make progress");
    }
    next.resume(false);
  }
}
