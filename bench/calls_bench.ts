// `deno task bench`: the cases of group `calls` as Deno.bench suites, one
// group per case with the floor as baseline. For side-by-side ratios from one
// interleaved run, use `deno task bench:compare` instead.
import { PATHS } from "./_group.ts";
import { setup } from "./groups/calls.ts";

const group = await setup();
globalThis.addEventListener("unload", () => void group.dispose());

for (const c of group.cases) {
  for (const path of PATHS) {
    const op = c[path];
    if (op === undefined) continue;
    // An op that returns a Promise (compile) is awaited; the others stay synchronous.
    const first = op();
    const isAsync = first instanceof Promise;
    if (isAsync) await first;
    Deno.bench({
      name: `${c.name} ${path}`,
      group: c.name,
      baseline: path === "floor",
      fn: isAsync ? async () => void await op() : () => void op(),
    });
  }
}
