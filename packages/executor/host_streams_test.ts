import assert from "node:assert/strict";
import { type StreamType, t } from "@weft/abi";
import { BLOCKED, CopyResult, EventCode } from "./codes.ts";
import {
  dropEnd,
  liftStream,
  lowerStream,
  streamNew,
  streamRead,
  streamWrite,
} from "./stream_builtins.ts";
import {
  futureFromPromise,
  promiseFromFuture,
  readableFromStream,
  streamFromIterable,
} from "./host_streams.ts";
import { CancelledError } from "./errors.ts";
import type { ReadableStreamEnd, WritableStreamEnd } from "./streams.ts";
import { newInstance, newMemory, run, settle, u8Codec } from "./_test_util.ts";

const U8S: StreamType = { kind: "stream", element: t.u8 };
const packed = (result: number, progress: number): number => result | (progress << 4);

function guest() {
  const inst = newInstance();
  const memory = newMemory();
  const codec = u8Codec(memory);
  return {
    inst,
    bytes: () => new Uint8Array(memory.buffer),
    newStream: (): [number, number] => {
      const p = run(inst, () => streamNew(inst, U8S)());
      return [Number(p & 0xffff_ffffn), Number(p >> 32n)];
    },
    read: (i: number, ptr: number, n: number) =>
      run(inst, () => streamRead(inst, U8S, { async: true, codec })(i, ptr, n)),
    write: (i: number, ptr: number, n: number) =>
      run(inst, () => streamWrite(inst, U8S, { async: true, codec })(i, ptr, n)),
    dropWritable: (i: number) => run(inst, () => dropEnd(inst, "stream.writable", U8S)(i)),
  };
}

Deno.test("host reads a guest's stream as a ReadableStream of chunks, closed when the writer drops", async () => {
  const g = guest();
  const [ri, wi] = g.newStream();
  const reader = readableFromStream(liftStream(g.inst, ri, U8S), { chunkSize: 4 }).getReader();
  g.bytes().set([1, 2, 3, 4, 5, 6], 0);
  const first = reader.read();
  await settle();
  // The host's read is pending; the guest's write completes against it (4 fit).
  assert.equal(g.write(wi, 0, 6), packed(CopyResult.COMPLETED, 4));
  assert.deepEqual(Array.from((await first).value!), [1, 2, 3, 4]);
  const second = reader.read();
  await settle();
  assert.equal(g.write(wi, 4, 2), packed(CopyResult.COMPLETED, 2));
  assert.deepEqual(Array.from((await second).value!), [5, 6]);
  // The chunk is a copy: later writes to guest memory do not change it.
  const third = reader.read();
  g.dropWritable(wi);
  assert.equal((await third).done, true);
});

Deno.test("host cancelling its ReadableStream drops its end: the guest's pending write gets DROPPED", async () => {
  const g = guest();
  const [ri, wi] = g.newStream();
  const stream = readableFromStream(liftStream(g.inst, ri, U8S));
  assert.equal(g.write(wi, 0, 3), BLOCKED);
  await stream.cancel();
  const w = g.inst.handles.get(wi) as WritableStreamEnd;
  assert.deepEqual(w.getPendingEvent(), [
    EventCode.STREAM_WRITE,
    wi,
    packed(CopyResult.DROPPED, 0),
  ]);
});

Deno.test("host writes an async iterable into a stream the guest reads, with backpressure", async () => {
  const g = guest();
  let pulled = 0;
  async function* source() {
    for (const x of [10, 20, 30]) {
      pulled++;
      yield x;
    }
  }
  const ri = lowerStream(g.inst, streamFromIterable(source(), t.u8));
  await settle();
  // One element is offered; the rest are not pulled until it is taken.
  assert.equal(pulled, 1);
  assert.equal(g.read(ri, 0, 8), packed(CopyResult.COMPLETED, 1));
  assert.equal(g.bytes()[0], 10);
  await settle();
  assert.equal(pulled, 2);
  assert.equal(g.read(ri, 1, 8), packed(CopyResult.COMPLETED, 1));
  await settle();
  assert.equal(g.read(ri, 2, 8), packed(CopyResult.COMPLETED, 1));
  await settle();
  // The source ended: the host dropped its writable end.
  assert.equal(g.read(ri, 3, 8), packed(CopyResult.DROPPED, 0));
  assert.deepEqual([...g.bytes().subarray(0, 3)], [10, 20, 30]);
});

