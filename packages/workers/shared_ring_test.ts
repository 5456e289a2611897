// The single-writer, single-reader ring in shared memory: order, wrapping,
// refusals that publish nothing, and a round trip through a worker thread.
import assert from "node:assert/strict";
import { type PlainCursor, readPlain, writePlain } from "./plain_codec.ts";
import {
  createRing,
  HEADER_WORDS,
  MAX_RECORD,
  RING_BYTES,
  RingReader,
  RingWriter,
  waitAsync as engineWaitAsync,
  WRITE,
} from "./shared_ring.ts";

const waitAsync = engineWaitAsync!;
import { bounded, random } from "./_test_util.ts";

/** The payload bytes of record `seq` (a pattern that differs per record). */
function payload(seq: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seq * 131 + i * 7) & 0xff;
  return bytes;
}

/** The overhead of {@linkcode encodeRaw} beyond its payload: seq and length. */
const RAW_HEAD = 8;
/** The largest raw payload that fits in a record with its length word. */
const MAX_PAYLOAD = MAX_RECORD - 4 - RAW_HEAD;

/** Writes `seq`, the length, and the bytes, respecting the cursor's end. */
function encodeRaw(seq: number, bytes: Uint8Array): (c: PlainCursor) => boolean {
  return (c) => {
    if (c.at + RAW_HEAD + bytes.length > c.end) return false;
    c.view.setUint32(c.at, seq, true);
    c.view.setUint32(c.at + 4, bytes.length, true);
    c.bytes.set(bytes, c.at + RAW_HEAD);
    c.at += RAW_HEAD + bytes.length;
    return true;
  };
}

function decodeRaw(c: PlainCursor): { seq: number; bytes: Uint8Array } {
  const seq = c.view.getUint32(c.at, true);
  const length = c.view.getUint32(c.at + 4, true);
  // The reader's cursor must cover the whole record, and no more than the ring.
  assert.ok(c.at + RAW_HEAD + length <= c.end, `record ${seq} within its cursor`);
  const bytes = c.bytes.slice(c.at + RAW_HEAD, c.at + RAW_HEAD + length);
  c.at += RAW_HEAD + length;
  return { seq, bytes };
}

function readExpect(reader: RingReader, seq: number, length: number): void {
  const record = reader.read(decodeRaw);
  assert.ok(record !== undefined, `record ${seq} is there`);
  assert.equal(record.seq, seq, "records come out in order");
  assert.deepStrictEqual(record.bytes, payload(seq, length), `payload of record ${seq}`);
}

Deno.test("a ring hands records to its reader in order, and ready/consumed follow", () => {
  const buffer = createRing();
  assert.equal(buffer.byteLength, HEADER_WORDS * 4 + RING_BYTES);
  const writer = new RingWriter(buffer);
  const reader = new RingReader(buffer);
  assert.equal(reader.ready, false);
  assert.equal(reader.consumed, 0);
  assert.equal(reader.read(readPlain), undefined, "nothing to read in a new ring");

  const values = [1, "two", { three: [3n] }, new Uint8Array([4]), null, undefined, false];
  for (const value of values) assert.equal(writer.write((c) => writePlain(c, value)), true);
  assert.equal(reader.ready, true);
  assert.equal(reader.consumed, 0, "writing does not consume");
  for (const value of values) {
    assert.equal(reader.ready, true);
    const before: number = reader.consumed;
    assert.deepStrictEqual(reader.read(readPlain), value);
    assert.ok(reader.consumed !== before, "a read moves consumed");
  }
  assert.equal(reader.ready, false);
  // A reader that has read everything sleeps on WRITE holding this value.
  assert.equal(reader.consumed, Atomics.load(reader.header, WRITE));
  assert.equal(reader.read(readPlain), undefined);

  // A record written later is seen at once, without notify.
  assert.ok(writer.write((c) => writePlain(c, "later")));
  assert.equal(reader.ready, true);
  assert.equal(reader.read(readPlain), "later");
  assert.equal(reader.ready, false);
});

