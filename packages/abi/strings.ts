/**
 * String transcoding between JS strings and linear memory in the three
 * canonical encodings (CanonicalABI.md § Loading, § Storing).
 *
 * A JS string is UTF-16, so lowering follows the spec's paths for a source
 * string in the `utf16` encoding whose code units are the string's length. A
 * string passed from one guest to another keeps its source encoding and code
 * units ({@linkcode GuestString}), and lowering it follows the spec's path for
 * that source encoding.
 *
 * @module
 */
import { Trap } from "./errors.ts";
import type { LiftLowerContext, StringEncoding } from "./context.ts";
import { MAX_STRING_BYTE_LENGTH } from "./layout.ts";

/** CanonicalABI.md § Loading: the tag of a UTF-16 length in `latin1+utf16`. */
export const UTF16_TAG = 0x8000_0000;

const encoder = new TextEncoder();
// `ignoreBOM` keeps a leading U+FEFF: it is part of the string, not a marker.
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf16Decoder = new TextDecoder("utf-16le", { fatal: true, ignoreBOM: true });
// Non-fatal decoders are several times faster (Deno has a fast path for them);
// their output is only trusted when it has no U+FFFD, which every invalid
// sequence becomes. A string with a real U+FFFD is decoded again, strictly.
const utf8Lenient = new TextDecoder("utf-8", { ignoreBOM: true });
const utf16Lenient = new TextDecoder("utf-16le", { ignoreBOM: true });

// Guest memory is little-endian; a Uint16Array on it reads code units only
// where the host is too (every common one), else the DataView paths are used.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Strings shorter than this many code units are converted one unit at a time. */
const SHORT = 16;

// Bytes for narrowing an ASCII UTF-16 string, kept between calls up to 1 MiB.
let narrow = new Uint8Array(1024);
const MAX_KEPT = 1 << 20;

function narrowBuffer(n: number): Uint8Array {
  if (narrow.length >= n) return narrow;
  if (n > MAX_KEPT) return new Uint8Array(n);
  let size = narrow.length;
  while (size < n) size *= 2;
  return (narrow = new Uint8Array(size));
}

/** CanonicalABI.md § Loading (`load_string_from_range`). */
export function loadStringFromRange(
  cx: LiftLowerContext,
  ptr: number,
  taggedCodeUnits: number,
): string {
  let byteLength: number;
  let kind: 0 | 1 | 2; // utf8, utf16, latin1
  let align: number;
  switch (cx.encoding) {
    case "utf8":
      align = 1;
      byteLength = taggedCodeUnits;
      kind = 0;
      break;
    case "utf16":
      align = 2;
      byteLength = 2 * taggedCodeUnits;
      kind = 1;
      break;
    default:
      align = 2;
      if (taggedCodeUnits >= UTF16_TAG) {
        byteLength = 2 * (taggedCodeUnits - UTF16_TAG);
        kind = 1;
      } else {
        byteLength = taggedCodeUnits;
        kind = 2;
      }
  }
  // The spec tests the length limit first; the three traps are independent,
  // so only the message tells the order apart, and a pointer or length that
  // leaves memory is reported as exactly that (as Wasmtime does).
  if (align === 2) cx.checkAlign(ptr, 2, "string");
  cx.checkBounds(ptr, byteLength, "string");
  if (byteLength > MAX_STRING_BYTE_LENGTH) {
    throw new Trap(
      `string byte length ${byteLength} exceeds the maximum ${MAX_STRING_BYTE_LENGTH}`,
    );
  }
  const bytes = cx.u8.subarray(ptr, ptr + byteLength);
  if (kind === 2) return decodeLatin1(bytes);
  if (kind === 0) {
    // Short ASCII strings are faster to build by hand than through TextDecoder.
    if (byteLength <= 16) {
      let s = "";
      for (let i = 0; i < byteLength; i++) {
        const b = bytes[i]!;
        if (b >= 0x80) return decodeOrTrap(utf8Decoder, bytes, "utf-8");
        s += String.fromCharCode(b);
      }
      return s;
    }
    const s = utf8Lenient.decode(bytes);
    return s.includes("\uFFFD") ? decodeOrTrap(utf8Decoder, bytes, "utf-8") : s;
  }
  return decodeUtf16(cx, ptr, byteLength >>> 1, bytes);
}

/**
 * UTF-16 code units `[ptr, ptr + 2 × n)` of guest memory as a string,
 * trapping on an unpaired surrogate. TextDecoder's UTF-16 is slow where its
 * UTF-8 is fast, so ASCII text (the common case), whose code units all fit
 * in a byte, is narrowed to bytes (a native typed-array conversion) and
 * decoded as UTF-8; short strings are built unit by unit.
 */
