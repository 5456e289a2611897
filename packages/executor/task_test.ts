import assert from "node:assert/strict";
import { ComponentInstanceState, InstancePoisonedError, t, Trap } from "@weft/abi";
import { callAsync, hostFunction } from "./host.ts";
import { CallbackCode, EventCode, SubtaskState } from "./codes.ts";
import { CancelledError } from "./errors.ts";
import {
  backpressureDec,
  backpressureInc,
  contextGet,
  contextSet,
  subtaskCancel,
  subtaskDrop,
  taskCancel,
  taskReturn,
  threadYield,
  waitableJoin,
  waitableSetNew,
} from "./builtins.ts";
import { canonLower } from "./canon_lower.ts";
import { canonLift } from "./canon_lift.ts";
import { Store, Thread } from "./store.ts";
import { Task, TaskState } from "./task.ts";
import { AsyncInstanceState } from "./instance.ts";
import type { FuncInst } from "./task.ts";
import { callbackFunc, deferred, newInstance, settle } from "./_test_util.ts";

const WAIT = (si: number): number => CallbackCode.WAIT | (si << 4);

/** An async-lowered host import `() -> u32` of `inst`; results land in `results`. */
function lowerAsync(inst: AsyncInstanceState, callee: FuncInst) {
  const results = new Map<number, unknown>();
  let last: unknown;
  const lowered = canonLower({
    instance: inst,
    async: true,
    callee,
    liftParams: () => [],
    lowerResults: (_s, result) => {
      last = result[0];
      return [];
    },
  });
  return {
    call: (): number => (lowered([]) as number[])[0]!,
    results,
    get last(): unknown {
      return last;
    },
  };
}

function unpackSubtask(packed: number): [state: number, index: number] {
  return [packed & 0xf, packed >>> 4];
}

Deno.test("a callback-lifted task returns through task.return and EXIT", async () => {
  const inst = newInstance();
  const f = callbackFunc(inst, (x, ret) => {
    ret(x + 1);
    return CallbackCode.EXIT;
  });
  assert.deepEqual(await callAsync(f, [41]), [42]);
  assert.equal(inst.threads.size, 0);
  assert.equal(inst.exclusiveThread, undefined);
});

Deno.test("call B completes while call A still waits on a host future resolved later", async () => {
  const inst = newInstance();
  const gate = deferred<number>();
  const imp = lowerAsync(inst, hostFunction(() => gate.promise, { hasResult: true }));
  const log: string[] = [];
  const f = callbackFunc(inst, (x, ret) => {
    if (x === 2) {
      ret(2);
      return CallbackCode.EXIT;
    }
    const [state, i] = unpackSubtask(imp.call());
    assert.equal(state, SubtaskState.STARTED);
    const si = waitableSetNew(inst)();
    waitableJoin(inst)(i, si);
    log.push("A waits");
    return WAIT(si);
  }, (event, p1, p2, ret) => {
    assert.equal(event, EventCode.SUBTASK);
    assert.equal(p2, SubtaskState.RETURNED);
    subtaskDrop(inst)(p1);
    log.push("A resumed");
    ret(imp.last as number);
    return CallbackCode.EXIT;
  });
  let aDone = false;
  const a = callAsync(f, [1]).then((r) => {
    aDone = true;
    return r;
  });
  assert.deepEqual(await callAsync(f, [2]), [2]);
  await settle();
  assert.equal(aDone, false);
  assert.deepEqual(log, ["A waits"]);
  gate.resolve(99);
  assert.deepEqual(await a, [99]);
  assert.deepEqual(log, ["A waits", "A resumed"]);
});

