// The request and reply records of the pool-worker channel: every kind
// round trips, and a record that cannot be written says so.
import assert from "node:assert/strict";
import {
  readReply,
  readRequest,
  type ReplyRecord,
  type RequestRecord,
  type Succeeded,
  writeReply,
  writeRequest,
} from "./channel_records.ts";
import type { CallRequest } from "./instance_host.ts";
import { type PlainCursor, plainCursor } from "./plain_codec.ts";
import { createRing, RingReader, RingWriter } from "./shared_ring.ts";

function cursor(length = 4096): PlainCursor {
  return plainCursor(new SharedArrayBuffer(length + 32), 16, length);
}

const REQUESTS: [number, CallRequest | undefined][] = [
  [1, {
    kind: "call",
    name: "wasi:cli/run@0.2.0#run",
    args: [1, -0, "héllo ✓ 𝄞", 2n ** 64n - 1n, [true, null], { tag: "ok", val: undefined }],
    handles: [[[2, "inner", 0], 17], [[], 3]],
  }],
  [2, { kind: "call", name: "[constructor]counter", args: [], handles: [] }],
  [3, {
    kind: "method",
    handle: 42,
    method: "get-value",
    args: [new Uint8Array([1, 2, 3]), new BigInt64Array([-1n])],
    handles: [[[0], 9]],
  }],
  // Handles are u32: the top of the range must survive.
  [4, { kind: "method", handle: 2 ** 32 - 1, method: "m", args: [{}], handles: [] }],
  [5, { kind: "drop", handle: 7 }],
  [6, { kind: "drop", handle: 0 }],
  [7, undefined],
  // Ids are whole int32s.
  [2 ** 31 - 1, { kind: "drop", handle: 1 }],
  [-(2 ** 31), undefined],
  [0, { kind: "call", name: "f", args: ["x".repeat(100)], handles: [] }],
];

Deno.test("readRequest reads back call, method and drop requests and markers", () => {
  for (const [id, request] of REQUESTS) {
    const c = cursor();
    assert.equal(writeRequest(c, id, request), true, `request ${id}`);
    const size = c.at;
    c.at = 0;
    const record: RequestRecord = readRequest(c);
    assert.deepStrictEqual(record, { id, request }, `request ${id}`);
    assert.equal(c.at, size, `request ${id}: read what was written`);
  }
});

Deno.test("readRequest reads records written one after another", () => {
  const c = cursor(1 << 14);
  for (const [id, request] of REQUESTS) assert.ok(writeRequest(c, id, request));
  const end = c.at;
  c.at = 0;
  for (const [id, request] of REQUESTS) assert.deepStrictEqual(readRequest(c), { id, request });
  assert.equal(c.at, end);
});

Deno.test("writeRequest refuses a request that does not fit or is not plain data", () => {
  for (const [id, request] of REQUESTS) {
    const sized = cursor();
    assert.ok(writeRequest(sized, id, request));
    const size = sized.at;
    const exact = cursor(size);
    assert.equal(writeRequest(exact, id, request), true, `request ${id} in ${size} bytes`);
    assert.equal(exact.at, size);
    assert.equal(writeRequest(cursor(size - 1), id, request), false, `request ${id} one short`);
  }
  // Arguments that are not plain data go by message (with a marker in the ring).
  const notPlain: CallRequest[] = [
    { kind: "call", name: "f", args: [new Map()], handles: [] },
    { kind: "call", name: "f\ud800", args: [], handles: [] },
    { kind: "method", handle: 1, method: "m", args: [() => 0], handles: [] },
    { kind: "method", handle: 1, method: "m", args: [new Date(0)], handles: [] },
  ];
  for (const request of notPlain) {
    assert.equal(writeRequest(cursor(), 1, request), false, JSON.stringify(request.kind));
  }
});

const REPLIES: [number, Succeeded | undefined][] = [
  [1, {
    ok: true,
    value: { total: 3n, items: ["a", { tag: "some", val: 1.5 }], bytes: new Uint8Array([9]) },
    handles: [[["items", 1, "val"], 12, "counter"], [[], 4, "wasi:io/streams#input-stream"]],
    instance: 1,
    poisoned: false,
  }],
  [2, { ok: true, value: undefined, handles: [], instance: 3, poisoned: false }],
  [3, { ok: true, value: "héllo ✓ 𝄞", handles: [], instance: 2 ** 32 - 1, poisoned: false }],
  [4, undefined],
  [-1, undefined],
];

Deno.test("readReply reads back successes and cancellations", () => {
  for (const [id, reply] of REPLIES) {
    const c = cursor();
    assert.equal(writeReply(c, id, reply), true, `reply ${id}`);
    const size = c.at;
    c.at = 0;
    const record: ReplyRecord = readReply(c);
    assert.deepStrictEqual(record, { id, reply }, `reply ${id}`);
    assert.equal(c.at, size, `reply ${id}: read what was written`);
  }
});

Deno.test("writeReply refuses a reply that does not fit or is not plain data", () => {
  for (const [id, reply] of REPLIES) {
    const sized = cursor();
    assert.ok(writeReply(sized, id, reply));
    const size = sized.at;
    assert.equal(writeReply(cursor(size), id, reply), true, `reply ${id} in ${size} bytes`);
    assert.equal(writeReply(cursor(size - 1), id, reply), false, `reply ${id} one short`);
  }
  const notPlain: Succeeded = {
    ok: true,
    value: new Set([1]),
    handles: [],
    instance: 1,
    poisoned: false,
  };
  assert.equal(writeReply(cursor(), 1, notPlain), false);
});

Deno.test("requests and replies go through a ring as records", () => {
  const requestRing = createRing();
  const replyRing = createRing();
  const requestWriter = new RingWriter(requestRing);
  const requestReader = new RingReader(requestRing);
  const replyWriter = new RingWriter(replyRing);
  const replyReader = new RingReader(replyRing);
  for (const [id, request] of REQUESTS) {
    assert.ok(requestWriter.write((c) => writeRequest(c, id, request)));
  }
  for (const [id, request] of REQUESTS) {
    assert.deepStrictEqual(requestReader.read(readRequest), { id, request });
  }
  assert.equal(requestReader.ready, false);
  for (const [id, reply] of REPLIES) assert.ok(replyWriter.write((c) => writeReply(c, id, reply)));
  for (const [id, reply] of REPLIES) {
    assert.deepStrictEqual(replyReader.read(readReply), { id, reply });
  }
  assert.equal(replyReader.ready, false);
});
