/**
 * The key under which a blocking WASI function carries its asynchronous form.
 *
 * WASI 0.2's blocking calls (`pollable.block`, `poll`, `blocking-read`,
 * `blocking-write-and-flush`, …) are synchronous in the WIT. A synchronous
 * JS function cannot wait for I/O, so each of them here works only when what
 * it waits for is already there and otherwise throws
 * {@linkcode WouldBlockError}. Its asynchronous form, `fn[SUSPENDING]`, takes
 * the same `this` and arguments and returns a Promise of the same result: a
 * runtime with JSPI calls it through `WebAssembly.Suspending` so the guest is
 * suspended while it waits (issue #4), and JS callers can await it directly.
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

import type { WouldBlockError as _WouldBlockError } from "./errors.ts";

/** Attaches `asyncForm` to `fn` under {@linkcode SUSPENDING}. */
export function withAsyncForm<F extends (...args: never[]) => unknown>(
  fn: F,
  asyncForm: (...args: never[]) => Promise<unknown>,
): void {
  Object.defineProperty(fn, SUSPENDING, { value: asyncForm });
}
