// The imports module of the pool tests: loaded inside each worker (or in
// the main thread by in-thread pools). A function, so each instance gets
// its own.
const inWorker = typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !==
  "undefined";

export default (): Record<string, (...args: never[]) => unknown> => ({
  "host-double": (x: number) => {
    if (x === 999) throw new RangeError("999 is too big", { cause: { limit: 998 } });
    return x * 2;
  },
  // Tests that watch notifications replace this with a main-thread import.
  notify: () => {},
  "crash-later": () => {
    if (!inWorker) throw new Error("crash-later only makes sense in a worker");
    // An uncaught error after the call has answered: the worker dies between calls.
    setTimeout(() => {
      throw new Error("boom");
    }, 0);
  },
  "close-worker": () => {
    if (!inWorker) throw new Error("close-worker only makes sense in a worker");
    (globalThis as unknown as { close(): void }).close();
  },
});
