/**
 * A worker for the cross-thread test of `instrument_interrupts.ts`: it
 * instantiates an instrumented module with a flag memory it creates, sends
 * the flag's buffer to the main thread, then runs the module's `spin` export
 * (a long loop) and reports how it ended.
 *
 * @module
 */

/// <reference lib="deno.worker" />

/** The request: an instrumented module and how many iterations `spin` may run. */
export interface SpinRequest {
  /** The instrumented module. */
  readonly bytes: Uint8Array;
  /** The loop bound: the loop ends by itself after this many iterations. */
  readonly limit: bigint;
}

/** What the worker reports, in order: `ready`, then `trapped` or `finished`. */
export type SpinMessage =
  | { readonly kind: "ready"; readonly flag: SharedArrayBuffer }
  | {
    readonly kind: "trapped";
    readonly isRuntimeError: boolean;
    readonly message: string;
    readonly elapsedMs: number;
  }
  | { readonly kind: "finished"; readonly iterations: string; readonly elapsedMs: number };

self.onmessage = (event: MessageEvent<SpinRequest>) => {
  const { bytes, limit } = event.data;
  const flag = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {
    "weft:interrupt": { flag },
  });
  const spin = instance.exports.spin as (limit: bigint) => bigint;
  self.postMessage({ kind: "ready", flag: flag.buffer as SharedArrayBuffer } satisfies SpinMessage);
  const start = performance.now();
  let report: SpinMessage;
  try {
    const iterations = spin(limit);
    report = {
      kind: "finished",
      iterations: String(iterations),
      elapsedMs: performance.now() - start,
    };
  } catch (error) {
    report = {
      kind: "trapped",
      isRuntimeError: error instanceof WebAssembly.RuntimeError,
      message: String(error),
      elapsedMs: performance.now() - start,
    };
  }
  self.postMessage(report);
};
