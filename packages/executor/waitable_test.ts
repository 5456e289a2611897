import assert from "node:assert/strict";
import { Trap } from "@weft/abi";
import { callAsync } from "./host.ts";
import { EventCode } from "./codes.ts";
import {
  waitableJoin,
  waitableSetDrop,
  waitableSetNew,
  waitableSetPoll,
  waitableSetWait,
} from "./builtins.ts";
import { Waitable, WaitableSet } from "./waitable.ts";
import { callbackFunc, newInstance, newMemory, payloadAt } from "./_test_util.ts";

/** Runs `body` as the core code of a callback-lifted task of `inst`, returning 7. */
async function inTask(
  inst: ReturnType<typeof newInstance>,
  body: () => void,
): Promise<void> {
  const f = callbackFunc(inst, (_x, ret) => {
    body();
    ret(7);
    return 0;
  });
  assert.deepEqual(await callAsync(f, [0]), [7]);
}

Deno.test("waitable-set.new shares the instance's handle table with other handles", () => {
  const inst = newInstance();
  const other = inst.handles.add({ resource: true });
  const si = waitableSetNew(inst)();
  assert.notEqual(si, other);
  assert.ok(inst.handles.get(si) instanceof WaitableSet);
  assert.equal(inst.handles.size, 2);
});

Deno.test("waitable-set.poll returns NONE, then a pending event once, and writes its payload", async () => {
  const inst = newInstance();
  const memory = newMemory();
  const poll = waitableSetPoll(inst, { cancellable: false, memory });
  const si = waitableSetNew(inst)();
  const w = new Waitable(inst.store);
  const wi = inst.handles.add(w);
  await inTask(inst, () => {
    waitableJoin(inst)(wi, si);
    assert.equal(poll(si, 16), EventCode.NONE);
    assert.deepEqual(payloadAt(memory, 16), [0, 0]);
    w.setPendingEvent(() => [EventCode.STREAM_READ, wi, 0x51]);
    assert.equal(poll(si, 16), EventCode.STREAM_READ);
    assert.deepEqual(payloadAt(memory, 16), [wi, 0x51]);
    assert.equal(w.hasPendingEvent(), false);
    assert.equal(poll(si, 16), EventCode.NONE);
  });
});

Deno.test("waitable-set.poll traps on an out-of-bounds payload pointer and poisons the instance", async () => {
  const inst = newInstance();
  const memory = newMemory();
  const poll = waitableSetPoll(inst, { cancellable: false, memory });
  const si = waitableSetNew(inst)();
  await assert.rejects(
    inTask(inst, () => {
      poll(si, 65536 - 4);
    }),
    (e: unknown) => e instanceof Trap && /out of bounds/.test(e.message),
  );
  assert.ok(inst.state.poisoned instanceof Trap);
  // Every later built-in rethrows the first trap.
  assert.throws(() => waitableSetNew(inst)(), (e: unknown) => e === inst.state.poisoned);
});

Deno.test("waitable-set.wait returns a pending event at once without JSPI", async () => {
  const inst = newInstance();
  const memory = newMemory();
  const wait = waitableSetWait(inst, { cancellable: false, memory, jspi: false });
  const si = waitableSetNew(inst)();
  const w = new Waitable(inst.store);
  const wi = inst.handles.add(w);
  waitableJoin(inst)(wi, si);
  w.setPendingEvent(() => [EventCode.FUTURE_READ, wi, 0]);
  await inTask(inst, () => {
    assert.equal(wait(si, 0), EventCode.FUTURE_READ);
    assert.deepEqual(payloadAt(memory, 0), [wi, 0]);
  });
});

Deno.test("waitable-set.wait with nothing pending and no JSPI traps saying JSPI is needed", async () => {
  const inst = newInstance();
  const wait = waitableSetWait(inst, { cancellable: false, memory: newMemory(), jspi: false });
  const si = waitableSetNew(inst)();
  await assert.rejects(
    inTask(inst, () => {
      wait(si, 0);
    }),
    (e: unknown) =>
      e instanceof Trap && e.cause instanceof Error && e.cause.name === "JspiRequiredError" &&
      /JSPI/.test(e.cause.message),
  );
});

