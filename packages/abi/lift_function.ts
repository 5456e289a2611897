/**
 * `canon lift` for synchronous functions (CanonicalABI.md § `canon lift`):
 * a core function becomes a JS function in jco's value mapping.
 *
 * @module
 */
import { BadValue, type Codec, codecOf, resourceJsOf } from "./codec.ts";
import {
  type BorrowScope,
  type CoreValue,
  LiftLowerContext,
  type Realloc,
  type StringEncoding,
} from "./context.ts";
import { ComponentError, InstancePoisonedError, Trap } from "./errors.ts";
import { poisonWith, throwIfPoisoned } from "./traps.ts";
import type { ComponentInstanceState } from "./instance_state.ts";
import { alignment, elemSize, MAX_FLAT_PARAMS, MAX_FLAT_RESULTS } from "./layout.ts";
import type { FuncType, ValType } from "./types.ts";

/** The canonical options of a `canon lift` or `canon lower`. */
export interface CanonOptions {
  /** The instance that owns the core function (lift) or calls the import (lower). */
  readonly instance: ComponentInstanceState;
  /** The string encoding; default `"utf8"`. */
  readonly stringEncoding?: StringEncoding;
  /** The memory for strings, lists and spilled values. */
  readonly memory?: WebAssembly.Memory;
  /** The `realloc` function. */
  readonly realloc?: Realloc;
  /** The `post-return` function (lift only). */
  readonly postReturn?: (...flat: CoreValue[]) => void;
  /** The function's name, for messages. */
  readonly name?: string;
}

/**
 * How another instance's lowered import calls a lifted function: with the
 * calling instance (spec: the `caller` of `Store.lift`'s `func_inst`). Such
 * a call takes its arguments and returns its result in the guest-to-guest
 * interchange form (see `LiftLowerContext.interchange`: strings as
 * `GuestString`, maps as arrays of pairs), and a top-level `result<T, E>` as
 * the `{ tag, val }` variant instead of return-or-throw.
 */
export type GuestCall = (
  caller: ComponentInstanceState | undefined,
  args: readonly unknown[],
) => unknown;

// A property of the lifted function, not a WeakMap entry: instantiation
// makes one per lifted function, and a weak map costs the collector more.
const GUEST_CALL: unique symbol = Symbol("weft.guestCall");

/** The {@linkcode GuestCall} of a function `liftFunction` made, if `f` is one. */
export function guestCallOf(f: (...args: unknown[]) => unknown): GuestCall | undefined {
  return (f as { [GUEST_CALL]?: GuestCall })[GUEST_CALL];
}

function setGuestCall(f: (...args: unknown[]) => unknown, call: GuestCall): void {
  (f as { [GUEST_CALL]?: GuestCall })[GUEST_CALL] = call;
}

/** Errors for bad JS arguments, which leave the instance usable (unlike a stack overflow). */
const argumentErrors = new WeakSet<Error>();

/**
 * CanonicalABI.md § `canon lift` (post-return): calls `postReturn` with the
 * core result while the instance may not leave; a trap in it poisons the
 * instance.
 */
function runPostReturn(
  inst: ComponentInstanceState,
  postReturn: (...flat: CoreValue[]) => void,
  r: unknown,
): void {
  inst.mayLeave = false;
  try {
    if (r === undefined) postReturn();
    else postReturn(r as CoreValue);
    throwIfPoisoned(inst);
  } catch (e) {
    throw poisonWith(inst, e);
  } finally {
    inst.mayLeave = true;
  }
}

/** A top-level `result<T, E>` for JS: `T`, or a thrown {@linkcode ComponentError} of `E`. */
function returnOrThrow(value: unknown): unknown {
  const v = value as { tag: string; val?: unknown };
  if (v.tag === "err") throw new ComponentError(v.val);
  return v.val;
}

/** The `Trap` that the post-call borrow check raises. */
const BORROWS_REMAIN = "borrow handles still remain at the end of the call";

