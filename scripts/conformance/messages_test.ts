import assert from "node:assert/strict";
import { MESSAGE_TABLE, messageMatches, wordingsOf } from "./messages.ts";

Deno.test("messageMatches() compares as substrings, ignoring Wasmtime's trap prefix", () => {
  assert.ok(messageMatches("Trap: unreachable", "unreachable"));
  assert.ok(messageMatches("Trap: unreachable", "wasm trap: unreachable"));
  assert.ok(messageMatches("anything", ""));
  assert.ok(!messageMatches("Trap: unreachable", "out of bounds"));
});

Deno.test("messageMatches() maps Weft's wording through the table", () => {
  assert.ok(
    messageMatches("Trap: list pointer 2 is not aligned to 4", "wasm trap: unaligned pointer"),
  );
  assert.ok(
    messageMatches("Trap: string pointer 1 is not aligned to 2", "string pointer not aligned to 2"),
  );
  assert.ok(
    !messageMatches(
      "Trap: string pointer 1 is not aligned to 2",
      "string pointer not aligned to 4",
    ),
  );
  assert.ok(
    messageMatches(
      "Trap: invalid discriminant 2 for variant { a, b }",
      "discriminant 2 out of range [0..2)",
    ),
  );
  assert.ok(
    messageMatches("Trap: invalid discriminant 3 for enum { x }", "invalid variant discriminant"),
  );
  assert.ok(messageMatches("RuntimeError: unreachable", "wasm `unreachable` instruction executed"));
  assert.ok(
    messageMatches(
      "InstancePoisonedError: Cannot call the instance: it trapped before",
      "cannot enter component instance",
    ),
  );
  assert.ok(
    messageMatches(
      `InstancePoisonedError: Cannot call "f": the instance trapped before (unreachable)`,
      "cannot enter component instance",
    ),
  );
});

Deno.test("the table does not map a message to an unrelated wording", () => {
  // Realloc results and truncated UTF-8 need Weft to say so itself.
  assert.ok(
    !messageMatches(
      "Trap: list out of bounds: pointer 4 + length 8 exceeds memory size 0",
      "realloc return: beyond end of memory",
    ),
  );
  assert.ok(
    !messageMatches("Trap: invalid utf-8 string in memory", "incomplete utf-8 byte sequence"),
  );
  assert.deepEqual(wordingsOf("no mapping here"), ["no mapping here"]);
  assert.deepEqual(wordingsOf("Trap: unreachable code in foo"), ["Trap: unreachable code in foo"]);
});

Deno.test("every table entry maps to a non-empty wording", () => {
  for (const { wasmtime } of MESSAGE_TABLE) {
    if (typeof wasmtime === "string") assert.ok(wasmtime.length > 0);
  }
});

Deno.test("async messages map by what went wrong: a future's value copied vs. its other end dropped", () => {
  const written = "Trap: cannot write to a future after its value was written";
  const writerDropped = "Trap: cannot write to a future whose other end was dropped";
  assert.ok(messageMatches(written, "cannot write to future after previous write succeeded"));
  assert.ok(!messageMatches(written, "cannot write after being notified that the readable end"));
  assert.ok(messageMatches(writerDropped, "cannot write after being notified that the readable"));
  assert.ok(
    messageMatches(writerDropped, "write to future after previous write succeeded or readable end"),
  );
  assert.ok(
    messageMatches(
      "Trap: cannot read from a future after its value was read",
      "cannot read from future after previous read succeeded",
    ),
  );
  assert.ok(
    messageMatches(
      "Trap: cannot pass handle index 1: the future's value was already read",
      "cannot lift future after previous read succeeded",
    ),
  );
  assert.ok(
    messageMatches(
      "Trap: cannot pass handle index 3: the stream's other end was dropped",
      "cannot lift stream after being notified that the writable end dropped",
    ),
  );
  assert.ok(
    !messageMatches(
      "Trap: cannot pass handle index 3: the stream's other end was dropped",
      "cannot lift future after previous read succeeded",
    ),
  );
});

Deno.test("async messages: busy ends, blocking in a sync task, deadlocks, limits", () => {
  assert.ok(
    messageMatches(
      "Trap: cannot drop a readable stream end while a copy is in progress",
      "cannot remove busy stream",
    ),
  );
  assert.ok(
    messageMatches(
      "Trap: cannot drop a writable stream end while a copy is in progress",
      "cannot drop busy stream",
    ),
  );
  assert.ok(
    !messageMatches(
      "Trap: cannot drop a writable stream end while a copy is in progress",
      "cannot remove busy stream",
    ),
  );
  assert.ok(
    messageMatches(
      "Trap: cannot block in a task whose function type is not async: waitable-set.wait would block",
      "wasm trap: cannot block a synchronous task before returning",
    ),
  );
  assert.ok(
    messageMatches(
      "Trap: deadlock: every task of the store waits and nothing can wake one",
      "deadlock detected: event loop cannot make further progress",
    ),
  );
  assert.ok(
    messageMatches(
      "Trap: buffer length 268435456 exceeds the maximum of 268435455",
      "stream read/write count too large",
    ),
  );
  assert.ok(
    messageMatches("Trap: backpressure counter underflow", "backpressure counter overflow"),
  );
  assert.ok(
    messageMatches(
      "Trap: cannot store the debug message at pointer 65532: string out of bounds",
      "invalid debug message pointer",
    ),
  );
});
