/**
 * The cross-thread scenario of `instrument_interrupts_test.ts`: a worker runs
 * an instrumented loop with no memory access or calls in it, and the main
 * thread stops it by setting the flag with `Atomics.store`. Run directly, it
 * prints the report as JSON, so a test can run it in a subprocess with other
 * V8 flags (e.g. `--no-liftoff`, to check the optimizing compiler keeps the
 * flag load in the loop).
 *
 * @module
 */

import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import { instrumentInterrupts } from "../../instrument_interrupts.ts";
import type { SpinMessage, SpinRequest } from "./spin_worker.ts";

/** How the loop ended, as seen from the main thread. */
export interface SpinReport {
  /** The worker's last message, or `timeout` if it did not report in time. */
  readonly outcome: SpinMessage | { readonly kind: "timeout"; readonly waitedFor: string };
}

/** A loop of about `limit` iterations without calls, loads or stores. */
const SPIN_WAT = `(module
  (func (export "spin") (param $limit i64) (result i64) (local $i i64)
    (loop $l
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (local.get $limit))))
    (local.get $i)))`;

/**
 * Starts the worker, waits `delayMs` after it reports ready, sets the flag
 * and waits (at most `timeoutMs`) for the worker to report how `spin` ended.
 */
export async function runSpinScenario(
  options: { delayMs?: number; timeoutMs?: number; limit?: bigint } = {},
): Promise<SpinReport> {
  const { delayMs = 150, timeoutMs = 30_000, limit = 3_000_000_000n } = options;
  const bytes = instrumentInterrupts(await parse(SPIN_WAT));
  if (bytes === undefined) throw new Error("Cannot instrument the spin module: received undefined");
  const worker = new Worker(new URL("./spin_worker.ts", import.meta.url), { type: "module" });
  const messages: SpinMessage[] = [];
  let wake: () => void = () => {};
  worker.onmessage = (event: MessageEvent<SpinMessage>) => {
    messages.push(event.data);
    wake();
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const next = (what: string): Promise<SpinMessage | undefined> =>
    new Promise((resolve) => {
      if (messages.length > 0) return resolve(messages.shift());
      timer = setTimeout(() => resolve(undefined), timeoutMs);
      wake = () => {
        clearTimeout(timer);
        wake = () => {};
        resolve(messages.shift());
      };
      void what;
    });
  try {
    worker.postMessage({ bytes, limit } satisfies SpinRequest);
    const ready = await next("ready");
    if (ready?.kind !== "ready") {
      return { outcome: ready ?? { kind: "timeout", waitedFor: "ready" } };
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    Atomics.store(new Uint8Array(ready.flag), 0, 1);
    const end = await next("end");
    return { outcome: end ?? { kind: "timeout", waitedFor: "the end of spin" } };
  } finally {
    clearTimeout(timer);
    worker.terminate();
  }
}

if (import.meta.main) {
  console.log(JSON.stringify(await runSpinScenario()));
}