/**
 * CanonicalABI.md § `canon lift` (synchronous): wraps the core function `core`
 * of `options.instance` as a JS function of type `type`.
 *
 * Arguments are checked before anything enters wasm (`TypeError` or
 * `RangeError` naming the parameter). A trap inside the call poisons the
 * instance and throws {@linkcode Trap}, even when guest code caught it on its
 * way (see traps.ts); a core wasm exception escaping the core function is a
 * trap too. A later call throws {@linkcode InstancePoisonedError}. A
 * top-level `result<T, E>` returns `T` or throws {@linkcode ComponentError}.
 */
export function liftFunction(
  core: (...flat: CoreValue[]) => unknown,
  type: FuncType,
  options: CanonOptions,
): (...args: unknown[]) => unknown {
  const plan = liftPlanOf(type);
  // The general path is built on its first call: instantiation stays cheap.
  let general: GuestCall | undefined;
  const call: GuestCall = (caller, args) =>
    (general ??= generalCall(core, plan, options))(caller, args);
  const lifted = scalarEntry(core, plan, options) ??
    ((...args: unknown[]): unknown => call(undefined, args));
  setGuestCall(lifted, call);
  return lifted;
}

/** The general path of a lifted function, for any caller and any type. */
function generalCall(
  core: (...flat: CoreValue[]) => unknown,
  plan: LiftPlan,
  options: CanonOptions,
): GuestCall {
  const inst = options.instance;
  const fname = options.name ?? "function";
  const { params, paramNames, nParams, topResult, precheck, hasBorrows, coreArity } = plan;
  const postReturn = options.postReturn;
  const contextOptions = {
    instance: inst,
    stringEncoding: options.stringEncoding,
    memory: options.memory,
    realloc: options.realloc,
  };
  // Created on the first call: instantiation stays cheap for functions never called.
  let idle: LiftLowerContext | undefined;
  const one: CoreValue[] = [0];

  // A fixed-arity call avoids spreading an array for the common small signatures.
  const callCore = (f: CoreValue[]): unknown => {
    switch (coreArity) {
      case 0:
        return core();
      case 1:
        return core(f[0]!);
      case 2:
        return core(f[0]!, f[1]!);
      case 3:
        return core(f[0]!, f[1]!, f[2]!);
      case 4:
        return core(f[0]!, f[1]!, f[2]!, f[3]!);
      default:
        return core(...f.slice(0, coreArity));
    }
  };

  const liftResult = (cx: LiftLowerContext, r: unknown): unknown =>
    liftFlatResult(plan, cx, r, one);

  const call = (caller: ComponentInstanceState | undefined, args: readonly unknown[]): unknown => {
    if (inst.poisoned !== undefined) throw poisonedError(inst, fname);
    // The instance must not be entered while it runs a core start function (runStart).
    if (inst.starting || !inst.mayEnterFrom(caller)) {
      throw new Trap("cannot enter component instance");
    }
    if (precheck) {
      for (let i = 0; i < nParams; i++) {
        try {
          params[i]!.check(args[i]);
        } catch (e) {
          throw e instanceof BadValue ? e.toError(paramNames[i]!) : e;
        }
      }
    }
    const cx = idle ?? new LiftLowerContext(contextOptions);
    idle = undefined;
    // A result going back to another guest keeps what the JS mapping would lose.
    const toGuest = caller !== undefined;
    cx.interchange = toGuest;
    const entering = enter(inst, caller);
    let value: unknown;
    try {
      const task: BorrowScope | undefined = hasBorrows ? { numBorrows: 0 } : undefined;
      cx.borrowScope = task;
      cx.refresh();
      const flat = lowerEntryArgs(inst, plan, cx, args);
      let r: unknown;
      try {
        r = callCore(flat);
        // A trap that guest code caught in a nested call is still this call's trap.
        throwIfPoisoned(inst);
        value = liftResult(cx, r);
        // CanonicalABI.md § Task (`return_`): the callee must drop every borrow it got.
        if (task !== undefined && task.numBorrows > 0) throw new Trap(BORROWS_REMAIN);
      } catch (e) {
        throw poisonWith(inst, e);
      }
      if (postReturn !== undefined) runPostReturn(inst, postReturn, r);
    } finally {
      leave(inst, entering);
      cx.borrowScope = undefined;
      cx.interchange = false;
      idle = cx;
    }
    return topResult && !toGuest ? returnOrThrow(value) : value;
  };

  if (inst.parent !== undefined || hasBorrows) return call;
  // The common case, a call from JS into a top-level instance, without the
  // bookkeeping that calls from other instances and borrows need.
  return (caller, args) => {
    if (caller !== undefined) return call(caller, args);
    if (inst.poisoned !== undefined) throw poisonedError(inst, fname);
    if (inst.starting || !inst.mayEnter) throw new Trap("cannot enter component instance");
    if (precheck) {
      for (let i = 0; i < nParams; i++) {
        try {
          params[i]!.check(args[i]);
        } catch (e) {
          throw e instanceof BadValue ? e.toError(paramNames[i]!) : e;
        }
      }
    }
    const cx = idle ?? new LiftLowerContext(contextOptions);
    idle = undefined;
    inst.mayEnter = false;
    let value: unknown;
    try {
      cx.refresh();
      const flat = lowerEntryArgs(inst, plan, cx, args);
      let r: unknown;
      try {
        r = callCore(flat);
        if (inst.poisoned !== undefined) throw inst.poisoned;
        value = liftResult(cx, r);
      } catch (e) {
        throw poisonWith(inst, e);
      }
      if (postReturn !== undefined) runPostReturn(inst, postReturn, r);
    } finally {
      inst.mayEnter = true;
      idle = cx;
    }
    return topResult ? returnOrThrow(value) : value;
  };
}

