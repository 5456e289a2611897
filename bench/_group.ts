/**
 * The shape of a benchmark group: `scripts/bench/compare.ts` runs every file
 * in `bench/groups/` whose `setup` returns one of these, and the `Deno.bench`
 * suites register the same cases. A later issue adds a group by adding a file.
 *
 * @module
 */

/** One operation to time; a returned Promise is awaited. */
export type Op = () => unknown;

/** One benchmark case: the same work done through each path. */
export interface BenchCase {
  /** The case name in the results table and JSON (`u32-add`). */
  readonly name: string;
  /** Hand-written minimal JS glue over the same core module: the physical limit. */
  readonly floor?: Op;
  /** Weft. */
  readonly weft: Op;
  /** jco-transpile 0.12.0's generated glue. */
  readonly jco?: Op;
  /** jco 1.9.1's generated glue. */
  readonly jco191?: Op;
  /** How many operations one call of an `Op` does (a guest loop of import calls); default 1. */
  readonly opsPerCall?: number;
}

/** A set-up group: its cases and how to release what they hold. */
export interface BenchGroup {
  /** The cases, in table order. */
  readonly cases: readonly BenchCase[];
  /** Releases temporary files and the like. */
  dispose(): Promise<void>;
}

/** What a file in `bench/groups/` exports as `setup`. */
export type GroupSetup = () => Promise<BenchGroup>;

/** The paths a case can be run through, in table order. */
export const PATHS = ["floor", "weft", "jco", "jco191"] as const;

/** One of {@linkcode PATHS}. */
export type PathName = typeof PATHS[number];

/**
 * An op that calls `fn(...args)`, compiled as a function of its own (with
 * `new Function`, in the benchmark only): closures made from one shared
 * literal would share the JIT's call-site feedback across every case and
 * path, so whichever ran first would slow down the others.
 */
export function callOp(fn: (...args: unknown[]) => unknown, args: readonly unknown[]): Op {
  const names = args.map((_, i) => `a${i}`);
  const make = new Function("f", ...names, `return () => f(${names.join(", ")});`) as (
    f: (...args: unknown[]) => unknown,
    ...args: unknown[]
  ) => Op;
  return make(fn, ...args);
}
