import assert from "node:assert/strict";
import { decodeComponent } from "./decode.ts";
import { CompileError } from "./errors.ts";
import { createRng, mutate } from "./_fuzz.ts";
import { componentForms } from "../../../scripts/conformance/forms.ts";
import { fixture, fixtureNames, wat } from "./_test_util.ts";

const CASES = Number(Deno.env.get("WEFT_FUZZ_CASES") ?? 100_000);
const CONFORMANCE_SAMPLE = 120;
const ROOT = new URL("../../../../shared/conformance/", import.meta.url);

/** The seed: `WEFT_FUZZ_SEED` if set, otherwise a fresh random one (printed either way). */
function seed(): number {
  const fromEnv = Deno.env.get("WEFT_FUZZ_SEED");
  if (fromEnv !== undefined && fromEnv !== "") {
    const n = Number(fromEnv);
    if (!Number.isInteger(n)) {
      throw new TypeError(`Cannot read WEFT_FUZZ_SEED: received "${fromEnv}"`);
    }
    return n >>> 0;
  }
  return crypto.getRandomValues(new Uint32Array(1))[0] as number;
}

/** Up to `limit` component forms of the conformance suites, evenly spread over the files. */
async function conformanceSample(limit: number): Promise<Uint8Array[]> {
  const texts: string[] = [];
  const binaries: Uint8Array[] = [];
  const walk = (dir: URL): void => {
    for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
      const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
      if (e.isDirectory) walk(url);
      else if (e.name.endsWith(".wast")) {
        for (const f of componentForms(Deno.readTextFileSync(url))) {
          if (f.assertion === "assert_malformed" || f.assertion === "assert_invalid") continue;
          if (f.source.kind === "binary") binaries.push(f.source.bytes);
          else if (f.source.text) texts.push(f.source.text);
        }
      }
    }
  };
  try {
    walk(ROOT);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  const out = [...binaries];
  const step = Math.max(1, Math.floor(texts.length / limit));
  for (let i = 0; i < texts.length && out.length < limit + binaries.length; i += step) {
    try {
      out.push(await wat(texts[i] as string));
    } catch {
      // A form wasm-tools cannot parse is not a decoder input.
    }
  }
  return out;
}

Deno.test("decodeComponent() on mutated binaries decodes or throws CompileError only", async () => {
  const s = seed();
  console.log(`fuzz seed ${s} (rerun with WEFT_FUZZ_SEED=${s})`);
  const corpus = [
    ...(await Promise.all(fixtureNames().map(fixture))),
    ...(await conformanceSample(CONFORMANCE_SAMPLE)),
  ];
  for (const bytes of corpus) decodeComponent(bytes); // the seeds themselves are valid
  let decoded = 0;
  let rejected = 0;
  const started = performance.now();
  for (let n = 0; n < CASES; n++) {
    // One generator per case, so a single case can be replayed from (seed, n).
    const rng = createRng((s + Math.imul(n, 0x9e3779b1)) >>> 0);
    const base = corpus[rng.int(corpus.length)] as Uint8Array;
    const input = mutate(base, rng);
    try {
      decodeComponent(input);
      decoded++;
    } catch (error) {
      const context = `seed ${s}, case ${n}`;
      if (!(error instanceof CompileError)) {
        assert.fail(
          `${context}: threw ${error instanceof Error ? error.name : typeof error}: ${error}`,
        );
      }
      assert.equal(error.cause, undefined, `${context}: internal decoder error: ${error.cause}`);
      assert.ok(
        typeof error.offset === "number" && error.offset >= 0 && error.offset <= input.length,
        `${context}: offset ${error.offset} outside the ${input.length}-byte input`,
      );
      assert.match(
        error.message,
        /^Cannot decode component: expected .+ at byte 0x[0-9a-f]+, found /,
        context,
      );
      rejected++;
    }
  }
  const ms = Math.round(performance.now() - started);
  console.log(
    `fuzz: ${CASES} cases from ${corpus.length} seeds in ${ms} ms: ${decoded} decoded, ${rejected} CompileError`,
  );
  assert.equal(decoded + rejected, CASES);
});

Deno.test("mutate() is deterministic for a seed and never returns its input", () => {
  const input = Uint8Array.from({ length: 64 }, (_, i) => i);
  const a = mutate(input, createRng(7));
  const b = mutate(input, createRng(7));
  assert.deepEqual(a, b);
  assert.notEqual(a, input);
  assert.deepEqual(input, Uint8Array.from({ length: 64 }, (_, i) => i));
  const outputs = new Set<string>();
  for (let i = 0; i < 50; i++) outputs.add(mutate(input, createRng(i)).join(","));
  assert.ok(outputs.size > 40, "different seeds give different mutations");
});
