/**
 * The Weft demo: builds `testdata/hello.wat` into a component, instantiates
 * it with a host `log` import, and calls every kind of export it has.
 *
 * Run it with `deno task demo`.
 *
 * @module
 */
import { Component } from "@weft/runtime";
import { fixture } from "../../scripts/fixtures.ts";

const bytes = await fixture(new URL("./testdata/hello.wat", import.meta.url));
const component = await Component.compile(bytes);
console.log(`compiled hello.wasm (${bytes.length} bytes)`);
console.log(`  imports: ${component.type.imports.map((i) => i.name).join(", ")}`);
console.log(`  exports: ${component.type.exports.map((e) => e.name).join(", ")}`);

const logged: string[] = [];
const instance = await component.instantiate({
  log: (message: string) => {
    logged.push(message);
    console.log(`  [host log] ${message}`);
  },
});
const { exports } = instance;

console.log(`greet("world") -> ${JSON.stringify(exports.greet("world"))}`);
console.log(`greet("Wëft ✨") -> ${JSON.stringify(exports.greet("Wëft ✨"))}`);

const moved = exports.translate({ x: 1, y: 2 }, 10, -20);
console.log(`translate({ x: 1, y: 2 }, 10, -20) -> ${JSON.stringify(moved)}`);

for (const shape of [{ tag: "circle", val: 1 }, { tag: "square", val: 3 }, { tag: "dot" }]) {
  console.log(`area(${JSON.stringify(shape)}) -> ${exports.area(shape)}`);
}

{
  using counter = new exports.Counter(41);
  console.log(`new Counter(41).increment() -> ${counter.increment()}`);
  console.log(`             .increment() -> ${counter.increment()}`);
}

try {
  exports.greet(42);
} catch (error) {
  console.log(`greet(42) -> ${(error as Error).name}: ${(error as Error).message}`);
}
console.log(`the host import was called ${logged.length} times`);
