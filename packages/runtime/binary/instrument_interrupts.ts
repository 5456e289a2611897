/**
 * Interruption for core modules, in the manner of Wasmtime's epoch
 * interruption: a rewrite that makes every function entry and every `loop`
 * header read a flag byte in an extra imported shared memory and trap when it
 * is non-zero. Another thread stops a guest stuck in a loop by setting the
 * byte (`Atomics.store`), which works where terminating the worker does not.
 *
 * The rewrite walks every instruction with a complete table of immediate
 * formats (core spec § Binary Format § Instructions, plus the threads, SIMD,
 * relaxed SIMD, exception handling, tail call, typed function references,
 * GC and multi-memory proposals). Anything it does not know makes it give up
 * rather than guess.
 *
 * @module
 */

/** The import that instrumented modules gain: module name and field name. */
export const INTERRUPT_IMPORT: { readonly module: "weft:interrupt"; readonly name: "flag" } = Object
  .freeze({ module: "weft:interrupt", name: "flag" } as const);

/** The outcome of {@linkcode tryInstrumentInterrupts}. */
export type InstrumentInterruptsResult =
  | {
    /** The module was instrumented. */
    readonly ok: true;
    /** The instrumented module. */
    readonly bytes: Uint8Array<ArrayBuffer>;
  }
  | {
    /** The module was left alone. */
    readonly ok: false;
    /** Why, e.g. `unknown opcode 0xfd 0x0120 at byte 0x1234`. */
    readonly reason: string;
  };

/**
 * Returns a copy of core module `bytes` that imports one more memory,
 * (import "weft:interrupt" "flag" (memory 1 1 shared)), and checks byte 0 of
 * it at every function entry and loop header, trapping with `unreachable`
 * when it is non-zero. Returns `undefined` when the module uses an
 * instruction or encoding the instrumenter does not know, so that the
 * caller keeps the module as it is.
 *
 * The flag memory's index is the number of memories the module imports;
 * every reference to a memory at or above it (memargs, memory instructions,
 * active data segments, memory exports) moves up by one. Custom sections
 * named `metadata.code.*` are dropped, as they hold offsets into function
 * bodies; other custom sections are kept unchanged.
 *
 * @example Usage
 * ```ts ignore
 * import { INTERRUPT_IMPORT, instrumentInterrupts } from "./instrument_interrupts.ts";
 * const flag = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
 * const instrumented = instrumentInterrupts(bytes);
 * const { instance } = await WebAssembly.instantiate(instrumented ?? bytes, {
 *   ...imports,
 *   [INTERRUPT_IMPORT.module]: { [INTERRUPT_IMPORT.name]: flag },
 * });
 * // From any thread: makes the guest trap at its next call or loop iteration.
 * Atomics.store(new Uint8Array(flag.buffer), 0, 1);
 * ```
 *
 * @param bytes A core module binary.
 * @returns The instrumented module, or `undefined` if it cannot be instrumented.
 */
export function instrumentInterrupts(bytes: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  const result = tryInstrumentInterrupts(bytes);
  return result.ok ? result.bytes : undefined;
}

/**
 * Like {@linkcode instrumentInterrupts}, but says why a module was left
 * alone, for a log line. Never throws.
 *
 * @param bytes A core module binary.
 * @returns The instrumented module, or the reason it cannot be instrumented.
 */
export function tryInstrumentInterrupts(bytes: Uint8Array): InstrumentInterruptsResult {
  try {
    if (!(bytes instanceof Uint8Array)) {
      return { ok: false, reason: `expected a Uint8Array, received ${typeName(bytes)}` };
    }
    return { ok: true, bytes: new Instrumenter(bytes).run() };
  } catch (error) {
    if (error instanceof Bail) return { ok: false, reason: error.message };
    // A bug here must not take the host down: the caller keeps the module.
    return { ok: false, reason: `internal error (a bug in Weft): ${String(error)}` };
  }
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}

