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
