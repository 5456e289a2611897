import assert from "node:assert/strict";
import type { InspectReport } from "./mod.ts";
import { formatSize } from "./inspect_command.ts";
import { wasmFile, weft } from "./_test_util.ts";

Deno.test("inspect: text lists imports with their types, exports and core modules", async () => {
  const path = await wasmFile("echo");
  const size = (await Deno.stat(path)).size;
  const result = await weft(["inspect", path]);
  assert.equal(result.status, 0);
  const lines = result.stdout.split("\n");
  assert.equal(lines[0], `${path}: component, ${formatSize(size)}`);
  for (
    const expected of [
      "imports (4):",
      "  wasi:io/streams@0.2.0: interface",
      "    type stream-error = variant { last-operation-failed(error), closed }",
      "    resource output-stream",
      "    [method]output-stream.blocking-write-and-flush: func(self: borrow<output-stream>, " +
      "contents: list<u8>) -> result<_, stream-error>",
      "    get-environment: func() -> list<tuple<string, string>>",
      "exports (1):",
      "  wasi:cli/run@0.2.0: interface",
      "    run: func() -> result",
      "core modules (2):",
    ]
  ) assert.ok(lines.includes(expected), `missing line: ${expected}\n${result.stdout}`);
});

Deno.test("inspect --json: core module spans are the real modules, nested ones too", async () => {
  const path = await wasmFile("nested");
  const bytes = await Deno.readFile(path);
  const result = await weft(["inspect", "--json", path]);
  assert.equal(result.status, 0);
  const report = JSON.parse(result.stdout) as InspectReport;
  assert.equal(report.size, bytes.length);
  assert.deepEqual(report.imports, []);
  assert.deepEqual(
    report.exports.map((e) => [e.name, e.type]).sort(),
    [["double", "func(x: u32) -> u32"], ["seven", "func() -> u32"]],
  );
  assert.deepEqual(report.coreModules.map((m) => m.depth), [1, 0]);
  for (const m of report.coreModules) {
    // Each span is a whole core module whose exports are the ones reported.
    const slice = bytes.slice(m.offset, m.offset + m.size);
    assert.ok(WebAssembly.validate(slice), `module #${m.index} is valid on its own`);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(slice)).map((e) => e.name);
    assert.deepEqual(m.exports, exports);
  }
  assert.deepEqual(report.coreModules.map((m) => m.exports), [["seven"], ["memory", "double"]]);
});

Deno.test("inspect --json: interface items carry their WIT types", async () => {
  const result = await weft(["inspect", "--json", await wasmFile("types")]);
  const report = JSON.parse(result.stdout) as InspectReport;
  const geometry = report.imports.find((i) => i.name === "example:shapes/geometry@1.2.0")!;
  assert.equal(geometry.kind, "instance");
  const item = (name: string) => geometry.items!.find((i) => i.name === name);
  assert.deepEqual(item("point"), {
    name: "point",
    kind: "type",
    type: "record { x: f64, y: f64 }",
  });
  assert.deepEqual(item("canvas"), { name: "canvas", kind: "resource" });
  assert.equal(
    item("[method]canvas.draw")?.type,
    "func(self: borrow<canvas>, shape: shape, color: option<color>, style: style) -> " +
      "result<u64, string>",
  );
  assert.deepEqual(report.imports.find((i) => i.name === "log"), {
    name: "log",
    kind: "func",
    type: "func(message: string, level: char)",
  });
});

Deno.test("inspect: usage and file errors", async () => {
  const none = await weft(["inspect"]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /Cannot inspect: no component given \(see "weft inspect --help"\)/);
  const missing = await weft(["inspect", "/no/such/file.wasm"]);
  assert.equal(missing.status, 1);
  assert.equal(
    missing.stderr,
    `weft: error: Cannot read component "/no/such/file.wasm": no such file\n`,
  );
});

Deno.test("formatSize", () => {
  assert.equal(formatSize(999), "999 bytes");
  assert.equal(formatSize(1536), "1536 bytes (1.5 KiB)");
  assert.equal(formatSize(3 * 1024 * 1024), "3145728 bytes (3.0 MiB)");
});
