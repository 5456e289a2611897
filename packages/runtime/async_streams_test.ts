// `stream<T>` and `future<T>` at the JS boundary (issue #4): ReadableStreams,
// async and sync iterables, and Promises, both ways, with backpressure.
import assert from "node:assert/strict";
import { fixture } from "../../scripts/fixtures.ts";
import { Component, type Instance } from "./mod.ts";

const streams = new URL("./testdata/async_streams.wat", import.meta.url);
const relay = new URL("./testdata/async_streams_relay.wat", import.meta.url);

/** Lets queued microtasks and timers run. */
const turn = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

type Fn = (...args: unknown[]) => unknown;
type Exports = Record<string, Fn>;

/** Host imports the streams component needs; each test overrides what it uses. */
const noImports = {
  source: (): never => {
    throw new Error("source() not expected");
  },
  sink: (): never => {
    throw new Error("sink() not expected");
  },
  later: (): never => {
    throw new Error("later() not expected");
  },
};

async function instantiate(imports: Record<string, unknown> = {}): Promise<Exports> {
  const component = await Component.compile(await fixture(streams));
  const instance: Instance = await component.instantiate({ ...noImports, ...imports });
  return instance.exports as Exports;
}

/** The bytes `bytes(n)` writes: i & 255 for i < n. */
const expectedBytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i & 255);

const concat = (chunks: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

Deno.test("an export's stream<u8> is a ReadableStream of Uint8Array chunks, closed at its end", async () => {
  const exports = await instantiate();
  const stream = await exports.bytes!(1000);
  assert.ok(stream instanceof ReadableStream);
  const chunks = await Array.fromAsync(stream as ReadableStream<Uint8Array>);
  assert.ok(chunks.every((c) => c instanceof Uint8Array));
  assert.deepEqual(concat(chunks), expectedBytes(1000));
});

Deno.test("JS's reading pace drives the guest's writes (rendezvous, 65536-byte chunks)", async () => {
  const exports = await instantiate();
  const n = 3 * 65536 + 100;
  const reader = (await exports.bytes!(n) as ReadableStream<Uint8Array>).getReader();
  await turn();
  // The guest's first write waits for a reader: it has not completed.
  assert.equal(exports.writes!(), 1);
  assert.equal(exports.last!(), 0xffff_ffff);
  const sizes: number[] = [];
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    sizes.push(value.length);
    chunks.push(value);
    await turn();
    if (sizes.length < 4) {
      // The write that gave this chunk completed with what the read took;
      // the guest's next write waits for the next read.
      assert.equal(exports.writes!(), sizes.length + 1);
    }
  }
  assert.deepEqual(sizes, [65536, 65536, 65536, 100]);
  assert.equal(exports.writes!(), 4);
  assert.equal(exports.last!(), 0, "COMPLETED");
  assert.deepEqual(concat(chunks), expectedBytes(n));
});

Deno.test("cancelling the ReadableStream drops the readable end: the guest's write sees DROPPED", async () => {
  const exports = await instantiate();
  const stream = await exports.bytes!(10) as ReadableStream<Uint8Array>;
  await turn();
  assert.equal(exports.last!(), 0xffff_ffff, "the write waits for a reader");
  await stream.cancel();
  await turn();
  assert.equal(exports.last!(), 1, "DROPPED");
  // The instance keeps serving.
  assert.deepEqual(
    concat(await Array.fromAsync(await exports.bytes!(5) as ReadableStream<Uint8Array>)),
    expectedBytes(5),
  );
});

Deno.test("a stream<u8> parameter takes a ReadableStream, an async or a sync iterable", async () => {
  const exports = await instantiate();
  const rs = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new Uint8Array([100, 100, 100]));
      c.enqueue(new Uint8Array([100, 100]));
      c.close();
    },
  });
  assert.equal(await exports.sum!(rs), 500);
  async function* gen() {
    yield 1;
    yield new Uint8Array([2, 3]);
    yield [4, 5, 6];
  }
  assert.equal(await exports.sum!(gen()), 21);
  assert.equal(await exports.sum!([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 55);
  assert.equal(await exports.sum!(new Uint8Array([7, 7, 7]).values()), 21);
});