Deno.test("a ring carries megabytes of records of varying sizes through many wraps", () => {
  const buffer = createRing();
  const writer = new RingWriter(buffer);
  const reader = new RingReader(buffer);
  // The header words past WRITE and READ belong to the channel: the ring must not touch them.
  for (let i = 2; i < HEADER_WORDS; i++) writer.header[i] = 0x5a5a0000 + i;

  const rng = random(0x5eed);
  const pending: { seq: number; length: number }[] = [];
  let next = 0;
  let written = 0;
  let full = 0;
  let skips = 0;
  let emptyReads = 0;
  const TOTAL = 8 * 1024 * 1024;
  const pickLength = (): number => {
    const r = rng();
    if (r < 0.05) return 0;
    if (r < 0.1) return MAX_PAYLOAD; // a record of exactly MAX_RECORD
    if (r < 0.6) return Math.floor(rng() * 64);
    return Math.floor(rng() * (MAX_PAYLOAD + 1));
  };
  let steps = 0;
  while (written < TOTAL || pending.length > 0) {
    assert.ok(++steps < 100_000, "the loop ends");
    // Writes outpace reads for a while, so the ring runs full, then reads
    // outpace writes, so the reader catches up.
    const filling = Math.floor(steps / 150) % 2 === 0;
    const writes = written < TOTAL ? 1 + Math.floor(rng() * (filling ? 48 : 32)) : 0;
    for (let i = 0; i < writes; i++) {
      const length = pickLength();
      const before = Atomics.load(writer.header, WRITE);
      let start = -1;
      const encode = encodeRaw(next, payload(next, length));
      const ok = writer.write((c) => {
        start = c.at - 4;
        return encode(c);
      });
      if (!ok) {
        full++;
        assert.equal(
          Atomics.load(writer.header, WRITE),
          before,
          "a refused write publishes nothing",
        );
        assert.ok(pending.length > 0, "an empty ring takes any record up to MAX_RECORD");
        break;
      }
      // A record that did not fit before the ring's end starts over at its beginning.
      if (start !== (before & (RING_BYTES - 1))) {
        assert.equal(start, 0, "a record that skips the ring's end starts at 0");
        skips++;
      }
      pending.push({ seq: next++, length });
      written += length;
    }
    const reads = 1 + Math.floor(rng() * (filling ? 40 : 48));
    for (let i = 0; i < reads; i++) {
      const expected = pending.shift();
      if (expected === undefined) {
        assert.equal(reader.ready, false);
        assert.equal(reader.read(decodeRaw), undefined);
        emptyReads++;
        break;
      }
      assert.equal(reader.ready, true);
      readExpect(reader, expected.seq, expected.length);
    }
  }
  assert.equal(reader.ready, false);
  assert.equal(reader.consumed, Atomics.load(reader.header, WRITE));
  for (let i = 2; i < HEADER_WORDS; i++) assert.equal(writer.header[i], 0x5a5a0000 + i);
  // The run must have exercised what it is for.
  assert.ok(written >= TOTAL);
  assert.ok(written > 20 * RING_BYTES, "the ring wrapped many times");
  assert.ok(full > 10, `the ring ran full (${full} times)`);
  assert.ok(skips > 10, `records skipped the ring's end (${skips} times)`);
  assert.ok(emptyReads > 10, `the reader caught up (${emptyReads} times)`);
});

