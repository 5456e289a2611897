import assert from "node:assert/strict";
import {
  compareWithExpectations,
  defaultReason,
  type KeyedOutcome,
  loadExpectations,
  saveExpectations,
  scriptOfKey,
  updateExpectations,
} from "./expectations.ts";

const outcomes: KeyedOutcome[] = [
  { key: "s/a.wast:1", status: "passed" },
  { key: "s/a.wast:5", status: "failed", message: "boom\nmore" },
  { key: "s/a.wast:9", status: "failed", message: "new failure" },
  { key: "s/a.wast:12", status: "skipped" },
];
const ran = new Set(["s/a.wast"]);

Deno.test("compareWithExpectations() sorts failures into expected and regressions", () => {
  const report = compareWithExpectations(outcomes, {
    "s/a.wast:5": "known",
    "s/a.wast:1": "was failing",
    "s/a.wast:3": "line moved",
    "s/a.wast:12": "skipped now",
    "s/other.wast:1": "not run",
  }, { ran });
  assert.deepEqual(report.expected, ["s/a.wast:5"]);
  assert.deepEqual(report.regressions, ["s/a.wast:9"]);
  assert.deepEqual(report.nowPassing, ["s/a.wast:1"]);
  assert.deepEqual(report.stale, ["s/a.wast:3"]);
  assert.deepEqual(report.skipped, ["s/a.wast:12"]);
});

Deno.test("updateExpectations() keeps reasons, adds new failures, keeps scripts not run", () => {
  const next = updateExpectations(outcomes, {
    "s/a.wast:5": "a human's reason",
    "s/a.wast:1": "was failing",
    "s/other.wast:1": "not run",
  }, { ran });
  assert.deepEqual(next, {
    "s/a.wast:5": "a human's reason",
    "s/a.wast:9": "new failure",
    "s/other.wast:1": "not run",
  });
  assert.deepEqual(Object.keys(next), ["s/a.wast:5", "s/a.wast:9", "s/other.wast:1"]);
});

Deno.test("updateExpectations() orders keys by line number", () => {
  const next = updateExpectations(
    [
      { key: "s/a.wast:100", status: "failed" },
      { key: "s/a.wast:20", status: "failed" },
      { key: "s/a.wast:20#2", status: "failed" },
    ],
    {},
    { ran },
  );
  assert.deepEqual(Object.keys(next), ["s/a.wast:20", "s/a.wast:20#2", "s/a.wast:100"]);
});

Deno.test("defaultReason() and scriptOfKey()", () => {
  assert.equal(defaultReason("  first line \nsecond"), "first line");
  assert.equal(defaultReason("x".repeat(300)).length, 200);
  assert.equal(
    scriptOfKey("wasmtime/component-model/a.wast:12"),
    "wasmtime/component-model/a.wast",
  );
});

Deno.test("loadExpectations() and saveExpectations() round-trip; a missing file is empty", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/expected.json`;
    assert.deepEqual(await loadExpectations(path), {});
    await saveExpectations(path, { "s/a.wast:1": "r" });
    assert.deepEqual(await loadExpectations(path), { "s/a.wast:1": "r" });
    await Deno.writeTextFile(path, `{"k": 1}`);
    await assert.rejects(loadExpectations(path), SyntaxError);
    await Deno.writeTextFile(path, `[]`);
    await assert.rejects(loadExpectations(path), SyntaxError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
