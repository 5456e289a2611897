/**
 * A small reader of the parts of a core module binary that component
 * validation needs: the types of its imports and exports (core spec §
 * Binary Format, sections type, import, function, table, memory, tag, global,
 * export). JS reflection (`WebAssembly.Module.imports`) has no signatures.
 *
 * Anything this reader does not understand makes the module's type unknown,
 * so that validation stays lenient rather than rejecting a valid component.
 *
 * @module
 */
import type { CoreValType } from "../binary/ast.ts";

/**
 * A core function signature as written, e.g. `(func (param i32) (result i64))`;
 * `undefined` when it refers to concrete (GC) types that are not compared.
 */
export interface CoreSig {
  readonly params: readonly string[];
  readonly results: readonly string[];
}

/** The type of a core import or export (core spec: `externtype`). */
export type CoreExtern =
  | { readonly kind: "func"; readonly sig: CoreSig | undefined }
  | {
    readonly kind: "table";
    readonly element: string;
    readonly min: bigint;
    readonly max: bigint | undefined;
    readonly address64: boolean;
  }
  | {
    readonly kind: "memory";
    readonly min: bigint;
    readonly max: bigint | undefined;
    readonly shared: boolean;
    readonly address64: boolean;
  }
  | { readonly kind: "global"; readonly type: string; readonly mutable: boolean }
  | { readonly kind: "tag"; readonly sig: CoreSig | undefined };

/** One import of a core module. */
export interface CoreImport {
  readonly module: string;
  readonly name: string;
  readonly type: CoreExtern;
}

/** The type of a core module: its imports (in order) and exports. */
export interface CoreModuleType {
  readonly imports: readonly CoreImport[];
  readonly exports: ReadonlyMap<string, CoreExtern>;
}

/** Formats a signature the way messages show it: `(func (param i32) (result i32))`. */
export function formatSig(sig: CoreSig | undefined): string {
  if (sig === undefined) return "(func ...)";
  const p = sig.params.length === 0 ? "" : ` (param ${sig.params.join(" ")})`;
  const r = sig.results.length === 0 ? "" : ` (result ${sig.results.join(" ")})`;
  return `(func${p}${r})`;
}

/** Whether two signatures are equal; unknown signatures match anything. */
export function sigsMatch(a: CoreSig | undefined, b: CoreSig | undefined): boolean {
  if (a === undefined || b === undefined) return true;
  return a.params.join(" ") === b.params.join(" ") &&
    a.results.join(" ") === b.results.join(" ");
}

/** A core value type as the text format writes it, or `undefined` for a concrete reference. */
export function coreValTypeText(t: CoreValType): string | undefined {
  if (t.kind !== "ref") return t.kind;
  if (t.heap.kind === "index") return undefined;
  const abs = t.heap.shared ? `(shared ${t.heap.type})` : t.heap.type;
  if (t.nullable && !t.heap.shared) return `${abs}ref`;
  return t.nullable ? `(ref null ${abs})` : `(ref ${abs})`;
}

/** The signature of core params and results, or `undefined` if one is a concrete reference. */
export function coreSigOf(
  params: readonly CoreValType[],
  results: readonly CoreValType[],
): CoreSig | undefined {
  const p = params.map(coreValTypeText);
  const r = results.map(coreValTypeText);
  if (p.includes(undefined) || r.includes(undefined)) return undefined;
  return { params: p as string[], results: r as string[] };
}

class Unsupported extends Error {}

const ABSTRACT_HEAP: Record<number, string> = {
  0x70: "func",
  0x6f: "extern",
  0x6e: "any",
  0x6d: "eq",
  0x6c: "i31",
  0x6b: "struct",
  0x6a: "array",
  0x69: "exn",
  0x71: "none",
  0x72: "noextern",
  0x73: "nofunc",
  0x74: "noexn",
  0x68: "cont",
  0x75: "nocont",
};

class Reader {
  #bytes: Uint8Array;
  pos: number;
  end: number;
  constructor(bytes: Uint8Array, pos: number, end: number) {
    this.#bytes = bytes;
    this.pos = pos;
    this.end = end;
  }
  byte(): number {
    if (this.pos >= this.end) throw new Unsupported("eof");
    return this.#bytes[this.pos++]!;
  }
  peek(): number {
    if (this.pos >= this.end) throw new Unsupported("eof");
    return this.#bytes[this.pos]!;
  }
  u64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) return result;
      if (shift > 70n) throw new Unsupported("leb");
    }
  }
  u32(): number {
    return Number(this.u64());
  }
  s64(): bigint {
    let result = 0n;
    let shift = 0n;
    let b: number;
    do {
      b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (shift > 70n) throw new Unsupported("leb");
    } while (b & 0x80);
    if (b & 0x40) result -= 1n << shift;
    return result;
  }
  name(): string {
    const len = this.u32();
    if (this.pos + len > this.end) throw new Unsupported("eof");
    let s: string;
    try {
      s = new TextDecoder("utf-8", { fatal: true }).decode(
        this.#bytes.subarray(this.pos, this.pos + len),
      );
    } catch {
      throw new Unsupported("name is not UTF-8");
    }
    this.pos += len;
    return s;
  }
  skip(n: number): void {
    this.pos += n;
    if (this.pos > this.end) throw new Unsupported("eof");
  }
}

