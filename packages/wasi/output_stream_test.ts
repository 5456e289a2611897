import assert from "node:assert/strict";
import { type ByteSink, InputStream, type IoError, OutputStream, WouldBlockError } from "./mod.ts";
import { collector, errOf, tick } from "./_test_util.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

/** A sink whose writes complete only when the test says so. */
function slowSink(): {
  sink: ByteSink;
  written: string[];
  release(): void;
  failNext(e: unknown): void;
} {
  const written: string[] = [];
  let waiting: (() => void)[] = [];
  let failure: unknown;
  return {
    written,
    sink: {
      write: (b) =>
        new Promise<void>((resolve, reject) => {
          waiting.push(() => {
            if (failure !== undefined) return reject(failure);
            written.push(new TextDecoder().decode(b));
            resolve();
          });
        }),
    },
    release: () => {
      const w = waiting;
      waiting = [];
      for (const f of w) f();
    },
    failNext: (e) => void (failure = e),
  };
}

Deno.test("check-write grants a permit and write beyond it traps (throws a plain error)", () => {
  const s = new OutputStream({ write: () => {} }, { capacity: 8 });
  assert.equal(s.checkWrite(), 8n);
  s.write(bytes("abc"));
  s.write(bytes("defgh")); // the rest of the same permit
  assert.throws(() => s.write(bytes("x")), (e) => e instanceof RangeError && !("payload" in e));
  assert.throws(
    () => new OutputStream({ write: () => {} }).write(bytes("x")),
    /check-write permitted 0/,
    "no check-write, no permit",
  );
});

Deno.test("writes in flight reduce check-write; flush makes it 0 until the sink caught up", async () => {
  const slow = slowSink();
  const s = new OutputStream(slow.sink, { capacity: 10 });
  assert.equal(s.checkWrite(), 10n);
  s.write(bytes("hello"));
  assert.equal(s.checkWrite(), 5n, "5 bytes in flight");
  s.flush();
  assert.equal(s.checkWrite(), 0n, "flushing");
  const p = s.subscribe();
  assert.equal(p.ready(), false);
  slow.release();
  await p.blockAsync();
  assert.equal(s.checkWrite(), 10n);
  assert.deepEqual(slow.written, ["hello"]);
});

Deno.test("subscribe is ready when check-write gives more than 0, without spinning", async () => {
  const slow = slowSink();
  const s = new OutputStream(slow.sink, { capacity: 4 });
  s.checkWrite();
  s.write(bytes("abcd"));
  assert.equal(s.checkWrite(), 0n);
  const p = s.subscribe();
  assert.equal(p.ready(), false);
  assert.throws(() => p.block(), WouldBlockError);
  setTimeout(() => slow.release(), 5);
  await p.blockAsync();
  assert.ok(s.checkWrite() > 0n);
});

Deno.test("a failed write is last-operation-failed once, then closed; subscribe is ready", async () => {
  const slow = slowSink();
  const s = new OutputStream(slow.sink);
  s.checkWrite();
  s.write(bytes("doomed"));
  slow.failNext(new Error("pipe broke"));
  slow.release();
  await tick();
  assert.equal(s.subscribe().ready(), true, "ready with an error");
  const e = errOf(() => s.checkWrite()) as { tag: string; val: IoError };
  assert.equal(e.tag, "last-operation-failed");
  assert.equal(e.val.toDebugString(), "Error: pipe broke");
  assert.deepEqual(errOf(() => s.checkWrite()), { tag: "closed" });
  assert.deepEqual(errOf(() => s.write(new Uint8Array(0))), { tag: "closed" });
  assert.deepEqual(errOf(() => s.flush()), { tag: "closed" });
  assert.deepEqual(errOf(() => s.blockingWriteAndFlush(bytes("x"))), { tag: "closed" });
});

Deno.test("a synchronous sink's failure is reported by the write's own blocking call", () => {
  const s = new OutputStream({
    write: () => {
      throw new Error("no space");
    },
  });
  const e = errOf(() => s.blockingWriteAndFlush(bytes("x"))) as { tag: string };
  assert.equal(e.tag, "last-operation-failed");
  assert.deepEqual(errOf(() => s.checkWrite()), { tag: "closed" });
});

Deno.test("blocking-write-and-flush takes at most 4096 bytes and writes them", async () => {
  const out = collector();
  const s = OutputStream.fromWritable(out.stream);
  assert.throws(() => s.blockingWriteAndFlush(new Uint8Array(4097)), /more than 4096 bytes/);
  s.blockingWriteAndFlush(bytes("hi "));
  await s.blockingWriteAndFlushAsync(bytes("there"));
  assert.equal(out.text(), "hi there");
  await s.blockingWriteZeroesAndFlushAsync(2n);
  assert.equal(out.text(), "hi there\0\0");
});

