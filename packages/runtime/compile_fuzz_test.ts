// Bad input never crashes or hangs Component.compile: mutated fixtures
// either compile or are rejected with CompileError (decode, validation, or a
// core module that WebAssembly.compile refuses).
import assert from "node:assert/strict";
import { fixture } from "../../scripts/fixtures.ts";
import { createRng, mutate } from "./binary/_fuzz.ts";
import { CompileError, Component } from "./mod.ts";

const CASES = Number(Deno.env.get("WEFT_FUZZ_CASES") ?? 10_000);

function seed(): number {
  const fromEnv = Deno.env.get("WEFT_FUZZ_SEED");
  if (fromEnv !== undefined && fromEnv !== "") return Number(fromEnv) >>> 0;
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

async function corpus(): Promise<Uint8Array[]> {
  const urls = [
    new URL("../../examples/hello/testdata/hello.wat", import.meta.url),
    ...["nested.wat", "traps.wat", "host_resource.wat"].map((n) =>
      new URL(`./testdata/${n}`, import.meta.url)
    ),
    ...["canon.wat", "decls.wat", "definitions.wat", "types.wat"].map((n) =>
      new URL(`./binary/testdata/${n}`, import.meta.url)
    ),
  ];
  return await Promise.all(urls.map((url) => fixture(url)));
}

Deno.test("Component.compile on mutated components compiles or throws CompileError", async () => {
  const s = seed();
  console.log(`compile fuzz seed ${s} (rerun with WEFT_FUZZ_SEED=${s})`);
  const seeds = await corpus();
  let compiled = 0;
  let rejected = 0;
  for (let n = 0; n < CASES; n++) {
    const rng = createRng((s + Math.imul(n, 0x9e3779b1)) >>> 0);
    const input = mutate(seeds[rng.int(seeds.length)]!, rng);
    try {
      const component = await Component.compile(input);
      compiled++;
      // Describing the types walks every definition once more.
      void component.type;
    } catch (error) {
      if (!(error instanceof CompileError)) {
        assert.fail(
          `seed ${s}, case ${n}: threw ${error instanceof Error ? error.name : typeof error}: ${
            (error as Error)?.stack ?? error
          }`,
        );
      }
      rejected++;
    }
  }
  console.log(`compile fuzz: ${CASES} cases: ${compiled} compiled, ${rejected} CompileError`);
  assert.equal(compiled + rejected, CASES);
  assert.ok(rejected > 0 && compiled > 0, "mutations both keep and break components");
});
