/**
 * `canon lower` for synchronous functions (CanonicalABI.md § `canon lower`):
 * a JS function becomes a core function to pass as a core wasm import.
 *
 * @module
 */
import { BadValue, codecOf } from "./codec.ts";
import { type CoreValue, LiftLowerContext, type ResourceHandle } from "./context.ts";
import { Trap } from "./errors.ts";
import { MAX_FLAT_PARAMS, MAX_FLAT_RESULTS } from "./layout.ts";
import {
  callFromInstance,
  type CanonOptions,
  containsBorrow,
  tupleOffsets,
} from "./lift_function.ts";
import type { FuncType } from "./types.ts";

/**
 * CanonicalABI.md § `canon lower` (synchronous): wraps `callee` as a core
 * function of the flattened type of `type`, called by `options.instance`.
 *
 * A `Trap` thrown by the callee propagates; any other exception traps, except
 * that when the result type is `result<T, E>` an exception with a `payload`
 * property returns `err(payload)`.
 */
export function lowerFunction(
  callee: (...args: unknown[]) => unknown,
  type: FuncType,
  options: CanonOptions,
): (...flat: CoreValue[]) => CoreValue | undefined {
  const inst = options.instance;
  const fname = options.name ?? (callee.name || "function");
  const params = type.params.map((p) => codecOf(p.type));
  const nParams = params.length;
  const flatParamCount = params.reduce((n, c) => n + c.flat.length, 0);
  const spillParams = flatParamCount > MAX_FLAT_PARAMS;
  const paramOffsets = tupleOffsets(params);
  let tupleAlign = 1;
  let tupleSize = 0;
  for (let i = 0; i < nParams; i++) {
    tupleAlign = Math.max(tupleAlign, params[i]!.align);
    tupleSize = paramOffsets[i]! + params[i]!.size;
  }
  tupleSize = Math.ceil(tupleSize / tupleAlign) * tupleAlign;
  const result = type.result === undefined ? undefined : codecOf(type.result);
  const resultSpilled = result !== undefined && result.flat.length > MAX_FLAT_RESULTS;
  const topResult = type.result?.kind === "result";
  const hasBorrows = type.params.some((p) => containsBorrow(p.type));
  const withCaller = callFromInstance.get(callee);
  const contextOptions = {
    instance: inst,
    stringEncoding: options.stringEncoding,
    memory: options.memory,
    realloc: options.realloc,
  };
  let idle: LiftLowerContext | undefined = new LiftLowerContext(contextOptions);
  const resultOut: CoreValue[] = [0];

  const liftArgs = (cx: LiftLowerContext, flat: readonly CoreValue[]): unknown[] => {
    const args = new Array<unknown>(nParams);
    if (spillParams) {
      // CanonicalABI.md § Lifting and Lowering Values (`lift_flat_values`).
      const ptr = Number(flat[0]) >>> 0;
      cx.checkAlign(ptr, tupleAlign, "parameter area");
      cx.checkBounds(ptr, tupleSize, "parameter area");
      for (let i = 0; i < nParams; i++) args[i] = params[i]!.load(cx, ptr + paramOffsets[i]!);
      return args;
    }
    let at = 0;
    for (let i = 0; i < nParams; i++) {
      const c = params[i]!;
      args[i] = c.liftFlat(cx, flat, at);
      at += c.flat.length;
    }
    return args;
  };

  const invoke = (args: unknown[]): unknown => {
    try {
      const r = withCaller !== undefined ? withCaller(inst, args) : callee(...args);
      return topResult ? { tag: "ok", val: r } : r;
    } catch (e) {
      if (e instanceof Trap) throw e;
      if (topResult && typeof e === "object" && e !== null && "payload" in e) {
        return { tag: "err", val: (e as { payload: unknown }).payload };
      }
      throw new Trap(
        `host function "${fname}" threw: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
  };

  return (...flat: CoreValue[]): CoreValue | undefined => {
    // CanonicalABI.md § `canon lower`: realloc and post-return must not call imports.
    if (!inst.mayLeave) throw new Trap("cannot leave component instance");
    const cx = idle ?? new LiftLowerContext(contextOptions);
    idle = undefined;
    const lenders: ResourceHandle[] | undefined = hasBorrows ? [] : undefined;
    cx.lenders = lenders;
    try {
      cx.refresh();
      const args = liftArgs(cx, flat);
      let r: unknown;
      try {
        r = invoke(args);
      } finally {
        // CanonicalABI.md § Subtask State (`deliver_resolve`): the lends end with the call.
        if (lenders !== undefined) for (const h of lenders) h.numLends--;
      }
      if (result === undefined) return undefined;
      cx.refresh();
      try {
        if (resultSpilled) {
          const ptr = Number(flat[flat.length - 1]) >>> 0;
          cx.checkAlign(ptr, result.align, "result pointer");
          cx.checkBounds(ptr, result.size, "result pointer");
          result.store(cx, r, ptr);
          return undefined;
        }
        result.lowerFlat(cx, r, resultOut, 0);
        return resultOut[0];
      } catch (e) {
        if (e instanceof BadValue) {
          const error = e.toError(`the result of "${fname}"`);
          throw new Trap(error.message, { cause: error });
        }
        throw e;
      }
    } finally {
      cx.lenders = undefined;
      idle = cx;
    }
  };
}