Deno.test("waitable-set.drop traps while the set has members, and frees the handle when empty", () => {
  const inst = newInstance();
  const si = waitableSetNew(inst)();
  const wi = inst.handles.add(new Waitable(inst.store));
  waitableJoin(inst)(wi, si);
  assert.throws(() => waitableSetDrop(inst)(si), /still has members/);
  const inst2 = newInstance();
  const si2 = waitableSetNew(inst2)();
  const wi2 = inst2.handles.add(new Waitable(inst2.store));
  waitableJoin(inst2)(wi2, si2);
  waitableJoin(inst2)(wi2, 0);
  waitableSetDrop(inst2)(si2);
  assert.throws(() => inst2.handles.get(si2), Trap);
});

Deno.test("waitable-set.drop traps while a thread waits on the set", () => {
  const set = new WaitableSet();
  set.numWaiting = 1;
  assert.throws(() => set.drop(), /waiters/);
});

Deno.test("waitable.join traps on a handle that is not a waitable or a set that is not a set", () => {
  const inst = newInstance();
  const si = waitableSetNew(inst)();
  const notWaitable = inst.handles.add({});
  assert.throws(() => waitableJoin(inst)(notWaitable, si), /not a waitable/);
  const inst2 = newInstance();
  const wi = inst2.handles.add(new Waitable(inst2.store));
  const notSet = inst2.handles.add({});
  assert.throws(() => waitableJoin(inst2)(wi, notSet), /not a waitable set/);
});

Deno.test("waitable.join traps when a thread waits on the waitable synchronously", () => {
  const inst = newInstance();
  const si = waitableSetNew(inst)();
  const w = new Waitable(inst.store);
  w.hasSyncWaiter = true;
  const wi = inst.handles.add(w);
  assert.throws(() => waitableJoin(inst)(wi, si), /synchronously/);
});

Deno.test("joining another set moves the waitable; its events go to the new set", () => {
  const inst = newInstance();
  const a = new WaitableSet();
  const b = new WaitableSet();
  const w = new Waitable(inst.store);
  w.join(a);
  w.join(b);
  assert.deepEqual(a.elems, []);
  assert.deepEqual(b.elems, [w]);
  w.setPendingEvent(() => [EventCode.SUBTASK, 1, 2]);
  assert.equal(a.hasPendingEvent(), false);
  assert.deepEqual(b.getPendingEvent(), [EventCode.SUBTASK, 1, 2]);
});

Deno.test("a waitable set delivers events of several members round-robin", () => {
  const inst = newInstance();
  const set = new WaitableSet();
  const ws = [1, 2, 3].map((i) => {
    const w = new Waitable(inst.store);
    w.join(set);
    return [w, i] as const;
  });
  const order: number[] = [];
  for (let round = 0; round < 2; round++) {
    for (const [w, i] of ws) w.setPendingEvent(() => [EventCode.SUBTASK, i, 0]);
    for (let k = 0; k < 3; k++) order.push(set.getPendingEvent()[1]);
  }
  assert.deepEqual(order, [1, 2, 3, 1, 2, 3]);
  // With only the first member busy, it is delivered each time.
  ws[0]![0].setPendingEvent(() => [EventCode.SUBTASK, 9, 0]);
  assert.equal(set.getPendingEvent()[1], 9);
});

Deno.test("the latest pending event replaces one not yet delivered, computed when delivered", () => {
  const inst = newInstance();
  const w = new Waitable(inst.store);
  let state = 1;
  w.setPendingEvent(() => [EventCode.SUBTASK, 5, 100]);
  w.setPendingEvent(() => [EventCode.SUBTASK, 5, state]);
  state = 2;
  assert.deepEqual(w.getPendingEvent(), [EventCode.SUBTASK, 5, 2]);
  assert.throws(() => w.getPendingEvent(), Trap);
});
