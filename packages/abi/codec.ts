/**
 * Lift, lower, load and store compiled once per value type into closures
 * (CanonicalABI.md § Loading, § Storing, § Flat Lifting, § Flat Lowering),
 * working on JS values in jco's mapping. Values lifted for another guest
 * (`LiftLowerContext.interchange`) differ in two places only: strings are
 * `GuestString`s and maps arrays of pairs; lowering accepts both forms.
 *
 * @module
 */
import { asyncValueHooks } from "./async_values.ts";
import { type CoreValue, type LiftLowerContext, ResourceHandle } from "./context.ts";
import { Trap } from "./errors.ts";
import {
  alignment,
  alignTo,
  type CoreValType,
  despecialize,
  discriminantSize,
  elemSize,
  flagsSize,
  flattenType,
  flattenVariantPayload,
  MAX_LIST_BYTE_LENGTH,
  maxCaseAlignment,
} from "./layout.ts";
import { handleOf, hostResourceJs } from "./resources.ts";
import {
  GuestString,
  loadStringFromRange,
  storedLength,
  storeGuestStringIntoRange,
  storeStringIntoRange,
} from "./strings.ts";
import type { Case, ResourceJs, ResourceType, ValType } from "./types.ts";

/**
 * A JS value that cannot be lowered as its type. The trampolines turn it into
 * a `TypeError` or `RangeError` that names the parameter and the path.
 */
export class BadValue extends Error {
  /** `true` for a value of the right type but out of range. */
  readonly isRange: boolean;
  /** The type the value was lowered as. */
  readonly expected: string;
  /** The value. */
  readonly received: unknown;
  /** What is wrong, when "received X" is not enough. */
  readonly detail: string | undefined;
  /** Where in the value the problem is, outermost first (`.field`, `[3]`). */
  readonly path: string[] = [];

  /** Creates the error. */
  constructor(
    isRange: boolean,
    expected: string,
    received: unknown,
    detail?: string,
    options?: ErrorOptions,
  ) {
    super(detail ?? `received ${describeValue(received)}`, options);
    this.isRange = isRange;
    this.expected = expected;
    this.received = received;
    this.detail = detail;
  }

  /** The public error for this problem, for a value described by `what`. */
  toError(what: string): TypeError | RangeError {
    const where = this.path.length === 0 ? what : `${what} at ${this.path.join("")}`;
    const message = `Cannot lower ${where} as ${this.expected}: ${
      this.detail ?? `received ${describeValue(this.received)}`
    }`;
    return this.isRange
      ? new RangeError(message, { cause: this.cause })
      : new TypeError(message, { cause: this.cause });
  }
}

/** A short description of a JS value for messages. */
export function describeValue(v: unknown): string {
  switch (typeof v) {
    case "string":
      return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
    case "bigint":
      return `${v}n`;
    case "number":
    case "boolean":
    case "undefined":
    case "symbol":
      return String(v);
    case "function":
      return "a function";
    default:
      if (v === null) return "null";
      if (Array.isArray(v)) return `an array of length ${v.length}`;
      return `an object (${(v as object).constructor?.name ?? "Object"})`;
  }
}

/** The WIT-like name of a type, for messages. */
export function typeName(t: ValType | undefined): string {
  if (t === undefined) return "_";
  switch (t.kind) {
    case "list":
      return t.length === undefined
        ? `list<${typeName(t.element)}>`
        : `list<${typeName(t.element)}, ${t.length}>`;
    case "tuple":
      return `tuple<${t.types.map(typeName).join(", ")}>`;
    case "option":
      return `option<${typeName(t.type)}>`;
    case "result":
      return `result<${typeName(t.ok)}, ${typeName(t.err)}>`;
    case "map":
      return `map<${typeName(t.key)}, ${typeName(t.value)}>`;
    case "own":
      return `own<${t.resource.name}>`;
    case "borrow":
      return `borrow<${t.resource.name}>`;
    case "stream":
    case "future":
      return t.element === undefined ? t.kind : `${t.kind}<${typeName(t.element)}>`;
    case "enum":
      return `enum { ${t.labels.join(", ")} }`;
    case "flags":
      return `flags { ${t.labels.join(", ")} }`;
    case "record":
      return `record { ${t.fields.map((f) => f.name).join(", ")} }`;
    case "variant":
      return `variant { ${t.cases.map((c) => c.name).join(", ")} }`;
    default:
      return t.kind;
  }
}

/** jco's camelCase of a kebab-case WIT name (`get-HTTP-thing` → `getHTTPThing`). */
export function toCamelCase(name: string): string {
  const parts = name.split("-");
  let s = parts[0] ?? "";
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    s += p.charAt(0).toUpperCase() + p.slice(1);
  }
  return propertyKey(s);
}

/**
 * `key` as the engine's own copy of that property name. A key built at run
 * time (sliced, concatenated) is a fresh string, which every keyed access
 * `o[key]` must look up in the engine's string table first; the name a
 * property was created with is already the table's copy.
 */
function propertyKey(key: string): string {
  return Object.keys({ [key]: 0 })[0] ?? key;
}

/** The compiled lift/lower/load/store of one value type. */
export interface Codec {
  /** The type. */
  readonly type: ValType;
  /** The flattened core types. */
  readonly flat: readonly CoreValType[];
  /** The byte size in memory. */
  readonly size: number;
  /** The alignment in memory. */
  readonly align: number;
  /** Whether lowering a value may call `realloc` (strings, lists). */
  readonly allocates: boolean;
  /** Throws {@linkcode BadValue} unless `v` can be lowered; no side effects. */
  check(v: unknown): void;
  /** CanonicalABI.md § Flat Lowering: writes `flat.length` values at `out[at]`. */
  lowerFlat(cx: LiftLowerContext, v: unknown, out: CoreValue[], at: number): void;
  /** CanonicalABI.md § Flat Lifting: reads `flat.length` values from `src[at]`. */
  liftFlat(cx: LiftLowerContext, src: ArrayLike<CoreValue>, at: number): unknown;
  /** CanonicalABI.md § Storing; `ptr` is aligned and in bounds. */
  store(cx: LiftLowerContext, v: unknown, ptr: number): void;
  /** CanonicalABI.md § Loading; `ptr` is aligned and in bounds. */
  load(cx: LiftLowerContext, ptr: number): unknown;
  /**
   * For a type that flattens to one core value and needs no context (numbers,
   * bools, chars, small flags): lowers `v` to that value, throwing
   * {@linkcode BadValue} as `lowerFlat` would. Lets a trampoline skip the
   * flat array and the context on its fast path.
   */
  readonly lowerScalar?: (v: unknown) => CoreValue;
  /** The inverse of {@linkcode Codec.lowerScalar}: lifts the one core value. */
  readonly liftScalar?: (x: CoreValue) => unknown;
  /**
   * `store` only writes fixed-size data through `cx.dv`/`cx.u8` (numbers,
   * bools, chars, flags, records of numbers): it can be run against a
   * staging buffer before any guest memory is allocated.
   */
  readonly storesPlainData?: boolean;
  /**
   * With {@linkcode Codec.storesPlainData}: the byte ranges of a stored value
   * that `store` leaves alone (padding), as `[start, end, start, end, ...]`.
   */
  readonly padding?: readonly number[];
  /**
   * Lowering checks the whole value before it calls `realloc`, so a function
   * whose only argument this is needs no separate check pass.
   */
  readonly checksFirst?: boolean;
}

/** `c` with a scalar fast path (see {@linkcode Codec.lowerScalar}). */
function scalar(
  c: Codec,
  lowerScalar: (v: unknown) => CoreValue,
  liftScalar: (x: CoreValue) => unknown,
): Codec {
  return { ...c, lowerScalar, liftScalar, storesPlainData: true };
}

