import assert from "node:assert/strict";
import { concat, errOf } from "./_test_util.ts";
import { OutgoingBody } from "./http_body.ts";
import { Fields } from "./http_fields.ts";
import { AllowList } from "./allow_list.ts";
import { handle } from "./http_outgoing.ts";
import {
  type FutureIncomingResponse,
  type IncomingResponse,
  OutgoingRequest,
  RequestOptions,
} from "./http_types.ts";
import type { InputStream } from "./input_stream.ts";
import { httpErrorCode } from "./http_error.ts";
import { IoError } from "./io_error.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A local server on 127.0.0.1 that records what it received. */
function serve(handler: (req: Request) => Response | Promise<Response>) {
  const seen: { method: string; url: string; headers: Headers; body: string }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = req.body ? dec.decode(new Uint8Array(await req.arrayBuffer())) : "";
    seen.push({ method: req.method, url: req.url, headers: req.headers, body });
    return handler(req);
  });
  const port = (server.addr as Deno.NetAddr).port;
  return { server, port, seen, authority: `127.0.0.1:${port}` };
}

function request(authority: string, path = "/", fields = new Fields()): OutgoingRequest {
  const r = new OutgoingRequest(fields);
  r.setScheme({ tag: "HTTP" });
  r.setAuthority(authority);
  r.setPathWithQuery(path);
  return r;
}

async function settle(future: FutureIncomingResponse): Promise<IncomingResponse> {
  await future.subscribe().blockAsync();
  const got = future.get();
  assert.ok(got !== undefined && got.tag === "ok");
  if (got.val.tag === "err") throw new Error(`request failed: ${JSON.stringify(got.val.val)}`);
  return got.val.val;
}

async function errorOf(future: FutureIncomingResponse): Promise<unknown> {
  await future.subscribe().blockAsync();
  const got = future.get();
  assert.ok(got !== undefined && got.tag === "ok");
  assert.equal(got.val.tag, "err");
  return got.val.val;
}

async function readAll(stream: InputStream): Promise<string> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    try {
      chunks.push(await stream.blockingReadAsync(65536n));
    } catch (e) {
      assert.deepEqual((e as { payload: unknown }).payload, { tag: "closed" });
      return dec.decode(concat(chunks));
    }
  }
}

Deno.test("outgoing GET reaches an allowed local server; status, headers and body come back", async () => {
  const { server, authority, seen } = serve(() =>
    new Response("hello", { status: 201, headers: { "x-reply": "yes" } })
  );
  try {
    const fields = Fields.fromList([["x-custom", enc.encode("v1")]]);
    const req = request(authority, "/path?q=1", fields);
    const future = handle(req, undefined, { allow: new AllowList([authority]) });
    // Not ready before the event loop ran: the pollable is a real wait.
    assert.equal(future.get(), undefined);
    assert.equal(future.subscribe().ready(), false);
    const res = await settle(future);
    assert.equal(res.status(), 201);
    assert.deepEqual(res.headers().get("x-reply"), [enc.encode("yes")]);
    assert.deepEqual(errOf(() => res.headers().set("x-reply", [])), { tag: "immutable" });
    const body = res.consume();
    assert.deepEqual(errOf(() => res.consume()), undefined);
    assert.equal(await readAll(body.stream()), "hello");
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.method, "GET");
    assert.equal(new URL(seen[0]!.url).pathname + new URL(seen[0]!.url).search, "/path?q=1");
    assert.equal(seen[0]!.headers.get("x-custom"), "v1");
    // The future gives its value once.
    assert.deepEqual(future.get(), { tag: "err", val: undefined });
  } finally {
    await server.shutdown();
  }
});

Deno.test("hosts outside the allow-list are denied before anything is sent", async () => {
  const { server, authority, port, seen } = serve(() => new Response("no"));
  try {
    let fetched = 0;
    const spy: typeof fetch = (...args) => {
      fetched++;
      return fetch(...args);
    };
    for (
      const allow of [[], ["127.0.0.1:1"], ["localhost"], ["example.com"], [`127.0.0.2:${port}`]]
    ) {
      const payload = errOf(() =>
        handle(request(authority), undefined, { allow: new AllowList(allow), fetch: spy })
      );
      assert.deepEqual(payload, { tag: "HTTP-request-denied" }, JSON.stringify(allow));
    }
    assert.equal(fetched, 0);
    // A host entry without a port allows every port; "*" allows everything.
    for (const allow of [["127.0.0.1"], ["*"]]) {
      const res = await settle(handle(request(authority), undefined, {
        allow: new AllowList(allow),
        fetch: spy,
      }));
      await res.consume().stream().blockingReadAsync(10n);
    }
    assert.equal(fetched, 2);
    assert.equal(seen.length, 2);
  } finally {
    await server.shutdown();
  }
});

