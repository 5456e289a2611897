/**
 * The conformance runner: finds the `.wast` scripts of both suites, skips
 * what Weft does not support yet (with a reason), runs the rest in workers
 * with a time limit, prints counts per folder, and compares the failures
 * with `expected_failures.json`.
 *
 * @module
 */
import {
  compareWithExpectations,
  type ExpectationReport,
  type Expectations,
  type KeyedOutcome,
  loadExpectations,
  saveExpectations,
  updateExpectations,
} from "./expectations.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";
import type { AssertionResult } from "./script.ts";
import { coreFeatureGaps, skipReason } from "./skips.ts";
import { type Directive, parseScript } from "./wast.ts";
import { type List, parseSExprs } from "./sexpr.ts";

/** The two suites, by folder name under the conformance root. */
export const SUITES: readonly string[] = ["component-model", "wasmtime"];

const REPO_ROOT = new URL("../../", import.meta.url);

/** Options of {@linkcode runConformance}. */
export interface ConformanceOptions {
  /** The conformance folder; default `../shared/conformance` from the repo root. */
  readonly root?: string | URL;
  /** The list of known failures; default `expected_failures.json` beside this file. */
  readonly expectationsPath?: string | URL;
  /** Run only scripts whose `<suite>/<path>` contains this. */
  readonly filter?: string;
  /** Print nothing but problems (regressions, list out of date). */
  readonly quiet?: boolean;
  /** Print every failing assertion. */
  readonly verbose?: boolean;
  /** Rewrite the list of known failures from this run. */
  readonly update?: boolean;
  /** Also write per-file counts as JSON here. */
  readonly json?: string;
  /** Workers running scripts at once (default 2). */
  readonly jobs?: number;
  /** Time limit per awaited step, in ms (default 10 000); a script stalled for longer is stopped. */
  readonly timeoutMs?: number;
  /** Fail, rather than note, mismatched messages of assert_invalid/malformed/unlinkable. */
  readonly strictMessages?: boolean;
  /**
   * Run the scripts that would be skipped too (to measure work on a missing
   * feature); cannot be combined with `update`.
   */
  readonly noSkip?: boolean;
  /** Where output lines go (default `console.log`). */
  readonly log?: (line: string) => void;
}

/** The outcome of one script. */
export interface FileResult {
  /** `component-model` or `wasmtime`. */
  readonly suite: string;
  /** Path relative to the suite folder. */
  readonly path: string;
  /** Passed assertions. */
  passed: number;
  /** Failed assertions. */
  failed: number;
  /** Skipped assertions. */
  skipped: number;
  /** Why the whole script was skipped. */
  readonly reason?: string;
  /** Each directive's result, in order (empty for a skipped script). */
  readonly assertions: RecordedAssertion[];
}

/** A directive's result with a short rendering of the directive. */
export interface RecordedAssertion extends AssertionResult {
  /** The directive's source, whitespace collapsed, cut to about 100 characters. */
  readonly directive: string;
}

/** What {@linkcode runConformance} returns. */
export interface ConformanceResult {
  /** `false` when the conformance folder does not exist (all counts are zero). */
  readonly found: boolean;
  /** Passed assertions. */
  readonly passed: number;
  /** Failed assertions, expected or not. */
  readonly failed: number;
  /** Skipped assertions. */
  readonly skipped: number;
  /** Failed assertions listed in `expected_failures.json`. */
  readonly expectedFailures: number;
  /** Problems that fail the run: regressions, plus listed entries that pass or vanished. */
  readonly unexpected: number;
  /** How the run compares with the list. */
  readonly report: ExpectationReport;
  /** Per-script outcomes. */
  readonly files: readonly FileResult[];
}

interface Job {
  readonly suite: string;
  readonly path: string;
  readonly file: string;
  readonly directives: readonly Directive[];
  readonly result: FileResult;
}

