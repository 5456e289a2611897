// wasi:http/outgoing-handler (http/wit/handler.wit) through `fetch`.
import type { AllowList } from "./allow_list.ts";
import { WasiError } from "./errors.ts";
import { type HttpErrorCode, httpFailure } from "./http_error.ts";
import { headersFromFields } from "./http_fields.ts";
import {
  type FutureIncomingResponse,
  futureIncomingResponse,
  methodName,
  OutgoingRequest,
  RequestOptions,
} from "./http_types.ts";

/** Options of {@linkcode outgoingHandlerInterface}. */
export interface OutgoingHandlerOptions {
  /** The hosts the guest may reach. */
  allow: AllowList;
  /** The `fetch` to send with (default: the global one). */
  fetch?: typeof fetch;
}

// Fields `fetch` sets itself from the body it is given.
const FETCH_OWNED = new Set(["content-length"]);

function denied(code: HttpErrorCode): WasiError {
  return new WasiError(code);
}

function nsToMs(ns: bigint | undefined): number | undefined {
  return ns === undefined ? undefined : Math.max(0, Math.ceil(Number(ns) / 1e6));
}

/** The URL an outgoing request goes to; throws the `error-code` when it has none. */
function requestUrl(request: OutgoingRequest): URL {
  const scheme = request.scheme();
  // types.wit § outgoing-request.scheme: with none, the host picks; HTTPS is the safe choice.
  const protocol = scheme === undefined || scheme.tag === "HTTPS"
    ? "https"
    : scheme.tag === "HTTP"
    ? "http"
    : undefined;
  if (protocol === undefined) throw denied({ tag: "HTTP-protocol-error" });
  const authority = request.authority();
  if (authority === undefined) throw denied({ tag: "HTTP-request-URI-invalid" });
  try {
    return new URL(`${protocol}://${authority}${request.pathWithQuery() ?? "/"}`);
  } catch {
    throw denied({ tag: "HTTP-request-URI-invalid" });
  }
}

/**
 * `outgoing-handler.handle`: sends `request` with `fetch`. The request body
 * streams from the guest's `outgoing-body` as it writes it (send before or
 * after writing), the response body streams to the guest. Hosts outside the
 * allow-list fail with `HTTP-request-denied` before anything is sent.
 * Redirects are not followed: the guest sees the 3xx response.
 */
export function handle(
  request: OutgoingRequest,
  options: RequestOptions | undefined,
  config: OutgoingHandlerOptions,
): FutureIncomingResponse {
  if (!(request instanceof OutgoingRequest)) {
    throw new TypeError("Cannot handle a request: expected an outgoing-request resource");
  }
  const url = requestUrl(request);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  if (!config.allow.allows(url.hostname, port)) throw denied({ tag: "HTTP-request-denied" });
  let method: string;
  try {
    method = methodName(request.method());
  } catch {
    throw denied({ tag: "HTTP-request-method-invalid" });
  }
  const controller = new AbortController();
  const timers: ReturnType<typeof setTimeout>[] = [];
  const timeout = (ms: number | undefined, code: HttpErrorCode, what: string) => {
    if (ms === undefined) return;
    timers.push(
      setTimeout(
        () => controller.abort(httpFailure(code, `The ${what} timeout of ${ms} ms passed`)),
        ms,
      ),
    );
  };
  if (options instanceof RequestOptions) {
    timeout(nsToMs(options.connectTimeout()), { tag: "connection-timeout" }, "connect");
    timeout(nsToMs(options.firstByteTimeout()), { tag: "HTTP-response-timeout" }, "first-byte");
  }
  const init: RequestInit & { duplex?: "half" } = {
    method,
    headers: headersFromFields(request.fields, FETCH_OWNED),
    redirect: "manual",
    signal: controller.signal,
  };
  if (request.bodyTaken) {
    init.body = request.pipe.readable;
    init.duplex = "half";
  }
  const send = config.fetch ?? globalThis.fetch;
  const response = (async () => {
    try {
      return await send(url, init);
    } catch (error) {
      // An abort carries the timeout's error-code as its reason.
      throw controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      for (const t of timers) clearTimeout(t);
    }
  })();
  const betweenBytes = options instanceof RequestOptions
    ? nsToMs(options.betweenBytesTimeout())
    : undefined;
  const abort = () =>
    controller.abort(httpFailure({ tag: "internal-error", val: "cancelled" }, "Request dropped"));
  return futureIncomingResponse(
    response,
    betweenBytes === undefined ? { abort } : { abort, betweenBytesMs: betweenBytes },
  );
}

/** `wasi:http/outgoing-handler` with the allow-list of `config`. */
export function outgoingHandlerInterface(config: OutgoingHandlerOptions): {
  handle(request: OutgoingRequest, options: RequestOptions | undefined): FutureIncomingResponse;
} {
  return { handle: (request, options) => handle(request, options, config) };
}
