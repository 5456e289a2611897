// The shared-memory codec of plain data: what it accepts must come back as
// structured clone would copy it, and what it refuses must leave the caller
// free to send the value by message.
import assert from "node:assert/strict";
import { MAX_DEPTH, type PlainCursor, plainCursor, readPlain, writePlain } from "./plain_codec.ts";

// A window that does not start at the buffer's start, so offsets relative to
// the window are exercised.
const OFFSET = 24;

function cursor(length: number): PlainCursor {
  return plainCursor(new SharedArrayBuffer(OFFSET + length + 16), OFFSET, length);
}

/** Writes `value`, reads it back, and checks both ends used the same bytes. */
function roundTrip(value: unknown, length = 1 << 16): unknown {
  const c = cursor(length);
  assert.equal(writePlain(c, value), true, `writePlain accepts ${describe(value)}`);
  const size = c.at;
  c.at = 0;
  const out = readPlain(c);
  assert.equal(c.at, size, `readPlain consumes what writePlain wrote for ${describe(value)}`);
  return out;
}

/** The bytes `value` takes. */
function sizeOf(value: unknown): number {
  const c = cursor(1 << 16);
  assert.equal(writePlain(c, value), true);
  return c.at;
}

function describe(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value.slice(0, 20));
  if (typeof value === "object" && value !== null) {
    return Object.getPrototypeOf(value)?.constructor?.name ?? "null-prototype object";
  }
  return String(value);
}

function checkRoundTrip(value: unknown): void {
  const out = roundTrip(value);
  assert.deepStrictEqual(out, value, describe(value));
  assert.deepStrictEqual(out, structuredClone(value), `${describe(value)} as structured clone`);
}

Deno.test("writePlain and readPlain round trip numbers, including -0, NaN and infinities", () => {
  const values = [
    0,
    1,
    -1,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 31, // just past int32: must not wrap
    -(2 ** 31) - 1,
    2 ** 53 + 2,
    0.5,
    -1.25,
    Math.PI,
    Number.MIN_VALUE,
    Number.MAX_VALUE,
    Number.EPSILON,
    NaN,
    Infinity,
    -Infinity,
  ];
  for (const value of values) checkRoundTrip(value);
  // deepStrictEqual tells -0 from 0 (Object.is), but check it outright too.
  const zero = roundTrip(-0);
  assert.ok(Object.is(zero, -0), "-0 comes back as -0");
  assert.ok(Object.is(structuredClone(-0), zero));
});

Deno.test("writePlain and readPlain round trip booleans, null and undefined", () => {
  for (const value of [true, false, null, undefined]) {
    assert.equal(roundTrip(value), value);
    assert.equal(roundTrip(value), structuredClone(value));
  }
});

Deno.test("writePlain and readPlain round trip bigints up to both 64-bit edges", () => {
  const values = [
    0n,
    1n,
    -1n,
    -(2n ** 63n), // int64 minimum
    -(2n ** 63n) + 1n,
    2n ** 63n - 1n, // int64 maximum
    2n ** 63n, // only fits unsigned
    2n ** 64n - 1n, // uint64 maximum
    -(2n ** 32n),
    2n ** 32n,
  ];
  for (const value of values) checkRoundTrip(value);
});

Deno.test("writePlain and readPlain round trip strings of every kind", () => {
  const values = [
    "",
    "a",
    "hello",
    "kebab-case-name",
    "héllo ✓ 𝄞",
    "𝄞",
    "\u0080",
    "\u07ff\u0800\uffff",
    "\0nul\0",
    "a".repeat(32), // the last length of the short path
    "a".repeat(33),
    "long ascii ".repeat(40),
    "long and not ascii: ∑ 𝄞 ".repeat(30),
    "x".repeat(31) + "é", // short, non-ASCII at the end
    "é" + "x".repeat(40),
  ];
  for (const value of values) checkRoundTrip(value);
});

Deno.test("writePlain and readPlain round trip dense arrays and nested objects", () => {
  const values = [
    [],
    [1, "two", 3n, null, undefined, true, [4, [5]], { six: 6 }],
    new Array(200).fill(0).map((_, i) => i * 1.5),
    {},
    { a: 1, b: "b", c: [1, 2, { d: { e: { f: [null] } } }], "kebab-key": -0 },
    { "2": "index-like keys keep structured clone's order", "1": 1, b: 2, a: 3 },
    { "héllo ✓ 𝄞": "non-ASCII key", ["k".repeat(50)]: "long key", "": "empty key" },
    { tag: "some", val: { tag: "ok", val: [1n, 2n] } },
    [{ nested: [new Uint8Array([1, 2]), new Float64Array([0.5])] }],
  ];
  for (const value of values) checkRoundTrip(value);
});

