/**
 * `canon lower` for synchronous functions (CanonicalABI.md § `canon lower`):
 * a JS function becomes a core function to pass as a core wasm import.
 *
 * @module
 */
import { BadValue, type Codec, codecOf } from "./codec.ts";
import {
  type ContextOptions,
  type CoreValue,
  LiftLowerContext,
  type ResourceHandle,
} from "./context.ts";
import { Trap } from "./errors.ts";
import type { ComponentInstanceState } from "./instance_state.ts";
import { isWasmException, poisonWith, throwIfPoisoned, toTrap } from "./traps.ts";
import { MAX_FLAT_PARAMS, MAX_FLAT_RESULTS } from "./layout.ts";
import { type CanonOptions, containsBorrow, guestCallOf, tupleOffsets } from "./lift_function.ts";
import type { FuncType } from "./types.ts";

/**
 * CanonicalABI.md § `canon lower` (synchronous): wraps `callee` as a core
 * function of the flattened type of `type`, called by `options.instance`.
 *
 * A `Trap` thrown by the callee propagates; any other exception traps, except
 * that when the result type is `result<T, E>` an exception with a `payload`
 * property returns `err(payload)`. A trap thrown into the calling instance's
 * wasm poisons it first, so guest code that catches it cannot go on: its next
 * import call and the lifted call that entered it rethrow the trap.
 *
 * When `callee` is a function `liftFunction` returned (another guest's
 * export), values pass between the two guests without the JS mapping's
 * losses: strings keep their source encoding and code units for the spec's
 * transcoding, maps keep repeated keys.
 */
export function lowerFunction(
  callee: (...args: unknown[]) => unknown,
  type: FuncType,
  options: CanonOptions,
): (...flat: CoreValue[]) => CoreValue | undefined {
  const inst = options.instance;
  const fname = options.name ?? (callee.name || "function");
  const plan = lowerPlanOf(type);
  const { params, nParams, result, resultSpilled, topResult, hasBorrows, coreArity } = plan;
  const withCaller = guestCallOf(callee);
  const contextOptions = contextOptionsOf(options, withCaller !== undefined);
  // Created on the first call: instantiation stays cheap for functions never called.
  const fast = withCaller === undefined && !topResult && !hasBorrows
    ? scalarLower(callee, inst, fname, params, result)
    : undefined;
  if (fast !== undefined) return fast;
  let idle: LiftLowerContext | undefined;
  const resultOut: CoreValue[] = [0];

  const callCallee = (a: unknown[]): unknown => {
    switch (nParams) {
      case 0:
        return callee();
      case 1:
        return callee(a[0]);
      case 2:
        return callee(a[0], a[1]);
      case 3:
        return callee(a[0], a[1], a[2]);
      default:
        return callee(...a.slice(0, nParams));
    }
  };

  const invoke = (args: unknown[]): unknown => {
    // A guest callee answers in the interchange form, a top-level result as its variant.
    if (withCaller !== undefined) return withCaller(inst, args.slice(0, nParams));
    try {
      const r = callCallee(args);
      return topResult ? { tag: "ok", val: r } : r;
    } catch (e) {
      return hostError(e, topResult, fname);
    }
  };

  const run = (flat: ArrayLike<CoreValue>): CoreValue | undefined => {
    enterLower(inst);
    // Read before the callee runs: the flat array may be reused by a nested call.
    const retptr = resultSpilled ? Number(flat[coreArity - 1]) >>> 0 : 0;
    const cx = idle ?? new LiftLowerContext(contextOptions);
    idle = undefined;
    const lenders: ResourceHandle[] | undefined = hasBorrows ? [] : undefined;
    cx.lenders = lenders;
    try {
      cx.refresh();
      const args = liftArgs(plan, cx, flat);
      let r: unknown;
      try {
        r = invoke(args);
      } finally {
        // CanonicalABI.md § Subtask State (`deliver_resolve`): the lends end with the call.
        if (lenders !== undefined) endLends(lenders);
      }
      return lowerResult(plan, cx, r, retptr, resultOut, fname);
    } catch (e) {
      // Whatever is thrown into the caller's wasm is a trap of the caller.
      throw poisonWith(inst, e);
    } finally {
      cx.lenders = undefined;
      idle = cx;
    }
  };

  // Fixed-arity entry points: small signatures allocate no rest array per call.
  const flat4: CoreValue[] = [0, 0, 0, 0];
  switch (coreArity) {
    case 0:
      return () => run(flat4);
    case 1:
      return (a) => {
        flat4[0] = a!;
        return run(flat4);
      };
    case 2:
      return (a, b) => {
        flat4[0] = a!;
        flat4[1] = b!;
        return run(flat4);
      };
    case 3:
      return (a, b, c) => {
        flat4[0] = a!;
        flat4[1] = b!;
        flat4[2] = c!;
        return run(flat4);
      };
    default:
      return (...flat) => run(flat);
  }
}

