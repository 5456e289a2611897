/**
 * Interrupting a guest from another thread, the way Wasmtime's epoch
 * interruption does: a component compiled with `interruptible: true` has
 * every core module rewritten to check byte 0 of a shared one-page memory,
 * its interrupt flag, at each function entry and loop iteration (see
 * binary/instrument_interrupts.ts), and to trap once it is set. Any thread
 * holding the flag can set it, so a guest stuck in an endless loop can be
 * stopped even where terminating its thread does not stop it (Deno's
 * `worker.terminate()` does not stop a thread in a loop).
 *
 * @module
 */
import { INTERRUPT_IMPORT } from "./binary/instrument_interrupts.ts";

/**
 * Makes an interrupt flag: a shared memory of one page. Pass it to
 * `instantiate` (`{ interrupt }`), post it to the thread that watches the
 * instance, and call {@linkcode raiseInterrupt} there.
 */
export function createInterruptFlag(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
}

/**
 * Sets `flag`: every instance given it traps at its next function entry or
 * loop iteration (and is poisoned, as by any trap), until
 * {@linkcode clearInterrupt}.
 */
export function raiseInterrupt(flag: WebAssembly.Memory): void {
  Atomics.store(new Uint8Array(flag.buffer), 0, 1);
}

/** Clears `flag`, so that instances given it run again. */
export function clearInterrupt(flag: WebAssembly.Memory): void {
  Atomics.store(new Uint8Array(flag.buffer), 0, 0);
}

/** Whether `flag` is set. */
export function interruptRaised(flag: WebAssembly.Memory): boolean {
  return Atomics.load(new Uint8Array(flag.buffer), 0) !== 0;
}

const importsFlag = new WeakMap<WebAssembly.Module, boolean>();

/** Whether core `module` was instrumented, so that it imports an interrupt flag. */
export function importsInterrupt(module: WebAssembly.Module): boolean {
  let found = importsFlag.get(module);
  if (found === undefined) {
    found = WebAssembly.Module.imports(module).some((i) =>
      i.module === INTERRUPT_IMPORT.module && i.name === INTERRUPT_IMPORT.name
    );
    importsFlag.set(module, found);
  }
  return found;
}
