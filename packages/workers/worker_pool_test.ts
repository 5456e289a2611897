import assert from "node:assert/strict";
import { Component, ComponentError, LinkError, Trap } from "@weft/runtime";
import {
  CancelledError,
  PoolClosedError,
  PooledResource,
  QueueFullError,
  ResourceLostError,
  TimeoutError,
  WorkerCrashedError,
  WorkerPool,
  type WorkerPoolOptions,
} from "./mod.ts";
import { bounded, HOST_IMPORTS, poolComponent, random, settle, until } from "./_test_util.ts";

const bytes = await poolComponent();
const MODES = ["worker", "in-thread"] as const;
type Mode = typeof MODES[number];

function createPool(mode: Mode, options: WorkerPoolOptions = {}): Promise<WorkerPool> {
  return bounded(
    WorkerPool.create(bytes, { mode, size: 2, imports: HOST_IMPORTS, ...options }),
    "create the pool",
  );
}

/** The pool answers 100 calls, each with its own correct result. */
async function assertServes100(pool: WorkerPool): Promise<void> {
  const results = await bounded(
    Promise.all(Array.from({ length: 100 }, (_, i) => pool.call("add", [i, 1000]))),
    "100 calls after a failure",
  );
  assert.deepEqual(results, Array.from({ length: 100 }, (_, i) => i + 1000));
}

