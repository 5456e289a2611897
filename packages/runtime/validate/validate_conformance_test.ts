// The validator harness: every component form of the spec and Wasmtime
// suites that is valid must decode and validate; every `assert_invalid` /
// `assert_malformed` form must be rejected with a CompileError (by the text
// parser, the decoder or the validator). Forms not handled yet are listed in
// testdata/known_gaps.json with a reason; the test fails on a new miss and on
// a stale entry, so the counts cannot regress silently.

import assert from "node:assert/strict";
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import { decodeComponent } from "../binary/decode.ts";
import { CompileError } from "../binary/errors.ts";
import { validateComponent } from "./validate.ts";
import { componentForms } from "../../../scripts/conformance/forms.ts";

const SUITES = new URL("../../../../shared/conformance/", import.meta.url);
const FOLDERS = [
  "component-model/validation",
  "component-model/binary",
  "component-model/values",
  "component-model/resources",
  "component-model/linking",
  "wasmtime/component-model",
];
const GAPS = new URL("./testdata/known_gaps.json", import.meta.url);

function exists(url: URL): boolean {
  try {
    Deno.statSync(url);
    return true;
  } catch {
    return false;
  }
}

type Outcome =
  | "accepted"
  | "rejected"
  | "parse-failed"
  | "caught-by-decoder"
  | "caught-by-validator"
  | "missed"
  | "crashed";

interface Result {
  readonly key: string;
  readonly folder: string;
  readonly expect: "valid" | "invalid" | "malformed";
  readonly outcome: Outcome;
  readonly detail: string;
}

async function run(): Promise<Result[]> {
  const results: Result[] = [];
  for (const folder of FOLDERS) {
    const dir = new URL(`${folder}/`, SUITES);
    const files = [...Deno.readDirSync(dir)]
      .filter((f) => f.isFile && f.name.endsWith(".wast"))
      .map((f) => f.name)
      .sort();
    for (const file of files) {
      const src = await Deno.readTextFile(new URL(file, dir));
      for (const form of componentForms(src)) {
        // A component that should trap is valid; trapping is the runner's to check.
        if (form.assertion === "assert_trap") continue;
        // Unlinkable components are valid: they fail only when linked.
        const expect = form.assertion === "assert_invalid"
          ? "invalid"
          : form.assertion === "assert_malformed"
          ? "malformed"
          : "valid";
        const message = expect === "valid" ? "" : form.message ?? "";
        const key = `${folder}/${file}:${form.line}`;
        const push = (outcome: Outcome, detail = "") =>
          results.push({ key, folder, expect, outcome, detail });
        let bytes: Uint8Array;
        if (form.source.kind === "binary") bytes = form.source.bytes;
        else {
          try {
            bytes = await parse(form.source.text);
          } catch (e) {
            push("parse-failed", String(e).slice(0, 200));
            continue;
          }
        }
        let stage = "decoder";
        try {
          const ast = decodeComponent(bytes);
          stage = "validator";
          // Wasmtime's suite also encodes Wasmtime's restrictions at the root.
          validateComponent(ast, {
            validateCoreModules: true,
            rootRestrictions: folder.startsWith("wasmtime/"),
          });
          push(expect === "valid" ? "accepted" : "missed", message);
        } catch (e) {
          if (!(e instanceof CompileError)) {
            push("crashed", `${stage}: ${e instanceof Error ? e.stack : String(e)}`);
          } else if (expect === "valid") push("rejected", `${stage}: ${e.message}`);
          else push(stage === "decoder" ? "caught-by-decoder" : "caught-by-validator", e.message);
        }
      }
    }
  }
  return results;
}

/** A result is a gap when the outcome is wrong for the expectation. */
function isGap(r: Result): boolean {
  return r.outcome === "rejected" || r.outcome === "missed" || r.outcome === "crashed";
}

Deno.test({
  name: "validateComponent() agrees with the conformance suites (no regressions)",
  ignore: !exists(SUITES) && (console.warn(
    `validate_conformance_test: ${SUITES.pathname} is absent; skipping the suite harness`,
  ),
    true),
  async fn() {
    const results = await run();
    const known: Record<string, string> = exists(GAPS)
      ? JSON.parse(await Deno.readTextFile(GAPS))
      : {};
    // Summary per folder.
    const table: Record<string, Record<string, number>> = {};
    for (const r of results) {
      const row = table[r.folder] ??= {};
      const k = `${r.expect}:${r.outcome}`;
      row[k] = (row[k] ?? 0) + 1;
    }
    console.log(JSON.stringify(table, null, 1));
    if (Deno.env.get("WEFT_VALIDATE_GAPS") === "write") {
      const out: Record<string, string> = {};
      for (const r of results.filter(isGap)) {
        out[r.key] = known[r.key] ?? `${r.expect} form ${r.outcome}: ${r.detail}`.slice(0, 300);
      }
      await Deno.writeTextFile(GAPS, JSON.stringify(out, null, 2) + "\n");
    }
    const crashes = results.filter((r) => r.outcome === "crashed");
    assert.deepEqual(crashes.map((r) => `${r.key} ${r.detail}`), [], "the validator crashed");
    const gaps = results.filter(isGap);
    const fresh = gaps.filter((r) => !(r.key in known));
    assert.deepEqual(
      fresh.map((r) => `${r.key} (${r.expect}, ${r.outcome}): ${r.detail}`),
      [],
      "new conformance gaps (false positives or negatives); fix them or list them in known_gaps.json",
    );
    const gapKeys = new Set(gaps.map((r) => r.key));
    const stale = Object.keys(known).filter((k) => !gapKeys.has(k));
    assert.deepEqual(stale, [], "known_gaps.json lists forms that now pass; remove them");
  },
});