/**
 * Marks `inst` entered by a call from `caller` (the host when `undefined`);
 * returns what {@linkcode leave} needs to undo it.
 */
function enter(
  inst: ComponentInstanceState,
  caller: ComponentInstanceState | undefined,
): Iterable<ComponentInstanceState> | undefined {
  const entering = caller !== undefined ? inst.enteringSet(caller) : undefined;
  if (entering === undefined) inst.setMayEnterFromHost(false);
  else for (const e of entering) e.mayEnter = false;
  return entering;
}

function leave(
  inst: ComponentInstanceState,
  entering: Iterable<ComponentInstanceState> | undefined,
): void {
  if (entering === undefined) inst.setMayEnterFromHost(true);
  else for (const e of entering) e.mayEnter = true;
}

/** Lowers the arguments: a bad one is the caller's error; anything else poisons `inst`. */
function lowerEntryArgs(
  inst: ComponentInstanceState,
  plan: LiftPlan,
  cx: LiftLowerContext,
  args: readonly unknown[],
): CoreValue[] {
  try {
    return lowerFlatArgs(plan, cx, args);
  } catch (e) {
    if (e instanceof Error && argumentErrors.has(e)) throw e;
    throw poisonWith(inst, e);
  }
}

/** CanonicalABI.md § Lifting and Lowering Values (`lower_flat_values`), into `cx.scratch`. */
function lowerFlatArgs(
  plan: LiftPlan,
  cx: LiftLowerContext,
  args: readonly unknown[],
): CoreValue[] {
  const { params, paramNames, nParams } = plan;
  const flat = cx.scratch as CoreValue[];
  if (plan.spillParams) {
    const ptr = cx.allocate(plan.paramAlign, plan.paramSize);
    cx.checkAllocation(ptr, plan.paramAlign, plan.paramSize, "parameter area");
    for (let i = 0; i < nParams; i++) {
      try {
        params[i]!.store(cx, args[i], ptr + plan.paramOffsets[i]!);
      } catch (e) {
        throw e instanceof BadValue ? argumentError(e, paramNames[i]!) : e;
      }
    }
    flat[0] = ptr;
    return flat;
  }
  let at = 0;
  for (let i = 0; i < nParams; i++) {
    const c = params[i]!;
    try {
      c.lowerFlat(cx, args[i], flat, at);
    } catch (e) {
      throw e instanceof BadValue ? argumentError(e, paramNames[i]!) : e;
    }
    at += c.flat.length;
  }
  return flat;
}

