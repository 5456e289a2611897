/**
 * The jco peer of the example tests and the load test: `jco run` and
 * `jco serve` (jco 1.35 with preview2-shim 0.26, pinned in
 * `tools/componentize/`) in a Node subprocess. A subprocess, because
 * preview2-shim's `wasi:cli/exit` ends the process it runs in, and its I/O
 * blocks its thread on a worker.
 *
 * The guest gets exactly the arguments, environment and preopens given here
 * (through `tools/componentize/jco_setup.mjs`), not Node's.
 *
 * @module
 */
import { ensureTools, JCO_CLI, TOOLS_DIR } from "../scripts/build_examples.ts";

/** What the guest is granted under jco. */
export interface JcoGrants {
  /** `get-arguments`, with the program name first. */
  args?: readonly string[];
  /** `get-environment`. */
  env?: Readonly<Record<string, string>>;
  /** Preopened directories: guest path → host path. */
  preopens?: Readonly<Record<string, string>>;
}

/** The outcome of {@linkcode jcoRun}. */
export interface JcoRunResult {
  /** The process's exit code (the guest's). */
  code: number;
  /** What the guest wrote to stdout. */
  stdout: Uint8Array;
  /** What the guest wrote to stderr. */
  stderr: Uint8Array;
}

/** A running `jco serve`. */
export interface JcoServer {
  /** The origin it answers at (`http://127.0.0.1:PORT`). */
  url: string;
  /** Stops the server (its whole process group). */
  close(): Promise<void>;
}

const SETUP = new URL("jco_setup.mjs", TOOLS_DIR).pathname;

/**
 * Spawns `node jco.js …` as the leader of a process group of its own
 * (`setsid`): jco starts the component in a second Node process, and
 * signalling the group stops both.
 */
function spawnJco(args: readonly string[], grants: JcoGrants, piped: boolean): Deno.ChildProcess {
  const config = {
    args: grants.args ?? [],
    env: grants.env ?? {},
    preopens: grants.preopens ?? {},
  };
  return new Deno.Command("setsid", {
    args: ["node", JCO_CLI.pathname, ...args],
    cwd: TOOLS_DIR,
    env: { WEFT_JCO_CONFIG: JSON.stringify(config), NO_COLOR: "1" },
    stdin: "null",
    stdout: piped ? "piped" : "null",
    stderr: "piped",
  }).spawn();
}

function killGroup(child: Deno.ChildProcess): void {
  try {
    Deno.kill(-child.pid, "SIGTERM");
  } catch {
    // Already gone.
  }
}

/**
 * Runs a `wasi:cli/run` component with `jco run`, capturing its output.
 * Rejects when it takes longer than `timeoutMs` (default two minutes).
 */
export async function jcoRun(
  wasmPath: string,
  grants: JcoGrants = {},
  options: { timeoutMs?: number } = {},
): Promise<JcoRunResult> {
  await ensureTools();
  // jco passes its own trailing arguments on; the guest's come from the setup module.
  const child = spawnJco(["run", "--jco-import", SETUP, wasmPath], grants, true);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const timer = setTimeout(() => killGroup(child), timeoutMs);
  try {
    const out = await child.output();
    if (out.signal !== null) {
      throw new Error(`Cannot run ${wasmPath} with jco: killed by ${out.signal} after a timeout`);
    }
    return { code: out.code, stdout: out.stdout, stderr: out.stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** A TCP port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/**
 * Serves an incoming-handler component with `jco serve` (one instance for
 * every request) on 127.0.0.1, and resolves once it listens.
 */
export async function jcoServe(
  wasmPath: string,
  grants: JcoGrants = {},
  options: { port?: number; timeoutMs?: number } = {},
): Promise<JcoServer> {
  await ensureTools();
  const port = options.port ?? freePort();
  const child = spawnJco(
    [
      "serve",
      "--port",
      String(port),
      "--host",
      "127.0.0.1",
      "--jco-import",
      SETUP,
      wasmPath,
    ],
    grants,
    false,
  );
  const decoder = new TextDecoder();
  let log = "";
  const reader = child.stderr.getReader();
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 120_000);
  try {
    while (!log.includes("Server listening")) {
      const next = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) =>
          timeout.addEventListener("abort", () => reject(timeout.reason), { once: true })
        ),
      ]);
      if (next.done) {
        throw new Error(`Cannot serve ${wasmPath} with jco: it exited\n${log.trim()}`);
      }
      log += decoder.decode(next.value, { stream: true });
    }
  } catch (error) {
    killGroup(child);
    await child.status;
    throw new Error(`Cannot serve ${wasmPath} with jco`, { cause: error });
  }
  // Keep draining stderr so the server never blocks on a full pipe.
  const drained = (async () => {
    try {
      for (;;) if ((await reader.read()).done) break;
    } catch {
      // The process ended.
    }
  })();
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      killGroup(child);
      await child.status;
      await drained;
    },
  };
}
