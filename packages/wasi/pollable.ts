// wasi:io/poll (io/wit/poll.wit).
import { WouldBlockError } from "./errors.ts";
import { withAsyncForm } from "./suspending.ts";

/** What a {@linkcode Pollable} watches. */
export interface Readiness {
  /** Whether the event happened. Must not block. */
  ready(): boolean;
  /**
   * Resolves when `ready()` may have become true (a spurious wake-up is
   * allowed: callers check again). Aborting `signal` must release timers and
   * similar resources the wait holds.
   */
  wait(signal: AbortSignal): Promise<void>;
}

const ALWAYS: Readiness = { ready: () => true, wait: () => Promise.resolve() };

/**
 * `wasi:io/poll.pollable`: one I/O event that may be ready or not.
 *
 * `ready()` never blocks. `block()` returns at once when ready; otherwise it
 * throws {@linkcode WouldBlockError}. Its suspending form (under
 * `SUSPENDING`) waits instead, and `@weft/runtime` calls that form with
 * JSPI, suspending the guest; `blockAsync()` is the waiting form for JS.
 */
export class Pollable {
  readonly #readiness: Readiness;

  /** A pollable over `readiness` (a pollable that is always ready without it). */
  constructor(readiness: Readiness = ALWAYS) {
    this.#readiness = readiness;
  }

  /** `ready`: whether the event happened. Never blocks. */
  ready(): boolean {
    return this.#readiness.ready();
  }

  /** `block`: returns when ready; throws {@linkcode WouldBlockError} if that needs waiting. */
  block(): void {
    if (!this.#readiness.ready()) throw new WouldBlockError("block on a pollable");
  }

  /** The waiting form of {@linkcode Pollable.prototype.block}. */
  async blockAsync(signal?: AbortSignal): Promise<void> {
    while (!this.#readiness.ready()) {
      signal?.throwIfAborted();
      const controller = new AbortController();
      const onAbort = () => controller.abort(signal?.reason);
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        await this.#readiness.wait(controller.signal);
      } finally {
        signal?.removeEventListener("abort", onAbort);
        controller.abort();
      }
    }
  }

  /** Resolves when `ready()` may have changed (for {@linkcode pollAsync}). */
  wait(signal: AbortSignal): Promise<void> {
    return this.#readiness.wait(signal);
  }
}
withAsyncForm(Pollable.prototype.block, Pollable.prototype.blockAsync);

function checkList(pollables: readonly Pollable[]): void {
  // io/wit/poll.wit § poll: "traps if the list is empty".
  if (pollables.length === 0) {
    throw new RangeError("Cannot poll an empty list of pollables: received 0 pollables");
  }
  if (pollables.length > 0xffff_ffff) {
    throw new RangeError(
      `Cannot poll more pollables than a u32 indexes: received ${pollables.length}`,
    );
  }
}

function readyIndices(pollables: readonly Pollable[]): Uint32Array {
  const out: number[] = [];
  for (let i = 0; i < pollables.length; i++) if (pollables[i]!.ready()) out.push(i);
  return new Uint32Array(out);
}

/**
 * `wasi:io/poll.poll`: the indices of the ready pollables. When none is
 * ready it throws {@linkcode WouldBlockError}; its suspending form, used by
 * `@weft/runtime` with JSPI, and {@linkcode pollAsync} wait instead.
 */
export function poll(pollables: readonly Pollable[]): Uint32Array {
  checkList(pollables);
  const ready = readyIndices(pollables);
  if (ready.length === 0) throw new WouldBlockError("poll pollables of which none is ready");
  return ready;
}

/** The waiting form of {@linkcode poll}: resolves once at least one pollable is ready. */
export async function pollAsync(
  pollables: readonly Pollable[],
  signal?: AbortSignal,
): Promise<Uint32Array> {
  checkList(pollables);
  for (;;) {
    const ready = readyIndices(pollables);
    if (ready.length > 0) return ready;
    signal?.throwIfAborted();
    // Waits on all at once; the losers' waits are aborted so no timer outlives the call.
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await Promise.race(pollables.map((p) => p.wait(controller.signal)));
    } finally {
      signal?.removeEventListener("abort", onAbort);
      controller.abort();
    }
  }
}
withAsyncForm(poll, pollAsync);