/** Lifts the core result `r` (a value, or a pointer to the spilled result). */
function liftFlatResult(
  plan: LiftPlan,
  cx: LiftLowerContext,
  r: unknown,
  one: CoreValue[],
): unknown {
  const result = plan.result;
  if (result === undefined) return undefined;
  cx.refresh();
  if (plan.resultSpilled) {
    const ptr = Number(r) >>> 0;
    cx.checkAlign(ptr, result.align, "result area");
    cx.checkBounds(ptr, result.size, "result area");
    return result.load(cx, ptr);
  }
  one[0] = r as CoreValue;
  return result.liftFlat(cx, one, 0);
}

/** Calls from JS into an instance tree wait for the one before to finish, by root instance. */
const entryQueues = new WeakMap<ComponentInstanceState, Promise<void>>();

/** Waits for the JS calls before this one into the tree of `inst`; resolves to the release. */
async function enterQueue(inst: ComponentInstanceState): Promise<() => void> {
  let root = inst;
  while (root.parent !== undefined) root = root.parent;
  const before = entryQueues.get(root);
  const { promise, resolve } = Promise.withResolvers<void>();
  entryQueues.set(root, promise);
  if (before !== undefined) await before;
  return () => {
    if (entryQueues.get(root) === promise) entryQueues.delete(root);
    resolve();
  };
}

/** Options of {@linkcode liftFunctionSuspending}, besides the canonical ones. */
export interface SuspendingLiftOptions extends CanonOptions {
  /** The error a call aborted by its caller's signal rejects with (default: the abort reason). */
  readonly cancelled?: (reason: unknown) => Error;
}

/**
 * `canon lift` for a core function that can suspend (JSPI): `core` is the
 * core function wrapped by `WebAssembly.promising`, and the lifted function
 * returns a Promise of what {@linkcode liftFunction}'s would return. The
 * instance stays entered while the core function is suspended, so calls from
 * JS into the same instance tree wait their turn instead of trapping with
 * "cannot enter component instance"; calls from another guest enter at once
 * (a reentrant one traps, as it must).
 *
 * A JS caller may pass `{ signal }` after the arguments. Aborting it rejects
 * the call at once with `options.cancelled(reason)`: a call still waiting for
 * its turn never enters the instance; a suspended one cannot be stopped, so
 * it finishes in isolation (its result dropped, post-return run) and the next
 * call waits for it.
 */
export function liftFunctionSuspending(
  core: (...flat: CoreValue[]) => Promise<unknown>,
  type: FuncType,
  options: SuspendingLiftOptions,
): (...args: unknown[]) => Promise<unknown> {
  const plan = liftPlanOf(type);
  const inst = options.instance;
  const fname = options.name ?? "function";
  const { params, paramNames, nParams, topResult, hasBorrows, coreArity } = plan;
  const postReturn = options.postReturn;
  const cancelled = options.cancelled ??
    ((reason: unknown) => reason instanceof Error ? reason : new Error(String(reason)));
  const contextOptions = {
    instance: inst,
    stringEncoding: options.stringEncoding,
    memory: options.memory,
    realloc: options.realloc,
  };
  const call = async (
    caller: ComponentInstanceState | undefined,
    args: readonly unknown[],
    signal?: AbortSignal,
  ): Promise<unknown> => {
    for (let i = 0; i < nParams; i++) {
      try {
        params[i]!.check(args[i]);
      } catch (e) {
        throw e instanceof BadValue ? e.toError(paramNames[i]!) : e;
      }
    }
    const release = caller === undefined ? await enterQueue(inst) : undefined;
    try {
      if (signal?.aborted) throw cancelled(signal.reason);
      if (inst.poisoned !== undefined) throw poisonedError(inst, fname);
      if (inst.starting || !inst.mayEnterFrom(caller)) {
        throw new Trap("cannot enter component instance");
      }
      const cx = new LiftLowerContext(contextOptions);
      const toGuest = caller !== undefined;
      cx.interchange = toGuest;
      const entering = enter(inst, caller);
      let value: unknown;
      try {
        const task: BorrowScope | undefined = hasBorrows ? { numBorrows: 0 } : undefined;
        cx.borrowScope = task;
        cx.refresh();
        const flat = lowerEntryArgs(inst, plan, cx, args).slice(0, coreArity);
        let r: unknown;
        try {
          r = await core(...flat);
          throwIfPoisoned(inst);
          value = liftFlatResult(plan, cx, r, [0]);
          if (task !== undefined && task.numBorrows > 0) throw new Trap(BORROWS_REMAIN);
        } catch (e) {
          throw poisonWith(inst, e);
        }
        if (postReturn !== undefined) runPostReturn(inst, postReturn, r);
      } finally {
        leave(inst, entering);
      }
      return topResult && !toGuest ? returnOrThrow(value) : value;
    } finally {
      release?.();
    }
  };
  const lifted = (...args: unknown[]): Promise<unknown> => {
    const signal = args.length === nParams + 1 ? signalOf(args[nParams]) : undefined;
    if (signal === undefined) return call(undefined, args);
    args.length = nParams;
    if (signal.aborted) return Promise.reject(cancelled(signal.reason));
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(cancelled(signal.reason));
      signal.addEventListener("abort", onAbort, { once: true });
      call(undefined, args, signal).then(resolve, reject).finally(() =>
        signal.removeEventListener("abort", onAbort)
      );
    });
  };
  setGuestCall(lifted, call);
  return lifted;
}

