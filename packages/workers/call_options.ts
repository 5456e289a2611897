/**
 * Options of one pooled call.
 *
 * @module
 */

/** Options of {@linkcode WorkerPool.prototype.call}. */
export interface CallOptions {
  /**
   * Cancels the call: a queued call is removed; a running call in a worker
   * is ended by terminating the worker. The call rejects with
   * `CancelledError` (its `cause` is the signal's reason).
   */
  readonly signal?: AbortSignal;
  /**
   * Milliseconds before the call rejects with `TimeoutError` (counted from
   * the call, queueing included); a running call in a worker is ended by
   * terminating the worker. Defaults to the pool's `timeout`.
   */
  readonly timeout?: number;
  /**
   * `true` transfers every `ArrayBuffer` under the arguments to the worker
   * instead of copying it (the caller's buffers become detached); a list
   * transfers just those. In-thread pools ignore it.
   */
  readonly transfer?: boolean | readonly Transferable[];
}