/** Runs the suites. Never throws for a failing guest; returns the counts. */
export async function runConformance(options: ConformanceOptions = {}): Promise<ConformanceResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  if (options.noSkip && options.update) {
    throw new TypeError("Cannot update expected_failures.json from a run with skipping turned off");
  }
  const root = toPath(options.root ?? new URL("../shared/conformance/", REPO_ROOT));
  const expectationsPath = options.expectationsPath ??
    new URL("./expected_failures.json", import.meta.url);
  const emptyReport: ExpectationReport = {
    expected: [],
    regressions: [],
    nowPassing: [],
    stale: [],
    skipped: [],
  };
  if (!(await isDirectory(root))) {
    log("conformance: ../shared/conformance not found, skipping");
    return {
      found: false,
      passed: 0,
      failed: 0,
      skipped: 0,
      expectedFailures: 0,
      unexpected: 0,
      report: emptyReport,
      files: [],
    };
  }

  const coreGaps = coreFeatureGaps();
  const jobs: Job[] = [];
  const files: FileResult[] = [];
  for (const suite of SUITES) {
    for (const path of await listScripts(`${root}/${suite}`)) {
      if (options.filter !== undefined && !`${suite}/${path}`.includes(options.filter)) continue;
      const file = `${root}/${suite}/${path}`;
      const source = await Deno.readTextFile(file);
      let directives: readonly Directive[];
      let forms: List[];
      try {
        forms = parseSExprs(source);
        directives = parseScript(source, forms).directives;
      } catch (error) {
        // An unreadable script is one failed assertion.
        const result: FileResult = {
          suite,
          path,
          passed: 0,
          failed: 1,
          skipped: 0,
          assertions: [{
            line: 1,
            kind: "script",
            status: "failed",
            message: String(error),
            directive: "(script)",
          }],
        };
        files.push(result);
        continue;
      }
      const reason = options.noSkip ? undefined : skipReason({ path, source, forms }, coreGaps);
      if (reason !== undefined) {
        files.push({
          suite,
          path,
          passed: 0,
          failed: 0,
          skipped: directives.length,
          reason,
          assertions: [],
        });
        continue;
      }
      const result: FileResult = { suite, path, passed: 0, failed: 0, skipped: 0, assertions: [] };
      files.push(result);
      jobs.push({ suite, path, file, directives, result });
    }
  }

  // One clear line when the runtime itself does not load (each script then fails).
  if (jobs.length > 0) {
    try {
      await import("@weft/runtime");
    } catch (error) {
      log(`conformance: cannot load @weft/runtime: ${oneLine(String(error))}`);
    }
  }

  await runJobs(jobs, {
    jobs: Math.max(1, options.jobs ?? 2),
    timeoutMs: options.timeoutMs ?? 10_000,
    strictMessages: options.strictMessages ?? false,
  });

  // Outcomes by key; two directives on one line get `#2`, `#3`, … suffixes.
  const outcomes: KeyedOutcome[] = [];
  const failures: { key: string; a: RecordedAssertion; file: FileResult }[] = [];
  for (const file of files) {
    const seen = new Map<number, number>();
    for (const a of file.assertions) {
      const n = (seen.get(a.line) ?? 0) + 1;
      seen.set(a.line, n);
      const key = `${file.suite}/${file.path}:${a.line}${n > 1 ? `#${n}` : ""}`;
      outcomes.push(
        a.message === undefined
          ? { key, status: a.status }
          : { key, status: a.status, message: a.message },
      );
      if (a.status === "failed") failures.push({ key, a, file });
    }
  }
  const ran = new Set(
    files.filter((f) => f.reason === undefined).map((f) => `${f.suite}/${f.path}`),
  );
  const expectations: Expectations = await loadExpectations(expectationsPath);
  const report = compareWithExpectations(outcomes, expectations, { ran });

  const totals = { passed: 0, failed: 0, skipped: 0 };
  for (const f of files) {
    totals.passed += f.passed;
    totals.failed += f.failed;
    totals.skipped += f.skipped;
  }

  if (!options.quiet) {
    for (const line of folderLines(files)) log(line);
    log(`total: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
    const differing = files.flatMap((f) => f.assertions).filter((a) =>
      a.note?.startsWith("message differs")
    );
    if (differing.length > 0 && !options.strictMessages) {
      log(
        `conformance: ${differing.length} passing rejections (invalid/malformed/unlinkable) ` +
          `have a message unlike Wasmtime's (--strict-messages fails them, --verbose lists them)`,
      );
    }
  }
  if (options.verbose) {
    for (const file of files) {
      for (const a of file.assertions) {
        if (a.note !== undefined) {
          log(`NOTE ${file.suite}/${file.path}:${a.line} ${a.kind}: ${oneLine(a.note)}`);
        }
      }
    }
    for (const { key, a } of failures) {
      const listed = Object.hasOwn(expectations, key) ? " (known)" : "";
      log(`FAIL ${key}${listed} ${a.directive}\n  ${oneLine(a.message ?? "")}`);
    }
  }

  let unexpected = report.regressions.length + report.nowPassing.length + report.stale.length;
  if (options.update) {
    await saveExpectations(expectationsPath, updateExpectations(outcomes, expectations, { ran }));
    log(
      `conformance: wrote ${toPath(expectationsPath)} (${
        report.expected.length + report.regressions.length
      } known failures)`,
    );
    unexpected = 0;
  } else {
    const byKey = new Map(failures.map((f) => [f.key, f.a]));
    const shown = options.verbose ? Infinity : 50;
    for (const key of report.regressions.slice(0, shown)) {
      const a = byKey.get(key);
      log(`REGRESSION ${key} ${a?.kind ?? ""}: ${oneLine(a?.message ?? "")}`);
    }
    if (report.regressions.length > shown) {
      log(`… and ${report.regressions.length - shown} more regressions (--verbose lists all)`);
    }
    for (const key of report.nowPassing) {
      log(`now passing, run with --update to shrink the list: ${key}`);
    }
    for (const key of report.stale) {
      log(`listed but no such assertion any more, run with --update: ${key}`);
    }
    if (report.regressions.length > 0) {
      log(
        `conformance: ${report.regressions.length} failing assertions are not in expected_failures.json`,
      );
    }
  }
  if (report.skipped.length > 0 && !options.quiet) {
    log(`conformance: ${report.skipped.length} listed assertions were skipped in this run`);
  }

  if (options.json !== undefined) {
    const data = {
      files: files.map((f) => ({
        suite: f.suite,
        path: f.path,
        passed: f.passed,
        failed: f.failed,
        skipped: f.skipped,
        ...(f.reason === undefined ? {} : { reason: f.reason }),
      })),
    };
    await Deno.writeTextFile(options.json, `${JSON.stringify(data, null, 2)}\n`);
  }

  return {
    found: true,
    ...totals,
    expectedFailures: report.expected.length,
    unexpected,
    report,
    files,
  };
}

