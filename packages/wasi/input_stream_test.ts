import assert from "node:assert/strict";
import { InputStream, IoError, SUSPENDING, WouldBlockError } from "./mod.ts";
import { errOf, tick } from "./_test_util.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function controlled(): {
  stream: InputStream;
  push(s: string): void;
  end(): void;
  fail(e: unknown): void;
} {
  let c!: ReadableStreamDefaultController<Uint8Array>;
  const rs = new ReadableStream<Uint8Array>({ start: (ctl) => void (c = ctl) }, {
    highWaterMark: 0,
  });
  return {
    stream: InputStream.fromReadable(rs),
    push: (s) => c.enqueue(bytes(s)),
    end: () => c.close(),
    fail: (e) => c.error(e),
  };
}

Deno.test("read returns what is there now, never more than len, and empty when nothing is", async () => {
  const { stream, push, end } = controlled();
  assert.equal(stream.read(10n).length, 0, "nothing there yet");
  push("hello world");
  await tick();
  assert.equal(text(stream.read(5n)), "hello");
  assert.equal(text(stream.read(100n)), " world");
  assert.equal(stream.read(100n).length, 0, "drained, still open");
  end();
  await tick();
  assert.deepEqual(errOf(() => stream.read(1n)), { tag: "closed" });
  assert.deepEqual(errOf(() => stream.read(1n)), { tag: "closed" }, "closed stays closed");
  assert.deepEqual(errOf(() => stream.read(0n)), { tag: "closed" }, "len 0 on a closed stream");
});

Deno.test("read of 0 succeeds with an empty list while the stream is open", () => {
  const { stream } = controlled();
  assert.equal(stream.read(0n).length, 0);
});

Deno.test("bytes buffered before the end are read before closed is reported", async () => {
  const { stream, push, end } = controlled();
  stream.read(1n); // starts the pull
  push("ab");
  end();
  await tick();
  assert.equal(text(stream.read(1n)), "a");
  assert.equal(text(stream.read(1n)), "b");
  stream.read(1n);
  await tick();
  assert.deepEqual(errOf(() => stream.read(1n)), { tag: "closed" });
});

Deno.test("a failed read is last-operation-failed once, then closed", async () => {
  const { stream, fail } = controlled();
  stream.read(1n);
  fail(new Error("disk on fire"));
  await tick();
  const p = errOf(() => stream.read(1n)) as { tag: string; val: IoError };
  assert.equal(p.tag, "last-operation-failed");
  assert.ok(p.val instanceof IoError);
  assert.equal(p.val.toDebugString(), "Error: disk on fire");
  assert.deepEqual(errOf(() => stream.read(1n)), { tag: "closed" });
});

Deno.test("skip drops bytes and counts them", async () => {
  const { stream, push } = controlled();
  stream.read(1n);
  push("abcdef");
  await tick();
  assert.equal(stream.skip(4n), 4n);
  assert.equal(text(stream.read(10n)), "ef");
  assert.equal(stream.skip(3n), 0n);
});

Deno.test("subscribe is ready when bytes arrive and at the end", async () => {
  const { stream, push, end } = controlled();
  const p = stream.subscribe();
  assert.equal(p.ready(), false);
  const waited = p.blockAsync();
  push("x");
  await waited;
  assert.equal(p.ready(), true);
  assert.equal(text(stream.read(5n)), "x");
  assert.equal(p.ready(), false);
  end();
  await p.blockAsync();
  assert.equal(p.ready(), true, "ready at the end (so the reader sees closed)");
});

Deno.test("blocking-read works when data is there, and otherwise refuses instead of spinning", async () => {
  const { stream, push } = controlled();
  assert.throws(() => stream.blockingRead(4n), WouldBlockError);
  const later = stream.blockingReadAsync(4n);
  push("data!");
  assert.equal(text(await later), "data");
  assert.equal(text(stream.blockingRead(4n)), "!", "sync form with data buffered");
  assert.throws(() => stream.blockingSkip(1n), WouldBlockError, "drained again: would block");
});

Deno.test("blocking-read carries its async form under SUSPENDING", async () => {
  const { stream, push } = controlled();
  const method = InputStream.prototype.blockingRead as unknown as Record<
    symbol,
    (...args: unknown[]) => unknown
  >;
  const asyncForm = method[SUSPENDING]!;
  const p = asyncForm.call(stream, 3n) as Promise<Uint8Array>;
  push("abc");
  assert.equal(text(await p), "abc");
});

Deno.test("a synchronous source reads at once and ends with closed", () => {
  let left = 5;
  const stream = new InputStream({
    read: (max) => {
      if (left === 0) return null;
      const n = Math.min(max, left);
      left -= n;
      return new Uint8Array(n).fill(7);
    },
    ready: () => true,
    wait: () => Promise.resolve(),
  });
  assert.deepEqual([...stream.blockingRead(3n)], [7, 7, 7]);
  assert.equal(stream.read(10n).length, 2);
  assert.deepEqual(errOf(() => stream.read(1n)), { tag: "closed" });
});

Deno.test("string chunks are read as UTF-8 and bad chunks fail the stream", async () => {
  const rs = new ReadableStream<unknown>({
    start(c) {
      c.enqueue("é");
      c.enqueue(42);
    },
  });
  const stream = InputStream.fromReadable(rs);
  stream.read(1n);
  await tick();
  assert.deepEqual([...stream.read(10n)], [0xc3, 0xa9]);
  stream.read(1n);
  await tick();
  const p = errOf(() => stream.read(1n)) as { tag: string; val: IoError };
  assert.equal(p.tag, "last-operation-failed");
  assert.match(p.val.toDebugString(), /Cannot read a stream chunk as bytes/);
});

Deno.test("dropping an input stream cancels its ReadableStream", async () => {
  let cancelled = false;
  const rs = new ReadableStream({ cancel: () => void (cancelled = true) });
  const stream = InputStream.fromReadable(rs);
  stream[Symbol.dispose]();
  await tick();
  assert.equal(cancelled, true);
  assert.deepEqual(errOf(() => stream.read(1n)), { tag: "closed" });
});
