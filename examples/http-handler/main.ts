/**
 * Serves the example HTTP handler (`app.js`, built with componentize-js)
 * under Weft with the library API: `Component.compile` from
 * `@weft/runtime`, `createWasi` and `incomingHandler()` from `@weft/wasi`,
 * and `Deno.serve`. It also starts a small upstream server on a free port,
 * for the handler's `/proxy` route to `fetch`.
 *
 * ```sh
 * deno run -A examples/http-handler/main.ts --port 8000 [--allow-net HOST:PORT,…]
 * curl 'http://127.0.0.1:8000/hello?name=Weft'
 * ```
 *
 * `--allow-net` adds hosts `/proxy` may fetch from besides the upstream.
 *
 * @module
 */
import { Component } from "@weft/runtime";
import { createWasi, incomingHandler, type IncomingHandlerExport } from "@weft/wasi";
import { buildExample } from "../../scripts/build_examples.ts";

/** What the handler is granted. */
export interface HandlerOptions {
  /** Hosts (`host` or `host:port`) its outgoing requests may reach; none by default. */
  allowNet?: readonly string[];
  /** Its environment. */
  env?: Readonly<Record<string, string>>;
}

/**
 * Makes a fetch-style handler of an incoming-handler component: one
 * instance answers every request, as with `jco serve`.
 */
export async function createHandler(
  bytes: Uint8Array,
  options: HandlerOptions = {},
): Promise<(request: Request) => Promise<Response>> {
  const component = await Component.compile(bytes);
  const wasi = createWasi({
    env: options.env ?? {},
    network: { allow: [...(options.allowNet ?? [])] },
  });
  const instance = await component.instantiate(wasi.imports);
  const name = Object.keys(instance.exports).find((n) =>
    n.startsWith("wasi:http/incoming-handler@0.2.")
  );
  if (name === undefined) {
    throw new TypeError(
      "Cannot serve the component: it does not export wasi:http/incoming-handler@0.2.x",
    );
  }
  return incomingHandler(instance.exports[name] as IncomingHandlerExport);
}

/** The pause between the lines of the upstream's `GET /slow`. */
export const SLOW_PAUSE_MS = 300;

/**
 * A server for `/proxy` to fetch: `GET /data` answers four lines at once,
 * `GET /slow` the same four lines {@linkcode SLOW_PAUSE_MS} apart (to see a
 * response stream through the handler), calling `onSent(i)` after each.
 */
export function startUpstream(
  onSent?: (line: number) => void,
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    const lines = Array.from({ length: 4 }, (_, i) => `upstream line ${i + 1} of 4 for ${path}\n`);
    const headers = { "content-type": "text/plain" };
    if (path !== "/slow") return new Response(lines.join(""), { headers });
    const encoder = new TextEncoder();
    let next = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (next > 0) await new Promise((resolve) => setTimeout(resolve, SLOW_PAUSE_MS));
        controller.enqueue(encoder.encode(lines[next]!));
        onSent?.(++next);
        if (next === lines.length) controller.close();
      },
    }, { highWaterMark: 0 });
    return new Response(body, { headers });
  });
}

if (import.meta.main) {
  const option = (name: string) => {
    const at = Deno.args.indexOf(name);
    return at === -1 ? undefined : Deno.args[at + 1];
  };
  const port = Number(option("--port") ?? 8000);
  const { bytes } = await buildExample("http-handler");
  const upstream = startUpstream();
  const handler = await createHandler(bytes, {
    allowNet: [
      `127.0.0.1:${upstream.addr.port}`,
      ...(option("--allow-net")?.split(",") ?? []),
    ],
  });
  Deno.serve({
    hostname: "127.0.0.1",
    port,
    onListen({ hostname, port }) {
      const origin = `http://${hostname}:${port}`;
      const data = encodeURIComponent(`http://127.0.0.1:${upstream.addr.port}/data`);
      console.log(`Serving the http-handler example on ${origin}`);
      console.log(`  curl '${origin}/hello?name=Weft'`);
      console.log(`  curl '${origin}/proxy?upstream=${data}'`);
    },
  }, handler);
}
