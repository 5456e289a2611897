import assert from "node:assert/strict";
import { errOf } from "./_test_util.ts";
import { Fields, fieldsFromHeaders, headersFromFields } from "./http_fields.ts";

const b = (s: string) => new TextEncoder().encode(s);
const t = (v: Uint8Array) => new TextDecoder().decode(v);

Deno.test("fields keep order and multiple values, names case-insensitive", () => {
  const f = Fields.fromList([["Accept", b("a")], ["X-One", b("1")], ["accept", b("b")]]);
  assert.deepEqual(f.get("ACCEPT").map(t), ["a", "b"]);
  assert.equal(f.has("x-one"), true);
  assert.equal(f.has("x-two"), false);
  assert.deepEqual(f.get("x-two"), []);
  assert.deepEqual(f.entries().map(([n, v]) => [n, t(v)]), [
    ["accept", "a"],
    ["x-one", "1"],
    ["accept", "b"],
  ]);
  f.append("x-one", b("2"));
  f.set("accept", [b("c")]);
  assert.deepEqual(f.entries().map(([n, v]) => [n, t(v)]), [
    ["x-one", "1"],
    ["x-one", "2"],
    ["accept", "c"],
  ]);
  f.delete("X-ONE");
  assert.deepEqual(f.entries().map(([n]) => n), ["accept"]);
});

Deno.test("fields refuse malformed names and values with invalid-syntax", () => {
  const f = new Fields();
  for (const name of ["", "a b", "a:b", "é", "a\n"]) {
    assert.deepEqual(errOf(() => f.append(name, b("x"))), { tag: "invalid-syntax" }, name);
    assert.deepEqual(errOf(() => Fields.fromList([[name, b("x")]])), { tag: "invalid-syntax" });
  }
  for (const value of ["a\r\nb", "a\nb", "\0", "\x7f"]) {
    assert.deepEqual(errOf(() => f.set("x", [b(value)])), { tag: "invalid-syntax" });
  }
  // A tab and obs-text bytes are allowed.
  f.append("x", new Uint8Array([0x61, 0x09, 0xff]));
  assert.deepEqual(f.get("x"), [new Uint8Array([0x61, 0x09, 0xff])]);
  // A failed set leaves the fields as they were.
  assert.deepEqual(errOf(() => f.set("x", [b("ok"), b("bad\n")])), { tag: "invalid-syntax" });
  assert.equal(f.get("x").length, 1);
});

Deno.test("fields refuse forbidden names with forbidden", () => {
  const f = new Fields();
  for (const name of ["Host", "connection", "Transfer-Encoding", "upgrade", "keep-alive"]) {
    assert.deepEqual(errOf(() => f.append(name, b("x"))), { tag: "forbidden" }, name);
    assert.deepEqual(errOf(() => f.set(name, [b("x")])), { tag: "forbidden" }, name);
    assert.deepEqual(errOf(() => Fields.fromList([[name, b("x")]])), { tag: "forbidden" });
  }
  assert.equal(f.entries().length, 0);
});

Deno.test("host-given fields are immutable; clone is mutable and independent", () => {
  const h = new Headers([["host", "example.com"], ["x-a", "1"]]);
  const f = fieldsFromHeaders(h);
  // Received fields may carry what a guest could not set.
  assert.deepEqual(f.get("host").map(t), ["example.com"]);
  for (const op of [() => f.set("x-a", [b("2")]), () => f.append("x-b", b("1"))]) {
    assert.deepEqual(errOf(op), { tag: "immutable" });
  }
  assert.deepEqual(errOf(() => f.delete("x-a")), { tag: "immutable" });
  const c = f.clone();
  c.set("x-a", [b("2")]);
  assert.deepEqual(c.get("x-a").map(t), ["2"]);
  assert.deepEqual(f.get("x-a").map(t), ["1"]);
});

Deno.test("values given out are copies", () => {
  const value = b("abc");
  const f = Fields.fromList([["x", value]]);
  value[0] = 0x7a;
  const got = f.get("x")[0]!;
  assert.equal(t(got), "abc");
  got[0] = 0x7a;
  assert.equal(t(f.get("x")[0]!), "abc");
});

Deno.test("fields round-trip to fetch Headers as Latin-1 byte strings", () => {
  const f = Fields.fromList([["x-bin", new Uint8Array([0x61, 0xe9])], ["content-length", b("3")]]);
  const h = headersFromFields(f, new Set(["content-length"]));
  assert.equal(h.get("x-bin"), "a\u00e9");
  assert.equal(h.has("content-length"), false);
  assert.deepEqual(fieldsFromHeaders(h).get("x-bin"), [new Uint8Array([0x61, 0xe9])]);
});
