import assert from "node:assert/strict";
import {
  type List,
  parseSExprs,
  SExprSyntaxError,
  sourceOf,
  type Str,
  stringText,
} from "./sexpr.ts";

function str(source: string): Str {
  const [form] = parseSExprs(`(x ${source})`);
  const node = form!.items[1]!;
  assert.equal(node.kind, "string");
  return node as Str;
}

Deno.test("parseSExprs() reads nested lists, atoms and strings with spans and lines", () => {
  const source = `(module $m\n  (func "f" 1))\n\n(invoke "f")`;
  const forms = parseSExprs(source);
  assert.equal(forms.length, 2);
  const [first, second] = forms as [List, List];
  assert.equal(first.line, 1);
  assert.equal(second.line, 4);
  assert.equal(source.slice(first.start, first.end), `(module $m\n  (func "f" 1))`);
  assert.deepEqual(first.items.map((i) => i.kind), ["atom", "atom", "list"]);
  const func = first.items[2] as List;
  assert.equal(func.line, 2);
  assert.equal(stringText(func.items[1] as Str), "f");
  assert.equal(source.slice(second.start, second.end), `(invoke "f")`);
});

Deno.test("parseSExprs() skips line comments and nested block comments", () => {
  const source = `;; a comment (not a form)
(a (; block (; nested ;) still comment ;) b) ;; trailing
(; (c) ;)
(d ;; inside
 e)`;
  const forms = parseSExprs(source);
  assert.deepEqual(
    forms.map((f) => f.items.map((i) => (i.kind === "atom" ? i.value : i.kind))),
    [["a", "b"], ["d", "e"]],
  );
  assert.equal(forms[1]!.line, 4);
});

Deno.test("string escapes decode to the bytes they denote", () => {
  assert.equal(stringText(str(String.raw`"a\nb\t\\\"\'"`)), "a\nb\t\\\"'");
  assert.deepEqual([...str(String.raw`"\00asm\0d\ff"`).bytes], [0, 0x61, 0x73, 0x6d, 0x0d, 0xff]);
  assert.equal(stringText(str(String.raw`"\u{1F370}\u{41}"`)), "🍰A");
  assert.equal(stringText(str(`"☃ö"`)), "☃ö");
  assert.deepEqual([...str(`"é"`).bytes], [0xc3, 0xa9]);
  assert.deepEqual(
    [...str(String.raw`"a\n\t\\\"\u{e9}\41"`).bytes],
    [0x61, 0x0a, 0x09, 0x5c, 0x22, 0xc3, 0xa9, 0x41],
  );
});

Deno.test("stringText() rejects bytes that are not UTF-8", () => {
  assert.throws(() => stringText(str(String.raw`"\ff"`)), TypeError);
});

Deno.test("parseSExprs() reports syntax errors with their line", () => {
  assert.throws(() => parseSExprs("(a\n(b)"), (e) => e instanceof SExprSyntaxError && e.line === 1);
  assert.throws(() => parseSExprs("(a)\n)"), (e) => e instanceof SExprSyntaxError && e.line === 2);
  assert.throws(() => parseSExprs(`(a "x`), SExprSyntaxError);
  assert.throws(() => parseSExprs(`(a "\\q")`), SExprSyntaxError);
  assert.throws(() => parseSExprs(`(a "\\u{d800}")`), SExprSyntaxError);
  assert.throws(() => parseSExprs("(a (; open"), SExprSyntaxError);
  assert.throws(() => parseSExprs("atom"), SExprSyntaxError);
});

Deno.test("a string may hold comment and paren characters", () => {
  const [form] = parseSExprs(`(a ";; (; )" b)`);
  assert.equal(stringText(form!.items[1] as Str), ";; (; )");
  assert.equal(form!.items.length, 3);
});

Deno.test("sourceOf() collapses whitespace and cuts long text", () => {
  const source = "(a\n   b)";
  const [form] = parseSExprs(source);
  assert.equal(sourceOf(source, form!), "(a b)");
  assert.equal(
    sourceOf("(" + "x".repeat(50) + ")", { start: 0, end: 52, line: 1 }, { max: 10 }),
    "(xxxxxxxx…",
  );
});