/** A value type as text, or `undefined` when it names a concrete type. */
function readValType(r: Reader): string | undefined {
  const b = r.byte();
  switch (b) {
    case 0x7f:
      return "i32";
    case 0x7e:
      return "i64";
    case 0x7d:
      return "f32";
    case 0x7c:
      return "f64";
    case 0x7b:
      return "v128";
    case 0x63:
    case 0x64: {
      const heap = readHeapType(r);
      if (heap === undefined) return undefined;
      // `(ref null func)` is written `funcref`, as the one-byte form.
      if (b === 0x63 && !heap.includes(" ")) return `${heap}ref`;
      return b === 0x63 ? `(ref null ${heap})` : `(ref ${heap})`;
    }
  }
  const abs = ABSTRACT_HEAP[b];
  if (abs !== undefined) return `${abs}ref`;
  throw new Unsupported(`valtype ${b}`);
}

function readHeapType(r: Reader): string | undefined {
  let shared = false;
  if (r.peek() === 0x65) {
    r.byte();
    shared = true;
  }
  const b = r.peek();
  const abs = ABSTRACT_HEAP[b];
  if (abs !== undefined) {
    r.byte();
    return shared ? `(shared ${abs})` : abs;
  }
  const idx = r.s64();
  if (idx < 0n) throw new Unsupported("heaptype");
  return undefined;
}

function readLimits(r: Reader): {
  min: bigint;
  max: bigint | undefined;
  shared: boolean;
  address64: boolean;
} {
  const flags = r.byte();
  if (flags > 0x0f) throw new Unsupported("limits");
  const min = r.u64();
  const max = flags & 1 ? r.u64() : undefined;
  if (flags & 8) r.u32(); // custom page size
  return { min, max, shared: (flags & 2) !== 0, address64: (flags & 4) !== 0 };
}

function readTableType(r: Reader): CoreExtern {
  const element = readValType(r) ?? "(ref ...)";
  const { min, max, address64 } = readLimits(r);
  return { kind: "table", element, min, max, address64 };
}

function readGlobalType(r: Reader): { type: string; mutable: boolean } {
  const type = readValType(r) ?? "(ref ...)";
  const m = r.byte();
  return { type, mutable: (m & 1) !== 0 };
}

/** Skips a constant expression up to and including its `end`. */
function skipConstExpr(r: Reader): void {
  for (;;) {
    const op = r.byte();
    switch (op) {
      case 0x0b:
        return;
      case 0x41:
      case 0x42:
        r.s64();
        break;
      case 0x43:
        r.skip(4);
        break;
      case 0x44:
        r.skip(8);
        break;
      case 0x23:
      case 0xd2:
        r.u32();
        break;
      case 0xd0:
        readHeapType(r);
        break;
      case 0x6a:
      case 0x6b:
      case 0x6c:
      case 0x7c:
      case 0x7d:
      case 0x7e:
        break;
      case 0xfd: {
        const sub = r.u32();
        if (sub !== 12) throw new Unsupported("simd const");
        r.skip(16);
        break;
      }
      case 0xfb: {
        const sub = r.u32();
        // struct.new, struct.new_default, array.new, array.new_default: one type index.
        if (sub <= 1 || sub === 6 || sub === 7) r.u32();
        else if (sub === 8) r.u32(), r.u32(); // array.new_fixed
        else if (sub >= 0x1a && sub <= 0x1d) break; // any/extern conversions, ref.i31
        else throw new Unsupported("gc const");
        break;
      }
      default:
        throw new Unsupported(`const op ${op}`);
    }
  }
}

type CoreTypeSlot = { kind: "func"; sig: CoreSig | undefined } | { kind: "other" };

