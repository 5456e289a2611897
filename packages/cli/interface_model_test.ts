import assert from "node:assert/strict";
import { type ExternDesc, ResourceType } from "@weft/runtime";
import { interfaceModel, isNominal, parseInterfaceName } from "./interface_model.ts";

Deno.test("parseInterfaceName splits package names, and leaves plain names alone", () => {
  assert.deepEqual(parseInterfaceName("wasi:io/streams@0.2.0"), {
    namespace: "wasi",
    package: "io",
    name: "streams",
    version: "0.2.0",
  });
  assert.deepEqual(parseInterfaceName("my:pkg/api"), {
    namespace: "my",
    package: "pkg",
    name: "api",
    version: undefined,
  });
  assert.equal(parseInterfaceName("host"), undefined);
});

Deno.test("interfaceModel gathers a resource's constructor, methods and statics", () => {
  const counter = new ResourceType("counter");
  const fn = { params: [], result: undefined, async: false };
  const items: ExternDesc[] = [
    { name: "counter", type: { kind: "type", type: counter } },
    { name: "[constructor]counter", type: { kind: "func", type: fn } },
    { name: "[method]counter.bump", type: { kind: "func", type: fn } },
    { name: "[static]counter.zero", type: { kind: "func", type: fn } },
    { name: "reset", type: { kind: "func", type: fn } },
    { name: "kind", type: { kind: "type", type: { kind: "enum", labels: ["a"] } } },
    { name: "sub", type: { kind: "instance", exports: [] } },
  ];
  const model = interfaceModel(items);
  assert.equal(model.resources.length, 1);
  assert.equal(model.resources[0]!.constructor, fn);
  assert.deepEqual(model.resources[0]!.methods.map((m) => m.name), ["bump"]);
  assert.deepEqual(model.resources[0]!.statics.map((m) => m.name), ["zero"]);
  assert.deepEqual(model.funcs.map((f) => f.name), ["reset"]);
  assert.deepEqual(model.types.map((t) => t.name), ["kind"]);
  assert.deepEqual(model.other, [{ name: "sub", kind: "instance" }]);
});

Deno.test("isNominal: resources and the kinds WIT writes only by name", () => {
  assert.equal(isNominal(new ResourceType("r")), true);
  assert.equal(isNominal({ kind: "record", fields: [] }), true);
  assert.equal(isNominal({ kind: "flags", labels: [] }), true);
  assert.equal(isNominal({ kind: "u64" }), false);
  assert.equal(isNominal({ kind: "list", element: { kind: "u8" } }), false);
});