/**
 * `canon lower` of a function that may answer with a Promise, for a core
 * import that suspends its caller with JSPI (the runtime wraps the result in
 * `WebAssembly.Suspending`): like {@linkcode lowerFunction}, but when the
 * callee returns a Promise, the core function returns one too, and lowers
 * the result once it settles; a plain value is lowered at once (no
 * suspension). A guest callee (a function `liftFunctionSuspending` returned)
 * is called in the lossless guest-to-guest form.
 */
export function lowerFunctionSuspending(
  callee: (...args: unknown[]) => unknown,
  type: FuncType,
  options: CanonOptions,
): (...flat: CoreValue[]) => CoreValue | undefined | Promise<CoreValue | undefined> {
  const inst = options.instance;
  const fname = options.name ?? (callee.name || "function");
  const plan = lowerPlanOf(type);
  const { nParams, resultSpilled, topResult, hasBorrows, coreArity } = plan;
  const withCaller = guestCallOf(callee);
  const contextOptions = contextOptionsOf(options, withCaller !== undefined);
  return (...flat) => {
    enterLower(inst);
    const retptr = resultSpilled ? Number(flat[coreArity - 1]) >>> 0 : 0;
    // Calls can overlap while suspended: each has a context of its own.
    const cx = new LiftLowerContext(contextOptions);
    const lenders: ResourceHandle[] | undefined = hasBorrows ? [] : undefined;
    cx.lenders = lenders;
    let args: unknown[];
    try {
      cx.refresh();
      args = liftArgs(plan, cx, flat).slice(0, nParams);
    } catch (e) {
      throw poisonWith(inst, e);
    }
    const settle = (ok: boolean, v: unknown): CoreValue | undefined => {
      // CanonicalABI.md § Subtask State (`deliver_resolve`): the lends end with the call.
      if (lenders !== undefined) endLends(lenders);
      cx.lenders = undefined;
      try {
        // A guest callee answers in the interchange form, a top-level result as its variant.
        const answer = !ok
          ? hostError(v, topResult, fname)
          : topResult && withCaller === undefined
          ? { tag: "ok", val: v }
          : v;
        // The guest's memory may have grown while it waited.
        return lowerResult(plan, cx, answer, retptr, [0], fname);
      } catch (e) {
        throw poisonWith(inst, e);
      }
    };
    let r: unknown;
    try {
      r = withCaller !== undefined ? withCaller(inst, args) : callee(...args);
    } catch (e) {
      return settle(false, e);
    }
    // Only a Promise suspends the caller (through `WebAssembly.Suspending`).
    if (r instanceof Promise) return r.then((v) => settle(true, v), (e) => settle(false, e));
    return settle(true, r);
  };
}

/** What lowering derives from a function type alone, computed once per type object. */
interface LowerPlan {
  readonly params: readonly Codec[];
  readonly nParams: number;
  readonly spillParams: boolean;
  readonly paramOffsets: readonly number[];
  readonly tupleAlign: number;
  readonly tupleSize: number;
  readonly result: Codec | undefined;
  readonly resultSpilled: boolean;
  readonly topResult: boolean;
  readonly hasBorrows: boolean;
  readonly coreArity: number;
}

const lowerPlans = new WeakMap<FuncType, LowerPlan>();

function lowerPlanOf(type: FuncType): LowerPlan {
  let plan = lowerPlans.get(type);
  if (plan !== undefined) return plan;
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
  plan = {
    params,
    nParams,
    spillParams,
    paramOffsets,
    tupleAlign,
    tupleSize,
    result,
    resultSpilled,
    topResult: type.result?.kind === "result",
    hasBorrows: type.params.some((p) => containsBorrow(p.type)),
    coreArity: (spillParams ? 1 : flatParamCount) + (resultSpilled ? 1 : 0),
  };
  lowerPlans.set(type, plan);
  return plan;
}