Deno.test("1000 concurrent calls into one instance all complete with their own results", async () => {
  const inst = newInstance();
  const imp = lowerAsync(
    inst,
    hostFunction(async () => {
      await null;
      return 0;
    }, { hasResult: true }),
  );
  const pending = new Map<number, number>(); // subtask index -> x
  const f = callbackFunc(inst, (x) => {
    const [, i] = unpackSubtask(imp.call());
    const si = waitableSetNew(inst)();
    waitableJoin(inst)(i, si);
    pending.set(i, x);
    contextSet(inst, 0)(si);
    return WAIT(si);
  }, (_event, p1, _p2, ret) => {
    const x = pending.get(p1)!;
    subtaskDrop(inst)(p1);
    ret(x * 3);
    return CallbackCode.EXIT;
  });
  const calls = Array.from({ length: 1000 }, (_, x) => callAsync(f, [x]));
  const results = await Promise.all(calls);
  assert.deepEqual(results, Array.from({ length: 1000 }, (_, x) => [x * 3]));
  assert.equal(inst.threads.size, 0);
});

Deno.test("context.get/set is per thread: 100 concurrent tasks never see each other's values", async () => {
  const inst = newInstance();
  const get = contextGet(inst, 0);
  const set = contextSet(inst, 0);
  const set1 = contextSet(inst, 1);
  const get1 = contextGet(inst, 1);
  const f = callbackFunc(inst, (x) => {
    assert.equal(get(), 0);
    set(x + 1000);
    set1(x);
    return CallbackCode.YIELD;
  }, (_e, _p1, _p2, ret) => {
    ret(Number(get()) * 10 + Number(get1()) % 10);
    return CallbackCode.EXIT;
  });
  const results = await Promise.all(Array.from({ length: 100 }, (_, x) => callAsync(f, [x])));
  assert.deepEqual(results, Array.from({ length: 100 }, (_, x) => [(x + 1000) * 10 + x % 10]));
  assert.throws(() => contextGet(inst, 2), RangeError);
});

Deno.test("the exclusive lock: a second callback-lifted call starts only when the first waits", async () => {
  const inst = newInstance();
  const log: string[] = [];
  const f = callbackFunc(inst, (x) => {
    log.push(`start ${x}`);
    assert.equal(inst.exclusiveThread, inst.store.current);
    return CallbackCode.YIELD;
  }, (event, _p1, _p2, ret) => {
    assert.equal(event, EventCode.NONE);
    log.push("resume");
    ret(1);
    return CallbackCode.EXIT;
  });
  const a = callAsync(f, [1]);
  const b = callAsync(f, [2]);
  // B ran synchronously up to its first YIELD too: A released the lock by yielding.
  assert.deepEqual(log, ["start 1", "start 2"]);
  await Promise.all([a, b]);
  assert.deepEqual(log, ["start 1", "start 2", "resume", "resume"]);
});

Deno.test("backpressure: calls wait to start until backpressure.dec, then start in order", async () => {
  const inst = newInstance();
  const started: number[] = [];
  const inc = backpressureInc(inst);
  const dec = backpressureDec(inst);
  const gate = deferred<number>();
  const imp = lowerAsync(inst, hostFunction(() => gate.promise, { hasResult: true }));
  const f = callbackFunc(inst, (x, ret) => {
    started.push(x);
    if (x === 0) {
      inc();
      const [, i] = unpackSubtask(imp.call());
      const si = waitableSetNew(inst)();
      waitableJoin(inst)(i, si);
      return WAIT(si);
    }
    ret(x);
    return CallbackCode.EXIT;
  }, (_e, p1, _p2, ret) => {
    subtaskDrop(inst)(p1);
    dec();
    ret(0);
    return CallbackCode.EXIT;
  });
  const first = callAsync(f, [0]);
  const rest = [1, 2, 3].map((x) => callAsync(f, [x]));
  await settle();
  assert.deepEqual(started, [0]);
  assert.equal(inst.numWaitingToEnter, 3);
  gate.resolve(0);
  assert.deepEqual(await Promise.all([first, ...rest]), [[0], [1], [2], [3]]);
  assert.deepEqual(started, [0, 1, 2, 3]);
  assert.equal(inst.numWaitingToEnter, 0);
});

Deno.test("backpressure.inc traps at 2^16 and backpressure.dec below zero", () => {
  const inst = newInstance();
  inst.backpressure = 2 ** 16 - 2;
  backpressureInc(inst)();
  assert.throws(() => backpressureInc(inst)(), /overflow/);
  const inst2 = newInstance();
  assert.throws(() => backpressureDec(inst2)(), /underflow/);
});

