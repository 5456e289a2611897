import assert from "node:assert/strict";
import { Trap } from "./errors.ts";
import type { StringEncoding } from "./context.ts";
import {
  GuestString,
  loadStringFromRange,
  storedLength,
  storeGuestStringIntoRange,
  storeStringIntoRange,
  UTF16_TAG,
} from "./strings.ts";
import { TestHeap } from "./testdata/heap.ts";

Deno.test("utf8: an ASCII string takes one realloc call", () => {
  const heap = new TestHeap();
  const cx = heap.context("utf8");
  const ptr = storeStringIntoRange(cx, "hello");
  assert.equal(storedLength, 5);
  assert.deepEqual(heap.calls, [[0, 0, 1, 5]]);
  assert.equal(new TextDecoder().decode(heap.u8().subarray(ptr, ptr + 5)), "hello");
});

Deno.test("utf8: a non-ASCII JS string takes one realloc call of its exact length", () => {
  const heap = new TestHeap();
  const cx = heap.context("utf8");
  const s = "h€llo😀\ud800"; // 8 UTF-16 code units; 14 UTF-8 bytes (a lone surrogate is U+FFFD)
  const ptr = storeStringIntoRange(cx, s);
  assert.equal(storedLength, 14);
  // A fresh allocation only: some guests (the WASI preview-1 adapter) refuse to grow one.
  assert.deepEqual(heap.calls, [[0, 0, 1, 14]]);
  assert.equal(loadStringFromRange(cx, ptr, 14), "h€llo😀\ufffd");
});

Deno.test("utf8: a UTF-16 guest's non-ASCII string grows to the worst case, then shrinks", () => {
  const heap = new TestHeap();
  const cx = heap.context("utf8");
  const s = "h€llo😀"; // 7 UTF-16 code units, 11 UTF-8 bytes
  const ptr = storeGuestStringIntoRange(cx, new GuestString(s, "utf16", 7));
  assert.equal(storedLength, 11);
  const first = heap.calls[0]![0] === 0 ? heap.calls[1]![0] : -1;
  assert.deepEqual(heap.calls, [[0, 0, 1, 7], [first, 7, 1, 21], [ptr, 21, 1, 11]]);
  assert.equal(loadStringFromRange(cx, ptr, 11), s);
});

Deno.test("utf16: code units are copied", () => {
  const heap = new TestHeap();
  const cx = heap.context("utf16");
  const ptr = storeStringIntoRange(cx, "a😀");
  assert.equal(storedLength, 3);
  assert.deepEqual(heap.calls, [[0, 0, 2, 6]]);
  assert.deepEqual([...heap.u8().subarray(ptr, ptr + 6)], [0x61, 0, 0x3d, 0xd8, 0x00, 0xde]);
  assert.equal(loadStringFromRange(cx, ptr, 3), "a😀");
});

Deno.test("latin1+utf16: Latin-1 when possible, tagged UTF-16 otherwise", () => {
  const heap = new TestHeap();
  const cx = heap.context("latin1+utf16");
  const p1 = storeStringIntoRange(cx, "café\u00ff");
  assert.equal(storedLength, 5);
  assert.deepEqual([...heap.u8().subarray(p1, p1 + 5)], [0x63, 0x61, 0x66, 0xe9, 0xff]);
  assert.equal(loadStringFromRange(cx, p1, 5), "café\u00ff");
  const p2 = storeStringIntoRange(cx, "aΩ");
  assert.equal(storedLength, (2 | UTF16_TAG) >>> 0);
  assert.deepEqual(heap.calls.slice(1), [[0, 0, 2, 2], [heap.calls[2]![0], 2, 2, 4]]);
  assert.equal(loadStringFromRange(cx, p2, storedLength), "aΩ");
});

Deno.test("latin1 decoding maps every byte to the same code point", () => {
  const heap = new TestHeap();
  const cx = heap.context("latin1+utf16");
  heap.u8().set([0x80, 0x9f, 0xa0], 64);
  assert.equal(loadStringFromRange(cx, 64, 3), "\u0080\u009f\u00a0");
});

Deno.test("loading traps on invalid encodings, bad alignment and bounds", () => {
  const heap = new TestHeap();
  heap.u8().set([0xc3, 0x28], 100);
  assert.throws(() => loadStringFromRange(heap.context("utf8"), 100, 2), {
    name: "Trap",
    message: "invalid utf-8 string in memory",
  });
  heap.dv().setUint16(200, 0xd800, true); // a lone surrogate
  assert.throws(() => loadStringFromRange(heap.context("utf16"), 200, 1), /invalid utf-16/);
  assert.throws(() => loadStringFromRange(heap.context("utf16"), 201, 1), /not aligned to 2/);
  assert.throws(() => loadStringFromRange(heap.context("utf8"), 65530, 7), /out of bounds/);
  // Too long and out of bounds: the bounds are checked first.
  assert.throws(() => loadStringFromRange(heap.context("utf8"), 0, 2 ** 28), /out of bounds/);
  // In bounds of a memory over 256 MiB, but longer than the spec's 2^28-1 bytes.
  const big = new TestHeap(4097);
  assert.throws(() => loadStringFromRange(big.context("utf8"), 0, 2 ** 28), /exceeds the maximum/);
  assert.throws(
    () => loadStringFromRange(heap.context("latin1+utf16"), 0, (UTF16_TAG | 2 ** 28) >>> 0),
    Trap,
  );
});