/** Thrown inside the instrumenter to give up; never escapes this file. */
class Bail extends Error {
  constructor(what: string, offset: number) {
    super(`${what} at byte 0x${offset.toString(16)}`);
  }
}

// ---------------------------------------------------------------------------
// Immediate formats

/** No immediates. */
const NONE = 0;
/** A block type (`block`, `if`, legacy `try`). */
const BLOCK = 1;
/** A block type, then the check is inserted (`loop`). */
const LOOP = 2;
/** One u32 index. */
const U32 = 3;
/** Two u32 indices. */
const U32X2 = 4;
/** A memarg. */
const MEMARG = 5;
/** A memory index. */
const MEMIDX = 6;
/** A signed LEB of up to 32 bits. */
const S32 = 7;
/** A signed LEB of up to 64 bits. */
const S64 = 8;
/** Four raw bytes. */
const BYTES4 = 9;
/** Eight raw bytes. */
const BYTES8 = 10;
/** `br_table`: a vector of labels and a default label. */
const BR_TABLE = 11;
/** `select t*`: a vector of value types. */
const SELECT_T = 12;
/** A heap type. */
const HEAP_TYPE = 13;
/** `try_table`: a block type and a vector of catch clauses. */
const TRY_TABLE = 14;
/** `memory.init`: a data index, then a memory index. */
const MEMORY_INIT = 15;
/** `memory.copy`: two memory indices. */
const MEMORY_COPY = 16;
/** Sixteen raw bytes (`v128.const`, `i8x16.shuffle`). */
const BYTES16 = 17;
/** A lane index byte. */
const LANE = 18;
/** A memarg then a lane index byte. */
const MEMARG_LANE = 19;
/** `atomic.fence`: one 0x00 byte. */
const FENCE = 20;
/** `br_on_cast`/`br_on_cast_fail`: flags, label, two heap types. */
const BR_ON_CAST = 21;
/** The 0xfb (GC) prefix. */
const PREFIX_FB = 22;
/** The 0xfc (misc) prefix. */
const PREFIX_FC = 23;
/** The 0xfd (SIMD) prefix. */
const PREFIX_FD = 24;
/** The 0xfe (threads) prefix. */
const PREFIX_FE = 25;
/** Not an instruction this file knows. */
const UNKNOWN = 255;

function table(size: number, entries: [from: number, to: number, kind: number][]): Uint8Array {
  const t = new Uint8Array(size).fill(UNKNOWN);
  for (const [from, to, kind] of entries) t.fill(kind, from, to + 1);
  return t;
}

/** One-byte opcodes (core spec § Instructions and the proposals named above). */
const OPCODES: Uint8Array = table(256, [
  [0x00, 0x01, NONE], // unreachable, nop
  [0x02, 0x02, BLOCK], // block
  [0x03, 0x03, LOOP], // loop
  [0x04, 0x04, BLOCK], // if
  [0x05, 0x05, NONE], // else
  [0x06, 0x06, BLOCK], // try (legacy exceptions)
  [0x07, 0x09, U32], // catch, throw, rethrow
  [0x0a, 0x0b, NONE], // throw_ref, end
  [0x0c, 0x0d, U32], // br, br_if
  [0x0e, 0x0e, BR_TABLE],
  [0x0f, 0x0f, NONE], // return
  [0x10, 0x10, U32], // call
  [0x11, 0x11, U32X2], // call_indirect
  [0x12, 0x12, U32], // return_call
  [0x13, 0x13, U32X2], // return_call_indirect
  [0x14, 0x15, U32], // call_ref, return_call_ref
  [0x18, 0x18, U32], // delegate
  [0x19, 0x19, NONE], // catch_all
  [0x1a, 0x1b, NONE], // drop, select
  [0x1c, 0x1c, SELECT_T],
  [0x1f, 0x1f, TRY_TABLE],
  [0x20, 0x26, U32], // local.*, global.*, table.get, table.set
  [0x28, 0x3e, MEMARG], // loads and stores
  [0x3f, 0x40, MEMIDX], // memory.size, memory.grow
  [0x41, 0x41, S32],
  [0x42, 0x42, S64],
  [0x43, 0x43, BYTES4],
  [0x44, 0x44, BYTES8],
  [0x45, 0xc4, NONE], // numeric and sign extension
  [0xd0, 0xd0, HEAP_TYPE], // ref.null
  [0xd1, 0xd1, NONE], // ref.is_null
  [0xd2, 0xd2, U32], // ref.func
  [0xd3, 0xd4, NONE], // ref.eq, ref.as_non_null
  [0xd5, 0xd6, U32], // br_on_null, br_on_non_null
  [0xfb, 0xfb, PREFIX_FB],
  [0xfc, 0xfc, PREFIX_FC],
  [0xfd, 0xfd, PREFIX_FD],
  [0xfe, 0xfe, PREFIX_FE],
]);

