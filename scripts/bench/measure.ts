/**
 * Interleaved timing for `compare.ts`: every path of a case is timed in the
 * same process, in round-robin batches (the starting path rotates each round)
 * so that machine noise, GC and frequency changes fall on all paths alike.
 * The statistic is the median of the batch means.
 *
 * @module
 */
import type { Op } from "../../bench/_group.ts";

/** Options for {@linkcode measureInterleaved}. */
export interface MeasureOptions {
  /** Rounds of batches (one batch per path per round); default 15. */
  readonly rounds?: number;
  /** Target duration of one batch in milliseconds; default 10. */
  readonly batchMs?: number;
  /** Operations one call of an op does; default 1. */
  readonly opsPerCall?: number;
}

type Loop = (f: Op, n: number) => unknown;

/** A sink for results, so that no call can be optimised away. */
export let sink: unknown;

// A fresh loop function per path keeps each call site monomorphic: the
// harness then adds the same few nanoseconds to every path.
function syncLoop(): Loop {
  return new Function("f", "n", "let r; for (let i = 0; i < n; i++) r = f(); return r;") as Loop;
}

function asyncLoop(): Loop {
  const AsyncFunction = (async () => {}).constructor as FunctionConstructor;
  return new AsyncFunction(
    "f",
    "n",
    "let r; for (let i = 0; i < n; i++) r = await f(); return r;",
  ) as Loop;
}

function isThenable(v: unknown): boolean {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs `loop` `n` times over `f`, returning elapsed milliseconds. */
async function timeBatch(loop: Loop, f: Op, n: number): Promise<number> {
  const t0 = performance.now();
  const r = loop(f, n);
  sink = isThenable(r) ? await r : r;
  return performance.now() - t0;
}

/**
 * Times every op in `ops` (keyed by path) interleaved; returns ns per
 * operation for each path: the median over rounds of each batch's mean.
 */
export async function measureInterleaved(
  ops: Readonly<Record<string, Op>>,
  options: MeasureOptions = {},
): Promise<Record<string, number>> {
  const rounds = options.rounds ?? 15;
  const batchMs = options.batchMs ?? 10;
  const opsPerCall = options.opsPerCall ?? 1;
  const names = Object.keys(ops);
  const paths = [];
  for (const name of names) {
    const f = ops[name]!;
    // The probe call must end before timing starts: an op may hold resources.
    const probe = f();
    const thenable = isThenable(probe);
    if (thenable) await probe;
    paths.push({
      name,
      f,
      loop: thenable ? asyncLoop() : syncLoop(),
      n: 1,
      samples: [] as number[],
    });
  }
  // Warm up and calibrate: double the batch until it takes a tenth of the target,
  // then scale to the target; this also gets every path through the JIT tiers.
  for (const p of paths) {
    for (;;) {
      const ms = await timeBatch(p.loop, p.f, p.n);
      if (ms >= batchMs / 10 || p.n >= 1 << 24) {
        p.n = Math.max(1, Math.round(p.n * batchMs / Math.max(ms, 1e-3)));
        break;
      }
      p.n *= 2;
    }
    await timeBatch(p.loop, p.f, p.n);
  }
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < paths.length; k++) {
      const p = paths[(r + k) % paths.length]!;
      const ms = await timeBatch(p.loop, p.f, p.n);
      p.samples.push(ms * 1e6 / (p.n * opsPerCall));
    }
  }
  const out: Record<string, number> = {};
  for (const p of paths) out[p.name] = median(p.samples);
  return out;
}
