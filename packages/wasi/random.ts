// wasi:random random, insecure and insecure-seed (random/wit/*.wit).

// A list<u8> result must be lowered into a guest's memory; a request this big
// is a hostile or broken guest, and answering it could exhaust the host.
const MAX_RANDOM_BYTES = 1 << 26;
// crypto.getRandomValues fills at most 65536 bytes per call.
const CHUNK = 65536;

function byteCount(len: bigint): number {
  if (len < 0n || len > BigInt(MAX_RANDOM_BYTES)) {
    throw new RangeError(
      `Cannot produce ${len} random bytes: at most ${MAX_RANDOM_BYTES} per call`,
    );
  }
  return Number(len);
}

/** Fills a new array of `len` bytes from `crypto.getRandomValues`. */
function secureBytes(len: bigint): Uint8Array {
  const out = new Uint8Array(byteCount(len));
  for (let i = 0; i < out.length; i += CHUNK) crypto.getRandomValues(out.subarray(i, i + CHUNK));
  return out;
}

/** `wasi:random/random`: cryptographically secure bytes (Web Crypto). */
export function randomInterface(): {
  getRandomBytes(len: bigint): Uint8Array;
  getRandomU64(): bigint;
} {
  return {
    getRandomBytes: secureBytes,
    getRandomU64: () => new BigUint64Array(crypto.getRandomValues(new Uint32Array(2)).buffer)[0]!,
  };
}

/** `wasi:random/insecure`: fast bytes from xorshift128+, seeded from Web Crypto. */
export function insecureInterface(): {
  getInsecureRandomBytes(len: bigint): Uint8Array;
  getInsecureRandomU64(): bigint;
} {
  const state = crypto.getRandomValues(new BigUint64Array(2));
  if (state[0] === 0n && state[1] === 0n) state[0] = 1n;
  const next = (): bigint => {
    // xorshift128+ (Vigna); fine for hash seeds and shuffles, never for secrets.
    let s1 = state[0]!;
    const s0 = state[1]!;
    state[0] = s0;
    s1 ^= (s1 << 23n) & 0xffff_ffff_ffff_ffffn;
    state[1] = s1 ^ s0 ^ (s1 >> 17n) ^ (s0 >> 26n);
    return (state[1]! + s0) & 0xffff_ffff_ffff_ffffn;
  };
  return {
    getInsecureRandomBytes: (len) => {
      const out = new Uint8Array(byteCount(len));
      const view = new DataView(out.buffer);
      let i = 0;
      for (; i + 8 <= out.length; i += 8) view.setBigUint64(i, next(), true);
      if (i < out.length) {
        let v = next();
        for (; i < out.length; i++, v >>= 8n) out[i] = Number(v & 0xffn);
      }
      return out;
    },
    getInsecureRandomU64: next,
  };
}

/** `wasi:random/insecure-seed`: one seed per WASI host, the same on every call. */
export function insecureSeedInterface(): { insecureSeed(): [bigint, bigint] } {
  const seed = crypto.getRandomValues(new BigUint64Array(2));
  return { insecureSeed: () => [seed[0]!, seed[1]!] };
}
