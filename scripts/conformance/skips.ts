/**
 * Which scripts the runner does not run yet, and why. A skipped script is
 * reported as skipped with its reason, never as passed.
 *
 * @module
 */
import type { SExpr } from "./sexpr.ts";
import type { Directive } from "./wast.ts";

/**
 * The `;;!` features of the Wasmtime suite that Weft does not support: the
 * script is skipped with this reason. Features not listed here (core wasm
 * features V8 has, `component_model_map`, fixed-length lists, `implements`,
 * …) run; core features are also probed in V8 by {@linkcode coreFeatureGaps}.
 *
 * `component_model_memory64` is listed because the runtime refuses a 64-bit
 * memory in canonical options at instantiation ("not supported yet").
 *
 * The async features are not listed: Weft runs component-model async
 * (stackful lifts with JSPI); a directive that Weft refuses as not
 * supported yet (threading built-ins) is skipped on its own.
 */
export const UNSUPPORTED_FEATURES: Readonly<Record<string, string>> = {
  component_model_threading: "needs component-model threading (shared-everything threads)",
  component_model_gc: "needs component-model gc (the `gc` canonical option)",
  component_model_memory64: "needs 64-bit memories in the canonical ABI",
};

/**
 * Features that Weft always has on: a script that requires one of them to be
 * *off* (`;;! feature = false`) tests behaviour Weft does not have.
 */
export const ALWAYS_ON_FEATURES: ReadonlySet<string> = new Set([
  "component_model_implements",
  "component_model_map",
  "component_model_fixed_length_lists",
]);

/** Core wasm features and a tiny module that only validates when the engine has them. */
const CORE_PROBES: Readonly<Record<string, readonly number[]>> = {
  // (module (table 1 i31ref))
  gc: [0, 97, 115, 109, 1, 0, 0, 0, 4, 4, 1, 0x6c, 0, 1],
  // (module (func (block (try_table (catch_all 0)))))
  exceptions: [
    0,
    97,
    115,
    109,
    1,
    0,
    0,
    0,
    1,
    4,
    1,
    96,
    0,
    0,
    3,
    2,
    1,
    0,
    10,
    13,
    1,
    11,
    0,
    2,
    64,
    31,
    64,
    1,
    2,
    0,
    11,
    11,
    11,
  ],
  // (module (memory i64 1))
  memory64: [0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0x04, 1],
  // (module (memory 1) (memory 1))
  multi_memory: [0, 97, 115, 109, 1, 0, 0, 0, 5, 5, 2, 0, 1, 0, 1],
};

/** Core features this engine lacks, each with a skip reason (`needs gc`, …). */
export function coreFeatureGaps(): Map<string, string> {
  const gaps = new Map<string, string>();
  for (const [feature, bytes] of Object.entries(CORE_PROBES)) {
    if (!WebAssembly.validate(new Uint8Array(bytes))) {
      gaps.set(feature, `needs ${feature.replace("_", " ")}`);
    }
  }
  return gaps;
}

/** Reads the `;;! name = value` feature lines of a Wasmtime script. */
export function readFeatures(source: string): Map<string, boolean> {
  const features = new Map<string, boolean>();
  for (const m of source.matchAll(/^;;!\s*([A-Za-z0-9_]+)\s*=\s*(true|false)\s*$/gm)) {
    features.set(m[1]!, m[2] === "true");
  }
  return features;
}

/** Where a script lives and what it says, for {@linkcode skipReason}. */
export interface ScriptInfo {
  /** Path relative to the suite folder, with `/` separators. */
  readonly path: string;
  /** The script text. */
  readonly source: string;
  /** Its top-level forms. */
  readonly forms: readonly SExpr[];
}

/**
 * Why a script is skipped, or `undefined` to run it. `coreGaps` comes from
 * {@linkcode coreFeatureGaps}.
 */
export function skipReason(
  info: ScriptInfo,
  coreGaps: ReadonlyMap<string, string> = new Map(),
): string | undefined {
  const folders = info.path.split("/").slice(0, -1);
  if (folders.includes("component-model-threading")) {
    return UNSUPPORTED_FEATURES.component_model_threading;
  }
  for (const [feature, on] of readFeatures(info.source)) {
    if (on && feature in UNSUPPORTED_FEATURES) return UNSUPPORTED_FEATURES[feature];
    if (on && coreGaps.has(feature)) return coreGaps.get(feature);
    if (!on && ALWAYS_ON_FEATURES.has(feature)) {
      return `tests behaviour with ${feature} turned off; Weft always has it`;
    }
  }
  // A directive that Weft refuses as not supported yet is skipped on its own.
  return undefined;
}

/**
 * Wasmtime's own implementation limits, which its suite asserts with
 * `assert_invalid` but the component model does not have (Weft accepts
 * these components, as the spec does).
 */
export const WASMTIME_RESTRICTIONS: readonly string[] = [
  "root-level component imports are not supported",
  "exporting a component from the root component is not supported",
  "is a reexport of an imported function which is not implemented",
];

/**
 * Traps that only Wasmtime's own resource limits raise (not component-model
 * rules). The guests behind them build values too large to copy on purpose,
 * so running them without the limit would only exhaust the runner's memory.
 */
export const WASMTIME_LIMIT_TRAPS: readonly string[] = [
  "fuel allocated for hostcalls has been exhausted",
];

/** Why one directive is not run (though its script is), or `undefined`. */
export function directiveSkipReason(d: Directive): string | undefined {
  if (d.kind === "assert_trap") {
    const limit = WASMTIME_LIMIT_TRAPS.find((m) => d.message.includes(m));
    return limit === undefined
      ? undefined
      : `asserts a Wasmtime resource limit ("${limit}"), not a component-model rule`;
  }
  if (d.kind !== "assert_invalid") return undefined;
  const limit = WASMTIME_RESTRICTIONS.find((m) => d.message.includes(m));
  return limit === undefined
    ? undefined
    : `asserts a Wasmtime restriction ("${limit}"), not a component-model rule`;
}
