// Real components on @weft/runtime with this WASI host (tests only: the
// package itself does not import the runtime).
import assert from "node:assert/strict";
import { Component, ComponentError, Trap } from "@weft/runtime";
import { fixture } from "../../scripts/fixtures.ts";
import {
  createWasi,
  ExitError,
  incomingHandler,
  type IncomingHandlerExport,
  WouldBlockError,
} from "./mod.ts";
import { denoFs } from "./deno.ts";
import { collector } from "./_test_util.ts";

const testdata = new URL("./testdata/", import.meta.url);

Deno.test("a WASI 0.2.0 component links to the 0.2.12 host and writes to stdout", async () => {
  const component = await Component.compile(await fixture(new URL("hello_stdout.wat", testdata)));
  const out = collector();
  const wasi = createWasi({ args: ["app", "Weft"], stdout: out.stream });
  const instance = await component.instantiate(wasi.imports);
  await instance.exports.run();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(out.text(), "hello, Weft\n");
});

Deno.test("a closed stdout reaches the guest as an err result", async () => {
  const component = await Component.compile(await fixture(new URL("hello_stdout.wat", testdata)));
  const wasi = createWasi({
    args: ["app", "x"],
    stdout: {
      write: () => {
        throw new Error("stdout is gone");
      },
    },
  });
  const instance = await component.instantiate(wasi.imports);
  // The guest sees last-operation-failed and returns err from run.
  await assert.rejects(async () => await instance.exports.run(), ComponentError);
});

Deno.test("wasi:cli/exit surfaces as a trap caused by ExitError with the status", async () => {
  const component = await Component.compile(await fixture(new URL("hello_stdout.wat", testdata)));
  const instance = await component.instantiate(createWasi().imports);
  await assert.rejects(
    async () => await instance.exports.fail(),
    (e) => e instanceof Trap && e.cause instanceof ExitError && e.cause.code === 1,
  );
});

Deno.test("with JSPI, blocking-read suspends the guest until stdin has data", async () => {
  const component = await Component.compile(await fixture(new URL("stdin_cat.wat", testdata)));
  const chunks = ["one ", "two ", "three"];
  const encoder = new TextEncoder();
  let pulls = 0;
  // Each chunk comes a timer tick later: the guest has to wait for it.
  const stdin = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, 5));
      const chunk = chunks[pulls++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(encoder.encode(chunk));
    },
  });
  const out = collector();
  const instance = await component.instantiate(createWasi({ stdin, stdout: out.stream }).imports);
  assert.equal(instance.suspends, true);
  await instance.exports.run();
  assert.equal(out.text(), "one two three");
  assert.equal(pulls, 4);
});

Deno.test("with JSPI, poll over two timers suspends the guest until one fires", async () => {
  const component = await Component.compile(await fixture(new URL("poll_race.wat", testdata)));
  const instance = await component.instantiate(createWasi().imports);
  assert.equal(instance.suspends, true);
  // A 1 ms interval registered first fires before the 10 ms timer: the event
  // loop ran while the guest waited.
  let ticks = 0;
  const interval = setInterval(() => ticks++, 1);
  try {
    assert.equal(await instance.exports.race(), 1, "the 10 ms timer is the first one ready");
  } finally {
    clearInterval(interval);
  }
  assert.ok(ticks > 0, "the event loop was not blocked");
});

Deno.test("without suspending, blocking-read on an empty stdin traps with WouldBlockError", async () => {
  const component = await Component.compile(await fixture(new URL("stdin_cat.wat", testdata)));
  const stdin = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
  const instance = await component.instantiate(createWasi({ stdin }).imports, { suspend: false });
  assert.throws(
    () => instance.exports.run(),
    (e) => e instanceof Trap && e.cause instanceof WouldBlockError,
  );
});

Deno.test("a component reads a preopened file and is refused outside it", async () => {
  const component = await Component.compile(await fixture(new URL("read_file.wat", testdata)));
  const tmp = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "weft_wasi_component_" }));
  try {
    Deno.mkdirSync(`${tmp}/root`);
    Deno.writeTextFileSync(`${tmp}/root/greeting.txt`, "hi from the host");
    Deno.writeTextFileSync(`${tmp}/secret.txt`, "secret");
    Deno.symlinkSync("../secret.txt", `${tmp}/root/link`);
    const wasi = createWasi({ fs: denoFs(), preopens: { "/": `${tmp}/root` } });
    const instance = await component.instantiate(wasi.imports);
    const cat = instance.exports.cat as (path: string) => Promise<Uint8Array>;
    assert.equal(new TextDecoder().decode(await cat("greeting.txt")), "hi from the host");
    const code = async (path: string) => {
      try {
        await cat(path);
      } catch (e) {
        if (e instanceof ComponentError) return e.payload;
        throw e;
      }
      return "(read it)";
    };
    assert.equal(await code("missing.txt"), "no-entry");
    assert.equal(await code("../secret.txt"), "not-permitted");
    assert.equal(await code("link"), "not-permitted");
    assert.equal(await code("/etc/passwd"), "not-permitted");
    assert.equal(await code("."), "is-directory");
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
});

Deno.test("a wasi:http 0.2.0 handler component serves requests through the adapter", async () => {
  const component = await Component.compile(await fixture(new URL("http_hello.wat", testdata)));
  const wasi = createWasi();
  let instances = 0;
  // A fresh instance per request, as `wasmtime serve` does.
  const handler = incomingHandler(async () => {
    instances++;
    const instance = await component.instantiate(wasi.imports);
    return instance.exports["wasi:http/incoming-handler@0.2.0"] as IncomingHandlerExport;
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, handler);
  try {
    const { port } = server.addr as Deno.NetAddr;
    for (const path of ["/a?b=1", "/second"]) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`);
      assert.equal(res.status, 201);
      assert.equal(await res.text(), `hello from wasm ${path}`);
    }
    assert.equal(instances, 2);
  } finally {
    await server.shutdown();
  }
});