/** The `signal` of a call-options object after the arguments, if that is what `o` is. */
function signalOf(o: unknown): AbortSignal | undefined {
  if (typeof o !== "object" || o === null) return undefined;
  const signal = (o as { signal?: unknown }).signal;
  return signal instanceof AbortSignal ? signal : undefined;
}

/** What `liftFunction` derives from a function type alone, computed once per type object. */
interface LiftPlan {
  readonly params: readonly Codec[];
  readonly paramNames: readonly string[];
  readonly nParams: number;
  readonly spillParams: boolean;
  readonly paramOffsets: readonly number[];
  readonly paramSize: number;
  readonly paramAlign: number;
  readonly result: Codec | undefined;
  readonly resultSpilled: boolean;
  readonly topResult: boolean;
  readonly precheck: boolean;
  readonly hasBorrows: boolean;
  readonly coreArity: number;
}

const liftPlans = new WeakMap<FuncType, LiftPlan>();

function liftPlanOf(type: FuncType): LiftPlan {
  let plan = liftPlans.get(type);
  if (plan !== undefined) return plan;
  const params = type.params.map((p) => codecOf(p.type));
  const nParams = params.length;
  const flatParamCount = params.reduce((n, c) => n + c.flat.length, 0);
  const spillParams = flatParamCount > MAX_FLAT_PARAMS;
  const paramTuple: ValType = { kind: "tuple", types: type.params.map((p) => p.type) };
  const result = type.result === undefined ? undefined : codecOf(type.result);
  plan = {
    params,
    paramNames: type.params.map((p) => `argument "${p.name}"`),
    nParams,
    spillParams,
    paramOffsets: tupleOffsets(params),
    paramSize: elemSize(paramTuple),
    paramAlign: alignment(paramTuple),
    result,
    resultSpilled: result !== undefined && result.flat.length > MAX_FLAT_RESULTS,
    topResult: type.result?.kind === "result",
    // Check every argument first when lowering one could call realloc or move a resource.
    // A lone string or staged list needs no pass of its own: it is checked before realloc runs.
    precheck: spillParams ||
      ((params.some((c) => c.allocates) || type.params.some((p) => containsHandle(p.type))) &&
        !(nParams === 1 &&
          (type.params[0]!.type.kind === "string" || params[0]!.checksFirst === true))),
    hasBorrows: type.params.some((p) => containsBorrow(p.type)),
    coreArity: spillParams ? 1 : flatParamCount,
  };
  liftPlans.set(type, plan);
  return plan;
}

function poisonedError(inst: ComponentInstanceState, fname: string): InstancePoisonedError {
  return new InstancePoisonedError(
    `Cannot call "${fname}": the instance trapped before (${inst.poisoned!.message})`,
    { cause: inst.poisoned },
  );
}