function decodeUtf16(cx: LiftLowerContext, ptr: number, n: number, bytes: Uint8Array): string {
  if (n < SHORT) {
    const dv = cx.dv;
    let s = "";
    for (let i = 0; i < n; i++) {
      const c = dv.getUint16(ptr + 2 * i, true);
      if (c >= 0xd800 && c <= 0xdfff) return decodeUtf16Slow(bytes);
      s += String.fromCharCode(c);
    }
    return s;
  }
  if (LITTLE_ENDIAN) {
    const buffer = cx.u8.buffer;
    const units = new Uint16Array(buffer, ptr, n);
    // Whether every unit is below 0x80, two units at a time where aligned.
    let all = 0;
    if ((ptr & 3) === 0) {
      const pairs = new Uint32Array(buffer, ptr, n >>> 1);
      for (let i = 0; i < pairs.length; i++) all |= pairs[i]!;
      all = (all | (all >>> 16) | ((n & 1) === 0 ? 0 : units[n - 1]!)) & 0xffff;
    } else {
      for (let i = 0; i < n; i++) all |= units[i]!;
    }
    if (all < 0x80) {
      const out = narrowBuffer(n);
      out.set(units);
      return utf8Lenient.decode(out.subarray(0, n));
    }
  }
  return decodeUtf16Slow(bytes);
}

function decodeUtf16Slow(bytes: Uint8Array): string {
  const s = utf16Lenient.decode(bytes);
  return s.includes("\uFFFD") ? decodeOrTrap(utf16Decoder, bytes, "utf-16") : s;
}

function decodeOrTrap(decoder: TextDecoder, bytes: Uint8Array, name: string): string {
  try {
    return decoder.decode(bytes);
  } catch (e) {
    // Name a sequence cut off by the end of the string apart from other bad bytes.
    const detail = name === "utf-8" && endsIncomplete(bytes)
      ? ": incomplete utf-8 byte sequence at the end"
      : "";
    throw new Trap(`invalid ${name} string in memory${detail}`, { cause: e });
  }
}

