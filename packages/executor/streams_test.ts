import assert from "node:assert/strict";
import { type StreamType, t, Trap } from "@weft/abi";
import { BLOCKED, CopyResult, EventCode } from "./codes.ts";
import { waitableJoin, waitableSetDrop, waitableSetNew, waitableSetPoll } from "./builtins.ts";
import {
  cancelCopy,
  dropEnd,
  liftStream,
  lowerStream,
  streamNew,
  streamRead,
  streamWrite,
} from "./stream_builtins.ts";
import { CopyState, ReadableStreamEnd, WritableStreamEnd } from "./streams.ts";
import { MAX_BUFFER_LENGTH } from "./buffers.ts";
import type { AsyncInstanceState } from "./instance.ts";
import { newInstance, newMemory, payloadAt, run, u32Codec, u8Codec } from "./_test_util.ts";
import { Store } from "./store.ts";

const U8S: StreamType = { kind: "stream", element: t.u8 };

/** A guest with its own memory and the stream<u8> built-ins. */
function guest(store: Store, type: StreamType = U8S) {
  const inst = newInstance(store);
  const memory = newMemory();
  const codec = u8Codec(memory);
  const bytes = (): Uint8Array => new Uint8Array(memory.buffer);
  return {
    inst,
    memory,
    bytes,
    newStream: (): [number, number] => {
      const p = run(inst, () => streamNew(inst, type)());
      return [Number(p & 0xffff_ffffn), Number(p >> 32n)];
    },
    read: (i: number, ptr: number, n: number) =>
      run(inst, () => streamRead(inst, type, { async: true, codec })(i, ptr, n)),
    write: (i: number, ptr: number, n: number) =>
      run(inst, () => streamWrite(inst, type, { async: true, codec })(i, ptr, n)),
    cancelRead: (i: number) =>
      run(inst, () => cancelCopy(inst, "stream.readable", type, { async: true })(i)),
    cancelWrite: (i: number) =>
      run(inst, () => cancelCopy(inst, "stream.writable", type, { async: true })(i)),
    dropReadable: (i: number) => run(inst, () => dropEnd(inst, "stream.readable", type)(i)),
    dropWritable: (i: number) => run(inst, () => dropEnd(inst, "stream.writable", type)(i)),
    /** Takes the pending event of the end at `i` via a waitable set and poll. */
    event: (i: number): [number, number, number] =>
      run(inst, () => {
        const si = waitableSetNew(inst)();
        waitableJoin(inst)(i, si);
        const code = waitableSetPoll(inst, { cancellable: false, memory })(si, 60000);
        waitableJoin(inst)(i, 0);
        waitableSetDrop(inst)(si);
        const [p1, p2] = payloadAt(memory, 60000);
        return [code, p1, p2];
      }),
  };
}

/** Moves the readable end `ri` of `from` into `to` (as passing it in a call would). */
function pass(from: AsyncInstanceState, to: AsyncInstanceState, ri: number): number {
  return lowerStream(to, liftStream(from, ri, U8S));
}

const packed = (result: number, progress: number): number => result | (progress << 4);

Deno.test("stream.new returns the readable and writable end indices packed in an i64", () => {
  const g = guest(new Store());
  const [ri, wi] = g.newStream();
  assert.ok(g.inst.handles.get(ri) instanceof ReadableStreamEnd);
  assert.ok(g.inst.handles.get(wi) instanceof WritableStreamEnd);
  assert.notEqual(ri, wi);
});

Deno.test("stream copy between two guests: partial copies, events with progress, reclaim", () => {
  const store = new Store();
  const a = guest(store);
  const b = guest(store);
  const [ri0, wi] = a.newStream();
  const ri = pass(a.inst, b.inst, ri0);
  a.bytes().set([1, 2, 3, 4, 5], 0);
  // The reader offers room for 3: nothing to copy yet.
  assert.equal(b.read(ri, 100, 3), BLOCKED);
  // The writer offers 5: 3 fit, the write completes at once with progress 3.
  assert.equal(a.write(wi, 0, 5), packed(CopyResult.COMPLETED, 3));
  assert.deepEqual(b.event(ri), [EventCode.STREAM_READ, ri, packed(CopyResult.COMPLETED, 3)]);
  assert.deepEqual([...b.bytes().subarray(100, 103)], [1, 2, 3]);
  // The rest: now the writer waits for a reader.
  assert.equal(a.write(wi, 3, 2), BLOCKED);
  assert.equal(b.read(ri, 200, 10), packed(CopyResult.COMPLETED, 2));
  assert.deepEqual([...b.bytes().subarray(200, 202)], [4, 5]);
  assert.deepEqual(a.event(wi), [EventCode.STREAM_WRITE, wi, packed(CopyResult.COMPLETED, 2)]);
  assert.equal((a.inst.handles.get(wi) as WritableStreamEnd).state, CopyState.IDLE);
});