Deno.test("host chunks larger than the guest's buffer arrive in several partial reads", async () => {
  const g = guest();
  const ri = lowerStream(
    g.inst,
    streamFromIterable([new Uint8Array([1, 2, 3, 4, 5])], t.u8, { chunks: true }),
  );
  await settle();
  assert.equal(g.read(ri, 0, 2), packed(CopyResult.COMPLETED, 2));
  await settle();
  assert.equal(g.read(ri, 2, 2), packed(CopyResult.COMPLETED, 2));
  await settle();
  assert.equal(g.read(ri, 4, 2), packed(CopyResult.COMPLETED, 1));
  await settle();
  assert.equal(g.read(ri, 5, 2), packed(CopyResult.DROPPED, 0));
  assert.deepEqual([...g.bytes().subarray(0, 5)], [1, 2, 3, 4, 5]);
});

Deno.test("when the guest drops its readable end the host's source is closed", async () => {
  const g = guest();
  let closed = false;
  const source = new ReadableStream<number>({
    pull(c) {
      c.enqueue(1);
    },
    cancel() {
      closed = true;
    },
  });
  const ri = lowerStream(g.inst, streamFromIterable(source, t.u8));
  await settle();
  run(g.inst, () => dropEnd(g.inst, "stream.readable", U8S)(ri));
  await settle();
  assert.equal(closed, true);
});

Deno.test("a guest read that waits is completed when the host source produces later", async () => {
  const g = guest();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  async function* source() {
    await gate;
    yield 5;
  }
  const ri = lowerStream(g.inst, streamFromIterable(source(), t.u8));
  assert.equal(g.read(ri, 0, 4), BLOCKED);
  release();
  await settle();
  const r = g.inst.handles.get(ri) as ReadableStreamEnd;
  // The source also ended before the guest took the event: the spec reports the
  // drop in the same event, with the progress of the copy (DROPPED | 1 << 4).
  assert.deepEqual(r.getPendingEvent(), [EventCode.STREAM_READ, ri, packed(CopyResult.DROPPED, 1)]);
  assert.equal(g.bytes()[0], 5);
});

Deno.test("readableFromStream splits a copy into elements or counts", async () => {
  const hostWritten = (values: unknown[][], t = U8S.element) =>
    streamFromIterable(values, t, { chunks: true });
  const elements = readableFromStream(hostWritten([[1, 2], [3]]), {
    split: "elements",
    mapElement: (x) => (x as number) * 10,
  });
  assert.deepEqual(await Array.fromAsync(elements), [10, 20, 30]);
  const counts = readableFromStream(
    streamFromIterable([{ length: 3 }, { length: 2 }], undefined, { chunks: true }),
    { split: "counts" },
  );
  assert.deepEqual(await Array.fromAsync(counts), [3, 2]);
});

Deno.test("streamFromIterable maps items with toChunk; a throw ends the stream like a failing source", async () => {
  const g = guest();
  let closed = false;
  const source = new ReadableStream<unknown>({
    start(c) {
      c.enqueue(2);
      c.enqueue("bad");
    },
    cancel() {
      closed = true;
    },
  });
  const toChunk = (item: unknown): ArrayLike<unknown> => {
    if (typeof item !== "number") throw new TypeError("not a count");
    return new Uint8Array(item).fill(7);
  };
  const ri = lowerStream(g.inst, streamFromIterable(source, t.u8, { toChunk }));
  await settle();
  assert.equal(g.read(ri, 0, 8), packed(CopyResult.COMPLETED, 2));
  await settle();
  assert.equal(g.read(ri, 2, 8), packed(CopyResult.DROPPED, 0));
  assert.deepEqual([...g.bytes().subarray(0, 2)], [7, 7]);
  assert.equal(closed, true, "the source was cancelled");
});

Deno.test("futureFromPromise takes a plain value, and drops the writer when check throws", async () => {
  assert.equal(await promiseFromFuture(futureFromPromise(5, t.u32)), 5);
  const checked = futureFromPromise(Promise.resolve("x"), t.u32, {
    check: (v) => {
      if (typeof v !== "number") throw new TypeError("not a u32");
    },
  });
  await assert.rejects(promiseFromFuture(checked), CancelledError);
});
