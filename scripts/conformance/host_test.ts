import assert from "node:assert/strict";
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import { Component } from "@weft/runtime";
import { createWasmtimeHost, spectestModule } from "./host.ts";

type Fn = (...args: unknown[]) => unknown;

Deno.test("createWasmtimeHost() provides the harness functions and modules", async () => {
  const { imports } = await createWasmtimeHost();
  const host = imports.host as Record<string, unknown>;
  assert.equal((imports["host-return-two"] as Fn)(), 2);
  assert.equal(await (imports["host-echo-u32"] as Fn)(7), 7);
  assert.equal((host["return-three"] as Fn)(), 3);
  assert.equal(((host.nested as Record<string, unknown>)["return-four"] as Fn)(), 4);
  assert.equal((host["return-hi"] as Fn)(), "hi");
  assert.equal(await (host["return-two-slowly"] as Fn)(), 2);
  assert.equal(await (host["echo-slowly"] as Fn)(9), 9);
  const simple = await WebAssembly.instantiate(host["simple-module"] as WebAssembly.Module);
  assert.equal((simple.exports.f as Fn)(), 101);
  assert.equal((simple.exports.g as WebAssembly.Global).value, 100);
  assert.equal(host.resource1, host["resource1-again"]);
  assert.notEqual(host.resource1, host.resource2);
  // never-return stays pending.
  const pending = (host["never-return"] as Fn)() as Promise<unknown>;
  const winner = await Promise.race([
    pending,
    new Promise((r) => setTimeout(() => r("timeout"), 20)),
  ]);
  assert.equal(winner, "timeout");
});

Deno.test("resource1 counts drops and checks reps", async () => {
  const { imports, counter } = await createWasmtimeHost();
  const host = imports.host as Record<string, unknown>;
  const R = host.resource1 as {
    new (rep: number): { simple(rep: number): void; [Symbol.dispose](): void };
    assert(r: unknown, rep: number): void;
    drops(): number;
    lastDrop(): number;
  };
  const r = new R(100);
  R.assert(r, 100);
  assert.throws(() => R.assert(r, 101), /rep 100 is not 101/);
  r.simple(100);
  assert.throws(() => r.simple(5));
  r[Symbol.dispose]();
  assert.deepEqual(counter, { drops: 1, lastDrop: 100 });
  assert.equal(R.drops(), 1);
  assert.equal(R.lastDrop(), 100);
  assert.throws(() => r[Symbol.dispose](), /dropped twice/);
  // Each host is fresh.
  const other = await createWasmtimeHost();
  assert.notEqual((other.imports.host as Record<string, unknown>).resource1, R);
  assert.equal(other.counter.drops, 0);
});

Deno.test("spectestModule() exports the spectest items", async () => {
  const { exports } = await WebAssembly.instantiate(await spectestModule());
  assert.equal((exports.global_i32 as WebAssembly.Global).value, 666);
  assert.equal((exports.global_i64 as WebAssembly.Global).value, 666n);
  assert.equal((exports.table as WebAssembly.Table).length, 10);
  assert.equal((exports.memory as WebAssembly.Memory).buffer.byteLength, 65536);
  assert.equal((exports.print_i32 as Fn)(1), undefined);
});

Deno.test("the runtime drives the host resource: constructor, static, drop", async () => {
  const { imports, counter } = await createWasmtimeHost();
  const bytes = await parse(`(component
  (import "host" (instance $host
    (export "resource1" (type $r (sub resource)))
    (export "[constructor]resource1" (func (param "r" u32) (result (own $r))))
    (export "[static]resource1.drops" (func (result u32)))))
  (alias export $host "resource1" (type $r))
  (alias export $host "[constructor]resource1" (func $ctor))
  (alias export $host "[static]resource1.drops" (func $drops))
  (core func $drop (canon resource.drop $r))
  (core func $ctor (canon lower (func $ctor)))
  (core func $drops (canon lower (func $drops)))
  (core module $m
    (import "" "drop" (func $drop (param i32)))
    (import "" "ctor" (func $ctor (param i32) (result i32)))
    (import "" "drops" (func $drops (result i32)))
    (func (export "run") (result i32)
      (call $drop (call $ctor (i32.const 42)))
      (call $drops)))
  (core instance $i (instantiate $m (with "" (instance
    (export "drop" (func $drop)) (export "ctor" (func $ctor)) (export "drops" (func $drops))))))
  (func (export "run") (result u32) (canon lift (core func $i "run"))))`);
  const component = await Component.compile(bytes);
  const instance = await component.instantiate(imports);
  assert.equal((instance.exports.run as Fn)(), 1);
  assert.deepEqual(counter, { drops: 1, lastDrop: 42 });
});
