import assert from "node:assert/strict";
import { ResourceType, t, type ValType } from "@weft/abi";
import { parseSExprs } from "./sexpr.ts";
import {
  camelCase,
  compareValues,
  formatValue,
  parseFloatLiteral,
  parseInteger,
  readConst,
  toJs,
} from "./values.ts";

/** Reads one constant from text and converts it for `type`. */
function js(text: string, type: ValType | undefined): unknown {
  const [node] = parseSExprs(text);
  return toJs(readConst(node!), type);
}

Deno.test("integer literals: signs, hex, underscores, ranges", () => {
  assert.equal(parseInteger("-1", "s32"), -1n);
  assert.equal(parseInteger("0xff", "u8"), 255n);
  assert.equal(parseInteger("1_000", "u32"), 1000n);
  assert.equal(parseInteger("18446744073709551615", "u64"), 18446744073709551615n);
  assert.equal(parseInteger("-0x8000_0000", "s32"), -2147483648n);
  assert.throws(() => parseInteger("256", "u8"), RangeError);
  assert.throws(() => parseInteger("-1", "u32"), RangeError);
  assert.throws(() => parseInteger("1.5", "u32"), SyntaxError);
  assert.throws(() => parseInteger("_1", "u32"), SyntaxError);
});

Deno.test("float literals: decimal, hex, inf, nan, f32 rounding", () => {
  assert.equal(parseFloatLiteral("-3.3", "f64"), -3.3);
  assert.equal(parseFloatLiteral("-3.3", "f32"), Math.fround(-3.3));
  assert.notEqual(parseFloatLiteral("-3.3", "f32"), -3.3);
  assert.equal(parseFloatLiteral("1e3", "f64"), 1000);
  assert.equal(parseFloatLiteral("0x1.8p3", "f64"), 12);
  assert.equal(parseFloatLiteral("-0x10", "f64"), -16);
  assert.equal(parseFloatLiteral("0x1p-2", "f32"), 0.25);
  assert.equal(parseFloatLiteral("0x1.fffffep127", "f32"), 3.4028234663852886e38);
  assert.equal(parseFloatLiteral("inf", "f32"), Infinity);
  assert.equal(parseFloatLiteral("-inf", "f64"), -Infinity);
  assert.ok(Number.isNaN(parseFloatLiteral("nan", "f32")));
  assert.ok(Number.isNaN(parseFloatLiteral("-nan:0x200000", "f32")));
  assert.ok(Object.is(parseFloatLiteral("-0", "f64"), -0));
  assert.throws(() => parseFloatLiteral("abc", "f64"), SyntaxError);
});

Deno.test("toJs() follows jco's mapping for primitives", () => {
  assert.equal(js("(u32.const 4294967295)", t.u32), 4294967295);
  assert.equal(js("(s64.const -1)", t.s64), -1n);
  assert.equal(js("(u64.const 5)", t.u64), 5n);
  assert.equal(js("(bool.const true)", t.bool), true);
  assert.equal(js(`(char.const "🍰")`, t.char), "🍰");
  assert.equal(js(`(str.const "hi")`, t.string), "hi");
  assert.throws(() => js("(u8.const 1)", t.u32), TypeError);
  assert.throws(() => js(`(str.const "x")`, t.char), TypeError);
  assert.throws(() => js(`(char.const "ab")`, t.char), SyntaxError);
});

Deno.test("toJs() maps numeric lists to typed arrays and others to arrays", () => {
  const bytes = js("(list.const (u8.const 1) (u8.const 2))", { kind: "list", element: t.u8 });
  assert.ok(bytes instanceof Uint8Array);
  assert.deepEqual([...bytes], [1, 2]);
  const big = js("(list.const (s64.const -1))", { kind: "list", element: t.s64 });
  assert.ok(big instanceof BigInt64Array);
  assert.equal((big as BigInt64Array)[0], -1n);
  assert.ok(js("(list.const)", { kind: "list", element: t.f32 }) instanceof Float32Array);
  assert.deepEqual(
    js(`(list.const (str.const "a") (str.const "b"))`, { kind: "list", element: t.string }),
    ["a", "b"],
  );
});

Deno.test("toJs() maps records with camelCase fields, both field syntaxes", () => {
  const type: ValType = {
    kind: "record",
    fields: [{ name: "first-name", type: t.string }, { name: "n", type: t.u32 }],
  };
  const expected = { firstName: "x", n: 7 };
  assert.deepEqual(
    js(`(record.const (field "first-name" str.const "x") (field "n" u32.const 7))`, type),
    expected,
  );
  assert.deepEqual(
    js(`(record.const (field "first-name" (str.const "x")) (field "n" (u32.const 7)))`, type),
    expected,
  );
  assert.throws(() => js(`(record.const (field "n" u32.const 7))`, type), TypeError);
});

Deno.test("toJs() maps variants, enums, flags, tuples", () => {
  const variant: ValType = {
    kind: "variant",
    cases: [{ name: "a", type: t.u32 }, { name: "no-payload", type: undefined }],
  };
  assert.deepEqual(js(`(variant.const "a" (u32.const 3))`, variant), { tag: "a", val: 3 });
  const none = js(`(variant.const "no-payload")`, variant);
  assert.deepEqual(none, { tag: "no-payload" });
  assert.ok(!Object.hasOwn(none as object, "val"));
  assert.throws(() => js(`(variant.const "zz")`, variant), TypeError);
  assert.throws(() => js(`(variant.const "a")`, variant), TypeError);
  assert.equal(js(`(enum.const "blue")`, { kind: "enum", labels: ["red", "blue"] }), "blue");
  assert.deepEqual(js(`(flags.const "a" "c-d")`, { kind: "flags", labels: ["a", "b", "c-d"] }), {
    a: true,
    b: false,
    cD: true,
  });
  assert.deepEqual(
    js(`(tuple.const (char.const "A") (bool.const true))`, {
      kind: "tuple",
      types: [t.char, t.bool],
    }),
    ["A", true],
  );
});