function contextOptionsOf(
  options: CanonOptions,
  interchange: boolean,
): ContextOptions {
  return {
    instance: options.instance,
    stringEncoding: options.stringEncoding,
    memory: options.memory,
    realloc: options.realloc,
    // Arguments for a guest callee are lifted losslessly (see LiftLowerContext.interchange).
    interchange,
  };
}

/** The checks before a lowered call leaves `inst`. */
function enterLower(inst: ComponentInstanceState): void {
  // A trap that guest code caught must not let it call out again (see traps.ts).
  throwIfPoisoned(inst);
  // CanonicalABI.md § `canon lower`: realloc and post-return must not call imports.
  if (!inst.mayLeave) throw poisonWith(inst, new Trap("cannot leave component instance"));
}

function endLends(lenders: readonly ResourceHandle[]): void {
  for (const h of lenders) h.numLends--;
}

/** CanonicalABI.md § Lifting and Lowering Values (`lift_flat_values`), into `cx.scratch`. */
function liftArgs(plan: LowerPlan, cx: LiftLowerContext, flat: ArrayLike<CoreValue>): unknown[] {
  const { params, nParams } = plan;
  const args = cx.scratch;
  if (plan.spillParams) {
    const ptr = Number(flat[0]) >>> 0;
    cx.checkAlign(ptr, plan.tupleAlign, "parameter area");
    cx.checkBounds(ptr, plan.tupleSize, "parameter area");
    for (let i = 0; i < nParams; i++) args[i] = params[i]!.load(cx, ptr + plan.paramOffsets[i]!);
    return args;
  }
  let at = 0;
  for (let i = 0; i < nParams; i++) {
    const c = params[i]!;
    args[i] = c.liftFlat(cx, flat, at);
    at += c.flat.length;
  }
  return args;
}

/**
 * The answer for an exception a host callee threw: `err(payload)` for a
 * top-level `result` and an error with a `payload`; otherwise a trap is thrown.
 */
function hostError(e: unknown, topResult: boolean, fname: string): unknown {
  if (
    topResult && !(e instanceof Trap) && typeof e === "object" && e !== null && "payload" in e
  ) {
    return { tag: "err", val: (e as { payload: unknown }).payload };
  }
  throw hostFailure(e, fname);
}

/** Lowers the callee's answer `r` into the flat result or the caller's result area. */
function lowerResult(
  plan: LowerPlan,
  cx: LiftLowerContext,
  r: unknown,
  retptr: number,
  out: CoreValue[],
  fname: string,
): CoreValue | undefined {
  // Whatever the callee did, nothing of this instance completes normally
  // once it trapped (a host callee could have caught such a trap).
  throwIfPoisoned(cx.inst);
  const result = plan.result;
  if (result === undefined) return undefined;
  cx.refresh();
  try {
    if (plan.resultSpilled) {
      cx.checkAlign(retptr, result.align, "result area");
      cx.checkBounds(retptr, result.size, "result area");
      result.store(cx, r, retptr);
      return undefined;
    }
    result.lowerFlat(cx, r, out, 0);
    return out[0];
  } catch (e) {
    throw badResult(e, fname, r);
  }
}

/** The trap for an exception a host callee threw (not a `result` error). */
function hostFailure(e: unknown, fname: string): Trap {
  if (e instanceof Trap || isWasmException(e)) return toTrap(e);
  return new Trap(
    `host function "${fname}" threw: ${e instanceof Error ? e.message : String(e)}`,
    { cause: e },
  );
}

/** The trap for a host result `r` that cannot be lowered. */
function badResult(e: unknown, fname: string, r: unknown): unknown {
  if (!(e instanceof BadValue)) return e;
  if (r instanceof Promise) return promiseResult(fname);
  const error = e.toError(`the result of "${fname}"`);
  return new Trap(error.message, { cause: error });
}

/** The trap for a Promise where a synchronous call needs a value. */
function promiseResult(fname: string): Trap {
  return new Trap(
    `host function "${fname}" returned a Promise, which a synchronous call cannot wait for: ` +
      "declare it async (with JSPI the guest then waits for it) or instantiate with " +
      "{ suspend: true }",
  );
}

