import assert from "node:assert/strict";
import { componentForms, parseSExprs } from "./_wast_forms.ts";

Deno.test("componentForms() finds component forms with their wrapping assertion", () => {
  const source = [
    "(component $a (core module))",
    "(component definition $d (type string))",
    "(component instance $i $d)",
    ";; (component) in a line comment",
    "(; (component) in a (; nested ;) block comment ;)",
    '(assert_invalid (component (type (list 5))) "x")',
    '(assert_malformed (component binary "\\00asm" "\\0d\\00\\01\\00" "\\ff") "y")',
    '(assert_malformed (component quote "(type string)") "z")',
    "(module (func))",
    '(assert_unlinkable (component (import "x" (func))) "w")',
  ].join("\n");
  assert.deepEqual(componentForms(source), [
    { line: 1, assertion: undefined, encoding: "text", text: "(component $a (core module))" },
    { line: 2, assertion: undefined, encoding: "text", text: "(component $d (type string))" },
    { line: 6, assertion: "assert_invalid", encoding: "text", text: "(component (type (list 5)))" },
    {
      line: 7,
      assertion: "assert_malformed",
      encoding: "binary",
      bytes: Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0xff),
    },
    {
      line: 8,
      assertion: "assert_malformed",
      encoding: "quote",
      text: "(component (type string))",
    },
    {
      line: 10,
      assertion: "assert_unlinkable",
      encoding: "text",
      text: '(component (import "x" (func)))',
    },
  ]);
});

Deno.test("parseSExprs() decodes string escapes to bytes", () => {
  const [list] = parseSExprs('("a\\n\\t\\\\\\"\\u{e9}\\41")');
  assert.equal(list?.type, "list");
  const str = list?.type === "list" ? list.items[0] : undefined;
  assert.deepEqual(
    str?.type === "string" ? [...str.bytes] : [],
    [0x61, 0x0a, 0x09, 0x5c, 0x22, 0xc3, 0xa9, 0x41],
  );
  assert.throws(() => parseSExprs("(a"), SyntaxError);
});
