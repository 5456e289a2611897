import assert from "node:assert/strict";
import { contextGet, contextSet, taskReturn } from "./builtins.ts";
import { runInFreshContext } from "./fresh_context.ts";
import { newInstance, run } from "./_test_util.ts";
import { t } from "@weft/abi";

Deno.test("runInFreshContext: context slots start at 0 and what it sets is discarded", () => {
  const inst = newInstance();
  const get = contextGet(inst, 0);
  const set = contextSet(inst, 0);
  const seen = run(inst, () => {
    set(0x1234);
    const inside = runInFreshContext(inst, () => {
      const before = get();
      set(0x9999);
      return [before, get()];
    });
    return [...inside, get()];
  });
  assert.deepEqual(seen, [0, 0x9999, 0x1234]);
  assert.equal(inst.store.current, undefined);
});

Deno.test("runInFreshContext works outside any task and restores the current thread on a throw", () => {
  const inst = newInstance();
  assert.equal(runInFreshContext(inst, () => contextGet(inst, 1)()), 0);
  assert.throws(() =>
    runInFreshContext(inst, () => {
      throw new RangeError("boom");
    }), RangeError);
  assert.equal(inst.store.current, undefined);
});

Deno.test("runInFreshContext: task.return there traps (the fresh task is not an async lift)", () => {
  const inst = newInstance();
  const ret = taskReturn(inst, { resultType: t.u32, liftResults: (_t, f) => [f[0]] });
  assert.throws(() => runInFreshContext(inst, () => ret(1)), /not lifted with the async option/);
});