Deno.test("the guest's reading pace drives pulls from a JS source (one item ahead)", async () => {
  const exports = await instantiate();
  let pulled = 0;
  const source = new ReadableStream<Uint8Array>({
    pull(c) {
      pulled++;
      if (pulled > 5) c.close();
      else c.enqueue(new Uint8Array([pulled, pulled, pulled, pulled]));
    },
  }, { highWaterMark: 0 });
  const readsBefore = exports.reads!() as number;
  assert.equal(await exports.sum!(source), 4 * (1 + 2 + 3 + 4 + 5));
  // The guest reads 4 bytes at a time: one read per chunk, and one that
  // sees the end; the source was pulled once per chunk, and once to end.
  assert.equal((exports.reads!() as number) - readsBefore, 6);
  assert.equal(pulled, 6);
});

Deno.test("a JS source that fails ends the stream: the guest sees its end after the values so far", async () => {
  const exports = await instantiate();
  async function* failing() {
    yield new Uint8Array([1, 2, 3]);
    throw new Error("source broke");
  }
  assert.equal(await exports.sum!(failing()), 6);
  // An item of the wrong type fails the source the same way (and closes it).
  let closed = false;
  const bad = new ReadableStream<unknown>({
    start(c) {
      c.enqueue(new Uint8Array([5]));
      c.enqueue("not a byte");
    },
    cancel() {
      closed = true;
    },
  });
  assert.equal(await exports.sum!(bad), 5);
  assert.equal(closed, true);
});