Deno.test("storing traps when realloc returns a bad pointer", () => {
  const heap = new TestHeap();
  heap.override = (p) => p + 1;
  assert.throws(() => storeStringIntoRange(heap.context("utf16"), "ab"), /not aligned to 2/);
  heap.override = () => 65535;
  assert.throws(() => storeStringIntoRange(heap.context("utf8"), "ab"), /out of bounds/);
  let n = 0;
  heap.override = (p) => (++n === 2 ? 70000 : p); // only the growing call misbehaves
  assert.throws(
    () => storeGuestStringIntoRange(heap.context("utf8"), new GuestString("é", "utf16", 1)),
    /out of bounds/,
  );
});

Deno.test("storing an empty string still calls realloc", () => {
  const heap = new TestHeap();
  storeStringIntoRange(heap.context("utf8"), "");
  assert.equal(storedLength, 0);
  assert.deepEqual(heap.calls, [[0, 0, 1, 0]]);
});

Deno.test("storing survives a realloc that grows the memory", () => {
  const heap = new TestHeap();
  const cx = heap.context("utf8");
  heap.override = (p) => {
    if (heap.memory.buffer.byteLength === 65536) heap.memory.grow(1);
    return p === 0 ? p : 65536 + 16;
  };
  const ptr = storeStringIntoRange(cx, "grown ✓");
  assert.equal(ptr, 65536 + 16);
  assert.equal(loadStringFromRange(cx, ptr, storedLength), "grown ✓");
});

Deno.test("loading names a UTF-8 sequence cut off by the end of the string", () => {
  const heap = new TestHeap();
  heap.u8().set([0x61, 0xc3], 100); // "a" and the first byte of a two-byte sequence
  assert.throws(() => loadStringFromRange(heap.context("utf8"), 100, 2), {
    name: "Trap",
    message: "invalid utf-8 string in memory: incomplete utf-8 byte sequence at the end",
  });
  heap.u8().set([0xe2, 0x8c], 120); // two bytes of a three-byte sequence
  assert.throws(() => loadStringFromRange(heap.context("utf8"), 120, 2), /incomplete utf-8/);
  // Bad bytes that more input could not fix keep the plain message.
  heap.u8().set([0xff], 140);
  assert.throws(() => loadStringFromRange(heap.context("utf8"), 140, 1), {
    message: "invalid utf-8 string in memory",
  });
  heap.u8().set([0xc3, 0x61], 150); // a lead byte followed by a non-continuation byte
  assert.throws(() => loadStringFromRange(heap.context("utf8"), 150, 2), {
    message: "invalid utf-8 string in memory",
  });
});

Deno.test("a guest string is stored with the spec's transcoding for its source encoding", () => {
  // Each realloc call as [oldSize, align, newSize]; only the first allocates afresh.
  const cases: [GuestString, StringEncoding, [number, number, number][], number][] = [
    // utf8 -> utf16: worst case 2 × 4 bytes, shrunk to the 4 bytes "àà" takes.
    [new GuestString("àà", "utf8", 4), "utf16", [[0, 2, 8], [8, 2, 4]], 2],
    // utf8 -> utf8: a plain copy of the bytes.
    [new GuestString("àà", "utf8", 4), "utf8", [[0, 1, 4]], 4],
    // latin1 -> utf8: worst case 2 × units, no shrink when every byte doubles.
    [new GuestString("éé", "latin1+utf16", 2), "utf8", [[0, 1, 2], [2, 1, 4]], 4],
    // utf8 -> latin1+utf16: 2 bytes of UTF-8, 1 byte of Latin-1.
    [new GuestString("Ë", "utf8", 2), "latin1+utf16", [[0, 2, 2], [2, 2, 1]], 1],
    // utf8 -> latin1+utf16 beyond Latin-1: grow to 2 × 5, shrink to UTF-16's 4.
    [
      new GuestString("Ë┛", "utf8", 5),
      "latin1+utf16",
      [[0, 2, 5], [5, 2, 10], [10, 2, 4]],
      (2 | UTF16_TAG) >>> 0,
    ],
    // UTF-16 latin1+utf16 -> latin1+utf16: deflated to Latin-1 with a 2-aligned realloc.
    [
      new GuestString("AA", "latin1+utf16", (2 | UTF16_TAG) >>> 0),
      "latin1+utf16",
      [[0, 2, 4], [4, 2, 2]],
      2,
    ],
    // Latin-1 latin1+utf16 -> latin1+utf16: a copy.
    [new GuestString("ÿ", "latin1+utf16", 1), "latin1+utf16", [[0, 2, 1]], 1],
    // utf16 -> latin1+utf16: the JS string's path.
    [
      new GuestString("AΣ", "utf16", 2),
      "latin1+utf16",
      [[0, 2, 2], [2, 2, 4]],
      (2 | UTF16_TAG) >>> 0,
    ],
  ];
  for (const [g, encoding, calls, length] of cases) {
    const heap = new TestHeap();
    const cx = heap.context(encoding);
    const ptr = storeGuestStringIntoRange(cx, g);
    const what = `${g.encoding} ${JSON.stringify(g.value)} -> ${encoding}`;
    assert.equal(storedLength, length, what);
    assert.deepEqual(heap.calls.map(([, ...rest]) => rest), calls, what);
    assert.deepEqual(heap.calls.map(([old]) => old !== 0), calls.map((_, i) => i > 0), what);
    assert.equal(loadStringFromRange(cx, ptr, storedLength), g.value, what);
  }
});

