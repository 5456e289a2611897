// The wasi:http/incoming-handler adapter: a component's exported handler as a
// standard `(request: Request) => Promise<Response>` (DESIGN.md § Serving HTTP).
import { WasiError } from "./errors.ts";
import { httpFailure } from "./http_error.ts";
import { headersFromFields } from "./http_fields.ts";
import {
  type IncomingRequest,
  incomingRequest,
  type OutgoingResponse,
  ResponseOutparam,
  type ResponseResult,
} from "./http_types.ts";

/**
 * A component's `wasi:http/incoming-handler` export in the JS value mapping
 * (`instance.exports["wasi:http/incoming-handler@0.2.x"]`). `handle` may
 * return a Promise (a runtime that suspends the guest with JSPI).
 */
export interface IncomingHandlerExport {
  /** `handle(request, response-out)`. */
  handle(request: IncomingRequest, responseOut: ResponseOutparam): void | Promise<void>;
}

/**
 * Where each request's handler comes from: one handler for every request,
 * or a function giving one per request (e.g. a fresh instance, as
 * `wasmtime serve` does by default).
 */
export type IncomingHandlerSource =
  | IncomingHandlerExport
  | (() => IncomingHandlerExport | Promise<IncomingHandlerExport>);

// Statuses whose Response must not have a body (fetch § null body status).
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** The error for a guest's `response-outparam.set(err(code))`. */
function setToError(code: unknown): WasiError {
  return new WasiError(code);
}

/**
 * Makes a fetch-style handler of a component's `wasi:http/incoming-handler`
 * export: each `Request` becomes an `incoming-request`, the guest's
 * `outgoing-response` becomes the `Response` as soon as the guest sets it,
 * and its body streams while the guest writes it.
 *
 * The returned Promise rejects when the guest sets an `error-code` (a
 * {@linkcode WasiError} with that `payload`) or returns or fails without
 * setting a response (the failure is the `cause`); `Deno.serve` and edge
 * platforms answer such a rejection with a 500. A failure after the
 * response was sent, or a body dropped without `finish`, aborts the body.
 *
 * @example Serve a handler (here written in JS, as a component's export would look)
 * ```ts
 * import { Fields, incomingHandler, OutgoingBody, OutgoingResponse, ResponseOutparam } from "@weft/wasi";
 * import assert from "node:assert/strict";
 *
 * const fetchHandler = incomingHandler({
 *   handle(request, out) {
 *     const response = new OutgoingResponse(new Fields());
 *     const body = response.body();
 *     ResponseOutparam.set(out, { tag: "ok", val: response });
 *     const stream = body.write();
 *     stream.blockingWriteAndFlush(new TextEncoder().encode(`hi ${request.pathWithQuery()}`));
 *     stream[Symbol.dispose]();
 *     OutgoingBody.finish(body, undefined);
 *   },
 * });
 * const response = await fetchHandler(new Request("http://localhost/there"));
 * assert.equal(await response.text(), "hi /there");
 * ```
 */
export function incomingHandler(
  source: IncomingHandlerSource,
): (request: Request) => Promise<Response> {
  if (typeof source !== "function" && typeof source?.handle !== "function") {
    throw new TypeError(
      "Cannot adapt an incoming handler: expected an object with `handle` (the component's " +
        "wasi:http/incoming-handler export) or a function returning one",
    );
  }
  return async (request) => {
    const handler = typeof source === "function" ? await source() : source;
    if (typeof handler?.handle !== "function") {
      throw new TypeError(
        "Cannot handle a request: the handler source did not give an object with `handle`",
      );
    }
    const { promise, resolve, reject } = Promise.withResolvers<OutgoingResponse>();
    const out = new ResponseOutparam((result: ResponseResult) => {
      if (result.tag === "ok") resolve(result.val);
      else reject(setToError(result.val));
    });
    const guestRequest = incomingRequest(request);
    let done: Promise<void>;
    try {
      done = Promise.resolve(handler.handle(guestRequest, out));
    } catch (error) {
      done = Promise.reject(error);
    }
    done.then(
      () => {
        if (!out.isSet) {
          reject(new Error("Cannot answer the request: the handler returned without a response"));
        }
      },
      (error: unknown) => {
        if (!out.isSet) {
          reject(new Error("Cannot answer the request: the handler failed", { cause: error }));
        }
      },
    );
    const response = await promise;
    // After the response is out, the guest may still be writing; a failure or a
    // return with the body taken but unfinished ends the body with an error.
    done.then(
      () => {
        if (response.bodyTaken) {
          response.pipe.fail(
            httpFailure(
              { tag: "HTTP-response-incomplete" },
              "The handler returned without finishing the body",
            ),
          );
        } else response.pipe.finish();
      },
      (error: unknown) => response.pipe.fail(error),
    );
    const status = response.statusCode();
    const body = NULL_BODY.has(status) ? null : response.pipe.readable;
    if (body === null) response.pipe.finish();
    return new Response(body, { status, headers: headersFromFields(response.fields) });
  };
}
