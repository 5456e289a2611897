// The option matrix of component-model async (issue #4): sync/async export ×
// JSPI on/off × callback/stackful lift, as the table in the "Component-model
// async" section of mod.ts documents it; then the sync export suspended by
// JSPI, and its cancellation.
import assert from "node:assert/strict";
import { fixture } from "../../scripts/fixtures.ts";
import {
  CancelledError,
  CompileError,
  Component,
  type Instance,
  JspiRequiredError,
  Trap,
} from "./mod.ts";

const wasm = WebAssembly as unknown as Record<string, unknown>;

/** Runs `f` with JSPI on (as the engine has it) or off (`WebAssembly.promising` and `.Suspending` gone). */
async function withJspi<T>(on: boolean, f: () => Promise<T>): Promise<T> {
  const promising = wasm.promising;
  const suspending = wasm.Suspending;
  if (!on) {
    wasm.promising = undefined;
    wasm.Suspending = undefined;
  }
  try {
    return await f();
  } finally {
    wasm.promising = promising;
    wasm.Suspending = suspending;
  }
}

const load = async (name: string): Promise<Component> =>
  await Component.compile(await fixture(new URL(`./testdata/${name}.wat`, import.meta.url)));

type Fn = (...args: unknown[]) => unknown;
const fn = (instance: Instance, name: string): Fn => instance.exports[name] as Fn;

/** What the matrix in mod.ts says a call of `run*(4)` gives (each answers x + 1). */
type Expected = "value" | "promise" | "compile-error";

const MATRIX: readonly {
  lift: "callback" | "stackful";
  jspi: boolean;
  sync: Expected;
  async: Expected;
}[] = [
  { lift: "callback", jspi: true, sync: "value", async: "promise" },
  { lift: "callback", jspi: false, sync: "value", async: "promise" },
  { lift: "stackful", jspi: true, sync: "value", async: "promise" },
  { lift: "stackful", jspi: false, sync: "compile-error", async: "compile-error" },
];

for (const row of MATRIX) {
  for (const exportKind of ["sync", "async"] as const) {
    const expected = row[exportKind];
    const name = exportKind === "sync" ? "run" : "run-async";
    Deno.test(
      `matrix: ${exportKind} export, ${row.lift} component, JSPI ${
        row.jspi ? "on" : "off"
      }: ${expected}`,
      async () => {
        const component = await load(`async_matrix_${row.lift}`);
        await withJspi(row.jspi, async () => {
          if (expected === "compile-error") {
            await assert.rejects(() => component.instantiate(), (e: unknown) => {
              assert.ok(e instanceof CompileError);
              assert.match(e.message, /stackful async lift .* needs JSPI/);
              return true;
            });
            return;
          }
          const instance = await component.instantiate();
          const r = fn(instance, name)(4);
          if (expected === "value") assert.equal(r, 5);
          else {
            assert.ok(r instanceof Promise, "an async export returns a Promise");
            assert.equal(await r, 5);
          }
          // Twice, and concurrently for async: the instance keeps serving.
          const again = await Promise.all([fn(instance, name)(10), fn(instance, name)(20)]);
          assert.deepEqual(again, [11, 21]);
        });
      },
    );
  }
}

for (const jspi of [true, false]) {
  Deno.test(
    `matrix: a blocking built-in (sync waitable-set.wait) with JSPI ${jspi ? "on" : "off"}`,
    async () => {
      const component = await load("async_matrix_blocking");
      await withJspi(jspi, async () => {
        const { exports } = await component.instantiate({
          wait: async (x: number): Promise<number> => await x * 3,
        });
        const r = exports.run(4) as Promise<number>;
        assert.ok(r instanceof Promise);
        if (jspi) {
          assert.equal(await r, 12);
          return;
        }
        await assert.rejects(r, (e: unknown) => {
          assert.ok(e instanceof Trap);
          assert.ok(e.cause instanceof JspiRequiredError, "the cause names JSPI");
          assert.match(e.message, /waitable-set.wait/);
          return true;
        });
      });
    },
  );
}

/** A host `fetch(x)` whose Promises the test settles; `fetch(x)` for x >= 100 answers at once. */
function manualFetch() {
  const pending = new Map<number, (v: number) => void>();
  const calls: number[] = [];
  return {
    imports: {
      fetch: (x: number): number | Promise<number> => {
        calls.push(x);
        if (x >= 100) return x;
        return new Promise<number>((resolve) => pending.set(x, resolve));
      },
    },
    calls,
    answer(x: number, v: number): void {
      const resolve = pending.get(x);
      assert.ok(resolve, `no pending fetch(${x})`);
      pending.delete(x);
      resolve(v);
    },
  };
}