Deno.test("cancelling a call waiting for backpressure resolves it cancelled; it never starts", async () => {
  const inst = newInstance();
  inst.backpressure = 1;
  let started = false;
  const f = callbackFunc(inst, (_x, ret) => {
    started = true;
    ret(0);
    return CallbackCode.EXIT;
  });
  const ac = new AbortController();
  const call = callAsync(f, [0], { signal: ac.signal });
  await settle();
  ac.abort();
  await assert.rejects(call, CancelledError);
  assert.equal(started, false);
  assert.equal(inst.numWaitingToEnter, 0);
  // The instance keeps serving.
  inst.backpressure = 0;
  assert.deepEqual(await callAsync(f, [0]), [0]);
});

Deno.test("cancelling a task blocked in WAIT delivers TASK_CANCELLED; task.cancel resolves it cancelled", async () => {
  const inst = newInstance();
  const events: number[] = [];
  const cancel = taskCancel(inst);
  const f = callbackFunc(inst, () => {
    const si = waitableSetNew(inst)();
    return WAIT(si);
  }, (event) => {
    events.push(event);
    cancel();
    return CallbackCode.EXIT;
  });
  const ac = new AbortController();
  const call = callAsync(f, [0], { signal: ac.signal });
  await settle();
  ac.abort("stop");
  await assert.rejects(call, (e: unknown) => e instanceof CancelledError && e.cause === "stop");
  assert.deepEqual(events, [EventCode.TASK_CANCELLED]);
  // The instance keeps serving.
  const g = callbackFunc(inst, (x, ret) => {
    ret(x);
    return CallbackCode.EXIT;
  });
  assert.deepEqual(await callAsync(g, [5]), [5]);
});

Deno.test("a cancelled task may still return a value instead of cancelling", async () => {
  const inst = newInstance();
  const f = callbackFunc(inst, () => CallbackCode.YIELD | 0, (event, _p1, _p2, ret) => {
    if (event === EventCode.TASK_CANCELLED) {
      ret(123);
      return CallbackCode.EXIT;
    }
    return CallbackCode.YIELD;
  });
  const ac = new AbortController();
  const call = callAsync(f, [0], { signal: ac.signal });
  await settle();
  ac.abort();
  assert.deepEqual(await call, [123]);
});

Deno.test("task.cancel traps unless cancellation was delivered", async () => {
  const inst = newInstance();
  const cancel = taskCancel(inst);
  const f = callbackFunc(inst, () => {
    cancel();
    return CallbackCode.EXIT;
  });
  await assert.rejects(callAsync(f, [0]), /cancellation was not delivered/);
});

Deno.test("task.return twice traps and poisons the instance; later calls are refused", async () => {
  const inst = newInstance();
  const f = callbackFunc(inst, (_x, ret) => {
    ret(1);
    ret(2);
    return CallbackCode.EXIT;
  });
  // The caller got the first result already; the trap poisons the instance.
  assert.deepEqual(await callAsync(f, [0]), [1]);
  assert.match(inst.state.poisoned?.message ?? "", /more than once/);
  await assert.rejects(
    callAsync(f, [0]),
    (e: unknown) => e instanceof InstancePoisonedError && e.cause === inst.state.poisoned,
  );
});

Deno.test("exiting without task.return traps", async () => {
  const inst = newInstance();
  const f = callbackFunc(inst, () => CallbackCode.EXIT);
  await assert.rejects(callAsync(f, [0]), /failed to produce a result/);
});

Deno.test("a trap on the scheduler (in a later callback) rejects the caller's promise", async () => {
  const inst = newInstance();
  const f = callbackFunc(inst, () => CallbackCode.YIELD, () => {
    throw new Trap("boom");
  });
  await assert.rejects(callAsync(f, [0]), /boom/);
  assert.equal(inst.state.poisoned?.message, "boom");
});

