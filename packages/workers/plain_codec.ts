/**
 * A compact binary form of the plain data a component export returns under
 * jco's value mapping (numbers, bigints, booleans, strings, `null`,
 * `undefined`, dense arrays, plain objects and typed arrays), written into
 * and read from shared memory. It lets a worker hand a reply to the pool
 * without a message (see reply_ring.ts). Anything else (a `Map`, a class
 * instance, a holey array, a string with a lone surrogate, a cycle, a value
 * nested deeper than {@linkcode MAX_DEPTH}) is refused, and the caller sends
 * it by `postMessage` instead, which copies it faithfully.
 *
 * @module
 */

/** The deepest nesting {@linkcode writePlain} accepts. */
export const MAX_DEPTH = 64;

const enum Tag {
  Undefined,
  Null,
  False,
  True,
  Int32,
  Float64,
  String,
  BigInt64,
  BigUint64,
  Array,
  Object,
  TypedArray,
}

// Typed arrays by their tag byte; the tag is the index.
const TYPED_ARRAYS = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

// Strings up to this many units try the ASCII fast path.
const SHORT = 32;

const encoder = new TextEncoder();
// A leading U+FEFF is part of the string, not a byte-order mark to drop.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Where a value is written to or read from: a window of shared memory and a position in it. */
export interface PlainCursor {
  /** The window (its `byteOffset` is where the window starts in the buffer). */
  readonly bytes: Uint8Array;
  /** A view of the same window. */
  readonly view: DataView;
  /** The next position, relative to the window. */
  at: number;
  /** Where writing must stop, relative to the window (at most its length). */
  end: number;
}

/** Makes a cursor at the start of a window of a buffer. */
export function plainCursor(buffer: ArrayBufferLike, offset: number, length: number): PlainCursor {
  return {
    bytes: new Uint8Array(buffer, offset, length),
    view: new DataView(buffer, offset, length),
    at: 0,
    end: length,
  };
}

/**
 * Writes `value` at the cursor and advances it. Returns `false`, with the
 * cursor somewhere past its start, if the value is not plain data or does
 * not fit: the caller then discards what was written.
 */
export function writePlain(cursor: PlainCursor, value: unknown): boolean {
  return write(cursor, value, 0);
}

function room(cursor: PlainCursor, n: number): boolean {
  return cursor.at + n <= cursor.end;
}

function write(c: PlainCursor, value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "number":
      if ((value | 0) === value && !Object.is(value, -0)) {
        if (!room(c, 5)) return false;
        c.bytes[c.at] = Tag.Int32;
        c.view.setInt32(c.at + 1, value, true);
        c.at += 5;
        return true;
      }
      if (!room(c, 9)) return false;
      c.bytes[c.at] = Tag.Float64;
      c.view.setFloat64(c.at + 1, value, true);
      c.at += 9;
      return true;
    case "string":
      return writeString(c, value, Tag.String);
    case "boolean":
      if (!room(c, 1)) return false;
      c.bytes[c.at++] = value ? Tag.True : Tag.False;
      return true;
    case "undefined":
      if (!room(c, 1)) return false;
      c.bytes[c.at++] = Tag.Undefined;
      return true;
    case "bigint": {
      if (!room(c, 9) || value < INT64_MIN || value > UINT64_MAX) return false;
      const signed = value < 0n;
      c.bytes[c.at] = signed ? Tag.BigInt64 : Tag.BigUint64;
      if (signed) c.view.setBigInt64(c.at + 1, value, true);
      else c.view.setBigUint64(c.at + 1, value, true);
      c.at += 9;
      return true;
    }
    case "object":
      if (value === null) {
        if (!room(c, 1)) return false;
        c.bytes[c.at++] = Tag.Null;
        return true;
      }
      if (depth >= MAX_DEPTH) return false;
      return writeObject(c, value, depth + 1);
    default:
      return false;
  }
}

