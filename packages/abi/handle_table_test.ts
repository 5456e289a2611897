import assert from "node:assert/strict";
import { Trap } from "./errors.ts";
import { HandleTable } from "./handle_table.ts";

Deno.test("HandleTable never hands out index 0", () => {
  const table = new HandleTable<string>();
  assert.equal(table.add("a"), 1);
  assert.equal(table.add("b"), 2);
  assert.throws(() => table.get(0), Trap);
  assert.equal(table.size, 2);
});

Deno.test("HandleTable reuses freed slots", () => {
  const table = new HandleTable<string>();
  table.add("a");
  table.add("b");
  assert.equal(table.remove(1), "a");
  assert.equal(table.add("c"), 1);
  assert.deepEqual([...table], ["c", "b"]);
});

Deno.test("HandleTable traps on unknown and removed indices", () => {
  const table = new HandleTable<string>();
  const i = table.add("a");
  table.remove(i);
  assert.throws(() => table.get(i), { name: "Trap", message: `unknown handle index ${i}` });
  assert.throws(() => table.remove(i), Trap);
  assert.throws(() => table.get(99), Trap);
  assert.equal(HandleTable.MAX_LENGTH, 2 ** 28 - 1);
});