for (const mode of MODES) {
  const inThread = mode === "in-thread";

  Deno.test(`${mode}: calls run on the pool's instances, and stats show where`, async () => {
    await using pool = await createPool(mode, { start: "eager" });
    assert.equal(pool.mode, mode);
    assert.equal(pool.size, 2);
    const stats = pool.stats();
    assert.deepEqual(stats.map((s) => s.state), ["idle", "idle"]);
    if (inThread) assert.deepEqual(stats.map((s) => s.thread), ["main", "main"]);
    else {
      // Each worker made its own id inside its own thread.
      assert.notEqual(stats[0]!.thread, stats[1]!.thread);
      assert.ok(stats.every((s) => typeof s.thread === "string" && s.thread !== "main"));
    }
    assert.notEqual(stats[0]!.instance, stats[1]!.instance);
    assert.equal(await pool.call("add", [2, 3]), 5);
    assert.equal(await pool.call("via-host", [21]), 42); // an import from the imports module
    const after = pool.stats();
    assert.equal(after[0]!.calls + after[1]!.calls, 2);
    assert.deepEqual(after.map((s) => s.inFlight), [0, 0]);
  });

  Deno.test(`${mode}: a trap poisons one instance, which is replaced`, async () => {
    await using pool = await createPool(mode, { size: 1 });
    assert.equal(await pool.call("add", [1, 1]), 2);
    const before = pool.stats()[0]!;
    const error = await bounded(pool.call("trap", [1]).catch((e) => e), "trap");
    assert.ok(error instanceof Trap, `expected a Trap, received ${error}`);
    assert.equal(error.name, "Trap");
    assert.match(error.message, /unreachable/);
    const after = pool.stats()[0]!;
    assert.equal(after.restarts, before.restarts + 1);
    assert.notEqual(after.instance, before.instance);
    // The same worker (thread) serves on with a fresh instance.
    assert.equal(after.thread, before.thread);
    await assertServes100(pool);
  });

  Deno.test({
    name: `${mode}: a worker that dies mid-call rejects with WorkerCrashedError and is replaced`,
    // A guest cannot end the main thread's event loop, and must not try.
    ignore: inThread,
    fn: async () => {
      await using pool = await createPool(mode, { size: 2, start: "eager" });
      const threads = pool.stats().map((s) => s.thread);
      const error = await bounded(pool.call("close-worker", [7]).catch((e) => e), "crash");
      assert.ok(error instanceof WorkerCrashedError, `received ${error}`);
      const stats = pool.stats();
      assert.equal(stats[0]!.restarts + stats[1]!.restarts, 1);
      await assertServes100(pool);
      const now = pool.stats().map((s) => s.thread);
      assert.equal(now.filter((t) => threads.includes(t)).length, 1, "one worker was replaced");
    },
  });

  Deno.test({
    name: `${mode}: calls sent ahead to a worker that dies run elsewhere`,
    ignore: inThread,
    fn: async () => {
      await using pool = await createPool(mode, { size: 1, start: "eager", pipeline: 4 });
      const crash = pool.call("close-worker", [7]).catch((e) => e);
      // Sent ahead to the same worker, which closes before it takes them.
      const behind = [1, 2, 3].map((n) => pool.call("add", [n, 10]));
      assert.equal(pool.stats()[0]!.inFlight, 4);
      assert.ok((await bounded(crash, "crash")) instanceof WorkerCrashedError);
      assert.deepEqual(await bounded(Promise.all(behind), "calls sent ahead"), [11, 12, 13]);
      assert.equal(pool.stats()[0]!.restarts, 1);
    },
  });

  Deno.test({
    name: `${mode}: a worker that dies between calls is replaced`,
    ignore: inThread,
    fn: async () => {
      await using pool = await createPool(mode, { size: 1, start: "eager" });
      const thread = pool.stats()[0]!.thread;
      assert.equal(await bounded(pool.call("crash-later", [3]), "crash-later"), 3);
      await until(() => pool.stats()[0]!.restarts === 1, "the crash to be noticed");
      await assertServes100(pool);
      assert.notEqual(pool.stats()[0]!.thread, thread);
    },
  });

  Deno.test({
    name: `${mode}: a hung guest is ended by its timeout`,
    // A synchronous guest in the current thread cannot be interrupted.
    ignore: inThread,
    fn: async () => {
      // Eager: the timeout must find the guest running, not its worker starting.
      await using pool = await createPool(mode, { size: 2, start: "eager" });
      const error = await bounded(pool.call("spin", [], { timeout: 200 }).catch((e) => e), "spin");
      assert.ok(error instanceof TimeoutError, `received ${error}`);
      assert.match(error.message, /200 ms/);
      await assertServes100(pool);
      assert.equal(pool.stats().reduce((n, s) => n + s.restarts, 0), 1);
    },
  });

  Deno.test({
    name: `${mode}: aborting a running hung call ends it with CancelledError`,
    ignore: inThread,
    fn: async () => {
      const started: number[] = [];
      await using pool = await createPool(mode, {
        size: 1,
        start: "eager",
        mainThreadImports: { notify: (x: number) => void started.push(x) },
      });
      const controller = new AbortController();
      const hung = pool.call("notify-then-spin", [1], { signal: controller.signal });
      // Sent ahead behind the hung call: cancelling it needs no termination.
      const behind = new AbortController();
      const second = pool.call("add", [1, 1], { signal: behind.signal }).catch((e) => e);
      await until(() => started.length === 1, "the guest to start spinning");
      assert.equal(pool.stats()[0]!.inFlight, 2);
      behind.abort();
      assert.ok((await second) instanceof CancelledError);
      assert.equal(pool.stats()[0]!.restarts, 0);
      assert.equal(pool.stats()[0]!.inFlight, 1);
      controller.abort(new Error("user gave up"));
      const error = await bounded(hung.catch((e) => e), "aborted spin");
      assert.ok(error instanceof CancelledError, `received ${error}`);
      assert.equal((error.cause as Error).message, "user gave up");
      assert.equal(pool.stats()[0]!.restarts, 1);
      await assertServes100(pool);
    },
  });

  Deno.test(`${mode}: aborting queued calls removes them; the pool serves on`, async () => {
    await using pool = await createPool(mode, { size: 1, start: "eager", pipeline: 1 });
    const controller = new AbortController();
    const first = pool.call("add", [1, 2]); // dispatched at once to the idle instance
    const queued = [3, 4, 5].map((n) =>
      pool.call("add", [n, 0], { signal: controller.signal }).catch((e) => e)
    );
    assert.equal(pool.stats()[0]!.inFlight, 1);
    controller.abort();
    for (const error of await bounded(Promise.all(queued), "queued aborts")) {
      assert.ok(error instanceof CancelledError, `received ${error}`);
    }
    assert.equal(await first, 3);
    const pre = await pool.call("add", [1, 1], { signal: AbortSignal.abort() }).catch((e) => e);
    assert.ok(pre instanceof CancelledError);
    await assertServes100(pool);
    assert.equal(pool.stats()[0]!.restarts, 0);
  });

  Deno.test(`${mode}: errors keep class, message, cause and payload`, async () => {
    await using pool = await createPool(mode, { size: 1 });
    assert.equal(await pool.call("check", [4]), 8);
    const error = await pool.call("check", [40]).catch((e) => e);
    assert.ok(error instanceof ComponentError, `received ${error}`);
    assert.equal(error.payload, "too big");
    assert.equal(error.message, "The component returned an error: too big");
    const missing = await pool.call("no-such-export").catch((e) => e);
    assert.ok(missing instanceof TypeError);
    assert.match(missing.message, /no-such-export/);
    const badArg = await pool.call("add", [-1, 2]).catch((e) => e);
    assert.ok(badArg instanceof RangeError || badArg instanceof TypeError, `received ${badArg}`);
    // Neither poisoned the instance.
    assert.equal(pool.stats()[0]!.restarts, 0);
    // A throwing host import traps the guest; the host error is the trap's cause.
    const trap = await pool.call("via-host", [999]).catch((e) => e);
    assert.ok(trap instanceof Trap, `received ${trap}`);
    assert.match(trap.message, /999 is too big/);
    assert.ok(trap.cause instanceof RangeError);
    assert.equal(trap.cause.message, "999 is too big");
    assert.deepEqual(trap.cause.cause, { limit: 998 });
    assert.equal(await pool.call("via-host", [4]), 8);
  });

  Deno.test(`${mode}: arguments that cannot cross a thread are refused before sending`, async () => {
    await using pool = await createPool(mode, { size: 1 });
    const error = await pool.call("add", [1, { onData: () => {} }]).catch((e) => e);
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /args\[1\]\.onData: function/);
    const sym = (await pool.call("add", [[1, Symbol("s")], 2]).catch((e) => e)) as Error;
    assert.match(sym.message, /args\[0\]\[1\]: symbol/);
    const cls = (await pool.call("add", [new (class Point {})(), 2]).catch((e) => e)) as Error;
    assert.match(cls.message, /args\[0\]: Point object/);
    assert.equal(pool.stats()[0]!.calls, 0, "nothing was sent");
  });

  Deno.test(`${mode}: buffers are transferred by option`, async () => {
    await using pool = await createPool(mode, { size: 1 });
    const copied = new Uint8Array([1, 2, 3]);
    assert.equal(await pool.call("sum", [copied]), 6);
    assert.equal(copied.byteLength, 3);
    const moved = new Uint8Array([4, 5, 6]);
    assert.equal(await pool.call("sum", [moved], { transfer: true }), 15);
    // Transfer detaches the caller's buffer; in one thread nothing moves.
    assert.equal(moved.byteLength, inThread ? 3 : 0);
  });

  Deno.test(`${mode}: resources stay in their instance and route their calls there`, async () => {
    await using pool = await createPool(mode, { size: 2, start: "eager" });
    const a = await pool.call<PooledResource>("[constructor]counter", [41]);
    const b = await pool.call<PooledResource>("[constructor]counter", [100]);
    assert.ok(a instanceof PooledResource);
    assert.equal(a.type, "Counter");
    // Many calls at once: each goes to its resource's instance, in order.
    const calls = [];
    for (let i = 0; i < 20; i++) {
      calls.push(a.call("increment"), pool.call("[method]counter.increment", [b]));
    }
    const results = await bounded(Promise.all(calls), "method calls");
    assert.deepEqual(
      results.filter((_, i) => i % 2 === 0),
      Array.from({ length: 20 }, (_, i) => 42 + i),
    );
    assert.deepEqual(
      results.filter((_, i) => i % 2 === 1),
      Array.from({ length: 20 }, (_, i) => 101 + i),
    );
    assert.equal(pool.stats().reduce((n, s) => n + s.resources, 0), 2);
    await a.drop();
    const lost = await a.call("increment").catch((e) => e);
    assert.ok(lost instanceof ResourceLostError);
    assert.equal(pool.stats().reduce((n, s) => n + s.resources, 0), 1);
    await b.drop();
  });

  Deno.test(`${mode}: dropping a resource runs its destructor in its instance`, async () => {
    await using pool = await createPool(mode, { size: 1 });
    {
      await using counter = await pool.call<PooledResource>("[constructor]counter", [1]);
      assert.equal(await counter.call("increment"), 2);
      assert.equal(await pool.call("drops"), 0);
    }
    assert.equal(await pool.call("drops"), 1);
  });

  Deno.test(`${mode}: a forgotten resource handle is dropped once collected`, async () => {
    // Needs `gc()`, so it runs in its own Deno process.
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--v8-flags=--expose-gc",
        new URL("./testdata/collect_handle.ts", import.meta.url).pathname,
        mode,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill(), 60_000);
    const output = await child.output();
    clearTimeout(timer);
    const text = new TextDecoder().decode(output.stdout).trim();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    assert.equal(text, "resources=0 drops=1");
  });

  Deno.test(`${mode}: a trap loses the instance's resources with a clear error`, async () => {
    await using pool = await createPool(mode, { size: 1 });
    const counter = await pool.call<PooledResource>("[constructor]counter", [1]);
    await pool.call("trap", [0]).catch(() => {});
    const error = await counter.call("increment").catch((e) => e);
    assert.ok(error instanceof ResourceLostError, `received ${error}`);
    await counter.drop(); // nothing left to drop: resolves
    await assertServes100(pool);
  });

  Deno.test(`${mode}: a full queue rejects, or waits, by option`, async () => {
    {
      await using pool = await createPool(mode, {
        size: 1,
        start: "eager",
        pipeline: 1,
        maxQueue: 2,
        whenFull: "reject",
      });
      const outcomes = await bounded(
        Promise.all([1, 2, 3, 4].map((n) => settle(pool.call("add", [n, 0])))),
        "reject when full",
      );
      // One runs, two wait in the queue, the fourth finds it full.
      assert.deepEqual(outcomes.slice(0, 3).map((o) => o.ok && o.value), [1, 2, 3]);
      assert.ok(!outcomes[3]!.ok && outcomes[3]!.error instanceof QueueFullError);
    }
    {
      await using pool = await createPool(mode, { size: 1, maxQueue: 1 });
      const results = await bounded(
        Promise.all(Array.from({ length: 50 }, (_, i) => pool.call("add", [i, 0]))),
        "wait when full",
      );
      assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => i));
    }
  });

  Deno.test(`${mode}: main-thread imports are called from the instances`, async () => {
    const seen: number[] = [];
    await using pool = await createPool(mode, {
      size: 1,
      mainThreadImports: { notify: (x: number) => void seen.push(x) },
    });
    await pool.call("notify-twice", [5]);
    await until(() => seen.length === 2, "both notifications");
    assert.deepEqual(seen, [5, 6]);
  });

  Deno.test(`${mode}: dispose waits for calls; later calls are refused`, async () => {
    const pool = await createPool(mode, { size: 2 });
    const pending = Array.from({ length: 10 }, (_, i) => pool.call("add", [i, i]));
    await bounded(pool[Symbol.asyncDispose](), "dispose");
    assert.deepEqual(await Promise.all(pending), Array.from({ length: 10 }, (_, i) => 2 * i));
    const error = await pool.call("add", [1, 1]).catch((e) => e);
    assert.ok(error instanceof PoolClosedError);
    assert.deepEqual(pool.stats().map((s) => s.state), ["stopped", "stopped"]);
  });

  Deno.test(`${mode}: terminate rejects every unfinished call`, async () => {
    const pool = await createPool(mode, { size: 1, start: "eager" });
    const calls = Array.from({ length: 5 }, (_, i) => settle(pool.call("add", [i, 0])));
    pool.terminate();
    const outcomes = await bounded(Promise.all(calls), "terminated calls");
    // In a worker the running call is cut off too; in-thread it had not started yet.
    for (const outcome of outcomes) {
      assert.ok(!outcome.ok && outcome.error instanceof WorkerCrashedError);
    }
  });

  Deno.test(`${mode}: idle instances are stopped and restart on demand`, async () => {
    await using pool = await createPool(mode, { size: 1, idleTimeout: 20 });
    assert.equal(await pool.call("add", [1, 2]), 3);
    await until(() => pool.stats()[0]!.state === "stopped", "the idle instance to stop");
    assert.equal(await pool.call("add", [2, 2]), 4);
    // A slot holding a resource is kept.
    const counter = await pool.call<PooledResource>("[constructor]counter", [1]);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(await counter.call("increment"), 2);
    await counter.drop();
  });

  Deno.test(`${mode}: 10,000 calls on a pool of 2 with random aborts lose nothing`, async () => {
    await using pool = await createPool(mode, { size: 2, start: "eager" });
    const rand = random(0x5eed);
    // "ok": never aborted; "cancelled": aborted before it could start; "either": aborted later.
    const expected: ("ok" | "cancelled" | "either")[] = [];
    const calls: Promise<unknown>[] = [];
    let runningAborts = 0;
    for (let i = 0; i < 10_000; i++) {
      const r = rand();
      const a = i % 1000;
      if (r < 0.03) {
        calls.push(pool.call("add", [a, 1], { signal: AbortSignal.abort() }));
        expected.push("cancelled");
      } else if (r < 0.08) {
        const controller = new AbortController();
        calls.push(pool.call("add", [a, 1], { signal: controller.signal }));
        controller.abort();
        expected.push("cancelled");
      } else if (r < 0.0815 && runningAborts < 12) {
        // Aborted a little later: queued, running or already done.
        runningAborts++;
        const controller = new AbortController();
        calls.push(pool.call("add", [a, 1], { signal: controller.signal }));
        setTimeout(() => controller.abort(), Math.floor(rand() * 4));
        expected.push("either");
      } else {
        calls.push(pool.call("add", [a, 1]));
        expected.push("ok");
      }
    }
    const outcomes = await bounded(Promise.all(calls.map(settle)), "10,000 calls", 120_000);
    let ok = 0;
    let cancelled = 0;
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) {
        assert.notEqual(expected[i], "cancelled", `call ${i} should have been cancelled`);
        assert.equal(outcome.value, (i % 1000) + 1, `call ${i}`);
        ok++;
      } else {
        assert.notEqual(expected[i], "ok", `call ${i} failed: ${outcome.error}`);
        assert.ok(outcome.error instanceof CancelledError, `call ${i}: ${outcome.error}`);
        cancelled++;
      }
    });
    assert.equal(ok + cancelled, 10_000);
    assert.ok(cancelled >= expected.filter((e) => e === "cancelled").length);
    assert.ok(ok >= expected.filter((e) => e === "ok").length);
    await assertServes100(pool);
  });
}