Deno.test("an unknown callback code traps", async () => {
  const inst = newInstance();
  const f = callbackFunc(inst, () => 3);
  await assert.rejects(callAsync(f, [0]), /unsupported callback code: 3/);
});

Deno.test("WAIT on a handle that is not a waitable set traps", async () => {
  const inst = newInstance();
  const i = inst.handles.add({});
  const f = callbackFunc(inst, () => WAIT(i));
  await assert.rejects(callAsync(f, [0]), /not a waitable set/);
});

Deno.test("task.return with a different result type or options traps", async () => {
  const inst = newInstance();
  const wrongType = taskReturn(inst, { resultType: t.string, liftResults: () => [""] });
  const f = callbackFunc(inst, () => {
    wrongType(0, 0);
    return CallbackCode.EXIT;
  });
  await assert.rejects(callAsync(f, [0]), /result type does not match/);
  const inst2 = newInstance();
  const wrongOpts = taskReturn(inst2, {
    resultType: t.u32,
    liftOptions: { stringEncoding: "utf16" },
    liftResults: () => [0],
  });
  const g = callbackFunc(inst2, () => {
    wrongOpts(0);
    return CallbackCode.EXIT;
  });
  await assert.rejects(callAsync(g, [0]), /canonical options differ/);
});

Deno.test("thread.yield without JSPI completes at once; with a pending cancel it reports it", async () => {
  const inst = newInstance();
  const yieldNow = threadYield(inst, { cancellable: true, jspi: false });
  const f = callbackFunc(inst, (_x, ret) => {
    assert.equal(yieldNow(), 0);
    ret(0);
    return CallbackCode.EXIT;
  });
  assert.deepEqual(await callAsync(f, [0]), [0]);
});

Deno.test("subtask.cancel aborts a host import; the subtask resolves CANCELLED_BEFORE_RETURNED at once", async () => {
  const inst = newInstance();
  let signal: AbortSignal | undefined;
  const late = deferred<number>();
  const imp = lowerAsync(
    inst,
    // Ignores the signal: its Promise settles only later, and is ignored then.
    hostFunction((_args, ctx) => {
      signal = ctx.signal;
      return late.promise;
    }, { hasResult: true }),
  );
  const cancel = subtaskCancel(inst, { async: true });
  const drop = subtaskDrop(inst);
  const f = callbackFunc(inst, (_x, ret) => {
    const [state, i] = unpackSubtask(imp.call());
    assert.equal(state, SubtaskState.STARTED);
    assert.equal(cancel(i), SubtaskState.CANCELLED_BEFORE_RETURNED);
    drop(i);
    ret(0);
    return CallbackCode.EXIT;
  });
  assert.deepEqual(await callAsync(f, [0]), [0]);
  assert.equal(signal?.aborted, true);
  late.resolve(7);
  await settle();
  assert.equal(inst.handles.size, 0);
  assert.equal(inst.state.poisoned, undefined);
});

Deno.test("subtask.drop before the subtask resolved traps", async () => {
  const inst = newInstance();
  const gate = deferred<number>();
  const imp = lowerAsync(inst, hostFunction(() => gate.promise, { hasResult: true }));
  const f = callbackFunc(inst, () => {
    const [, i] = unpackSubtask(imp.call());
    subtaskDrop(inst)(i);
    return CallbackCode.EXIT;
  });
  await assert.rejects(callAsync(f, [0]), /not yet resolved/);
  gate.resolve(0);
});

Deno.test("subtask.cancel on a resolved-and-delivered subtask traps", async () => {
  const inst = newInstance();
  const gate = deferred<number>();
  const imp = lowerAsync(inst, hostFunction(() => gate.promise, { hasResult: true }));
  const cancel = subtaskCancel(inst, { async: true });
  const f = callbackFunc(inst, () => {
    const [, i] = unpackSubtask(imp.call());
    cancel(i);
    cancel(i);
    return CallbackCode.EXIT;
  });
  await assert.rejects(callAsync(f, [0]), /already resolved/);
  gate.resolve(0);
});

