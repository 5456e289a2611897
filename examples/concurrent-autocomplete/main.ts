/**
 * The concurrent-autocomplete example: one instance, one async export
 * `complete(prefix, timeout-ms)` that asks three host sources at once (async
 * host functions: each call is a subtask of the guest's task) and answers
 * with what came before its timeout. 50 calls run at once in the one
 * instance; the example prints the wall time against the sum of every wait.
 *
 * Run it with `deno run -A examples/concurrent-autocomplete/main.ts [calls] [timeout-ms]`.
 *
 * @module
 */
import { Component } from "@weft/runtime";
import { fixture } from "../../scripts/fixtures.ts";

/** What one run of the example measured. */
export interface AutocompleteRun {
  /** `[matches, sources]` per call, in call order. */
  readonly answers: [number, number][];
  /** Milliseconds from the first call to the last answer. */
  readonly wallMs: number;
  /** The sum of every source's delay, as if they ran one after another. */
  readonly sumOfWaitsMs: number;
  /** Source answers that came in time / that the timeout cut off. */
  readonly inTime: number;
  readonly late: number;
}

const SOURCES = ["names", "places", "products"] as const;

/** Runs `calls` concurrent calls; source delays come from `delayOf(call, source)`. */
export async function runAutocomplete(options: {
  calls: number;
  timeoutMs: number;
  delayOf: (call: number, source: number) => number;
}): Promise<AutocompleteRun> {
  const bytes = await fixture(new URL("./testdata/autocomplete.wat", import.meta.url));
  const component = await Component.compile(bytes);
  const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  let sumOfWaitsMs = 0;
  // Which call a prefix belongs to: the prefix is `q<call>`.
  const callOf = (prefix: string) => Number(prefix.slice(1));
  const source = (index: number) => async (prefix: string): Promise<number> => {
    const ms = options.delayOf(callOf(prefix), index);
    sumOfWaitsMs += ms;
    await delay(ms);
    return 10 ** index; // names count 1, places 10, products 100
  };
  const imports: Record<string, unknown> = { sleep: delay };
  SOURCES.forEach((name, i) => imports[name] = source(i));
  const instance = await component.instantiate(imports);

  const start = performance.now();
  const answers = await Promise.all(
    Array.from(
      { length: options.calls },
      (_, call) =>
        instance.exports.complete(`q${call}`, options.timeoutMs) as Promise<[number, number]>,
    ),
  );
  const wallMs = performance.now() - start;
  const inTime = answers.reduce((n, [, sources]) => n + sources, 0);
  return { answers, wallMs, sumOfWaitsMs, inTime, late: options.calls * 3 - inTime };
}

if (import.meta.main) {
  const calls = Number(Deno.args[0] ?? 50);
  const timeoutMs = Number(Deno.args[1] ?? 60);
  // Delays of 5 to 100 ms from a fixed sequence, so every run asks the same.
  const delayOf = (call: number, source: number) => 5 + ((call * 37 + source * 53) % 96);
  const run = await runAutocomplete({ calls, timeoutMs, delayOf });
  console.log(
    `${calls} calls × 3 sources, timeout ${timeoutMs} ms, one instance:\n` +
      `  wall time     ${run.wallMs.toFixed(0)} ms\n` +
      `  sum of waits  ${run.sumOfWaitsMs} ms (${
        (run.sumOfWaitsMs / run.wallMs).toFixed(0)
      }× the wall time)\n` +
      `  ${run.inTime} source answers in time, ${run.late} cut off by the timeout`,
  );
  console.log(`  first answers: ${JSON.stringify(run.answers.slice(0, 5))}`);
}