/**
 * The host entry of a function whose parameters and result are all one flat
 * scalar each (numbers, bigints, bools, chars, small flags): the arguments
 * are converted straight into core values and the result straight back, with
 * no context, no flat array and no rest array, so a call allocates nothing
 * but its result. Same checks and order as the general path: enter checks,
 * arguments (a bad one throws before wasm is entered and leaves the
 * instance usable), the call, poisoning on a trap, post-return.
 * `undefined` when the function does not qualify.
 */
function scalarEntry(
  core: (...flat: CoreValue[]) => unknown,
  plan: LiftPlan,
  options: CanonOptions,
): ((...args: unknown[]) => unknown) | undefined {
  const inst = options.instance;
  const { nParams, result } = plan;
  if (plan.spillParams || plan.topResult || nParams > 3) return undefined;
  if (options.postReturn !== undefined || inst.parent !== undefined) return undefined;
  if (result !== undefined && result.liftScalar === undefined) return undefined;
  // A borrow of a resource this instance implements lowers to its rep, with
  // no handle and no borrow count (CanonicalABI.md § `lower_borrow`): a
  // method called from JS on the component's own resource qualifies.
  const params: Codec[] = [];
  for (const c of plan.params) {
    if (c.lowerScalar !== undefined) params.push(c);
    else if (c.type.kind === "borrow" && c.type.resource.instance === inst) {
      params.push({ ...c, lowerScalar: ownBorrowLowerer(c) });
    } else return undefined;
  }
  const lift = result === undefined ? liftNothing : result.liftScalar!;
  const fname = options.name ?? "function";
  // The checks are written out in each entry (not shared helpers) so that
  // every entry keeps call-site feedback of its own for the JIT.
  switch (nParams) {
    case 0:
      return () => {
        if (inst.poisoned !== undefined || !inst.mayEnter || inst.starting) {
          refuseEntry(inst, fname);
        }
        inst.mayEnter = false;
        let r: unknown;
        try {
          r = core();
        } catch (e) {
          throw trapped(inst, e);
        }
        inst.mayEnter = true;
        if (inst.poisoned !== undefined) throw inst.poisoned;
        try {
          return lift(r as CoreValue);
        } catch (e) {
          throw poisonWith(inst, e); // an invalid char
        }
      };
    case 1: {
      const l0 = params[0]!.lowerScalar!;
      return (a: unknown) => {
        if (inst.poisoned !== undefined || !inst.mayEnter || inst.starting) {
          refuseEntry(inst, fname);
        }
        let x: CoreValue;
        try {
          x = l0(a);
        } catch (e) {
          throw badArgument(e, plan, 0);
        }
        inst.mayEnter = false;
        let r: unknown;
        try {
          r = core(x);
        } catch (e) {
          throw trapped(inst, e);
        }
        inst.mayEnter = true;
        if (inst.poisoned !== undefined) throw inst.poisoned;
        try {
          return lift(r as CoreValue);
        } catch (e) {
          throw poisonWith(inst, e); // an invalid char
        }
      };
    }
    case 2: {
      const l0 = params[0]!.lowerScalar!;
      const l1 = params[1]!.lowerScalar!;
      return (a: unknown, b: unknown) => {
        if (inst.poisoned !== undefined || !inst.mayEnter || inst.starting) {
          refuseEntry(inst, fname);
        }
        let x: CoreValue, y: CoreValue;
        let i = 0;
        try {
          x = l0(a);
          i = 1;
          y = l1(b);
        } catch (e) {
          throw badArgument(e, plan, i);
        }
        inst.mayEnter = false;
        let r: unknown;
        try {
          r = core(x, y);
        } catch (e) {
          throw trapped(inst, e);
        }
        inst.mayEnter = true;
        if (inst.poisoned !== undefined) throw inst.poisoned;
        try {
          return lift(r as CoreValue);
        } catch (e) {
          throw poisonWith(inst, e); // an invalid char
        }
      };
    }
    default: {
      const l0 = params[0]!.lowerScalar!;
      const l1 = params[1]!.lowerScalar!;
      const l2 = params[2]!.lowerScalar!;
      return (a: unknown, b: unknown, c: unknown) => {
        if (inst.poisoned !== undefined || !inst.mayEnter || inst.starting) {
          refuseEntry(inst, fname);
        }
        let x: CoreValue, y: CoreValue, z: CoreValue;
        let i = 0;
        try {
          x = l0(a);
          i = 1;
          y = l1(b);
          i = 2;
          z = l2(c);
        } catch (e) {
          throw badArgument(e, plan, i);
        }
        inst.mayEnter = false;
        let r: unknown;
        try {
          r = core(x, y, z);
        } catch (e) {
          throw trapped(inst, e);
        }
        inst.mayEnter = true;
        if (inst.poisoned !== undefined) throw inst.poisoned;
        try {
          return lift(r as CoreValue);
        } catch (e) {
          throw poisonWith(inst, e); // an invalid char
        }
      };
    }
  }
}

