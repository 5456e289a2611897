/**
 * Seeded mutation of binaries for fuzz tests: the decoder's own fuzz test
 * and `Component.compile`'s reuse {@linkcode mutate}. Test helper, not part
 * of the package's API.
 *
 * @module
 */

/** A deterministic pseudo-random source. */
export interface Rng {
  /** A float in `[0, 1)`. */
  next(): number;
  /** An integer in `[0, n)` (`0` when `n <= 0`). */
  int(n: number): number;
}

/** Creates a deterministic {@linkcode Rng} (mulberry32) from a 32-bit seed. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return { next, int: (n) => (n <= 0 ? 0 : Math.floor(next() * n)) };
}

// Bytes that sit on decoding boundaries: LEB continuation, type codes, flags.
const INTERESTING = [0x00, 0x01, 0x02, 0x3f, 0x40, 0x41, 0x42, 0x63, 0x70, 0x7f, 0x80, 0xff];

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = rng.int(2) === 0 ? rng.int(256) : INTERESTING[rng.int(INTERESTING.length)] ?? 0;
  }
  return out;
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  at = Math.min(at, bytes.length);
  remove = Math.min(remove, bytes.length - at);
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

/** The names of the mutations {@linkcode mutate} applies, for reports. */
export const MUTATIONS = [
  "flip-bits",
  "set-byte",
  "truncate",
  "insert-random",
  "duplicate-range",
  "remove-range",
  "overlong-leb",
] as const;

/** One mutation step; returns a new array and leaves `bytes` untouched. */
function mutateOnce(bytes: Uint8Array, rng: Rng): Uint8Array {
  const len = bytes.length;
  const at = rng.int(len + 1);
  switch (MUTATIONS[rng.int(MUTATIONS.length)]) {
    case "flip-bits": {
      const out = bytes.slice();
      const flips = 1 + rng.int(4);
      for (let i = 0; i < flips && len > 0; i++) {
        const p = rng.int(len);
        out[p] = (out[p] ?? 0) ^ (1 << rng.int(8));
      }
      return out;
    }
    case "set-byte": {
      if (len === 0) return bytes.slice();
      const out = bytes.slice();
      out[rng.int(len)] = INTERESTING[rng.int(INTERESTING.length)] ?? 0;
      return out;
    }
    case "truncate":
      return bytes.slice(0, rng.int(len));
    case "insert-random":
      return splice(bytes, at, 0, randomBytes(rng, 1 + rng.int(16)));
    case "duplicate-range": {
      const from = rng.int(len);
      const size = 1 + rng.int(Math.min(64, Math.max(1, len - from)));
      return splice(bytes, at, 0, bytes.slice(from, from + size));
    }
    case "remove-range":
      return splice(
        bytes,
        Math.min(at, len),
        Math.min(1 + rng.int(16), len - Math.min(at, len)),
        new Uint8Array(),
      );
    case "overlong-leb":
      // A maximal or over-long LEB128: exercises size/count overflow checks.
      return splice(
        bytes,
        at,
        rng.int(2),
        rng.int(2) === 0
          ? Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f)
          : Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
      );
    default:
      return bytes.slice();
  }
}

/**
 * Returns a mutated copy of `bytes`: one to three seeded mutations (bit
 * flips, interesting bytes, truncation, inserted random bytes, duplicated or
 * removed ranges, over-long LEB128s). The same `rng` state gives the same output.
 *
 * @example Usage
 * ```ts ignore
 * const rng = createRng(42);
 * const mutated = mutate(componentBytes, rng);
 * ```
 */
export function mutate(bytes: Uint8Array, rng: Rng): Uint8Array {
  let out = bytes;
  const steps = 1 + rng.int(3);
  for (let i = 0; i < steps; i++) out = mutateOnce(out, rng);
  return out === bytes ? bytes.slice() : out;
}