/** The thread ids of this process's worker threads (named `worker-N`), where Linux tells. */
function workerThreads(): Set<string> | undefined {
  try {
    const ids = new Set<string>();
    for (const task of Deno.readDirSync("/proc/self/task")) {
      try {
        const name = Deno.readTextFileSync(`/proc/self/task/${task.name}/comm`).trim();
        if (/^worker-\d+$/.test(name)) ids.add(task.name);
      } catch {
        // The thread ended while we looked.
      }
    }
    return ids;
  } catch {
    return undefined;
  }
}

Deno.test({
  name: "the thread of a hung guest ends once its call is given up",
  // Deno's terminate() alone leaves a thread in a loop running; the guest's
  // interrupt flag is what ends it. Naming threads needs Linux's /proc.
  ignore: workerThreads() === undefined,
  fn: async () => {
    const before = workerThreads()!;
    const pool = await createPool("worker", { size: 1, start: "eager" });
    const error = await bounded(pool.call("spin", [], { timeout: 200 }).catch((e) => e), "spin");
    assert.ok(error instanceof TimeoutError, `received ${error}`);
    await assertServes100(pool);
    // The pool's threads: the one that spun and its replacement.
    const ours = [...workerThreads()!].filter((id) => !before.has(id));
    assert.ok(ours.length >= 1, "the pool's worker threads were not found");
    pool.terminate();
    await bounded(pool[Symbol.asyncDispose](), "dispose");
    await until(
      () => ours.every((id) => !workerThreads()!.has(id)),
      "the pool's worker threads to end",
      10_000,
    );
  },
});

