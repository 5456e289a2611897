import assert from "node:assert/strict";
import { runAutocomplete } from "./main.ts";

Deno.test("concurrent-autocomplete: 20 calls at once answer with the sources that beat the timeout", async () => {
  const run = await runAutocomplete({
    calls: 20,
    timeoutMs: 40,
    // names always in time, places in time for even calls, products always late.
    delayOf: (call, source) => source === 0 || (source === 1 && call % 2 === 0) ? 1 : 150,
  });
  assert.deepEqual(
    run.answers,
    Array.from({ length: 20 }, (_, call) => call % 2 === 0 ? [11, 2] : [1, 1]),
  );
  assert.equal(run.inTime, 30);
  assert.equal(run.late, 30);
});

Deno.test("concurrent-autocomplete: with time enough every source answers", async () => {
  const run = await runAutocomplete({ calls: 10, timeoutMs: 5_000, delayOf: () => 2 });
  assert.deepEqual(run.answers, Array(10).fill([111, 3]));
  assert.equal(run.late, 0);
});
