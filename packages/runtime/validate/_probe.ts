import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import { wastForms } from "./_wast_forms.ts";
const root = "/work/shared/conformance";
const dirs = ["component-model/validation","component-model/binary","component-model/values","component-model/resources","component-model/linking","wasmtime/component-model"];
for (const d of dirs) {
  const c: Record<string, number> = {};
  for (const f of [...Deno.readDirSync(`${root}/${d}`)].filter(f=>f.name.endsWith(".wast"))) {
    const src = Deno.readTextFileSync(`${root}/${d}/${f.name}`);
    for (const form of wastForms(src)) {
      let ok = true;
      if (form.source.kind === "text") { try { await parse(form.source.text); } catch (e) { ok = false; if (form.expect==="valid") console.log(f.name, form.line, String(e).slice(0,200)); } }
      const k = `${form.expect}-${form.source.kind}-${ok?"parsed":"parsefail"}`;
      c[k] = (c[k] ?? 0) + 1;
    }
  }
  console.log(d, c);
}
