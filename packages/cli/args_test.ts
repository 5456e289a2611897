import assert from "node:assert/strict";
import { flag, type OptionSpecs, parseArgs, UsageError, value, values } from "./args.ts";

const SPECS: OptionSpecs = {
  "dir": { type: "string", multiple: true },
  "port": { type: "string", short: "p" },
  "json": { type: "boolean" },
  "help": { type: "boolean", short: "h" },
  "isolate": { type: "optional" },
};

Deno.test("parseArgs reads flags, values in both spellings, repeats and operands", () => {
  const parsed = parseArgs(
    ["--dir", "a", "x.wasm", "--dir=b::/b", "-p", "80", "--json", "y"],
    SPECS,
  );
  assert.deepEqual(values(parsed, "dir"), ["a", "b::/b"]);
  assert.equal(value(parsed, "port"), "80");
  assert.equal(flag(parsed, "json"), true);
  assert.equal(flag(parsed, "help"), false);
  assert.deepEqual(parsed.operands, ["x.wasm", "y"]);
});

Deno.test("parseArgs stops at the first operand when asked: the rest belongs to the guest", () => {
  const parsed = parseArgs(["--json", "app.wasm", "--json", "-p", "1"], SPECS, {
    stopAtOperand: true,
  });
  assert.equal(flag(parsed, "json"), true);
  assert.equal(value(parsed, "port"), undefined);
  assert.deepEqual(parsed.operands, ["app.wasm", "--json", "-p", "1"]);
  assert.equal(parsed.terminated, false);
});

Deno.test("parseArgs treats `--` as the end of options", () => {
  const parsed = parseArgs(["--json", "--", "--help", "x"], SPECS);
  assert.equal(flag(parsed, "help"), false);
  assert.deepEqual(parsed.operands, ["--help", "x"]);
  assert.equal(parsed.terminated, true);
});

Deno.test("parseArgs: an optional value is only taken with `=`", () => {
  assert.equal(parseArgs(["--isolate"], SPECS).options["isolate"], true);
  assert.equal(parseArgs(["--isolate=instance"], SPECS).options["isolate"], "instance");
  assert.deepEqual(parseArgs(["--isolate", "x.wasm"], SPECS).operands, ["x.wasm"]);
});

Deno.test("parseArgs refuses unknown options, missing values and values given to flags", () => {
  assert.throws(() => parseArgs(["--nope"], SPECS), /Cannot use option "--nope"/);
  assert.throws(() => parseArgs(["-x"], SPECS), UsageError);
  assert.throws(() => parseArgs(["--port"], SPECS), /Cannot use "--port" without a value/);
  assert.throws(() => parseArgs(["--json=yes"], SPECS), /it is a flag/);
  // Inherited object keys are not options.
  assert.throws(() => parseArgs(["--toString"], SPECS), UsageError);
});
