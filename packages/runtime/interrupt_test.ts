import assert from "node:assert/strict";
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import {
  clearInterrupt,
  Component,
  createInterruptFlag,
  interruptRaised,
  raiseInterrupt,
  Trap,
} from "./mod.ts";

// `count(n)` loops n times; `forever()` never returns unless interrupted.
const bytes = await parse(`(component
  (core module $m
    (func (export "count") (param $n i32) (result i32) (local $i i32)
      (block $done (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (local.get $i))
    (func (export "forever") (loop $l (br $l))))
  (core instance $i (instantiate $m))
  (func (export "count") (param "n" u32) (result u32) (canon lift (core func $i "count")))
  (func (export "forever") (canon lift (core func $i "forever"))))`);

type Exports = { count(n: number): number; forever(): void };

Deno.test("an interruptible component computes what the plain one does", async () => {
  const plain = await Component.compile(bytes);
  const interruptible = await Component.compile(bytes, { interruptible: true });
  assert.equal(plain.interruptible, false);
  assert.equal(interruptible.interruptible, true);
  const a = plain.instantiateSync().exports as Exports;
  const b = interruptible.instantiateSync().exports as Exports;
  for (const n of [0, 1, 1000]) assert.equal(b.count(n), a.count(n));
});

Deno.test("a raised interrupt flag traps the guest; a cleared one lets a new instance run", async () => {
  const component = await Component.compile(bytes, { interruptible: true });
  const flag = createInterruptFlag();
  const instance = component.instantiateSync({}, { interrupt: flag });
  const exports = instance.exports as Exports;
  assert.equal(exports.count(5), 5);
  raiseInterrupt(flag);
  assert.equal(interruptRaised(flag), true);
  assert.throws(() => exports.count(5), Trap);
  // A trap poisons the instance, as any trap does.
  assert.throws(() => exports.count(5));
  clearInterrupt(flag);
  const again = component.instantiateSync({}, { interrupt: flag }).exports as Exports;
  assert.equal(again.count(7), 7);
});

Deno.test("another thread stops a guest in an endless loop", async () => {
  const component = await Component.compile(bytes, { interruptible: true });
  const flag = createInterruptFlag();
  const worker = new Worker(
    URL.createObjectURL(
      new Blob(
        [
          `self.onmessage = async ({ data }) => {
            const { Component } = await import(data.mod);
            const component = Component.fromModules(data.bytes, data.modules);
            const { exports } = component.instantiateSync({}, { interrupt: data.flag });
            self.postMessage("started");
            try { exports.forever(); self.postMessage("returned"); }
            catch (error) { self.postMessage(error.name); }
          };`,
        ],
        { type: "text/javascript" },
      ),
    ),
    { type: "module" },
  );
  const messages: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the guest was not interrupted")), 20_000);
    worker.onmessage = ({ data }) => {
      messages.push(data);
      if (data === "started") setTimeout(() => raiseInterrupt(flag), 50);
      else {
        clearTimeout(timer);
        resolve();
      }
    };
    worker.onerror = (event) => {
      clearTimeout(timer);
      reject(event.error ?? new Error(event.message));
    };
  });
  worker.postMessage({
    mod: new URL("./mod.ts", import.meta.url).href,
    bytes,
    modules: component.modules(),
    flag,
  });
  try {
    await done;
  } finally {
    worker.terminate();
  }
  assert.deepEqual(messages, ["started", "Trap"]);
});
