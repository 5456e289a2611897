import assert from "node:assert/strict";
import {
  CompileError,
  ComponentError,
  InstancePoisonedError,
  LinkError,
  Trap,
} from "@weft/runtime";
import { ExitError } from "@weft/wasi";
import { UsageError } from "./args.ts";
import {
  backtrace,
  CliError,
  describeFailure,
  exitCodeOf,
  exitRequest,
  TRAP_EXIT_CODE,
  USAGE_EXIT_CODE,
} from "./failure.ts";

Deno.test("describeFailure: one line per kind of failure, naming the component", () => {
  const trap = new Trap("unreachable\n    at somewhere");
  assert.equal(describeFailure(trap, "app.wasm"), "app.wasm trapped: unreachable");
  assert.equal(
    describeFailure(new InstancePoisonedError(undefined, { cause: trap }), "app.wasm"),
    "app.wasm cannot be called: it trapped before: unreachable",
  );
  assert.equal(
    describeFailure(
      new LinkError('Cannot instantiate component: import "x:y/z" is missing'),
      "app.wasm",
    ),
    'Cannot link app.wasm: import "x:y/z" is missing',
  );
  assert.match(
    describeFailure(new CompileError("bad section at byte 0x10"), "app.wasm"),
    /^Cannot compile app\.wasm: bad section at byte 0x10$/,
  );
  assert.match(
    describeFailure(new ComponentError("oops"), "app.wasm"),
    /^app\.wasm returned an error/,
  );
  assert.equal(describeFailure("a string", "app.wasm"), "a string");
  assert.equal(describeFailure(new Error(""), "app.wasm"), "(no message)");
});

Deno.test("describeFailure names the innermost wasm function of a trap", () => {
  const engine = new Error("unreachable");
  engine.stack = "RuntimeError: unreachable\n    at boom (wasm://wasm/M-1:wasm-function[0]:0x54)";
  assert.equal(
    describeFailure(new Trap("unreachable", { cause: engine }), "a.wasm"),
    "a.wasm trapped: unreachable (in boom)",
  );
});

Deno.test("exitCodeOf: the guest's exit, usage 2, traps as Wasmtime, others 1", () => {
  const exit = new Trap("host function threw", { cause: new ExitError(7) });
  assert.equal(exitRequest(exit)?.code, 7);
  assert.equal(exitCodeOf(exit), 7);
  assert.equal(exitCodeOf(new UsageError("x")), USAGE_EXIT_CODE);
  assert.equal(exitCodeOf(new CliError("x", { exitCode: 5 })), 5);
  assert.equal(exitCodeOf(new Trap("x")), TRAP_EXIT_CODE);
  assert.equal(TRAP_EXIT_CODE, Deno.build.os === "windows" ? 3 : 134);
  assert.equal(exitCodeOf(new LinkError("x")), 1);
  assert.equal(exitCodeOf(new Error("x")), 1);
});

Deno.test("backtrace lists the error and every cause", () => {
  const text = backtrace(new Error("outer", { cause: new TypeError("inner") }));
  assert.match(text, /^Error: outer\n/);
  assert.match(text, /\ncaused by: TypeError: inner\n/);
});
