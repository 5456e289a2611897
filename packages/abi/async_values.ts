/**
 * What component-model async needs of the canonical ABI, without `@weft/abi`
 * knowing the executor: a hook for `stream`, `future` and `error-context`
 * values (CanonicalABI.md § Loading `lift_async_value`, § Storing
 * `lower_async_value`), and compiled flat/memory value lists and element
 * codecs for the async trampolines and built-ins.
 *
 * @module
 */
import { BadValue, codecOf, typedArrayOf } from "./codec.ts";
import { type CoreValue, LiftLowerContext, type ResourceHandle } from "./context.ts";
import type { ComponentInstanceState } from "./instance_state.ts";
import type { CanonOptions } from "./lift_function.ts";
import { tupleOffsets } from "./lift_function.ts";
import { t as types, type ValType } from "./types.ts";

/**
 * How `stream`, `future` and `error-context` values move in and out of an
 * instance's handle table. The runtime installs one (see
 * {@linkcode setAsyncValueHooks}); values are whatever the hook returns.
 */
export interface AsyncValueHooks {
  /** Takes the handle at `i` out of `inst` (spec: `lift_stream`, `lift_future`, `lift_error_context`). */
  lift(inst: ComponentInstanceState, i: number, t: ValType): unknown;
  /** Puts `v` into `inst`'s table, returning the handle (spec: `lower_stream`, …). */
  lower(inst: ComponentInstanceState, v: unknown, t: ValType): number;
  /** Throws a `TypeError` unless `v` can be lowered as `t`. */
  check(v: unknown, t: ValType): void;
}

let hooks: AsyncValueHooks | undefined;

/** Installs the hooks for `stream`, `future` and `error-context` values (the runtime does). */
export function setAsyncValueHooks(h: AsyncValueHooks): void {
  hooks = h;
}

/** The installed hooks, or `undefined` (then such values are refused). */
export function asyncValueHooks(): AsyncValueHooks | undefined {
  return hooks;
}

/** A list of values compiled against canonical options. */
export interface FlatValues {
  /** How many flat core values the list takes. */
  readonly flatLength: number;
  /** The list's byte size and alignment in memory (as a tuple). */
  readonly size: number;
  /** The list's alignment in memory. */
  readonly align: number;
  /**
   * Lifts the values from `flat` (spec: `lift_flat_values`): when the flat
   * length exceeds `max`, `flat[0]` points at them in memory. Borrowed
   * handles are handed to `lend` (the subtask's `addLender`).
   */
  lift(
    flat: ArrayLike<CoreValue>,
    max: number,
    lend?: (h: { numLends: number }) => void,
  ): unknown[];
  /**
   * Lowers `values` (spec: `lower_flat_values`): when the flat length
   * exceeds `max`, they are stored at `outPtr` if given, else at memory
   * allocated with `realloc`, and the flat list is that pointer.
   */
  lower(
    values: readonly unknown[],
    max: number,
    options?: { readonly scope?: { numBorrows: number }; readonly outPtr?: number },
  ): CoreValue[];
  /** Checks every value can be lowered (TypeError/RangeError naming `names[i]`). */
  check(values: readonly unknown[], names?: readonly string[]): void;
}

/** Compiles a list of value types against `options` (memory, encoding, realloc). */
export function flatValues(list: readonly ValType[], options: CanonOptions): FlatValues {
  const codecs = list.map((t) => codecOf(t));
  const offsets = tupleOffsets(codecs);
  let align = 1;
  let size = 0;
  codecs.forEach((c, i) => {
    align = Math.max(align, c.align);
    size = offsets[i]! + c.size;
  });
  size = Math.ceil(size / align) * align;
  const flatLength = codecs.reduce((n, c) => n + c.flat.length, 0);
  const cxOf = (): LiftLowerContext =>
    new LiftLowerContext({
      instance: options.instance,
      stringEncoding: options.stringEncoding,
      memory: options.memory,
      realloc: options.realloc,
    });
  return {
    flatLength,
    size,
    align,
    lift(flat, max, lend) {
      const cx = cxOf();
      const lenders: ResourceHandle[] = [];
      cx.lenders = lenders;
      const out: unknown[] = [];
      if (flatLength > max) {
        const ptr = Number(flat[0]) >>> 0;
        cx.checkAlign(ptr, align, "parameter area");
        cx.checkBounds(ptr, size, "parameter area");
        for (let i = 0; i < codecs.length; i++) out.push(codecs[i]!.load(cx, ptr + offsets[i]!));
      } else {
        let at = 0;
        for (const c of codecs) {
          out.push(c.liftFlat(cx, flat, at));
          at += c.flat.length;
        }
      }
      for (const h of lenders) {
        // liftBorrow counted the lend already; the subtask counts it itself.
        h.numLends--;
        if (lend !== undefined) lend(h);
      }
      return out;
    },
    lower(values, max, opts = {}) {
      const cx = cxOf();
      cx.borrowScope = opts.scope;
      if (flatLength > max) {
        let ptr: number;
        if (opts.outPtr !== undefined) {
          ptr = opts.outPtr >>> 0;
        } else {
          ptr = cx.allocate(align, size);
          cx.checkAllocation(ptr, align, size, "parameter area");
        }
        cx.checkAlign(ptr, align, "result area");
        cx.checkBounds(ptr, size, "result area");
        for (let i = 0; i < codecs.length; i++) {
          codecs[i]!.store(cx, values[i], ptr + offsets[i]!);
          cx.refresh();
        }
        return opts.outPtr !== undefined ? [] : [ptr];
      }
      const out: CoreValue[] = [];
      let at = 0;
      for (let i = 0; i < codecs.length; i++) {
        codecs[i]!.lowerFlat(cx, values[i], out, at);
        at += codecs[i]!.flat.length;
      }
      return out;
    },
    check(values, names) {
      for (let i = 0; i < codecs.length; i++) {
        try {
          codecs[i]!.check(values[i]);
        } catch (e) {
          const what = `argument "${names?.[i] ?? i}"`;
          // The same TypeError or RangeError as the sync path's.
          if (e instanceof BadValue) throw e.toError(what);
          throw new TypeError(
            `Cannot lower ${what}: ${e instanceof Error ? e.message : String(e)}`,
            { cause: e },
          );
        }
      }
    },
  };
}