function readCompType(r: Reader): CoreTypeSlot {
  const form = r.byte();
  if (form === 0x65) return readCompType(r); // shared
  switch (form) {
    case 0x60: {
      let known = true;
      const params: string[] = [];
      const results: string[] = [];
      for (let n = r.u32(); n > 0; n--) {
        const t = readValType(r);
        if (t === undefined) known = false;
        else params.push(t);
      }
      for (let n = r.u32(); n > 0; n--) {
        const t = readValType(r);
        if (t === undefined) known = false;
        else results.push(t);
      }
      return { kind: "func", sig: known ? { params, results } : undefined };
    }
    case 0x5f:
      for (let n = r.u32(); n > 0; n--) readStorage(r);
      return { kind: "other" };
    case 0x5e:
      readStorage(r);
      return { kind: "other" };
    case 0x5d:
      r.s64();
      return { kind: "other" };
  }
  throw new Unsupported(`comptype ${form}`);
}

function readStorage(r: Reader): void {
  const b = r.peek();
  if (b === 0x78 || b === 0x77) r.byte();
  else readValType(r);
  r.byte();
}

function readSubType(r: Reader): CoreTypeSlot {
  const b = r.peek();
  if (b === 0x50 || b === 0x4f) {
    r.byte();
    for (let n = r.u32(); n > 0; n--) r.u32();
    const t = readCompType(r);
    // A func type with supertypes is not compared structurally here.
    return t;
  }
  return readCompType(r);
}

/**
 * Reads the import and export types of a core module binary, or returns
 * `undefined` if the module uses encodings this reader does not know.
 */
export function readCoreModuleType(bytes: Uint8Array): CoreModuleType | undefined {
  try {
    return readModule(bytes);
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

function readModule(bytes: Uint8Array): CoreModuleType {
  const r = new Reader(bytes, 8, bytes.length);
  const types: CoreTypeSlot[] = [];
  const funcs: (CoreSig | undefined)[] = [];
  const tables: CoreExtern[] = [];
  const memories: CoreExtern[] = [];
  const globals: CoreExtern[] = [];
  const tags: CoreExtern[] = [];
  const imports: CoreImport[] = [];
  const exports = new Map<string, CoreExtern>();
  const sigOf = (idx: number): CoreSig | undefined => {
    const t = types[idx];
    return t?.kind === "func" ? t.sig : undefined;
  };
  while (r.pos < r.end) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    const s = new Reader(bytes, r.pos, end);
    r.pos = end;
    switch (id) {
      case 1:
        for (let n = s.u32(); n > 0; n--) {
          if (s.peek() === 0x4e) {
            s.byte();
            for (let m = s.u32(); m > 0; m--) types.push(readSubType(s));
          } else types.push(readSubType(s));
        }
        break;
      case 2:
        for (let n = s.u32(); n > 0; n--) {
          const module = s.name();
          const name = s.name();
          const kind = s.byte();
          let type: CoreExtern;
          switch (kind) {
            case 0:
              type = { kind: "func", sig: sigOf(s.u32()) };
              funcs.push(type.sig);
              break;
            case 1:
              type = readTableType(s);
              tables.push(type);
              break;
            case 2: {
              const l = readLimits(s);
              type = { kind: "memory", ...l };
              memories.push(type);
              break;
            }
            case 3:
              type = { kind: "global", ...readGlobalType(s) };
              globals.push(type);
              break;
            case 4:
              if (s.byte() !== 0) throw new Unsupported("tag attr");
              type = { kind: "tag", sig: sigOf(s.u32()) };
              tags.push(type);
              break;
            default:
              throw new Unsupported(`import kind ${kind}`);
          }
          imports.push({ module, name, type });
        }
        break;
      case 3:
        for (let n = s.u32(); n > 0; n--) funcs.push(sigOf(s.u32()));
        break;
      case 4:
        for (let n = s.u32(); n > 0; n--) {
          if (s.peek() === 0x40) {
            s.byte();
            s.byte();
            tables.push(readTableType(s));
            skipConstExpr(s);
          } else tables.push(readTableType(s));
        }
        break;
      case 5:
        for (let n = s.u32(); n > 0; n--) memories.push({ kind: "memory", ...readLimits(s) });
        break;
      case 6:
        for (let n = s.u32(); n > 0; n--) {
          globals.push({ kind: "global", ...readGlobalType(s) });
          skipConstExpr(s);
        }
        break;
      case 13:
        for (let n = s.u32(); n > 0; n--) {
          if (s.byte() !== 0) throw new Unsupported("tag attr");
          tags.push({ kind: "tag", sig: sigOf(s.u32()) });
        }
        break;
      case 7:
        for (let n = s.u32(); n > 0; n--) {
          const name = s.name();
          const kind = s.byte();
          const idx = s.u32();
          const t = kind === 0
            ? (idx < funcs.length ? { kind: "func" as const, sig: funcs[idx] } : undefined)
            : [undefined, tables, memories, globals, tags][kind]?.[idx];
          if (t === undefined) throw new Unsupported("export");
          exports.set(name, t);
        }
        return { imports, exports };
    }
  }
  return { imports, exports };
}
