/**
 * Error contexts (CanonicalABI.md § 📝 `canon error-context.new`,
 * `.debug-message`, `.drop`).
 *
 * @module
 */
import { Trap } from "@weft/abi";
import { type AsyncInstanceState, guard } from "./instance.ts";

/** CanonicalABI.md § 📝 `canon error-context.new` (`ErrorContext`): an immutable debug message. */
export class ErrorContext {
  /** The host-defined debug message. */
  readonly debugMessage: string;

  /** Creates an error context with `debugMessage`. */
  constructor(debugMessage: string) {
    this.debugMessage = debugMessage;
  }
}

/** String access under the built-in's canonical options, plugged in by the runtime. */
export interface ErrorContextStrings {
  /** Loads a string (spec: `load_string_from_range`, traps on bad input). */
  load?(ptr: number, taggedCodeUnits: number): string;
  /** Stores a string and its length at `ptr` (spec: `store_string`). */
  store?(ptr: number, s: string): void;
  /**
   * The message the error context keeps (spec: `host_defined_transformation`);
   * default: the guest's message as it is.
   */
  transform?(message: string): string;
}

/** CanonicalABI.md § 📝 `canon error-context.new`: `(ptr, units) => index`. */
export function errorContextNew(
  inst: AsyncInstanceState,
  strings: ErrorContextStrings,
): (ptr: number, taggedCodeUnits: number) => number {
  return (ptr, units) =>
    guard(inst, () => {
      inst.checkMayLeave();
      // The spec may keep an empty message; keeping the guest's helps debugging.
      const s = strings.load === undefined ? "" : strings.load(ptr >>> 0, units >>> 0);
      const message = strings.transform === undefined ? s : strings.transform(s);
      return inst.handles.add(new ErrorContext(message));
    });
}

function errorContextAt(inst: AsyncInstanceState, i: number): ErrorContext {
  const e = inst.handles.get(i);
  if (!(e instanceof ErrorContext)) throw new Trap(`handle index ${i} is not an error context`);
  return e;
}

/** CanonicalABI.md § 📝 `canon error-context.debug-message`: `(i, ptr) => void`. */
export function errorContextDebugMessage(
  inst: AsyncInstanceState,
  strings: ErrorContextStrings,
): (i: number, ptr: number) => void {
  return (i, ptr) =>
    guard(inst, () => {
      inst.checkMayLeave();
      const e = errorContextAt(inst, i);
      if (strings.store === undefined) {
        throw new Trap('cannot store the debug message: the canonical option "memory" is missing');
      }
      try {
        strings.store(ptr >>> 0, e.debugMessage);
      } catch (cause) {
        // The abi's message names the string's pointer pair, not the built-in's argument.
        throw new Trap(
          `cannot store the debug message at pointer ${ptr >>> 0}: ${
            cause instanceof Error ? cause.message : String(cause)
          }`,
          { cause },
        );
      }
    });
}

/** CanonicalABI.md § 📝 `canon error-context.drop`. */
export function errorContextDrop(inst: AsyncInstanceState): (i: number) => void {
  return (i) =>
    guard(inst, () => {
      inst.checkMayLeave();
      errorContextAt(inst, i);
      inst.handles.remove(i);
    });
}

/** CanonicalABI.md § Loading (`lift_error_context`): the error context at `i` (stays in the table). */
export function liftErrorContext(inst: AsyncInstanceState, i: number): ErrorContext {
  return errorContextAt(inst, i);
}

/** CanonicalABI.md § Storing (`lower_error_context`): a new handle to `e` in `inst`'s table. */
export function lowerErrorContext(inst: AsyncInstanceState, e: ErrorContext): number {
  return inst.handles.add(e);
}
