/**
 * Code that runs outside any call of its instance's exports, such as a
 * `realloc` called to lower values into the instance, gets a thread of its
 * own with fresh context slots (as Wasmtime does): it can neither read nor
 * clobber the slots of the task that happens to be running.
 *
 * @module
 */
import type { AsyncInstanceState } from "./instance.ts";
import { Thread } from "./store.ts";
import { Task } from "./task.ts";

/**
 * Runs `f` with a fresh thread of `inst` as the store's current thread: its
 * `context.get` reads 0 and its `context.set` is discarded when `f` returns.
 * The thread's task is a sync one, so `task.return` and the like trap in it.
 */
export function runInFreshContext<T>(inst: AsyncInstanceState, f: () => T): T {
  const store = inst.store;
  const task = new Task(inst, { async: false, mode: "sync" }, {
    onStart: () => [],
    onResolve: () => {},
  });
  const thread = new Thread(task, () => {});
  const prev = store.current;
  store.current = thread;
  try {
    return f();
  } finally {
    store.current = prev;
  }
}
