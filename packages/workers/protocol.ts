/**
 * The messages between a pool and its workers.
 *
 * @module
 */
import type { CallReply, CallRequest } from "./instance_host.ts";
import type { WireError } from "./wire_error.ts";

/**
 * Requests in flight on one worker share a ring of states with it, entry
 * `id % RING`: `id` while waiting, `-id` once the worker started it, `0` if
 * the pool cancelled it first. Both sides change an entry only with
 * compare-and-swap, so a waiting request is either cancelled or started,
 * never both. A pool never has more than `RING` requests on one worker.
 */
export const RING = 64;

/** A message the pool sends to a worker. */
export type ToWorker =
  | {
    readonly type: "init";
    /** The component's binary. */
    readonly bytes: Uint8Array;
    /** Its compiled core modules, in `component.modules()` order. */
    readonly modules: WebAssembly.Module[];
    /** The URL of the imports module, if any. */
    readonly imports: string | undefined;
    /** The port and paths of main-thread callbacks, if any. */
    readonly callbacks: { readonly port: MessagePort; readonly paths: string[][] } | undefined;
    /** The ring of request states shared with the pool (see `RING` in transport.ts). */
    readonly states: Int32Array;
    /**
     * The shared rings (shared_ring.ts) of requests and of replies, if the
     * pool can sleep on them (`Atomics.waitAsync`); otherwise every request
     * and reply is a message.
     */
    readonly rings:
      | { readonly requests: SharedArrayBuffer; readonly replies: SharedArrayBuffer }
      | undefined;
    /** Milliseconds a reply may wait for others while more calls are queued. */
    readonly replyDelay: number;
    /** Microseconds an idle worker polls its request ring before it sleeps. */
    readonly spin: number;
    /**
     * The instance's interrupt flag: the pool raises it before it terminates
     * the worker, so that a guest in a loop traps and the thread can end.
     */
    readonly interrupt: WebAssembly.Memory;
  }
  /** A request that goes by message (its marker is in the request ring, if there is one). */
  | { readonly type: "call"; readonly id: number; readonly request: CallRequest };

/** The reply ring's header word that is 1 while the pool's wait for replies has a time limit. */
export const TIMED = 2;
/** A message a worker sends to the pool. */
export type FromWorker =
  | { readonly type: "ready"; readonly thread: string }
  | { readonly type: "init-error"; readonly error: WireError }
  /** `reply` is `undefined` for a request cancelled before it started. */
  | { readonly type: "reply"; readonly id: number; readonly reply: CallReply | undefined }
  | { readonly type: "closing" }
  | { readonly type: "callback-error"; readonly error: WireError };

/** Whether this engine has JSPI, so that a guest can wait for an async import. */
export function hasJspi(): boolean {
  const w = WebAssembly as unknown as Record<string, unknown>;
  return typeof w.Suspending === "function" && typeof w.promising === "function";
}