/** 0xfb sub-opcodes (GC § Binary Format). */
const GC_OPCODES: Uint8Array = table(31, [
  [0, 1, U32], // struct.new, struct.new_default
  [2, 5, U32X2], // struct.get, struct.get_s, struct.get_u, struct.set
  [6, 7, U32], // array.new, array.new_default
  [8, 10, U32X2], // array.new_fixed, array.new_data, array.new_elem
  [11, 14, U32], // array.get, array.get_s, array.get_u, array.set
  [15, 15, NONE], // array.len
  [16, 16, U32], // array.fill
  [17, 19, U32X2], // array.copy, array.init_data, array.init_elem
  [20, 23, HEAP_TYPE], // ref.test, ref.test null, ref.cast, ref.cast null
  [24, 25, BR_ON_CAST], // br_on_cast, br_on_cast_fail
  [26, 30, NONE], // any.convert_extern, extern.convert_any, ref.i31, i31.get_s, i31.get_u
]);

/** 0xfc sub-opcodes (saturating truncation, bulk memory, reference types). */
const MISC_OPCODES: Uint8Array = table(18, [
  [0, 7, NONE], // i32.trunc_sat_f32_s … i64.trunc_sat_f64_u
  [8, 8, MEMORY_INIT],
  [9, 9, U32], // data.drop
  [10, 10, MEMORY_COPY],
  [11, 11, MEMIDX], // memory.fill
  [12, 12, U32X2], // table.init
  [13, 13, U32], // elem.drop
  [14, 14, U32X2], // table.copy
  [15, 17, U32], // table.grow, table.size, table.fill
]);

/** 0xfd sub-opcodes (SIMD and relaxed SIMD § Binary Format); gaps are reserved. */
const SIMD_OPCODES: Uint8Array = (() => {
  const t = table(276, [
    [0, 11, MEMARG], // v128.load … v128.load64_splat, v128.store
    [12, 13, BYTES16], // v128.const, i8x16.shuffle
    [14, 20, NONE], // i8x16.swizzle, splats
    [21, 34, LANE], // extract_lane, replace_lane
    [35, 83, NONE], // comparisons, bitwise, any_true
    [84, 91, MEMARG_LANE], // v128.load*_lane, v128.store*_lane
    [92, 93, MEMARG], // v128.load32_zero, v128.load64_zero
    [94, 255, NONE], // arithmetic and conversions
    [256, 275, NONE], // relaxed SIMD
  ]);
  for (const op of [154, 162, 165, 166, 175, 176, 178, 179, 180, 187, 194, 197, 198, 207, 208]) {
    t[op] = UNKNOWN;
  }
  for (const op of [210, 211, 212, 226, 238]) t[op] = UNKNOWN;
  return t;
})();

/** 0xfe sub-opcodes (threads § Binary Format). */
const ATOMIC_OPCODES: Uint8Array = table(0x4f, [
  [0x00, 0x02, MEMARG], // memory.atomic.notify, memory.atomic.wait32/64
  [0x03, 0x03, FENCE], // atomic.fence
  [0x10, 0x4e, MEMARG], // atomic loads, stores, read-modify-writes, cmpxchg
]);

