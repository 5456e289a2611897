import assert from "node:assert/strict";
import { CompileError } from "./errors.ts";
import { Reader } from "./reader.ts";

const reader = (...bytes: number[]): Reader => new Reader(Uint8Array.from(bytes));

function assertFails(fn: () => unknown, pattern: RegExp, offset?: number): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof CompileError);
    assert.match(error.message, pattern);
    if (offset !== undefined) assert.equal(error.offset, offset);
    return true;
  });
}

Deno.test("Reader.u32() decodes LEB128, including zero-padded 5-byte forms", () => {
  assert.equal(reader(0x00).u32("n"), 0);
  assert.equal(reader(0x7f).u32("n"), 127);
  assert.equal(reader(0x80, 0x01).u32("n"), 128);
  assert.equal(reader(0xe5, 0x8e, 0x26).u32("n"), 624485);
  assert.equal(reader(0xff, 0xff, 0xff, 0xff, 0x0f).u32("n"), 0xffffffff);
  assert.equal(reader(0x81, 0x80, 0x80, 0x80, 0x00).u32("n"), 1);
  const r = reader(0x80, 0x01, 0x05);
  r.u32("n");
  assert.equal(r.pos, 2);
});

Deno.test("Reader.u32() rejects too-long, too-large and truncated encodings", () => {
  assertFails(() => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x00).u32("n"), /longer than 5 bytes/, 0);
  assertFails(() => reader(0xff, 0xff, 0xff, 0xff, 0x1f).u32("n"), /too large for 32 bits/, 0);
  assertFails(() => reader(0x81, 0x80, 0x80, 0x80, 0x70).u32("n"), /too large for 32 bits/);
  assertFails(
    () => reader(0x80, 0x80).u32("a count"),
    /expected a count at byte 0x2, found the end of the input/,
    2,
  );
});

Deno.test("Reader.s33() decodes signed values and checks the sign-extension bits", () => {
  assert.equal(reader(0x7f).s33("t"), -1);
  assert.equal(reader(0x40).s33("t"), -64);
  assert.equal(reader(0x3f).s33("t"), 63);
  assert.equal(reader(0xc0, 0x00).s33("t"), 64);
  assert.equal(reader(0xff, 0xff, 0xff, 0xff, 0x0f).s33("t"), 2 ** 32 - 1);
  assert.equal(reader(0x80, 0x80, 0x80, 0x80, 0x70).s33("t"), -(2 ** 32));
  assertFails(() => reader(0xff, 0xff, 0xff, 0xff, 0x1f).s33("t"), /too large for 33 bits/);
  assertFails(() => reader(0x80, 0x80, 0x80, 0x80, 0x60).s33("t"), /too large for 33 bits/);
  assertFails(() => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x00).s33("t"), /longer than 5 bytes/);
});

Deno.test("Reader.u64() decodes up to 64 bits", () => {
  assert.equal(
    reader(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).u64("n"),
    2n ** 64n - 1n,
  );
  assertFails(
    () => reader(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02).u64("n"),
    /too large/,
  );
});

Deno.test("Reader.name() validates UTF-8 and the length", () => {
  assert.equal(reader(0x03, 0x61, 0xc3, 0xa9).name("a name"), "aé");
  assertFails(() => reader(0x02, 0xc3, 0x28).name("a name"), /found malformed UTF-8 encoding/, 1);
  assertFails(
    () => reader(0x05, 0x61).name("a name"),
    /a name of 5 bytes at byte 0x0, found only 1 byte left/,
    0,
  );
});

Deno.test("Reader.vec() refuses a count larger than the bytes left before reading elements", () => {
  let calls = 0;
  assertFails(
    () =>
      reader(0xff, 0xff, 0xff, 0xff, 0x0f, 0x00).vec("things", () => {
        calls++;
      }),
    /expected 4294967295 things at byte 0x0, found only 1 byte left/,
  );
  assert.equal(calls, 0);
  assert.deepEqual(reader(0x02, 0x05, 0x06).vec("things", (r) => r.byte("b")), [5, 6]);
});

Deno.test("Reader.sized() bounds a sub-reader and expectEnd() checks it was used up", () => {
  const r = reader(0x02, 0x07, 0x08, 0x09);
  const sub = r.sized("a section");
  assert.equal(r.pos, 3);
  assert.equal(sub.byte("b"), 7);
  assertFails(
    () => sub.expectEnd("a section"),
    /end of a section at byte 0x2, found 1 unread bytes/,
  );
  sub.byte("b");
  assertFails(() => sub.byte("a byte"), /found the end of the section/);
  assertFails(() => reader(0x05, 0x00).sized("a section"), /a section of 5 bytes/);
});

Deno.test("Reader.flag() accepts only 0x00 and 0x01", () => {
  assert.equal(reader(0x00).flag("f"), false);
  assert.equal(reader(0x01).flag("f"), true);
  assertFails(
    () => reader(0x02).flag("the async flag"),
    /async flag \(0x00 or 0x01\) at byte 0x0, found 0x02/,
  );
});
