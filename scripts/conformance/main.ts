/**
 * `deno task conformance [options]`: runs the component-model and Wasmtime
 * `.wast` suites from `../shared/conformance` against `@weft/runtime`.
 *
 * Options:
 * - `--filter SUBSTR`: only scripts whose `<suite>/<path>` contains SUBSTR
 * - `--verbose`: print every failing assertion (file:line, directive, expected vs got)
 * - `--json FILE`: write per-file counts as JSON
 * - `--update`: rewrite `expected_failures.json` from this run
 * - `--jobs N`: workers at once (default 2)
 * - `--timeout MS`: time limit per step (default 10000)
 * - `--strict-messages`: fail on mismatched assert_invalid/malformed/unlinkable messages
 * - `--no-skip`: also run the scripts that are skipped (e.g. async), to measure a feature's progress
 *
 * Exits 1 when an assertion fails that `expected_failures.json` does not
 * list, or a listed one passes now.
 *
 * @module
 */
import { type ConformanceOptions, runConformance } from "./run.ts";

/** Parses the command line into runner options. Throws `TypeError` for a bad argument. */
export function parseArgs(args: readonly string[]): ConformanceOptions {
  const options: {
    -readonly [K in keyof ConformanceOptions]: ConformanceOptions[K];
  } = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new TypeError(`Cannot read ${arg}: it needs a value`);
      return v;
    };
    const number = (): number => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) {
        throw new TypeError(`Cannot read ${arg}: expected a positive integer, received "${v}"`);
      }
      return n;
    };
    switch (arg) {
      case "--filter":
        options.filter = value();
        break;
      case "--json":
        options.json = value();
        break;
      case "--verbose":
      case "-v":
        options.verbose = true;
        break;
      case "--quiet":
        options.quiet = true;
        break;
      case "--update":
        options.update = true;
        break;
      case "--jobs":
        options.jobs = number();
        break;
      case "--timeout":
        options.timeoutMs = number();
        break;
      case "--strict-messages":
        options.strictMessages = true;
        break;
      case "--no-skip":
        options.noSkip = true;
        break;
      default:
        throw new TypeError(`Cannot read argument "${arg}": unknown option`);
    }
  }
  if (options.noSkip && options.update) {
    throw new TypeError("Cannot combine --no-skip with --update");
  }
  return options;
}

if (import.meta.main) {
  let options: ConformanceOptions;
  try {
    options = parseArgs(Deno.args);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(2);
  }
  const result = await runConformance(options);
  Deno.exit(result.unexpected === 0 ? 0 : 1);
}
