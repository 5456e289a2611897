// wasi:clocks monotonic-clock and wall-clock (clocks/wit/*.wit).
import { Pollable } from "./pollable.ts";

/** `wasi:clocks/wall-clock.datetime`. */
export interface Datetime {
  /** Seconds since the Unix epoch. */
  seconds: bigint;
  /** Nanoseconds within the second, below 1e9. */
  nanoseconds: number;
}

/** The time sources behind `wasi:clocks`; tests inject their own. */
export interface Clock {
  /** Monotonic time in nanoseconds (any origin, never decreasing). */
  monotonicNow(): bigint;
  /** Wall-clock time. */
  wallNow(): Datetime;
}

/** The default {@linkcode Clock}: `performance.now()` and `performance.timeOrigin`. */
export const systemClock: Clock = {
  monotonicNow: () => BigInt(Math.round(performance.now() * 1e6)),
  wallNow: () => {
    const ns = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
    return { seconds: ns / 1_000_000_000n, nanoseconds: Number(ns % 1_000_000_000n) };
  },
};

// Timers have millisecond granularity, and a wait ending early only re-checks.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A pollable ready once `clock.monotonicNow()` reaches `deadline`. */
export function deadlinePollable(clock: Clock, deadline: bigint): Pollable {
  return new Pollable({
    ready: () => clock.monotonicNow() >= deadline,
    wait: (signal) =>
      new Promise<void>((resolve) => {
        if (signal.aborted) return resolve();
        const left = deadline - clock.monotonicNow();
        const ms = left <= 0n ? 0 : Math.min(MAX_TIMER_MS, Math.ceil(Number(left) / 1e6));
        const id = setTimeout(() => {
          signal.removeEventListener("abort", cancel);
          resolve();
        }, ms);
        const cancel = () => {
          clearTimeout(id);
          resolve();
        };
        signal.addEventListener("abort", cancel, { once: true });
      }),
  });
}

/** `wasi:clocks/monotonic-clock` over `clock`. */
export function monotonicClock(clock: Clock = systemClock): {
  now(): bigint;
  resolution(): bigint;
  subscribeInstant(when: bigint): Pollable;
  subscribeDuration(when: bigint): Pollable;
} {
  return {
    now: () => clock.monotonicNow(),
    // performance.now() is coarsened by the engine; 1 µs is what it promises at best.
    resolution: () => 1000n,
    subscribeInstant: (when) => deadlinePollable(clock, when),
    subscribeDuration: (when) => deadlinePollable(clock, clock.monotonicNow() + when),
  };
}

/** `wasi:clocks/wall-clock` over `clock`. */
export function wallClock(clock: Clock = systemClock): {
  now(): Datetime;
  resolution(): Datetime;
} {
  return {
    now: () => clock.wallNow(),
    resolution: () => ({ seconds: 0n, nanoseconds: 1000 }),
  };
}