Deno.test("a pool starts from a URL or a compiled Component", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const url = new URL(`file://${dir}/pool.wasm`);
    await Deno.writeFile(url, bytes);
    {
      await using pool = await WorkerPool.create(url, { size: 1, imports: HOST_IMPORTS });
      assert.equal(await bounded(pool.call("add", [20, 22]), "url pool"), 42);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const component = await Component.compile(bytes);
  {
    await using pool = await WorkerPool.create(component, {
      size: 1,
      imports: HOST_IMPORTS,
      bytes,
    });
    assert.equal(await bounded(pool.call("add", [1, 2]), "component pool"), 3);
  }
  {
    await using pool = await WorkerPool.create(component, {
      mode: "in-thread",
      imports: HOST_IMPORTS,
    });
    assert.equal(await pool.call("add", [1, 2]), 3);
  }
  await assert.rejects(
    WorkerPool.create(component, { mode: "worker", imports: HOST_IMPORTS }),
    TypeError,
  );
});

Deno.test("a LinkError in a worker reaches the caller as a LinkError", async () => {
  const error = await bounded(
    WorkerPool.create(bytes, { size: 1, start: "eager" }).catch((e) => e),
    "eager create",
  );
  assert.ok(error instanceof LinkError, `received ${error}`);
  assert.match(error.message, /host-double/);
  assert.equal(error.import, "host-double");
  // Lazily: the call that needed the instance gets the error.
  await using pool = await WorkerPool.create(bytes, { size: 1 });
  const lazy = await bounded(pool.call("add", [1, 2]).catch((e) => e), "lazy");
  assert.ok(lazy instanceof LinkError, `received ${lazy}`);
});

