/**
 * The executor's error classes.
 *
 * @module
 */

/**
 * A call was cancelled (its `AbortSignal` aborted) and the callee resolved
 * without a result, or the caller stopped waiting for it.
 */
export class CancelledError extends Error {
  /** Creates the error; `options.cause` is the abort reason, if any. */
  constructor(message = "The call was cancelled", options?: ErrorOptions) {
    super(message, options);
    this.name = "CancelledError";
  }
}

/**
 * What a component needs can only be done by suspending the WebAssembly
 * stack, and this JS engine has no JSPI (`WebAssembly.Suspending` and
 * `WebAssembly.promising`). `feature` names what needed it.
 */
export class JspiRequiredError extends Error {
  /** What needed a stack switch, e.g. `a stackful async lift of "run"`. */
  readonly feature: string;

  /** Creates the error for `feature`. */
  constructor(feature: string, options?: ErrorOptions) {
    super(
      `Cannot run ${feature}: it needs JSPI (WebAssembly.Suspending and WebAssembly.promising), ` +
        "which this JavaScript engine does not provide; use Deno >= 2.3, Chrome >= 137 or " +
        "Node >= 24 with --experimental-wasm-jspi",
      options,
    );
    this.name = "JspiRequiredError";
    this.feature = feature;
  }
}
