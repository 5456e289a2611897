// Run with --v8-flags=--expose-gc by worker_pool_test.ts: a pooled resource
// whose handle is garbage-collected without a drop is dropped in its worker.
import { WorkerPool } from "../mod.ts";
import { bounded, HOST_IMPORTS, poolComponent, until } from "../_test_util.ts";

const gc = (globalThis as unknown as { gc(): void }).gc;
const mode = Deno.args[0] as "worker" | "in-thread";
await using pool = await WorkerPool.create(await poolComponent(), {
  mode,
  size: 1,
  imports: HOST_IMPORTS,
});
await (async () => {
  // The handle is unreachable once this function returns.
  await pool.call("[constructor]counter", [1]);
})();
if (pool.stats()[0]!.resources !== 1) throw new Error("expected one live resource");
await until(() => {
  gc();
  return pool.stats()[0]!.resources === 0;
}, "the forgotten handle to be dropped");
const drops = await bounded(pool.call("drops"), "drops");
console.log(`resources=${pool.stats()[0]!.resources} drops=${drops}`);
