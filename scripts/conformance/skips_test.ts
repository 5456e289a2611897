import assert from "node:assert/strict";
import { parseSExprs } from "./sexpr.ts";
import { coreFeatureGaps, directiveSkipReason, readFeatures, skipReason } from "./skips.ts";
import { parseScript } from "./wast.ts";

function reason(
  path: string,
  source: string,
  gaps = new Map<string, string>(),
): string | undefined {
  return skipReason({ path, source, forms: parseSExprs(source) }, gaps);
}

Deno.test("readFeatures() reads ;;! lines", () => {
  const f = readFeatures(";;! gc = true\n;;! component_model_implements = false\n(component)");
  assert.deepEqual([...f], [["gc", true], ["component_model_implements", false]]);
});

Deno.test("skipReason() runs async folders and skips threading folders", () => {
  assert.equal(reason("async/x.wast", "(component)"), undefined);
  assert.match(reason("component-model-threading/x.wast", "(component)")!, /threading/);
  assert.equal(reason("values/x.wast", "(component)"), undefined);
});

Deno.test("skipReason() skips unsupported features, and features Weft cannot turn off", () => {
  assert.match(reason("a.wast", ";;! component_model_threading = true\n(component)")!, /threading/);
  assert.match(reason("a.wast", ";;! component_model_gc = true\n(component)")!, /gc/);
  assert.match(
    reason("a.wast", ";;! component_model_implements = false\n(component)")!,
    /turned off/,
  );
  assert.equal(reason("a.wast", ";;! multi_memory = true\n(component)"), undefined);
  assert.equal(
    reason("a.wast", ";;! gc = true\n(component)", new Map([["gc", "needs gc"]])),
    "needs gc",
  );
});

Deno.test("skipReason() runs async constructs and stackful async scripts", () => {
  // Outside the async folders a script runs; Weft's own refusal skips directives one by one.
  assert.equal(
    reason("values/a.wast", `(component (core func (canon backpressure.inc)))`),
    undefined,
  );
  assert.equal(reason("a.wast", ";;! component_model_async = true\n(component)"), undefined);
  assert.equal(reason("async/a.wast", "(component)"), undefined);
  assert.equal(
    reason("gc/a.wast", ";;! component_model_async_stackful = true\n(component)"),
    undefined,
  );
});

Deno.test("coreFeatureGaps() finds nothing missing in this V8", () => {
  assert.deepEqual([...coreFeatureGaps()], []);
});

Deno.test("directiveSkipReason() skips only assertions of Wasmtime's own restrictions", () => {
  const [limit, rule] =
    parseScript(`(assert_invalid (component) "root-level component imports are not supported")
(assert_invalid (component) "type index out of bounds")`).directives;
  assert.match(directiveSkipReason(limit!)!, /Wasmtime restriction/);
  assert.equal(directiveSkipReason(rule!), undefined);
});

Deno.test("directiveSkipReason() skips a trap that only Wasmtime's resource limits raise", () => {
  const [fuel, other] = parseScript(
    `(assert_trap (invoke "stream") "fuel allocated for hostcalls has been exhausted")
(assert_trap (invoke "stream") "cannot drop busy stream")`,
  ).directives;
  assert.match(directiveSkipReason(fuel!)!, /Wasmtime resource limit/);
  assert.equal(directiveSkipReason(other!), undefined);
});