/** Lets queued microtasks and timers run. */
const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

for (const jspi of [true, false]) {
  Deno.test(
    `matrix: a sync export whose host import answers with a Promise, JSPI ${
      jspi ? "on: a Promise" : "off: a trap naming JSPI"
    }`,
    async () => {
      const component = await load("async_sync_suspend");
      await withJspi(jspi, async () => {
        const host = manualFetch();
        const { exports } = await component.instantiate(host.imports);
        // Not suspended: a value, as for any sync export.
        assert.equal(exports.get(200), 200);
        if (!jspi) {
          assert.throws(() => exports.get(1), (e: unknown) => {
            assert.ok(e instanceof Trap);
            assert.ok(e.cause instanceof JspiRequiredError);
            return true;
          });
          return;
        }
        const r = exports.get(1);
        assert.ok(r instanceof Promise);
        await turn();
        host.answer(1, 10);
        assert.equal(await r, 10);
        assert.equal(exports.postReturns(), 2, "post-return ran for both calls");
      });
    },
  );
}

Deno.test("a suspended sync export: the next call waits for it", async () => {
  const component = await load("async_sync_suspend");
  const host = manualFetch();
  const { exports } = await component.instantiate(host.imports);
  const a = exports.get(1) as Promise<number>;
  const b = exports.get(2) as Promise<number>;
  const c = exports.get(300) as Promise<number>;
  assert.ok(b instanceof Promise && c instanceof Promise, "later calls wait their turn");
  await turn();
  assert.deepEqual(host.calls, [1], "call B has not entered while A is suspended");
  host.answer(1, 10);
  assert.equal(await a, 10);
  await turn();
  assert.deepEqual(host.calls, [1, 2]);
  host.answer(2, 20);
  assert.equal(await b, 20);
  assert.equal(await c, 300);
  assert.equal(exports.postReturns(), 3);
  // Nothing suspended any more: a value again.
  assert.equal(exports.get(400), 400);
});

Deno.test("aborting a suspended sync export rejects at once; it finishes in isolation", async () => {
  const component = await load("async_sync_suspend");
  const host = manualFetch();
  const { exports } = await component.instantiate(host.imports);
  const controller = new AbortController();
  const a = exports.get(1, { signal: controller.signal }) as Promise<number>;
  assert.ok(a instanceof Promise);
  const waiting = new AbortController();
  const b = exports.get(2, { signal: waiting.signal }) as Promise<number>;
  const c = exports.get(3) as Promise<number>;
  await turn();
  controller.abort();
  await assert.rejects(a, CancelledError);
  // B, still waiting for its turn, is aborted: it never enters.
  waiting.abort();
  await assert.rejects(b, CancelledError);
  await turn();
  assert.deepEqual(host.calls, [1], "C waits for the cancelled call A to finish");
  assert.equal(exports.postReturns() instanceof Promise, true, "a call now waits too");
  host.answer(1, 10);
  await turn();
  assert.deepEqual(host.calls, [1, 3], "A finished (result dropped); C entered; B never did");
  host.answer(3, 30);
  assert.equal(await c, 30);
  assert.equal(exports.postReturns(), 2, "A's post-return ran, B never entered");
  // A signal aborted before the call rejects without entering.
  await assert.rejects(
    exports.get(4, { signal: controller.signal }) as Promise<number>,
    CancelledError,
  );
  assert.deepEqual(host.calls, [1, 3]);
  // A call that completes at once with a signal is a value.
  assert.equal(exports.get(500, { signal: new AbortController().signal }), 500);
});

Deno.test("a sync export throws on a bad argument, naming it, before entering", async () => {
  const component = await load("async_sync_suspend");
  const host = manualFetch();
  const { exports } = await component.instantiate(host.imports);
  assert.throws(() => exports.get("seven"), (e: unknown) => {
    assert.ok(e instanceof TypeError);
    assert.match(e.message, /argument "x"/);
    return true;
  });
  assert.throws(() => exports.get(-1), /argument "x" as u32: received -1/);
  assert.deepEqual(host.calls, []);
});