Deno.test("an async lower of a host function that answers at once returns RETURNED, no subtask", async () => {
  const inst = newInstance();
  const imp = lowerAsync(inst, hostFunction(() => 5, { hasResult: true }));
  const f = callbackFunc(inst, (_x, ret) => {
    assert.equal(imp.call(), SubtaskState.RETURNED);
    ret(imp.last as number);
    return CallbackCode.EXIT;
  });
  assert.deepEqual(await callAsync(f, [0]), [5]);
  assert.equal(inst.handles.size, 0);
});

Deno.test("a host import that rejects traps the calling task", async () => {
  const inst = newInstance();
  const imp = lowerAsync(
    inst,
    hostFunction(() => Promise.reject(new Error("disk on fire")), { hasResult: true }),
  );
  const f = callbackFunc(inst, () => {
    const [, i] = unpackSubtask(imp.call());
    const si = waitableSetNew(inst)();
    waitableJoin(inst)(i, si);
    return WAIT(si);
  });
  await assert.rejects(callAsync(f, [0]), /host function .* threw: disk on fire/);
  assert.ok(inst.state.poisoned);
});

Deno.test("a sync lower of an async host function: at once when it answers at once, else JSPI", async () => {
  const inst = newInstance();
  const lowerSync = (callee: FuncInst) =>
    canonLower({
      instance: inst,
      async: false,
      jspi: false,
      callee,
      liftParams: () => [],
      lowerResults: (_s, r) => [r[0] as number],
    });
  const now = lowerSync(hostFunction(() => 8, { hasResult: true }));
  const later = lowerSync(hostFunction(() => Promise.resolve(9), { hasResult: true }));
  const f = callbackFunc(inst, (_x, ret) => {
    ret((now([]) as number[])[0]!);
    return CallbackCode.EXIT;
  });
  assert.deepEqual(await callAsync(f, [0]), [8]);
  const g = callbackFunc(inst, () => {
    later([]);
    return CallbackCode.EXIT;
  });
  await assert.rejects(
    callAsync(g, [0]),
    (e: unknown) => e instanceof Trap && (e.cause as Error).name === "JspiRequiredError",
  );
});

Deno.test("guest to guest: an async call into another instance's callback-lifted export", async () => {
  const store = new Store();
  const callee = newInstance(store);
  const caller = newInstance(store);
  const inner = callbackFunc(callee, () => CallbackCode.YIELD, (event, _p1, _p2, ret) => {
    assert.equal(event, EventCode.NONE);
    ret(77);
    return CallbackCode.EXIT;
  });
  let got: unknown;
  const call = canonLower({
    instance: caller,
    async: true,
    callee: inner,
    liftParams: () => [1],
    lowerResults: (_s, r) => {
      got = r[0];
      return [];
    },
  });
  const states: number[] = [];
  const outer = callbackFunc(caller, () => {
    const [state, i] = unpackSubtask((call([]) as number[])[0]!);
    states.push(state);
    const si = waitableSetNew(caller)();
    waitableJoin(caller)(i, si);
    return WAIT(si);
  }, (_event, p1, p2, ret) => {
    states.push(p2);
    subtaskDrop(caller)(p1);
    ret(got as number);
    return CallbackCode.EXIT;
  });
  assert.deepEqual(await callAsync(outer, [0]), [77]);
  assert.deepEqual(states, [SubtaskState.STARTED, SubtaskState.RETURNED]);
});

Deno.test("a call into an instance that is entered already traps: cannot enter component instance", async () => {
  const inst = newInstance();
  const f = callbackFunc(inst, (_x, ret) => {
    ret(0);
    return CallbackCode.EXIT;
  });
  // As while a synchronous call from the host runs inside it.
  inst.state.setMayEnterFromHost(false);
  await assert.rejects(callAsync(f, [0]), /cannot enter component instance/);
  inst.state.setMayEnterFromHost(true);
  assert.deepEqual(await callAsync(f, [0]), [0]);
  // Not a trap of the instance: it keeps serving.
  assert.equal(inst.state.poisoned, undefined);
});

