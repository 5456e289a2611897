/**
 * The host's side of async calls: calling a {@linkcode FuncInst} from JS with
 * a Promise and an `AbortSignal`, and a JS function as a `FuncInst`.
 *
 * @module
 */
import { Trap } from "@weft/abi";
import { CancelledError } from "./errors.ts";
import type { FuncInst } from "./task.ts";

/** Options of {@linkcode callAsync}. */
export interface CallOptions {
  /** Aborting requests cancellation through the component model. */
  readonly signal?: AbortSignal;
}

/**
 * Calls `f` from the host (spec: `Store.invoke`) with the argument values
 * `args`: resolves with the result values, rejects with
 * {@linkcode CancelledError} when the callee resolved cancelled, and with the
 * `Trap` when it trapped. Aborting `options.signal` requests cancellation
 * (the guest sees `TASK_CANCELLED`); the callee may still return a value.
 */
export function callAsync(
  f: FuncInst,
  args: readonly unknown[],
  options: CallOptions = {},
): Promise<unknown[]> {
  const signal = options.signal;
  if (signal?.aborted) {
    return Promise.reject(
      new CancelledError("The call was cancelled before it started", {
        cause: signal.reason,
      }),
    );
  }
  return new Promise<unknown[]>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => {
      try {
        onCancel?.(undefined);
      } catch (e) {
        finish(() => reject(e));
      }
    };
    const finish = (k: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      k();
    };
    let onCancel: ((caller: undefined) => void) | undefined;
    try {
      onCancel = f(
        () => [...args],
        (result) =>
          finish(() =>
            result === undefined
              ? reject(new CancelledError(undefined, { cause: signal?.reason }))
              : resolve(result)
          ),
        undefined,
        (trap) => finish(() => reject(trap)),
      );
    } catch (e) {
      finish(() => reject(e));
      return;
    }
    if (settled || signal === undefined) return;
    // Aborted while the callee ran (say, by a host function it called): no
    // event will come for that, so request the cancellation now.
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The context a host function gets with its arguments. */
export interface HostCallContext {
  /** Aborted when the caller cancels the subtask (`subtask.cancel`). */
  readonly signal: AbortSignal;
}

/** Options of {@linkcode hostFunction}. */
export interface HostFunctionOptions {
  /** Whether the function type has a result (the result list is then `[value]`). */
  readonly hasResult: boolean;
  /** The function's name, for messages. */
  readonly name?: string;
}

/**
 * A JS function as a {@linkcode FuncInst}, for a host import. It gets the
 * argument values and a context with an `AbortSignal`, and returns the
 * result value or a Promise of it. A value returned synchronously resolves
 * the call at once; a Promise makes it a subtask that resolves later.
 * Cancelling the subtask aborts the signal and resolves the call as
 * cancelled at once (the Promise's later outcome is ignored); otherwise a
 * throw or rejection traps the calling instance.
 */
export function hostFunction(
  fn: (args: unknown[], context: HostCallContext) => unknown,
  options: HostFunctionOptions,
): FuncInst {
  const name = options.name ?? (fn.name || "function");
  const wrap = (r: unknown): unknown[] => options.hasResult ? [r] : [];
  const failure = (e: unknown): Trap =>
    e instanceof Trap ? e : new Trap(
      `host function "${name}" threw: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  return (onStart, onResolve, caller, onTrap) => {
    // Made when the host asks for the signal: most host functions never do.
    let controller: AbortController | undefined;
    const context: HostCallContext = {
      get signal(): AbortSignal {
        return (controller ??= new AbortController()).signal;
      },
    };
    const args = onStart();
    let r: unknown;
    try {
      r = fn(args, context);
    } catch (e) {
      throw failure(e);
    }
    if (!(r instanceof Promise)) {
      onResolve(wrap(r));
      return () => {};
    }
    let done = false;
    // While the host works, the caller's store is not deadlocked.
    const store = caller?.store;
    store?.holdExternal();
    r.then((v) => {
      if (done) return;
      done = true;
      store?.releaseExternal();
      onResolve(wrap(v));
    }, (e) => {
      if (done) return;
      done = true;
      store?.releaseExternal();
      if (controller?.signal.aborted) onResolve(undefined);
      else if (onTrap !== undefined) onTrap(failure(e));
      else if (typeof reportError === "function") reportError(failure(e));
    });
    // A Promise cannot be stopped: as Wasmtime drops the host future, the
    // subtask resolves cancelled at once and a later result is ignored.
    return () => {
      if (done) return;
      done = true;
      store?.releaseExternal();
      controller?.abort(new CancelledError("The subtask was cancelled"));
      onResolve(undefined);
    };
  };
}