Deno.test("the allow-list refuses malformed entries", () => {
  assert.throws(() => new AllowList(["http://x.com"]), /Cannot allow network access/);
  assert.throws(() => new AllowList(["a b"]), /expected "host" or "host:port"/);
});

Deno.test("a request body streams to the server while the guest writes it", async () => {
  const { server, authority, seen } = serve((req) => new Response(`got ${req.method}`));
  try {
    const req = request(authority, "/upload");
    req.setMethod({ tag: "post" });
    const body = req.body();
    // Send first, write after: the body is a stream, not a buffer.
    const future = handle(req, undefined, { allow: new AllowList([authority]) });
    const out = body.write();
    for (const part of ["one,", "two,", "three"]) {
      await out.blockingWriteAndFlushAsync(enc.encode(part));
    }
    out[Symbol.dispose]();
    OutgoingBody.finish(body, undefined);
    const res = await settle(future);
    assert.equal(await readAll(res.consume().stream()), "got POST");
    assert.equal(seen[0]!.body, "one,two,three");
  } finally {
    await server.shutdown();
  }
});

Deno.test("a response body streams to the guest before the server has finished it", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  const { server, authority } = serve(() =>
    new Response(
      new ReadableStream({
        async start(c) {
          c.enqueue(enc.encode("first"));
          await released;
          c.enqueue(enc.encode("-second"));
          c.close();
        },
      }),
    )
  );
  try {
    const res = await settle(handle(request(authority), undefined, {
      allow: new AllowList([authority]),
    }));
    const stream = res.consume().stream();
    assert.equal(dec.decode(await stream.blockingReadAsync(100n)), "first");
    const next = stream.subscribe();
    assert.equal(next.ready(), false);
    release();
    assert.equal(await readAll(stream), "-second");
  } finally {
    await server.shutdown();
  }
});

Deno.test("error codes: refused connection, missing authority, bad scheme, first-byte timeout", async () => {
  // A port with nothing listening: take one and close it.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const refused = `127.0.0.1:${closedPort}`;
  assert.deepEqual(
    await errorOf(handle(request(refused), undefined, { allow: new AllowList([refused]) })),
    { tag: "connection-refused" },
  );

  const all = { allow: new AllowList(["*"]) };
  const noAuthority = new OutgoingRequest(new Fields());
  assert.deepEqual(errOf(() => handle(noAuthority, undefined, all)), {
    tag: "HTTP-request-URI-invalid",
  });
  const ftp = request("127.0.0.1:1");
  ftp.setScheme({ tag: "other", val: "ftp" });
  assert.deepEqual(errOf(() => handle(ftp, undefined, all)), { tag: "HTTP-protocol-error" });

  const { server, authority } = serve(async () => {
    await new Promise((r) => setTimeout(r, 300));
    return new Response("late");
  });
  try {
    const options = new RequestOptions();
    options.setFirstByteTimeout(50_000_000n);
    assert.equal(options.firstByteTimeout(), 50_000_000n);
    const started = performance.now();
    assert.deepEqual(
      await errorOf(handle(request(authority), options, { allow: new AllowList([authority]) })),
      { tag: "HTTP-response-timeout" },
    );
    // The server answers after 300 ms; the error, not a response, shows the timeout fired.
    assert.ok(performance.now() - started < 1000, "the timeout ended the wait");
  } finally {
    await new Promise((r) => setTimeout(r, 300));
    await server.shutdown();
  }
});

Deno.test("outgoing-body checks content-length and refuses to finish with a live stream", async () => {
  const { server, authority, seen } = serve(() => new Response("ok"));
  try {
    const req = request(authority, "/", Fields.fromList([["content-length", enc.encode("10")]]));
    req.setMethod({ tag: "put" });
    const body = req.body();
    const future = handle(req, undefined, { allow: new AllowList([authority]) });
    const out = body.write();
    assert.deepEqual(errOf(() => body.write()), undefined);
    out.write(enc.encode("short").subarray(0, Number(out.checkWrite())));
    assert.throws(() => OutgoingBody.finish(body, undefined), /output-stream is alive/);
    out[Symbol.dispose]();
    assert.deepEqual(errOf(() => OutgoingBody.finish(body, undefined)), {
      tag: "HTTP-request-body-size",
      val: 5n,
    });
    // The corrupted body fails the request instead of sending 5 bytes as if complete.
    await future.subscribe().blockAsync();
    const got = future.get();
    assert.equal(got?.tag === "ok" && got.val.tag, "err");
    assert.equal(seen.filter((s) => s.body === "short").length, 0);
  } finally {
    await server.shutdown();
  }
});

