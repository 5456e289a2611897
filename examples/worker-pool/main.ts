/**
 * The worker-pool example: a CPU-heavy export (`hash`, written in WAT) run
 * over many inputs, first on one instance in this thread, then on a pool of
 * one instance per core, printing both times.
 *
 * Run it with `deno run -A examples/worker-pool/main.ts [items] [rounds]`.
 *
 * @module
 */
import { Component } from "@weft/runtime";
import { WorkerPool } from "@weft/workers";
import { fixture } from "../../scripts/fixtures.ts";

const items = Number(Deno.args[0] ?? 64);
const rounds = Number(Deno.args[1] ?? 2_000_000);
const bytes = await fixture(new URL("./testdata/hash.wat", import.meta.url));
const seeds = Array.from({ length: items }, (_, i) => i * 7919);

const component = await Component.compile(bytes);
const instance = await component.instantiate();
let start = performance.now();
const serial = seeds.map((seed) => instance.exports.hash(seed, rounds) as number);
const oneMs = performance.now() - start;
console.log(`one instance:  ${items} items × ${rounds} rounds in ${oneMs.toFixed(0)} ms`);

const size = navigator.hardwareConcurrency;
// Compile once; the pool sends the compiled core modules to each worker.
await using pool = await WorkerPool.create(component, { bytes, size, start: "eager" });
start = performance.now();
const parallel = await Promise.all(
  seeds.map((seed) => pool.call<number>("hash", [seed, rounds], { timeout: 60_000 })),
);
const poolMs = performance.now() - start;
console.log(`pool of ${size}:     ${items} items × ${rounds} rounds in ${poolMs.toFixed(0)} ms`);
console.log(
  `speed-up: ${(oneMs / poolMs).toFixed(2)}×, same results: ${
    parallel.every((h, i) => h === serial[i])
  }`,
);
for (const s of pool.stats()) {
  console.log(`  worker ${s.worker}: thread ${s.thread?.slice(0, 8)}, ${s.calls} calls`);
}
