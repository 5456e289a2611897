/**
 * Load test of the example HTTP handler (issue #5): 10,000 requests, at most
 * 64 in flight, from a client in this process to Weft (`weft serve`, or the
 * example's `main.ts` when the CLI is absent) and to `jco serve` of the same
 * component, one after the other in the same run, each server in a process
 * of its own. Prints failed requests, requests/s and p50/p99 latency for both.
 *
 * ```sh
 * deno run -A bench/load_test.ts                       # GET /hello (no upstream)
 * deno run -A bench/load_test.ts --route proxy         # GET /proxy: a fetch per request
 * deno run -A bench/load_test.ts --requests 2000 --concurrency 16 --json out.json
 * deno run -A bench/load_test.ts --per-request         # also weft serve's instance-per-request mode
 * ```
 *
 * Weft and jco both reuse one instance for every request (`weft serve
 * --isolate-requests=none`, `jco serve`'s default); `--per-request` adds a
 * row for `weft serve`'s default, a fresh instance per request.
 *
 * A request fails when it throws, times out (30 s), answers other than 200,
 * or its body is not the expected one. Each server first gets
 * {@linkcode WARMUP} requests that are not counted.
 *
 * @module
 */
import { buildExample } from "../scripts/build_examples.ts";
import { markdownTable } from "../scripts/bench/compare.ts";
import { jcoServe } from "../tools/jco_peer.ts";
import { weftServe } from "../tools/weft_serve.ts";
import { startUpstream } from "../examples/http-handler/main.ts";

/** Requests sent to each server before measuring (JIT warm-up, connection set-up). */
export const WARMUP = 200;

/** Command-line options. */
interface LoadArgs {
  requests: number;
  concurrency: number;
  route: "hello" | "proxy";
  perRequest: boolean;
  json?: string;
}

function parseArgs(argv: readonly string[]): LoadArgs {
  const out: LoadArgs = { requests: 10_000, concurrency: 64, route: "hello", perRequest: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--per-request") {
      out.perRequest = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) throw new TypeError(`Cannot parse ${a}: a value is missing`);
    if (a === "--requests" || a === "--concurrency") {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 1_000_000) {
        throw new RangeError(`Cannot parse ${a}: received ${v}, expected an integer 1..1000000`);
      }
      if (a === "--requests") out.requests = n;
      else out.concurrency = Math.min(n, 1024);
    } else if (a === "--route") {
      if (v !== "hello" && v !== "proxy") {
        throw new TypeError(`Cannot parse --route: received ${v}, expected hello or proxy`);
      }
      out.route = v;
    } else if (a === "--json") {
      out.json = v;
    } else {
      throw new TypeError(
        `Cannot parse argument ${a}: expected --requests N, --concurrency N, --route R, ` +
          `--per-request or --json F`,
      );
    }
  }
  return out;
}

/** What one server did under load. */
export interface LoadResult {
  /** `weft` or `jco`. */
  server: string;
  /** How it was started. */
  how: string;
  /** Requests sent (not counting the warm-up). */
  requests: number;
  /** Requests that failed (see the module doc). */
  failed: number;
  /** The first few failure reasons. */
  failures: string[];
  /** Completed requests per second over the whole run. */
  rps: number;
  /** Median latency, ms. */
  p50_ms: number;
  /** 99th percentile latency, ms. */
  p99_ms: number;
  /** Worst latency, ms. */
  max_ms: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

/** Sends `count` GETs of `url`, `concurrency` at a time; checks each answer. */
async function load(
  url: string,
  expected: string,
  count: number,
  concurrency: number,
): Promise<{ latencies: Float64Array; failed: number; failures: string[]; seconds: number }> {
  const latencies = new Float64Array(count);
  let next = 0;
  let failed = 0;
  const failures: string[] = [];
  const fail = (reason: string) => {
    failed++;
    if (failures.length < 5) failures.push(reason);
  };
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const t0 = performance.now();
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
        const body = await response.text();
        if (response.status !== 200) fail(`status ${response.status}: ${body.slice(0, 200)}`);
        else if (body !== expected) fail(`unexpected body: ${JSON.stringify(body.slice(0, 200))}`);
      } catch (error) {
        fail(`${(error as Error).name}: ${(error as Error).message}`);
      }
      latencies[i] = performance.now() - t0;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { latencies, failed, failures, seconds };
}

