// Helpers of the workers tests.
import { fixture } from "../../scripts/fixtures.ts";

/** The pool test component's binary. */
export function poolComponent(): Promise<Uint8Array> {
  return fixture(new URL("./testdata/pool.wat", import.meta.url));
}

/** The pool tests' imports module. */
export const HOST_IMPORTS: URL = new URL("./testdata/host_imports.ts", import.meta.url);

/** Fails (instead of hanging the test run) if `promise` does not settle within `ms`. */
export async function bounded<T>(promise: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Test wait exceeded ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `condition` every few milliseconds until it holds (bounded). */
export async function until(condition: () => boolean, what: string, ms = 30_000): Promise<void> {
  await bounded(
    (async () => {
      while (!condition()) await new Promise((r) => setTimeout(r, 5));
    })(),
    what,
    ms,
  );
}

/** The outcome of a promise, for assertions that take either. */
export async function settle<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: Error }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error: error as Error };
  }
}

/** A small deterministic PRNG (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
