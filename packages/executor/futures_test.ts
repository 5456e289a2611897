import assert from "node:assert/strict";
import { type FutureType, t } from "@weft/abi";
import { BLOCKED, CopyResult, EventCode } from "./codes.ts";
import {
  cancelCopy,
  dropEnd,
  futureNew,
  futureRead,
  futureWrite,
  liftFuture,
  lowerFuture,
} from "./stream_builtins.ts";
import { CopyState, type ReadableFutureEnd, type WritableFutureEnd } from "./streams.ts";
import { futureFromPromise, promiseFromFuture } from "./host_streams.ts";
import { CancelledError } from "./errors.ts";
import { deferred, newInstance, newMemory, run, settle, u32Codec } from "./_test_util.ts";
import { Store } from "./store.ts";

const U32F: FutureType = { kind: "future", element: t.u32 };

function guest(store: Store) {
  const inst = newInstance(store);
  const memory = newMemory();
  const codec = u32Codec(memory);
  const dv = (): DataView => new DataView(memory.buffer);
  return {
    inst,
    dv,
    newFuture: (): [number, number] => {
      const p = run(inst, () => futureNew(inst, U32F)());
      return [Number(p & 0xffff_ffffn), Number(p >> 32n)];
    },
    read: (i: number, ptr: number) =>
      run(inst, () => futureRead(inst, U32F, { async: true, codec })(i, ptr)),
    write: (i: number, ptr: number) =>
      run(inst, () => futureWrite(inst, U32F, { async: true, codec })(i, ptr)),
    cancelRead: (i: number) =>
      run(inst, () => cancelCopy(inst, "future.readable", U32F, { async: true })(i)),
    dropReadable: (i: number) => run(inst, () => dropEnd(inst, "future.readable", U32F)(i)),
    dropWritable: (i: number) => run(inst, () => dropEnd(inst, "future.writable", U32F)(i)),
  };
}

Deno.test("future: a write waits for the reader; the read copies the value; both ends are done", () => {
  const store = new Store();
  const a = guest(store);
  const b = guest(store);
  const [ri0, wi] = a.newFuture();
  const ri = lowerFuture(b.inst, liftFuture(a.inst, ri0, U32F));
  a.dv().setUint32(8, 0xdead_beef, true);
  assert.equal(a.write(wi, 8), BLOCKED);
  assert.equal(b.read(ri, 16), CopyResult.COMPLETED);
  assert.equal(b.dv().getUint32(16, true), 0xdead_beef);
  const w = a.inst.handles.get(wi) as WritableFutureEnd;
  assert.deepEqual(w.getPendingEvent(), [EventCode.FUTURE_WRITE, wi, CopyResult.COMPLETED]);
  assert.equal(w.state, CopyState.DONE);
  assert.equal((b.inst.handles.get(ri) as ReadableFutureEnd).state, CopyState.DONE);
  a.dropWritable(wi);
  assert.equal(a.inst.handles.size, 0);
  assert.throws(() => b.read(ri, 16), /cannot read from a future after its value was read/);
  // Passing the done end on is refused with the same reason.
  assert.throws(() => liftFuture(b.inst, ri, U32F), /the future.s value was already read/);
});

Deno.test("future: a read waits for the writer, which completes it", () => {
  const store = new Store();
  const a = guest(store);
  const b = guest(store);
  const [ri0, wi] = a.newFuture();
  const ri = lowerFuture(b.inst, liftFuture(a.inst, ri0, U32F));
  assert.equal(b.read(ri, 0), BLOCKED);
  a.dv().setUint32(0, 42, true);
  assert.equal(a.write(wi, 0), CopyResult.COMPLETED);
  const r = b.inst.handles.get(ri) as ReadableFutureEnd;
  assert.deepEqual(r.getPendingEvent(), [EventCode.FUTURE_READ, ri, CopyResult.COMPLETED]);
  assert.equal(b.dv().getUint32(0, true), 42);
});

