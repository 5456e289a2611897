// Real components on @weft/runtime with this WASI host (tests only: the
// package itself does not import the runtime).
import assert from "node:assert/strict";
import { Component, ComponentError, Trap } from "@weft/runtime";
import { fixture } from "../../scripts/fixtures.ts";
import { createWasi, ExitError, incomingHandler, type IncomingHandlerExport } from "./mod.ts";
import { denoFs } from "./deno.ts";
import { collector } from "./_test_util.ts";

const testdata = new URL("./testdata/", import.meta.url);

Deno.test("a WASI 0.2.0 component links to the 0.2.12 host and writes to stdout", async () => {
  const component = await Component.compile(await fixture(new URL("hello_stdout.wat", testdata)));
  const out = collector();
  const wasi = createWasi({ args: ["app", "Weft"], stdout: out.stream });
  const instance = await component.instantiate(wasi.imports);
  (instance.exports.run as () => void)();
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
  assert.throws(() => (instance.exports.run as () => void)(), ComponentError);
});

Deno.test("wasi:cli/exit surfaces as a trap caused by ExitError with the status", async () => {
  const component = await Component.compile(await fixture(new URL("hello_stdout.wat", testdata)));
  const instance = await component.instantiate(createWasi().imports);
  assert.throws(
    () => (instance.exports.fail as () => void)(),
    (e) => e instanceof Trap && e.cause instanceof ExitError && e.cause.code === 1,
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
    const cat = instance.exports.cat as (path: string) => Uint8Array;
    assert.equal(new TextDecoder().decode(cat("greeting.txt")), "hi from the host");
    const code = (path: string) => {
      try {
        cat(path);
      } catch (e) {
        if (e instanceof ComponentError) return e.payload;
        throw e;
      }
      return "(read it)";
    };
    assert.equal(code("missing.txt"), "no-entry");
    assert.equal(code("../secret.txt"), "not-permitted");
    assert.equal(code("link"), "not-permitted");
    assert.equal(code("/etc/passwd"), "not-permitted");
    assert.equal(code("."), "is-directory");
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