Deno.test("a main-thread import with a result: the worker's guest waits for its answer", async () => {
  const threads: string[] = [];
  await using pool = await WorkerPool.create(bytes, {
    mode: "worker",
    size: 1,
    imports: HOST_IMPORTS,
    mainThreadImports: {
      "host-double": async (x: number) => {
        threads.push(typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope);
        await new Promise((r) => setTimeout(r, 1));
        if (x === 999) throw new RangeError("999 is too big");
        return x * 3;
      },
    },
  });
  assert.equal(await pool.call("via-host", [7]), 21);
  assert.deepEqual(await Promise.all([1, 2, 3].map((x) => pool.call("via-host", [x]))), [3, 6, 9]);
  assert.deepEqual(threads, Array(4).fill("undefined"), "ran in the main thread");
  // Its error traps the guest: that instance is replaced, and the pool goes on.
  await assert.rejects(pool.call("via-host", [999]), (e: Error) => e.name === "Trap");
  assert.equal(await pool.call("via-host", [5]), 15);
});

Deno.test("without Worker the pool runs in this thread, same API", async () => {
  const saved = Object.getOwnPropertyDescriptor(globalThis, "Worker")!;
  // As on a platform without workers (Supabase Edge, Cloudflare).
  delete (globalThis as { Worker?: unknown }).Worker;
  let pool: WorkerPool;
  try {
    pool = await WorkerPool.create(bytes, { imports: HOST_IMPORTS });
  } finally {
    Object.defineProperty(globalThis, "Worker", saved);
  }
  await using _ = pool;
  assert.equal(pool.mode, "in-thread");
  assert.equal(pool.size, 1);
  assert.equal(await pool.call("add", [40, 2]), 42);
  assert.equal(pool.stats()[0]!.thread, "main");
});