async function measure(
  server: string,
  how: string,
  url: string,
  expected: string,
  args: LoadArgs,
): Promise<LoadResult> {
  await load(url, expected, WARMUP, args.concurrency);
  const r = await load(url, expected, args.requests, args.concurrency);
  const sorted = r.latencies.slice().sort();
  return {
    server,
    how,
    requests: args.requests,
    failed: r.failed,
    failures: r.failures,
    rps: args.requests / r.seconds,
    p50_ms: percentile(sorted, 50),
    p99_ms: percentile(sorted, 99),
    max_ms: sorted[sorted.length - 1] ?? NaN,
  };
}

function format(results: readonly LoadResult[]): string {
  const head = ["server", "requests", "failed", "req/s", "p50 ms", "p99 ms", "max ms"];
  const rows = results.map((r) => [
    r.server,
    String(r.requests),
    String(r.failed),
    r.rps.toFixed(0),
    r.p50_ms.toFixed(2),
    r.p99_ms.toFixed(2),
    r.max_ms.toFixed(1),
  ]);
  return markdownTable(head, rows);
}

async function main(argv: readonly string[]): Promise<boolean> {
  const args = parseArgs(argv);
  const { path } = await buildExample("http-handler");
  const upstream = startUpstream();
  const upstreamUrl = `http://127.0.0.1:${upstream.addr.port}/data`;
  const route = args.route === "hello"
    ? "/hello?name=load"
    : `/proxy?upstream=${encodeURIComponent(upstreamUrl)}`;
  const expected = args.route === "hello"
    ? "hello, load!\nchunk 1 of 3\nchunk 2 of 3\nchunk 3 of 3\n"
    : "upstream: 200 text/plain\n" +
      [1, 2, 3, 4].map((i) => `upstream line ${i} of 4 for /data\n`).join("") +
      "\nupstream body: 124 bytes\n";
  const results: LoadResult[] = [];
  try {
    const allowNet = [`127.0.0.1:${upstream.addr.port}`];
    for (const perRequest of args.perRequest ? [false, true] : [false]) {
      const weft = await weftServe(path, { allowNet, instancePerRequest: perRequest });
      const name = perRequest ? "weft (instance per request)" : "weft";
      try {
        console.error(`${name}: ${weft.how} at ${weft.url}, ${args.requests} × GET ${args.route}…`);
        results.push(await measure(name, weft.how, weft.url + route, expected, args));
      } finally {
        await weft.close();
      }
    }
    const jco = await jcoServe(path);
    try {
      console.error(`jco: jco serve at ${jco.url}, ${args.requests} × GET ${args.route}…`);
      results.push(await measure("jco", "jco serve 1.35", jco.url + route, expected, args));
    } finally {
      await jco.close();
    }
  } finally {
    await upstream.shutdown();
  }
  console.log(
    `GET ${args.route}: ${args.requests} requests, at most ${args.concurrency} in flight ` +
      `(after ${WARMUP} warm-up requests each)`,
  );
  console.log(format(results));
  for (const r of results) console.log(`${r.server}: ${r.how}`);
  for (const r of results) {
    for (const f of r.failures) console.log(`${r.server} failure: ${f}`);
  }
  if (args.json !== undefined) {
    const json = { date: new Date().toISOString(), ...args, results };
    await Deno.writeTextFile(args.json, JSON.stringify(json, null, 2) + "\n");
  }
  return results.every((r) => r.failed === 0);
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args) ? 0 : 1);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    let cause = (error as Error).cause;
    while (cause instanceof Error) {
      console.error(`  caused by: ${cause.message}`);
      cause = cause.cause;
    }
    Deno.exit(1);
  }
}
