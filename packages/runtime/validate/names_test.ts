import assert from "node:assert/strict";
import { checkLabel, checkSemver, parseExternName, uniquenessKey } from "./names.ts";

Deno.test("checkLabel() accepts kebab case words and acronyms only", () => {
  for (
    const ok of ["a", "a-b-c", "a1-2-3", "A", "A-B-C", "A1-2-3", "a11-w0rds", "m1x3d-4CR0NYMS"]
  ) {
    assert.equal(checkLabel(ok), undefined, ok);
  }
  for (const bad of ["", "1-2-3", "a-", "-a", "a--b", "aBc", "a_b", "a.b", "Ab"]) {
    assert.notEqual(checkLabel(bad), undefined, bad);
  }
});

Deno.test("checkSemver() follows semver 2.0", () => {
  for (const ok of ["0.0.0", "1.2.3", "123456.7890.488", "0.0.0-abcd.1.2+efg.4.ee.5", "1.0.0+b"]) {
    assert.equal(checkSemver(ok), undefined, ok);
  }
  assert.equal(checkSemver(""), "empty string");
  assert.equal(checkSemver("1."), "unexpected character '.'");
  assert.equal(checkSemver("1.2"), "unexpected end of input");
  assert.equal(checkSemver("a.2.0"), "unexpected character 'a'");
  assert.equal(checkSemver("2.0.0+"), "empty identifier segment");
  assert.equal(checkSemver("01.0.0"), "invalid leading zero");
});

Deno.test("parseExternName() parses plain, annotated and interface names", () => {
  assert.deepEqual(parseExternName("get-JSON"), { kind: "label", label: "get-JSON" });
  assert.deepEqual(parseExternName("[constructor]r"), { kind: "constructor", resource: "r" });
  assert.deepEqual(parseExternName("[method]r.get"), {
    kind: "method",
    resource: "r",
    label: "get",
  });
  assert.deepEqual(parseExternName("[static]r.new"), {
    kind: "static",
    resource: "r",
    label: "new",
  });
  assert.deepEqual(parseExternName("wasi:http/types@0.2.3"), {
    kind: "interface",
    version: "0.2.3",
  });
  assert.deepEqual(parseExternName("a:b/c"), { kind: "interface", version: undefined });
  assert.equal(parseExternName("[method]a"), "failed to find `.` character");
  assert.equal(parseExternName("[async]a"), "`[async]a` is not a valid extern name");
  assert.equal(parseExternName("foo:bar/baz/qux"), "trailing characters found: `/qux`");
  assert.equal(parseExternName("foo:bar:baz/qux"), "expected `/` after package name");
  assert.equal(typeof parseExternName("A:b/c"), "string");
});

Deno.test("uniquenessKey() canonicalizes names per Explainer.md § Name Uniqueness", () => {
  const keys = [
    "foo",
    "foo-bar",
    "[constructor]foo",
    "[method]foo.bar",
    "[static]foo.baz",
    "foo:bar/baz",
  ]
    .map(uniquenessKey);
  assert.equal(new Set(keys).size, keys.length, "strongly unique");
  for (
    const clash of [
      "FOO",
      "[constructor]FOO",
      "[method]foo.BAR",
      "[static]foo.bar",
      "[method]foo.foo",
    ]
  ) {
    assert.ok(keys.includes(uniquenessKey(clash)), clash);
  }
});
