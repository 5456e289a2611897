import { deepStrictEqual, match, ok, throws } from "node:assert/strict";
import { formatTable, parseArgs } from "./compare.ts";

Deno.test("parseArgs() reads --json, repeated --group and --case, and numbers", () => {
  deepStrictEqual(
    parseArgs([
      "--json",
      "out.json",
      "--group",
      "calls",
      "--case",
      "a",
      "--case",
      "b",
      "--rounds",
      "3",
    ]),
    { json: "out.json", groups: ["calls"], cases: ["a", "b"], rounds: 3 },
  );
  deepStrictEqual(parseArgs([]), { groups: [], cases: [] });
});

Deno.test("parseArgs() rejects unknown flags, missing values and bad numbers", () => {
  throws(() => parseArgs(["--nope"]), /Cannot parse argument --nope/);
  throws(() => parseArgs(["--json"]), /a value is missing/);
  throws(() => parseArgs(["--rounds", "0"]), RangeError);
});

Deno.test("formatTable() prints ns/op and both ratios, with a dash for a missing path", () => {
  const table = formatTable([
    { name: "u32-add", floor_ns: 5, weft_ns: 10, jco_ns: 2000, jco191_ns: null },
    { name: "compile-large", floor_ns: 8e6, weft_ns: 9e6, jco_ns: null, jco191_ns: null },
  ]);
  const lines = table.split("\n");
  ok(lines[0]!.includes("weft/jco") && lines[0]!.includes("weft/floor"));
  ok(!lines[0]!.includes("1.9.1"), "no jco 1.9.1 column without numbers");
  match(lines[2]!, /u32-add .*\| +5\.0 \| +10\.0 \| +2000 \| +0\.005 \| +2\.00 \|/);
  match(lines[3]!, /compile-large .*8\.00 ms \| +9\.00 ms \| +— \| +— \| +1\.13 \|/);
});