/** `<suite>/<folder>: N passed, N failed, N skipped` lines, in path order. */
export function folderLines(files: readonly FileResult[]): string[] {
  const folders = new Map<string, { passed: number; failed: number; skipped: number }>();
  for (const f of files) {
    const slash = f.path.lastIndexOf("/");
    const folder = slash === -1 ? f.suite : `${f.suite}/${f.path.slice(0, slash)}`;
    const c = folders.get(folder) ?? { passed: 0, failed: 0, skipped: 0 };
    c.passed += f.passed;
    c.failed += f.failed;
    c.skipped += f.skipped;
    folders.set(folder, c);
  }
  return [...folders.keys()].sort().map((k) => {
    const c = folders.get(k)!;
    return `${k}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;
  });
}

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " | ");
}

function toPath(p: string | URL): string {
  return p instanceof URL
    ? decodeURIComponent(p.pathname).replace(/\/$/, "")
    : p.replace(/\/$/, "");
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** `.wast` files under `dir`, relative, sorted. */
async function listScripts(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  if (!(await isDirectory(dir))) return out;
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) entries.push(e);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.isDirectory) out.push(...await listScripts(`${dir}/${e.name}`, `${prefix}${e.name}/`));
    else if (e.isFile && e.name.endsWith(".wast")) out.push(`${prefix}${e.name}`);
  }
  return out;
}

interface PoolOptions {
  readonly jobs: number;
  readonly timeoutMs: number;
  readonly strictMessages: boolean;
}

/**
 * Runs jobs on a pool of workers. A worker that reports nothing for the time
 * limit plus a margin (a guest spinning in a loop cannot be interrupted
 * otherwise) is terminated: the directive it was on fails as timed out, the
 * rest of that script fails as not run, and a fresh worker takes the next job.
 */
async function runJobs(jobs: readonly Job[], options: PoolOptions): Promise<void> {
  if (jobs.length === 0) return;
  const queue = [...jobs];
  let nextId = 0;
  const stallMs = options.timeoutMs + Math.min(5_000, options.timeoutMs);
  // A fresh worker first loads the runtime and the text parser.
  const startupMs = 30_000;

  const record = (job: Job, index: number, result: AssertionResult): void => {
    if (job.result.assertions[index] !== undefined) return;
    const d = job.directives[index];
    const directive = d === undefined ? "" : shorten(d.text, 100);
    job.result.assertions[index] = { ...result, directive };
    job.result[result.status]++;
  };
  const failRest = (job: Job, from: number, message: string): void => {
    for (let i = from; i < job.directives.length; i++) {
      const d = job.directives[i]!;
      record(job, i, { line: d.line, kind: d.kind, status: "failed", message });
    }
  };

  const lane = async (): Promise<void> => {
    let worker: Worker | undefined;
    while (queue.length > 0) {
      const job = queue.shift()!;
      worker ??= new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
      const w = worker;
      const id = nextId++;
      const outcome = await new Promise<"done" | "stalled">((resolve) => {
        let current = -1;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const arm = (ms = stallMs): void => {
          clearTimeout(timer);
          timer = setTimeout(() => {
            cleanup();
            const d = job.directives[current];
            if (d !== undefined) {
              record(job, current, {
                line: d.line,
                kind: d.kind,
                status: "failed",
                message: `timed out: no progress for ${stallMs} ms (worker stopped)`,
              });
            }
            failRest(
              job,
              current + 1,
              `not run: the script was stopped after a timeout on line ${d?.line ?? "?"}`,
            );
            resolve("stalled");
          }, ms);
        };
        const onMessage = (event: MessageEvent<FromWorker>): void => {
          const m = event.data;
          if (m.type === "ready") return;
          if (m.id !== id) return;
          arm();
          if (m.type === "start") current = m.index;
          else if (m.type === "result") record(job, m.index, m.result);
          else {
            if (m.type === "fatal") failRest(job, 0, `cannot run the script: ${m.error}`);
            cleanup();
            resolve("done");
          }
        };
        const onError = (event: ErrorEvent): void => {
          event.preventDefault();
          cleanup();
          failRest(job, 0, `the worker crashed: ${event.message}`);
          resolve("stalled");
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          w.removeEventListener("message", onMessage);
          w.removeEventListener("error", onError);
        };
        w.addEventListener("message", onMessage);
        w.addEventListener("error", onError);
        arm(stallMs + startupMs);
        const message: ToWorker = {
          id,
          suite: job.suite,
          file: job.file,
          timeoutMs: options.timeoutMs,
          strictMessages: options.strictMessages,
        };
        w.postMessage(message);
      });
      // Directives the worker never reported (it should not happen) still count.
      failRest(job, 0, "not run: the worker did not report this directive");
      if (outcome === "stalled") {
        worker.terminate();
        worker = undefined;
      }
    }
    worker?.terminate();
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, jobs.length) }, lane));
}
