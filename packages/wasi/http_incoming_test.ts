import assert from "node:assert/strict";
import { concat } from "./_test_util.ts";
import { IncomingBody, OutgoingBody } from "./http_body.ts";
import { Fields } from "./http_fields.ts";
import { incomingHandler, type IncomingHandlerExport } from "./http_incoming.ts";
import {
  type IncomingRequest,
  OutgoingResponse,
  ResponseOutparam,
  type ResponseResult,
} from "./http_types.ts";
import { WasiError } from "./errors.ts";
import type { OutputStream } from "./output_stream.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Reads a guest-side incoming body to the end, as a guest would with blocking reads. */
async function readBody(req: IncomingRequest): Promise<string> {
  const body = req.consume();
  const stream = body.stream();
  const chunks: Uint8Array[] = [];
  for (;;) {
    try {
      chunks.push(await stream.blockingReadAsync(4096n));
    } catch {
      break;
    }
  }
  stream[Symbol.dispose]();
  IncomingBody.finish(body);
  return dec.decode(concat(chunks));
}

/** Writes `bytes` as a guest does: wait for a permit, write within it, flush. */
async function writeAll(stream: OutputStream, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) {
    await stream.subscribe().blockAsync();
    const n = Math.min(Number(stream.checkWrite()), bytes.length - at);
    stream.write(bytes.subarray(at, at + n));
    at += n;
  }
  await stream.blockingFlushAsync();
}

/** A handler in the JS value mapping that echoes what it was sent. */
const echo: IncomingHandlerExport = {
  async handle(req, out) {
    const text = await readBody(req);
    const headers = Fields.fromList([
      ["x-method", enc.encode(JSON.stringify(req.method()))],
      ["x-path", enc.encode(req.pathWithQuery() ?? "")],
      ["x-scheme", enc.encode(JSON.stringify(req.scheme()))],
      ["x-authority", enc.encode(req.authority() ?? "")],
      ["x-got", req.headers().get("x-in")[0] ?? new Uint8Array()],
    ]);
    const res = new OutgoingResponse(headers);
    res.setStatusCode(202);
    const body = res.body();
    ResponseOutparam.set(out, { tag: "ok", val: res });
    const stream = body.write();
    await writeAll(stream, enc.encode(`echo:${text}`));
    stream[Symbol.dispose]();
    OutgoingBody.finish(body, undefined);
  },
};

Deno.test("the adapter hands the request to the guest and returns its response", async () => {
  const fetchHandler = incomingHandler(echo);
  const res = await fetchHandler(
    new Request("http://example.test:8080/a/b?c=d", {
      method: "POST",
      headers: { "x-in": "hello" },
      body: "payload",
    }),
  );
  assert.equal(res.status, 202);
  assert.equal(res.headers.get("x-method"), JSON.stringify({ tag: "post" }));
  assert.equal(res.headers.get("x-path"), "/a/b?c=d");
  assert.equal(res.headers.get("x-scheme"), JSON.stringify({ tag: "HTTP" }));
  assert.equal(res.headers.get("x-authority"), "example.test:8080");
  assert.equal(res.headers.get("x-got"), "hello");
  assert.equal(await res.text(), "echo:payload");
});

Deno.test("the response streams: the first bytes arrive before the guest is done", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  let finished = false;
  const fetchHandler = incomingHandler({
    async handle(_req, out) {
      const res = new OutgoingResponse(new Fields());
      const body = res.body();
      ResponseOutparam.set(out, { tag: "ok", val: res });
      const stream = body.write();
      await stream.blockingWriteAndFlushAsync(enc.encode("first;"));
      await released;
      await stream.blockingWriteAndFlushAsync(enc.encode("second"));
      stream[Symbol.dispose]();
      OutgoingBody.finish(body, undefined);
      finished = true;
    },
  });
  const res = await fetchHandler(new Request("http://x.test/"));
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.equal(dec.decode(first.value), "first;");
  assert.equal(finished, false);
  release();
  const rest: Uint8Array[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest.push(r.value);
  assert.equal(dec.decode(concat(rest)), "second");
  assert.equal(finished, true);
});

