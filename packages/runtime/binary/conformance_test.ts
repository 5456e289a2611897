import assert from "node:assert/strict";
import { decodeComponent } from "./decode.ts";
import { CompileError } from "./errors.ts";
import { type ComponentForm, componentForms } from "../../../scripts/conformance/forms.ts";
import { wat } from "./_test_util.ts";

// The suites live beside the repository, at `<repo>/../shared/conformance`.
const ROOT = new URL("../../../../shared/conformance/", import.meta.url);

function exists(url: URL): boolean {
  try {
    return Deno.statSync(url).isDirectory;
  } catch {
    return false;
  }
}

const present = exists(ROOT);

function wastFiles(dir: URL): URL[] {
  const out: URL[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) out.push(...wastFiles(url));
    else if (entry.name.endsWith(".wast")) out.push(url);
  }
  return out.sort((a, b) => a.href.localeCompare(b.href));
}

interface Form extends ComponentForm {
  readonly file: string;
}

let cache: Form[] | undefined;
function forms(): Form[] {
  cache ??= wastFiles(ROOT).flatMap((url) =>
    componentForms(Deno.readTextFileSync(url)).map((f) => ({
      ...f,
      file: url.href.slice(ROOT.href.length),
    }))
  );
  return cache;
}

const where = (f: Form): string => `${f.file}:${f.line}`;

/** Every core module embedded (at any depth) in a decodable component. */
function coreModules(bytes: Uint8Array): Uint8Array<ArrayBuffer>[] {
  const out: Uint8Array<ArrayBuffer>[] = [];
  const walk = (items: ReturnType<typeof decodeComponent>["items"]): void => {
    for (const item of items) {
      if (item.kind === "core-module") out.push(item.bytes);
      if (item.kind === "component") walk(item.component.items);
    }
  };
  walk(decodeComponent(bytes).items);
  return out;
}

Deno.test({
  name: "decodeComponent() decodes every component form of the conformance suites",
  ignore: !present,
  async fn() {
    const failures: string[] = [];
    const parseFailures: string[] = [];
    let decoded = 0;
    let invalidDecoded = 0;
    let invalidRejected = 0;
    for (const form of forms()) {
      if (form.assertion === "assert_malformed") continue;
      let bytes: Uint8Array;
      if (form.source.kind === "binary") bytes = form.source.bytes;
      else {
        try {
          bytes = await wat(form.source.text);
        } catch (error) {
          parseFailures.push(`${where(form)}: ${String(error).slice(0, 120)}`);
          continue;
        }
      }
      try {
        decodeComponent(bytes);
        if (form.assertion === "assert_invalid") invalidDecoded++;
        else decoded++;
      } catch (error) {
        if (!(error instanceof CompileError)) throw error;
        if (form.assertion === "assert_invalid") invalidRejected++;
        else failures.push(`${where(form)}: ${error.message}`);
      }
    }
    console.log(
      `conformance: ${decoded} component forms decoded, ${failures.length} failed; ` +
        `assert_invalid forms: ${invalidDecoded} decoded (left to validation), ` +
        `${invalidRejected} already rejected by the decoder; ` +
        `${parseFailures.length} forms wasm-tools could not parse`,
    );
    for (const p of parseFailures) console.log(`  not parsed: ${p}`);
    assert.deepEqual(failures, []);
    assert.ok(decoded > 500, `expected the suites' components, decoded ${decoded}`);
  },
});

Deno.test({
  name: "decodeComponent() rejects the conformance suites' malformed binaries",
  ignore: !present,
  fn() {
    const malformed = forms().flatMap((f) =>
      f.assertion === "assert_malformed" && f.source.kind === "binary"
        ? [{ ...f, bytes: f.source.bytes }]
        : []
    );
    const accepted: string[] = [];
    const unexplained: string[] = [];
    let rejected = 0;
    for (const form of malformed) {
      const bytes = form.bytes;
      try {
        decodeComponent(bytes);
      } catch (error) {
        assert.ok(error instanceof CompileError, `${where(form)}: ${error}`);
        rejected++;
        continue;
      }
      accepted.push(where(form));
      // The decoder copies core modules without decoding them; such a binary
      // must then hold a core module that WebAssembly rejects.
      if (coreModules(bytes).every((m) => WebAssembly.validate(m))) unexplained.push(where(form));
    }
    console.log(
      `conformance: ${rejected} of ${malformed.length} assert_malformed binaries rejected by the decoder; ` +
        `accepted (malformed inside a core module, left to WebAssembly.compile): ${
          accepted.join(", ") || "none"
        }`,
    );
    assert.deepEqual(unexplained, []);
    assert.ok(malformed.length > 0);
  },
});