// The most common scalar types get functions of their own (one call target
// each, so the JIT can inline them); the rest share a generic closure.
function lowerU32(v: unknown): CoreValue {
  if (typeof v === "number" && (v >>> 0) === v) return v;
  throw new BadValue(typeof v === "number", "u32", v);
}
function liftU32(x: CoreValue): unknown {
  return (x as number) >>> 0;
}
function lowerS32(v: unknown): CoreValue {
  if (typeof v === "number" && (v | 0) === v) return v;
  throw new BadValue(typeof v === "number", "s32", v);
}
function liftS32(x: CoreValue): unknown {
  return (x as number) | 0;
}
function lowerU64(v: unknown): CoreValue {
  if (typeof v === "bigint" && BigInt.asUintN(64, v) === v) return v;
  throw new BadValue(typeof v === "bigint", "u64", v);
}
function liftU64(x: CoreValue): unknown {
  return BigInt.asUintN(64, x as bigint);
}
function lowerS64(v: unknown): CoreValue {
  if (typeof v === "bigint" && BigInt.asIntN(64, v) === v) return v;
  throw new BadValue(typeof v === "bigint", "s64", v);
}
function liftS64(x: CoreValue): unknown {
  return BigInt.asIntN(64, x as bigint);
}
function lowerBool(v: unknown): CoreValue {
  if (typeof v === "boolean") return v ? 1 : 0;
  throw new BadValue(false, "bool", v);
}
function liftBool(x: CoreValue): unknown {
  return x !== 0;
}
function lowerF64(v: unknown): CoreValue {
  if (typeof v === "number") return v;
  throw new BadValue(false, "f64", v);
}
function liftF64(x: CoreValue): unknown {
  return x !== x ? NaN : x;
}
function lowerF32(v: unknown): CoreValue {
  if (typeof v === "number") return Math.fround(v);
  throw new BadValue(false, "f32", v);
}
function liftF32(x: CoreValue): unknown {
  return x !== x ? NaN : Math.fround(x as number);
}

/** A scalar codec's generic fast path from its `lowerFlat`/`liftFlat`. */
function genericScalar(c: Codec): Codec {
  const out: CoreValue[] = [0];
  return scalar(
    c,
    (v) => {
      c.lowerFlat(undefined as unknown as LiftLowerContext, v, out, 0);
      return out[0]!;
    },
    (x) => {
      out[0] = x;
      return c.liftFlat(undefined as unknown as LiftLowerContext, out, 0);
    },
  );
}

const cache = new WeakMap<ValType, Codec>();

/** The codec of `t`, compiled on first use and cached per type object. */
export function codecOf(t: ValType): Codec {
  let c = cache.get(t);
  if (c === undefined) {
    c = compile(t);
    cache.set(t, c);
  }
  return c;
}

function compile(t: ValType): Codec {
  const c = compileCodec(t);
  switch (t.kind) {
    case "u32":
      return scalar(c, lowerU32, liftU32);
    case "s32":
      return scalar(c, lowerS32, liftS32);
    case "u64":
      return scalar(c, lowerU64, liftU64);
    case "s64":
      return scalar(c, lowerS64, liftS64);
    case "bool":
      return scalar(c, lowerBool, liftBool);
    case "f64":
      return scalar(c, lowerF64, liftF64);
    case "f32":
      return scalar(c, lowerF32, liftF32);
    case "u8":
    case "s8":
    case "u16":
    case "s16":
    case "char":
      return genericScalar(c);
    case "flags":
      return c.flat.length === 1 ? genericScalar(c) : c;
    default:
      return c;
  }
}

function compileCodec(t: ValType): Codec {
  switch (t.kind) {
    case "bool":
      return boolCodec(t);
    case "u8":
      return intCodec(t, 1, (v) => (v & 0xff) === v, (x) => x & 0xff, "getUint8", "setUint8");
    case "s8":
      return intCodec(
        t,
        1,
        (v) => (v << 24 >> 24) === v,
        (x) => x << 24 >> 24,
        "getInt8",
        "setInt8",
      );
    case "u16":
      return intCodec(t, 2, (v) => (v & 0xffff) === v, (x) => x & 0xffff, "getUint16", "setUint16");
    case "s16":
      return intCodec(
        t,
        2,
        (v) => (v << 16 >> 16) === v,
        (x) => x << 16 >> 16,
        "getInt16",
        "setInt16",
      );
    case "u32":
      return intCodec(t, 4, (v) => (v >>> 0) === v, (x) => x >>> 0, "getUint32", "setUint32");
    case "s32":
      return intCodec(t, 4, (v) => (v | 0) === v, (x) => x | 0, "getInt32", "setInt32");
    case "u64":
      return bigCodec(t, false);
    case "s64":
      return bigCodec(t, true);
    case "f32":
      return f32Codec(t);
    case "f64":
      return f64Codec(t);
    case "char":
      return charCodec(t);
    case "string":
      return stringCodec(t);
    case "list":
      return t.length === undefined
        ? listCodec(t, codecOf(t.element))
        : fixedListCodec(t, codecOf(t.element), t.length);
    case "record":
      return recordCodec(
        t,
        t.fields.map((f) => f.type),
        t.fields.map((f) => toCamelCase(f.name)),
        false,
      );
    case "tuple":
      return recordCodec(t, t.types, t.types.map((_, i) => i), true);
    case "variant":
      return variantCodec(t, t.cases, variantJs(t.cases));
    case "enum":
      return variantCodec(t, despecializedCases(t), enumJs(t.labels));
    case "option":
      return variantCodec(
        t,
        despecializedCases(t),
        t.type.kind === "option" ? taggedJs(["none", "some"]) : optionJs,
      );
    case "result":
      return variantCodec(t, despecializedCases(t), taggedJs(["ok", "err"]));
    case "flags":
      return flagsCodec(t, t.labels);
    case "map":
      return mapCodec(t);
    case "own":
      return handleCodec(t, t.resource, true);
    case "borrow":
      return handleCodec(t, t.resource, false);
    case "stream":
    case "future":
    case "error-context":
      return asyncValueCodec(t);
  }
}

function despecializedCases(t: ValType): readonly Case[] {
  const d = despecialize(t);
  if (d.kind !== "variant") throw new Error("unreachable: not a variant");
  return d.cases;
}

// Scalars ---------------------------------------------------------------------

type DvGet = "getUint8" | "getInt8" | "getUint16" | "getInt16" | "getUint32" | "getInt32";
type DvSet = "setUint8" | "setInt8" | "setUint16" | "setInt16" | "setUint32" | "setInt32";

function boolCodec(t: ValType): Codec {
  const check = (v: unknown): void => {
    if (typeof v !== "boolean") throw new BadValue(false, "bool", v);
  };
  return {
    type: t,
    flat: ["i32"],
    size: 1,
    align: 1,
    allocates: false,
    check,
    lowerFlat(_cx, v, out, at) {
      if (typeof v !== "boolean") check(v);
      out[at] = v ? 1 : 0;
    },
    liftFlat: (_cx, src, at) => src[at] !== 0,
    store(cx, v, ptr) {
      if (typeof v !== "boolean") check(v);
      cx.u8[ptr] = v ? 1 : 0;
    },
    load: (cx, ptr) => cx.u8[ptr] !== 0,
  };
}

function intCodec(
  t: ValType,
  size: number,
  inRange: (v: number) => boolean,
  wrap: (x: number) => number,
  get: DvGet,
  set: DvSet,
): Codec {
  const name = t.kind;
  const check = (v: unknown): void => {
    if (typeof v !== "number") throw new BadValue(false, name, v);
    if (!inRange(v)) throw new BadValue(true, name, v);
  };
  return {
    type: t,
    flat: ["i32"],
    size,
    align: size,
    allocates: false,
    check,
    lowerFlat(_cx, v, out, at) {
      if (typeof v !== "number" || !inRange(v)) check(v);
      out[at] = v as number;
    },
    liftFlat: (_cx, src, at) => wrap(Number(src[at])),
    store(cx, v, ptr) {
      if (typeof v !== "number" || !inRange(v)) check(v);
      cx.dv[set](ptr, v as number, true);
    },
    load: (cx, ptr) => cx.dv[get](ptr, true),
  };
}

function bigCodec(t: ValType, signed: boolean): Codec {
  const name = t.kind;
  const wrap = signed ? (x: bigint) => BigInt.asIntN(64, x) : (x: bigint) => BigInt.asUintN(64, x);
  const check = (v: unknown): void => {
    if (typeof v !== "bigint") throw new BadValue(false, name, v);
    if (wrap(v) !== v) throw new BadValue(true, name, v);
  };
  return {
    type: t,
    flat: ["i64"],
    size: 8,
    align: 8,
    allocates: false,
    check,
    lowerFlat(_cx, v, out, at) {
      if (typeof v !== "bigint" || wrap(v) !== v) check(v);
      out[at] = v as bigint;
    },
    liftFlat: (_cx, src, at) => wrap(BigInt(src[at]!)),
    store(cx, v, ptr) {
      if (typeof v !== "bigint" || wrap(v) !== v) check(v);
      if (signed) cx.dv.setBigInt64(ptr, v as bigint, true);
      else cx.dv.setBigUint64(ptr, v as bigint, true);
    },
    load: signed
      ? (cx, ptr) => cx.dv.getBigInt64(ptr, true)
      : (cx, ptr) => cx.dv.getBigUint64(ptr, true),
  };
}

