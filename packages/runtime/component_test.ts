import assert from "node:assert/strict";
import { fixture } from "../../scripts/fixtures.ts";
import {
  CompileError,
  Component,
  ComponentError,
  InstancePoisonedError,
  LinkError,
  Trap,
} from "./mod.ts";

const testdata = new URL("./testdata/", import.meta.url);
const hello = new URL("../../examples/hello/testdata/hello.wat", import.meta.url);

Deno.test("Component.compile rejects bytes that are not a component", async () => {
  await assert.rejects(() => Component.compile(new Uint8Array([1, 2, 3])), CompileError);
  // A core module is not a component.
  await assert.rejects(
    () => Component.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])),
    CompileError,
  );
});

Deno.test("strings, records, variants and a host import cross the boundary", async () => {
  const component = await Component.compile(await fixture(hello));
  const logged: string[] = [];
  const { exports } = await component.instantiate({ log: (m: string) => logged.push(m) });
  assert.equal(exports.greet("wörld ☃"), "Hello, wörld ☃");
  assert.deepEqual(logged, ["greeting wörld ☃"]);
  assert.deepEqual(exports.translate({ x: -1, y: 7 }, 1, 1), { x: 0, y: 8 });
  assert.equal(exports.area({ tag: "square", val: 2.5 }), 6.25);
  assert.equal(exports.area({ tag: "dot" }), 0);
});

Deno.test("a guest resource is a JS class with its constructor and methods", async () => {
  const component = await Component.compile(await fixture(hello));
  const { exports } = await component.instantiate({ log: () => {} });
  assert.equal(exports.Counter.name, "Counter");
  const counter = new exports.Counter(9);
  assert.ok(counter instanceof exports.Counter);
  assert.equal(counter.increment(), 10);
  assert.equal(counter.increment(), 11);
  counter[Symbol.dispose]();
  assert.throws(() => counter.increment(), /moved or dropped/);
});

Deno.test("a bad JS argument is a TypeError or RangeError and leaves the instance usable", async () => {
  const component = await Component.compile(await fixture(new URL("traps.wat", testdata)));
  const instance = await component.instantiate();
  assert.throws(() => instance.exports.echoU8(256), RangeError);
  assert.throws(() => instance.exports.echoU8("1"), TypeError);
  assert.throws(() => instance.exports.echoS64(1), TypeError);
  assert.equal(instance.exports.echoU8(255), 255);
  assert.equal(instance.exports.echoS64(-5n), -5n);
  assert.equal(instance.poisoned, undefined);
});

Deno.test("scalars map like jco's: f32 rounding, chars, invalid chars trap", async () => {
  const component = await Component.compile(await fixture(new URL("traps.wat", testdata)));
  const { exports } = await component.instantiate();
  assert.equal(exports.echoF32(0.1), Math.fround(0.1));
  assert.equal(exports.echoChar("☃"), "☃");
  assert.throws(() => exports.echoChar("ab"), RangeError); // a string, but not one char
  assert.throws(() => exports.badChar(), Trap);
});

Deno.test("an err result throws ComponentError with the payload", async () => {
  const component = await Component.compile(await fixture(new URL("traps.wat", testdata)));
  const { exports } = await component.instantiate();
  assert.equal(exports.check(4), 8);
  assert.throws(() => exports.check(40), (e: unknown) => {
    assert.ok(e instanceof ComponentError);
    assert.equal(e.payload, "bad");
    return true;
  });
});

Deno.test("a trap poisons the instance; later calls fail with the first trap as cause", async () => {
  const component = await Component.compile(await fixture(new URL("traps.wat", testdata)));
  const instance = await component.instantiate();
  let first: unknown;
  assert.throws(() => instance.exports.unreachable(), (e: unknown) => {
    first = e;
    return e instanceof Trap && /unreachable/.test(e.message);
  });
  assert.equal(instance.poisoned, first);
  assert.throws(() => instance.exports.echoU8(1), (e: unknown) => {
    assert.ok(e instanceof InstancePoisonedError);
    assert.equal(e.cause, first);
    return true;
  });
  // Another instance of the same component is unaffected.
  const fresh = await component.instantiate();
  assert.equal(fresh.exports.echoU8(1), 1);
});

