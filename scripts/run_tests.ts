/**
 * The project's test command (`deno task test`): the unit and integration
 * tests, then the conformance suites when `../shared/conformance` exists,
 * ending with one line of its own, `N passed, N failed, N skipped`.
 *
 * Conformance assertions listed in `scripts/conformance/expected_failures.json`
 * are known failures: they are reported on their own line and do not fail the
 * run; any other failing assertion does.
 *
 * @module
 */
const root = new URL("../", import.meta.url);
const junitPath = new URL(".cache/junit.xml", root);
await Deno.mkdir(new URL(".cache/", root), { recursive: true });

const extra = Deno.args;
const unit = await new Deno.Command(Deno.execPath(), {
  args: ["test", "-A", "--parallel", `--junit-path=${junitPath.pathname}`, ...extra],
  cwd: root,
  env: { NO_COLOR: "1" },
  stdout: "inherit",
  stderr: "inherit",
}).output();

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const xml = await Deno.readTextFile(junitPath);
  // One <testcase> per test and step; a failed one holds <failure>, an ignored one <skipped/>.
  for (const match of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = match[2] ?? "";
    if (body.includes("<failure")) failed++;
    else if (body.includes("<skipped")) skipped++;
    else passed++;
  }
} catch (error) {
  console.error(`Cannot read the test report ${junitPath.pathname}: ${(error as Error).message}`);
  failed++;
}
if (!unit.success && failed === 0) failed++; // a crash before any test ran

let conformanceOk = true;
if (extra.length === 0) {
  const { runConformance } = await import("./conformance/run.ts");
  const result = await runConformance({ quiet: true });
  passed += result.passed;
  skipped += result.skipped;
  failed += result.unexpected;
  conformanceOk = result.unexpected === 0;
  console.log(
    `conformance: ${result.passed} passed, ${result.expectedFailures} known failures ` +
      `(expected_failures.json), ${result.unexpected} unexpected, ${result.skipped} skipped`,
  );
}

console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
Deno.exit(unit.success && conformanceOk && failed === 0 ? 0 : 1);
