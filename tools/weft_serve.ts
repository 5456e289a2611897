/**
 * Weft serving an HTTP handler component in a process of its own: the CLI's
 * `weft serve` when `packages/cli` is there, else the example's `main.ts`
 * (`Deno.serve` + `incomingHandler()`). Used by the example test and the
 * load test, so the server never shares a thread with its client.
 *
 * @module
 */
import { freePort } from "./jco_peer.ts";

const root = new URL("../", import.meta.url);

/** The CLI's entry point. */
export const WEFT_CLI: URL = new URL("packages/cli/main.ts", root);

/** A running Weft server. */
export interface WeftServer {
  /** The origin it answers at (`http://127.0.0.1:PORT`). */
  url: string;
  /** How it was started (`weft serve`, or the example's main.ts). */
  how: string;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Whether `packages/cli/main.ts` exists. */
export async function hasWeftCli(): Promise<boolean> {
  return await Deno.stat(WEFT_CLI).then(() => true, () => false);
}

/** Polls `url` until it answers (any status), failing if `child` exits first. */
async function waitUntilUp(url: string, child: Deno.ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.status.then(() => exited = true);
  for (;;) {
    if (exited) throw new Error(`Cannot reach ${url}: the server process exited`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.body?.cancel();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`Cannot reach ${url}: it did not come up`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Starts Weft serving `wasmPath` on 127.0.0.1 and resolves once it answers
 * `GET /`. `allowNet` is the hosts its outgoing requests may reach. With the
 * CLI, one instance answers every request unless `instancePerRequest` (the
 * example's main.ts always reuses one).
 */
export async function weftServe(
  wasmPath: string,
  options: {
    allowNet?: readonly string[];
    timeoutMs?: number;
    stderr?: "inherit" | "null";
    /** One instance for every request (default, as `jco serve`), or a fresh one per request. */
    instancePerRequest?: boolean;
  } = {},
): Promise<WeftServer> {
  const port = freePort();
  const allowNet = options.allowNet ?? [];
  const cli = await hasWeftCli();
  const args = cli
    ? [
      "run",
      "-A",
      WEFT_CLI.pathname,
      "serve",
      "--addr",
      "127.0.0.1",
      "--port",
      String(port),
      `--isolate-requests=${options.instancePerRequest === true ? "instance" : "none"}`,
      ...(allowNet.length === 0 ? [] : ["--allow-net", allowNet.join(",")]),
      wasmPath,
    ]
    : [
      "run",
      "-A",
      new URL("examples/http-handler/main.ts", root).pathname,
      "--port",
      String(port),
      ...(allowNet.length === 0 ? [] : ["--allow-net", allowNet.join(",")]),
    ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdin: "null",
    stdout: "null",
    stderr: options.stderr ?? "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(`${url}/`, child, options.timeoutMs ?? 120_000);
  } catch (error) {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.status;
    throw error;
  }
  const mode = options.instancePerRequest === true ? "instance per request" : "one instance";
  return {
    url,
    how: cli
      ? `weft serve, ${mode} (packages/cli)`
      : "Deno.serve + incomingHandler, one instance (examples/http-handler)",
    async close() {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
    },
  };
}