Deno.test("a sync function type with a callback lift runs to completion synchronously", () => {
  const inst = newInstance();
  const r = taskReturn(inst, { resultType: t.u32, liftResults: (_t, f) => [f[0]] });
  const f = canonLift({
    instance: inst,
    async: false,
    mode: "callback",
    resultType: t.u32,
    lowerParams: () => [],
    callee: () => CallbackCode.YIELD,
    callback: () => {
      r(4);
      return CallbackCode.EXIT;
    },
  });
  let result: unknown;
  f(() => [], (v) => (result = v), undefined);
  assert.deepEqual(result, [4]);
});

Deno.test("a sync function type whose task blocks with nothing to wake it traps (deadlock)", () => {
  const inst = newInstance();
  const f = canonLift({
    instance: inst,
    async: false,
    mode: "callback",
    resultType: t.u32,
    lowerParams: () => [],
    callee: () => WAIT(waitableSetNew(inst)()),
    callback: () => CallbackCode.EXIT,
  });
  assert.throws(() => f(() => [], () => {}, undefined), /deadlock/);
});

Deno.test("an async call whose task waits on an empty waitable set traps with a deadlock", async () => {
  const inst = newInstance();
  const f = callbackFunc(inst, () => WAIT(waitableSetNew(inst)()));
  await assert.rejects(callAsync(f, [0]), (e) => e instanceof Trap && /deadlock/.test(e.message));
  assert.ok(inst.state.poisoned !== undefined);
});

Deno.test("a task waiting on a host import that answers after several macrotasks is no deadlock", async () => {
  const inst = newInstance();
  const gate = deferred<number>();
  const imp = lowerAsync(inst, hostFunction(() => gate.promise, { hasResult: true }));
  const drop = subtaskDrop(inst);
  const f = callbackFunc(inst, () => {
    const [, i] = unpackSubtask(imp.call());
    const si = waitableSetNew(inst)();
    waitableJoin(inst)(i, si);
    return WAIT(si);
  }, (_event, p1, _p2, ret) => {
    drop(p1);
    ret(imp.last as number);
    return CallbackCode.EXIT;
  });
  const call = callAsync(f, [0]);
  for (let n = 0; n < 3; n++) await settle();
  gate.resolve(9);
  assert.deepEqual(await call, [9]);
  assert.equal(inst.state.poisoned, undefined);
});

Deno.test("a task that calls back into an instance waiting on the call chain traps: cannot enter", async () => {
  const parent = newInstance();
  const child = new AsyncInstanceState(new ComponentInstanceState({ parent: parent.state }), {
    store: parent.store,
  });
  // parent.f (async) calls child.g, which calls parent.h: the spec's entering
  // set from the child is empty (the parent is its ancestor), yet f waits on
  // the chain, so the call traps.
  const h = callbackFunc(parent, (_x, ret) => {
    ret(1);
    return CallbackCode.EXIT;
  });
  const callH = lowerAsync(child, h);
  const g = callbackFunc(child, (_x, ret) => {
    callH.call();
    ret(2);
    return CallbackCode.EXIT;
  });
  const callG = lowerAsync(parent, g);
  const f = callbackFunc(parent, (_x, ret) => {
    callG.call();
    ret(3);
    return CallbackCode.EXIT;
  });
  await assert.rejects(callAsync(f, [0]), /cannot enter component instance/);
  // Without the chain, the child may call into its parent.
  const parent2 = newInstance();
  const child2 = new AsyncInstanceState(new ComponentInstanceState({ parent: parent2.state }), {
    store: parent2.store,
  });
  const h2 = callbackFunc(parent2, (_x, ret) => {
    ret(1);
    return CallbackCode.EXIT;
  });
  const callH2 = lowerAsync(child2, h2);
  const g2 = callbackFunc(child2, (_x, ret) => {
    assert.equal(callH2.call(), SubtaskState.RETURNED);
    ret(2);
    return CallbackCode.EXIT;
  });
  assert.deepEqual(await callAsync(g2, [0]), [2]);
});