Deno.test("readPlain keeps an own __proto__ key as a key and leaves the prototype alone", () => {
  // JSON.parse makes "__proto__" an own data property, unlike an object literal.
  const value = JSON.parse('{"a": 1, "__proto__": {"polluted": true}, "b": [2]}');
  assert.ok(Object.hasOwn(value, "__proto__"));
  const out = roundTrip(value) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.ok(Object.hasOwn(out, "__proto__"));
  assert.deepEqual(Object.keys(out), ["a", "__proto__", "b"]);
  const descriptor = Object.getOwnPropertyDescriptor(out, "__proto__");
  assert.deepStrictEqual(descriptor, {
    value: { polluted: true },
    writable: true,
    enumerable: true,
    configurable: true,
  });
  assert.equal((out as { polluted?: unknown }).polluted, undefined);
  assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  assert.deepStrictEqual(out, structuredClone(value));
});

Deno.test("readPlain turns a null-prototype object into a plain object, as structured clone does", () => {
  const value = Object.assign(Object.create(null), { a: 1, b: { c: "d" } });
  const out = roundTrip(value);
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepStrictEqual(out, structuredClone(value));
  assert.deepStrictEqual(out, { a: 1, b: { c: "d" } });
});

Deno.test("writePlain and readPlain round trip every typed array kind", () => {
  const values = [
    new Int8Array([-128, -1, 0, 1, 127]),
    new Uint8Array([0, 1, 128, 255]),
    new Uint8ClampedArray([0, 7, 255]),
    new Int16Array([-32768, -1, 0, 32767]),
    new Uint16Array([0, 1, 65535]),
    new Int32Array([-(2 ** 31), -1, 0, 2 ** 31 - 1]),
    new Uint32Array([0, 1, 2 ** 32 - 1]),
    new Float32Array([0, -0, 1.5, NaN, Infinity, -Infinity]),
    new Float64Array([0, -0, Math.PI, NaN, Infinity, -Number.MAX_VALUE]),
    new BigInt64Array([-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n]),
    new BigUint64Array([0n, 1n, 2n ** 64n - 1n]),
    new Uint8Array(0),
    new Float64Array(0),
  ];
  for (const value of values) {
    const out = roundTrip(value) as ArrayBufferView;
    assert.equal(out.constructor, value.constructor);
    assert.deepStrictEqual(out, value, describe(value));
    assert.deepStrictEqual(out, structuredClone(value));
    // A reply must not keep the shared window alive or see it change.
    assert.ok(out.buffer instanceof ArrayBuffer);
    assert.equal(out.byteOffset, 0);
    assert.equal(out.buffer.byteLength, value.byteLength);
  }
});

Deno.test("readPlain copies only a subarray's own bytes into a buffer of its own", () => {
  const whole = new Uint16Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const view = whole.subarray(3, 6);
  assert.equal(view.byteOffset, 6);
  const out = roundTrip(view) as Uint16Array;
  assert.ok(out instanceof Uint16Array);
  assert.deepStrictEqual([...out], [4, 5, 6]);
  assert.deepStrictEqual(out, structuredClone(view));
  assert.equal(out.byteOffset, 0);
  assert.equal(out.buffer.byteLength, 6);
  assert.ok(out.buffer instanceof ArrayBuffer, "not shared memory");
  assert.ok(!(out.buffer instanceof SharedArrayBuffer));
  // The window written into is reused: the copy must not change with it.
  const c = cursor(64);
  assert.ok(writePlain(c, view));
  c.at = 0;
  const copy = readPlain(c) as Uint16Array;
  c.bytes.fill(0xff);
  assert.deepStrictEqual([...copy], [4, 5, 6]);

  // A view of shared memory is plain data too; it comes back unshared.
  const shared = new Int32Array(new SharedArrayBuffer(32)).subarray(2, 5);
  shared.set([-1, 2, -3]);
  const fromShared = roundTrip(shared) as Int32Array;
  assert.deepStrictEqual([...fromShared], [-1, 2, -3]);
  assert.ok(fromShared.buffer instanceof ArrayBuffer);
  assert.equal(fromShared.buffer.byteLength, 12);
});

Deno.test("readPlain reads values written one after another on one cursor", () => {
  const values = [1, "two", [3n], { four: 4 }, new Int8Array([5]), undefined, "𝄞"];
  const c = cursor(1024);
  for (const value of values) assert.ok(writePlain(c, value));
  const end = c.at;
  c.at = 0;
  for (const value of values) assert.deepStrictEqual(readPlain(c), value);
  assert.equal(c.at, end);
});

