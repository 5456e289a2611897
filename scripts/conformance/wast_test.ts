import assert from "node:assert/strict";
import { parseScript } from "./wast.ts";

Deno.test("parseScript() reads component forms, definitions and instances", () => {
  const source = `(component $C
  (core module $m) ;; a comment
)
(component definition $D (import "a" (func)))
(component instance $i $D)
(component)
(module (func))`;
  const [c, def, inst, empty, core] = parseScript(source).directives;
  assert.equal(c?.kind, "module");
  assert.equal(c.line, 1);
  assert.deepEqual(c.kind === "module" && c.form, {
    type: "component",
    id: "$C",
    definition: false,
    source: { kind: "text", text: "(component $C (core module $m) ;; a comment\n)" },
  });
  assert.ok(def?.kind === "module" && def.form.definition && def.form.id === "$D");
  assert.equal(
    def.kind === "module" && def.form.source.kind === "text" && def.form.source.text,
    `(component $D (import "a" (func)))`,
  );
  assert.deepEqual(inst?.kind === "instance" && [inst.id, inst.definition, inst.line], [
    "$i",
    "$D",
    5,
  ]);
  assert.ok(
    empty?.kind === "module" && empty.form.source.kind === "text" &&
      empty.form.source.text === "(component )",
  );
  assert.ok(core?.kind === "module" && core.form.type === "module");
});

Deno.test("parseScript() reads binary and quote forms", () => {
  const source = `(component binary "\\00asm" "\\0d\\00\\01\\00")
(assert_malformed (component quote "(import \\"a\\" (func))" "(export)") "unexpected token")
(component definition $B binary "\\00asm")`;
  const [bin, quote, defBin] = parseScript(source).directives;
  assert.ok(bin?.kind === "module" && bin.form.source.kind === "binary");
  assert.deepEqual([...bin.form.source.bytes], [0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0]);
  assert.ok(quote?.kind === "assert_malformed");
  assert.equal(quote.message, "unexpected token");
  assert.deepEqual(quote.form.source, {
    kind: "quote",
    text: `(component (import "a" (func)) (export))`,
  });
  assert.ok(defBin?.kind === "module" && defBin.form.definition && defBin.form.id === "$B");
  assert.equal(defBin.form.source.kind, "binary");
});

Deno.test("parseScript() reads invokes and assertions", () => {
  const source = `(invoke "f" (u32.const 1))
(invoke $i "g")
(assert_return (invoke "f" (u32.const 1) (u32.const 2)) (u32.const 3))
(assert_return (invoke "f"))
(assert_trap (invoke "f") "unreachable")
(assert_trap (component (core module)) "start trapped")
(assert_trap (component instance $i $D) "boom")
(assert_invalid (component (import "a" (func))) "bad")
(assert_unlinkable (component (import "a" (func))) "missing")`;
  const d = parseScript(source).directives;
  assert.deepEqual(d.map((x) => x.kind), [
    "invoke",
    "invoke",
    "assert_return",
    "assert_return",
    "assert_trap",
    "assert_trap",
    "assert_trap",
    "assert_invalid",
    "assert_unlinkable",
  ]);
  assert.ok(d[0]?.kind === "invoke" && d[0].invoke.instance === undefined);
  assert.equal(d[0].invoke.args.length, 1);
  assert.ok(d[1]?.kind === "invoke" && d[1].invoke.instance === "$i" && d[1].invoke.name === "g");
  assert.ok(d[2]?.kind === "assert_return" && d[2].results.length === 1);
  assert.equal(d[2].invoke.args.length, 2);
  assert.ok(d[3]?.kind === "assert_return" && d[3].results.length === 0);
  assert.ok(d[5]?.kind === "assert_trap" && d[5].action.kind === "module");
  assert.ok(d[6]?.kind === "assert_trap" && d[6].action.kind === "instance");
  assert.ok(d[7]?.kind === "assert_invalid" && d[7].message === "bad");
  assert.equal(d[7].text, `(assert_invalid (component (import "a" (func))) "bad")`);
});

Deno.test("parseScript() turns unreadable directives into errors and threads into skips", () => {
  const d = parseScript(`(assert_trap (invoke "f"))
(bogus 1)
(thread $t (invoke "f"))
(wait $t)
(invoke 1)
(assert_invalid (invoke "f") "x")`).directives;
  assert.deepEqual(d.map((x) => x.kind), [
    "error",
    "error",
    "unsupported",
    "unsupported",
    "error",
    "error",
  ]);
  assert.ok(d[0]?.kind === "error" && /message string/.test(d[0].error));
  assert.ok(d[1]?.kind === "error" && /unknown directive \(bogus/.test(d[1].error));
});