Deno.test("blocking-write-and-flush's async form waits for the sink and reports its failure", async () => {
  const slow = slowSink();
  const s = new OutputStream(slow.sink);
  let done = false;
  const p = s.blockingWriteAndFlushAsync(bytes("abc")).then(() => void (done = true));
  await tick();
  assert.equal(done, false, "still waiting for the sink");
  slow.release();
  await p;
  assert.deepEqual(slow.written, ["abc"]);
  slow.failNext(new Error("gone"));
  const q = s.blockingWriteAndFlushAsync(bytes("def"));
  slow.release();
  await assert.rejects(
    q,
    (e: { payload: { tag: string } }) => e.payload.tag === "last-operation-failed",
  );
});

Deno.test("write-zeroes obeys the permit and writes zeroes", () => {
  const got: number[] = [];
  const s = new OutputStream({ write: (b) => void got.push(...b) }, { capacity: 3 });
  s.checkWrite();
  s.writeZeroes(3n);
  assert.deepEqual(got, [0, 0, 0]);
  assert.throws(() => s.writeZeroes(1n), RangeError);
});

Deno.test("splice moves at most min(permit, len) bytes and reports the input's closed", async () => {
  const got: string[] = [];
  const out = new OutputStream({ write: (b) => void got.push(new TextDecoder().decode(b)) }, {
    capacity: 4,
  });
  const input = InputStream.fromReadable(
    new ReadableStream({
      start(c) {
        c.enqueue(bytes("abcdefgh"));
        c.close();
      },
    }),
  );
  input.read(0n);
  assert.equal(out.splice(input, 100n), 0n, "nothing read yet");
  await tick();
  assert.equal(out.splice(input, 100n), 4n, "limited by the permit");
  assert.equal(out.splice(input, 2n), 2n, "limited by len");
  assert.equal(out.blockingSplice(input, 10n), 2n);
  assert.deepEqual(got, ["abcd", "ef", "gh"]);
  assert.equal(out.splice(input, 1n), 0n, "the end is not known yet: nothing now");
  await tick();
  assert.deepEqual(errOf(() => out.splice(input, 1n)), { tag: "closed" });
});

Deno.test("blocking-splice refuses to wait synchronously and waits in its async form", async () => {
  let c!: ReadableStreamDefaultController<Uint8Array>;
  const input = InputStream.fromReadable(new ReadableStream({ start: (x) => void (c = x) }));
  const got: number[] = [];
  const out = new OutputStream({ write: (b) => void got.push(...b) });
  assert.throws(() => out.blockingSplice(input, 10n), WouldBlockError);
  const p = out.blockingSpliceAsync(input, 10n);
  c.enqueue(new Uint8Array([1, 2, 3]));
  assert.equal(await p, 3n);
  assert.deepEqual(got, [1, 2, 3]);
});

Deno.test("the bytes written are copied: later changes to the caller's array do not leak", () => {
  const got: Uint8Array[] = [];
  const s = new OutputStream({ write: (b) => void got.push(b) });
  const buf = bytes("abc");
  s.checkWrite();
  s.write(buf);
  buf[0] = 0x7a;
  assert.equal(new TextDecoder().decode(got[0]), "abc");
});

Deno.test("dropping closes an owned sink but not a shared one", async () => {
  let closed = 0;
  const ws = new WritableStream({ close: () => void closed++ });
  const s = OutputStream.fromWritable(ws);
  s[Symbol.dispose]();
  await tick();
  assert.equal(closed, 1);
  const shared = new OutputStream({ write: () => {}, close: () => void closed++ }, {
    closeOnDrop: false,
  });
  shared[Symbol.dispose]();
  assert.equal(closed, 1);
  assert.deepEqual(errOf(() => shared.checkWrite()), { tag: "closed" });
});

Deno.test("without JSPI, blocking-write-and-flush hands off: the bytes count as in flight, a failure shows next", async () => {
  const slow = slowSink();
  const s = new OutputStream(slow.sink, { capacity: 10 });
  s.blockingWriteAndFlush(bytes("abc"));
  assert.equal(s.checkWrite(), 7n, "not in the flush state: 3 bytes in flight");
  slow.release();
  await tick();
  assert.equal(s.checkWrite(), 10n);
  assert.deepEqual(slow.written, ["abc"]);
  slow.failNext(new Error("late failure"));
  s.blockingWriteAndFlush(bytes("def"));
  slow.release();
  await tick();
  const e = errOf(() => s.blockingWriteAndFlush(bytes("ghi"))) as { tag: string; val: IoError };
  assert.equal(e.tag, "last-operation-failed");
  assert.equal(e.val.toDebugString(), "Error: late failure");
});

Deno.test("blocking-write-zeroes-and-flush refuses more than 4096 before allocating", () => {
  const got: number[] = [];
  const s = new OutputStream({ write: (b) => void got.push(b.length) });
  assert.throws(() => s.blockingWriteZeroesAndFlush(1n << 40n), /more than 4096 bytes/);
  s.blockingWriteZeroesAndFlush(4096n);
  assert.deepEqual(got, [4096]);
});