const CANONICAL_F32_NAN = 0x7fc00000;
const CANONICAL_F64_NAN = 0x7ff8000000000000n;

function f32Codec(t: ValType): Codec {
  const check = (v: unknown): void => {
    if (typeof v !== "number") throw new BadValue(false, "f32", v);
  };
  return {
    type: t,
    flat: ["f32"],
    size: 4,
    align: 4,
    allocates: false,
    check,
    lowerFlat(_cx, v, out, at) {
      if (typeof v !== "number") check(v);
      out[at] = Math.fround(v as number);
    },
    // CanonicalABI.md § Loading (`canonicalize_nan32`).
    liftFlat(_cx, src, at) {
      const x = Number(src[at]);
      return x !== x ? NaN : Math.fround(x);
    },
    store(cx, v, ptr) {
      if (typeof v !== "number") check(v);
      if (v !== v) cx.dv.setUint32(ptr, CANONICAL_F32_NAN, true);
      else cx.dv.setFloat32(ptr, v as number, true);
    },
    load(cx, ptr) {
      const x = cx.dv.getFloat32(ptr, true);
      return x !== x ? NaN : x;
    },
  };
}

function f64Codec(t: ValType): Codec {
  const check = (v: unknown): void => {
    if (typeof v !== "number") throw new BadValue(false, "f64", v);
  };
  return {
    type: t,
    flat: ["f64"],
    size: 8,
    align: 8,
    allocates: false,
    check,
    lowerFlat(_cx, v, out, at) {
      if (typeof v !== "number") check(v);
      out[at] = v as number;
    },
    liftFlat(_cx, src, at) {
      const x = Number(src[at]);
      return x !== x ? NaN : x;
    },
    store(cx, v, ptr) {
      if (typeof v !== "number") check(v);
      if (v !== v) cx.dv.setBigUint64(ptr, CANONICAL_F64_NAN, true);
      else cx.dv.setFloat64(ptr, v as number, true);
    },
    load(cx, ptr) {
      const x = cx.dv.getFloat64(ptr, true);
      return x !== x ? NaN : x;
    },
  };
}

/** The code point of a one-character string, or -1. */
function charToI32(v: unknown): number {
  if (typeof v !== "string") return -1;
  const c = v.codePointAt(0);
  if (c === undefined || (c >= 0xd800 && c <= 0xdfff)) return -1;
  return v.length === (c > 0xffff ? 2 : 1) ? c : -1;
}

/** CanonicalABI.md § Loading (`convert_i32_to_char`). */
function convertI32ToChar(i: number): string {
  if (i >= 0x110000) throw new Trap(`invalid char: code point ${i} is out of range`);
  if (i >= 0xd800 && i <= 0xdfff) throw new Trap(`invalid char: code point ${i} is a surrogate`);
  return String.fromCodePoint(i);
}

function charCodec(t: ValType): Codec {
  const check = (v: unknown): void => {
    if (typeof v !== "string") throw new BadValue(false, "char", v);
    if (charToI32(v) < 0) {
      throw new BadValue(
        true,
        "char",
        v,
        `expected one Unicode scalar value, received ${describeValue(v)}`,
      );
    }
  };
  const lower = (v: unknown): number => {
    const c = charToI32(v);
    if (c < 0) check(v);
    return c;
  };
  return {
    type: t,
    flat: ["i32"],
    size: 4,
    align: 4,
    allocates: false,
    check,
    lowerFlat(_cx, v, out, at) {
      out[at] = lower(v);
    },
    liftFlat: (_cx, src, at) => convertI32ToChar(Number(src[at]) >>> 0),
    store(cx, v, ptr) {
      cx.dv.setUint32(ptr, lower(v), true);
    },
    load: (cx, ptr) => convertI32ToChar(cx.dv.getUint32(ptr, true)),
  };
}

function stringCodec(t: ValType): Codec {
  const check = (v: unknown): void => {
    if (typeof v !== "string" && !(v instanceof GuestString)) {
      throw new BadValue(false, "string", v);
    }
  };
  // The JS string is the hot path; a string from another guest takes the slow one.
  const storeOther = (cx: LiftLowerContext, v: unknown): number => {
    if (v instanceof GuestString) return storeGuestStringIntoRange(cx, v);
    check(v);
    return 0;
  };
  const lift = (cx: LiftLowerContext, ptr: number, taggedCodeUnits: number): unknown => {
    const s = loadStringFromRange(cx, ptr, taggedCodeUnits);
    return cx.interchange ? new GuestString(s, cx.encoding, taggedCodeUnits) : s;
  };
  return {
    type: t,
    flat: ["i32", "i32"],
    size: 8,
    align: 4,
    allocates: true,
    check,
    lowerFlat(cx, v, out, at) {
      out[at] = typeof v === "string" ? storeStringIntoRange(cx, v) : storeOther(cx, v);
      out[at + 1] = storedLength;
    },
    liftFlat: (cx, src, at) => lift(cx, Number(src[at]) >>> 0, Number(src[at + 1]) >>> 0),
    store(cx, v, ptr) {
      const p = typeof v === "string" ? storeStringIntoRange(cx, v) : storeOther(cx, v);
      const dv = cx.dv;
      dv.setUint32(ptr, p, true);
      dv.setUint32(ptr + 4, storedLength, true);
    },
    load(cx, ptr) {
      const dv = cx.dv;
      return lift(cx, dv.getUint32(ptr, true), dv.getUint32(ptr + 4, true));
    },
  };
}

// Lists -----------------------------------------------------------------------

/** A typed array class that a numeric `list<T>` maps to in JS. */
export type TypedArrayCtor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | BigUint64ArrayConstructor
  | BigInt64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

const TYPED_ARRAYS: Partial<Record<string, TypedArrayCtor>> = {
  u8: Uint8Array,
  s8: Int8Array,
  u16: Uint16Array,
  s16: Int16Array,
  u32: Uint32Array,
  s32: Int32Array,
  u64: BigUint64Array,
  s64: BigInt64Array,
  f32: Float32Array,
  f64: Float64Array,
};

/** The JS typed array a `list<T>` of this element maps to, if any. */
export function typedArrayOf(element: ValType): TypedArrayCtor | undefined {
  return TYPED_ARRAYS[element.kind];
}

/** The elements of a JS list value as an array-like, or `undefined`. */
function asArrayLike(v: unknown): ArrayLike<unknown> | undefined {
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return v as ArrayLike<unknown>;
  if (typeof v === "object" && v !== null) {
    if (Symbol.iterator in v) return Array.from(v as Iterable<unknown>);
    const n = (v as { length?: unknown }).length;
    if (typeof n === "number" && Number.isInteger(n) && n >= 0) {
      return Array.from(v as ArrayLike<unknown>);
    }
  }
  return undefined;
}

function withPath<T>(e: unknown, segment: string): T {
  if (e instanceof BadValue) e.path.unshift(segment);
  throw e;
}

let listLength = 0;

/** A staging buffer for list elements, in the shape `store` uses of a context. */
interface Stage {
  readonly u8: Uint8Array;
  readonly dv: DataView;
}

// One spare buffer, taken for the length of one list's lowering: a nested
// lowering (from a getter) finds none and makes its own.
let spareStage: Stage | undefined;

function takeStage(bytes: number): Stage {
  const spare = spareStage;
  if (spare !== undefined && spare.u8.length >= bytes) {
    spareStage = undefined;
    return spare;
  }
  const buffer = new ArrayBuffer(Math.max(bytes, 4096));
  return { u8: new Uint8Array(buffer), dv: new DataView(buffer) };
}

