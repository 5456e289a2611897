import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import { decodeComponent } from "../binary/decode.ts";
import { validateComponent } from "./validate.ts";
import { wastForms } from "./_wast_forms.ts";
const root = "/work/shared/conformance";
const dirs = Deno.args.length ? Deno.args : ["component-model/validation","component-model/binary","component-model/linking","wasmtime/component-model"];
for (const d of dirs) {
  for (const f of [...Deno.readDirSync(`${root}/${d}`)].filter(f=>f.name.endsWith(".wast")).map(f=>f.name).sort()) {
    const src = Deno.readTextFileSync(`${root}/${d}/${f}`);
    for (const form of wastForms(src)) {
      if (form.expect !== "invalid") continue;
      let bytes;
      try { bytes = form.source.kind === "text" ? await parse(form.source.text) : form.source.bytes; } catch { continue; }
      let ast;
      try { ast = decodeComponent(bytes); } catch { continue; }
      try { validateComponent(ast); } catch (e) { console.log(`${f}:${form.line}\n   want: ${form.message}\n   got:  ${(e as Error).message.replace("Cannot validate component: ","")}`); }
    }
  }
}
