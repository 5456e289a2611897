/**
 * `deno task bench:compare`: runs every case of every group in `bench/groups/`
 * through the floor (minimal hand-written glue over the same core modules),
 * Weft and jco, interleaved in one process, and prints ns/op with the ratios
 * weft/jco and weft/floor.
 *
 * ```sh
 * deno task bench:compare                      # every group
 * deno task bench:compare --group calls        # one group
 * deno task bench:compare --case u32-add       # one case (repeatable)
 * deno task bench:compare --json results.json  # also write the numbers
 * deno task bench:compare --rounds 25 --batch-ms 20
 * ```
 *
 * @module
 */
import { type BenchCase, type GroupSetup, type PathName, PATHS } from "../../bench/_group.ts";
import { measureInterleaved } from "./measure.ts";

/** One row of the results (the `--json` schema of issue #3). */
export interface CaseResult {
  /** The case name. */
  name: string;
  /** ns/op of the floor, or `null` when the case has no floor. */
  floor_ns: number | null;
  /** ns/op of Weft. */
  weft_ns: number | null;
  /** ns/op of jco-transpile 0.12.0's glue, or `null`. */
  jco_ns: number | null;
  /** ns/op of jco 1.9.1's glue, or `null`. */
  jco191_ns: number | null;
}

/** Command-line options. */
export interface CompareArgs {
  json?: string;
  groups: string[];
  cases: string[];
  rounds?: number;
  batchMs?: number;
}

/** Parses the command line. */
export function parseArgs(argv: readonly string[]): CompareArgs {
  const out: CompareArgs = { groups: [], cases: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new TypeError(`Cannot parse ${a}: a value is missing`);
      return v;
    };
    const number = (): number => {
      const v = value();
      const n = Number(v);
      if (!(n > 0)) throw new RangeError(`Cannot parse ${a}: received ${v}, expected a number > 0`);
      return n;
    };
    switch (a) {
      case "--json":
        out.json = value();
        break;
      case "--group":
        out.groups.push(value());
        break;
      case "--case":
        out.cases.push(value());
        break;
      case "--rounds":
        out.rounds = number();
        break;
      case "--batch-ms":
        out.batchMs = number();
        break;
      default:
        throw new TypeError(
          `Cannot parse argument ${a}: expected --json FILE, --group NAME, --case NAME, ` +
            `--rounds N or --batch-ms MS`,
        );
    }
  }
  return out;
}

/** The group files in `bench/groups/`, by group name. */
async function discoverGroups(): Promise<Map<string, URL>> {
  const dir = new URL("../../bench/groups/", import.meta.url);
  const found = new Map<string, URL>();
  for await (const e of Deno.readDir(dir)) {
    if (!e.isFile || !e.name.endsWith(".ts") || e.name.startsWith("_")) continue;
    if (e.name.endsWith("_test.ts")) continue;
    found.set(e.name.slice(0, -3), new URL(e.name, dir));
  }
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

function formatNs(ns: number | null): string {
  if (ns === null) return "—";
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  if (ns >= 100) return ns.toFixed(0);
  return ns.toFixed(1);
}

function ratio(a: number | null, b: number | null): string {
  return a === null || b === null ? "—" : (a / b).toFixed(a / b < 0.1 ? 3 : 2);
}

/** The results as a Markdown table. */
export function formatTable(results: readonly CaseResult[]): string {
  const hasJco191 = results.some((r) => r.jco191_ns !== null);
  const head = ["case", "floor ns/op", "weft ns/op", "jco ns/op"];
  if (hasJco191) head.push("jco 1.9.1 ns/op");
  head.push("weft/jco", "weft/floor");
  const rows = results.map((r) => {
    const row = [r.name, formatNs(r.floor_ns), formatNs(r.weft_ns), formatNs(r.jco_ns)];
    if (hasJco191) row.push(formatNs(r.jco191_ns));
    row.push(ratio(r.weft_ns, r.jco_ns), ratio(r.weft_ns, r.floor_ns));
    return row;
  });
  return markdownTable(head, rows);
}

/** A Markdown table: the first column left-aligned, the others right-aligned. */
export function markdownTable(head: readonly string[], rows: readonly string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${
      cells.map((c, i) => i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)).join(" | ")
    } |`;
  const rule = `| ${
    widths.map((w, i) => i === 0 ? "-".repeat(w) : "-".repeat(w - 1) + ":").join(" | ")
  } |`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}

async function runCase(c: BenchCase, args: CompareArgs): Promise<CaseResult> {
  const ops: Partial<Record<PathName, () => unknown>> = {};
  for (const p of PATHS) if (c[p] !== undefined) ops[p] = c[p];
  const ns = await measureInterleaved(ops as Record<string, () => unknown>, {
    ...(args.rounds === undefined ? {} : { rounds: args.rounds }),
    ...(args.batchMs === undefined ? {} : { batchMs: args.batchMs }),
    ...(c.opsPerCall === undefined ? {} : { opsPerCall: c.opsPerCall }),
  });
  return {
    name: c.name,
    floor_ns: ns.floor ?? null,
    weft_ns: ns.weft ?? null,
    jco_ns: ns.jco ?? null,
    jco191_ns: ns.jco191 ?? null,
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  const groups = await discoverGroups();
  for (const g of args.groups) {
    if (!groups.has(g)) {
      throw new TypeError(
        `Cannot run group ${g}: no bench/groups/${g}.ts (groups: ${[...groups.keys()].join(", ")})`,
      );
    }
  }
  const selected = args.groups.length === 0 ? [...groups.keys()] : args.groups;
  const results: CaseResult[] = [];
  for (const name of selected) {
    const mod = await import(groups.get(name)!.href) as { setup?: GroupSetup };
    if (typeof mod.setup !== "function") {
      throw new TypeError(`Cannot run group ${name}: bench/groups/${name}.ts exports no setup()`);
    }
    const group = await mod.setup();
    try {
      for (const c of group.cases) {
        if (args.cases.length > 0 && !args.cases.includes(c.name)) continue;
        const r = await runCase(c, args);
        results.push(r);
        console.error(
          `${name}/${r.name}: weft ${formatNs(r.weft_ns)}, weft/jco ${
            ratio(r.weft_ns, r.jco_ns)
          }, ` +
            `weft/floor ${ratio(r.weft_ns, r.floor_ns)}`,
        );
      }
    } finally {
      await group.dispose();
    }
  }
  console.log(formatTable(results));
  if (args.json !== undefined) {
    const json = { date: new Date().toISOString(), deno: Deno.version.deno, cases: results };
    await Deno.writeTextFile(args.json, JSON.stringify(json, null, 2) + "\n");
  }
}

if (import.meta.main) {
  try {
    await main(Deno.args);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    Deno.exit(1);
  }
}