/** Whether `bytes` are valid UTF-8 except for an unfinished sequence at the end. */
function endsIncomplete(bytes: Uint8Array): boolean {
  try {
    // A streaming decode keeps an unfinished tail for the next chunk instead of failing.
    new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function decodeLatin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return s;
}

/**
 * A string lifted from one guest on its way into another (spec: the
 * `String` triple): the text with the encoding and tagged code units it had
 * in the source memory, so that storing it follows the spec's transcoding
 * for that source encoding, realloc calls included. JS callers never see one.
 */
export class GuestString {
  /** The text. */
  readonly value: string;
  /** The source's `string-encoding` option (spec: `src_encoding`). */
  readonly encoding: StringEncoding;
  /** The source's code units, with the UTF-16 tag for `latin1+utf16` (spec: `src_tagged_code_units`). */
  readonly taggedCodeUnits: number;

  /** Wraps `value` as lifted from memory in `encoding` with `taggedCodeUnits`. */
  constructor(value: string, encoding: StringEncoding, taggedCodeUnits: number) {
    this.value = value;
    this.encoding = encoding;
    this.taggedCodeUnits = taggedCodeUnits;
  }

  /** The text. */
  toString(): string {
    return this.value;
  }
}

/**
 * CanonicalABI.md § Storing (`store_string_into_range`) for a JS string.
 * Returns the pointer and leaves the tagged code units in
 * {@linkcode storedLength}, so no pair is allocated per string.
 */
export function storeStringIntoRange(cx: LiftLowerContext, s: string): number {
  switch (cx.encoding) {
    case "utf8":
      return storeJsStringToUtf8(cx, s);
    case "utf16":
      return storeStringCopy(cx, s, s.length, 2);
    default:
      return storeStringToLatin1OrUtf16(cx, s, s.length);
  }
}

/**
 * CanonicalABI.md § Storing (`store_string_into_range`) for a string from
 * another guest: the transcoding of the spec for its source encoding.
 * Returns the pointer; the tagged code units are left in {@linkcode storedLength}.
 */
export function storeGuestStringIntoRange(cx: LiftLowerContext, g: GuestString): number {
  const s = g.value;
  const tagged = g.taggedCodeUnits;
  let simple: "utf8" | "utf16" | "latin1";
  let units: number;
  if (g.encoding === "latin1+utf16") {
    const utf16 = tagged >= UTF16_TAG;
    simple = utf16 ? "utf16" : "latin1";
    units = utf16 ? tagged - UTF16_TAG : tagged;
  } else {
    simple = g.encoding;
    units = tagged;
  }
  switch (cx.encoding) {
    case "utf8":
      if (simple === "utf8") return storeStringCopy(cx, s, units, 1);
      // store_utf16_to_utf8 and store_latin1_to_utf8.
      return storeStringToUtf8(cx, s, units, (simple === "utf16" ? 3 : 2) * units);
    case "utf16":
      if (simple === "utf8") return storeUtf8ToUtf16(cx, s, units);
      return storeStringCopy(cx, s, units, 2);
    default:
      if (g.encoding !== "latin1+utf16") return storeStringToLatin1OrUtf16(cx, s, units);
      if (simple === "latin1") return storeStringCopy(cx, s, units, 1);
      return storeProbablyUtf16ToLatin1OrUtf16(cx, s, units);
  }
}

/** The tagged code units of the last {@linkcode storeStringIntoRange}. */
export let storedLength = 0;

/**
 * CanonicalABI.md § Storing (`store_string_copy`): the destination uses the
 * source's code units, `unitSize` bytes each (1 for UTF-8 or Latin-1, 2 for
 * UTF-16). The alignment is 2 whenever the destination is `latin1+utf16`.
 */
function storeStringCopy(
  cx: LiftLowerContext,
  s: string,
  units: number,
  unitSize: 1 | 2,
): number {
  const byteLength = unitSize * units;
  const align = unitSize === 2 || cx.encoding === "latin1+utf16" ? 2 : 1;
  const ptr = cx.allocate(align, byteLength);
  cx.checkAllocation(ptr, align, byteLength, "string");
  if (unitSize === 2) writeUtf16(cx, s, ptr);
  else if (cx.encoding === "utf8") encoder.encodeInto(s, cx.u8.subarray(ptr, ptr + byteLength));
  else writeLatin1(cx, s, ptr);
  storedLength = units;
  return ptr;
}

/**
 * A JS string into a UTF-8 guest: one `realloc` of the exact length, as
 * Wasmtime and jco do for host strings. (The spec's grow-then-shrink sequence
 * is for strings from another guest, whose length is not known up front;
 * some guests, such as the WASI preview-1 adapter, accept only fresh
 * allocations from the host.)
 */
function storeJsStringToUtf8(cx: LiftLowerContext, s: string): number {
  const units = s.length;
  let total: number;
  let staged: Uint8Array | undefined;
  if (units <= MAX_STAGED_UNITS) {
    // Encoded first, off the guest's memory: the length is then exact.
    if (utf8Stage.length < 3 * units) utf8Stage = new Uint8Array(Math.max(3 * units, 256));
    total = encoder.encodeInto(s, utf8Stage).written;
    staged = utf8Stage.subarray(0, total);
  } else total = utf8Length(s);
  const ptr = cx.allocate(1, total);
  cx.checkAllocation(ptr, 1, total, "string");
  if (staged !== undefined) cx.u8.set(staged, ptr);
  else encoder.encodeInto(s, cx.u8.subarray(ptr, ptr + total));
  storedLength = total;
  return ptr;
}

/** Strings up to this many code units are encoded into {@linkcode utf8Stage} first. */
const MAX_STAGED_UNITS = 1 << 16;
let utf8Stage = new Uint8Array(256);

/** The UTF-8 length of `s` as `TextEncoder` writes it (a lone surrogate as U+FFFD, 3 bytes). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * CanonicalABI.md § Storing (`store_string_to_utf8`), behind
 * `store_utf16_to_utf8` (`worst` = 3 × units) and `store_latin1_to_utf8`
 * (`worst` = 2 × units). `units` is `s.length` for both sources.
 */
function storeStringToUtf8(cx: LiftLowerContext, s: string, units: number, worst: number): number {
  let ptr = cx.allocate(1, units);
  cx.checkAllocation(ptr, 1, units, "string");
  const { read, written } = encoder.encodeInto(s, cx.u8.subarray(ptr, ptr + units));
  if (read === s.length) {
    // Every code unit took one byte: the string is ASCII and fits exactly.
    storedLength = written;
    return ptr;
  }
  // The spec writes the ASCII prefix first and the rest after growing; writing
  // the whole string after the reallocation stores the same bytes.
  ptr = cx.reallocate(ptr, units, 1, worst);
  cx.checkAllocation(ptr, 1, worst, "string");
  const total = encoder.encodeInto(s, cx.u8.subarray(ptr, ptr + worst)).written;
  if (worst > total) {
    ptr = cx.reallocate(ptr, worst, 1, total);
    cx.checkAllocation(ptr, 1, total, "string");
  }
  storedLength = total;
  return ptr;
}

/** CanonicalABI.md § Storing (`store_utf8_to_utf16`): `units` is the UTF-8 byte length. */
function storeUtf8ToUtf16(cx: LiftLowerContext, s: string, units: number): number {
  const worst = 2 * units;
  let ptr = cx.allocate(2, worst);
  cx.checkAllocation(ptr, 2, worst, "string");
  writeUtf16(cx, s, ptr);
  const byteLength = 2 * s.length;
  if (byteLength < worst) {
    ptr = cx.reallocate(ptr, worst, 2, byteLength);
    cx.checkAllocation(ptr, 2, byteLength, "string");
  }
  storedLength = s.length;
  return ptr;
}

/**
 * Writes `s` as UTF-16 at `ptr` (2-aligned, with room for `2 × s.length`
 * bytes). An ASCII string is written by TextEncoder.encodeInto (natively, one
 * byte per unit) into the first half of the range and widened in place (a
 * native typed-array conversion, which copies an overlapping source first);
 * reading every code unit from JS is several times slower.
 */
function writeUtf16(cx: LiftLowerContext, s: string, ptr: number): void {
  const n = s.length;
  if (n >= SHORT && LITTLE_ENDIAN) {
    const u8 = cx.u8;
    const head = u8.subarray(ptr, ptr + n);
    const { read, written } = encoder.encodeInto(s, head);
    const units = new Uint16Array(u8.buffer, ptr, n);
    if (read === n && written === n) units.set(head);
    else for (let i = 0; i < n; i++) units[i] = s.charCodeAt(i);
    return;
  }
  const dv = cx.dv;
  for (let i = 0; i < n; i++) dv.setUint16(ptr + 2 * i, s.charCodeAt(i), true);
}

function writeLatin1(cx: LiftLowerContext, s: string, ptr: number): void {
  const u8 = cx.u8;
  for (let i = 0; i < s.length; i++) u8[ptr + i] = s.charCodeAt(i);
}

/**
 * CanonicalABI.md § Storing (`store_string_to_latin1_or_utf16`), for a UTF-8
 * or UTF-16 source of `units` code units (`s.length` for a JS string).
 */
function storeStringToLatin1OrUtf16(cx: LiftLowerContext, s: string, units: number): number {
  let ptr = cx.allocate(2, units);
  cx.checkAllocation(ptr, 2, units, "string");
  const n = s.length;
  let latin1 = true;
  // A code point beyond Latin-1 starts with a code unit beyond 0xff, surrogates included.
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0xff) {
      latin1 = false;
      break;
    }
  }
  if (latin1) {
    writeLatin1(cx, s, ptr);
    if (n < units) {
      ptr = cx.reallocate(ptr, units, 2, n);
      cx.checkAllocation(ptr, 2, n, "string");
    }
    storedLength = n;
    return ptr;
  }
  // The spec writes the Latin-1 prefix first and inflates it after growing;
  // writing the whole string as UTF-16 after the reallocation stores the same bytes.
  const worst = 2 * units;
  ptr = cx.reallocate(ptr, units, 2, worst);
  cx.checkAllocation(ptr, 2, worst, "string");
  writeUtf16(cx, s, ptr);
  const byteLength = 2 * n;
  if (worst > byteLength) {
    ptr = cx.reallocate(ptr, worst, 2, byteLength);
    cx.checkAllocation(ptr, 2, byteLength, "string");
  }
  storedLength = (n | UTF16_TAG) >>> 0;
  return ptr;
}

/**
 * CanonicalABI.md § Storing (`store_probably_utf16_to_latin1_or_utf16`): a
 * UTF-16 `latin1+utf16` source into `latin1+utf16`, deflated to Latin-1 when
 * it fits.
 */
function storeProbablyUtf16ToLatin1OrUtf16(cx: LiftLowerContext, s: string, units: number): number {
  const srcByteLength = 2 * units;
  let ptr = cx.allocate(2, srcByteLength);
  cx.checkAllocation(ptr, 2, srcByteLength, "string");
  writeUtf16(cx, s, ptr);
  const n = s.length;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0xff) {
      storedLength = (n | UTF16_TAG) >>> 0;
      return ptr;
    }
  }
  writeLatin1(cx, s, ptr);
  // The spec asks for alignment 1 here, but a `latin1+utf16` string must be
  // 2-aligned to be loaded again; like Wasmtime, ask for and check 2.
  ptr = cx.reallocate(ptr, srcByteLength, 2, n);
  cx.checkAllocation(ptr, 2, n, "string");
  storedLength = n;
  return ptr;
}