function listCodec(t: ValType, elem: Codec): Codec {
  const name = typeName(t);
  const es = elem.size;
  const ea = elem.align;
  const Typed = typedArrayOf(elem.type);
  const isFloat = elem.type.kind === "f32" || elem.type.kind === "f64";
  const staged = elem.storesPlainData === true;
  // Storing leaves padding bytes as they are in guest memory (the spec never
  // writes them), so elements with padding cannot be staged and copied whole.
  const padded = elem.padding !== undefined && elem.padding.length > 0;
  const elements = (v: unknown): ArrayLike<unknown> => {
    const a = asArrayLike(v);
    if (a === undefined) throw new BadValue(false, name, v);
    return a;
  };
  const check = (v: unknown): void => {
    if (Typed !== undefined && v instanceof Typed) return;
    const a = elements(v);
    for (let i = 0; i < a.length; i++) {
      try {
        elem.check(a[i]);
      } catch (e) {
        withPath(e, `[${i}]`);
      }
    }
  };
  // CanonicalABI.md § Storing (`store_list_into_range`); the length goes to `listLength`.
  const storeIntoRange = (cx: LiftLowerContext, v: unknown): number => {
    if (Typed !== undefined && v instanceof Typed) {
      const byteLength = v.byteLength;
      const ptr = cx.allocate(ea, byteLength);
      cx.checkAllocation(ptr, ea, byteLength, "list");
      cx.u8.set(
        Typed === Uint8Array ? v as Uint8Array : new Uint8Array(v.buffer, v.byteOffset, byteLength),
        ptr,
      );
      listLength = v.length;
      return ptr;
    }
    const a = elements(v);
    const n = a.length;
    if (staged && !padded) {
      // Every element is checked and written to a staging buffer first, so a
      // bad element throws before realloc runs, in one pass over the values;
      // one copy then moves them into guest memory.
      const bytes = n * es;
      const stage = takeStage(bytes);
      try {
        for (let i = 0; i < n; i++) {
          try {
            elem.store(stage as unknown as LiftLowerContext, a[i], i * es);
          } catch (e) {
            withPath(e, `[${i}]`);
          }
        }
        const ptr = cx.allocate(ea, bytes);
        cx.checkAllocation(ptr, ea, bytes, "list");
        cx.u8.set(stage.u8.subarray(0, bytes), ptr);
        listLength = n;
        return ptr;
      } finally {
        spareStage = stage;
      }
    }
    if (staged) {
      // With padding, the elements are checked before realloc runs and then
      // stored in place: a second pass over the values costs less than
      // copying staged bytes around the padding.
      for (let i = 0; i < n; i++) {
        try {
          elem.check(a[i]);
        } catch (e) {
          withPath(e, `[${i}]`);
        }
      }
    }
    const ptr = cx.allocate(ea, n * es);
    cx.checkAllocation(ptr, ea, n * es, "list");
    for (let i = 0; i < n; i++) {
      try {
        elem.store(cx, a[i], ptr + i * es);
      } catch (e) {
        withPath(e, `[${i}]`);
      }
    }
    listLength = n;
    return ptr;
  };
  // CanonicalABI.md § Loading (`load_list_from_range`).
  const loadFromRange = (cx: LiftLowerContext, ptr: number, n: number): unknown => {
    const byteLength = n * es;
    // Bounds before the length limit, as for strings (see loadStringFromRange).
    cx.checkAlign(ptr, ea, "list");
    cx.checkBounds(ptr, byteLength, "list");
    if (byteLength > MAX_LIST_BYTE_LENGTH) {
      throw new Trap(`list byte length ${byteLength} exceeds the maximum ${MAX_LIST_BYTE_LENGTH}`);
    }
    if (Typed !== undefined) {
      // TypedArray#slice copies a range much faster than ArrayBuffer#slice on a
      // wasm memory's buffer; the copy is aligned, so any element view fits it.
      const bytes = cx.u8.slice(ptr, ptr + byteLength);
      const copy = Typed === Uint8Array ? bytes : new Typed(bytes.buffer);
      if (isFloat) {
        const f = copy as Float32Array | Float64Array;
        for (let i = 0; i < f.length; i++) if (f[i] !== f[i]) f[i] = NaN;
      }
      return copy;
    }
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = elem.load(cx, ptr + i * es);
    return out;
  };
  return {
    type: t,
    flat: ["i32", "i32"],
    size: 8,
    align: 4,
    allocates: true,
    checksFirst: staged,
    check,
    lowerFlat(cx, v, out, at) {
      out[at] = storeIntoRange(cx, v);
      out[at + 1] = listLength;
    },
    liftFlat: (cx, src, at) => loadFromRange(cx, Number(src[at]) >>> 0, Number(src[at + 1]) >>> 0),
    store(cx, v, ptr) {
      const p = storeIntoRange(cx, v);
      cx.dv.setUint32(ptr, p, true);
      cx.dv.setUint32(ptr + 4, listLength, true);
    },
    load(cx, ptr) {
      const dv = cx.dv;
      return loadFromRange(cx, dv.getUint32(ptr, true), dv.getUint32(ptr + 4, true));
    },
  };
}

function fixedListCodec(t: ValType, elem: Codec, n: number): Codec {
  const name = typeName(t);
  const es = elem.size;
  const ef = elem.flat.length;
  const Typed = typedArrayOf(elem.type);
  const elements = (v: unknown): ArrayLike<unknown> => {
    const a = asArrayLike(v);
    if (a === undefined) throw new BadValue(false, name, v);
    if (a.length !== n) {
      throw new BadValue(true, name, v, `expected ${n} elements, received ${a.length}`);
    }
    return a;
  };
  const make = (): unknown[] | InstanceType<TypedArrayCtor> =>
    Typed !== undefined ? new Typed(n) : new Array<unknown>(n);
  return {
    type: t,
    flat: flattenType(t),
    size: elemSize(t),
    align: alignment(t),
    allocates: elem.allocates,
    check(v) {
      const a = elements(v);
      for (let i = 0; i < n; i++) {
        try {
          elem.check(a[i]);
        } catch (e) {
          withPath(e, `[${i}]`);
        }
      }
    },
    lowerFlat(cx, v, out, at) {
      const a = elements(v);
      for (let i = 0; i < n; i++) {
        try {
          elem.lowerFlat(cx, a[i], out, at + i * ef);
        } catch (e) {
          withPath(e, `[${i}]`);
        }
      }
    },
    liftFlat(cx, src, at) {
      const out = make() as unknown[];
      for (let i = 0; i < n; i++) out[i] = elem.liftFlat(cx, src, at + i * ef);
      return out;
    },
    store(cx, v, ptr) {
      const a = elements(v);
      for (let i = 0; i < n; i++) {
        try {
          elem.store(cx, a[i], ptr + i * es);
        } catch (e) {
          withPath(e, `[${i}]`);
        }
      }
    },
    load(cx, ptr) {
      const out = make() as unknown[];
      for (let i = 0; i < n; i++) out[i] = elem.load(cx, ptr + i * es);
      return out;
    },
  };
}

function mapCodec(t: ValType & { kind: "map" }): Codec {
  const pairs = codecOf(despecialize(t) as ValType);
  const name = typeName(t);
  const entries = (v: unknown): unknown => {
    if (v instanceof Map) return Array.from(v);
    if (typeof v === "object" && v !== null && Symbol.iterator in v) return v;
    throw new BadValue(false, name, v);
  };
  const toMap = (a: unknown): Map<unknown, unknown> => {
    const m = new Map<unknown, unknown>();
    for (const [k, v] of a as [unknown, unknown][]) m.set(k, v);
    return m;
  };
  return {
    type: t,
    flat: pairs.flat,
    size: pairs.size,
    align: pairs.align,
    allocates: true,
    check: (v) => pairs.check(entries(v)),
    lowerFlat: (cx, v, out, at) => pairs.lowerFlat(cx, entries(v), out, at),
    // Between guests a map stays a list of pairs: a JS Map would merge repeated keys.
    liftFlat(cx, src, at) {
      const a = pairs.liftFlat(cx, src, at);
      return cx.interchange ? a : toMap(a);
    },
    store: (cx, v, ptr) => pairs.store(cx, entries(v), ptr),
    load(cx, ptr) {
      const a = pairs.load(cx, ptr);
      return cx.interchange ? a : toMap(a);
    },
  };
}

// Records and tuples ----------------------------------------------------------