Deno.test("a sync lowered call of an async function from a sync-typed task traps before it starts", () => {
  const inst = newInstance();
  const callee = newInstance();
  let started = false;
  const target = callbackFunc(callee, (_x, ret) => {
    started = true;
    ret(0);
    return CallbackCode.EXIT;
  });
  const lowered = canonLower({
    instance: inst,
    async: false,
    calleeAsync: true,
    callee: target,
    liftParams: () => [0],
    lowerResults: () => [],
  });
  const f = canonLift({
    instance: inst,
    async: false,
    mode: "sync",
    lowerParams: () => [],
    callee: () => lowered([]),
    liftResults: () => [],
  });
  assert.throws(
    () => f(() => [], () => {}, undefined),
    /cannot block in a task whose function type is not async/,
  );
  assert.equal(started, false);
});

Deno.test("a guest that yields forever does not starve timers, and can be cancelled", async () => {
  const inst = newInstance(new Store({ sliceSize: 16 }));
  let callbacks = 0;
  const cancel = taskCancel(inst);
  const f = callbackFunc(inst, () => CallbackCode.YIELD, (event) => {
    callbacks++;
    if (event === EventCode.TASK_CANCELLED) {
      cancel();
      return CallbackCode.EXIT;
    }
    return CallbackCode.YIELD;
  });
  const ac = new AbortController();
  const call = callAsync(f, [0], { signal: ac.signal });
  await new Promise((r) => setTimeout(r, 5));
  assert.ok(callbacks > 16, `callbacks: ${callbacks}`);
  ac.abort();
  await assert.rejects(call, CancelledError);
});

Deno.test("Task: a cancellation requested while no thread can take it is delivered at the next cancellable wait", () => {
  const inst = newInstance();
  const task = new Task(inst, { async: true, mode: "stackful" }, {
    onStart: () => [],
    onResolve: () => {},
  });
  const thread = new Thread(task, () => {});
  task.registerThread(thread);
  task.state = TaskState.STARTED;
  // The thread runs (nothing is blocked cancellably): the request stays pending.
  inst.store.current = thread;
  task.requestCancellation(undefined);
  assert.equal(task.state, TaskState.PENDING_CANCEL);
  // A non-cancellable wait does not take it...
  assert.equal(task.deliverPendingCancel(false), false);
  // ...the next cancellable one does, at once.
  let cancelled: boolean | undefined;
  thread.waitUntil(() => false, true, (c) => (cancelled = c));
  assert.equal(cancelled, true);
  assert.equal(task.state, TaskState.CANCEL_DELIVERED);
  inst.store.current = undefined;
});

Deno.test("Task: exit of the last thread before resolving traps; return with borrows traps", () => {
  const inst = newInstance();
  const mk = () =>
    new Task(inst, { async: true, mode: "callback" }, { onStart: () => [], onResolve: () => {} });
  const a = mk();
  const th = new Thread(a, () => {});
  a.implicitThread = th;
  a.registerThread(th);
  assert.throws(() => a.exitImplicitThread(), /failed to produce a result/);
  const b = mk();
  b.numBorrows = 1;
  assert.throws(() => b.return([]), /borrow handles still remain/);
});

Deno.test("when a task traps, the other tasks of the instance waiting on the scheduler end with the trap", async () => {
  const inst = newInstance();
  const gate = deferred<number>();
  const imp = lowerAsync(inst, hostFunction(() => gate.promise, { hasResult: true }));
  const f = callbackFunc(inst, (x) => {
    if (x === 1) {
      const [, i] = unpackSubtask(imp.call());
      const si = waitableSetNew(inst)();
      waitableJoin(inst)(i, si);
      return WAIT(si);
    }
    return CallbackCode.YIELD;
  }, () => {
    throw new Trap("second call failed");
  });
  const a = callAsync(f, [1]);
  const b = callAsync(f, [2]);
  await assert.rejects(b, /second call failed/);
  // A waits on a host promise that never resolves: it must not hang.
  await assert.rejects(a, /second call failed/);
  assert.equal(inst.store.waitingCount, 0);
});
