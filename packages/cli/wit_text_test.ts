import assert from "node:assert/strict";
import { ResourceType, type ValType } from "@weft/runtime";
import { componentWit, witFunc, witId, WitScope, witType } from "./wit_text.ts";

const u32: ValType = { kind: "u32" };
const str: ValType = { kind: "string" };

Deno.test("witId escapes WIT keywords", () => {
  assert.equal(witId("flags"), "%flags");
  assert.equal(witId("list"), "%list");
  assert.equal(witId("path-flags"), "path-flags");
});

Deno.test("witType writes every result form and structural types", () => {
  assert.equal(witType({ kind: "result", ok: undefined, err: undefined }), "result");
  assert.equal(witType({ kind: "result", ok: u32, err: undefined }), "result<u32>");
  assert.equal(witType({ kind: "result", ok: undefined, err: str }), "result<_, string>");
  assert.equal(witType({ kind: "result", ok: u32, err: str }), "result<u32, string>");
  assert.equal(witType({ kind: "list", element: u32, length: 4 }), "list<u32, 4>");
  assert.equal(witType({ kind: "map", key: str, value: u32 }), "map<string, u32>");
  assert.equal(witType({ kind: "stream", element: undefined }), "stream");
  assert.equal(witType({ kind: "future", element: str }), "future<string>");
  assert.equal(
    witType({ kind: "tuple", types: [u32, { kind: "option", type: str }] }),
    "tuple<u32, option<string>>",
  );
});

Deno.test("witType names nominal types and resources where the scope knows them", () => {
  const file = new ResourceType("file");
  const point: ValType = { kind: "record", fields: [{ name: "x", type: u32 }] };
  const scope = new WitScope();
  assert.equal(witType(point, scope), "record { x: u32 }");
  scope.name(point, "point", "");
  scope.name(file, "descriptor", "");
  assert.equal(witType(point, scope), "point");
  assert.equal(witType(point, scope, true), "record { x: u32 }");
  assert.equal(witType({ kind: "borrow", resource: file }, scope), "borrow<descriptor>");
  assert.equal(witType({ kind: "own", resource: file }, scope), "descriptor");
  // An unnamed resource goes by its own name.
  assert.equal(witType({ kind: "own", resource: new ResourceType("thing") }), "thing");
});

Deno.test("witFunc writes parameters, results, async and escaped names", () => {
  assert.equal(
    witFunc({ params: [{ name: "type", type: u32 }], result: str, async: false }),
    "func(%type: u32) -> string",
  );
  assert.equal(witFunc({ params: [], result: undefined, async: true }), "async func()");
});

Deno.test("componentWit writes a world of plain functions without packages", () => {
  const text = componentWit({
    imports: [{
      name: "log",
      type: {
        kind: "func",
        type: { params: [{ name: "msg", type: str }], result: undefined, async: false },
      },
    }],
    exports: [{
      name: "run",
      type: { kind: "func", type: { params: [], result: u32, async: false } },
    }],
  }, { world: "app" });
  assert.equal(
    text,
    "package root:component;\n\nworld app {\n  import log: func(msg: string);\n" +
      "  export run: func() -> u32;\n}\n",
  );
});