Deno.test("a full ring refuses a write without publishing it and takes one again after reads", () => {
  const buffer = createRing();
  const writer = new RingWriter(buffer);
  const reader = new RingReader(buffer);
  const LENGTH = 1000;
  // Each record is its length word, the raw head and the payload (4-byte aligned).
  const recordBytes = (4 + RAW_HEAD + LENGTH + 3) & ~3;
  let seq = 0;
  while (writer.write(encodeRaw(seq, payload(seq, LENGTH)))) {
    seq++;
    assert.ok(seq <= RING_BYTES / recordBytes, "no more records than fit");
  }
  assert.equal(seq, Math.floor(RING_BYTES / recordBytes), "the ring fills up");
  const full = Atomics.load(writer.header, WRITE);
  for (let i = 0; i < 3; i++) {
    assert.equal(writer.write(encodeRaw(9999, payload(9999, LENGTH))), false);
  }
  assert.equal(Atomics.load(writer.header, WRITE), full, "refused writes publish nothing");

  // One read frees room at the ring's start: the next record skips the few
  // bytes left at the end and goes there, which fills the ring to the byte.
  readExpect(reader, 0, LENGTH);
  assert.equal(writer.write(encodeRaw(seq, payload(seq, LENGTH))), true, "room again after a read");
  seq++;
  const fuller = Atomics.load(writer.header, WRITE);
  assert.equal(writer.write(encodeRaw(9999, payload(9999, LENGTH))), false, "full again");
  assert.equal(writer.write(encodeRaw(9999, payload(9999, 0))), false, "not even a small one");
  assert.equal(writer.write(() => true), false, "not even an empty one");
  assert.equal(Atomics.load(writer.header, WRITE), fuller, "refused writes publish nothing");

  // Everything written comes out, in order, the wrapped record last.
  for (let i = 1; i < seq; i++) readExpect(reader, i, LENGTH);
  assert.equal(reader.ready, false);
  assert.equal(reader.read(decodeRaw), undefined);

  // An emptied ring takes records again, wherever its position is.
  for (let i = 0; i < 5; i++) {
    assert.ok(writer.write(encodeRaw(seq + i, payload(seq + i, MAX_PAYLOAD))));
  }
  for (let i = 0; i < 5; i++) readExpect(reader, seq + i, MAX_PAYLOAD);
});

Deno.test("a ring refuses a record larger than MAX_RECORD, anywhere in the ring", () => {
  const buffer = createRing();
  const writer = new RingWriter(buffer);
  const reader = new RingReader(buffer);
  const tryOversize = (what: string) => {
    const before = Atomics.load(writer.header, WRITE);
    // One byte more than MAX_RECORD with the length word.
    assert.equal(writer.write(encodeRaw(7777, payload(7777, MAX_PAYLOAD + 1))), false, what);
    assert.equal(writer.write((c) => writePlain(c, new Uint8Array(MAX_RECORD))), false, what);
    assert.equal(Atomics.load(writer.header, WRITE), before, `${what}: nothing published`);
    assert.equal(reader.ready, false, `${what}: nothing to read`);
  };
  tryOversize("at the ring's start");
  // Exactly MAX_RECORD is fine.
  assert.ok(writer.write(encodeRaw(0, payload(0, MAX_PAYLOAD))));
  readExpect(reader, 0, MAX_PAYLOAD);
  tryOversize("after one record");

  // Move close to the ring's end (less than MAX_RECORD left) with the reader caught up.
  let seq = 1;
  while (RING_BYTES - (Atomics.load(writer.header, WRITE) & (RING_BYTES - 1)) > MAX_RECORD) {
    assert.ok(writer.write(encodeRaw(seq, payload(seq, MAX_PAYLOAD))));
    readExpect(reader, seq++, MAX_PAYLOAD);
  }
  assert.ok(writer.write(encodeRaw(seq, payload(seq, 1000))));
  readExpect(reader, seq++, 1000);
  const tail = RING_BYTES - (Atomics.load(writer.header, WRITE) & (RING_BYTES - 1));
  assert.ok(tail > 0 && tail < MAX_RECORD, `near the end (${tail} bytes left)`);
  tryOversize("near the ring's end");
  // A record that fits in MAX_RECORD but not in the tail still goes, at the start.
  assert.ok(writer.write(encodeRaw(seq, payload(seq, MAX_PAYLOAD))));
  readExpect(reader, seq++, MAX_PAYLOAD);
  tryOversize("after wrapping");
});

