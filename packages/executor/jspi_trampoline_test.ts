import assert from "node:assert/strict";
import { Trap } from "@weft/abi";
import { hasJspi } from "./jspi.ts";
import { entryTrampoline, suspendingTrampoline } from "./jspi_trampoline.ts";
import { deferred } from "./_test_util.ts";

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
const str = (s: string): number[] => [s.length, ...new TextEncoder().encode(s)];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];

/**
 * (module (import "env" "f" (func (param i32) (result i32)))
 *   (func (export "g") (param i32) (result i32)
 *     local.get 0 call 0 i32.const 1 i32.add)
 *   (func (export "trap") unreachable))
 */
function guest(f: WebAssembly.ImportValue): {
  g: (x: number) => number;
  trap: () => void;
} {
  const i32 = 0x7f;
  const g = [0x00, 0x20, 0x00, 0x10, 0x00, 0x41, 0x01, 0x6a, 0x0b];
  const trap = [0x00, 0x00, 0x0b];
  const bytes = new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, 1, i32, 1, i32], [0x60, 0, 0]])),
    ...section(2, vec([[...str("env"), ...str("f"), 0x00, 0]])),
    ...section(3, vec([[0], [1]])),
    ...section(7, vec([[...str("g"), 0x00, 1], [...str("trap"), 0x00, 2]])),
    ...section(10, vec([[g.length, ...g], [trap.length, ...trap]])),
  ]);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { f } });
  return instance.exports as unknown as { g: (x: number) => number; trap: () => void };
}

const SIG = { params: ["i32"], results: ["i32"] } as const;

Deno.test({
  name: "entryTrampoline: a call that never suspends returns its result synchronously",
  ignore: !hasJspi(),
  fn() {
    const f = suspendingTrampoline((x: number) => x * 10, SIG);
    const entry = entryTrampoline(guest(f).g, SIG);
    assert.equal(entry(4), 41);
  },
});

Deno.test({
  name:
    "suspendingTrampoline suspends only for a Promise, and calls `resumed` when the stack resumes",
  ignore: !hasJspi(),
  async fn() {
    const gate = deferred<number>();
    const log: string[] = [];
    const f = suspendingTrampoline(
      (x: number) => {
        log.push(`f(${x})`);
        return gate.promise;
      },
      SIG,
      {
        capture: () => "captured",
        resumed: (c) => log.push(`resumed ${c}`),
      },
    );
    const entry = entryTrampoline(guest(f).g, SIG);
    const r = entry(1);
    assert.ok(r instanceof Promise);
    log.push("suspended");
    gate.resolve(20);
    assert.equal(await r, 21);
    assert.deepEqual(log, ["f(1)", "suspended", "resumed captured"]);
  },
});

Deno.test({
  name: "entryTrampoline rethrows a JS exception at once, and reports a wasm trap as a rejection",
  ignore: !hasJspi(),
  async fn() {
    const f = suspendingTrampoline(() => {
      throw new Trap("refused");
    }, SIG);
    const exports = guest(f);
    assert.throws(() => entryTrampoline(exports.g, SIG)(1), (e) => e instanceof Trap);
    const trap = entryTrampoline(exports.trap, { params: [], results: [] })();
    assert.ok(trap instanceof Promise);
    await assert.rejects(trap as Promise<unknown>, WebAssembly.RuntimeError);
  },
});

Deno.test({
  name: "entryTrampoline: a JS exception after a suspension rejects the call's Promise",
  ignore: !hasJspi(),
  async fn() {
    const f = suspendingTrampoline(
      () => Promise.resolve(0).then(() => Promise.reject(new Trap("late"))),
      SIG,
    );
    const r = entryTrampoline(guest(f).g, SIG)(1);
    assert.ok(r instanceof Promise);
    await assert.rejects(r as Promise<unknown>, /late/);
  },
});

Deno.test("suspendingTrampoline refuses a signature with more than one result", () => {
  assert.throws(
    () => suspendingTrampoline(() => 0, { params: [], results: ["i32", "i32"] }),
    RangeError,
  );
});
