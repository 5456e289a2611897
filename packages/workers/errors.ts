/**
 * The errors a worker pool adds to the runtime's: a worker that died, a call
 * that ran out of time or was cancelled, a full queue, a resource whose
 * instance is gone, and a pool that is closed.
 *
 * @module
 */

/**
 * The worker running a call crashed, closed itself or was terminated. Every
 * call in flight on it rejects with this error; `cause` is the worker's
 * error, when it reported one.
 */
export class WorkerCrashedError extends Error {
  /** Creates the error; `options.cause` is the worker's own error, if any. */
  constructor(message = "The worker running the call crashed", options?: ErrorOptions) {
    super(message, options);
    this.name = "WorkerCrashedError";
  }
}

/**
 * A call did not finish within its `timeout`. A call that had started was
 * ended by terminating its worker (the pool replaces it).
 */
export class TimeoutError extends Error {
  /** Creates the error. */
  constructor(message = "The call timed out", options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeoutError";
  }
}

/**
 * A call was cancelled by its `AbortSignal`: the one class of `@weft/runtime`,
 * so a cancelled pooled call and a cancelled direct call are caught alike.
 */
export { CancelledError } from "@weft/runtime";

/** The pool's queue was full and the pool was created with `whenFull: "reject"`. */
export class QueueFullError extends Error {
  /** Creates the error. */
  constructor(message = "Cannot queue the call: the pool's queue is full", options?: ErrorOptions) {
    super(message, options);
    this.name = "QueueFullError";
  }
}

/**
 * A pooled resource cannot be used: the instance that owned it was replaced
 * (after a trap, a crash, a timeout or a cancellation) or it was dropped.
 */
export class ResourceLostError extends Error {
  /** Creates the error. */
  constructor(message = "Cannot use the resource: its instance is gone", options?: ErrorOptions) {
    super(message, options);
    this.name = "ResourceLostError";
  }
}

/** A call was made after the pool was disposed or terminated. */
export class PoolClosedError extends Error {
  /** Creates the error. */
  constructor(message = "Cannot call the pool: it is closed", options?: ErrorOptions) {
    super(message, options);
    this.name = "PoolClosedError";
  }
}