Deno.test("writePlain accepts nesting up to MAX_DEPTH and refuses deeper (and cycles)", () => {
  const nestArrays = (levels: number): unknown => {
    let value: unknown = 0;
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  };
  const nestObjects = (levels: number): unknown => {
    let value: unknown = "leaf";
    for (let i = 0; i < levels; i++) value = { inner: value };
    return value;
  };
  for (const nest of [nestArrays, nestObjects]) {
    const deepest = nest(MAX_DEPTH);
    assert.deepStrictEqual(roundTrip(deepest), deepest);
    assert.equal(writePlain(cursor(4096), nest(MAX_DEPTH + 1)), false);
  }
  // Typed arrays count as a level too.
  let typed: unknown = new Uint8Array([1]);
  for (let i = 0; i < MAX_DEPTH - 1; i++) typed = [typed];
  assert.deepStrictEqual(roundTrip(typed), typed);
  assert.equal(writePlain(cursor(4096), [typed]), false);

  const cycle: unknown[] = [1];
  cycle.push(cycle);
  assert.equal(writePlain(cursor(4096), cycle), false);
  const objectCycle: Record<string, unknown> = {};
  objectCycle.self = objectCycle;
  assert.equal(writePlain(cursor(4096), objectCycle), false);
});

Deno.test("writePlain refuses what is not plain data, at the top or nested", () => {
  class Point {
    constructor(readonly x: number) {}
  }
  class Bytes extends Uint8Array {}
  const holey = [1, , 3];
  const sparse: unknown[] = [];
  sparse[2] = "x";
  const symbolKey = { a: 1, [Symbol("k")]: 2 };
  const getter = {
    a: 1,
    get b(): number {
      return 2;
    },
  };
  const refused: [string, unknown][] = [
    ["a Map", new Map([[1, 2]])],
    ["a Set", new Set([1])],
    ["a Date", new Date(0)],
    ["a RegExp", /x/],
    ["an Error", new Error("x")],
    ["a class instance", new Point(1)],
    ["a typed array subclass", new Bytes(2)],
    ["a DataView", new DataView(new ArrayBuffer(4))],
    ["an ArrayBuffer", new ArrayBuffer(4)],
    ["a holey array", holey],
    ["a sparse array", sparse],
    ["a string with a lone high surrogate", "a\ud800b"],
    ["a string with a lone low surrogate", "\udc00"],
    ["a long string with a lone surrogate", "x".repeat(40) + "\ud83d"],
    ["a symbol", Symbol("s")],
    ["a function", () => 1],
    ["an object with a symbol key", symbolKey],
    ["an object with a getter", getter],
    ["a bigint below int64", -(2n ** 63n) - 1n],
    ["a bigint above uint64", 2n ** 64n],
  ];
  for (const [what, value] of refused) {
    assert.equal(writePlain(cursor(4096), value), false, what);
    assert.equal(writePlain(cursor(4096), [1, value]), false, `${what} in an array`);
    assert.equal(writePlain(cursor(4096), { ok: 1, bad: value }), false, `${what} in an object`);
  }
  // A key with a lone surrogate cannot be written either.
  assert.equal(writePlain(cursor(4096), { ["k\udfff"]: 1 }), false);
});

Deno.test("writePlain fits a value exactly at the cursor's end and refuses it one byte short", () => {
  const values = [
    undefined,
    true,
    7,
    -0,
    2.5,
    -(2n ** 63n),
    2n ** 64n - 1n,
    "",
    "ascii",
    "a".repeat(40),
    "héllo ✓ 𝄞",
    "x".repeat(40) + "𝄞", // the last character is the one that does not fit
    [1, "b", null],
    { key: "value", list: [1n] },
    new Uint8Array([1, 2, 3]),
    new Float64Array([1, 2]),
  ];
  for (const value of values) {
    const size = sizeOf(value);
    const exact = plainCursor(new SharedArrayBuffer(size + 8), 8, size);
    assert.equal(writePlain(exact, value), true, `${describe(value)} fits in ${size} bytes`);
    assert.equal(exact.at, size);
    exact.at = 0;
    assert.deepStrictEqual(readPlain(exact), value);

    const short = plainCursor(new SharedArrayBuffer(size + 8), 8, size - 1);
    assert.equal(writePlain(short, value), false, `${describe(value)} in ${size - 1} bytes`);

    // `end` short of the window's length binds the same way.
    const bounded = cursor(size + 64);
    bounded.end = size - 1;
    assert.equal(writePlain(bounded, value), false, `${describe(value)} before end`);
    bounded.at = 3;
    bounded.end = size + 3;
    assert.equal(writePlain(bounded, value), true, `${describe(value)} from an offset`);
    assert.equal(bounded.at, size + 3);
  }
});

Deno.test("readPlain names an unknown tag", () => {
  const c = cursor(8);
  c.bytes[0] = 250;
  assert.throws(() => readPlain(c), (error: Error) => {
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /unknown tag 250 at 0/);
    return true;
  });
});

// TextDecoder drops a leading byte-order mark unless told not to.
Deno.test("writePlain and readPlain keep a leading U+FEFF", () => {
  checkRoundTrip("\ufeffx");
  checkRoundTrip("\ufeff" + "long".repeat(20));
  checkRoundTrip({ "\ufeffkey": 1 });
});
