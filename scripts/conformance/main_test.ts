import assert from "node:assert/strict";
import { parseArgs } from "./main.ts";

Deno.test("parseArgs() reads every option", () => {
  assert.deepEqual(
    parseArgs([
      "--filter",
      "values/",
      "--verbose",
      "--json",
      "out.json",
      "--update",
      "--jobs",
      "1",
      "--timeout",
      "500",
      "--strict-messages",
      "--quiet",
    ]),
    {
      filter: "values/",
      verbose: true,
      json: "out.json",
      update: true,
      jobs: 1,
      timeoutMs: 500,
      strictMessages: true,
      quiet: true,
    },
  );
  assert.deepEqual(parseArgs([]), {});
});

Deno.test("parseArgs() rejects unknown options and bad values", () => {
  assert.throws(() => parseArgs(["--frobnicate"]), /unknown option/);
  assert.throws(() => parseArgs(["--filter"]), /needs a value/);
  assert.throws(() => parseArgs(["--jobs", "0"]), /positive integer/);
  assert.throws(() => parseArgs(["--timeout", "abc"]), /positive integer/);
  assert.throws(() => parseArgs(["--no-skip", "--update"]), /Cannot combine/);
  assert.deepEqual(parseArgs(["--no-skip"]), { noSkip: true });
});
