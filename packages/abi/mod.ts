/**
 * `@weft/abi`: the WebAssembly component model's canonical ABI for
 * JavaScript — the value-type model, size/alignment/flattening, lifting and
 * lowering compiled once per type, string transcoding, handle tables,
 * resource built-ins, and the synchronous `canon lift` / `canon lower`
 * trampolines, in jco's JS value mapping.
 *
 * ```ts
 * import { ComponentInstanceState, liftFunction, lowerFunction, t } from "@weft/abi";
 * import assert from "node:assert/strict";
 *
 * // A "guest" core function (u32, u32) -> u32, standing in for a wasm export.
 * const instance = new ComponentInstanceState();
 * const add = liftFunction(
 *   (a, b) => ((a as number) + (b as number)) | 0,
 *   { params: [{ name: "a", type: t.u32 }, { name: "b", type: t.u32 }], result: t.u32, async: false },
 *   { instance },
 * );
 * assert.equal(add(2, 3), 5);
 * assert.throws(() => add(-1, 3), RangeError); // Cannot lower argument "a" as u32: received -1
 *
 * // A host function lowered to a core import: u8 in, bool out.
 * const isOdd = lowerFunction(
 *   (n) => (n as number) % 2 === 1,
 *   { params: [{ name: "n", type: t.u8 }], result: t.bool, async: false },
 *   { instance },
 * );
 * assert.equal(isOdd(0x103), 1); // the core value wraps to u8 3
 * ```
 *
 * @module
 */
export * from "./types.ts";
export { ComponentError, InstancePoisonedError, Trap } from "./errors.ts";
export type { CoreValue, Realloc, StringEncoding } from "./context.ts";
export {
  alignment,
  type CoreValType,
  elemSize,
  flattenFunctionType,
  flattenType,
} from "./layout.ts";
export { MAX_FLAT_PARAMS, MAX_FLAT_RESULTS } from "./layout.ts";
export { HandleTable } from "./handle_table.ts";
export { ComponentInstanceState } from "./instance_state.ts";
export {
  type CanonOptions,
  liftFunction,
  liftFunctionSuspending,
  type SuspendingLiftOptions,
} from "./lift_function.ts";
export { lowerFunction, lowerFunctionSuspending } from "./lower_function.ts";
export {
  HostResourceJs,
  hostResourceJs,
  type HostResourceJsOptions,
  resourceDrop,
  resourceNew,
  resourceRep,
} from "./resources.ts";
export { toCamelCase, type TypedArrayCtor, typedArrayOf } from "./codec.ts";
export {
  type AsyncValueHooks,
  asyncValueHooks,
  type ElementAccess,
  elementAccess,
  type FlatValues,
  flatValues,
  setAsyncValueHooks,
  stringAccess,
} from "./async_values.ts";
