/**
 * jco's generated glue, in-process: `transpileBytes` from jco-transpile 0.12.0
 * in instantiation mode, loaded from a temporary file, instantiated with
 * precompiled core modules (see /work/shared/TOOLING.md § The jco peer).
 *
 * @module
 */
import { transpileBytes } from "@bytecodealliance/jco-transpile";

/** A transpiled component ready to instantiate any number of times. */
export interface JcoComponent {
  /**
   * Instantiates: synchronously (core instances made with `new WebAssembly.Instance`)
   * where the glue allows it, else through `WebAssembly.instantiate` (a Promise).
   */
  instantiate(
    imports: Record<string, unknown>,
  ): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Removes the temporary file. */
  dispose(): Promise<void>;
}

type Instantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore: (m: WebAssembly.Module, i: WebAssembly.Imports) => WebAssembly.Instance,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** Transpiles `bytes` with jco and loads the glue. */
export async function loadJco(bytes: Uint8Array, name: string): Promise<JcoComponent> {
  const out = await transpileBytes(bytes, {
    name,
    instantiation: { tag: "async" },
    noComponentErrorWrapping: false,
  });
  return await loadGlue(out.files, name);
}

/**
 * Loads jco's generated files (`files`: name → bytes, with `${name}.js` and
 * its core modules) from a temporary file, the core modules compiled ahead.
 */
export async function loadGlue(
  files: Readonly<Record<string, Uint8Array>>,
  name: string,
  options: { sync?: boolean } = {},
): Promise<JcoComponent> {
  const sync = options.sync ?? true;
  const modules = new Map<string, WebAssembly.Module>();
  for (const [file, data] of Object.entries(files)) {
    if (file.endsWith(".wasm")) {
      modules.set(file, await WebAssembly.compile(data as Uint8Array<ArrayBuffer>));
    }
  }
  const js = files[`${name}.js`];
  if (js === undefined) throw new Error(`Cannot load jco glue: no ${name}.js in its output`);
  const path = await Deno.makeTempFile({ prefix: `jco-${name}-`, suffix: ".js" });
  await Deno.writeFile(path, js);
  const mod = await import(new URL(`file://${path}`).href) as { instantiate: Instantiate };
  const getCoreModule = (file: string): WebAssembly.Module => {
    const m = modules.get(file);
    if (m === undefined) throw new Error(`Cannot find jco core module ${file}`);
    return m;
  };
  const instantiateCore = sync
    ? (m: WebAssembly.Module, i: WebAssembly.Imports) => new WebAssembly.Instance(m, i)
    : (m: WebAssembly.Module, i: WebAssembly.Imports) => WebAssembly.instantiate(m, i);
  return {
    instantiate(imports) {
      const r = mod.instantiate(getCoreModule, imports, instantiateCore as never);
      if (sync && r instanceof Promise) {
        throw new Error("Cannot instantiate jco glue synchronously");
      }
      return r;
    },
    async dispose() {
      await Deno.remove(path).catch(() => {});
    },
  };
}
