import assert from "node:assert/strict";
import { BLOCKED, CallbackCode, EventCode, SubtaskState } from "./codes.ts";
import {
  subtaskCancel,
  subtaskDrop,
  taskCancel,
  waitableJoin,
  waitableSetNew,
} from "./builtins.ts";
import { canonLower } from "./canon_lower.ts";
import { callAsync } from "./host.ts";
import { Subtask } from "./subtask.ts";
import { Store } from "./store.ts";
import { callbackFunc, newInstance } from "./_test_util.ts";

const WAIT = (si: number): number => CallbackCode.WAIT | (si << 4);

/** Two instances in one store: `callee` exports `inner`, `caller` lowers it async. */
function pair(inner: (callee: ReturnType<typeof newInstance>) => ReturnType<typeof callbackFunc>) {
  const store = new Store();
  const callee = newInstance(store);
  const caller = newInstance(store);
  const lowered = canonLower({
    instance: caller,
    async: true,
    callee: inner(callee),
    liftParams: () => [0],
    lowerResults: () => [],
  });
  return { callee, caller, call: () => (lowered([]) as number[])[0]! };
}

Deno.test("subtask.cancel of a callee still waiting for backpressure completes at once: CANCELLED_BEFORE_STARTED", async () => {
  let started = false;
  const { callee, caller, call } = pair((inst) =>
    callbackFunc(inst, (_x, ret) => {
      started = true;
      ret(0);
      return CallbackCode.EXIT;
    })
  );
  callee.backpressure = 1;
  const results: number[] = [];
  const outer = callbackFunc(caller, (_x, ret) => {
    const packed = call();
    assert.equal(packed & 0xf, SubtaskState.STARTING);
    const i = packed >>> 4;
    results.push(subtaskCancel(caller, { async: true })(i) as number);
    subtaskDrop(caller)(i);
    ret(0);
    return CallbackCode.EXIT;
  });
  assert.deepEqual(await callAsync(outer, [0]), [0]);
  assert.deepEqual(results, [SubtaskState.CANCELLED_BEFORE_STARTED]);
  assert.equal(started, false);
  assert.equal(callee.numWaitingToEnter, 0);
});

Deno.test("subtask.cancel of a callee blocked in WAIT: it sees TASK_CANCELLED at once and resolves cancelled", async () => {
  const calleeEvents: number[] = [];
  const { caller, call } = pair((inst) =>
    callbackFunc(inst, () => WAIT(waitableSetNew(inst)()), (event) => {
      calleeEvents.push(event);
      taskCancel(inst)();
      return CallbackCode.EXIT;
    })
  );
  const results: number[] = [];
  const outer = callbackFunc(caller, (_x, ret) => {
    const i = call() >>> 4;
    // Control passes to the callee and back: deterministic and synchronous.
    results.push(subtaskCancel(caller, { async: true })(i) as number);
    subtaskDrop(caller)(i);
    ret(0);
    return CallbackCode.EXIT;
  });
  assert.deepEqual(await callAsync(outer, [0]), [0]);
  assert.deepEqual(calleeEvents, [EventCode.TASK_CANCELLED]);
  assert.deepEqual(results, [SubtaskState.CANCELLED_BEFORE_RETURNED]);
});

Deno.test("subtask.cancel of a callee that finishes later returns BLOCKED; the caller then gets RETURNED", async () => {
  const calleeEvents: number[] = [];
  const { caller, call } = pair((inst) =>
    callbackFunc(inst, () => WAIT(waitableSetNew(inst)()), (event, _p1, _p2, ret) => {
      calleeEvents.push(event);
      // Takes note of the cancellation, yields once, then returns a value anyway.
      if (event === EventCode.TASK_CANCELLED) return CallbackCode.YIELD;
      ret(5);
      return CallbackCode.EXIT;
    })
  );
  const seen: number[] = [];
  const outer = callbackFunc(caller, () => {
    const i = call() >>> 4;
    seen.push(subtaskCancel(caller, { async: true })(i) as number);
    const si = waitableSetNew(caller)();
    waitableJoin(caller)(i, si);
    return WAIT(si);
  }, (event, p1, p2, ret) => {
    seen.push(event, p2);
    subtaskDrop(caller)(p1);
    ret(0);
    return CallbackCode.EXIT;
  });
  assert.deepEqual(await callAsync(outer, [0]), [0]);
  assert.deepEqual(calleeEvents, [EventCode.TASK_CANCELLED, EventCode.NONE]);
  assert.deepEqual(seen, [BLOCKED, EventCode.SUBTASK, SubtaskState.RETURNED]);
});

Deno.test("Subtask: lends end when the resolution is delivered; drop traps before that", () => {
  const s = new Subtask(new Store());
  const h = { numLends: 0 };
  s.addLender(h);
  s.addLender(h);
  assert.equal(h.numLends, 2);
  assert.throws(() => s.drop(), /not yet resolved/);
  s.resolve(SubtaskState.RETURNED, [1]);
  assert.equal(s.resolved(), true);
  assert.equal(h.numLends, 2);
  s.deliverResolve();
  assert.equal(h.numLends, 0);
  assert.equal(s.resolveDelivered(), true);
  s.drop();
  assert.throws(() => s.resolve(SubtaskState.RETURNED, []), /resolved twice/);
});
