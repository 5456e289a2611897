import assert from "node:assert/strict";
import { componentForms } from "./forms.ts";

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
    {
      line: 1,
      assertion: undefined,
      message: undefined,
      source: { kind: "text", text: "(component $a (core module))" },
    },
    {
      line: 2,
      assertion: undefined,
      message: undefined,
      source: { kind: "text", text: "(component $d (type string))" },
    },
    {
      line: 6,
      assertion: "assert_invalid",
      message: "x",
      source: { kind: "text", text: "(component (type (list 5)))" },
    },
    {
      line: 7,
      assertion: "assert_malformed",
      message: "y",
      source: {
        kind: "binary",
        bytes: Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00, 0xff),
      },
    },
    {
      line: 8,
      assertion: "assert_malformed",
      message: "z",
      source: { kind: "quote", text: "(component (type string))" },
    },
    {
      line: 10,
      assertion: "assert_unlinkable",
      message: "w",
      source: { kind: "text", text: '(component (import "x" (func)))' },
    },
  ]);
});

Deno.test("componentForms() lists trapping components and skips what is not a component form", () => {
  const source = [
    "(component $outer",
    "  (component $inner))",
    '(assert_trap (component (core module)) "boom")',
    '(assert_trap (component instance $i $outer) "boom")',
    '(assert_trap (invoke "f") "boom")',
    '(assert_invalid (module (func)) "core")',
    "(assert_invalid (component))",
    '(invoke "f")',
    "(component definition $b binary",
    '  "\\00asm")',
  ].join("\n");
  const forms = componentForms(source);
  assert.deepEqual(forms.map((f) => [f.line, f.assertion, f.message, f.source.kind]), [
    [1, undefined, undefined, "text"],
    [3, "assert_trap", "boom", "text"],
    [9, undefined, undefined, "binary"],
  ]);
  assert.deepEqual(forms[0]?.source, {
    kind: "text",
    text: "(component $outer (component $inner))",
  });
});
