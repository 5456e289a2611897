/**
 * `canon lower` of a component function into a core function
 * (CanonicalABI.md § `canon lower`), with or without the `async` option.
 *
 * @module
 */
import { type CoreValue, Trap } from "@weft/abi";
import { EventCode, SubtaskState } from "./codes.ts";
import { JspiRequiredError } from "./errors.ts";
import { hasJspi } from "./jspi.ts";
import { type AsyncInstanceState, guard } from "./instance.ts";
import type { Thread } from "./store.ts";
import { Subtask } from "./subtask.ts";
import type { FuncInst } from "./task.ts";

/** CanonicalABI.md § Flattening: the flat-parameter limit of an async lowered call. */
export const MAX_FLAT_ASYNC_PARAMS = 4;

/** What {@linkcode canonLower} needs of a lowered function. */
export interface LowerDefinition {
  /** The calling instance. */
  readonly instance: AsyncInstanceState;
  /** Whether the `async` canonical option is set. */
  readonly async: boolean;
  /** The function called (a lifted guest function or a host function). */
  readonly callee: FuncInst;
  /**
   * Lifts the arguments from the caller's flat values (spec:
   * `lift_flat_values` with `MAX_FLAT_PARAMS`, or `MAX_FLAT_ASYNC_PARAMS`
   * when async); `subtask` is the borrow scope (`addLender`).
   */
  readonly liftParams: (subtask: Subtask, flatArgs: readonly CoreValue[]) => unknown[];
  /**
   * Lowers the result values (spec: `lower_flat_values` with
   * `MAX_FLAT_RESULTS`, or 0 when async: into the out-pointer, the last flat
   * argument) and returns the flat results.
   */
  readonly lowerResults: (
    subtask: Subtask,
    result: unknown[],
    flatArgs: readonly CoreValue[],
  ) => CoreValue[];
  /** Whether JSPI is available to suspend a sync caller (default: detected). */
  readonly jspi?: boolean;
  /**
   * Whether the callee's function type is `async`: a sync lowered call of
   * one from a task that may not block traps (Wasmtime's rule).
   */
  readonly calleeAsync?: boolean;
  /** The function's name, for messages. */
  readonly name?: string;
}

/**
 * The trap for a task that may not block (Wasmtime's rule): one whose
 * function type is not `async`, or code outside any task, such as a start
 * function.
 */
export const SYNC_TASK_BLOCKED = "cannot block in a task whose function type is not async";

/**
 * The current thread for a built-in that may block; in a start function
 * (which may not block) the trap says so.
 */
export function blockingThread(inst: AsyncInstanceState, what: string): Thread {
  const t = inst.store.current;
  if ((t === undefined || t.task.inst !== inst) && inst.state.starting) {
    throw new Trap(`${SYNC_TASK_BLOCKED}: ${what} in a start function`);
  }
  return currentThread(inst, what);
}

/** Traps unless `thread`'s task may block (its function type is `async`). */
export function checkMayBlock(thread: Thread, what: string): void {
  if (!thread.task.opts.async) {
    throw new Trap(`${SYNC_TASK_BLOCKED}: ${what} would block`);
  }
}

/** The current thread, which must be a thread of `inst`. */
export function currentThread(inst: AsyncInstanceState, what: string): Thread {
  const t = inst.store.current;
  if (t === undefined || t.task.inst !== inst) {
    throw new Trap(`cannot call ${what} outside of a task of this component instance`);
  }
  return t;
}

/**
 * CanonicalABI.md § `canon lower`: a core function calling `def.callee`.
 *
 * Async: returns `[RETURNED]` when the callee resolved at once, else
 * `[state | (subtaskIndex << 4)]` with a new subtask in the caller's table
 * whose progress arrives as `SUBTASK` events.
 *
 * Sync: returns the flat results; when the callee blocks, the caller's stack
 * must be suspended: the returned value is then a Promise of them (wrap the
 * core function with `WebAssembly.Suspending`). Without JSPI that traps with
 * a {@linkcode JspiRequiredError} as the cause.
 */
export function canonLower(
  def: LowerDefinition,
): (flatArgs: CoreValue[]) => CoreValue[] | Promise<CoreValue[]> {
  const inst = def.instance;
  const name = def.name ?? "function";
  return (flatArgs) =>
    guard(inst, () => {
      const what = `the import "${name}"`;
      const thread = !def.async && def.calleeAsync ? blockingThread(inst, what) : currentThread(
        inst,
        what,
      );
      inst.checkMayLeave();
      if (!def.async && def.calleeAsync) checkMayBlock(thread, `a synchronous call of ${what}`);
      const subtask = new Subtask(inst.store);
      let onProgress = (): void => {};
      const onStart = (): unknown[] => {
        onProgress();
        subtask.state = SubtaskState.STARTED;
        return def.liftParams(subtask, flatArgs);
      };
      const onResolve = (result: unknown[] | undefined): void => {
        onProgress();
        if (result === undefined) {
          subtask.resolve(
            subtask.state === SubtaskState.STARTING
              ? SubtaskState.CANCELLED_BEFORE_STARTED
              : SubtaskState.CANCELLED_BEFORE_RETURNED,
            [],
          );
        } else {
          subtask.resolve(SubtaskState.RETURNED, def.lowerResults(subtask, result, flatArgs));
        }
      };
      const onTrap = (trap: Trap): void => {
        // A failure of the callee after it returned ends the caller's task too.
        thread.task.fail(trap);
        inst.store.notify();
      };
      subtask.onCancel = def.callee(onStart, onResolve, inst, onTrap);

      if (!def.async) {
        if (subtask.resolved()) {
          subtask.deliverResolve();
          return subtask.flatResults as CoreValue[];
        }
        if (!(def.jspi ?? hasJspi())) {
          throw new Trap(
            `cannot wait for "${name}" in a synchronous call`,
            { cause: new JspiRequiredError(`a synchronous call of the async function "${name}"`) },
          );
        }
        return (async () => {
          await thread.waitUntilAsync(() => subtask.resolved(), false);
          subtask.deliverResolve();
          return subtask.flatResults as CoreValue[];
        })();
      }
      if (subtask.resolved()) {
        subtask.deliverResolve();
        return [SubtaskState.RETURNED];
      }
      const i = inst.handles.add(subtask);
      onProgress = () => {
        subtask.setPendingEvent(() => {
          if (subtask.resolved()) subtask.deliverResolve();
          return [EventCode.SUBTASK, i, subtask.state];
        });
      };
      return [subtask.state | (i << 4)];
    });
}
