/**
 * Messages between the conformance runner and its workers.
 *
 * @module
 */
import type { AssertionResult } from "./script.ts";

/** A job for a worker: run one script. */
export interface ToWorker {
  /** Job id, echoed in every reply. */
  readonly id: number;
  /** `component-model` or `wasmtime`: decides the host imports. */
  readonly suite: string;
  /** Absolute path of the script. */
  readonly file: string;
  /** Time limit per awaited step, in ms. */
  readonly timeoutMs: number;
  /** Fail mismatched messages of assert_invalid/malformed/unlinkable. */
  readonly strictMessages: boolean;
}

/** A worker's report. */
export type FromWorker =
  /** The worker has loaded and takes jobs. */
  | { readonly type: "ready" }
  /** Directive `index` of job `id` started. */
  | { readonly type: "start"; readonly id: number; readonly index: number }
  /** Directive `index` of job `id` finished. */
  | {
    readonly type: "result";
    readonly id: number;
    readonly index: number;
    readonly result: AssertionResult;
  }
  /** Job `id` finished. */
  | { readonly type: "done"; readonly id: number }
  /** Job `id` could not run at all (the remaining directives fail with `error`). */
  | { readonly type: "fatal"; readonly id: number; readonly error: string };
