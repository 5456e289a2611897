// A `wasi:http/incoming-handler` in JavaScript, built into a component with
// componentize-js (see README.md). One instance answers any number of
// requests (it exports `incomingHandler` instead of using the fetch event).
//
//   GET /hello?name=N      a greeting, streamed in several chunks
//   GET /proxy?upstream=U  fetches U (wasi:http/outgoing-handler) and streams
//                          its body back, chunk by chunk, framed by two lines
//   anything else          404
import { Fields, OutgoingBody, OutgoingResponse, ResponseOutparam } from "wasi:http/types@0.2.12";

const encoder = new TextEncoder();

/** Sends the head of a response; returns a writer for its body. */
function respond(responseOut, status, contentType) {
  const headers = Fields.fromList([
    ["content-type", encoder.encode(contentType)],
    ["x-handler", encoder.encode("weft-example")],
  ]);
  const response = new OutgoingResponse(headers);
  response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(responseOut, { tag: "ok", val: response });
  const stream = body.write();
  return {
    write(chunk) {
      const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
      // blocking-write-and-flush takes at most 4096 bytes at a time.
      for (let at = 0; at < bytes.length; at += 4096) {
        stream.blockingWriteAndFlush(bytes.subarray(at, at + 4096));
      }
    },
    finish() {
      stream[Symbol.dispose]?.();
      OutgoingBody.finish(body, undefined);
    },
  };
}

async function proxy(upstream, responseOut) {
  let response;
  try {
    response = await fetch(upstream);
  } catch (error) {
    const out = respond(responseOut, 502, "text/plain; charset=utf-8");
    out.write(`cannot fetch ${upstream}: ${error?.message ?? error}\n`);
    out.finish();
    return;
  }
  const out = respond(responseOut, 200, "text/plain; charset=utf-8");
  out.write(
    `upstream: ${response.status} ${response.headers.get("content-type") ?? "(no type)"}\n`,
  );
  let bytes = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    out.write(value);
  }
  out.write(`\nupstream body: ${bytes} bytes\n`);
  out.finish();
}

export const incomingHandler = {
  async handle(request, responseOut) {
    const url = new URL(request.pathWithQuery() ?? "/", "http://localhost");
    const method = request.method().tag;
    if (method === "get" && url.pathname === "/hello") {
      const name = url.searchParams.get("name") ?? "world";
      const out = respond(responseOut, 200, "text/plain; charset=utf-8");
      out.write(`hello, ${name}!\n`);
      for (let i = 1; i <= 3; i++) out.write(`chunk ${i} of 3\n`);
      out.finish();
      return;
    }
    if (method === "get" && url.pathname === "/proxy") {
      const upstream = url.searchParams.get("upstream");
      if (upstream !== null) {
        await proxy(upstream, responseOut);
        return;
      }
    }
    const out = respond(responseOut, 404, "text/plain; charset=utf-8");
    out.write(`not found: ${method.toUpperCase()} ${url.pathname}\n`);
    out.finish();
  },
};