Deno.test("a guest string's shrinking realloc must return an aligned pointer", () => {
  const heap = new TestHeap();
  heap.override = (p) => (heap.calls.length === 2 ? 3 : p);
  assert.throws(
    () => storeGuestStringIntoRange(heap.context("utf16"), new GuestString("àà", "utf8", 4)),
    {
      name: "Trap",
      message: /^realloc return: result not aligned \(string pointer 3 is not aligned to 2\)/,
    },
  );
  const heap2 = new TestHeap();
  heap2.override = (p) => (heap2.calls.length === 2 ? 0xfffffffe : p);
  assert.throws(
    () =>
      storeGuestStringIntoRange(heap2.context("latin1+utf16"), new GuestString("Ë┛", "utf8", 5)),
    { message: /^realloc return: beyond end of memory \(string out of bounds/ },
  );
});

Deno.test("utf8 and utf16: a leading U+FEFF is part of the string, not a byte-order mark", () => {
  for (const encoding of ["utf8", "utf16"] as const) {
    const heap = new TestHeap();
    const cx = heap.context(encoding);
    const s = "\uFEFF" + "x".repeat(40); // long enough for the TextDecoder path
    const ptr = storeStringIntoRange(cx, s);
    assert.equal(loadStringFromRange(cx, ptr, storedLength), s, encoding);
  }
});

Deno.test("utf8 and utf16: a real U+FFFD loads, invalid code units trap", () => {
  for (const encoding of ["utf8", "utf16"] as const) {
    const heap = new TestHeap();
    const cx = heap.context(encoding);
    const s = "replacement \uFFFD character in a long enough string";
    const ptr = storeStringIntoRange(cx, s);
    assert.equal(loadStringFromRange(cx, ptr, storedLength), s, encoding);
  }
  const heap = new TestHeap();
  const cx = heap.context("utf8");
  const ptr = storeStringIntoRange(cx, "a string of more than sixteen bytes");
  heap.u8()[ptr + 20] = 0xff;
  assert.throws(() => loadStringFromRange(cx, ptr, storedLength), Trap);
  const cx16 = heap.context("utf16");
  const p16 = storeStringIntoRange(cx16, "a string of more than sixteen units");
  heap.u8()[p16 + 21] = 0xdc; // a lone low surrogate
  assert.throws(() => loadStringFromRange(cx16, p16, storedLength), Trap);
});

Deno.test("utf16: long and short strings, ASCII or not, at any 2-aligned pointer", () => {
  const ascii = "The quick brown fox jumps over the lazy dog. ".repeat(30);
  const strings = [
    "",
    "short ascii",
    "x".repeat(15),
    "y".repeat(16),
    ascii,
    ascii + "!", // odd length
    "\x7f".repeat(40),
    "é".repeat(40), // Latin-1, not ASCII
    ascii + "€",
    "😀" + ascii,
    "\u0100" + ascii.slice(1), // a unit whose low byte is ASCII
  ];
  for (const start of [8, 10]) { // 4-aligned and only 2-aligned
    for (const s of strings) {
      const heap = new TestHeap();
      heap.last = start;
      heap.u8().fill(0xcc);
      const cx = heap.context("utf16");
      const ptr = storeStringIntoRange(cx, s);
      assert.equal(ptr, start);
      assert.equal(storedLength, s.length);
      const dv = heap.dv();
      for (let i = 0; i < s.length; i++) {
        assert.equal(dv.getUint16(ptr + 2 * i, true), s.charCodeAt(i));
      }
      assert.equal(heap.u8()[ptr + 2 * s.length], 0xcc, "nothing written past the string");
      assert.equal(loadStringFromRange(cx, ptr, s.length), s);
    }
  }
});

Deno.test("utf16: an unpaired surrogate traps in short and long strings", () => {
  for (const s of ["a\ud800b", "a".repeat(40) + "\udc00" + "b".repeat(40), "\ud83d".repeat(20)]) {
    const heap = new TestHeap();
    const cx = heap.context("utf16");
    const dv = heap.dv();
    for (let i = 0; i < s.length; i++) dv.setUint16(64 + 2 * i, s.charCodeAt(i), true);
    assert.throws(() => loadStringFromRange(cx, 64, s.length), {
      name: "Trap",
      message: /invalid utf-16/,
    });
  }
});
