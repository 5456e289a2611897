/**
 * A bounds-checked cursor over a component binary: bytes, LEB128 integers,
 * names and vectors (core spec § Binary Format § Values, Binary.md). Every
 * failure is a {@linkcode CompileError} naming what was expected and where.
 *
 * @module
 */

import { CompileError, formatOffset } from "./errors.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Describes the byte at `offset` of `reader` for an error message. */
function describeFound(reader: Reader, offset: number): string {
  if (offset >= reader.end) {
    return offset >= reader.bytes.length
      ? "the end of the input (unexpected end-of-file)"
      : "the end of the section (unexpected end-of-file)";
  }
  return hex(reader.bytes[offset] ?? 0);
}

/** Formats a byte as `0x0a`. */
export function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}

/** `only 1 byte left`, `only 2 bytes left`. */
function bytesLeft(n: number): string {
  return `only ${n} ${n === 1 ? "byte" : "bytes"} left (unexpected end-of-file)`;
}

/**
 * A cursor over `bytes[pos, end)`. Offsets are absolute in `bytes`, so a
 * nested reader reports positions in the whole input.
 */
export class Reader {
  /** The whole input. */
  readonly bytes: Uint8Array;
  /** The current position. */
  pos: number;
  /** One past the last readable byte. */
  readonly end: number;

  /** Creates a reader over `bytes[pos, end)`. */
  constructor(bytes: Uint8Array, pos = 0, end: number = bytes.length) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Whether every byte has been read. */
  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** Throws `Cannot decode component: expected <what> at byte <offset>, found <byte>`. */
  fail(what: string, offset: number = this.pos): never {
    throw new CompileError(
      `Cannot decode component: expected ${what} at byte ${formatOffset(offset)}, found ${
        describeFound(this, offset)
      }`,
      { offset },
    );
  }

  /** Throws a decode error with a custom description of what was found. */
  failWith(what: string, found: string, offset: number = this.pos): never {
    throw new CompileError(
      `Cannot decode component: expected ${what} at byte ${formatOffset(offset)}, found ${found}`,
      { offset },
    );
  }

  /** Reads one byte. */
  byte(what: string): number {
    if (this.pos >= this.end) this.fail(what);
    return this.bytes[this.pos++] as number;
  }

  /** Returns the next byte without consuming it. */
  peek(what: string): number {
    if (this.pos >= this.end) this.fail(what);
    return this.bytes[this.pos] as number;
  }

  /** Reads a byte that must be `0x00`. */
  zero(what: string): void {
    const at = this.pos;
    if (this.byte(what) !== 0) this.fail(what, at);
  }

  /** Reads a `0x00`/`0x01` flag (spec: `async?`, `cancel?`, `sh?`, `<T>?`). */
  flag(what: string): boolean {
    const at = this.pos;
    const b = this.byte(what);
    if (b > 1) {
      this.failWith(`${what} (0x00 or 0x01)`, `${hex(b)} (invalid boolean value)`, at);
    }
    return b === 1;
  }