Deno.test("a stream or future argument of the wrong type is a TypeError naming it, before wasm", async () => {
  const exports = await instantiate();
  const readsBefore = exports.reads!();
  await assert.rejects(exports.sum!(42) as Promise<unknown>, (e: unknown) => {
    assert.ok(e instanceof TypeError);
    assert.match(e.message, /argument "s" as stream<u8>/);
    return true;
  });
  const locked = new ReadableStream();
  locked.getReader();
  await assert.rejects(exports.sum!(locked) as Promise<unknown>, /locked/);
  await assert.rejects(exports.waitFuture!("x") as Promise<unknown>, (e: unknown) => {
    assert.ok(e instanceof TypeError);
    assert.match(e.message, /argument "f"/);
    return true;
  });
  await assert.rejects(exports.waitFuture!(-1) as Promise<unknown>, (e: unknown) => {
    assert.ok(e instanceof TypeError);
    assert.match(e.message, /argument "f" as future<u32>: .*the future's value as u32/);
    return true;
  });
  assert.equal(exports.reads!(), readsBefore, "nothing entered the guest");
});

Deno.test("future<u32>: a Promise, a plain value or a rejection in; a Promise out", async () => {
  const exports = await instantiate();
  assert.equal(await exports.waitFuture!(Promise.resolve(5)), 5);
  assert.equal(await exports.waitFuture!(6), 6);
  let resolve!: (v: number) => void;
  const pending = exports.waitFuture!(new Promise<number>((r) => (resolve = r)));
  await turn();
  resolve(7);
  assert.equal(await pending, 7);
  // A rejected Promise drops the writer without a value: the guest sees DROPPED.
  assert.equal(await exports.waitFuture!(Promise.reject(new Error("no"))), 0xffff_ffff);
  // A Promise resolving to a value of the wrong type does the same.
  assert.equal(await exports.waitFuture!(Promise.resolve("eight")), 0xffff_ffff);
  // An async export's Promise cannot resolve to a Promise: its future's
  // value is what the call resolves with.
  assert.equal(await exports.makeFuture!(9), 9);
});

Deno.test("host imports: a stream or future returned from JS, and a stream received as a ReadableStream", async () => {
  let received: Promise<Uint8Array> | undefined;
  let laterResolve!: (v: number) => void;
  const exports = await instantiate({
    source: () => [1, new Uint8Array([2, 3]), 4],
    sink: (s: unknown) => {
      assert.ok(s instanceof ReadableStream);
      // Read in the background: the guest writes only as this reads.
      received = Array.fromAsync(s as ReadableStream<Uint8Array>).then(concat);
    },
    later: () => new Promise<number>((r) => (laterResolve = r)),
  });
  assert.equal(await exports.pullSource!(), 10);
  await exports.pushSink!(70_000);
  assert.ok(received !== undefined);
  assert.deepEqual(await received, expectedBytes(70_000));
  const later = exports.awaitLater!();
  await turn();
  laterResolve(77);
  assert.equal(await later, 77);
});

Deno.test("a stream passed from guest to guest keeps its shared ends (no ReadableStream)", async () => {
  const component = await Component.compile(await fixture(relay));
  const { exports } = await component.instantiate();
  let made = 0;
  const Original = globalThis.ReadableStream;
  globalThis.ReadableStream = class extends Original<unknown> {
    constructor(...args: ConstructorParameters<typeof ReadableStream>) {
      super(...args);
      made++;
    }
  } as typeof ReadableStream;
  let total: unknown;
  try {
    total = await exports.total!(1000);
  } finally {
    globalThis.ReadableStream = Original;
  }
  assert.equal(total, expectedBytes(1000).reduce((a, b) => a + b, 0));
  assert.equal(made, 0);
});

const types = new URL("./testdata/async_streams_types.wat", import.meta.url);

Deno.test("other element types: typed-array chunks for numbers, one element per chunk, counts", async () => {
  const component = await Component.compile(await fixture(types));
  const seen: Record<string, unknown[]> = {};
  const collect = (key: string) => async (s: unknown): Promise<void> => {
    assert.ok(s instanceof ReadableStream, `${key} reaches the host as a ReadableStream`);
    seen[key] = await Array.fromAsync(s as ReadableStream<unknown>);
  };
  let nameSeen: unknown;
  const { exports } = await component.instantiate({
    "map-strings": (s: ReadableStream<string>) => {
      void collect("strings")(s);
      return (async function* () {
        yield "x";
        yield "y";
      })();
    },
    "map-words": (s: ReadableStream<Uint32Array>) => {
      void collect("words")(s);
      return [new Uint32Array([7, 8]), 9];
    },
    "map-ticks": (s: ReadableStream<number>) => {
      void collect("ticks")(s);
      return [2, 3];
    },
    "map-name": (f: Promise<string>) => {
      assert.ok(f instanceof Promise);
      nameSeen = f;
      return f.then((s) => s.toUpperCase());
    },
  });
  const strings = exports.relayStrings!(["a", "b", "c"]) as ReadableStream<string>;
  assert.deepEqual(await Array.fromAsync(strings), ["x", "y"]);
  const words = exports.relayWords!([new Uint32Array([1, 2]), 3]) as ReadableStream<Uint32Array>;
  const wordChunks = await Array.fromAsync(words);
  assert.ok(wordChunks.every((c) => c instanceof Uint32Array));
  assert.deepEqual(wordChunks.flatMap((c) => [...c]), [7, 8, 9]);
  const ticks = exports.relayTicks!([4, 1]) as ReadableStream<number>;
  assert.equal((await Array.fromAsync(ticks)).reduce((a, b) => a + b, 0), 5);
  const name = exports.relayName!(Promise.resolve("weft"));
  assert.ok(name instanceof Promise);
  assert.equal(await name, "WEFT");
  assert.equal(await nameSeen, "weft");
  await turn();
  assert.deepEqual(seen.strings, ["a", "b", "c"]);
  assert.ok(seen.words!.every((c) => c instanceof Uint32Array));
  assert.deepEqual(seen.words!.flatMap((c) => [...(c as Uint32Array)]), [1, 2, 3]);
  assert.equal((seen.ticks as number[]).reduce((a, b) => a + b, 0), 5);
});

Deno.test("a guest that traps after returning its stream errors the ReadableStream (no hang)", async () => {
  const exports = await instantiate();
  // 300000 bytes from offset 1024 do not fit the guest's 4-page memory: it
  // traps filling them in, after `bytes` has returned the stream.
  const stream = await exports.bytes!(300_000) as ReadableStream<Uint8Array>;
  const reader = stream.getReader();
  await assert.rejects(reader.read(), (e: unknown) => {
    assert.ok(e instanceof Error && e.name === "Trap", `received ${e}`);
    return true;
  });
});