/** How elements of one type live in guest memory (the executor's `ElementCodec`). */
export interface ElementAccess {
  /** The element size in bytes. */
  readonly size: number;
  /** The element alignment. */
  readonly align: number;
  /** The current byte length of the memory. */
  memoryLength(): number;
  /**
   * Loads `n` elements from `ptr`: for an integer type a typed array that
   * views guest memory (valid until the memory changes: copy it), else an
   * array or typed array of the elements' values.
   */
  load(ptr: number, n: number): ArrayLike<unknown>;
  /** Stores `values` at `ptr`. */
  store(ptr: number, values: ArrayLike<unknown>): void;
  /**
   * Throws a `TypeError` or `RangeError` (naming `what`, and the index
   * when there are several) unless every one of `values` can be stored as
   * the element type.
   */
  check(values: ArrayLike<unknown>, what?: string): void;
}

/** Whether typed arrays use the little-endian byte order of wasm memory. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const INTEGER_KINDS = new Set(["u8", "s8", "u16", "s16", "u32", "s32", "u64", "s64"]);

/** The element codec of `t` under `options` (for stream and future copies). */
export function elementAccess(t: ValType, options: CanonOptions): ElementAccess {
  const c = codecOf(t);
  // Lists of numbers load as typed arrays (floats with NaN canonicalized).
  const list = codecOf({ kind: "list", element: t });
  const Typed = LITTLE_ENDIAN ? typedArrayOf(t) : undefined;
  const view = Typed !== undefined && INTEGER_KINDS.has(t.kind) ? Typed : undefined;
  const cxOf = (): LiftLowerContext =>
    new LiftLowerContext({
      instance: options.instance,
      stringEncoding: options.stringEncoding,
      memory: options.memory,
      realloc: options.realloc,
    });
  return {
    size: c.size,
    align: c.align,
    memoryLength: () => options.memory?.buffer.byteLength ?? 0,
    load(ptr, n) {
      if (view !== undefined && options.memory !== undefined) {
        // Whoever takes the elements copies them (WritableHostBuffer, or a
        // store into the reader's memory), so a view saves one copy.
        return new view(options.memory.buffer as ArrayBuffer, ptr, n);
      }
      return list.liftFlat(cxOf(), [ptr, n], 0) as ArrayLike<unknown>;
    },
    store(ptr, values) {
      if (
        Typed !== undefined && values instanceof Typed && options.memory !== undefined
      ) {
        new Typed(options.memory.buffer as ArrayBuffer, ptr, values.length).set(values as never);
        return;
      }
      const cx = cxOf();
      for (let i = 0; i < values.length; i++) {
        c.store(cx, values[i], ptr + i * c.size);
        cx.refresh();
      }
    },
    check(values, what = "element") {
      if (Typed !== undefined && values instanceof Typed) return;
      for (let i = 0; i < values.length; i++) {
        try {
          c.check(values[i]);
        } catch (e) {
          throw e instanceof BadValue
            ? e.toError(values.length === 1 ? what : `${what} [${i}]`)
            : e;
        }
      }
    },
  };
}

/** String access for `error-context.new` and `.debug-message` under `options`. */
export function stringAccess(options: CanonOptions): {
  load(ptr: number, taggedCodeUnits: number): string;
  store(ptr: number, s: string): void;
} {
  const c = codecOf(types.string);
  const cxOf = (): LiftLowerContext =>
    new LiftLowerContext({
      instance: options.instance,
      stringEncoding: options.stringEncoding,
      memory: options.memory,
      realloc: options.realloc,
    });
  return {
    load(ptr, units) {
      return c.liftFlat(cxOf(), [ptr, units], 0) as string;
    },
    store(ptr, s) {
      const cx = cxOf();
      cx.checkAlign(ptr, 4, "string");
      cx.checkBounds(ptr, 8, "string");
      c.store(cx, s, ptr);
    },
  };
}