/** Lowers a JS resource object to the rep of a borrow the callee's own instance implements. */
function ownBorrowLowerer(c: Codec): (v: unknown) => CoreValue {
  const rt = (c.type as ValType & { kind: "borrow" }).resource;
  const name = `borrow<${rt.name}>`;
  return (v) => {
    c.check(v);
    try {
      return resourceJsOf(rt).fromJs(v, false);
    } catch (e) {
      if (e instanceof TypeError || e instanceof RangeError) {
        throw new BadValue(false, name, v, e.message, { cause: e });
      }
      throw e;
    }
  };
}

function liftNothing(_: CoreValue): unknown {
  return undefined;
}

/** Throws why a host call cannot enter `inst` now. */
function refuseEntry(inst: ComponentInstanceState, fname: string): never {
  if (inst.poisoned !== undefined) throw poisonedError(inst, fname);
  throw new Trap("cannot enter component instance");
}

/** A trap out of a core call: the instance is left enterable but poisoned. */
function trapped(inst: ComponentInstanceState, e: unknown): Trap {
  inst.mayEnter = true;
  return poisonWith(inst, e);
}

/** The public error for bad argument `i`, or `e` itself if it is not a bad value. */
function badArgument(e: unknown, plan: LiftPlan, i: number): unknown {
  return e instanceof BadValue ? e.toError(plan.paramNames[i]!) : e;
}

/** The public error for a bad argument, remembered as one that does not poison. */
function argumentError(e: BadValue, what: string): Error {
  const error = e.toError(what);
  argumentErrors.add(error);
  return error;
}

/** Byte offsets of the fields of a tuple of `codecs`. */
export function tupleOffsets(codecs: readonly Codec[]): number[] {
  const offsets: number[] = [];
  let s = 0;
  for (const c of codecs) {
    s = Math.ceil(s / c.align) * c.align;
    offsets.push(s);
    s += c.size;
  }
  return offsets;
}

/** Whether `t` contains a `borrow` (CanonicalABI.md § Type Predicates). */
export function containsBorrow(t: ValType | undefined): boolean {
  return contains(t, (k) => k === "borrow");
}

/** Whether `t` contains an `own` or a `borrow`. */
export function containsHandle(t: ValType | undefined): boolean {
  return contains(t, (k) => k === "borrow" || k === "own");
}

/** CanonicalABI.md § Type Predicates (`contains`). */
function contains(t: ValType | undefined, p: (kind: ValType["kind"]) => boolean): boolean {
  if (t === undefined) return false;
  if (p(t.kind)) return true;
  const c = (u: ValType | undefined): boolean => contains(u, p);
  switch (t.kind) {
    case "list":
      return c(t.element);
    case "record":
      return t.fields.some((f) => c(f.type));
    case "tuple":
      return t.types.some(c);
    case "variant":
      return t.cases.some((x) => c(x.type));
    case "option":
      return c(t.type);
    case "result":
      return c(t.ok) || c(t.err);
    case "map":
      return c(t.key) || c(t.value);
    default:
      return false;
  }
}