Deno.test("a guest's error-code, a missing response and a throw reject the call", async () => {
  const code = { tag: "HTTP-request-denied" };
  await assert.rejects(
    incomingHandler({
      handle: (_r, out) => ResponseOutparam.set(out, { tag: "err", val: code }),
    })(new Request("http://x.test/")),
    (e: unknown) => e instanceof WasiError && JSON.stringify(e.payload) === JSON.stringify(code),
  );
  await assert.rejects(
    incomingHandler({ handle: () => {} })(new Request("http://x.test/")),
    /returned without a response/,
  );
  const trap = new Error("guest trapped");
  await assert.rejects(
    incomingHandler({
      handle: () => {
        throw trap;
      },
    })(new Request("http://x.test/")),
    (e: unknown) => e instanceof Error && /handler failed/.test(e.message) && e.cause === trap,
  );
  assert.throws(() => incomingHandler({} as IncomingHandlerExport), /expected an object/);
  assert.throws(
    () => ResponseOutparam.set(new ResponseOutparam(() => {}), { tag: "ok" } as ResponseResult),
    /expected \{ tag: "ok", val: OutgoingResponse \}/,
  );
});

Deno.test("a body dropped without finish, or a trap after the response, aborts the body", async () => {
  const dropped = await incomingHandler({
    handle(_r, out) {
      const res = new OutgoingResponse(new Fields());
      const body = res.body();
      ResponseOutparam.set(out, { tag: "ok", val: res });
      const s = body.write();
      s.blockingWriteAndFlush(enc.encode("partial"));
      s[Symbol.dispose]();
      body[Symbol.dispose]();
    },
  })(new Request("http://x.test/"));
  await assert.rejects(dropped.text(), /dropped without outgoing-body.finish/);

  const trapped = await incomingHandler({
    handle(_r, out) {
      const res = new OutgoingResponse(new Fields());
      res.body();
      ResponseOutparam.set(out, { tag: "ok", val: res });
      throw new Error("trap after set");
    },
  })(new Request("http://x.test/"));
  await assert.rejects(trapped.text(), /trap after set/);
});

Deno.test("no body taken is an empty body; 204 has a null body", async () => {
  const status = (code: number) =>
    incomingHandler({
      handle(_r, out) {
        const res = new OutgoingResponse(new Fields());
        res.setStatusCode(code);
        ResponseOutparam.set(out, { tag: "ok", val: res });
      },
    })(new Request("http://x.test/"));
  const ok = await status(200);
  assert.equal(await ok.text(), "");
  const empty = await status(204);
  assert.equal(empty.status, 204);
  assert.equal(empty.body, null);
  const res = new OutgoingResponse(new Fields());
  assert.equal(res.statusCode(), 200);
  assert.throws(() => res.setStatusCode(100), WasiError);
  assert.throws(() => res.setStatusCode(600), WasiError);
});

Deno.test("a handler factory is called once per request", async () => {
  let made = 0;
  const fetchHandler = incomingHandler(() => {
    made++;
    return echo;
  });
  await (await fetchHandler(new Request("http://x.test/", { method: "PUT", body: "1" }))).text();
  await (await fetchHandler(new Request("http://x.test/", { method: "PUT", body: "2" }))).text();
  assert.equal(made, 2);
});

Deno.test("the adapter serves real HTTP through Deno.serve on 127.0.0.1", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    incomingHandler(echo),
  );
  try {
    const { port } = server.addr as Deno.NetAddr;
    const big = "x".repeat(200_000);
    const res = await fetch(`http://127.0.0.1:${port}/up?z=1`, {
      method: "POST",
      headers: { "x-in": "net" },
      body: big,
    });
    assert.equal(res.status, 202);
    assert.equal(res.headers.get("x-path"), "/up?z=1");
    assert.equal(res.headers.get("x-got"), "net");
    assert.equal(await res.text(), `echo:${big}`);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a slow reader holds the guest back through check-write", async () => {
  let stream!: OutputStream;
  const { promise: done, resolve: finish } = Promise.withResolvers<void>();
  const res = await incomingHandler({
    async handle(_r, out) {
      const res = new OutgoingResponse(new Fields());
      const body = res.body();
      ResponseOutparam.set(out, { tag: "ok", val: res });
      stream = body.write();
      // A guest suspended in a blocking call: handle has not returned yet.
      await done;
    },
  })(new Request("http://x.test/"));
  let written = 0;
  for (let i = 0; i < 100; i++) {
    const permit = Number(stream.checkWrite());
    if (permit === 0) break;
    stream.write(new Uint8Array(permit));
    written += permit;
    await new Promise((r) => setTimeout(r, 0));
  }
  // Bounded: the body buffers about 64 KiB, then the guest must wait.
  assert.ok(written >= 65536 && written <= 4 * 65536, `wrote ${written} before waiting`);
  const ready = stream.subscribe();
  assert.equal(ready.ready(), false);
  const reader = res.body!.getReader();
  const read = (await reader.read()).value!.length;
  assert.ok(read > 0);
  // Reading made room: the pollable wakes without further reads.
  await ready.blockAsync(AbortSignal.timeout(1000));
  assert.ok(Number(stream.checkWrite()) > 0);
  await reader.cancel();
  finish();
});
