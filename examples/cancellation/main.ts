/**
 * The cancellation example: calls into one instance aborted at random points
 * (before the call, while the guest waits for the host, after the answer),
 * and the instance keeps serving.
 *
 * - `lookup.wat` is an async export: an abort reaches the guest as
 *   TASK_CANCELLED, the guest cancels its own host call and ends; the caller
 *   gets `CancelledError`, or the answer if it came first.
 * - `blocking_lookup.wat` is a synchronous export whose import is an async
 *   JS function, so the guest is suspended with JSPI while it waits. It
 *   cannot be cancelled inside the guest: the caller's Promise rejects at
 *   once, the call finishes in isolation, and the next call waits for it.
 *
 * Run it with `deno run -A examples/cancellation/main.ts [calls] [seed]`.
 *
 * @module
 */
import { CancelledError, Component } from "@weft/runtime";
import { fixture } from "../../scripts/fixtures.ts";

/** What one run saw, per component. */
export interface CancellationRun {
  /** Calls that answered (with the right value). */
  readonly answered: number;
  /** Calls that rejected with `CancelledError`. */
  readonly cancelled: number;
  /** Calls that settled any other way (always 0 unless something is wrong). */
  readonly wrong: number;
  /** Calls the guest ran to its end (the blocking component counts them). */
  readonly guestCalls?: number;
  /** The answers of 10 calls made after all the aborts, without a signal. */
  readonly after: number[];
}

/** A deterministic generator of numbers in [0, 1) (a 32-bit LCG), so runs repeat. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Makes `calls` calls of `lookup` on the component `file`, aborting each at a random point. */
export async function runCancellation(
  file: "lookup.wat" | "blocking_lookup.wat",
  options: { calls: number; seed: number },
): Promise<CancellationRun> {
  const next = random(options.seed);
  const component = await Component.compile(
    await fixture(new URL(`./testdata/${file}`, import.meta.url)),
  );
  // The host answers key * 2 after 0 to 3 ms.
  const instance = await component.instantiate({
    fetchValue: async (key: number) => {
      await delay(Math.floor(next() * 4));
      return key * 2;
    },
  });
  const lookup = instance.exports.lookup as (
    key: number,
    options?: { signal: AbortSignal },
  ) => Promise<number>;
  let answered = 0, cancelled = 0, wrong = 0;
  const calls = Array.from({ length: options.calls }, async (_, key) => {
    const controller = new AbortController();
    // Abort before the call (10%), after 0 to 4 ms, or never (10%).
    const when = next();
    if (when < 0.1) controller.abort();
    else if (when < 0.9) setTimeout(() => controller.abort(), Math.floor(next() * 5));
    try {
      const value = await lookup(key, { signal: controller.signal });
      if (value === key * 2 + 1) answered++;
      else wrong++;
    } catch (error) {
      if (error instanceof CancelledError) cancelled++;
      else wrong++;
    }
  });
  await Promise.all(calls);
  const after = await Promise.all(Array.from({ length: 10 }, (_, i) => lookup(1000 + i)));
  const guestCalls = file === "blocking_lookup.wat"
    ? await (instance.exports.calls as () => Promise<number>)()
    : undefined;
  return { answered, cancelled, wrong, after, ...(guestCalls !== undefined ? { guestCalls } : {}) };
}

if (import.meta.main) {
  const calls = Number(Deno.args[0] ?? 1000);
  const seed = Number(Deno.args[1] ?? 42);
  for (const file of ["lookup.wat", "blocking_lookup.wat"] as const) {
    const start = performance.now();
    const run = await runCancellation(file, { calls, seed });
    const ms = performance.now() - start;
    console.log(
      `${file}: ${calls} calls in ${ms.toFixed(0)} ms: ${run.answered} answered, ` +
        `${run.cancelled} cancelled, ${run.wrong} wrong` +
        (run.guestCalls !== undefined
          ? `; the guest ran ${run.guestCalls} calls to their end`
          : ""),
    );
    console.log(`  then, without aborts: ${run.after.join(" ")}`);
  }
}