  /** Reads an unsigned LEB128 `u32` (at most 5 bytes, no bits past the 32nd). */
  u32(what: string): number {
    const start = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) this.fail(what);
      const b = this.bytes[this.pos++] as number;
      if (i === 4) {
        if (b & 0x80) {
          this.failWith(what, "an integer representation longer than 5 bytes", start);
        }
        if (b & 0x70) this.failWith(what, "an integer too large for 32 bits", start);
      }
      result += (b & 0x7f) * 2 ** (7 * i);
      if (!(b & 0x80)) return result;
    }
    /* c8 ignore next */
    return this.failWith(what, "an integer representation longer than 5 bytes", start);
  }

  /** Reads an unsigned LEB128 `u64` (at most 10 bytes). */
  u64(what: string): bigint {
    const start = this.pos;
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail(what);
      const b = this.bytes[this.pos++] as number;
      if (i === 9) {
        if (b & 0x80) {
          this.failWith(what, "an integer representation longer than 10 bytes", start);
        }
        if (b & 0x7e) this.failWith(what, "an integer too large for 64 bits", start);
      }
      result |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (!(b & 0x80)) return result;
    }
    /* c8 ignore next */
    return this.failWith(what, "an integer representation longer than 10 bytes", start);
  }

  /**
   * Reads a signed LEB128 `s33` (at most 5 bytes; the unused bits of the last
   * byte must be the sign extension). A 35-bit value is exact in a double.
   */
  s33(what: string): number {
    const start = this.pos;
    let result = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.end) this.fail(what);
      const b = this.bytes[this.pos++] as number;
      result += (b & 0x7f) * 2 ** (7 * i);
      if (!(b & 0x80)) {
        const bits = 7 * (i + 1);
        if (b & 0x40) result -= 2 ** bits;
        if (result < -(2 ** 32) || result >= 2 ** 32) {
          this.failWith(what, "an integer too large for 33 bits", start);
        }
        return result;
      }
    }
    return this.failWith(what, "an integer representation longer than 5 bytes", start);
  }

  /** Reads `n` bytes as a copy. */
  take(n: number, what: string): Uint8Array<ArrayBuffer> {
    if (n > this.remaining) this.failWith(what, bytesLeft(this.remaining));
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /**
   * Reads `n` bytes as a view on the input, not a copy: core modules are
   * most of a component's bytes, and copying megabytes costs more than
   * decoding everything else. Input in a `SharedArrayBuffer` is copied:
   * `WebAssembly.compile` refuses views of one.
   */
  view(n: number, what: string): Uint8Array<ArrayBuffer> {
    if (n > this.remaining) this.failWith(what, bytesLeft(this.remaining));
    const bytes = this.bytes;
    const out = bytes.buffer instanceof ArrayBuffer
      ? (bytes as Uint8Array<ArrayBuffer>).subarray(this.pos, this.pos + n)
      : bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Reads a `core:name`: a length-prefixed, UTF-8 validated string. */
  name(what: string): string {
    const start = this.pos;
    const len = this.u32(`the length of ${what}`);
    if (len > this.remaining) {
      this.failWith(
        `${what} of ${len} bytes`,
        bytesLeft(this.remaining),
        start,
      );
    }
    let text: string;
    try {
      // A copy, not a view: TextDecoder refuses views of a SharedArrayBuffer.
      text = utf8.decode(this.bytes.slice(this.pos, this.pos + len));
    } catch {
      this.failWith(what, "malformed UTF-8 encoding", this.pos);
    }
    this.pos += len;
    return text;
  }

  /**
   * Reads `vec(T)`. The count is checked against the bytes left (every element
   * takes at least one byte) before anything is read, so a hostile count
   * cannot make the decoder allocate or loop beyond the input's size.
   */
  vec<T>(what: string, element: (reader: Reader) => T): T[] {
    const start = this.pos;
    const count = this.u32(`the number of ${what}`);
    if (count > this.remaining) {
      this.failWith(
        `${count} ${what}`,
        bytesLeft(this.remaining),
        start,
      );
    }
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(element(this));
    return out;
  }

  /**
   * Reads a `size:u32` and returns a reader over the next `size` bytes,
   * advancing past them. `what` names the sized region for messages.
   */
  sized(what: string): Reader {
    const start = this.pos;
    const size = this.u32(`the size of ${what}`);
    if (size > this.remaining) {
      this.failWith(
        `${what} of ${size} bytes`,
        bytesLeft(this.remaining),
        start,
      );
    }
    const sub = new Reader(this.bytes, this.pos, this.pos + size);
    this.pos += size;
    return sub;
  }

  /** Throws unless every byte was read: a region must end at its declared size. */
  expectEnd(what: string): void {
    if (this.pos !== this.end) {
      this.failWith(
        `the end of ${what}`,
        `${this.end - this.pos} unread bytes (section size mismatch)`,
      );
    }
  }
}