Deno.test("zero-length copies signal readiness without copying", () => {
  const store = new Store();
  const a = guest(store);
  const b = guest(store);
  const [ri0, wi] = a.newStream();
  const ri = pass(a.inst, b.inst, ri0);
  assert.equal(b.read(ri, 0, 0), BLOCKED);
  // A zero-length write against a zero-length read completes; the read stays pending.
  assert.equal(a.write(wi, 0, 0), packed(CopyResult.COMPLETED, 0));
  assert.equal(b.inst.handles.get(ri) instanceof ReadableStreamEnd, true);
  assert.equal((b.inst.handles.get(ri) as ReadableStreamEnd).hasPendingEvent(), false);
  // A real write completes the zero-length read (the reader is ready) and waits itself.
  a.bytes()[0] = 9;
  assert.equal(a.write(wi, 0, 1), BLOCKED);
  assert.deepEqual(b.event(ri), [EventCode.STREAM_READ, ri, packed(CopyResult.COMPLETED, 0)]);
  assert.equal(b.read(ri, 10, 4), packed(CopyResult.COMPLETED, 1));
  assert.equal(b.bytes()[10], 9);
});

Deno.test("dropping the readable end: a pending write gets DROPPED; the writable end is done", () => {
  const store = new Store();
  const a = guest(store);
  const b = guest(store);
  const [ri0, wi] = a.newStream();
  const ri = pass(a.inst, b.inst, ri0);
  assert.equal(a.write(wi, 0, 4), BLOCKED);
  b.dropReadable(ri);
  assert.deepEqual(a.event(wi), [EventCode.STREAM_WRITE, wi, packed(CopyResult.DROPPED, 0)]);
  assert.equal((a.inst.handles.get(wi) as WritableStreamEnd).state, CopyState.DONE);
  a.dropWritable(wi);
  assert.equal(a.inst.handles.size, 0);
  const c = guest(new Store());
  const [ri2, wi2] = c.newStream();
  assert.equal(c.write(wi2, 0, 4), BLOCKED);
  c.dropReadable(ri2);
  c.event(wi2);
  assert.throws(() => c.write(wi2, 0, 4), /other end was dropped/);
});

Deno.test("writing after the reader dropped completes at once with DROPPED", () => {
  const g = guest(new Store());
  const [ri, wi] = g.newStream();
  g.dropReadable(ri);
  assert.equal(g.write(wi, 0, 4), packed(CopyResult.DROPPED, 0));
});

Deno.test("cancel-write of a pending write returns CANCELLED and the end can write again", () => {
  const g = guest(new Store());
  const [, wi] = g.newStream();
  assert.equal(g.write(wi, 0, 4), BLOCKED);
  assert.equal(g.cancelWrite(wi), packed(CopyResult.CANCELLED, 0));
  assert.equal((g.inst.handles.get(wi) as WritableStreamEnd).state, CopyState.IDLE);
  assert.equal(g.write(wi, 0, 4), BLOCKED);
});

Deno.test("cancel-read after a partial copy ends the read: CANCELLED with the progress", () => {
  const store = new Store();
  const a = guest(store);
  const b = guest(store);
  const [ri0, wi] = a.newStream();
  const ri = pass(a.inst, b.inst, ri0);
  a.bytes().set([7, 8], 0);
  assert.equal(b.read(ri, 16, 8), BLOCKED);
  assert.equal(a.write(wi, 0, 2), packed(CopyResult.COMPLETED, 2));
  assert.equal(b.cancelRead(ri), packed(CopyResult.CANCELLED, 2));
  assert.deepEqual([...b.bytes().subarray(16, 18)], [7, 8]);
  // The read buffer left the stream: the next write waits for a new read.
  assert.equal(a.write(wi, 0, 2), BLOCKED);
});

Deno.test("once a partial copy was delivered, a later cancel only ends the new pending read", () => {
  const store = new Store();
  const a = guest(store);
  const b = guest(store);
  const [ri0, wi] = a.newStream();
  const ri = pass(a.inst, b.inst, ri0);
  assert.equal(a.write(wi, 0, 8), BLOCKED);
  assert.equal(b.read(ri, 0, 4), packed(CopyResult.COMPLETED, 4));
  // The writer's event is delivered: its buffer is reclaimed, the write is over.
  assert.deepEqual(a.event(wi), [EventCode.STREAM_WRITE, wi, packed(CopyResult.COMPLETED, 4)]);
  assert.equal(b.read(ri, 0, 4), BLOCKED);
  assert.equal(b.cancelRead(ri), packed(CopyResult.CANCELLED, 0));
});

