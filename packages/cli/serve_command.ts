/**
 * `weft serve app.wasm --port N`: serves a `wasi:http/incoming-handler`
 * component with `Deno.serve`, through `@weft/wasi`'s `incomingHandler()`.
 *
 * @module
 */
import {
  type Component,
  type Instance,
  InstancePoisonedError,
  LinkError,
  Trap,
} from "@weft/runtime";
import { createWasi, ExitError, incomingHandler, type IncomingHandlerExport } from "@weft/wasi";
import { flag, type OptionSpecs, parseArgs, UsageError, value } from "./args.ts";
import type { Context, ListenAddr } from "./context.ts";
import { CliError, describeFailure } from "./failure.ts";
import { GRANT_HELP, GRANT_OPTIONS, grantOptions } from "./grants.ts";
import { loadComponent } from "./load_component.ts";
import { CLI_RUN, exportNames, findWasiExport, HTTP_INCOMING_HANDLER } from "./world_exports.ts";

/** The options of `weft serve`. */
export const SERVE_OPTIONS: OptionSpecs = {
  ...GRANT_OPTIONS,
  "port": { type: "string", short: "p" },
  "addr": { type: "string" },
  "isolate-requests": { type: "optional" },
  "instance-per-request": { type: "boolean" },
  "reuse-instance": { type: "boolean" },
  "help": { type: "boolean", short: "h" },
  "verbose": { type: "boolean", short: "v" },
};

/** The port `serve` listens on unless `--port` says otherwise (as `wasmtime serve`). */
export const DEFAULT_PORT: number = 8080;
/** The address `serve` binds unless `--addr` says otherwise (as `wasmtime serve` and Deno). */
export const DEFAULT_ADDR: string = "0.0.0.0";

/** The help text of `weft serve`. */
export const SERVE_HELP: string =
  `Serve an HTTP handler component (one exporting wasi:http/incoming-handler@0.2.x).

Usage: weft serve [OPTIONS] <COMPONENT>

Options:
  -p, --port N                   The port to listen on (default ${DEFAULT_PORT}; 0 picks a
                                 free one).
  --addr HOST[:PORT]             The address to bind (default ${DEFAULT_ADDR}); "[::1]:80"
                                 for IPv6 with a port.
  --reuse-instance               One instance serves every request (replaced by a
                                 new one if it traps), as \`jco serve\` does; for
                                 components that can answer many requests.
                                 By default each request gets a fresh instance,
                                 as \`wasmtime serve\` does (prepared ahead, so its
                                 cost is not on the request's path); components
                                 that answer only once, such as componentize-js
                                 fetch-event apps, need that.
  --isolate-requests[=instance|none]
                                 "instance" (the default) or "none" (the same as
                                 --reuse-instance), as jco serve's option.
  --instance-per-request         The default, said explicitly.
  -v, --verbose                  On failure, print the stack and every cause.
  -h, --help                     Print this help.

${GRANT_HELP}

The guest's stdout and stderr are the server's. A request the component fails
to answer gets a 500 and one line on stderr. SIGINT or SIGTERM stops the server
after the requests in flight are answered (exit status 0); a second one stops
it at once (exit status 130).
`;

function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`Cannot listen on port "${text}": expected a number from 0 to 65535`, {
      command: "serve",
    });
  }
  return port;
}

/** The address to bind: `--addr HOST`, `HOST:PORT` or `[IPV6]:PORT`, and `--port`. */
export function parseListen(
  addr: string | undefined,
  port: string | undefined,
): { hostname: string; port: number } {
  if (addr === undefined) return { hostname: DEFAULT_ADDR, port: parsePort(port) };
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(addr) ?? /^([^:]+):(\d+)$/.exec(addr);
  const hostname = match?.[1] ?? addr;
  const addrPort = match?.[2];
  if (hostname === "") {
    throw new UsageError(`Cannot listen on "${addr}": expected HOST or HOST:PORT`, {
      command: "serve",
    });
  }
  if (addrPort !== undefined && port !== undefined && Number(addrPort) !== Number(port)) {
    throw new UsageError(
      `Cannot listen on "${addr}" and port ${port}: give the port once`,
      { command: "serve" },
    );
  }
  return { hostname, port: parsePort(addrPort ?? port) };
}

function isolation(parsed: ReturnType<typeof parseArgs>): boolean {
  const mode = parsed.options["isolate-requests"];
  if (
    mode !== undefined && mode !== false && mode !== true && mode !== "instance" && mode !== "none"
  ) {
    throw new UsageError(
      `Cannot isolate requests by "${String(mode)}": expected "instance" or "none" ` +
        `(workers are not supported)`,
      { command: "serve" },
    );
  }
  const reuse = flag(parsed, "reuse-instance") || mode === "none";
  const isolate = flag(parsed, "instance-per-request") || mode === true || mode === "instance";
  if (reuse && isolate) {
    throw new UsageError(
      "Cannot both reuse one instance and give each request its own: choose one",
      { command: "serve" },
    );
  }
  return !reuse;
}

/** `http://host:port/` for a bound address. */
export function addrUrl(addr: ListenAddr): string {
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return `http://${host}:${addr.port}/`;
}

/** The failure inside a rejected request: the first trap, link or exit error in the chain. */
function rootFailure(error: unknown): unknown {
  for (let e = error, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if (
      e instanceof Trap || e instanceof LinkError || e instanceof InstancePoisonedError ||
      e instanceof ExitError
    ) return e;
  }
  return error;
}

