import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { measureInterleaved, median } from "./measure.ts";

Deno.test("median() takes the middle value, or the mean of the middle two", () => {
  strictEqual(median([5, 1, 3]), 3);
  strictEqual(median([4, 1, 3, 2]), 2.5);
  ok(Number.isNaN(median([])));
});

Deno.test("measureInterleaved() times every path and ranks slower work higher", async () => {
  let calls = 0;
  const cheap = () => calls++;
  const costly = () => {
    let x = 0;
    for (let i = 0; i < 2000; i++) x += Math.sqrt(i);
    return x;
  };
  const async = () => Promise.resolve(1);
  const r = await measureInterleaved({ cheap, costly, async }, { rounds: 3, batchMs: 2 });
  deepStrictEqual(Object.keys(r), ["cheap", "costly", "async"]);
  ok(r.cheap! > 0 && r.costly! > r.cheap!, `costly ${r.costly} should exceed cheap ${r.cheap}`);
  ok(r.async! > 0);
  ok(calls > 0);
});

Deno.test("measureInterleaved() divides by the operations per call", async () => {
  const work = () => {
    let x = 0;
    for (let i = 0; i < 1000; i++) x += i;
    return x;
  };
  const one = await measureInterleaved({ work }, { rounds: 3, batchMs: 2 });
  const hundred = await measureInterleaved({ work }, { rounds: 3, batchMs: 2, opsPerCall: 100 });
  ok(hundred.work! < one.work! / 10, `${hundred.work} vs ${one.work}`);
});
