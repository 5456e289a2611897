// The contract for the runtime's JSPI bridge (issue #4): a blocking WASI call's
// SUSPENDING form, wrapped in WebAssembly.Suspending, suspends a wasm caller
// until the wait is over. Shown here on a core module, without the runtime.
import assert from "node:assert/strict";
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import { createWasi, InputStream, type Pollable, SUSPENDING } from "./mod.ts";

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
