// wasi:http/types.error-code (http/wit/types.wit § error-code) and its mapping
// from what `fetch` and Web Streams report.
import { IoError } from "./io_error.ts";

/**
 * `wasi:http/types.error-code`, in the JS value mapping: `{ tag }` with the
 * WIT's case name (`"connection-refused"`, `"HTTP-request-denied"`, …) and a
 * `val` for the cases that carry one.
 */
export type HttpErrorCode =
  | { tag: string; val?: unknown }
  | { tag: "internal-error"; val: string | undefined }
  | { tag: "DNS-error"; val: { rcode: string | undefined; infoCode: number | undefined } };

/** The error code carried by an error the HTTP host made itself. */
const CODE: unique symbol = Symbol("wasi:http error-code");

/** An `Error` that carries `code`, so the mapping below gives it back unchanged. */
export function httpFailure(
  code: HttpErrorCode,
  message: string,
  options?: ErrorOptions,
): Error {
  const error = new Error(message, options);
  (error as Error & { [CODE]?: HttpErrorCode })[CODE] = code;
  return error;
}

/** The code an error made by {@linkcode httpFailure} carries, itself or as its `cause`. */
function carriedCode(error: unknown): HttpErrorCode | undefined {
  for (let e = error, depth = 0; depth < 4 && typeof e === "object" && e !== null; depth++) {
    if (CODE in e) return (e as { [CODE]: HttpErrorCode })[CODE];
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}

/**
 * The `error-code` for a failure of `fetch` or of a body stream. Deno and
 * browsers report network failures as a `TypeError` whose message names the
 * cause; the known ones map to their WIT case, anything else is
 * `internal-error` with the message.
 */
export function toHttpErrorCode(error: unknown): HttpErrorCode {
  const carried = carriedCode(error);
  if (carried !== undefined) return carried;
  const message = messageOf(error);
  if (/connection refused/i.test(message)) return { tag: "connection-refused" };
  if (/dns error|failed to lookup|name or service not known|nodename nor servname/i.test(message)) {
    return { tag: "DNS-error", val: { rcode: undefined, infoCode: undefined } };
  }
  if (/certificate/i.test(message)) return { tag: "TLS-certificate-error" };
  if (/tls|handshake/i.test(message)) return { tag: "TLS-protocol-error" };
  if (/connection reset|broken pipe|connection closed|closed before/i.test(message)) {
    return { tag: "connection-terminated" };
  }
  if (/timed out|timeout/i.test(message)) return { tag: "connection-timeout" };
  if (/unreachable/i.test(message)) return { tag: "destination-unavailable" };
  return { tag: "internal-error", val: message };
}

/**
 * `http-error-code`: the `error-code` behind a stream's `last-operation-failed`
 * error, when the failure was an HTTP one (a body read or write). Failures of
 * other kinds (files, stdio) have none.
 */
export function httpErrorCode(err: IoError): HttpErrorCode | undefined {
  if (!(err instanceof IoError)) return undefined;
  return carriedCode(err.cause);
}

/**
 * `stream` with its failures turned into errors carrying their `error-code`,
 * so `http-error-code` can tell an HTTP body's failure from any other. With
 * `betweenBytesMs`, a read that waits longer for bytes fails with
 * `connection-read-timeout` (the clock runs only while someone is reading,
 * so a guest that reads slowly is not timed out).
 */
export function httpBodyStream(
  stream: ReadableStream<Uint8Array>,
  betweenBytesMs?: number,
): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const read = reader.read();
        const { done, value } = betweenBytesMs === undefined ? await read : await Promise.race([
          read,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() =>
              reject(httpFailure(
                { tag: "connection-read-timeout" },
                `No body bytes arrived within the between-bytes timeout of ${betweenBytesMs} ms`,
              )), betweenBytesMs);
          }),
        ]);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (error) {
        const code = toHttpErrorCode(error);
        controller.error(
          httpFailure(code, `Cannot read the HTTP body: ${messageOf(error)}`, { cause: error }),
        );
        reader.cancel(error).catch(() => {});
      } finally {
        clearTimeout(timer);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}