function describeRequestFailure(error: unknown, path: string): string {
  const root = rootFailure(error);
  if (root !== error) return describeFailure(root, path);
  const cause = error instanceof Error && error.cause !== undefined
    ? `: ${describeFailure(error.cause, path)}`
    : "";
  return describeFailure(error, path) + cause;
}

/**
 * Where each request's handler comes from: a fresh instance per request (the
 * default, as DESIGN.md § Serving HTTP asks), or one instance for all
 * (replaced after a trap poisons it). The instance made at start-up (so link
 * errors show before listening) serves the first request.
 */
function handlerSource(
  component: Component,
  imports: Record<string, unknown>,
  first: Instance,
  options: { isolate: boolean; exportName: string; onReplace: (cause: unknown) => void },
): () => Promise<IncomingHandlerExport> {
  let shared = first;
  const handlerOf = (instance: Instance) =>
    instance.exports[options.exportName] as IncomingHandlerExport;
  if (options.isolate) {
    // Each request takes the prepared instance and has the next one made on
    // a later macrotask, off its own path.
    let next: Promise<Instance> = Promise.resolve(first);
    return async () => {
      const mine = next;
      next = new Promise<void>((r) => setTimeout(r, 0)).then(() => component.instantiate(imports));
      // A failure is reported to the request that takes it.
      next.catch(() => {});
      return handlerOf(await mine);
    };
  }
  // Requests that find the instance poisoned together share one replacement.
  let replacing: Promise<Instance> | undefined;
  return async () => {
    if (shared.poisoned === undefined) return handlerOf(shared);
    if (replacing === undefined) {
      options.onReplace(shared.poisoned);
      replacing = component.instantiate(imports).then((instance) => (shared = instance))
        .finally(() => (replacing = undefined));
    }
    return handlerOf(await replacing);
  };
}

/** Listens for SIGINT and SIGTERM until the returned function is called. */
function onSignals(listener: () => void): () => void {
  const added: Deno.Signal[] = [];
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, listener);
      added.push(signal);
    } catch {
      // Not every platform has every signal (Windows has no SIGTERM).
    }
  }
  return () => added.forEach((signal) => Deno.removeSignalListener(signal, listener));
}

/**
 * Runs `weft serve` with the command-line `args` (after `serve`). Resolves
 * with 0 once the server has shut down; failures before listening are thrown.
 */
export async function serveCommand(args: readonly string[], context: Context): Promise<number> {
  const parsed = parseArgs(args, SERVE_OPTIONS);
  if (flag(parsed, "help")) {
    await context.print(SERVE_HELP);
    return 0;
  }
  if (flag(parsed, "verbose")) context.verbose = true;
  const [path, ...extra] = parsed.operands;
  if (path === undefined) {
    throw new UsageError("Cannot serve: no component given", { command: "serve" });
  }
  if (extra.length > 0) {
    throw new UsageError(`Cannot serve: unexpected argument "${extra[0]}"`, { command: "serve" });
  }
  const { hostname, port } = parseListen(value(parsed, "addr"), value(parsed, "port"));
  const isolate = isolation(parsed);
  const wasiOptions = grantOptions(parsed, context.env);
  context.subject = path;
  const { component } = await loadComponent(path);
  const handlerExport = findWasiExport(component.type.exports, HTTP_INCOMING_HANDLER);
  if (handlerExport === undefined) {
    const run = findWasiExport(component.type.exports, CLI_RUN);
    throw new CliError(
      `Cannot serve "${path}": it does not export ${HTTP_INCOMING_HANDLER}@0.2.x` +
        (run === undefined
          ? ` (it exports ${exportNames(component.type.exports)})`
          : ` (it is a command: use \`weft run\`)`),
    );
  }
  const wasi = createWasi({ ...context.guestStdio(), ...wasiOptions });
  const first = await component.instantiate(wasi.imports);
  const report = (line: string) => void context.printError(`weft: ${line}\n`).catch(() => {});
  const fetchHandler = incomingHandler(
    handlerSource(component, wasi.imports, first, {
      isolate,
      exportName: handlerExport.name,
      onReplace: (cause) => report(`replacing the instance: ${describeFailure(cause, path)}`),
    }),
  );

  const stop = new AbortController();
  const { promise: forced, resolve: force } = Promise.withResolvers<number>();
  const shutdown = () => {
    if (stop.signal.aborted) {
      // A second signal: stop without waiting, with the status of an interrupt.
      force(130);
      return;
    }
    report("shutting down (again to stop at once)");
    stop.abort();
  };
  if (context.signal?.aborted) return 0;
  context.signal?.addEventListener("abort", () => stop.abort(), { once: true });
  const removeSignals = onSignals(shutdown);
  try {
    const server = Deno.serve({
      hostname,
      port,
      signal: stop.signal,
      onListen: (addr) => {
        const listening = { hostname: addr.hostname, port: addr.port };
        report(`serving ${path} on ${addrUrl(listening)}`);
        context.onListen?.(listening);
      },
    }, async (request) => {
      try {
        return await fetchHandler(request);
      } catch (error) {
        const { pathname, search } = new URL(request.url);
        report(
          `error: ${request.method} ${pathname}${search}: ${describeRequestFailure(error, path)}`,
        );
        if (context.verbose) {
          void context.printError(`${(error as Error)?.stack ?? String(error)}\n`).catch(() => {});
        }
        return new Response("Internal Server Error\n", { status: 500 });
      }
    });
    const status = await Promise.race([server.finished.then(() => 0), forced]);
    if (status !== 0) return status;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new CliError(`Cannot listen on ${hostname}:${port}: the address is in use`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    removeSignals();
  }
  return 0;
}
