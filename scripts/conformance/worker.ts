/**
 * Worker entry of the conformance runner: runs scripts one at a time against
 * `@weft/runtime` and posts each directive's start and result, so the main
 * thread can terminate a worker stuck in a guest loop and still know which
 * directive hung.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";
import { createWasmtimeHost, spectestModule } from "./host.ts";
import { errorText, runScript, type RuntimeApi } from "./script.ts";
import { parseScript } from "./wast.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

// A guest may leave promises that reject later (a host call that never
// returns, a cancelled step); they must not end the worker.
self.addEventListener("unhandledrejection", (event) => event.preventDefault());

const post = (message: FromWorker): void => self.postMessage(message);

let runtime: Promise<RuntimeApi> | undefined;
function loadRuntime(): Promise<RuntimeApi> {
  runtime ??= import("@weft/runtime") as Promise<RuntimeApi>;
  return runtime;
}

const parseCache = new Map<string, Promise<Uint8Array>>();
function cachedParse(text: string): Promise<Uint8Array> {
  let bytes = parseCache.get(text);
  if (bytes === undefined) {
    bytes = parse(text) as Promise<Uint8Array>;
    parseCache.set(text, bytes);
  }
  return bytes;
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const job = event.data;
  try {
    const api = await loadRuntime().catch((error) => {
      throw new Error(`cannot load @weft/runtime: ${errorText(error)}`);
    });
    const source = await Deno.readTextFile(job.file);
    const script = parseScript(source);
    const host = job.suite === "wasmtime" ? (await createWasmtimeHost()).imports : {};
    const spectest = await WebAssembly.instantiate(await spectestModule());
    await runScript(script, {
      runtime: api,
      parse: cachedParse,
      imports: host,
      coreImports: { spectest: spectest.exports },
      timeoutMs: job.timeoutMs,
      strictMessages: job.strictMessages,
      onStart: (index) => post({ type: "start", id: job.id, index }),
      onResult: (index, result) => post({ type: "result", id: job.id, index, result }),
    });
    post({ type: "done", id: job.id });
  } catch (error) {
    post({ type: "fatal", id: job.id, error: errorText(error) });
  }
};

post({ type: "ready" });
