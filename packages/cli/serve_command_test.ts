import assert from "node:assert/strict";
import { type ListenAddr, main, USAGE_EXIT_CODE } from "./mod.ts";
import { DEFAULT_ADDR, DEFAULT_PORT, parseListen } from "./serve_command.ts";
import { UsageError } from "./args.ts";
import { type Capture, capture, wasmFile, weft } from "./_test_util.ts";

/** Runs `weft serve path args` on a free port while `use` sends it requests, then stops it. */
async function serving(
  args: readonly string[],
  use: (base: string, stderr: Capture) => Promise<void>,
): Promise<void> {
  const stop = new AbortController();
  const listening = Promise.withResolvers<ListenAddr>();
  const stderr = capture();
  const done = main(["serve", ...args, "--port", "0", "--addr", "127.0.0.1"], {
    env: {},
    stdout: capture(),
    stderr,
    signal: stop.signal,
    onListen: listening.resolve,
  });
  const addr = await Promise.race([
    listening.promise,
    done.then((status) => {
      throw new Error(`weft serve ended with ${status} before listening: ${stderr.text()}`);
    }),
  ]);
  try {
    assert.equal(addr.hostname, "127.0.0.1");
    assert.ok(addr.port > 0);
    await use(`http://127.0.0.1:${addr.port}`, stderr);
  } finally {
    stop.abort();
    assert.equal(await done, 0, "a stopped server ends with 0");
  }
}

async function get(url: string): Promise<[number, string]> {
  const response = await fetch(url);
  return [response.status, await response.text()];
}

Deno.test("serve: --reuse-instance has one instance answer every request", async () => {
  const path = await wasmFile("http_counter");
  await serving([path, "--reuse-instance"], async (base, stderr) => {
    assert.deepEqual(await get(`${base}/a?x=1`), [201, "hello from wasm /a?x=1 #1"]);
    assert.deepEqual(await get(`${base}/b`), [201, "hello from wasm /b #2"]);
    assert.equal(stderr.text(), `weft: serving ${path} on ${base}/\n`);
  });
});

Deno.test("serve: each request gets a fresh instance by default", async () => {
  const path = await wasmFile("http_counter");
  for (
    const flags of [[], ["--isolate-requests"], ["--isolate-requests=instance"], [
      "--instance-per-request",
    ]]
  ) {
    const flag = flags.join(" ") || "(default)";
    await serving([path, ...flags], async (base) => {
      for (const p of ["/a", "/b", "/c"]) {
        assert.deepEqual(await get(`${base}${p}`), [201, `hello from wasm ${p} #1`], flag);
      }
    });
  }
});

Deno.test("serve: a trap answers 500 with one line, and a new instance takes over", async () => {
  const path = await wasmFile("http_counter");
  await serving([path, "--isolate-requests=none"], async (base, stderr) => {
    assert.deepEqual(await get(`${base}/a`), [201, "hello from wasm /a #1"]);
    const [status] = await get(`${base}/trap`);
    assert.equal(status, 500);
    assert.deepEqual(await get(`${base}/b`), [201, "hello from wasm /b #1"]);
    const lines = stderr.text().split("\n").filter((l) => l !== "");
    assert.deepEqual(lines.slice(1), [
      `weft: error: GET /trap: ${path} trapped: unreachable`,
      `weft: replacing the instance: ${path} trapped: unreachable`,
    ]);
  });
});

Deno.test("serve: concurrent requests all succeed, in one instance or in many", async () => {
  const path = await wasmFile("http_counter");
  await serving([path, "--reuse-instance"], async (base) => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => get(`${base}/r${i}`)),
    );
    // The counter digit is '0' + n: 24 requests to one instance see 24 different counts.
    const counts = new Set<string>();
    results.forEach(([status, body], i) => {
      assert.equal(status, 201);
      assert.ok(body.startsWith(`hello from wasm /r${i} #`), body);
      counts.add(body.slice(-1));
    });
    assert.equal(counts.size, 24);
  });
  await serving([path], async (base) => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) => get(`${base}/r${i}`)),
    );
    results.forEach(([status, body], i) => {
      assert.equal(status, 201);
      assert.equal(body, `hello from wasm /r${i} #1`);
    });
  });
});

Deno.test("serve: a command component, a bad port and an unknown isolation are refused", async () => {
  const command = await weft(["serve", await wasmFile("echo"), "--port", "0"]);
  assert.equal(command.status, 1);
  assert.match(
    command.stderr,
    /^weft: error: Cannot serve ".*echo\.wasm": it does not export wasi:http\/incoming-handler@0\.2\.x \(it is a command: use `weft run`\)\n$/,
  );
  const handler = await wasmFile("http_counter");
  const port = await weft(["serve", handler, "--port", "http"]);
  assert.equal(port.status, USAGE_EXIT_CODE);
  assert.match(port.stderr, /Cannot listen on port "http": expected a number from 0 to 65535/);
  const mode = await weft(["serve", handler, "--isolate-requests=worker"]);
  assert.equal(mode.status, USAGE_EXIT_CODE);
  assert.match(mode.stderr, /Cannot isolate requests by "worker"/);
  const both = await weft(["serve", handler, "--reuse-instance", "--instance-per-request"]);
  assert.equal(both.status, USAGE_EXIT_CODE);
  assert.match(both.stderr, /Cannot both reuse one instance/);
});

Deno.test("serve: an address in use is one line", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const result = await weft([
      "serve",
      await wasmFile("http_counter"),
      "--addr",
      "127.0.0.1",
      "--port",
      String(port),
    ]);
    assert.equal(result.status, 1);
    assert.equal(
      result.stderr,
      `weft: error: Cannot listen on 127.0.0.1:${port}: the address is in use\n`,
    );
  } finally {
    listener.close();
  }
});

Deno.test("parseListen: --addr HOST, HOST:PORT, [IPV6]:PORT and --port", () => {
  assert.deepEqual(parseListen(undefined, undefined), {
    hostname: DEFAULT_ADDR,
    port: DEFAULT_PORT,
  });
  assert.deepEqual(parseListen("127.0.0.1", "0"), { hostname: "127.0.0.1", port: 0 });
  assert.deepEqual(parseListen("localhost:9000", undefined), { hostname: "localhost", port: 9000 });
  assert.deepEqual(parseListen("[::1]:81", "81"), { hostname: "::1", port: 81 });
  assert.deepEqual(parseListen("::1", "82"), { hostname: "::1", port: 82 });
  assert.throws(() => parseListen("a:1", "2"), UsageError);
  assert.throws(() => parseListen("a:99999", undefined), UsageError);
});
