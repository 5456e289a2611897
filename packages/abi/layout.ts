/**
 * Size, alignment and flattening of value types (CanonicalABI.md § Despecialization,
 * § Alignment, § Element Size, § Flattening).
 *
 * @module
 */
import type { Case, Field, FuncType, ValType, VariantType } from "./types.ts";

/** A core WebAssembly value type. */
export type CoreValType = "i32" | "i64" | "f32" | "f64";

/** CanonicalABI.md § Flattening: at most this many flat parameters are passed directly. */
export const MAX_FLAT_PARAMS = 16;
/** CanonicalABI.md § Flattening: at most this many flat results are returned directly. */
export const MAX_FLAT_RESULTS = 1;
/** CanonicalABI.md § Loading: the largest string, in bytes. */
export const MAX_STRING_BYTE_LENGTH: number = 2 ** 28 - 1;
/** CanonicalABI.md § Loading: the largest list, in bytes. */
export const MAX_LIST_BYTE_LENGTH: number = 2 ** 28 - 1;

/** A type after despecialisation: only the fundamental kinds remain. */
export type DespecializedType =
  | { readonly kind: "bool" | "s8" | "u8" | "s16" | "u16" | "s32" | "u32" | "s64" | "u64" }
  | { readonly kind: "f32" | "f64" | "char" | "string" | "error-context" }
  | { readonly kind: "list"; readonly element: ValType; readonly length?: number }
  | { readonly kind: "record"; readonly fields: readonly Field[] }
  | VariantType
  | { readonly kind: "flags"; readonly labels: readonly string[] }
  | { readonly kind: "own" | "borrow" | "stream" | "future" };

const despecialized = new WeakMap<ValType, DespecializedType>();

/** CanonicalABI.md § Despecialization: tuples, enums, options, results and maps. */
export function despecialize(t: ValType): DespecializedType {
  switch (t.kind) {
    case "tuple":
    case "enum":
    case "option":
    case "result":
    case "map": {
      let d = despecialized.get(t);
      if (d === undefined) {
        d = despecializeUncached(t);
        despecialized.set(t, d);
      }
      return d;
    }
    default:
      return t as DespecializedType;
  }
}

function despecializeUncached(t: ValType): DespecializedType {
  switch (t.kind) {
    case "tuple":
      return { kind: "record", fields: t.types.map((type, i) => ({ name: String(i), type })) };
    case "enum":
      return { kind: "variant", cases: t.labels.map((name) => ({ name, type: undefined })) };
    case "option":
      return {
        kind: "variant",
        cases: [{ name: "none", type: undefined }, { name: "some", type: t.type }],
      };
    case "result":
      return {
        kind: "variant",
        cases: [{ name: "ok", type: t.ok }, { name: "error", type: t.err }],
      };
    case "map":
      return { kind: "list", element: { kind: "tuple", types: [t.key, t.value] } };
    default:
      return t as DespecializedType;
  }
}

/** CanonicalABI.md § Alignment: the discriminant's byte size for `n` cases. */
export function discriminantSize(n: number): 1 | 2 | 4 {
  if (n <= 0 || n >= 2 ** 32) {
    throw new RangeError(`Cannot build a variant: received ${n} cases`);
  }
  if (n <= 256) return 1;
  if (n <= 65536) return 2;
  return 4;
}

/** Rounds `ptr` up to a multiple of `alignment` (spec: `align_to`). */
export function alignTo(ptr: number, alignment: number): number {
  return Math.ceil(ptr / alignment) * alignment;
}

/** CanonicalABI.md § Alignment. */
export function alignment(t: ValType): number {
  const d = despecialize(t);
  switch (d.kind) {
    case "bool":
    case "s8":
    case "u8":
      return 1;
    case "s16":
    case "u16":
      return 2;
    case "s32":
    case "u32":
    case "f32":
    case "char":
    case "error-context":
    case "own":
    case "borrow":
    case "stream":
    case "future":
      return 4;
    case "s64":
    case "u64":
    case "f64":
      return 8;
    case "string":
      return 4;
    case "list":
      return d.length !== undefined ? alignment(d.element) : 4;
    case "record": {
      let a = 1;
      for (const f of d.fields) a = Math.max(a, alignment(f.type));
      return a;
    }
    case "variant":
      return Math.max(discriminantSize(d.cases.length), maxCaseAlignment(d.cases));
    case "flags":
      return flagsSize(d.labels.length);
  }
}

