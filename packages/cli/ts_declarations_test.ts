import assert from "node:assert/strict";
import type { ComponentTypeDesc, ValType } from "@weft/runtime";
import { componentTypeScript } from "./ts_declarations.ts";

function exportsOf(name: string, params: { name: string; type: ValType }[], result?: ValType) {
  const desc: ComponentTypeDesc = {
    imports: [],
    exports: [{ name, type: { kind: "func", type: { params, result, async: false } } }],
  };
  return componentTypeScript(desc).split("\n").map((l) => l.trim());
}

Deno.test("componentTypeScript maps numeric lists to typed arrays, others to arrays", () => {
  const lines = exportsOf("sum-all", [
    { name: "bytes", type: { kind: "list", element: { kind: "u8" } } },
    { name: "wide", type: { kind: "list", element: { kind: "s64" } } },
    { name: "floats", type: { kind: "list", element: { kind: "f32" } } },
    { name: "names", type: { kind: "list", element: { kind: "string" } } },
  ], { kind: "u64" });
  assert.ok(
    lines.includes(
      "sumAll: (bytes: Uint8Array, wide: BigInt64Array, floats: Float32Array, " +
        "names: Array<string>) => bigint;",
    ),
    lines.join("\n"),
  );
});

Deno.test("componentTypeScript escapes reserved parameter names and unwraps top-level results", () => {
  const lines = exportsOf("get", [{ name: "default", type: { kind: "bool" } }], {
    kind: "result",
    ok: { kind: "option", type: { kind: "string" } },
    err: { kind: "enum", labels: ["missing"] },
  });
  assert.ok(lines.includes("get: (default_: boolean) => string | undefined;"), lines.join("\n"));
});

Deno.test("componentTypeScript writes a result inside another type as a tagged union", () => {
  const lines = exportsOf("check", [], {
    kind: "option",
    type: { kind: "result", ok: undefined, err: { kind: "string" } },
  });
  assert.ok(
    lines.includes(`check: () => { tag: "ok" } | { tag: "err"; val: string } | undefined;`),
    lines.join("\n"),
  );
});

Deno.test("componentTypeScript maps streams to ReadableStreams and futures to Promises", () => {
  const lines = exportsOf("relay", [
    { name: "bytes", type: { kind: "stream", element: { kind: "u8" } } },
    { name: "names", type: { kind: "stream", element: { kind: "string" } } },
    { name: "ticks", type: { kind: "stream", element: undefined } },
    { name: "done", type: { kind: "future", element: undefined } },
  ], { kind: "future", element: { kind: "u32" } });
  assert.ok(
    lines.includes(
      "relay: (bytes: ReadableStream<Uint8Array>, names: ReadableStream<string>, " +
        "ticks: ReadableStream<number>, done: Promise<undefined>) => Promise<number>;",
    ),
    lines.join("\n"),
  );
});
