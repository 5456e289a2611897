/**
 * How failures become traps, and how a trap is kept from being caught by
 * guest code (CanonicalABI.md § Component Instances: a trap is fatal to the
 * instance it happens in and to every instance it unwinds through).
 *
 * A trap thrown out of a canon built-in or a lowered import is a JS exception
 * that unwinds through the calling instance's wasm frames, where a
 * `try_table (catch_all …)` could catch it. So before it is thrown into an
 * instance, that instance is poisoned: the first trap is recorded on it (it
 * is "pending"), every later import call or built-in of the instance rethrows
 * it, and the lifted function that entered the instance rethrows it however
 * its core function ends. Nothing after a trap completes normally.
 *
 * @module
 */
import { Trap } from "./errors.ts";
import type { ComponentInstanceState } from "./instance_state.ts";

/** The trap message for a core wasm exception that reaches a component boundary. */
export const UNCAUGHT_EXCEPTION = "uncaught exception propagated out of component";

/** Whether `e` is a core wasm exception (`WebAssembly.Exception`). */
export function isWasmException(e: unknown): boolean {
  const Exception = (WebAssembly as { Exception?: abstract new (...a: never[]) => unknown })
    .Exception;
  return Exception !== undefined && e instanceof Exception;
}

/**
 * The trap for an error thrown inside a call: a `Trap` as it is, a core wasm
 * exception as {@linkcode UNCAUGHT_EXCEPTION} (exceptions must not cross a
 * component boundary), anything else with its message.
 */
export function toTrap(e: unknown): Trap {
  if (e instanceof Trap) return e;
  if (isWasmException(e)) return new Trap(UNCAUGHT_EXCEPTION, { cause: e });
  return new Trap(e instanceof Error ? e.message : String(e), { cause: e });
}

/**
 * Poisons `inst` with the trap for `e` and returns the trap to throw: the
 * instance's first trap, which is the one a trap caught by guest code and
 * followed by another failure must still report.
 */
export function poisonWith(inst: ComponentInstanceState, e: unknown): Trap {
  inst.poison(toTrap(e));
  return inst.poisoned!;
}

/** Throws the pending trap of `inst`, if it trapped (see the module doc). */
export function throwIfPoisoned(inst: ComponentInstanceState): void {
  const trap = inst.poisoned;
  if (trap !== undefined) throw trap;
}
