import assert from "node:assert/strict";
import {
  findImportKey,
  parseInterfaceName,
  toCamelCase,
  toPascalCase,
  versionsCompatible,
} from "./names.ts";

Deno.test("toCamelCase keeps acronyms and lowercases nothing", () => {
  assert.equal(toCamelCase("get-HTTP-header"), "getHTTPHeader");
  assert.equal(toCamelCase("greet"), "greet");
  assert.equal(toCamelCase("last-drop"), "lastDrop");
});

Deno.test("toPascalCase capitalises every word", () => {
  assert.equal(toPascalCase("http-request"), "HttpRequest");
  assert.equal(toPascalCase("resource1"), "Resource1");
});

Deno.test("parseInterfaceName splits the version off interface names only", () => {
  assert.deepEqual(parseInterfaceName("wasi:io/streams@0.2.3"), {
    base: "wasi:io/streams",
    version: "0.2.3",
  });
  assert.deepEqual(parseInterfaceName("plain"), { base: "plain", version: undefined });
});

Deno.test("versionsCompatible follows semver compatibility", () => {
  assert.equal(versionsCompatible("0.2.3", "0.2.12"), true);
  assert.equal(versionsCompatible("0.2.3", "0.3.0"), false);
  assert.equal(versionsCompatible("1.2.0", "1.9.9"), true);
  assert.equal(versionsCompatible("1.2.0", "2.0.0"), false);
  assert.equal(versionsCompatible("0.0.1", "0.0.2"), false);
  assert.equal(versionsCompatible("0.2.0-rc1", "0.2.0"), false);
});

Deno.test("findImportKey matches exact, camelCase and compatible versions", () => {
  const keys = ["wasi:io/streams@0.2.12", "returnThree", "Resource1"];
  assert.equal(findImportKey(keys, "wasi:io/streams@0.2.3"), "wasi:io/streams@0.2.12");
  assert.equal(findImportKey(keys, "wasi:io/streams@0.3.0"), undefined);
  assert.equal(findImportKey(keys, "return-three"), "returnThree");
  assert.equal(findImportKey(keys, "resource1"), "Resource1");
  assert.equal(findImportKey(["wasi:io/poll"], "wasi:io/poll@0.2.0"), "wasi:io/poll");
});
