/**
 * A pool of WebAssembly component instances, one per worker, for real
 * parallelism: the core modules are compiled once and the compiled modules
 * sent to every worker; calls go to the least busy instance through a
 * bounded queue; resources stay in the instance that made them; a trap, a
 * crashed worker, a timeout or an abort never hangs a caller and never
 * takes down more than one instance, which is replaced. Errors keep their
 * class, message, `cause` and `payload` across threads. Where there are no
 * workers (or with `mode: "in-thread"`), the same API runs the instances in
 * the current thread.
 *
 * Workers run Weft's worker script, so under Deno they need `--allow-read`
 * for it (and for an `imports` module).
 *
 * - **Names**: `pool.call(name, args)` takes `fn`, `iface#fn`,
 *   `[constructor]r`, `[method]r.m` or `[static]r.f` (kebab-case or camelCase).
 * - **Host imports** come from a module URL (`imports`) each worker loads
 *   itself; `mainThreadImports` run in the main thread through comlink
 *   (async, a round trip per call, and for now only imports without a result).
 * - **Values** must be structured-clonable: a `TypeError` names the place of
 *   one that is not (`args[1].onData: function`) before anything is sent.
 *   `transfer: true` moves `ArrayBuffer`s instead of copying them.
 * - **Resources** returned by a call come back as {@linkcode PooledResource}
 *   handles: the resource stays in its instance, its calls go there, and
 *   dropping the handle (or losing it to the garbage collector) drops it there.
 * - **Failures**: a trap rejects with `Trap` and replaces that instance
 *   only; a worker that crashes rejects the call it was running with
 *   {@linkcode WorkerCrashedError} (calls sent ahead that had not started run
 *   elsewhere); `timeout` and `signal` reject with {@linkcode TimeoutError} /
 *   {@linkcode CancelledError}, terminating the worker if the guest was
 *   running. Workers run the component compiled `interruptible` (see
 *   `@weft/runtime`): the pool raises the instance's interrupt flag first,
 *   so a guest in an endless loop traps and its thread really ends (Deno's
 *   `terminate()` alone leaves a thread in a loop running). A loop in a host
 *   import's own JS cannot be interrupted that way. Resources of a replaced
 *   instance give {@linkcode ResourceLostError}.
 * - **Speed**: calls and replies of plain data pass through rings in shared
 *   memory rather than messages, so a busy worker takes its next call, and
 *   the main thread a batch of replies, without a thread wake-up each
 *   (`replyDelay`), and an idle worker polls for its next call briefly
 *   before it sleeps (`spin`).
 * - **In-thread** pools cannot interrupt a running guest: timeouts and aborts
 *   reach calls that have not started; one that has runs to completion and
 *   its result is dropped.
 *
 * @example Run an export on a pool of two workers
 * ```ts
 * import { WorkerPool } from "@weft/workers";
 *
 * const wat = `(component
 *   (core module $m (func (export "add") (param i32 i32) (result i32)
 *     (i32.add (local.get 0) (local.get 1))))
 *   (core instance $i (instantiate $m))
 *   (func (export "add") (param "a" u32) (param "b" u32) (result u32)
 *     (canon lift (core func $i "add"))))`;
 * const { parse } = await import("npm:@bytecodealliance/jco-transpile@0.12.0/wasm-tools");
 * await using pool = await WorkerPool.create(await parse(wat), { size: 2 });
 * const sums = await Promise.all(
 *   [1, 2, 3].map((n) => pool.call("add", [n, 10], { timeout: 5_000 })),
 * );
 * console.log(sums); // [11, 12, 13]
 * console.log(pool.stats().map((s) => s.thread)); // two different thread ids
 * ```
 *
 * @module
 */
export { WorkerPool, type WorkerPoolOptions, type WorkerStats } from "./worker_pool.ts";
export type { CallOptions } from "./call_options.ts";
export { PooledResource } from "./pooled_resource.ts";
export {
  CancelledError,
  PoolClosedError,
  QueueFullError,
  ResourceLostError,
  TimeoutError,
  WorkerCrashedError,
} from "./errors.ts";
export { type ErrorClass, registerErrorClass } from "./wire_error.ts";