function writeObject(c: PlainCursor, value: object, depth: number): boolean {
  const proto = Object.getPrototypeOf(value);
  if (Array.isArray(value)) {
    if (proto !== Array.prototype || !room(c, 5)) return false;
    const n = value.length;
    c.bytes[c.at] = Tag.Array;
    c.view.setUint32(c.at + 1, n, true);
    c.at += 5;
    for (let i = 0; i < n; i++) {
      // A hole would come back as `undefined`: let structured clone keep it.
      if (!(i in value) || !write(c, value[i], depth)) return false;
    }
    return true;
  }
  if (ArrayBuffer.isView(value)) {
    const kind = TYPED_ARRAYS.indexOf(value.constructor as typeof TYPED_ARRAYS[number]);
    if (kind < 0 || proto !== value.constructor.prototype) return false;
    const n = value.byteLength;
    if (!room(c, 6 + n)) return false;
    c.bytes[c.at] = Tag.TypedArray;
    c.bytes[c.at + 1] = kind;
    c.view.setUint32(c.at + 2, n, true);
    c.bytes.set(new Uint8Array(value.buffer, value.byteOffset, n), c.at + 6);
    c.at += 6 + n;
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  // Symbol keys and accessors would not survive as structured clone keeps them.
  if (Object.getOwnPropertySymbols(value).length > 0) return false;
  const keys = Object.keys(value);
  if (!room(c, 5)) return false;
  c.bytes[c.at] = Tag.Object;
  c.view.setUint32(c.at + 1, keys.length, true);
  c.at += 5;
  for (const key of keys) {
    const desc = Object.getOwnPropertyDescriptor(value, key)!;
    if (!("value" in desc)) return false;
    if (!writeString(c, key, -1) || !write(c, desc.value, depth)) return false;
  }
  return true;
}

/** A string as its UTF-8 length and bytes, after a tag unless `tag` is negative. */
function writeString(c: PlainCursor, value: string, tag: number): boolean {
  const head = tag < 0 ? 4 : 5;
  const n = value.length;
  if (!room(c, head + n)) return false;
  const start = c.at + head;
  let written = 0;
  // Short ASCII strings (record keys, enum cases) are the common case: copy
  // their units, which beats making a subarray for encodeInto.
  if (n <= SHORT) {
    const bytes = c.bytes;
    while (written < n) {
      const unit = value.charCodeAt(written);
      if (unit >= 0x80) break;
      bytes[start + written++] = unit;
    }
  }
  if (written < n) {
    // A lone surrogate would not survive UTF-8.
    if (!value.isWellFormed()) return false;
    const out = encoder.encodeInto(value, c.bytes.subarray(start, c.end));
    if (out.read !== n) return false;
    written = out.written;
  }
  if (tag >= 0) c.bytes[c.at] = tag;
  c.view.setUint32(c.at + head - 4, written, true);
  c.at = start + written;
  return true;
}

/** Reads a value written by {@linkcode writePlain} and advances the cursor. */
export function readPlain(cursor: PlainCursor): unknown {
  const c = cursor;
  const tag = c.bytes[c.at++];
  switch (tag) {
    case Tag.Undefined:
      return undefined;
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.Int32:
      c.at += 4;
      return c.view.getInt32(c.at - 4, true);
    case Tag.Float64:
      c.at += 8;
      return c.view.getFloat64(c.at - 8, true);
    case Tag.String:
      return readString(c);
    case Tag.BigInt64:
      c.at += 8;
      return c.view.getBigInt64(c.at - 8, true);
    case Tag.BigUint64:
      c.at += 8;
      return c.view.getBigUint64(c.at - 8, true);
    case Tag.Array: {
      const n = c.view.getUint32(c.at, true);
      c.at += 4;
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = readPlain(c);
      return out;
    }
    case Tag.Object: {
      const n = c.view.getUint32(c.at, true);
      c.at += 4;
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const key = readString(c);
        const item = readPlain(c);
        // An own `__proto__` key must stay a key, as structured clone keeps it.
        if (key === "__proto__") {
          Object.defineProperty(out, key, {
            value: item,
            writable: true,
            enumerable: true,
            configurable: true,
          });
        } else out[key] = item;
      }
      return out;
    }
    case Tag.TypedArray: {
      const Kind = TYPED_ARRAYS[c.bytes[c.at]!]!;
      const n = c.view.getUint32(c.at + 1, true);
      c.at += 5;
      // `slice` copies out of the shared window into a buffer of its own.
      const copy = c.bytes.slice(c.at, c.at + n);
      c.at += n;
      return new Kind(copy.buffer, 0, n / Kind.BYTES_PER_ELEMENT);
    }
    default:
      throw new RangeError(`Cannot read a shared reply: unknown tag ${tag} at ${c.at - 1}`);
  }
}

function readString(c: PlainCursor): string {
  const n = c.view.getUint32(c.at, true);
  const start = c.at + 4;
  c.at = start + n;
  if (n <= SHORT) {
    const bytes = c.bytes;
    let text = "";
    let i = start;
    for (; i < c.at && bytes[i]! < 0x80; i++) text += String.fromCharCode(bytes[i]!);
    if (i === c.at) return text;
  }
  // TextDecoder refuses views of shared memory: decode a copy.
  return decoder.decode(c.bytes.slice(start, c.at));
}
