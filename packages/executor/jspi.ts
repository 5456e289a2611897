/**
 * JSPI detection and the suspend/resume bridge (`WebAssembly.Suspending`,
 * `WebAssembly.promising`).
 *
 * @module
 */
import { JspiRequiredError } from "./errors.ts";

interface JspiApi {
  Suspending: new (f: (...args: never[]) => unknown) => WebAssembly.ImportValue;
  promising: (f: unknown) => (...args: unknown[]) => Promise<unknown>;
}

/** Whether this engine has JSPI (`WebAssembly.Suspending` and `WebAssembly.promising`). */
export function hasJspi(): boolean {
  const w = WebAssembly as unknown as Partial<JspiApi>;
  return typeof w.Suspending === "function" && typeof w.promising === "function";
}

function api(feature: string): JspiApi {
  if (!hasJspi()) throw new JspiRequiredError(feature);
  return WebAssembly as unknown as JspiApi;
}

/**
 * Wraps a host function that may return a Promise as a core import whose
 * caller's wasm stack is suspended until the Promise settles
 * (`new WebAssembly.Suspending(f)`). Throws {@linkcode JspiRequiredError}
 * without JSPI; `feature` says what needed it.
 */
export function suspending(
  f: (...args: never[]) => unknown,
  feature = "a blocking call from WebAssembly",
): WebAssembly.ImportValue {
  return new (api(feature).Suspending)(f);
}

/**
 * Wraps an exported core function so that it can suspend: it returns a
 * Promise of its result (`WebAssembly.promising(f)`). Throws
 * {@linkcode JspiRequiredError} without JSPI.
 */
export function promising(
  f: unknown,
  feature = "a stackful async call into WebAssembly",
): (...args: unknown[]) => Promise<unknown> {
  return api(feature).promising(f);
}
