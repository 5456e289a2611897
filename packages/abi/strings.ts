/**
 * String transcoding between JS strings and linear memory in the three
 * canonical encodings (CanonicalABI.md § Loading, § Storing).
 *
 * A JS string is UTF-16, so lowering follows the spec's paths for a source
 * string in the `utf16` encoding whose code units are the string's length.
 *
 * @module
 */
import { Trap } from "./errors.ts";
import type { LiftLowerContext } from "./context.ts";
import { MAX_STRING_BYTE_LENGTH } from "./layout.ts";

/** CanonicalABI.md § Loading: the tag of a UTF-16 length in `latin1+utf16`. */
export const UTF16_TAG = 0x8000_0000;

const encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
const utf16Decoder = new TextDecoder("utf-16le", { fatal: true });

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
  if (byteLength > MAX_STRING_BYTE_LENGTH) {
    throw new Trap(
      `string byte length ${byteLength} exceeds the maximum ${MAX_STRING_BYTE_LENGTH}`,
    );
  }
  if (align === 2) cx.checkAlign(ptr, 2, "string");
  cx.checkBounds(ptr, byteLength, "string");
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
    return decodeOrTrap(utf8Decoder, bytes, "utf-8");
  }
  return decodeOrTrap(utf16Decoder, bytes, "utf-16");
}

function decodeOrTrap(decoder: TextDecoder, bytes: Uint8Array, name: string): string {
  try {
    return decoder.decode(bytes);
  } catch (e) {
    throw new Trap(`invalid ${name} string in memory`, { cause: e });
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
 * CanonicalABI.md § Storing (`store_string_into_range`) for a JS string.
 * Returns the pointer and leaves the tagged code units in
 * {@linkcode storedLength}, so no pair is allocated per string.
 */
export function storeStringIntoRange(cx: LiftLowerContext, s: string): number {
  switch (cx.encoding) {
    case "utf8":
      return storeUtf16ToUtf8(cx, s);
    case "utf16":
      return storeStringCopyUtf16(cx, s);
    default:
      return storeStringToLatin1OrUtf16(cx, s);
  }
}

/** The tagged code units of the last {@linkcode storeStringIntoRange}. */
export let storedLength = 0;

/** CanonicalABI.md § Storing (`store_utf16_to_utf8`, via `store_string_to_utf8`). */
function storeUtf16ToUtf8(cx: LiftLowerContext, s: string): number {
  const n = s.length;
  let ptr = cx.allocate(1, n);
  cx.checkBounds(ptr, n, "string");
  const { read, written } = encoder.encodeInto(s, cx.u8.subarray(ptr, ptr + n));
  if (read === n) {
    // Every code unit took one byte: the string is ASCII and fits exactly.
    storedLength = written;
    return ptr;
  }
  const worst = 3 * n;
  ptr = cx.reallocate(ptr, n, 1, worst);
  cx.checkBounds(ptr, worst, "string");
  const total = encoder.encodeInto(s, cx.u8.subarray(ptr, ptr + worst)).written;
  if (worst > total) {
    ptr = cx.reallocate(ptr, worst, 1, total);
    cx.checkBounds(ptr, total, "string");
  }
  storedLength = total;
  return ptr;
}

/** CanonicalABI.md § Storing (`store_string_copy` to UTF-16). */
function storeStringCopyUtf16(cx: LiftLowerContext, s: string): number {
  const n = s.length;
  const ptr = cx.allocate(2, 2 * n);
  cx.checkAlign(ptr, 2, "string");
  cx.checkBounds(ptr, 2 * n, "string");
  writeUtf16(cx, s, ptr);
  storedLength = n;
  return ptr;
}

function writeUtf16(cx: LiftLowerContext, s: string, ptr: number): void {
  const dv = cx.dv;
  for (let i = 0; i < s.length; i++) dv.setUint16(ptr + 2 * i, s.charCodeAt(i), true);
}

/** CanonicalABI.md § Storing (`store_string_to_latin1_or_utf16`). */
function storeStringToLatin1OrUtf16(cx: LiftLowerContext, s: string): number {
  const n = s.length;
  let ptr = cx.allocate(2, n);
  cx.checkAlign(ptr, 2, "string");
  cx.checkBounds(ptr, n, "string");
  let latin1 = true;
  for (let i = 0; i < n; i++) {
    if (s.charCodeAt(i) > 0xff) {
      latin1 = false;
      break;
    }
  }
  if (latin1) {
    const u8 = cx.u8;
    for (let i = 0; i < n; i++) u8[ptr + i] = s.charCodeAt(i);
    storedLength = n;
    return ptr;
  }
  // The spec writes the Latin-1 prefix first and inflates it after growing;
  // writing the whole string as UTF-16 after the reallocation stores the same bytes.
  const worst = 2 * n;
  ptr = cx.reallocate(ptr, n, 2, worst);
  cx.checkAlign(ptr, 2, "string");
  cx.checkBounds(ptr, worst, "string");
  writeUtf16(cx, s, ptr);
  storedLength = (n | UTF16_TAG) >>> 0;
  return ptr;
}
