// Differential test: Weft's lower_flat and store against the reference
// definitions.py, on random (type, value) cases, batched into one python3.
// Strings lower both as JS strings and as strings from another guest in each
// source encoding (GuestString); lifting runs both for JS and for another guest.
import assert from "node:assert/strict";
import { codecOf, toCamelCase } from "./codec.ts";
import { type CoreValue, LiftLowerContext, type StringEncoding } from "./context.ts";
import { Trap } from "./errors.ts";
import { ComponentInstanceState } from "./instance_state.ts";
import { alignment, alignTo, elemSize, flattenType } from "./layout.ts";
import { GuestString, UTF16_TAG } from "./strings.ts";
import type { ValType } from "./types.ts";

const SPEC_DIR = new URL("../../../shared/spec/component-model/canonical-abi/", import.meta.url);
const HARNESS = new URL("./testdata/spec_harness.py", import.meta.url);
const CASES = 1500;
const MEMORY_SIZE = 1 << 16;

function specAvailable(): string | undefined {
  try {
    Deno.statSync(new URL("definitions.py", SPEC_DIR));
  } catch {
    return `${SPEC_DIR.pathname}definitions.py not found (../shared is absent)`;
  }
  try {
    const r = new Deno.Command("python3", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync();
    if (!r.success) return "python3 does not run";
  } catch {
    return "python3 is not installed";
  }
  return undefined;
}

const skipReason = specAvailable();
if (skipReason !== undefined) {
  console.warn(`differential test ignored: ${skipReason}`);
}

// Random generation ------------------------------------------------------------

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const SCALARS = [
  "bool",
  "s8",
  "u8",
  "s16",
  "u16",
  "s32",
  "u32",
  "s64",
  "u64",
  "f32",
  "f64",
  "char",
  "string",
] as const;

function labels(r: Rng, prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i}${r() < 0.3 ? "-x" : ""}`);
}

function genType(r: Rng, depth: number): ValType {
  const leaf = depth <= 0 || r() < 0.35;
  if (leaf) {
    const k = r();
    if (k < 0.75) return { kind: pick(r, SCALARS) };
    if (k < 0.85) {
      const n = r() < 0.1 ? int(r, 250, 300) : int(r, 1, 6);
      return { kind: "enum", labels: labels(r, "e", n) };
    }
    const n = pick(r, [1, 3, 8, 9, 16, 17, 31, 32, int(r, 1, 32)]);
    return { kind: "flags", labels: labels(r, "flag", n) };
  }
  const d = depth - 1;
  switch (int(r, 0, 7)) {
    case 0:
      return r() < 0.3
        ? { kind: "list", element: genType(r, d), length: int(r, 1, 4) }
        : { kind: "list", element: genType(r, d) };
    case 1:
      return {
        kind: "record",
        fields: labels(r, "field", int(r, 1, 4)).map((name) => ({ name, type: genType(r, d) })),
      };
    case 2:
      return { kind: "tuple", types: Array.from({ length: int(r, 1, 4) }, () => genType(r, d)) };
    case 3: {
      const n = r() < 0.05 ? 260 : int(r, 1, 5);
      return {
        kind: "variant",
        cases: labels(r, "case", n).map((name) => ({
          name,
          type: r() < (n > 10 ? 0.02 : 0.7) ? genType(r, d) : undefined,
        })),
      };
    }
    case 4:
      return { kind: "option", type: genType(r, d) };
    case 5:
      return {
        kind: "result",
        ok: r() < 0.7 ? genType(r, d) : undefined,
        err: r() < 0.7 ? genType(r, d) : undefined,
      };
    case 6:
      return {
        kind: "map",
        key: { kind: pick(r, ["u8", "s32", "u64", "char", "string", "bool"] as const) },
        value: genType(r, d),
      };
    default:
      return { kind: pick(r, SCALARS) };
  }
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);
const f64buf = new Float64Array(1);
const u64buf = new BigUint64Array(f64buf.buffer);

function f32FromBits(bits: number): number {
  u32buf[0] = bits;
  return f32buf[0]!;
}
function f32ToBits(x: number): number {
  if (x !== x) return 0x7fc00000;
  f32buf[0] = x;
  return u32buf[0]!;
}
function f64FromBits(bits: bigint): number {
  u64buf[0] = bits;
  return f64buf[0]!;
}
function f64ToBits(x: number): bigint {
  if (x !== x) return 0x7ff8000000000000n;
  f64buf[0] = x;
  return u64buf[0]!;
}

function randomBits64(r: Rng): bigint {
  return (BigInt(int(r, 0, 0xffffffff)) << 32n) | BigInt(int(r, 0, 0xffffffff));
}

function genCodePoint(r: Rng, profile: number): number {
  const k = r() * profile;
  if (k < 1) return int(r, 0x20, 0x7e);
  if (k < 2) return int(r, 0, 0xff);
  if (k < 3) {
    const c = int(r, 0x100, 0xfffd);
    return c >= 0xd800 && c <= 0xdfff ? 0x4e2d : c;
  }
  return int(r, 0x10000, 0x10ffff);
}

function genValue(r: Rng, t: ValType): unknown {
  switch (t.kind) {
    case "bool":
      return r() < 0.5;
    case "u8":
      return pick(r, [0, 0xff, int(r, 0, 0xff)]);
    case "s8":
      return pick(r, [-128, 127, int(r, -128, 127)]);
    case "u16":
      return pick(r, [0, 0xffff, int(r, 0, 0xffff)]);
    case "s16":
      return pick(r, [-32768, 32767, int(r, -32768, 32767)]);
    case "u32":
      return pick(r, [0, 0xffffffff, int(r, 0, 0xffffffff)]);
    case "s32":
      return pick(r, [-0x80000000, 0x7fffffff, int(r, -0x80000000, 0x7fffffff)]);
    case "u64":
      return pick(r, [0n, 2n ** 64n - 1n, randomBits64(r)]);
    case "s64":
      return pick(r, [-(2n ** 63n), 2n ** 63n - 1n, BigInt.asIntN(64, randomBits64(r))]);
    case "f32":
      return pick(r, [NaN, Infinity, -Infinity, -0, 0, 1.5, f32FromBits(int(r, 0, 0xffffffff))]);
    case "f64":
      return pick(r, [NaN, Infinity, -0, Number.MIN_VALUE, f64FromBits(randomBits64(r)), r()]);
    case "char":
      return String.fromCodePoint(genCodePoint(r, 4));
    case "string": {
      const profile = pick(r, [1, 1, 2, 3, 4]);
      let s = "";
      for (let n = int(r, 0, 12); n > 0; n--) s += String.fromCodePoint(genCodePoint(r, profile));
      return s;
    }
    case "list": {
      const n = t.length ?? int(r, 0, 4);
      const a = Array.from({ length: n }, () => genValue(r, t.element));
      const typed = TYPED[t.element.kind];
      return typed !== undefined && r() < 0.7
        ? (typed as { from(a: unknown[]): unknown }).from(a)
        : a;
    }
    case "record":
      return Object.fromEntries(t.fields.map((f) => [toCamelCase(f.name), genValue(r, f.type)]));
    case "tuple":
      return t.types.map((x) => genValue(r, x));
    case "variant": {
      const c = pick(r, t.cases);
      return c.type === undefined ? { tag: c.name } : { tag: c.name, val: genValue(r, c.type) };
    }
    case "enum":
      return pick(r, t.labels);
    case "option": {
      const some = r() < 0.6;
      if (t.type.kind === "option") {
        return some ? { tag: "some", val: genValue(r, t.type) } : { tag: "none" };
      }
      return some ? genValue(r, t.type) : undefined;
    }
    case "result": {
      const ok = r() < 0.5;
      const p = ok ? t.ok : t.err;
      const tag = ok ? "ok" : "err";
      return p === undefined ? { tag } : { tag, val: genValue(r, p) };
    }
    case "flags": {
      const o: Record<string, boolean> = {};
      for (const l of t.labels) {
        const b = r() < 0.5;
        if (b || r() < 0.5) o[toCamelCase(l)] = b;
      }
      return o;
    }
    case "map": {
      const m = new Map<unknown, unknown>();
      for (let n = int(r, 0, 3); n > 0; n--) m.set(genValue(r, t.key), genValue(r, t.value));
      return m;
    }
    default:
      throw new Error(`no generator for ${t.kind}`);
  }
}

const TYPED: Partial<Record<string, unknown>> = {
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

/** A JS value in the harness's wire form (JSON, bit patterns for floats). */
function toWire(t: ValType, v: unknown): unknown {
  switch (t.kind) {
    case "s64":
    case "u64":
      return String(v);
    case "f32":
      return f32ToBits(v as number);
    case "f64":
      return String(f64ToBits(v as number));
    case "string":
      // A string lifted for another guest carries the spec's whole String triple.
      return v instanceof GuestString ? [v.value, v.encoding, v.taggedCodeUnits] : v;
    case "list":
      return Array.from(v as ArrayLike<unknown>, (x) => toWire(t.element, x));
    case "record":
      return Object.fromEntries(
        t.fields.map((
          f,
        ) => [f.name, toWire(f.type, (v as Record<string, unknown>)[toCamelCase(f.name)])]),
      );
    case "tuple":
      return t.types.map((x, i) => toWire(x, (v as unknown[])[i]));
    case "variant": {
      const { tag, val } = v as { tag: string; val?: unknown };
      const c = t.cases.find((c) => c.name === tag)!;
      return c.type === undefined ? { tag } : { tag, val: toWire(c.type, val) };
    }
    case "option":
      if (t.type.kind === "option") {
        const o = v as { tag: string; val?: unknown };
        return o.tag === "none" ? { tag: "none" } : { tag: "some", val: toWire(t.type, o.val) };
      }
      return v === undefined ? { tag: "none" } : { tag: "some", val: toWire(t.type, v) };
    case "result": {
      const { tag, val } = v as { tag: string; val?: unknown };
      const p = tag === "ok" ? t.ok : t.err;
      return p === undefined ? { tag } : { tag, val: toWire(p, val) };
    }
    case "flags":
      return t.labels.filter((l) => (v as Record<string, boolean>)[toCamelCase(l)]);
    case "map":
      // A Map for JS, an array of pairs between guests.
      return Array.from(
        v as Iterable<[unknown, unknown]>,
        ([k, x]) => [toWire(t.key, k), toWire(t.value, x)],
      );
    default:
      return v;
  }
}

/** Where the strings of a case come from: another guest's memory in `encoding`. */
interface Source {
  encoding: StringEncoding;
  /** For `latin1+utf16`: UTF-16 even when Latin-1 would do. */
  utf16: boolean;
}

/** The spec's `String` of `s` as another guest with `source` would pass it. */
function guestString(s: string, source: Source): GuestString {
  if (source.encoding === "utf8") {
    return new GuestString(s, "utf8", new TextEncoder().encode(s).length);
  }
  if (source.encoding === "utf16") return new GuestString(s, "utf16", s.length);
  const latin1 = !source.utf16 && [...s].every((c) => c.charCodeAt(0) < 256);
  return new GuestString(s, source.encoding, latin1 ? s.length : (s.length | UTF16_TAG) >>> 0);
}

/** `v` with every string replaced by its {@linkcode guestString}. */
function toGuestValue(t: ValType, v: unknown, source: Source): unknown {
  const go = (u: ValType | undefined, x: unknown): unknown =>
    u === undefined ? x : toGuestValue(u, x, source);
  switch (t.kind) {
    case "string":
      return guestString(v as string, source);
    case "list":
      return ArrayBuffer.isView(v) ? v : Array.from(v as unknown[], (x) => go(t.element, x));
    case "record":
      return Object.fromEntries(
        t.fields.map((f) => [
          toCamelCase(f.name),
          go(f.type, (v as Record<string, unknown>)[toCamelCase(f.name)]),
        ]),
      );
    case "tuple":
      return t.types.map((x, i) => go(x, (v as unknown[])[i]));
    case "variant":
    case "result": {
      const { tag, val } = v as { tag: string; val?: unknown };
      const p = t.kind === "variant"
        ? t.cases.find((c) => c.name === tag)!.type
        : tag === "ok"
        ? t.ok
        : t.err;
      return p === undefined ? v : { tag, val: go(p, val) };
    }
    case "option":
      if (t.type.kind === "option") {
        const o = v as { tag: string; val?: unknown };
        return o.tag === "none" ? o : { tag: "some", val: go(t.type, o.val) };
      }
      return v === undefined ? v : go(t.type, v);
    case "map":
      return Array.from(v as Map<unknown, unknown>, ([k, x]) => [go(t.key, k), go(t.value, x)]);
    default:
      return v;
  }
}

// Weft's side -------------------------------------------------------------------

class Heap {
  readonly memory = new WebAssembly.Memory({ initial: MEMORY_SIZE / 65536 });
  last = 0;
  readonly calls: number[][] = [];
  realloc = (old: number, oldSize: number, align: number, newSize: number): number => {
    this.calls.push([old, oldSize, align, newSize]);
    const u8 = new Uint8Array(this.memory.buffer);
    if (old !== 0 && newSize < oldSize) {
      u8.fill(0, old + newSize, old + oldSize);
      return old;
    }
    const ret = alignTo(this.last, align);
    this.last = ret + newSize;
    if (this.last > u8.length) throw new Error("harness heap is full");
    u8.copyWithin(ret, old, old + oldSize);
    u8.fill(0, old, old + oldSize);
    return ret;
  };
  hex(): string {
    return Array.from(
      new Uint8Array(this.memory.buffer, 0, this.last),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
  }
  context(encoding: StringEncoding): LiftLowerContext {
    return new LiftLowerContext({
      instance: new ComponentInstanceState(),
      stringEncoding: encoding,
      memory: this.memory,
      realloc: this.realloc,
    });
  }
}

function encodeFlat(types: readonly string[], flat: readonly CoreValue[]): unknown[] {
  return types.map((ft, i) => {
    const v = flat[i]!;
    switch (ft) {
      case "i32":
        return Number(v) >>> 0;
      case "i64":
        return String(BigInt.asUintN(64, BigInt(v)));
      case "f32":
        return f32ToBits(Number(v));
      default:
        return String(f64ToBits(Number(v)));
    }
  });
}

interface Case {
  type: ValType;
  value: unknown;
  encoding: StringEncoding;
  /** Set when the strings come from another guest. */
  source?: Source;
}

interface Outcome {
  flat: unknown;
  flatMemory?: string;
  flatCalls?: number[][];
  ptr?: number;
  memory: string;
  calls?: number[][];
}

function runWeft(c: Case): Outcome {
  const codec = codecOf(c.type);
  const value = c.source === undefined ? c.value : toGuestValue(c.type, c.value, c.source);
  const heap1 = new Heap();
  const cx1 = heap1.context(c.encoding);
  const out: CoreValue[] = new Array(codec.flat.length);
  codec.lowerFlat(cx1, value, out, 0);
  const outcome: Outcome = {
    flat: encodeFlat(flattenType(c.type), out),
    flatMemory: heap1.hex(),
    flatCalls: heap1.calls,
    memory: "",
  };
  // Weft's own round trip: lifting what was lowered gives the value back.
  cx1.refresh();
  assert.deepEqual(toWire(c.type, codec.liftFlat(cx1, out, 0)), toWire(c.type, c.value));

  const heap2 = new Heap();
  const cx2 = heap2.context(c.encoding);
  const ptr = heap2.realloc(0, 0, alignment(c.type), elemSize(c.type));
  codec.store(cx2, value, ptr);
  outcome.ptr = ptr;
  outcome.memory = heap2.hex();
  outcome.calls = heap2.calls;
  cx2.refresh();
  assert.deepEqual(toWire(c.type, codec.load(cx2, ptr)), toWire(c.type, c.value));
  return outcome;
}

// Lifting arbitrary flat values and memory ------------------------------------------

const LIFT_CASES = 600;
const LIFT_PREFIX = 1024;

interface LiftCase {
  mode: "lift";
  type: ValType;
  encoding: StringEncoding;
  /** Lift for another guest (`LiftLowerContext.interchange`). */
  interchange: boolean;
  memory: string;
  bytes: Uint8Array;
  flat: unknown[];
  flatJs: CoreValue[];
  ptr: number;
}

interface LiftOutcome {
  lifted: unknown;
  loaded: unknown;
}

function genI32(r: Rng): number {
  const k = r();
  if (k < 0.35) return int(r, 0, 8);
  if (k < 0.55) return int(r, 0, 300);
  if (k < 0.7) return int(r, 0, LIFT_PREFIX + 64);
  if (k < 0.8) return int(r, 0, 0xffffffff);
  return pick(r, [
    0xd7ff,
    0xd800,
    0xdfff,
    0xe000,
    0x10ffff,
    0x110000,
    (0x80000000 | int(r, 0, 8)) >>> 0,
    65530,
    65536,
    2 ** 28,
  ]);
}

function genLiftCase(
  r: Rng,
  type: ValType,
  encoding: StringEncoding,
  interchange: boolean,
): LiftCase {
  const bytes = new Uint8Array(LIFT_PREFIX);
  for (let i = 0; i < bytes.length; i++) {
    const k = r();
    bytes[i] = k < 0.5 ? int(r, 0, 3) : k < 0.75 ? int(r, 0, 0x7f) : int(r, 0, 0xff);
  }
  const flat: unknown[] = [];
  const flatJs: CoreValue[] = [];
  for (const ft of flattenType(type)) {
    switch (ft) {
      case "i32": {
        const v = genI32(r);
        flat.push(v);
        flatJs.push(v | 0); // wasm hands i32s to JS signed
        break;
      }
      case "i64": {
        const v = r() < 0.5 ? BigInt(int(r, 0, 8)) : randomBits64(r);
        flat.push(String(v));
        flatJs.push(BigInt.asIntN(64, v));
        break;
      }
      case "f32": {
        const bits = int(r, 0, 0xffffffff);
        flat.push(bits);
        flatJs.push(f32FromBits(bits));
        break;
      }
      case "f64": {
        const bits = randomBits64(r);
        flat.push(String(bits));
        flatJs.push(f64FromBits(bits));
        break;
      }
    }
  }
  const a = alignment(type);
  const size = elemSize(type);
  const ptr = r() < 0.1
    ? Math.floor((MEMORY_SIZE - size) / a) * a
    : alignTo(int(r, 0, Math.max(0, LIFT_PREFIX - size)), a);
  const memory = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return { mode: "lift", type, encoding, interchange, memory, bytes, flat, flatJs, ptr };
}

/**
 * Explainer.md lets bindings deduplicate map keys (the last pair wins), and a
 * JS `Map` does: apply the same to the reference's lifted lists of pairs.
 */
function dedupeMaps(t: ValType, w: unknown): unknown {
  if (w === "trap") return w;
  switch (t.kind) {
    case "map": {
      const m = new Map<string, [unknown, unknown]>();
      for (const [k, v] of w as [unknown, unknown][]) {
        m.set(JSON.stringify(k), [dedupeMaps(t.key, k), dedupeMaps(t.value, v)]);
      }
      return [...m.values()];
    }
    case "list":
      return (w as unknown[]).map((x) => dedupeMaps(t.element, x));
    case "record":
      return Object.fromEntries(
        t.fields.map((f) => [f.name, dedupeMaps(f.type, (w as Record<string, unknown>)[f.name])]),
      );
    case "tuple":
      return t.types.map((x, i) => dedupeMaps(x, (w as unknown[])[i]));
    case "variant":
    case "option":
    case "result": {
      const { tag, val } = w as { tag: string; val?: unknown };
      const payload = t.kind === "variant"
        ? t.cases.find((c) => c.name === tag)?.type
        : t.kind === "option"
        ? t.type
        : tag === "ok"
        ? t.ok
        : t.err;
      return "val" in (w as object) && payload !== undefined
        ? { tag, val: dedupeMaps(payload, val) }
        : w;
    }
    default:
      return w;
  }
}

function runWeftLift(c: LiftCase): LiftOutcome {
  const memory = new WebAssembly.Memory({ initial: MEMORY_SIZE / 65536 });
  new Uint8Array(memory.buffer).set(c.bytes);
  const cx = new LiftLowerContext({
    instance: new ComponentInstanceState(),
    stringEncoding: c.encoding,
    memory,
    interchange: c.interchange,
  });
  const codec = codecOf(c.type);
  const attempt = (f: () => unknown): unknown => {
    try {
      return toWire(c.type, f());
    } catch (e) {
      if (e instanceof Trap) return "trap";
      throw e;
    }
  };
  return {
    lifted: attempt(() => codec.liftFlat(cx, c.flatJs, 0)),
    loaded: attempt(() => codec.load(cx, c.ptr)),
  };
}

/**
 * The one intended difference: `store_probably_utf16_to_latin1_or_utf16`
 * shrinks its allocation with alignment 1, but Weft (like Wasmtime) asks for
 * 2, which a `latin1+utf16` string needs to be loaded again (see strings.ts).
 * Takes Weft's call in place of the spec's where exactly that differs: a
 * halving realloc with alignment 1 right after a 2-aligned allocation.
 */
function deflateAlignment(spec: number[][], weft: readonly number[][]): number[][] {
  return spec.map((call, i) => {
    const [old, oldSize, align, newSize] = call as [number, number, number, number];
    const before = spec[i - 1];
    const deflation = align === 1 && 2 * newSize === oldSize && before !== undefined &&
      JSON.stringify(before) === JSON.stringify([0, 0, 2, oldSize]);
    return deflation && JSON.stringify(weft[i]) === JSON.stringify([old, oldSize, 2, newSize])
      ? weft[i]!
      : call;
  });
}

// Types every run includes, whatever the seed.
const FIXED: ValType[] = [
  {
    kind: "variant",
    cases: [{ name: "a", type: { kind: "f32" } }, { name: "b", type: { kind: "u32" } }],
  },
  {
    kind: "variant",
    cases: [{ name: "a", type: { kind: "f64" } }, { name: "b", type: { kind: "f32" } }, {
      name: "c",
      type: { kind: "s64" },
    }, { name: "d", type: { kind: "string" } }],
  },
  { kind: "enum", labels: Array.from({ length: 257 }, (_, i) => `l${i}`) },
  { kind: "flags", labels: Array.from({ length: 32 }, (_, i) => `f${i}`) },
  { kind: "flags", labels: Array.from({ length: 9 }, (_, i) => `f${i}`) },
  { kind: "list", element: { kind: "string" } },
  { kind: "list", element: { kind: "u8" }, length: 3 },
  { kind: "map", key: { kind: "string" }, value: { kind: "u32" } },
  { kind: "option", type: { kind: "option", type: { kind: "u8" } } },
  { kind: "result", ok: { kind: "string" }, err: { kind: "f64" } },
];

// Types with strings, lowered from every source encoding into every destination.
const STRINGY: ValType[] = [
  { kind: "string" },
  { kind: "list", element: { kind: "string" } },
  { kind: "map", key: { kind: "string" }, value: { kind: "u32" } },
  { kind: "option", type: { kind: "string" } },
];

const SOURCES: Source[] = [
  { encoding: "utf8", utf16: false },
  { encoding: "utf16", utf16: false },
  { encoding: "latin1+utf16", utf16: false },
  { encoding: "latin1+utf16", utf16: true },
];

Deno.test({
  name: "differential: lower_flat, store, lift_flat and load match definitions.py" +
    (skipReason === undefined ? "" : ` (ignored: ${skipReason})`),
  ignore: skipReason !== undefined,
  async fn() {
    const seed = Number(Deno.env.get("WEFT_SEED") ?? (Date.now() % 2 ** 31));
    console.log(`differential test seed: ${seed} (set WEFT_SEED to reproduce)`);
    const r = prng(seed);
    const encodings: StringEncoding[] = ["utf8", "utf16", "latin1+utf16"];
    const cases: Case[] = [];
    for (const type of FIXED) {
      for (const encoding of encodings) {
        for (let k = 0; k < 3; k++) cases.push({ type, value: genValue(r, type), encoding });
      }
    }
    for (const type of STRINGY) {
      for (const encoding of encodings) {
        for (const source of SOURCES) {
          for (let k = 0; k < 4; k++) {
            cases.push({ type, value: genValue(r, type), encoding, source });
          }
        }
      }
    }
    while (cases.length < CASES) {
      const type = genType(r, int(r, 0, 3));
      const c: Case = { type, value: genValue(r, type), encoding: pick(r, encodings) };
      if (r() < 0.3) c.source = pick(r, SOURCES);
      cases.push(c);
    }
    const liftCases: LiftCase[] = [];
    while (liftCases.length < LIFT_CASES) {
      const type = genType(r, int(r, 0, 3));
      if (elemSize(type) > LIFT_PREFIX) continue;
      liftCases.push(genLiftCase(r, type, pick(r, encodings), r() < 0.3));
    }
    const input = JSON.stringify({
      cases: [
        ...cases.map((c) => ({
          type: c.type,
          value: toWire(c.type, c.value),
          encoding: c.encoding,
          ...(c.source === undefined ? {} : { source: c.source }),
        })),
        ...liftCases.map(({ bytes: _, flatJs: __, ...c }) => c),
      ],
    });
    const child = new Deno.Command("python3", {
      args: [HARNESS.pathname, SPEC_DIR.pathname],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(input));
    await writer.close();
    const { success, stdout, stderr } = await child.output();
    assert.ok(success, `python3 harness failed:\n${new TextDecoder().decode(stderr)}`);
    const { results } = JSON.parse(new TextDecoder().decode(stdout)) as {
      results: (Outcome | LiftOutcome)[];
    };
    assert.equal(results.length, cases.length + liftCases.length);

    const differences: string[] = [];
    cases.forEach((c, i) => {
      const spec = results[i] as Outcome;
      let weft: Outcome;
      try {
        weft = runWeft(c);
      } catch (e) {
        differences.push(`case ${i}: Weft threw ${e}`);
        return;
      }
      if (c.source?.encoding === "latin1+utf16" && c.encoding === "latin1+utf16") {
        spec.flatCalls = deflateAlignment(spec.flatCalls ?? [], weft.flatCalls ?? []);
        spec.calls = deflateAlignment(spec.calls ?? [], weft.calls ?? []);
      }
      for (const key of ["flat", "flatMemory", "flatCalls", "ptr", "memory", "calls"] as const) {
        if (JSON.stringify(weft[key]) !== JSON.stringify(spec[key])) {
          differences.push(
            `case ${i} (${c.source?.encoding ?? "js"} -> ${c.encoding}) ${key}: weft ${
              JSON.stringify(weft[key])
            } spec ${JSON.stringify(spec[key])}\n  type ${JSON.stringify(c.type)}\n  value ${
              JSON.stringify(toWire(c.type, c.value))
            }`,
          );
        }
      }
    });
    let traps = 0;
    liftCases.forEach((c, j) => {
      const spec = results[cases.length + j] as LiftOutcome;
      let weft: LiftOutcome;
      try {
        weft = runWeftLift(c);
      } catch (e) {
        differences.push(`lift case ${j}: Weft threw ${e}`);
        return;
      }
      for (const key of ["lifted", "loaded"] as const) {
        if (spec[key] === "trap") traps++;
        // Only the JS mapping merges repeated map keys.
        const expected = c.interchange ? spec[key] : dedupeMaps(c.type, spec[key]);
        if (JSON.stringify(weft[key]) !== JSON.stringify(expected)) {
          differences.push(
            `lift case ${j} (${c.encoding}${c.interchange ? ", interchange" : ""}) ${key}: weft ${
              JSON.stringify(weft[key])
            } spec ${JSON.stringify(expected)}\n  type ${JSON.stringify(c.type)}\n  flat ${
              JSON.stringify(c.flat)
            } ptr ${c.ptr}`,
          );
        }
      }
    });
    console.log(
      `differential test: ${cases.length} lower/store cases, ${liftCases.length} lift/load cases ` +
        `(${traps} of ${2 * liftCases.length} lifts trap in the reference), ` +
        `${differences.length} differences`,
    );
    assert.equal(differences.length, 0, differences.slice(0, 5).join("\n"));
  },
});