Deno.test("nested components are instantiated and wired; interfaces match semver-compatibly", async () => {
  const component = await Component.compile(await fixture(new URL("nested.wat", testdata)));
  const calls: number[] = [];
  const instance = await component.instantiate({
    "host:math/ops@0.2.9": {
      double: (x: number) => {
        calls.push(x);
        return x * 2;
      },
    },
  });
  const api = instance.exports["weft:test/api@1.0.0"];
  assert.equal(api.first(5), 11);
  assert.equal(api.second(5), 12);
  assert.deepEqual(calls, [5, 5]);
});

Deno.test("a missing or mistyped import is a LinkError naming it", async () => {
  const component = await Component.compile(await fixture(new URL("nested.wat", testdata)));
  await assert.rejects(() => component.instantiate({}), (e: unknown) => {
    assert.ok(e instanceof LinkError);
    assert.equal(e.import, "host:math/ops@0.2.1");
    assert.match(e.message, /"host:math\/ops@0\.2\.1" is missing/);
    return true;
  });
  // 0.3 is not compatible with 0.2.
  await assert.rejects(
    () => component.instantiate({ "host:math/ops@0.3.0": { double: (x: number) => x } }),
    LinkError,
  );
  await assert.rejects(
    () => component.instantiate({ "host:math/ops@0.2.1": { double: 2 } }),
    /import "host:math\/ops@0\.2\.1\.double" must be a function: received number/,
  );
});

Deno.test("host resources are user classes: constructor, methods, statics, dispose", async () => {
  const component = await Component.compile(await fixture(new URL("host_resource.wat", testdata)));
  let disposed = 0;
  let created = 0;
  class Blob {
    #size: number;
    constructor(size: number) {
      this.#size = size;
      created++;
    }
    size(): number {
      return this.#size;
    }
    static count(): number {
      return created;
    }
    [Symbol.dispose](): void {
      disposed++;
    }
  }
  const { exports } = await component.instantiate({ host: { Blob } });
  assert.equal(exports.roundtrip(7), 7);
  assert.equal(disposed, 1);
  const blob = exports.make(3);
  assert.ok(blob instanceof Blob);
  assert.equal(blob.size(), 3);
  assert.equal(exports.count(), 2);
  assert.equal(disposed, 1);
});

Deno.test("a missing resource method is a LinkError", async () => {
  const component = await Component.compile(await fixture(new URL("host_resource.wat", testdata)));
  class Blob {
    static count(): number {
      return 0;
    }
  }
  await assert.rejects(
    () => component.instantiate({ host: { blob: Blob } }),
    /Blob\.prototype\.size/,
  );
});

Deno.test("Component.fromModules reuses precompiled core modules", async () => {
  const bytes = await fixture(hello);
  const compiled = await Component.compile(bytes);
  const modules = compiled.modules();
  assert.equal(modules.length, 2);
  const again = Component.fromModules(bytes, modules);
  const { exports } = again.instantiateSync({ log: () => {} });
  assert.equal(exports.greet("x"), "Hello, x");
  assert.throws(() => Component.fromModules(bytes, modules.slice(1)), TypeError);
});

Deno.test("component.type describes imports and exports with their types", async () => {
  const component = await Component.compile(await fixture(hello));
  const { imports, exports } = component.type;
  assert.deepEqual(imports.map((i) => i.name), ["log"]);
  const greet = exports.find((e) => e.name === "greet");
  assert.ok(greet !== undefined && greet.type.kind === "func");
  assert.deepEqual(greet.type.type.params.map((p) => [p.name, p.type.kind]), [["name", "string"]]);
  assert.equal(greet.type.type.result?.kind, "string");
});

Deno.test("an instance import needing no values may be left out; a function is not an instance", async () => {
  const { parse } = await import("@bytecodealliance/jco-transpile/wasm-tools");
  const component = await Component.compile(
    await parse(`(component
      (import "empty" (instance))
      (import "nested-empty" (instance (export "x" (instance))))
      (import "types-only" (instance (type $t u64) (export "a" (type (eq $t)))))
    )`),
  );
  await component.instantiate({});
  await assert.rejects(
    () => component.instantiate({ empty: () => {} }),
    /import "empty" must be an object: received function/,
  );
});