function recordCodec(
  t: ValType,
  types: readonly ValType[],
  keys: readonly (string | number)[],
  isTuple: boolean,
): Codec {
  const name = typeName(t);
  const codecs = types.map(codecOf);
  const n = codecs.length;
  const offsets: number[] = [];
  const flatOffsets: number[] = [];
  let s = 0;
  let f = 0;
  for (const c of codecs) {
    s = alignTo(s, c.align);
    offsets.push(s);
    s += c.size;
    flatOffsets.push(f);
    f += c.flat.length;
  }
  const segments = keys.map((k) => (isTuple ? `[${k}]` : `.${k}`));
  const obj = (v: unknown): Record<string | number, unknown> => {
    if (typeof v !== "object" || v === null || (isTuple && !Array.isArray(v))) {
      throw new BadValue(false, name, v);
    }
    return v as Record<string | number, unknown>;
  };
  const make = (): Record<string | number, unknown> =>
    isTuple ? new Array<unknown>(n) as unknown as Record<number, unknown> : {};
  const kinds = codecs.map((c) => FIELD_KINDS[c.type.kind] ?? 0);
  if (!isTuple && n > 0 && kinds.every((k) => k !== 0)) {
    return plainRecordCodec(t, name, codecs, keys as string[], kinds, offsets, flatOffsets);
  }
  return {
    type: t,
    flat: codecs.flatMap((c) => c.flat),
    size: elemSize(t),
    align: alignment(t),
    allocates: codecs.some((c) => c.allocates),
    check(v) {
      const o = obj(v);
      for (let i = 0; i < n; i++) {
        try {
          codecs[i]!.check(o[keys[i]!]);
        } catch (e) {
          withPath(e, segments[i]!);
        }
      }
    },
    lowerFlat(cx, v, out, at) {
      const o = obj(v);
      for (let i = 0; i < n; i++) {
        try {
          codecs[i]!.lowerFlat(cx, o[keys[i]!], out, at + flatOffsets[i]!);
        } catch (e) {
          withPath(e, segments[i]!);
        }
      }
    },
    liftFlat(cx, src, at) {
      const o = make();
      for (let i = 0; i < n; i++) o[keys[i]!] = codecs[i]!.liftFlat(cx, src, at + flatOffsets[i]!);
      return o;
    },
    store(cx, v, ptr) {
      const o = obj(v);
      for (let i = 0; i < n; i++) {
        try {
          codecs[i]!.store(cx, o[keys[i]!], ptr + offsets[i]!);
        } catch (e) {
          withPath(e, segments[i]!);
        }
      }
    },
    load(cx, ptr) {
      const o = make();
      for (let i = 0; i < n; i++) o[keys[i]!] = codecs[i]!.load(cx, ptr + offsets[i]!);
      return o;
    },
  };
}

// A record whose fields are all numbers or bools (the common "struct" case)
// gets closures that read and write its fields directly by kind, instead of
// one call per field into the field's codec: the call sites of those codecs
// are shared by every record type, so the JIT cannot inline them.
const F_U8 = 1, F_S8 = 2, F_U16 = 3, F_S16 = 4, F_U32 = 5, F_S32 = 6, F_F32 = 7, F_F64 = 8;
const F_BOOL = 9;
const FIELD_KINDS: Partial<Record<ValType["kind"], number>> = {
  u8: F_U8,
  s8: F_S8,
  u16: F_U16,
  s16: F_S16,
  u32: F_U32,
  s32: F_S32,
  f32: F_F32,
  f64: F_F64,
  bool: F_BOOL,
};

/** Reads a field of one kind from memory. */
type FieldRead = (dv: DataView, p: number) => unknown;
/** Writes a field of one kind to memory; `false` (and nothing written) for a bad value. */
type FieldWrite = (dv: DataView, p: number, x: unknown) => boolean;

// One small function per field kind: a record's field sites call one of a few
// targets, which the JIT inlines.
const FIELD_READ: Record<number, FieldRead> = {
  [F_U8]: (dv, p) => dv.getUint8(p),
  [F_S8]: (dv, p) => dv.getInt8(p),
  [F_U16]: (dv, p) => dv.getUint16(p, true),
  [F_S16]: (dv, p) => dv.getInt16(p, true),
  [F_U32]: (dv, p) => dv.getUint32(p, true),
  [F_S32]: (dv, p) => dv.getInt32(p, true),
  [F_F32]: (dv, p) => {
    const f = dv.getFloat32(p, true);
    return f !== f ? NaN : f;
  },
  [F_F64]: (dv, p) => {
    const f = dv.getFloat64(p, true);
    return f !== f ? NaN : f;
  },
  [F_BOOL]: (dv, p) => dv.getUint8(p) !== 0,
};

const FIELD_WRITE: Record<number, FieldWrite> = {
  [F_U8]: (dv, p, x) => {
    if (typeof x !== "number" || (x & 0xff) !== x) return false;
    dv.setUint8(p, x);
    return true;
  },
  [F_S8]: (dv, p, x) => {
    if (typeof x !== "number" || (x << 24 >> 24) !== x) return false;
    dv.setInt8(p, x);
    return true;
  },
  [F_U16]: (dv, p, x) => {
    if (typeof x !== "number" || (x & 0xffff) !== x) return false;
    dv.setUint16(p, x, true);
    return true;
  },
  [F_S16]: (dv, p, x) => {
    if (typeof x !== "number" || (x << 16 >> 16) !== x) return false;
    dv.setInt16(p, x, true);
    return true;
  },
  [F_U32]: (dv, p, x) => {
    if (typeof x !== "number" || (x >>> 0) !== x) return false;
    dv.setUint32(p, x, true);
    return true;
  },
  [F_S32]: (dv, p, x) => {
    if (typeof x !== "number" || (x | 0) !== x) return false;
    dv.setInt32(p, x, true);
    return true;
  },
  // CanonicalABI.md § Storing (`maybe_scramble_nan32`/`64`): one canonical NaN.
  [F_F32]: (dv, p, x) => {
    if (typeof x !== "number") return false;
    if (x !== x) dv.setUint32(p, CANONICAL_F32_NAN, true);
    else dv.setFloat32(p, x, true);
    return true;
  },
  [F_F64]: (dv, p, x) => {
    if (typeof x !== "number") return false;
    if (x !== x) dv.setBigUint64(p, CANONICAL_F64_NAN, true);
    else dv.setFloat64(p, x, true);
    return true;
  },
  [F_BOOL]: (dv, p, x) => {
    if (typeof x !== "boolean") return false;
    dv.setUint8(p, x ? 1 : 0);
    return true;
  },
};

/** Lowers a field of one kind to its core value; `undefined` for a bad value. */
type FieldLower = (x: unknown) => CoreValue | undefined;

const FIELD_LOWER: Record<number, FieldLower> = {
  [F_U8]: (x) => typeof x === "number" && (x & 0xff) === x ? x : undefined,
  [F_S8]: (x) => typeof x === "number" && (x << 24 >> 24) === x ? x : undefined,
  [F_U16]: (x) => typeof x === "number" && (x & 0xffff) === x ? x : undefined,
  [F_S16]: (x) => typeof x === "number" && (x << 16 >> 16) === x ? x : undefined,
  [F_U32]: (x) => typeof x === "number" && (x >>> 0) === x ? x : undefined,
  [F_S32]: (x) => typeof x === "number" && (x | 0) === x ? x : undefined,
  [F_F32]: (x) => typeof x === "number" ? Math.fround(x) : undefined,
  [F_F64]: (x) => typeof x === "number" ? x : undefined,
  [F_BOOL]: (x) => typeof x === "boolean" ? (x ? 1 : 0) : undefined,
};

/** How a plain record's fields are laid out, for the per-arity closures below. */
interface PlainFields {
  readonly n: number;
  readonly keys: readonly string[];
  readonly offsets: readonly number[];
  readonly flatOffsets: readonly number[];
  readonly reads: readonly FieldRead[];
  readonly writes: readonly FieldWrite[];
  readonly lowers: readonly FieldLower[];
  readonly lifts: readonly ((x: CoreValue) => unknown)[];
  /** Throws the {@linkcode BadValue} for field `i` of `o`. */
  readonly fail: (o: Record<string, unknown>, i: number) => never;
}

type RecordLoad = (dv: DataView, ptr: number) => Record<string, unknown>;
type RecordStore = (dv: DataView, o: Record<string, unknown>, ptr: number) => void;
type RecordLowerFlat = (o: Record<string, unknown>, out: CoreValue[], at: number) => void;

// Records of up to four fields get closures written out field by field. A
// keyed access `o[k]` is fast while its site sees one key; a loop over the
// fields shows every key to one site (megamorphic, several times slower), and
// so does sharing a site between records of different sizes. Objects are
// built from `{}` by adding fields in order: where a site does see several
// record types, adding a property stays cheap, unlike overwriting the
// fields of a clone (measured: 45 against 150 ns for three fields).
function recordLoad(f: PlainFields): RecordLoad {
  const { keys: [k0, k1, k2, k3], reads: [r0, r1, r2, r3], offsets: [o0, o1, o2, o3] } = f;
  switch (f.n) {
    case 1:
      return (dv, p) => {
        const o: Record<string, unknown> = {};
        o[k0!] = r0!(dv, p + o0!);
        return o;
      };
    case 2:
      return (dv, p) => {
        const o: Record<string, unknown> = {};
        o[k0!] = r0!(dv, p + o0!);
        o[k1!] = r1!(dv, p + o1!);
        return o;
      };
    case 3:
      return (dv, p) => {
        const o: Record<string, unknown> = {};
        o[k0!] = r0!(dv, p + o0!);
        o[k1!] = r1!(dv, p + o1!);
        o[k2!] = r2!(dv, p + o2!);
        return o;
      };
    case 4:
      return (dv, p) => {
        const o: Record<string, unknown> = {};
        o[k0!] = r0!(dv, p + o0!);
        o[k1!] = r1!(dv, p + o1!);
        o[k2!] = r2!(dv, p + o2!);
        o[k3!] = r3!(dv, p + o3!);
        return o;
      };
    default: {
      const { n, keys, reads, offsets } = f;
      return (dv, p) => {
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) o[keys[i]!] = reads[i]!(dv, p + offsets[i]!);
        return o;
      };
    }
  }
}