Deno.test("bad options and names are refused with clear errors", async () => {
  await assert.rejects(WorkerPool.create(bytes, { size: 0 }), RangeError);
  await assert.rejects(WorkerPool.create(bytes, { pipeline: 65 }), RangeError);
  await assert.rejects(
    WorkerPool.create(bytes, { mode: "threads" as never }),
    /expected "auto", "worker" or "in-thread"/,
  );
  await assert.rejects(
    WorkerPool.create(new Uint8Array([0, 97, 115, 109]), { mode: "in-thread" }),
    (error: Error) => error.name === "CompileError",
  );
  await using pool = await WorkerPool.create(bytes, { mode: "in-thread", imports: HOST_IMPORTS });
  await assert.rejects(pool.call(42 as never), /export name must be a string/);
  await assert.rejects(pool.call("add", "1, 2" as never), /args must be an array/);
});

Deno.test("a worker that never starts fails its calls instead of hanging them", async () => {
  const imports = new URL("./testdata/spinning_imports.ts", import.meta.url);
  {
    await using pool = await WorkerPool.create(bytes, { size: 1, imports, startTimeout: 300 });
    const error = await bounded(pool.call("add", [1, 2]).catch((e) => e), "call");
    assert.ok(error instanceof WorkerCrashedError, `received ${error}`);
    assert.match(error.message, /did not start within 300 ms/);
    assert.equal(pool.stats()[0]!.state, "stopped");
  }
  {
    // Terminating the pool gives up a start at once.
    const pool = await WorkerPool.create(bytes, { size: 1, imports });
    const call = pool.call("add", [1, 2]).catch((e) => e);
    await until(() => pool.stats()[0]!.state === "starting", "the worker to be starting");
    pool.terminate();
    assert.ok((await bounded(call, "call")) instanceof WorkerCrashedError);
    await bounded(pool[Symbol.asyncDispose](), "dispose after terminate");
  }
});