Deno.test("future: dropping the writable end before writing traps", () => {
  const g = guest(new Store());
  const [, wi] = g.newFuture();
  assert.throws(() => g.dropWritable(wi), /before a value was written/);
});

Deno.test("future: writing after the reader dropped gives DROPPED, after which the writer may drop", () => {
  const g = guest(new Store());
  const [ri, wi] = g.newFuture();
  g.dropReadable(ri);
  assert.equal(g.write(wi, 0), CopyResult.DROPPED);
  // Done because the reader went away (not because the value was copied).
  assert.throws(() => g.write(wi, 0), /cannot write to a future whose other end was dropped/);
  const h = guest(new Store());
  const [ri2, wi2] = h.newFuture();
  h.dropReadable(ri2);
  h.write(wi2, 0);
  h.dropWritable(wi2);
  assert.equal(h.inst.handles.size, 0);
});

Deno.test("an end that leaves a guest for the host counts as host-held until lowered or dropped", () => {
  const store = new Store();
  const a = guest(store);
  const b = guest(store);
  const [ri, wi] = a.newFuture();
  assert.equal(store.hostHeld, 0);
  const shared = liftFuture(a.inst, ri, U32F);
  assert.equal(store.hostHeld, 1, "in transit: the host may hold it");
  const ri2 = lowerFuture(b.inst, shared);
  assert.equal(store.hostHeld, 0);
  b.dropReadable(ri2);
  a.write(wi, 0);
  a.dropWritable(wi);
  const hostMade = futureFromPromise(new Promise(() => {}), t.u32);
  lowerFuture(b.inst, hostMade);
  assert.equal(store.hostHeld, 1, "the host keeps the writer of a future it made");
  hostMade.drop();
  assert.equal(store.hostHeld, 0);
});

Deno.test("future: cancel-read of a pending read returns CANCELLED and the end is idle again", () => {
  const g = guest(new Store());
  const [ri] = g.newFuture();
  assert.equal(g.read(ri, 0), BLOCKED);
  assert.equal(g.cancelRead(ri), CopyResult.CANCELLED);
  assert.equal((g.inst.handles.get(ri) as ReadableFutureEnd).state, CopyState.IDLE);
  assert.equal(g.read(ri, 0), BLOCKED);
});

Deno.test("host: a Promise becomes a future the guest reads once it resolves", async () => {
  const g = guest(new Store());
  const value = deferred<number>();
  const ri = lowerFuture(g.inst, futureFromPromise(value.promise, t.u32));
  assert.equal(g.read(ri, 4), BLOCKED);
  value.resolve(31337);
  await settle();
  const r = g.inst.handles.get(ri) as ReadableFutureEnd;
  assert.deepEqual(r.getPendingEvent(), [EventCode.FUTURE_READ, ri, CopyResult.COMPLETED]);
  assert.equal(g.dv().getUint32(4, true), 31337);
});

Deno.test("host: a rejected Promise drops the writer; the guest reader sees DROPPED", async () => {
  const g = guest(new Store());
  const ri = lowerFuture(g.inst, futureFromPromise(Promise.reject(new Error("no")), t.u32));
  await settle();
  assert.equal(g.read(ri, 4), CopyResult.DROPPED);
});

Deno.test("host: a guest future becomes a Promise of its value", async () => {
  const g = guest(new Store());
  const [ri, wi] = g.newFuture();
  const p = promiseFromFuture(liftFuture(g.inst, ri, U32F));
  g.dv().setUint32(0, 7, true);
  assert.equal(g.write(wi, 0), CopyResult.COMPLETED);
  assert.equal(await p, 7);
});

Deno.test("host: a guest future whose host writer is dropped rejects with CancelledError", async () => {
  const shared = futureFromPromise(Promise.reject(new Error("gone")), t.u32);
  await assert.rejects(promiseFromFuture(shared), CancelledError);
});