Deno.test("an encode that returns false publishes nothing", () => {
  const buffer = createRing();
  const writer = new RingWriter(buffer);
  const reader = new RingReader(buffer);
  // Writes some bytes first, as writePlain does before it finds a value it refuses.
  const failing = (c: PlainCursor): boolean => {
    c.bytes.fill(0xee, c.at, Math.min(c.at + 64, c.end));
    c.at = Math.min(c.at + 64, c.end);
    return false;
  };
  const check = (what: string) => {
    const before = Atomics.load(writer.header, WRITE);
    const readyBefore = reader.ready;
    assert.equal(writer.write(failing), false, what);
    assert.equal(writer.write((c) => writePlain(c, [1, new Map()])), false, `${what} (a Map)`);
    assert.equal(writer.write((c) => writePlain(c, "\ud800")), false, `${what} (lone surrogate)`);
    assert.equal(Atomics.load(writer.header, WRITE), before, `${what}: nothing published`);
    assert.equal(reader.ready, readyBefore, what);
  };
  check("in an empty ring");
  assert.ok(writer.write(encodeRaw(0, payload(0, 10))));
  check("behind a record");
  readExpect(reader, 0, 10);
  assert.equal(reader.ready, false);

  // Near the ring's end the writer tries the ring's start too: still nothing published.
  let seq = 1;
  while (RING_BYTES - (Atomics.load(writer.header, WRITE) & (RING_BYTES - 1)) > MAX_RECORD) {
    assert.ok(writer.write(encodeRaw(seq, payload(seq, MAX_PAYLOAD))));
    readExpect(reader, seq++, MAX_PAYLOAD);
  }
  check("near the ring's end");
  // The next records are read back intact, at the end and after the wrap.
  assert.ok(writer.write(encodeRaw(seq, payload(seq, 16))));
  assert.ok(writer.write(encodeRaw(seq + 1, payload(seq + 1, MAX_PAYLOAD))));
  check("after a wrap");
  readExpect(reader, seq, 16);
  readExpect(reader, seq + 1, MAX_PAYLOAD);
  assert.equal(reader.ready, false);
});

Deno.test("a worker reads records from one ring and echoes them back on another, in order", async () => {
  const COUNT = 2000;
  /** The request ring's header word that tells the worker to stop (see the worker). */
  const STOP = 2;
  const requestBuffer = createRing();
  const replyBuffer = createRing();
  const requests = new RingWriter(requestBuffer);
  const replies = new RingReader(replyBuffer);
  const rng = random(2000);
  const values = Array.from({ length: COUNT }, (_, i) => ({
    seq: i,
    text: "é✓".repeat(i % 23) + i,
    bytes: payload(i, rng() < 0.1 ? 1500 : Math.floor(rng() * 300)),
    big: BigInt(i) * 2n ** 40n,
  }));

  const worker = new Worker(new URL("./testdata/ring_echo_worker.ts", import.meta.url), {
    type: "module",
  });
  let failure: string | undefined;
  let stopped!: () => void;
  const stop = new Promise<void>((resolve) => stopped = resolve);
  worker.onerror = (event) => {
    event.preventDefault();
    failure = `the worker failed: ${event.message}`;
  };
  worker.onmessage = (event: MessageEvent<{ error?: string; stopped?: boolean }>) => {
    if (event.data.error !== undefined) failure = `the worker failed: ${event.data.error}`;
    if (event.data.stopped) stopped();
  };
  try {
    worker.postMessage({ requests: requestBuffer, replies: replyBuffer });
    const deadline = Date.now() + 30_000;
    const alive = (what: string) => {
      if (failure !== undefined) throw new Error(failure);
      if (Date.now() > deadline) throw new Error(`Timed out: ${what}`);
    };
    const received: unknown[] = [];
    const take = () => {
      while (replies.ready) received.push(replies.read(readPlain));
    };
    const exchange = async () => {
      for (let i = 0; i < COUNT; i++) {
        const value = values[i];
        while (!requests.write((c) => writePlain(c, value))) {
          // Full: wake the worker, take its replies so it can go on, and let it run.
          requests.notify();
          take();
          alive(`writing request ${i}`);
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        // Batches of records per wake-up, as the pool sends them.
        if (i % 50 === 49) requests.notify();
        if (i % 200 === 199) take();
      }
      requests.notify();
      while (true) {
        take();
        if (received.length >= COUNT) break;
        alive(`replies (${received.length} of ${COUNT})`);
        // Sleeps until the worker notifies; the timeout only bounds it.
        const wait = waitAsync(replies.header, WRITE, replies.consumed, 250);
        if (wait.async) await wait.value;
      }
    };
    await bounded(exchange(), "the echo of 2000 records", 40_000);
    assert.equal(received.length, COUNT);
    for (let i = 0; i < COUNT; i++) assert.deepStrictEqual(received[i], values[i], `record ${i}`);
    assert.equal(replies.ready, false, "no extra replies");

    Atomics.store(requests.header, STOP, 1);
    requests.notify();
    await bounded(stop, "the worker to stop", 10_000);
    assert.equal(failure, undefined);
  } finally {
    worker.terminate();
  }
});