Deno.test("toJs() maps options (flat and nested) and results", () => {
  const opt: ValType = { kind: "option", type: t.u32 };
  assert.equal(js("(option.none)", opt), undefined);
  assert.equal(js("(option.some (u32.const 5))", opt), 5);
  const nested: ValType = { kind: "option", type: opt };
  assert.deepEqual(js("(option.none)", nested), { tag: "none" });
  assert.deepEqual(js("(option.some (option.none))", nested), { tag: "some", val: undefined });
  assert.deepEqual(js("(option.some (option.some (u32.const 1)))", nested), {
    tag: "some",
    val: 1,
  });
  const result: ValType = { kind: "result", ok: t.string, err: undefined };
  assert.deepEqual(js(`(result.ok (str.const "yo"))`, result), { tag: "ok", val: "yo" });
  assert.deepEqual(js(`(result.err)`, result), { tag: "err", val: undefined });
  assert.throws(() => js(`(result.err (u32.const 1))`, result), TypeError);
});

Deno.test("toJs() builds a Map for map<K, V>, or the pairs when a key repeats", () => {
  const type: ValType = { kind: "map", key: t.string, value: t.u32 };
  const m = js(`(list.const (tuple.const (str.const "a") (u32.const 1)))`, type);
  assert.ok(m instanceof Map);
  assert.equal(m.get("a"), 1);
  const repeated = js(
    `(list.const (tuple.const (str.const "k") (u32.const 1)) (tuple.const (str.const "k") (u32.const 2)))`,
    type,
  );
  assert.deepEqual(repeated, [["k", 1], ["k", 2]]);
});

Deno.test("toJs() refuses resources: scripts cannot write them", () => {
  assert.throws(
    () => js("(u32.const 1)", { kind: "own", resource: new ResourceType("r") }),
    TypeError,
  );
});

Deno.test("toJs() without a type uses the constant's own form", () => {
  assert.equal(js("(u64.const 1)", undefined), 1n);
  assert.equal(js("(u16.const 1)", undefined), 1);
  assert.deepEqual(js(`(record.const (field "a-b" u8.const 1))`, undefined), { aB: 1 });
  assert.equal(js("(option.none)", undefined), undefined);
});

Deno.test("compareValues() treats NaN as equal to NaN and -0 as not 0", () => {
  assert.equal(compareValues(NaN, NaN, t.f32), undefined);
  assert.notEqual(compareValues(1, NaN, t.f64), undefined);
  assert.notEqual(compareValues(-0, 0, t.f64), undefined);
  assert.equal(compareValues(Math.fround(-3.3), Math.fround(-3.3), t.f32), undefined);
  assert.equal(compareValues(NaN, NaN, undefined), undefined);
});

Deno.test("compareValues() checks typed array classes and nested values", () => {
  const bytes: ValType = { kind: "list", element: t.u8 };
  assert.equal(compareValues(new Uint8Array([1, 2]), new Uint8Array([1, 2]), bytes), undefined);
  assert.match(compareValues([1, 2], new Uint8Array([1, 2]), bytes)!, /Uint8Array/);
  assert.match(compareValues(new Uint8Array([1, 3]), new Uint8Array([1, 2]), bytes)!, /\[1\]/);
  const rec: ValType = {
    kind: "record",
    fields: [{ name: "xs", type: { kind: "list", element: t.string } }],
  };
  assert.equal(compareValues({ xs: ["a"] }, { xs: ["a"] }, rec), undefined);
  assert.match(compareValues({ xs: ["b"] }, { xs: ["a"] }, rec)!, /\.xs\[0\]/);
  const v: ValType = {
    kind: "variant",
    cases: [{ name: "a", type: t.u64 }, { name: "b", type: undefined }],
  };
  assert.equal(compareValues({ tag: "a", val: 1n }, { tag: "a", val: 1n }, v), undefined);
  assert.notEqual(compareValues({ tag: "a", val: 1 }, { tag: "a", val: 1n }, v), undefined);
  assert.notEqual(compareValues({ tag: "b" }, { tag: "a", val: 1n }, v), undefined);
  const flags: ValType = { kind: "flags", labels: ["x", "y-z"] };
  assert.equal(compareValues({ x: true, yZ: false }, { x: true, yZ: false }, flags), undefined);
  assert.notEqual(compareValues({ x: true }, { x: true, yZ: true }, flags), undefined);
  const opt: ValType = { kind: "option", type: t.u32 };
  assert.notEqual(compareValues(0, undefined, opt), undefined);
  assert.equal(compareValues(undefined, undefined, opt), undefined);
});

Deno.test("camelCase() and formatValue()", () => {
  assert.equal(camelCase("foo-bar-baz"), "fooBarBaz");
  assert.equal(camelCase("f1"), "f1");
  assert.equal(camelCase("HTTP-error"), "httpError");
  assert.equal(formatValue(1n), "1n");
  assert.equal(formatValue(new Uint8Array([1])), "Uint8Array[1]");
  assert.equal(formatValue({ tag: "a", val: [-0] }), '{tag: "a", val: [-0]}');
  assert.equal(formatValue(new Map([["k", 1]])), 'Map{"k" => 1}');
});