Deno.test("outgoing-request setters validate their input", () => {
  const r = new OutgoingRequest(new Fields());
  assert.deepEqual(r.method(), { tag: "get" });
  assert.equal(r.authority(), undefined);
  assert.deepEqual(errOf(() => r.setMethod({ tag: "other", val: "BAD METHOD" })), undefined);
  r.setMethod({ tag: "other", val: "PURGE" });
  assert.deepEqual(r.method(), { tag: "other", val: "PURGE" });
  assert.deepEqual(errOf(() => r.setAuthority("a/b")), undefined);
  assert.deepEqual(errOf(() => r.setPathWithQuery("no-slash")), undefined);
  r.setAuthority("example.com:8080");
  assert.equal(r.authority(), "example.com:8080");
  // The headers given to the constructor are now immutable.
  assert.deepEqual(errOf(() => r.headers().append("x", enc.encode("1"))), { tag: "immutable" });
});

Deno.test("a body cut off by the server is last-operation-failed with an http-error-code", async () => {
  const { server, authority } = serve(() =>
    new Response(
      new ReadableStream({
        pull(c) {
          c.enqueue(enc.encode("partial"));
          c.error(new Error("server gave up"));
        },
      }),
    )
  );
  try {
    const res = await settle(handle(request(authority), undefined, {
      allow: new AllowList([authority]),
    }));
    const stream = res.consume().stream();
    let failure: unknown;
    let got = "";
    for (;;) {
      try {
        got += dec.decode(await stream.blockingReadAsync(100n));
      } catch (e) {
        failure = (e as { payload: unknown }).payload;
        break;
      }
    }
    assert.ok(got === "" || got === "partial", got);
    const { tag, val } = failure as { tag: string; val: IoError };
    assert.equal(tag, "last-operation-failed");
    const code = httpErrorCode(val);
    assert.ok(code !== undefined, "an HTTP body failure has an error-code");
    assert.equal(typeof code.tag, "string");
    assert.match(val.toDebugString(), /Cannot read the HTTP body/);
    // Failures of other streams have none.
    assert.equal(httpErrorCode(new IoError(new Error("disk on fire"))), undefined);
  } finally {
    await server.shutdown();
  }
});

Deno.test("the between-bytes timeout fails a read that waits too long", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  const { server, authority } = serve(() =>
    new Response(
      new ReadableStream({
        async start(c) {
          c.enqueue(enc.encode("first"));
          await released;
          c.close();
        },
      }),
    )
  );
  try {
    const options = new RequestOptions();
    options.setBetweenBytesTimeout(50_000_000n);
    assert.equal(options.betweenBytesTimeout(), 50_000_000n);
    const res = await settle(handle(request(authority), options, {
      allow: new AllowList([authority]),
    }));
    const stream = res.consume().stream();
    // A guest that is slow to read is not timed out: only waiting for bytes counts.
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(dec.decode(await stream.blockingReadAsync(100n)), "first");
    const started = performance.now();
    const failure = await stream.blockingReadAsync(100n).then(
      () => undefined,
      (e: { payload: { tag: string; val: IoError } }) => e.payload,
    );
    assert.ok(performance.now() - started < 1000);
    assert.equal(failure?.tag, "last-operation-failed");
    assert.deepEqual(httpErrorCode(failure!.val), { tag: "connection-read-timeout" });
  } finally {
    release();
    await server.shutdown();
  }
});

Deno.test("redirects are not followed: the guest sees the 3xx", async () => {
  const { server, authority, seen } = serve((req) =>
    new URL(req.url).pathname === "/old"
      ? new Response(null, { status: 302, headers: { location: "/new" } })
      : new Response("new")
  );
  try {
    const res = await settle(handle(request(authority, "/old"), undefined, {
      allow: new AllowList([authority]),
    }));
    assert.equal(res.status(), 302);
    assert.deepEqual(res.headers().get("location"), [enc.encode("/new")]);
    assert.equal(seen.length, 1);
  } finally {
    await server.shutdown();
  }
});

Deno.test("dropping a pending future cancels the request", async () => {
  let aborted = false;
  const { server, authority } = serve((req) => {
    const { promise, resolve } = Promise.withResolvers<Response>();
    req.signal.addEventListener("abort", () => {
      aborted = true;
      resolve(new Response("gone"));
    });
    return promise;
  });
  try {
    const future = handle(request(authority), undefined, { allow: new AllowList([authority]) });
    // Let the request reach the server, then drop the future.
    for (let i = 0; i < 50 && !future.subscribe().ready(); i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    future[Symbol.dispose]();
    for (let i = 0; i < 100 && !aborted; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(aborted, true);
  } finally {
    await server.shutdown();
  }
});