/**
 * The core function of a JS callee whose parameters and result are one flat
 * scalar each (see `Codec.lowerScalar`): no context, no flat or argument
 * array. Same checks and order as the general path: poisoned, may-leave, the
 * call (any throw traps the caller), poisoned again, the result's lowering.
 * `undefined` when the function does not qualify.
 */
function scalarLower(
  callee: (...args: unknown[]) => unknown,
  inst: ComponentInstanceState,
  fname: string,
  params: readonly Codec[],
  result: Codec | undefined,
): ((...flat: CoreValue[]) => CoreValue | undefined) | undefined {
  if (params.length > 3) return undefined;
  for (const c of params) if (c.liftScalar === undefined) return undefined;
  if (result !== undefined && result.lowerScalar === undefined) return undefined;
  const lower = result === undefined ? undefined : result.lowerScalar!;
  // Checks written out in each entry so that each keeps JIT feedback of its own.
  switch (params.length) {
    case 0:
      return () => {
        if (inst.poisoned !== undefined) throw inst.poisoned;
        if (!inst.mayLeave) throw poisonWith(inst, new Trap("cannot leave component instance"));
        let r: unknown;
        try {
          r = callee();
        } catch (e) {
          throw poisonWith(inst, hostFailure(e, fname));
        }
        if (inst.poisoned !== undefined) throw inst.poisoned;
        if (lower === undefined) return undefined;
        try {
          return lower(r);
        } catch (e) {
          throw poisonWith(inst, badResult(e, fname, r));
        }
      };
    case 1: {
      const l0 = params[0]!.liftScalar!;
      return (a) => {
        if (inst.poisoned !== undefined) throw inst.poisoned;
        if (!inst.mayLeave) throw poisonWith(inst, new Trap("cannot leave component instance"));
        let x: unknown;
        try {
          x = l0(a!);
        } catch (e) {
          throw poisonWith(inst, e); // an invalid char
        }
        let r: unknown;
        try {
          r = callee(x);
        } catch (e) {
          throw poisonWith(inst, hostFailure(e, fname));
        }
        if (inst.poisoned !== undefined) throw inst.poisoned;
        if (lower === undefined) return undefined;
        try {
          return lower(r);
        } catch (e) {
          throw poisonWith(inst, badResult(e, fname, r));
        }
      };
    }
    case 2: {
      const l0 = params[0]!.liftScalar!;
      const l1 = params[1]!.liftScalar!;
      return (a, b) => {
        if (inst.poisoned !== undefined) throw inst.poisoned;
        if (!inst.mayLeave) throw poisonWith(inst, new Trap("cannot leave component instance"));
        let x: unknown, y: unknown;
        try {
          x = l0(a!);
          y = l1(b!);
        } catch (e) {
          throw poisonWith(inst, e);
        }
        let r: unknown;
        try {
          r = callee(x, y);
        } catch (e) {
          throw poisonWith(inst, hostFailure(e, fname));
        }
        if (inst.poisoned !== undefined) throw inst.poisoned;
        if (lower === undefined) return undefined;
        try {
          return lower(r);
        } catch (e) {
          throw poisonWith(inst, badResult(e, fname, r));
        }
      };
    }
    default: {
      const l0 = params[0]!.liftScalar!;
      const l1 = params[1]!.liftScalar!;
      const l2 = params[2]!.liftScalar!;
      return (a, b, c) => {
        if (inst.poisoned !== undefined) throw inst.poisoned;
        if (!inst.mayLeave) throw poisonWith(inst, new Trap("cannot leave component instance"));
        let x: unknown, y: unknown, z: unknown;
        try {
          x = l0(a!);
          y = l1(b!);
          z = l2(c!);
        } catch (e) {
          throw poisonWith(inst, e);
        }
        let r: unknown;
        try {
          r = callee(x, y, z);
        } catch (e) {
          throw poisonWith(inst, hostFailure(e, fname));
        }
        if (inst.poisoned !== undefined) throw inst.poisoned;
        if (lower === undefined) return undefined;
        try {
          return lower(r);
        } catch (e) {
          throw poisonWith(inst, badResult(e, fname, r));
        }
      };
    }
  }
}