Deno.test("cancel without a copy in progress traps; dropping an end while copying traps", () => {
  const g = guest(new Store());
  const [ri, wi] = g.newStream();
  assert.throws(() => g.cancelRead(ri), /no copy in progress/);
  const h = guest(new Store());
  const [, wi2] = h.newStream();
  assert.equal(h.write(wi2, 0, 1), BLOCKED);
  assert.throws(() => h.dropWritable(wi2), /while a copy is in progress/);
  void wi;
});

Deno.test("a built-in for another element type, or an end of the wrong kind, traps", () => {
  const g = guest(new Store());
  const [ri, wi] = g.newStream();
  const u32s: StreamType = { kind: "stream", element: t.u32 };
  assert.throws(
    () => run(g.inst, () => streamRead(g.inst, u32s, { async: true })(ri, 0, 1)),
    /wrong element type/,
  );
  const g2 = guest(new Store());
  const [ri2] = g2.newStream();
  assert.throws(() => g2.write(ri2, 0, 1), /not a writable stream end/);
  void wi;
});

Deno.test("a copy between two ends in one instance traps unless the elements are numbers", () => {
  const g = guest(new Store());
  const [ri, wi] = g.newStream();
  g.bytes()[0] = 7;
  assert.equal(g.write(wi, 0, 1), BLOCKED);
  assert.equal(g.read(ri, 8, 1), packed(CopyResult.COMPLETED, 1));
  assert.equal(g.bytes()[8], 7);
  const strings: StreamType = { kind: "stream", element: t.string };
  const inst = newInstance();
  const codec = { size: 8, align: 4, memoryLength: () => 65536, load: () => [], store: () => {} };
  const p = run(inst, () => streamNew(inst, strings)());
  const [r, w] = [Number(p & 0xffff_ffffn), Number(p >> 32n)];
  assert.equal(
    run(inst, () => streamWrite(inst, strings, { async: true, codec })(w, 0, 1)),
    BLOCKED,
  );
  assert.throws(
    () => run(inst, () => streamRead(inst, strings, { async: true, codec })(r, 8, 1)),
    /same instance/,
  );
});

Deno.test("guest buffers trap when misaligned, out of bounds or too long", () => {
  const u32s: StreamType = { kind: "stream", element: t.u32 };
  const mk = () => {
    const inst = newInstance();
    const codec = u32Codec(newMemory());
    const p = run(inst, () => streamNew(inst, u32s)());
    return { inst, codec, wi: Number(p >> 32n) };
  };
  let g = mk();
  assert.throws(
    () => run(g.inst, () => streamWrite(g.inst, u32s, { async: true, codec: g.codec })(g.wi, 2, 1)),
    /not aligned to 4/,
  );
  g = mk();
  assert.throws(
    () =>
      run(g.inst, () => streamWrite(g.inst, u32s, { async: true, codec: g.codec })(g.wi, 65532, 2)),
    /out of bounds/,
  );
  g = mk();
  assert.throws(
    () =>
      run(
        g.inst,
        () =>
          streamWrite(g.inst, u32s, { async: true, codec: g.codec })(
            g.wi,
            0,
            MAX_BUFFER_LENGTH + 1,
          ),
      ),
    /exceeds the maximum/,
  );
  // A zero-length buffer is not checked against memory.
  g = mk();
  assert.equal(
    run(g.inst, () => streamWrite(g.inst, u32s, { async: true, codec: g.codec })(g.wi, 65535, 0)),
    BLOCKED,
  );
});

Deno.test("a synchronous stream.read that would block traps without JSPI; in a waitable set it traps", () => {
  const g = guest(new Store());
  const [ri] = g.newStream();
  assert.throws(
    () =>
      run(
        g.inst,
        () =>
          streamRead(g.inst, U8S, { async: false, jspi: false, codec: u8Codec(g.memory) })(
            ri,
            0,
            1,
          ),
      ),
    (e: unknown) => e instanceof Trap && (e.cause as Error).name === "JspiRequiredError",
  );
  const h = guest(new Store());
  const [ri2] = h.newStream();
  assert.throws(
    () =>
      run(h.inst, () => {
        const si = waitableSetNew(h.inst)();
        waitableJoin(h.inst)(ri2, si);
        return streamRead(h.inst, U8S, { async: false, codec: u8Codec(h.memory) })(ri2, 0, 1);
      }),
    /in a waitable set/,
  );
});

Deno.test("a readable end cannot be passed while copying or in a waitable set", () => {
  const g = guest(new Store());
  const [ri] = g.newStream();
  assert.equal(g.read(ri, 0, 1), BLOCKED);
  assert.throws(() => liftStream(g.inst, ri, U8S), /while a copy is in progress/);
  const h = guest(new Store());
  const [ri2] = h.newStream();
  run(h.inst, () => waitableJoin(h.inst)(ri2, waitableSetNew(h.inst)()));
  assert.throws(() => liftStream(h.inst, ri2, U8S), /waitable set/);
});