/** CanonicalABI.md § Alignment: the largest alignment of a variant's payloads. */
export function maxCaseAlignment(cases: readonly Case[]): number {
  let a = 1;
  for (const c of cases) if (c.type !== undefined) a = Math.max(a, alignment(c.type));
  return a;
}

/** CanonicalABI.md § Element Size of flags (also their alignment). */
export function flagsSize(n: number): 1 | 2 | 4 {
  if (n <= 0 || n > 32) {
    throw new RangeError(`Cannot build flags: received ${n} labels, expected 1 to 32`);
  }
  if (n <= 8) return 1;
  if (n <= 16) return 2;
  return 4;
}

/** CanonicalABI.md § Element Size. */
export function elemSize(t: ValType): number {
  const d = despecialize(t);
  switch (d.kind) {
    case "bool":
    case "s8":
    case "u8":
      return 1;
    case "s16":
    case "u16":
      return 2;
    case "s32":
    case "u32":
    case "f32":
    case "char":
    case "error-context":
    case "own":
    case "borrow":
    case "stream":
    case "future":
      return 4;
    case "s64":
    case "u64":
    case "f64":
      return 8;
    case "string":
      return 8;
    case "list":
      return d.length !== undefined ? d.length * elemSize(d.element) : 8;
    case "record": {
      let s = 0;
      for (const f of d.fields) {
        s = alignTo(s, alignment(f.type));
        s += elemSize(f.type);
      }
      return alignTo(s, alignment(t));
    }
    case "variant": {
      let s: number = discriminantSize(d.cases.length);
      s = alignTo(s, maxCaseAlignment(d.cases));
      let cs = 0;
      for (const c of d.cases) if (c.type !== undefined) cs = Math.max(cs, elemSize(c.type));
      return alignTo(s + cs, alignment(t));
    }
    case "flags":
      return flagsSize(d.labels.length);
  }
}

/** CanonicalABI.md § Flattening: the core types of one value type. */
export function flattenType(t: ValType): CoreValType[] {
  const d = despecialize(t);
  switch (d.kind) {
    case "s64":
    case "u64":
      return ["i64"];
    case "f32":
      return ["f32"];
    case "f64":
      return ["f64"];
    case "string":
      return ["i32", "i32"];
    case "list":
      if (d.length === undefined) return ["i32", "i32"];
      else {
        const one = flattenType(d.element);
        const flat: CoreValType[] = [];
        for (let i = 0; i < d.length; i++) flat.push(...one);
        return flat;
      }
    case "record":
      return d.fields.flatMap((f) => flattenType(f.type));
    case "variant":
      return ["i32", ...flattenVariantPayload(d.cases)];
    default:
      return ["i32"];
  }
}

/** CanonicalABI.md § Flattening: the joined payload types of a variant's cases. */
export function flattenVariantPayload(cases: readonly Case[]): CoreValType[] {
  const flat: CoreValType[] = [];
  for (const c of cases) {
    if (c.type === undefined) continue;
    flattenType(c.type).forEach((ft, i) => {
      const have = flat[i];
      flat[i] = have === undefined ? ft : join(have, ft);
    });
  }
  return flat;
}

/** CanonicalABI.md § Flattening (`join`). */
function join(a: CoreValType, b: CoreValType): CoreValType {
  if (a === b) return a;
  if ((a === "i32" && b === "f32") || (a === "f32" && b === "i32")) return "i32";
  return "i64";
}

/** CanonicalABI.md § Flattening (`flatten_functype`, synchronous). */
export function flattenFunctionType(
  ft: FuncType,
  context: "lift" | "lower",
): { params: CoreValType[]; results: CoreValType[] } {
  let params = ft.params.flatMap((p) => flattenType(p.type));
  let results = ft.result === undefined ? [] : flattenType(ft.result);
  if (params.length > MAX_FLAT_PARAMS) params = ["i32"];
  if (results.length > MAX_FLAT_RESULTS) {
    if (context === "lift") results = ["i32"];
    else {
      params = [...params, "i32"];
      results = [];
    }
  }
  return { params, results };
}