function recordStore(f: PlainFields): RecordStore {
  const { keys: [k0, k1, k2, k3], writes: [w0, w1, w2, w3], offsets: [o0, o1, o2, o3] } = f;
  const fail = f.fail;
  switch (f.n) {
    case 1:
      return (dv, o, p) => {
        if (!w0!(dv, p + o0!, o[k0!])) fail(o, 0);
      };
    case 2:
      return (dv, o, p) => {
        if (!w0!(dv, p + o0!, o[k0!])) fail(o, 0);
        if (!w1!(dv, p + o1!, o[k1!])) fail(o, 1);
      };
    case 3:
      return (dv, o, p) => {
        if (!w0!(dv, p + o0!, o[k0!])) fail(o, 0);
        if (!w1!(dv, p + o1!, o[k1!])) fail(o, 1);
        if (!w2!(dv, p + o2!, o[k2!])) fail(o, 2);
      };
    case 4:
      return (dv, o, p) => {
        if (!w0!(dv, p + o0!, o[k0!])) fail(o, 0);
        if (!w1!(dv, p + o1!, o[k1!])) fail(o, 1);
        if (!w2!(dv, p + o2!, o[k2!])) fail(o, 2);
        if (!w3!(dv, p + o3!, o[k3!])) fail(o, 3);
      };
    default: {
      const { n, keys, writes, offsets } = f;
      return (dv, o, p) => {
        for (let i = 0; i < n; i++) if (!writes[i]!(dv, p + offsets[i]!, o[keys[i]!])) fail(o, i);
      };
    }
  }
}

function recordLowerFlat(f: PlainFields): RecordLowerFlat {
  const { keys: [k0, k1, k2, k3], lowers: [l0, l1, l2, l3], flatOffsets: [f0, f1, f2, f3] } = f;
  const fail: (o: Record<string, unknown>, i: number) => never = f.fail;
  switch (f.n) {
    case 1:
      return (o, out, at) => {
        const y0 = l0!(o[k0!]);
        if (y0 === undefined) fail(o, 0);
        out[at + f0!] = y0;
      };
    case 2:
      return (o, out, at) => {
        const y0 = l0!(o[k0!]);
        if (y0 === undefined) fail(o, 0);
        const y1 = l1!(o[k1!]);
        if (y1 === undefined) fail(o, 1);
        out[at + f0!] = y0;
        out[at + f1!] = y1;
      };
    case 3:
      return (o, out, at) => {
        const y0 = l0!(o[k0!]);
        if (y0 === undefined) fail(o, 0);
        const y1 = l1!(o[k1!]);
        if (y1 === undefined) fail(o, 1);
        const y2 = l2!(o[k2!]);
        if (y2 === undefined) fail(o, 2);
        out[at + f0!] = y0;
        out[at + f1!] = y1;
        out[at + f2!] = y2;
      };
    case 4:
      return (o, out, at) => {
        const y0 = l0!(o[k0!]);
        if (y0 === undefined) fail(o, 0);
        const y1 = l1!(o[k1!]);
        if (y1 === undefined) fail(o, 1);
        const y2 = l2!(o[k2!]);
        if (y2 === undefined) fail(o, 2);
        const y3 = l3!(o[k3!]);
        if (y3 === undefined) fail(o, 3);
        out[at + f0!] = y0;
        out[at + f1!] = y1;
        out[at + f2!] = y2;
        out[at + f3!] = y3;
      };
    default: {
      const { n, keys, lowers, flatOffsets } = f;
      return (o, out, at) => {
        for (let i = 0; i < n; i++) {
          const y = lowers[i]!(o[keys[i]!]);
          if (y === undefined) fail(o, i);
          out[at + flatOffsets[i]!] = y;
        }
      };
    }
  }
}

type RecordCheck = (o: Record<string, unknown>) => void;

function recordCheck(f: PlainFields): RecordCheck {
  const { keys: [k0, k1, k2, k3], lowers: [l0, l1, l2, l3] } = f;
  const fail = f.fail;
  switch (f.n) {
    case 1:
      return (o) => {
        if (l0!(o[k0!]) === undefined) fail(o, 0);
      };
    case 2:
      return (o) => {
        if (l0!(o[k0!]) === undefined) fail(o, 0);
        if (l1!(o[k1!]) === undefined) fail(o, 1);
      };
    case 3:
      return (o) => {
        if (l0!(o[k0!]) === undefined) fail(o, 0);
        if (l1!(o[k1!]) === undefined) fail(o, 1);
        if (l2!(o[k2!]) === undefined) fail(o, 2);
      };
    case 4:
      return (o) => {
        if (l0!(o[k0!]) === undefined) fail(o, 0);
        if (l1!(o[k1!]) === undefined) fail(o, 1);
        if (l2!(o[k2!]) === undefined) fail(o, 2);
        if (l3!(o[k3!]) === undefined) fail(o, 3);
      };
    default: {
      const { n, keys, lowers } = f;
      return (o) => {
        for (let i = 0; i < n; i++) if (lowers[i]!(o[keys[i]!]) === undefined) fail(o, i);
      };
    }
  }
}

function plainRecordCodec(
  t: ValType,
  name: string,
  codecs: readonly Codec[],
  keys: readonly string[],
  kinds: readonly number[],
  offsets: readonly number[],
  flatOffsets: readonly number[],
): Codec {
  const n = keys.length;
  const size = elemSize(t);
  const padding: number[] = [];
  for (let i = 0, end = 0; i <= n; i++) {
    const start = i < n ? offsets[i]! : size;
    if (start > end) padding.push(end, start);
    if (i < n) end = offsets[i]! + codecs[i]!.size;
  }
  const obj = (v: unknown): Record<string, unknown> => {
    if (typeof v !== "object" || v === null) throw new BadValue(false, name, v);
    return v as Record<string, unknown>;
  };
  const fields: PlainFields = {
    n,
    keys,
    offsets,
    flatOffsets,
    reads: kinds.map((k) => FIELD_READ[k]!),
    writes: kinds.map((k) => FIELD_WRITE[k]!),
    lowers: kinds.map((k) => FIELD_LOWER[k]!),
    lifts: codecs.map((c) => c.liftScalar!),
    // The slow path for a bad field: the field's codec names the problem.
    fail(o, i) {
      try {
        codecs[i]!.check(o[keys[i]!]);
      } catch (e) {
        withPath(e, `.${keys[i]}`);
      }
      throw new BadValue(false, name, o); // unreachable: the check above throws
    },
  };
  const load = recordLoad(fields);
  const store = recordStore(fields);
  const lowerFlat = recordLowerFlat(fields);
  const check = recordCheck(fields);
  const lifts = fields.lifts;
  return {
    type: t,
    flat: codecs.flatMap((c) => c.flat),
    size,
    align: alignment(t),
    allocates: false,
    storesPlainData: true,
    padding,
    check: (v) => check(obj(v)),
    lowerFlat: (_cx, v, out, at) => lowerFlat(obj(v), out, at),
    liftFlat(_cx, src, at) {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) o[keys[i]!] = lifts[i]!(src[at + flatOffsets[i]!]!);
      return o;
    },
    store: (cx, v, ptr) => store(cx.dv, obj(v), ptr),
    load: (cx, ptr) => load(cx.dv, ptr),
  };
}

// Variants, enums, options, results -------------------------------------------

/** How the JS values of a variant-like type map to case indices and payloads. */
interface VariantJs {
  /** The case index of `v`, or -1; sets {@linkcode payloadOut}. */
  index(v: unknown): number;
  /** The JS value of case `i` with `payload`. */
  make(i: number, payload: unknown, hasPayload: boolean): unknown;
  /**
   * For `{ tag, val }` values with few cases: the tags, which the codec then
   * compares in place instead of calling `index` (a call whose target
   * differs by type, so the JIT cannot inline it).
   */
  readonly tags?: readonly string[];
}

// Set by VariantJs.index and read at once by the caller: avoids a pair per value.
let payloadOut: unknown;

function variantJs(cases: readonly Case[]): VariantJs {
  return taggedJs(cases.map((c) => c.name));
}

