// The worker transport's shared rings, seen through the pool: order across
// the ring and message paths, replies held back, and replies written by a
// worker that is then terminated.
import assert from "node:assert/strict";
import { CancelledError, type PooledResource, TimeoutError, WorkerPool } from "./mod.ts";
import type { WorkerPoolOptions } from "./worker_pool.ts";
import { bounded, HOST_IMPORTS, poolComponent, random, settle } from "./_test_util.ts";
import { MAX_RECORD } from "./shared_ring.ts";

const bytes = await poolComponent();

function createPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  return bounded(
    WorkerPool.create(bytes, { mode: "worker", imports: HOST_IMPORTS, start: "eager", ...options }),
    "create the pool",
  );
}

Deno.test("calls keep their order whether they go through the ring or by message", async () => {
  await using pool = await createPool({ size: 1, pipeline: 64 });
  const counter = await pool.call<PooledResource>("[constructor]counter", [0]);
  const calls: Promise<unknown>[] = [];
  const small = new Uint8Array([1, 2, 3]);
  // Larger than a ring record: by message, with a marker in the ring.
  const large = new Uint8Array(MAX_RECORD * 2).fill(1);
  for (let i = 0; i < 300; i++) {
    // Buffers to transfer always go by message.
    const options = i % 3 === 0 ? { transfer: [new ArrayBuffer(8)] } : {};
    calls.push(counter.call("increment", [], options));
    if (i % 5 === 0) calls.push(pool.call("sum", [i % 10 === 0 ? large : small]));
  }
  const results = await bounded(Promise.all(calls), "300 increments");
  let expected = 0;
  for (let i = 0, k = 0; i < 300; i++) {
    assert.equal(results[k++], ++expected, `increment ${i}`);
    if (i % 5 === 0) assert.equal(results[k++], i % 10 === 0 ? MAX_RECORD * 2 : 6, `sum ${i}`);
  }
  await counter.drop();
});

Deno.test("a reply held back behind a call that never ends still arrives", async () => {
  // With a long replyDelay the worker holds `add`'s reply while `spin` is
  // queued behind it; the pool's timed wait (or the timeout) must read it.
  await using pool = await createPool({ size: 1, pipeline: 2, replyDelay: 60_000 });
  const added = pool.call("add", [40, 2]);
  const spun = pool.call("spin", [], { timeout: 1_000 });
  assert.equal(await bounded(added, "the held reply", 10_000), 42);
  const error = await bounded(spun.catch((e) => e), "the hung call");
  assert.ok(error instanceof TimeoutError, `received ${error}`);
  assert.equal(await pool.call("add", [1, 2]), 3);
});

Deno.test("replies a terminated worker wrote are delivered, not failed", async () => {
  // The timeout fires while `add`'s reply may still be unannounced in the
  // ring: terminating the worker must read it first.
  await using pool = await createPool({ size: 1, pipeline: 8, replyDelay: 60_000 });
  const sums = Array.from({ length: 5 }, (_, i) => pool.call("add", [i, 100]));
  const spun = pool.call("spin", [], { timeout: 100 });
  assert.deepEqual(await bounded(Promise.all(sums), "the sums"), [100, 101, 102, 103, 104]);
  assert.ok((await spun.catch((e) => e)) instanceof TimeoutError);
  assert.equal(pool.stats()[0]!.restarts, 1);
});

Deno.test("failures and arguments too large for a ring record go by message", async () => {
  await using pool = await createPool({ size: 1 });
  assert.equal(await pool.call("check", [4]), 8);
  // `err` becomes a thrown error, which always goes by message.
  const error = await pool.call("check", [40]).catch((e) => e);
  assert.ok(error instanceof Error, `received ${error}`);
  const big = new Uint8Array(MAX_RECORD * 4).fill(2);
  assert.equal(await pool.call("sum", [big]), MAX_RECORD * 8);
});

Deno.test("requests wait for room when the request ring is full, in order", async () => {
  // While the worker waits for a main-thread import, calls sent to it and
  // then cancelled stay in its ring until its event loop takes them: 300 of
  // them with large arguments, sent in one turn, fill the ring, and later
  // ones wait for room (however many, the outcomes below must hold).
  const gate = Promise.withResolvers<void>();
  let notified = 0;
  await using pool = await createPool({
    size: 1,
    pipeline: 64,
    mainThreadImports: {
      notify: async () => {
        notified++;
        await gate.promise;
      },
    },
  });
  const held = pool.call("notify-twice", [1]);
  await bounded(
    (async () => {
      while (notified === 0) await new Promise((r) => setTimeout(r, 5));
    })(),
    "the guest to wait",
  );
  const arg = new Uint8Array(MAX_RECORD - 64).fill(1);
  const calls: ReturnType<typeof settle>[] = [];
  for (let i = 0; i < 400; i++) {
    const controller = new AbortController();
    calls.push(settle(pool.call("sum", [arg], { signal: controller.signal })));
    // Cancelling a call sent ahead frees its place in the pipeline, not its ring record.
    if (i < 300) controller.abort();
  }
  gate.resolve();
  await bounded(held, "the call that waited");
  const outcomes = await bounded(Promise.all(calls), "400 calls");
  outcomes.forEach((outcome, i) => {
    if (i < 300) {
      assert.ok(!outcome.ok && outcome.error instanceof CancelledError, `call ${i}`);
    } else assert.deepEqual(outcome, { ok: true, value: arg.length }, `call ${i}`);
  });
  assert.equal(await pool.call("add", [2, 2]), 4);
});

for (
  const options of [
    { replyDelay: 0, spin: 0 },
    { replyDelay: 2, spin: 50 },
    { replyDelay: 20, spin: 0 },
  ]
) {
  Deno.test(`2,000 calls with random aborts, ${JSON.stringify(options)}`, async () => {
    await using pool = await createPool({ size: 2, pipeline: 8, ...options });
    const rand = random(0xc0ffee);
    const calls: Promise<unknown>[] = [];
    const mayCancel: boolean[] = [];
    for (let i = 0; i < 2_000; i++) {
      const controller = new AbortController();
      calls.push(pool.call("add", [i, 7], { signal: controller.signal }));
      const r = rand();
      mayCancel.push(r < 0.1);
      if (r < 0.05) controller.abort();
      else if (r < 0.1) setTimeout(() => controller.abort(), Math.floor(rand() * 3));
    }
    const outcomes = await bounded(Promise.all(calls.map(settle)), "2,000 calls", 60_000);
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) assert.equal(outcome.value, i + 7, `call ${i}`);
      else {
        assert.ok(mayCancel[i], `call ${i} failed: ${outcome.error}`);
        assert.ok(outcome.error instanceof CancelledError, `call ${i}: ${outcome.error}`);
      }
    });
    assert.deepEqual(await pool.call("add", [1, 1]), 2);
  });
}
