// `deno task bench`: the cases of group `pool` as Deno.bench suites, one
// group per case with the floor as baseline. For side-by-side ratios from one
// interleaved run, use `deno task bench:compare --group pool` instead.
import { PATHS } from "./_group.ts";
import { setup } from "./groups/pool.ts";

const group = await setup();
// The pool's workers must be terminated, or the process would not end.
globalThis.addEventListener("unload", () => void group.dispose());

for (const c of group.cases) {
  const perOp = c.opsPerCall ?? 1;
  for (const path of PATHS) {
    const op = c[path];
    if (op === undefined) continue;
    // The floor of `pool-throughput` is synchronous; every other op returns a Promise.
    const first = op();
    const isAsync = first instanceof Promise;
    if (isAsync) await first;
    Deno.bench({
      name: perOp === 1 ? `${c.name} ${path}` : `${c.name} ${path} (${perOp} items)`,
      group: c.name,
      baseline: path === "floor",
      fn: isAsync ? async () => void await op() : () => void op(),
    });
  }
}