/** Section ids in the order the core spec requires (tag sits between memory and global). */
const SECTION_ORDER: readonly number[] = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];
const SECTION_RANK: Int8Array = (() => {
  const t = new Int8Array(14).fill(-1);
  SECTION_ORDER.forEach((id, rank) => t[id] = rank);
  return t;
})();
const IMPORT_RANK = 1;

const SECTION_IMPORT = 2;
const SECTION_EXPORT = 7;
const SECTION_CODE = 10;
const SECTION_DATA = 11;

const MAGIC_AND_VERSION = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const DROPPED_CUSTOM_PREFIX = new TextEncoder().encode("metadata.code.");

/** `(import "weft:interrupt" "flag" (memory 1 1 shared))` as an import entry. */
const FLAG_IMPORT_ENTRY: Uint8Array = (() => {
  const encoder = new TextEncoder();
  const module = encoder.encode(INTERRUPT_IMPORT.module);
  const name = encoder.encode(INTERRUPT_IMPORT.name);
  // 0x02 memory, limits flags 0x03 (has maximum, shared), min 1, max 1.
  return Uint8Array.of(module.length, ...module, name.length, ...name, 0x02, 0x03, 1, 1);
})();

function lebU32(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/**
 * Rewrites one module. Unchanged bytes are copied in runs: `#from` marks the
 * first input byte not yet copied, and a rewrite flushes up to where it
 * starts, writes its replacement and moves `#from` past what it replaced.
 */
class Instrumenter {
  readonly #src: Uint8Array;
  #pos = 0;
  /** One past the last byte the current construct may read. */
  #end: number;
  #from = 0;
  #out: Uint8Array<ArrayBuffer>;
  #len = 0;
  /** The flag memory's index: the number of imported memories. */
  #flagIndex = 0;
  /** `i32.const 0; i32.load8_u M 0; if; unreachable; end`. */
  #check: Uint8Array = new Uint8Array(0);

  constructor(src: Uint8Array) {
    this.#src = src;
    this.#end = src.length;
    // Room for the checks and the wider memargs, so few modules need to grow.
    this.#out = new Uint8Array(src.length + (src.length >>> 3) + 256);
  }

  run(): Uint8Array<ArrayBuffer> {
    const src = this.#src;
    for (let i = 0; i < MAGIC_AND_VERSION.length; i++) {
      if (this.#byte() !== MAGIC_AND_VERSION[i]) {
        throw new Bail("not a core module (expected \\0asm version 1)", i);
      }
    }
    let lastRank = -1;
    let importDone = false;
    while (this.#pos < src.length) {
      const sectionStart = this.#pos;
      this.#end = src.length;
      const id = this.#byte();
      const size = this.#u32();
      const contentStart = this.#pos;
      if (size > src.length - contentStart) throw new Bail("a section past the end", sectionStart);
      const contentEnd = contentStart + size;
      this.#end = contentEnd;
      if (id === 0) {
        const nameLength = this.#u32();
        if (nameLength > contentEnd - this.#pos) {
          throw new Bail("a custom section name past its end", sectionStart);
        }
        if (this.#startsWith(this.#pos, nameLength, DROPPED_CUSTOM_PREFIX)) {
          this.#flushTo(sectionStart);
          this.#from = contentEnd;
        }
        this.#pos = contentEnd;
        continue;
      }
      const rank = id < SECTION_RANK.length ? SECTION_RANK[id] as number : -1;
      if (rank < 0) throw new Bail(`unknown section id ${id}`, sectionStart);
      if (rank <= lastRank) throw new Bail(`section ${id} out of order or repeated`, sectionStart);
      lastRank = rank;
      if (!importDone && rank > IMPORT_RANK) {
        this.#flushTo(sectionStart);
        this.#writeNewImportSection();
        importDone = true;
      }
      switch (id) {
        case SECTION_IMPORT:
          this.#importSection(sectionStart, contentEnd);
          importDone = true;
          break;
        case SECTION_EXPORT:
          this.#exportSection(sectionStart, contentEnd);
          break;
        case SECTION_CODE:
          this.#codeSection(sectionStart, contentEnd);
          break;
        case SECTION_DATA:
          this.#dataSection(sectionStart, contentEnd);
          break;
        default:
          this.#pos = contentEnd;
      }
      if (this.#pos !== contentEnd) throw new Bail(`section ${id} size mismatch`, this.#pos);
    }
    this.#flushTo(src.length);
    if (!importDone) this.#writeNewImportSection();
    return this.#out.slice(0, this.#len);
  }

  // -- input -----------------------------------------------------------------

  #byte(): number {
    if (this.#pos >= this.#end) throw new Bail("unexpected end", this.#pos);
    return this.#src[this.#pos++] as number;
  }

  #u32(): number {
    const src = this.#src;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.#pos >= this.#end) throw new Bail("unexpected end in an integer", this.#pos);
      const b = src[this.#pos++] as number;
      if (shift === 28 && b > 0x0f) throw new Bail("an integer too large for u32", this.#pos - 1);
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
    }
    /* c8 ignore next */
    throw new Bail("an integer too long", this.#pos);
  }

  /** Skips a LEB128 of at most `max` bytes. */
  #skipLeb(max: number): void {
    const src = this.#src;
    const start = this.#pos;
    const limit = Math.min(this.#end, start + max);
    while (this.#pos < limit) {
      if ((src[this.#pos++] as number) < 0x80) return;
    }
    throw new Bail("an integer too long or cut off", start);
  }

  #skip(n: number): void {
    if (n > this.#end - this.#pos) throw new Bail("unexpected end", this.#pos);
    this.#pos += n;
  }

  #startsWith(at: number, length: number, prefix: Uint8Array): boolean {
    if (length < prefix.length) return false;
    for (let i = 0; i < prefix.length; i++) {
      if (this.#src[at + i] !== prefix[i]) return false;
    }
    return true;
  }

  /** A heap type: an abstract one (0x69–0x74) or a non-negative s33 type index. */
  #heapType(): void {
    const b = this.#byte();
    if (b >= 0x69 && b <= 0x74) return;
    this.#pos--;
    this.#typeIndexS33();
  }

  /** A non-negative s33 (a type index in a heap type or block type). */
  #typeIndexS33(): void {
    const start = this.#pos;
    for (let i = 0; i < 5; i++) {
      const b = this.#byte();
      if (b < 0x80) {
        if (b & 0x40) throw new Bail(`unknown type encoding 0x${this.#hexAt(start)}`, start);
        return;
      }
    }
    throw new Bail("an s33 too long", start);
  }

  #hexAt(at: number): string {
    return (this.#src[at] ?? 0).toString(16).padStart(2, "0");
  }

  #valType(): void {
    const start = this.#pos;
    const b = this.#byte();
    if ((b >= 0x7b && b <= 0x7f) || (b >= 0x69 && b <= 0x74)) return;
    if (b === 0x63 || b === 0x64) return this.#heapType();
    throw new Bail(`unknown value type 0x${this.#hexAt(start)}`, start);
  }

  #blockType(): void {
    const b = this.#src[this.#pos];
    if (b === undefined || this.#pos >= this.#end) throw new Bail("unexpected end", this.#pos);
    if (b === 0x40 || (b >= 0x7b && b <= 0x7f) || (b >= 0x69 && b <= 0x74)) {
      this.#pos++;
    } else if (b === 0x63 || b === 0x64) {
      this.#pos++;
      this.#heapType();
    } else {
      this.#typeIndexS33();
    }
  }

  /** Limits of a table or memory: flags, minimum, maximum, page size. */
  #limits(): void {
    const start = this.#pos;
    const flags = this.#byte();
    if (flags > 0x0f) throw new Bail(`unknown limits flags 0x${this.#hexAt(start)}`, start);
    this.#skipLeb(10);
    if (flags & 0x01) this.#skipLeb(10);
    if (flags & 0x08) this.#u32(); // custom-page-sizes: log2 of the page size
  }

  // -- output ----------------------------------------------------------------

  #reserve(n: number): void {
    if (this.#len + n <= this.#out.length) return;
    let size = this.#out.length * 2;
    while (size < this.#len + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#out.subarray(0, this.#len));
    this.#out = grown;
  }

  #write(b: number): void {
    this.#reserve(1);
    this.#out[this.#len++] = b;
  }

  #writeU32(n: number): void {
    this.#reserve(5);
    const out = this.#out;
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      out[this.#len++] = b;
    } while (n !== 0);
  }

  #writeBytes(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#out.set(bytes, this.#len);
    this.#len += bytes.length;
  }

  /** Copies the input from `#from` to `to`. */
  #flushTo(to: number): void {
    const n = to - this.#from;
    if (n > 0) {
      this.#reserve(n);
      this.#out.set(this.#src.subarray(this.#from, to), this.#len);
      this.#len += n;
    }
    this.#from = to;
  }

  /** Leaves five bytes for a size written later by {@linkcode #patchSize}. */
  #reserveSize(): number {
    this.#reserve(5);
    const at = this.#len;
    this.#len += 5;
    return at;
  }

  /** Writes the size of what follows `at + 5` at `at`, closing the gap if shorter. */
  #patchSize(at: number): void {
    const size = this.#len - (at + 5);
    if (size >= 2 ** 32) throw new Bail("an output section too large", this.#pos);
    const leb = lebU32(size);
    this.#out.set(leb, at);
    if (leb.length < 5) {
      this.#out.copyWithin(at + leb.length, at + 5, this.#len);
      this.#len -= 5 - leb.length;
    }
  }

  // -- sections --------------------------------------------------------------

  #writeNewImportSection(): void {
    this.#flagIndex = 0;
    this.#makeCheck();
    this.#write(SECTION_IMPORT);
    this.#writeU32(FLAG_IMPORT_ENTRY.length + 1);
    this.#write(1);
    this.#writeBytes(FLAG_IMPORT_ENTRY);
  }

  #makeCheck(): void {
    this.#check = Uint8Array.of(
      0x41, // i32.const 0
      0x00,
      0x2d, // i32.load8_u, alignment 0 with an explicit memory index
      0x40,
      ...lebU32(this.#flagIndex),
      0x00, // offset
      0x04, // if (empty)
      0x40,
      0x00, // unreachable
      0x0b, // end
    );
  }

  #importSection(sectionStart: number, contentEnd: number): void {
    this.#flushTo(sectionStart);
    const count = this.#u32();
    const entriesStart = this.#pos;
    let memories = 0;
    for (let i = 0; i < count; i++) {
      this.#skip(this.#u32()); // module name
      this.#skip(this.#u32()); // field name
      const kindAt = this.#pos;
      const kind = this.#byte();
      switch (kind) {
        case 0x00: // func
          this.#u32();
          break;
        case 0x01: // table
          this.#valType();
          this.#limits();
          break;
        case 0x02: // memory
          this.#limits();
          memories++;
          break;
        case 0x03: { // global
          this.#valType();
          const mutAt = this.#pos;
          if (this.#byte() > 1) throw new Bail("unknown global mutability", mutAt);
          break;
        }
        case 0x04: { // tag
          const attributeAt = this.#pos;
          if (this.#byte() !== 0) throw new Bail("unknown tag attribute", attributeAt);
          this.#u32();
          break;
        }
        default:
          throw new Bail(`unknown import kind 0x${this.#hexAt(kindAt)}`, kindAt);
      }
    }
    if (this.#pos !== contentEnd) throw new Bail("import section size mismatch", this.#pos);
    this.#flagIndex = memories;
    this.#makeCheck();
    this.#write(SECTION_IMPORT);
    const sizeAt = this.#reserveSize();
    this.#writeU32(count + 1);
    this.#from = entriesStart;
    this.#flushTo(contentEnd);
    this.#writeBytes(FLAG_IMPORT_ENTRY);
    this.#patchSize(sizeAt);
  }

  #exportSection(sectionStart: number, contentEnd: number): void {
    this.#flushTo(sectionStart);
    this.#write(SECTION_EXPORT);
    const sizeAt = this.#reserveSize();
    this.#from = this.#pos;
    const count = this.#u32();
    for (let i = 0; i < count; i++) {
      this.#skip(this.#u32()); // name
      const kindAt = this.#pos;
      const kind = this.#byte();
      if (kind > 0x04) throw new Bail(`unknown export kind 0x${this.#hexAt(kindAt)}`, kindAt);
      if (kind === 0x02) {
        this.#memoryIndex();
      } else {
        this.#u32();
      }
    }
    this.#flushTo(contentEnd);
    this.#patchSize(sizeAt);
  }

  #dataSection(sectionStart: number, contentEnd: number): void {
    this.#flushTo(sectionStart);
    this.#write(SECTION_DATA);
    const sizeAt = this.#reserveSize();
    this.#from = this.#pos;
    const count = this.#u32();
    for (let i = 0; i < count; i++) {
      const flagAt = this.#pos;
      const flag = this.#u32();
      if (flag === 0) {
        if (this.#flagIndex === 0) {
          // Memory 0 becomes memory 1: spell the index out (flag 2).
          this.#flushTo(flagAt);
          this.#write(0x02);
          this.#write(0x01);
          this.#from = this.#pos;
        }
        this.#constExpr();
      } else if (flag === 2) {
        this.#memoryIndex();
        this.#constExpr();
      } else if (flag !== 1) {
        throw new Bail(`unknown data segment flags ${flag}`, flagAt);
      }
      this.#skip(this.#u32()); // the bytes
    }
    this.#flushTo(contentEnd);
    this.#patchSize(sizeAt);
  }

  #codeSection(sectionStart: number, contentEnd: number): void {
    this.#flushTo(sectionStart);
    this.#write(SECTION_CODE);
    const sectionSizeAt = this.#reserveSize();
    this.#from = this.#pos;
    const count = this.#u32();
    this.#flushTo(this.#pos);
    for (let i = 0; i < count; i++) {
      this.#end = contentEnd;
      const size = this.#u32();
      const bodyStart = this.#pos;
      if (size > contentEnd - bodyStart) {
        throw new Bail("a function body past its section", bodyStart);
      }
      const bodyEnd = bodyStart + size;
      this.#end = bodyEnd;
      const bodySizeAt = this.#reserveSize();
      this.#from = bodyStart;
      this.#functionBody(bodyEnd);
      this.#flushTo(bodyEnd);
      this.#patchSize(bodySizeAt);
    }
    this.#end = contentEnd;
    this.#flushTo(this.#pos);
    this.#patchSize(sectionSizeAt);
  }

  // -- instructions ----------------------------------------------------------

  /** Rewrites a memory index in place if it is at or above the flag's. */
  #memoryIndex(): void {
    const at = this.#pos;
    const index = this.#u32();
    if (index >= this.#flagIndex) {
      this.#flushTo(at);
      this.#writeU32(index + 1);
      this.#from = this.#pos;
    }
  }

  /** A memarg: alignment (bit 6: a memory index follows), then the offset (u64 LEB). */
  #memarg(): void {
    const at = this.#pos;
    const align = this.#u32();
    if (align >= 0x80) throw new Bail("unknown memarg alignment flags", at);
    if (align & 0x40) {
      this.#memoryIndex();
    } else if (this.#flagIndex === 0) {
      this.#flushTo(at);
      this.#write(align | 0x40);
      this.#write(0x01);
      this.#from = this.#pos;
    }
    this.#skipLeb(10);
  }

  #insertCheck(): void {
    this.#flushTo(this.#pos);
    this.#writeBytes(this.#check);
  }

  #functionBody(bodyEnd: number): void {
    const groups = this.#u32();
    for (let i = 0; i < groups; i++) {
      this.#u32();
      this.#valType();
    }
    this.#insertCheck();
    while (this.#pos < bodyEnd) this.#instruction(true);
  }

  /** A constant expression up to and including its final `end`. */
  #constExpr(): void {
    let depth = 0;
    for (;;) {
      const op = this.#src[this.#pos];
      this.#instruction(false);
      if (op === 0x0b) {
        if (depth === 0) return;
        depth--;
      } else if (op === 0x02 || op === 0x03 || op === 0x04 || op === 0x06 || op === 0x1f) {
        depth++;
      }
    }
  }

  /** Reads one instruction, rewriting memory indices and, in code, checking at loops. */
  #instruction(inCode: boolean): void {
    const at = this.#pos;
    const op = this.#byte();
    let kind = OPCODES[op] as number;
    let sub = -1;
    switch (kind) {
      case PREFIX_FB:
        sub = this.#u32();
        kind = sub < GC_OPCODES.length ? GC_OPCODES[sub] as number : UNKNOWN;
        break;
      case PREFIX_FC:
        sub = this.#u32();
        kind = sub < MISC_OPCODES.length ? MISC_OPCODES[sub] as number : UNKNOWN;
        break;
      case PREFIX_FD:
        sub = this.#u32();
        kind = sub < SIMD_OPCODES.length ? SIMD_OPCODES[sub] as number : UNKNOWN;
        break;
      case PREFIX_FE:
        sub = this.#u32();
        kind = sub < ATOMIC_OPCODES.length ? ATOMIC_OPCODES[sub] as number : UNKNOWN;
        break;
    }
    switch (kind) {
      case NONE:
        return;
      case U32:
        this.#skipLeb(5);
        return;
      case U32X2:
        this.#skipLeb(5);
        this.#skipLeb(5);
        return;
      case MEMARG:
        this.#memarg();
        return;
      case S32:
        this.#skipLeb(5);
        return;
      case S64:
        this.#skipLeb(10);
        return;
      case BLOCK:
        this.#blockType();
        return;
      case LOOP:
        this.#blockType();
        if (inCode) this.#insertCheck();
        return;
      case MEMIDX:
        this.#memoryIndex();
        return;
      case BYTES4:
        this.#skip(4);
        return;
      case BYTES8:
        this.#skip(8);
        return;
      case BYTES16:
        this.#skip(16);
        return;
      case BR_TABLE: {
        const n = this.#u32();
        for (let i = 0; i <= n; i++) this.#skipLeb(5);
        return;
      }
      case SELECT_T: {
        const n = this.#u32();
        for (let i = 0; i < n; i++) this.#valType();
        return;
      }
      case HEAP_TYPE:
        this.#heapType();
        return;
      case TRY_TABLE: {
        this.#blockType();
        const n = this.#u32();
        for (let i = 0; i < n; i++) {
          const catchAt = this.#pos;
          const catchKind = this.#byte();
          if (catchKind > 3) throw new Bail("unknown try_table catch kind", catchAt);
          if (catchKind < 2) this.#skipLeb(5); // the tag of catch and catch_ref
          this.#skipLeb(5); // the label
        }
        return;
      }
      case MEMORY_INIT:
        this.#skipLeb(5);
        this.#memoryIndex();
        return;
      case MEMORY_COPY:
        this.#memoryIndex();
        this.#memoryIndex();
        return;
      case LANE:
        this.#skip(1);
        return;
      case MEMARG_LANE:
        this.#memarg();
        this.#skip(1);
        return;
      case FENCE: {
        const flagsAt = this.#pos;
        if (this.#byte() !== 0) throw new Bail("unknown atomic.fence flags", flagsAt);
        return;
      }
      case BR_ON_CAST: {
        const flagsAt = this.#pos;
        if (this.#byte() > 3) throw new Bail("unknown br_on_cast flags", flagsAt);
        this.#skipLeb(5);
        this.#heapType();
        this.#heapType();
        return;
      }
      default: {
        const name = `0x${op.toString(16).padStart(2, "0")}` +
          (sub < 0 ? "" : ` ${sub}`);
        throw new Bail(`unknown opcode ${name}`, at);
      }
    }
  }
}
