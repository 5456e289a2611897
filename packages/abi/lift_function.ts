/**
 * `canon lift` for synchronous functions (CanonicalABI.md § `canon lift`):
 * a core function becomes a JS function in jco's value mapping.
 *
 * @module
 */
import { BadValue, type Codec, codecOf } from "./codec.ts";
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
 * Lifted functions called from another instance's lowered import, with the
 * calling instance (spec: the `caller` of `Store.lift`'s `func_inst`). Such a
 * call takes its arguments and returns its result in the guest-to-guest
 * interchange form (see `LiftLowerContext.interchange`: strings as
 * `GuestString`, maps as arrays of pairs), and a top-level `result<T, E>` as
 * the `{ tag, val }` variant instead of return-or-throw.
 */
export const callFromInstance: WeakMap<
  (...args: unknown[]) => unknown,
  (caller: ComponentInstanceState | undefined, args: readonly unknown[]) => unknown
> = new WeakMap();

/** Errors for bad JS arguments, which leave the instance usable (unlike a stack overflow). */
const argumentErrors = new WeakSet<Error>();

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
  const inst = options.instance;
  const fname = options.name ?? "function";
  const params = type.params.map((p) => codecOf(p.type));
  const paramNames = type.params.map((p) => `argument "${p.name}"`);
  const nParams = params.length;
  const flatParamCount = params.reduce((n, c) => n + c.flat.length, 0);
  const spillParams = flatParamCount > MAX_FLAT_PARAMS;
  const paramTuple: ValType = { kind: "tuple", types: type.params.map((p) => p.type) };
  const paramOffsets = tupleOffsets(params);
  const result = type.result === undefined ? undefined : codecOf(type.result);
  const resultSpilled = result !== undefined && result.flat.length > MAX_FLAT_RESULTS;
  const topResult = type.result?.kind === "result";
  // Check every argument first when lowering one could call realloc or move a resource.
  // A lone string needs no pass of its own: its type is checked before realloc runs.
  const precheck = spillParams ||
    ((params.some((c) => c.allocates) || type.params.some((p) => containsHandle(p.type))) &&
      !(nParams === 1 && type.params[0]!.type.kind === "string"));
  const hasBorrows = type.params.some((p) => containsBorrow(p.type));
  const postReturn = options.postReturn;
  const contextOptions = {
    instance: inst,
    stringEncoding: options.stringEncoding,
    memory: options.memory,
    realloc: options.realloc,
  };
  let idle: LiftLowerContext | undefined = new LiftLowerContext(contextOptions);
  const one: CoreValue[] = [0];

  const lowerArgs = (cx: LiftLowerContext, args: readonly unknown[]): CoreValue[] => {
    if (spillParams) {
      // CanonicalABI.md § Lifting and Lowering Values (`lower_flat_values`).
      const size = elemSize(paramTuple);
      const align = alignment(paramTuple);
      const ptr = cx.allocate(align, size);
      cx.checkAllocation(ptr, align, size, "parameter area");
      for (let i = 0; i < nParams; i++) {
        try {
          params[i]!.store(cx, args[i], ptr + paramOffsets[i]!);
        } catch (e) {
          throw e instanceof BadValue ? argumentError(e, paramNames[i]!) : e;
        }
      }
      const flat = cx.scratch as CoreValue[];
      flat[0] = ptr;
      return flat;
    }
    const flat = cx.scratch as CoreValue[];
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
  };

  const coreArity = spillParams ? 1 : flatParamCount;
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

  const liftResult = (cx: LiftLowerContext, r: unknown): unknown => {
    if (result === undefined) return undefined;
    cx.refresh();
    if (resultSpilled) {
      const ptr = Number(r) >>> 0;
      cx.checkAlign(ptr, result.align, "result area");
      cx.checkBounds(ptr, result.size, "result area");
      return result.load(cx, ptr);
    }
    one[0] = r as CoreValue;
    return result.liftFlat(cx, one, 0);
  };

  const call = (caller: ComponentInstanceState | undefined, args: readonly unknown[]): unknown => {
    if (inst.poisoned !== undefined) {
      throw new InstancePoisonedError(
        `Cannot call "${fname}": the instance trapped before (${inst.poisoned.message})`,
        { cause: inst.poisoned },
      );
    }
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
    const entering = toGuest ? inst.enteringSet(caller) : undefined;
    if (entering === undefined) inst.setMayEnterFromHost(false);
    else for (const e of entering) e.mayEnter = false;
    let value: unknown;
    try {
      const task: BorrowScope | undefined = hasBorrows ? { numBorrows: 0 } : undefined;
      cx.borrowScope = task;
      cx.refresh();
      let flat: CoreValue[];
      try {
        flat = lowerArgs(cx, args);
      } catch (e) {
        if (e instanceof Error && argumentErrors.has(e)) throw e;
        throw poisonWith(inst, e);
      }
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
      if (postReturn !== undefined) {
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
    } finally {
      if (entering === undefined) inst.setMayEnterFromHost(true);
      else for (const e of entering) e.mayEnter = true;
      cx.borrowScope = undefined;
      cx.interchange = false;
      idle = cx;
    }
    if (topResult && !toGuest) {
      const v = value as { tag: string; val?: unknown };
      if (v.tag === "err") throw new ComponentError(v.val);
      return v.val;
    }
    return value;
  };

  const lifted = (...args: unknown[]): unknown => call(undefined, args);
  callFromInstance.set(lifted, call);
  return lifted;
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
