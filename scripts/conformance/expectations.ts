/**
 * The committed list of known failing assertions (`expected_failures.json`):
 * keys `"<suite>/<path>:<line>"`, values a reason a person may edit. A run
 * fails on a failure not listed (a regression) and on a listed assertion
 * that passes now (the list must shrink).
 *
 * @module
 */

/** Known failures: key → reason. */
export type Expectations = Record<string, string>;

/** The outcome of one assertion, by key, as {@linkcode compareWithExpectations} needs it. */
export interface KeyedOutcome {
  /** `"<suite>/<path>:<line>"`. */
  readonly key: string;
  /** The assertion's status. */
  readonly status: "passed" | "failed" | "skipped";
  /** The failure message (default reason for a new entry). */
  readonly message?: string;
}

/** How a run compares with the list. */
export interface ExpectationReport {
  /** Failing and listed. */
  readonly expected: string[];
  /** Failing, not listed. */
  readonly regressions: string[];
  /** Listed, passing now. */
  readonly nowPassing: string[];
  /** Listed for a script that ran, but no assertion has that key any more. */
  readonly stale: string[];
  /** Listed, skipped in this run. */
  readonly skipped: string[];
}

/** Reads the list; a missing file is an empty list. Throws `SyntaxError` for a malformed one. */
export async function loadExpectations(path: string | URL): Promise<Expectations> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw error;
  }
  const data: unknown = JSON.parse(text);
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new SyntaxError(`Cannot read ${path}: expected an object of "key": "reason"`);
  }
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== "string") {
      throw new SyntaxError(`Cannot read ${path}: the reason of "${key}" is not a string`);
    }
  }
  return data as Expectations;
}

/** Which scripts a run covered: `"<suite>/<path>"` of every script that ran. */
export interface RunScope {
  /** The scripts that ran (not skipped, not filtered out). */
  readonly ran: ReadonlySet<string>;
}

/**
 * Compares outcomes with the list. Only listed keys of scripts that ran are
 * judged, so a filtered run judges only its part.
 */
export function compareWithExpectations(
  outcomes: readonly KeyedOutcome[],
  expectations: Readonly<Expectations>,
  scope: RunScope,
): ExpectationReport {
  const ranScripts = scope.ran;
  const report: ExpectationReport = {
    expected: [],
    regressions: [],
    nowPassing: [],
    stale: [],
    skipped: [],
  };
  const byKey = new Map<string, KeyedOutcome>();
  for (const o of outcomes) {
    byKey.set(o.key, o);
    if (o.status !== "failed") continue;
    if (Object.hasOwn(expectations, o.key)) report.expected.push(o.key);
    else report.regressions.push(o.key);
  }
  for (const key of Object.keys(expectations)) {
    if (!ranScripts.has(scriptOfKey(key))) continue;
    const o = byKey.get(key);
    if (o === undefined) report.stale.push(key);
    else if (o.status === "passed") report.nowPassing.push(key);
    else if (o.status === "skipped") report.skipped.push(key);
  }
  return report;
}

/** The `"<suite>/<path>"` part of a key. */
export function scriptOfKey(key: string): string {
  const colon = key.lastIndexOf(":");
  return colon === -1 ? key : key.slice(0, colon);
}

/**
 * The updated list: every failing assertion of the scripts that ran (keeping
 * the reason of entries still failing), plus the untouched entries of
 * scripts that did not run.
 */
export function updateExpectations(
  outcomes: readonly KeyedOutcome[],
  expectations: Readonly<Expectations>,
  scope: RunScope,
): Expectations {
  const ranScripts = scope.ran;
  const next: Expectations = {};
  for (const [key, reason] of Object.entries(expectations)) {
    if (!ranScripts.has(scriptOfKey(key))) next[key] = reason;
  }
  for (const o of outcomes) {
    if (o.status !== "failed") continue;
    next[o.key] = Object.hasOwn(expectations, o.key)
      ? expectations[o.key]!
      : defaultReason(o.message ?? "failed");
  }
  return sortKeys(next);
}

/** The observed error, trimmed, as a new entry's reason. */
export function defaultReason(message: string): string {
  const line = message.split("\n")[0]!.trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** Orders keys by script, then by line number. */
function sortKeys(list: Expectations): Expectations {
  const keys = Object.keys(list).sort((a, b) => {
    const sa = scriptOfKey(a);
    const sb = scriptOfKey(b);
    if (sa !== sb) return sa < sb ? -1 : 1;
    return lineOfKey(a) - lineOfKey(b) || (a < b ? -1 : a > b ? 1 : 0);
  });
  return Object.fromEntries(keys.map((k) => [k, list[k]!]));
}

function lineOfKey(key: string): number {
  return Number.parseInt(key.slice(key.lastIndexOf(":") + 1), 10) || 0;
}

/** Writes the list as stable, formatted JSON. */
export async function saveExpectations(path: string | URL, list: Expectations): Promise<void> {
  await Deno.writeTextFile(path, `${JSON.stringify(list, null, 2)}\n`);
}
