/**
 * End-to-end tests of the runner on small suites written to a temporary
 * folder, run in workers against the real `@weft/runtime`.
 */
import assert from "node:assert/strict";
import { loadExpectations, saveExpectations } from "./expectations.ts";
import { type ConformanceOptions, type ConformanceResult, runConformance } from "./run.ts";

const ADDER = `(component
  (core module $m
    (func (export "add") (param i32 i32) (result i32)
      (i32.add (local.get 0) (local.get 1)))
    (func (export "spin") (loop $l (br $l))))
  (core instance $i (instantiate $m))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $i "add")))
  (func (export "spin") (canon lift (core func $i "spin"))))
`;

const FILES: Record<string, string> = {
  "component-model/values/add.wast": `${ADDER}
(assert_return (invoke "add" (u32.const 1) (u32.const 2)) (u32.const 3))
(assert_return (invoke "add" (u32.const 1) (u32.const 2)) (u32.const 4))
(assert_malformed (component binary "\\00asm" "\\0e\\00\\01\\00") "unknown binary version")
`,
  "component-model/async/later.wast": `;;! component_model_threading = true
(component)
(assert_return (invoke "f"))
`,
  "wasmtime/component-model/host.wast": `(component
  (import "host" (instance $h (export "return-three" (func (result u32)))))
  (core func $three (canon lower (func $h "return-three")))
  (core module $m
    (import "" "three" (func $three (result i32)))
    (func (export "run") (result i32) (i32.add (call $three) (i32.const 1))))
  (core instance $i (instantiate $m (with "" (instance (export "three" (func $three))))))
  (func (export "run") (result u32) (canon lift (core func $i "run"))))
(assert_return (invoke "run") (u32.const 4))
`,
};

const HANG: Record<string, string> = {
  "wasmtime/component-model/hang.wast": `${ADDER}
(invoke "spin")
(assert_return (invoke "add" (u32.const 1) (u32.const 1)) (u32.const 2))
`,
  "wasmtime/component-model/z-after.wast": `${ADDER}
(assert_return (invoke "add" (u32.const 1) (u32.const 1)) (u32.const 2))
`,
};

async function withSuite(
  files: Record<string, string>,
  fn: (
    dir: string,
    run: (o?: ConformanceOptions) => Promise<[ConformanceResult, string[]]>,
  ) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    for (const [path, text] of Object.entries(files)) {
      const file = `${dir}/suites/${path}`;
      await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(file, text);
    }
    await fn(dir, async (o = {}) => {
      const lines: string[] = [];
      const result = await runConformance({
        root: `${dir}/suites`,
        expectationsPath: `${dir}/expected.json`,
        // Generous: the machine may be busy, and only the hang test waits it out.
        timeoutMs: 5_000,
        jobs: 1,
        log: (line) => lines.push(line),
        ...o,
      });
      return [result, lines];
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("runConformance() runs, skips, and compares with the list", async () => {
  await withSuite(FILES, async (dir, run) => {
    const [first, lines] = await run({ json: `${dir}/out.json` });
    assert.deepEqual(lines.slice(0, 4), [
      "component-model/async: 0 passed, 0 failed, 2 skipped",
      "component-model/values: 3 passed, 1 failed, 0 skipped",
      "wasmtime/component-model: 2 passed, 0 failed, 0 skipped",
      "total: 5 passed, 1 failed, 2 skipped",
    ]);
    assert.equal(first.unexpected, 1);
    assert.deepEqual(first.report.regressions, ["component-model/values/add.wast:12"]);
    assert.ok(lines.some((l) => l.startsWith("REGRESSION component-model/values/add.wast:12")));

    const json = JSON.parse(await Deno.readTextFile(`${dir}/out.json`));
    assert.deepEqual(json.files[0], {
      suite: "component-model",
      path: "async/later.wast",
      passed: 0,
      failed: 0,
      skipped: 2,
      reason: "needs component-model threading (shared-everything threads)",
    });

    // --update writes the failures; the next run is clean.
    const [updated] = await run({ update: true, quiet: true });
    assert.equal(updated.unexpected, 0);
    const list = await loadExpectations(`${dir}/expected.json`);
    assert.deepEqual(Object.keys(list), first.report.regressions);
    assert.match(list["component-model/values/add.wast:12"]!, /expected 4, got 3/);
    const [clean] = await run({ quiet: true });
    assert.equal(clean.unexpected, 0);
    assert.equal(clean.expectedFailures, 1);

    // A listed assertion that passes fails the run until the list shrinks.
    await saveExpectations(`${dir}/expected.json`, {
      ...list,
      "component-model/values/add.wast:11": "was failing",
    });
    const [stale, staleLines] = await run({ quiet: true });
    assert.equal(stale.unexpected, 1);
    assert.deepEqual(stale.report.nowPassing, ["component-model/values/add.wast:11"]);
    assert.ok(
      staleLines.some((l) => l.includes("now passing, run with --update to shrink the list")),
    );

    // A filtered run judges only its own scripts.
    const [filtered, filteredLines] = await run({ filter: "host.wast" });
    assert.equal(filtered.unexpected, 0);
    assert.deepEqual(filteredLines, [
      "wasmtime/component-model: 2 passed, 0 failed, 0 skipped",
      "total: 2 passed, 0 failed, 0 skipped",
    ]);
  });
});

Deno.test("runConformance() stops a spinning guest and goes on with the next script", async () => {
  await withSuite(HANG, async (_dir, run) => {
    const [result] = await run({ timeoutMs: 1_500 });
    const hang = result.files.find((f) => f.path === "component-model/hang.wast")!;
    assert.deepEqual(hang.assertions.map((a) => a.status), ["passed", "failed", "failed"]);
    assert.match(hang.assertions[1]!.message!, /timed out/);
    assert.match(hang.assertions[2]!.message!, /not run: the script was stopped/);
    const after = result.files.find((f) => f.path === "component-model/z-after.wast")!;
    assert.deepEqual(after.assertions.map((a) => a.status), ["passed", "passed"]);
  });
});

Deno.test("runConformance() reports a missing conformance folder and counts nothing", async () => {
  const lines: string[] = [];
  const result = await runConformance({
    root: "/nonexistent/conformance",
    log: (l) => lines.push(l),
  });
  assert.deepEqual(lines, ["conformance: ../shared/conformance not found, skipping"]);
  assert.equal(result.found, false);
  assert.equal(result.passed + result.failed + result.skipped + result.unexpected, 0);
});
