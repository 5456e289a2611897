/**
 * The key under which a blocking WASI function carries its asynchronous form.
 *
 * WASI 0.2's blocking calls (`pollable.block`, `poll`, `blocking-read`,
 * `blocking-write-and-flush`, …) are synchronous in the WIT. A synchronous
 * JS function cannot wait for I/O, so each of them here works only when what
 * it waits for is already there and otherwise throws
 * {@linkcode WouldBlockError}. Its asynchronous form, `fn[SUSPENDING]`, takes
 * the same `this` and arguments and returns the same result when what it
 * waits for is there already, else a Promise of it: a runtime with JSPI
 * (`@weft/runtime`) calls it and suspends the guest only while such a
 * Promise is pending, and JS callers can `await` it either way.
 *
 * @example Find the asynchronous form of a blocking method
 * ```ts
 * import { Pollable, SUSPENDING } from "@weft/wasi";
 * import assert from "node:assert/strict";
 *
 * const block = Pollable.prototype.block as unknown as Record<symbol, unknown>;
 * assert.equal(typeof block[SUSPENDING], "function");
 * ```
 */
export const SUSPENDING: unique symbol = Symbol.for("weft.wasi.suspending");

import { WouldBlockError } from "./errors.ts";

/**
 * Attaches to `fn`, under {@linkcode SUSPENDING}, the form that returns its
 * result when `fn` can answer at once and otherwise the Promise of `wait`.
 * `fn` must throw {@linkcode WouldBlockError} before doing anything else, so
 * that `wait` starts from the same state.
 */
export function withAsyncForm<A extends unknown[], R>(
  fn: (...args: A) => R,
  wait: (...args: A) => Promise<R>,
): void {
  const form = function (this: unknown, ...args: A): R | Promise<R> {
    try {
      return fn.apply(this, args);
    } catch (error) {
      if (error instanceof WouldBlockError) return wait.apply(this, args);
      throw error;
    }
  };
  withSuspendingForm(fn, form);
}

/** Attaches `form` (a result, or a Promise of it when the caller must wait) to `fn`. */
export function withSuspendingForm(
  fn: (...args: never[]) => unknown,
  form: (...args: never[]) => unknown,
): void {
  Object.defineProperty(fn, SUSPENDING, { value: form });
}
