// The contract for the runtime's JSPI bridge (issue #4): a blocking WASI call's
// SUSPENDING form, wrapped in WebAssembly.Suspending, suspends a wasm caller
// until the wait is over. Shown here on a core module, without the runtime.
import assert from "node:assert/strict";
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import {
  createWasi,
  InputStream,
  OutputStream,
  type Pollable,
  ReadableSource,
  SUSPENDING,
} from "./mod.ts";

type Jspi = {
  Suspending: new (f: (...args: never[]) => Promise<unknown>) => unknown;
  promising: (f: unknown) => (...args: unknown[]) => Promise<unknown>;
};
const jspi = WebAssembly as unknown as Partial<Jspi>;
const hasJspi = typeof jspi.Suspending === "function" && typeof jspi.promising === "function";

async function instantiate(wat: string, h: Record<string, unknown>): Promise<WebAssembly.Exports> {
  const bytes = await parse(wat);
  const { instance } = await WebAssembly.instantiate(
    bytes as BufferSource,
    { h } as WebAssembly.Imports,
  );
  return instance.exports;
}

Deno.test({
  name: "JSPI: pollable.block's SUSPENDING form suspends a wasm caller until the clock fires",
  ignore: !hasJspi,
  async fn() {
    const { Suspending, promising } = jspi as Jspi;
    const mono = createWasi().imports["wasi:clocks/monotonic-clock@0.2.12"] as {
      subscribeDuration(d: bigint): Pollable;
    };
    // Assigned after instantiation, so the 20 ms timer starts just before the call.
    // deno-lint-ignore prefer-const
    let p!: Pollable;
    const blockAsync = (mono.subscribeDuration(0n).block as unknown as Record<
      symbol,
      (this: Pollable) => Promise<void>
    >)[
      SUSPENDING
    ]!;
    const exports = await instantiate(
      `(module (import "h" "block" (func $block))
         (func (export "run") (result i32) (call $block) (i32.const 7)))`,
      { block: new Suspending(() => blockAsync.call(p)) },
    );
    // Subscribed after compiling, so the 20 ms start now.
    p = mono.subscribeDuration(20_000_000n);
    assert.equal(p.ready(), false);
    const t0 = performance.now();
    assert.equal(await promising(exports.run)(), 7);
    assert.ok(performance.now() - t0 >= 15, "the wasm caller waited");
    assert.equal(p.ready(), true);
  },
});

Deno.test({
  name: "JSPI: blocking-read's SUSPENDING form hands a suspended caller the bytes when they come",
  ignore: !hasJspi,
  async fn() {
    const { Suspending, promising } = jspi as Jspi;
    let c!: ReadableStreamDefaultController<Uint8Array>;
    const stream = InputStream.fromReadable(new ReadableStream({ start: (x) => void (c = x) }));
    const readAsync = (InputStream.prototype.blockingRead as unknown as Record<
      symbol,
      (this: InputStream, n: bigint) => Promise<Uint8Array>
    >)[SUSPENDING]!;
    const exports = await instantiate(
      `(module (import "h" "read" (func $read (result i32)))
         (func (export "run") (result i32) (call $read)))`,
      { read: new Suspending(async () => (await readAsync.call(stream, 10n)).length) },
    );
    const result = promising(exports.run)();
    setTimeout(() => c.enqueue(new Uint8Array([1, 2, 3])), 5);
    assert.equal(await result, 3);
  },
});

type Form = (this: unknown, ...args: unknown[]) => unknown;
const formOf = (fn: unknown): Form => (fn as Record<symbol, Form>)[SUSPENDING]!;

Deno.test("a blocking call whose wait is over answers at once, without a Promise to suspend on", async () => {
  const mono = createWasi().imports["wasi:clocks/monotonic-clock@0.2.12"] as {
    subscribeDuration(d: bigint): Pollable;
  };
  const { poll } = createWasi().imports["wasi:io/poll@0.2.12"] as {
    poll(list: Pollable[]): Uint32Array;
  };
  const ready = mono.subscribeDuration(0n);
  const later = mono.subscribeDuration(5_000_000n);
  assert.equal(formOf(ready.block).call(ready), undefined);
  assert.deepEqual(formOf(poll).call(undefined, [later, ready]), new Uint32Array([1]));
  // Not ready yet: a Promise, which settles when the wait is over.
  const waiting = formOf(later.block).call(later);
  assert.ok(waiting instanceof Promise);
  await waiting;
  assert.equal(later.ready(), true);

  // A synchronous sink is done at once; an asynchronous one is waited for.
  const sync = new OutputStream({ write: () => {} });
  assert.equal(formOf(sync.blockingWriteAndFlush).call(sync, new Uint8Array(8)), undefined);
  let release!: () => void;
  const slow = new OutputStream({ write: () => new Promise<void>((r) => release = r) });
  const pending = formOf(slow.blockingWriteAndFlush).call(slow, new Uint8Array(8));
  assert.ok(pending instanceof Promise);
  release();
  await pending;

  const input = new InputStream(
    new ReadableSource(new ReadableStream({ start: (c) => c.enqueue(new Uint8Array([7])) })),
  );
  await formOf(input.subscribe().block).call(input.subscribe());
  assert.deepEqual(formOf(input.blockingRead).call(input, 4n), new Uint8Array([7]));
});
