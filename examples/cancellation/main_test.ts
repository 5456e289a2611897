import assert from "node:assert/strict";
import { runCancellation } from "./main.ts";

const after = Array.from({ length: 10 }, (_, i) => (1000 + i) * 2 + 1);

for (const seed of [1, 2]) {
  Deno.test(`cancellation (async export, seed ${seed}): every call answers or is cancelled; the instance serves on`, async () => {
    const run = await runCancellation("lookup.wat", { calls: 300, seed });
    assert.equal(run.wrong, 0);
    assert.equal(run.answered + run.cancelled, 300);
    assert.ok(run.answered > 0 && run.cancelled > 0, "both outcomes happened");
    assert.deepEqual(run.after, after);
  });

  Deno.test(`cancellation (suspended sync export, seed ${seed}): aborted calls finish in isolation`, async () => {
    const run = await runCancellation("blocking_lookup.wat", { calls: 300, seed });
    assert.equal(run.wrong, 0);
    assert.equal(run.answered + run.cancelled, 300);
    assert.ok(run.answered > 0 && run.cancelled > 0, "both outcomes happened");
    assert.deepEqual(run.after, after);
    // Every answered call ran in the guest, and so did the 10 after; a call
    // cancelled while it waited for its turn never did.
    assert.ok(run.guestCalls! >= run.answered + 10, `guest calls: ${run.guestCalls}`);
    assert.ok(run.guestCalls! <= 300 + 10);
  });
}