Deno.test("a resource import must be a class, and equal-bound resources the same class", async () => {
  const { parse } = await import("@bytecodealliance/jco-transpile/wasm-tools");
  const component = await Component.compile(
    await parse(`(component
      (import "host" (instance
        (export "a" (type $a (sub resource)))
        (export "b" (type (sub resource)))
        (export "a-again" (type (eq $a))))))`),
  );
  class A {}
  class B {}
  await component.instantiate({ host: { A, B } });
  await component.instantiate({ host: { A, B, aAgain: A } });
  await assert.rejects(
    () => component.instantiate({ host: { A, B, aAgain: B } }),
    /must be the same resource type as "a": received class B/,
  );
  await assert.rejects(
    () => component.instantiate({ host: { A: () => {}, B } }),
    /must be a class for resource "a"/,
  );
});

Deno.test("an imported core module is checked against its declared module type", async () => {
  const { parse } = await import("@bytecodealliance/jco-transpile/wasm-tools");
  const component = await Component.compile(
    await parse(`(component
      (import "m" (core module
        (import "env" "log" (func (param i32)))
        (export "run" (func (result i32))))))`),
  );
  const compile = async (wat: string) =>
    new WebAssembly.Module((await parse(wat)) as Uint8Array<ArrayBuffer>);
  // Importing less and exporting more is fine.
  await component.instantiate({
    m: await compile(
      `(module (func (export "run") (result i32) i32.const 1) (func (export "extra")))`,
    ),
  });
  const exporter = await Component.compile(
    await parse(`(component (core module (export "m")
      (import "env" "other" (func))
      (func (export "run") (result i32) i32.const 1)))`),
  );
  const { exports } = await exporter.instantiate();
  await assert.rejects(
    () => component.instantiate({ m: exports.m }),
    /does not match its declared type: missing expected import `env::other`/,
  );
  const wrongSig = await Component.compile(
    await parse(
      `(component (core module (export "m") (func (export "run") (param i32) (result i32) local.get 0)))`,
    ),
  );
  await assert.rejects(
    async () => component.instantiate({ m: (await wrongSig.instantiate()).exports.m }),
    /type mismatch in export `run`/,
  );
  await assert.rejects(
    async () => component.instantiate({ m: await compile(`(module)`) }),
    /missing expected export `run`/,
  );
});

Deno.test("a 64-bit memory in canonical options is refused with a clear error", async () => {
  const { parse } = await import("@bytecodealliance/jco-transpile/wasm-tools");
  const component = await Component.compile(
    await parse(`(component
      (core module $m (memory (export "mem") i64 1) (func (export "f") (result i64) i64.const 0))
      (core instance $i (instantiate $m))
      (func (export "f") (result string)
        (canon lift (core func $i "f") (memory (core memory $i "mem")))))`),
  );
  await assert.rejects(
    () => component.instantiate(),
    /64-bit memory, which this version of Weft does not support yet/,
  );
});

Deno.test("a core module Weft did not compile is checked by names and kinds", async () => {
  const { parse } = await import("@bytecodealliance/jco-transpile/wasm-tools");
  const component = await Component.compile(
    await parse(
      `(component (import "m" (core module (export "g" (global i32)) (export "f" (func)))))`,
    ),
  );
  const compile = async (wat: string) =>
    new WebAssembly.Module((await parse(wat)) as Uint8Array<ArrayBuffer>);
  await component.instantiate({
    m: await compile(`(module (global (export "g") i32 (i32.const 1)) (func (export "f")))`),
  });
  await assert.rejects(
    async () =>
      component.instantiate({
        m: await compile(`(module (func (export "g")) (func (export "f")))`),
      }),
    /expected global found func for export `g`/,
  );
});

Deno.test("a compiled component keeps working after its input bytes are reused", async () => {
  const { parse } = await import("@bytecodealliance/jco-transpile/wasm-tools");
  const importer = await Component.compile(
    await parse(`(component (import "m" (core module (export "run" (func (result i32))))))`),
  );
  const bytes = await parse(`(component (core module (export "m")
    (func (export "run") (param i32) (result i32) local.get 0)
    (func (export "pad") (result i32) i32.const 7 i32.const 8 i32.add)))`);
  const exporter = await Component.compile(bytes);
  bytes.fill(0); // the caller reuses its buffer once compile has returned
  const { exports } = await exporter.instantiate();
  // The link check still reads the module's real types: `run` takes a parameter.
  await assert.rejects(
    () => importer.instantiate({ m: exports.m }),
    /type mismatch in export `run`/,
  );
});