function taggedJs(names: readonly string[]): VariantJs {
  const tags = names.map(propertyKey);
  const byTag = new Map(tags.map((tag, i) => [tag, i]));
  const none = tags.map((tag) => Object.freeze({ tag }));
  return {
    ...(tags.length <= 16 ? { tags } : {}),
    index(v) {
      if (typeof v !== "object" || v === null) return -1;
      const i = byTag.get((v as { tag?: unknown }).tag as string);
      if (i === undefined) return -1;
      payloadOut = (v as { val?: unknown }).val;
      return i;
    },
    make: (i, payload, hasPayload) =>
      hasPayload ? { tag: tags[i]!, val: payload } : { ...none[i]! },
  };
}

function enumJs(names: readonly string[]): VariantJs {
  const labels = names.map(propertyKey);
  const byLabel = new Map(labels.map((l, i) => [l, i]));
  return {
    index(v) {
      payloadOut = undefined;
      return typeof v === "string" ? byLabel.get(v) ?? -1 : -1;
    },
    make: (i) => labels[i],
  };
}

const optionJs: VariantJs = {
  index(v) {
    payloadOut = v;
    return v === undefined || v === null ? 0 : 1;
  },
  make: (i, payload) => (i === 0 ? undefined : payload),
};

// Reinterpretation scratch for the variant joins (CanonicalABI.md § Flat Lowering).
const f32s = new Float32Array(1);
const u32s = new Uint32Array(f32s.buffer);
const f64s = new Float64Array(1);
const u64s = new BigUint64Array(f64s.buffer);

function f32Bits(x: number): number {
  if (x !== x) return CANONICAL_F32_NAN;
  f32s[0] = x;
  return u32s[0]!;
}

function f64Bits(x: number): bigint {
  if (x !== x) return CANONICAL_F64_NAN;
  f64s[0] = x;
  return u64s[0]!;
}

function bitsToF32(i: number): number {
  u32s[0] = i;
  const x = f32s[0]!;
  return x !== x ? NaN : x;
}

function bitsToF64(i: bigint): number {
  u64s[0] = BigInt.asUintN(64, i);
  const x = f64s[0]!;
  return x !== x ? NaN : x;
}

interface CaseInfo {
  readonly codec: Codec | undefined;
  /** Slots whose flat type differs from the joined one: [slot, have, want]. */
  readonly coerce: readonly [number, CoreValType, CoreValType][];
  /**
   * For a payload of one flat value: its scalar lowering, with the join's
   * coercion applied (so lowering a case like `int(s32)` is one call).
   */
  readonly lowerOne: ((v: unknown) => CoreValue) | undefined;
  /** For a payload of one flat value and no coercion: its scalar lifting. */
  readonly liftOne: ((x: CoreValue) => unknown) | undefined;
  /** For a payload of a number or bool: how to load it. */
  readonly read: FieldRead | undefined;
}

const BIG_READ: Partial<Record<ValType["kind"], FieldRead>> = {
  u64: (dv, p) => dv.getBigUint64(p, true),
  s64: (dv, p) => dv.getBigInt64(p, true),
};

function coerceLower(have: CoreValType, want: CoreValType, v: CoreValue): CoreValue {
  if (have === "f32" && want === "i32") return f32Bits(Number(v));
  if (have === "i32") return BigInt(Number(v) >>> 0);
  if (have === "f32") return BigInt(f32Bits(Number(v)));
  return f64Bits(Number(v)); // f64 -> i64
}

function coerceLift(have: CoreValType, want: CoreValType, v: CoreValue): CoreValue {
  if (have === "i32") return bitsToF32(Number(v) >>> 0); // want f32
  const low = Number(BigInt.asUintN(32, BigInt(v)));
  if (want === "i32") return low;
  if (want === "f32") return bitsToF32(low);
  return bitsToF64(BigInt(v)); // want f64
}

function variantCodec(t: ValType, cases: readonly Case[], js: VariantJs): Codec {
  const name = typeName(t);
  const n = cases.length;
  const discSize = discriminantSize(n);
  const payloadOffset = alignTo(discSize, maxCaseAlignment(cases));
  const joined = flattenVariantPayload(cases);
  const zeros: CoreValue[] = joined.map((ft) => (ft === "i64" ? 0n : 0));
  const infos: CaseInfo[] = cases.map((c) => {
    const codec = c.type === undefined ? undefined : codecOf(c.type);
    const coerce: [number, CoreValType, CoreValType][] = [];
    codec?.flat.forEach((have, i) => {
      const want = joined[i]!;
      if (have !== want) coerce.push([i, have, want]);
    });
    const scalarLower = codec?.flat.length === 1 ? codec.lowerScalar : undefined;
    const [, have, want] = coerce[0] ?? [0, "i32", "i32"];
    const lowerOne = scalarLower === undefined || coerce.length === 0
      ? scalarLower
      : (v: unknown) => coerceLower(have, want, scalarLower(v));
    const liftOne = codec?.flat.length === 1 && coerce.length === 0 ? codec.liftScalar : undefined;
    const kind = codec?.type.kind;
    const read = kind === undefined
      ? undefined
      : FIELD_KINDS[kind] !== undefined
      ? FIELD_READ[FIELD_KINDS[kind]!]
      : BIG_READ[kind];
    return { codec, coerce, lowerOne, liftOne, read };
  });
  const segments = cases.map((c) => `(${c.name})`);
  const tags = js.tags;
  const indexOf = (v: unknown): number => {
    if (tags !== undefined) {
      if (typeof v === "object" && v !== null) {
        const tag = (v as { tag?: unknown }).tag;
        for (let i = 0; i < n; i++) {
          if (tags[i] === tag) {
            payloadOut = (v as { val?: unknown }).val;
            return i;
          }
        }
      }
      throw new BadValue(false, name, v);
    }
    const i = js.index(v);
    if (i < 0) throw new BadValue(false, name, v);
    return i;
  };
  const readDisc = (cx: LiftLowerContext, ptr: number): number =>
    discSize === 1
      ? cx.u8[ptr]!
      : discSize === 2
      ? cx.dv.getUint16(ptr, true)
      : cx.dv.getUint32(ptr, true);
  const checkDisc = (i: number): void => {
    if (i >= n) throw new Trap(`invalid discriminant ${i} for ${name}`);
  };
  return {
    type: t,
    flat: ["i32", ...joined],
    size: elemSize(t),
    align: alignment(t),
    allocates: infos.some((c) => c.codec?.allocates),
    check(v) {
      const i = indexOf(v);
      const payload = payloadOut;
      const c = infos[i]!.codec;
      if (c === undefined) return;
      try {
        c.check(payload);
      } catch (e) {
        withPath(e, segments[i]!);
      }
    },
    lowerFlat(cx, v, out, at) {
      const i = indexOf(v);
      const payload = payloadOut;
      out[at] = i;
      const info = infos[i]!;
      let k = 0;
      const lowerOne = info.lowerOne;
      if (lowerOne !== undefined) {
        try {
          out[at + 1] = lowerOne(payload);
        } catch (e) {
          withPath(e, segments[i]!);
        }
        k = 1;
      } else if (info.codec !== undefined) {
        try {
          info.codec.lowerFlat(cx, payload, out, at + 1);
        } catch (e) {
          withPath(e, segments[i]!);
        }
        for (const [slot, have, want] of info.coerce) {
          out[at + 1 + slot] = coerceLower(have, want, out[at + 1 + slot]!);
        }
        k = info.codec.flat.length;
      }
      for (; k < joined.length; k++) out[at + 1 + k] = zeros[k]!;
    },
    liftFlat(cx, src, at) {
      const i = Number(src[at]) >>> 0;
      checkDisc(i);
      const info = infos[i]!;
      const c = info.codec;
      if (c === undefined) return js.make(i, undefined, false);
      const liftOne = info.liftOne;
      if (liftOne !== undefined) return js.make(i, liftOne(src[at + 1]!), true);
      if (info.coerce.length === 0) return js.make(i, c.liftFlat(cx, src, at + 1), true);
      const tmp: CoreValue[] = [];
      for (let k = 0; k < c.flat.length; k++) tmp.push(src[at + 1 + k]!);
      // The joined type is what arrives; the case's own type is what its codec wants.
      for (const [slot, caseType, joinedType] of info.coerce) {
        tmp[slot] = coerceLift(joinedType, caseType, tmp[slot]!);
      }
      return js.make(i, c.liftFlat(cx, tmp, 0), true);
    },
    store(cx, v, ptr) {
      const i = indexOf(v);
      const payload = payloadOut;
      if (discSize === 1) cx.u8[ptr] = i;
      else if (discSize === 2) cx.dv.setUint16(ptr, i, true);
      else cx.dv.setUint32(ptr, i, true);
      const c = infos[i]!.codec;
      if (c === undefined) return;
      try {
        c.store(cx, payload, ptr + payloadOffset);
      } catch (e) {
        withPath(e, segments[i]!);
      }
    },
    load(cx, ptr) {
      const i = readDisc(cx, ptr);
      checkDisc(i);
      const info = infos[i]!;
      const read = info.read;
      if (read !== undefined && tags !== undefined) {
        return { tag: tags[i]!, val: read(cx.dv, ptr + payloadOffset) };
      }
      const c = info.codec;
      return c === undefined
        ? js.make(i, undefined, false)
        : js.make(i, c.load(cx, ptr + payloadOffset), true);
    },
  };
}

