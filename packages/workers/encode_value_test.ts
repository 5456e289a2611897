import assert from "node:assert/strict";
import { encodeValue, placeAt } from "./encode_value.ts";

class Handle {
  constructor(readonly id: number) {}
}
const handleOf = (v: object) => v instanceof Handle ? v.id : undefined;

Deno.test("encodeValue names where a value that cannot be cloned sits", () => {
  const cases: [unknown, RegExp][] = [
    [[1, { onData: () => {} }], /args\[1\]\.onData: function is not structured-clonable/],
    [[function named() {}], /args\[0\]: function is not/],
    [[{ "a-b": [0, Symbol("x")] }], /args\[0\]\["a-b"\]\[1\]: symbol/],
    [[new Map([["k", () => {}]])], /args\[0\]\.<map value 0>: function/],
    [[new Set([1, Symbol()])], /args\[0\]\.<set item 1>: symbol/],
    [[new (class Point {})()], /args\[0\]: Point object \(a class instance loses its class/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => encodeValue(value, "args", { handleOf }), (error: Error) => {
      assert.ok(error instanceof TypeError);
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("encodeValue accepts what structured clone copies faithfully", () => {
  const value = [
    1,
    "s",
    10n,
    null,
    undefined,
    { a: [1, 2], b: { c: true } },
    new Uint8Array(4),
    new ArrayBuffer(2),
    new Map([[1, { x: 1 }]]),
    new Set([1]),
    new Date(0),
    /re/,
    new RangeError("e"),
    Object.create(null),
  ];
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  value.push(cyclic);
  const encoded = encodeValue(value, "args", { handleOf });
  assert.equal(encoded.value, value, "nothing to take out: the same value");
  assert.deepEqual(encoded.handles, []);
  assert.deepEqual(encoded.transfer, []);
  structuredClone(encoded.value); // and structured clone agrees
});

Deno.test("encodeValue takes handles out without touching the caller's value", () => {
  const h1 = new Handle(1);
  const h2 = new Handle(2);
  const args = [h1, { inner: [0, h2] }, "x"];
  const encoded = encodeValue(args, "args", { handleOf });
  assert.deepEqual(encoded.value, [null, { inner: [0, null] }, "x"]);
  assert.deepEqual(encoded.handles, [[[0], 1], [[1, "inner", 1], 2]]);
  assert.equal(args[0], h1, "the caller's array is unchanged");
  assert.equal((args[1] as { inner: unknown[] }).inner[1], h2);
  // placeAt puts them back.
  let value: unknown = encoded.value;
  for (const [path, id] of encoded.handles) value = placeAt(value, path, `handle ${id}`);
  assert.deepEqual(value, ["handle 1", { inner: [0, "handle 2"] }, "x"]);
  assert.equal(placeAt(null, [], "root"), "root");
  assert.throws(
    () => encodeValue([new Map([[1, h1]])], "args", { handleOf }),
    /resource handle inside a Map/,
  );
});

Deno.test("encodeValue collects buffers to transfer, each once", () => {
  const buffer = new ArrayBuffer(8);
  const encoded = encodeValue(
    [new Uint8Array(buffer), new Uint16Array(buffer), { b: buffer }, new ArrayBuffer(1)],
    "args",
    { handleOf, transfer: true },
  );
  assert.equal(encoded.transfer.length, 2);
  assert.ok(encoded.transfer.includes(buffer));
  assert.deepEqual(encodeValue([buffer], "args", { handleOf }).transfer, []);
});

Deno.test("encodeValue can skip the clone check for values that stay in this thread", () => {
  const fn = () => {};
  const encoded = encodeValue({ fn, h: new Handle(3) }, "result", { handleOf, check: false });
  assert.deepEqual(encoded.value, { fn, h: null });
  assert.deepEqual(encoded.handles, [[["h"], 3]]);
});