// Flags -----------------------------------------------------------------------

function flagsCodec(t: ValType, labels: readonly string[]): Codec {
  const name = typeName(t);
  const size = flagsSize(labels.length);
  const keys = labels.map(toCamelCase);
  const n = keys.length;
  // CanonicalABI.md § Storing (`pack_flags_into_int`).
  const pack = (v: unknown): number => {
    if (typeof v !== "object" || v === null) throw new BadValue(false, name, v);
    const o = v as Record<string, unknown>;
    let bits = 0;
    for (let i = 0; i < n; i++) if (o[keys[i]!]) bits |= 1 << i;
    return bits >>> 0;
  };
  // CanonicalABI.md § Loading (`unpack_flags_from_int`): bits beyond the labels are ignored.
  const unpack = (bits: number): Record<string, boolean> => {
    const o: Record<string, boolean> = {};
    for (let i = 0; i < n; i++) o[keys[i]!] = ((bits >>> i) & 1) === 1;
    return o;
  };
  return {
    type: t,
    flat: ["i32"],
    size,
    align: size,
    allocates: false,
    check: (v) => void pack(v),
    lowerFlat(_cx, v, out, at) {
      out[at] = pack(v);
    },
    liftFlat: (_cx, src, at) => unpack(Number(src[at]) >>> 0),
    store(cx, v, ptr) {
      const bits = pack(v);
      if (size === 1) cx.u8[ptr] = bits;
      else if (size === 2) cx.dv.setUint16(ptr, bits, true);
      else cx.dv.setUint32(ptr, bits, true);
    },
    load(cx, ptr) {
      return unpack(
        size === 1
          ? cx.u8[ptr]!
          : size === 2
          ? cx.dv.getUint16(ptr, true)
          : cx.dv.getUint32(ptr, true),
      );
    },
  };
}

// Resources -------------------------------------------------------------------

/** The JS mapping of `rt`, installing the host default for a host resource. */
export function resourceJsOf(rt: ResourceType): ResourceJs {
  if (rt.js !== undefined) return rt.js;
  if (rt.instance === undefined) return (rt.js = hostResourceJs());
  throw new TypeError(`Cannot map resource "${rt.name}" to JS: the runtime set no mapping`);
}

/** CanonicalABI.md § Loading (`lift_own`): removes the handle from the table. */
export function liftOwn(cx: LiftLowerContext, i: number, rt: ResourceType): number {
  const h = resourceHandle(cx, i, rt);
  if (h.numLends !== 0) {
    throw new Trap(`cannot remove owned resource handle ${i} while it is borrowed`);
  }
  if (!h.own) throw new Trap(`cannot transfer handle ${i}: it is a borrow, not an own`);
  cx.inst.handles.remove(i);
  return h.rep;
}

/** CanonicalABI.md § Loading (`lift_borrow`): lends the handle for the call. */
export function liftBorrow(cx: LiftLowerContext, i: number, rt: ResourceType): number {
  const h = resourceHandle(cx, i, rt);
  const lenders = cx.lenders;
  if (lenders !== undefined) {
    h.numLends++;
    lenders.push(h);
  }
  return h.rep;
}

/** The resource handle at `i`, trapping when it is not a handle of `rt`. */
export function resourceHandle(cx: LiftLowerContext, i: number, rt: ResourceType): ResourceHandle {
  return handleOf(cx.inst, i, rt);
}

/** CanonicalABI.md § Storing (`lower_own`). */
export function lowerOwn(cx: LiftLowerContext, rep: number, rt: ResourceType): number {
  return cx.inst.handles.add(new ResourceHandle(rt, rep, true));
}

/** CanonicalABI.md § Storing (`lower_borrow`). */
export function lowerBorrow(cx: LiftLowerContext, rep: number, rt: ResourceType): number {
  if (cx.inst === rt.instance) return rep;
  const scope = cx.borrowScope;
  if (scope === undefined) throw new Trap(`cannot lower a borrow<${rt.name}> outside of a call`);
  scope.numBorrows++;
  return cx.inst.handles.add(new ResourceHandle(rt, rep, false, scope));
}

function handleCodec(t: ValType, rt: ResourceType, own: boolean): Codec {
  const name = typeName(t);
  const fromJs = (cx: LiftLowerContext, v: unknown): number => {
    let rep: number;
    try {
      rep = resourceJsOf(rt).fromJs(v, own);
    } catch (e) {
      if (e instanceof TypeError || e instanceof RangeError) {
        throw new BadValue(false, name, v, e.message, { cause: e });
      }
      throw e;
    }
    return own ? lowerOwn(cx, rep, rt) : lowerBorrow(cx, rep, rt);
  };
  const toJs = (cx: LiftLowerContext, i: number): unknown => {
    const rep = own ? liftOwn(cx, i, rt) : liftBorrow(cx, i, rt);
    return resourceJsOf(rt).toJs(rep, own);
  };
  return {
    type: t,
    flat: ["i32"],
    size: 4,
    align: 4,
    allocates: false,
    check(v) {
      if (v === undefined || v === null || (typeof v !== "object" && typeof v !== "function")) {
        throw new BadValue(false, name, v);
      }
    },
    lowerFlat(cx, v, out, at) {
      out[at] = fromJs(cx, v);
    },
    liftFlat: (cx, src, at) => toJs(cx, Number(src[at]) >>> 0),
    store(cx, v, ptr) {
      cx.dv.setUint32(ptr, fromJs(cx, v), true);
    },
    load: (cx, ptr) => toJs(cx, cx.dv.getUint32(ptr, true)),
  };
}

/**
 * CanonicalABI.md § Loading (`lift_async_value`, `lift_error_context`) and
 * § Storing (`lower_async_value`, …): through the hooks the runtime
 * installs (see async_values.ts); without them the values are refused.
 */
function asyncValueCodec(t: ValType): Codec {
  const unsupported = unsupportedCodec(t);
  const name = typeName(t);
  const lower = (cx: LiftLowerContext, v: unknown): number => {
    const h = asyncValueHooks();
    if (h === undefined) return unsupported.lowerFlat(cx, v, [], 0) as never;
    return h.lower(cx.inst, v, t);
  };
  const lift = (cx: LiftLowerContext, i: number): unknown => {
    const h = asyncValueHooks();
    if (h === undefined) return unsupported.load(cx, 0);
    return h.lift(cx.inst, i, t);
  };
  return {
    type: t,
    flat: ["i32"],
    size: 4,
    align: 4,
    allocates: false,
    check(v) {
      const h = asyncValueHooks();
      if (h === undefined) return unsupported.check(v);
      try {
        h.check(v, t);
      } catch (e) {
        throw new BadValue(false, name, v, e instanceof Error ? e.message : String(e), {
          cause: e,
        });
      }
    },
    lowerFlat(cx, v, out, at) {
      out[at] = lower(cx, v);
    },
    liftFlat: (cx, src, at) => lift(cx, Number(src[at]) >>> 0),
    store(cx, v, ptr) {
      cx.dv.setUint32(ptr, lower(cx, v), true);
    },
    load: (cx, ptr) => lift(cx, cx.dv.getUint32(ptr, true)),
  };
}

function unsupportedCodec(t: ValType): Codec {
  const name = typeName(t);
  const detail = `${t.kind} values are not supported by this version of Weft`;
  const fail = (): never => {
    throw new Trap(detail);
  };
  return {
    type: t,
    flat: ["i32"],
    size: 4,
    align: 4,
    allocates: false,
    check(v) {
      throw new BadValue(false, name, v, detail);
    },
    lowerFlat(_cx, v) {
      throw new BadValue(false, name, v, detail);
    },
    liftFlat: fail,
    store(_cx, v) {
      throw new BadValue(false, name, v, detail);
    },
    load: fail,
  };
}
