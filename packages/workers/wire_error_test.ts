import assert from "node:assert/strict";
import {
  CompileError,
  ComponentError,
  InstancePoisonedError,
  LinkError,
  Trap,
} from "@weft/runtime";
import { CancelledError, WorkerCrashedError } from "./errors.ts";
import { decodeError, encodeError, isWireError, registerErrorClass } from "./wire_error.ts";

/** Sends an error through structured clone, as a worker message would. */
function roundTrip(error: unknown): Error {
  return decodeError(structuredClone(encodeError(error)));
}

Deno.test("errors keep their class, message, stack, cause and payload across threads", () => {
  const trap = new Trap("unreachable");
  const poisoned = new InstancePoisonedError(undefined, { cause: trap });
  const back = roundTrip(poisoned);
  assert.ok(back instanceof InstancePoisonedError);
  assert.ok(back instanceof Error);
  assert.equal(back.name, "InstancePoisonedError");
  assert.equal(back.message, poisoned.message);
  assert.equal(back.stack, poisoned.stack);
  assert.ok(back.cause instanceof Trap);
  assert.equal((back.cause as Error).message, "unreachable");

  const componentError = roundTrip(new ComponentError({ code: 7, why: "bad" }));
  assert.ok(componentError instanceof ComponentError);
  assert.deepEqual(componentError.payload, { code: 7, why: "bad" });
  assert.equal(componentError.message, new ComponentError({ code: 7, why: "bad" }).message);

  const link = roundTrip(new LinkError("missing", { import: "a.b" }));
  assert.ok(link instanceof LinkError);
  assert.equal(link.import, "a.b");

  for (const cls of [TypeError, RangeError, SyntaxError, WorkerCrashedError, CancelledError]) {
    const error = roundTrip(new cls("m", { cause: 42 }));
    assert.ok(error instanceof cls, cls.name);
    assert.equal(error.cause, 42);
  }
  assert.ok(roundTrip(new CompileError("bad magic", { offset: 0 })) instanceof CompileError);
});

Deno.test("unusual errors still arrive as errors that say what they were", () => {
  const abort = roundTrip(new DOMException("stop", "AbortError"));
  assert.ok(abort instanceof DOMException);
  assert.equal(abort.name, "AbortError");

  class Custom extends Error {
    code = "E_CUSTOM";
    fn = () => {};
  }
  const unknown = roundTrip(new Custom("custom"));
  assert.ok(unknown instanceof Error);
  assert.equal(unknown.message, "custom");
  assert.equal((unknown as unknown as { code: string }).code, "E_CUSTOM");
  assert.equal(typeof (unknown as unknown as { fn: unknown }).fn, "string");
  registerErrorClass(Custom);
  assert.ok(roundTrip(new Custom("again")) instanceof Custom);

  const thrown = roundTrip("a string");
  assert.match(thrown.message, /non-error value was thrown: a string/);

  const cyclic: Error & { self?: unknown } = new Error("loop", { cause: undefined });
  cyclic.cause = cyclic;
  assert.equal(roundTrip(cyclic).message, "loop");

  assert.ok(isWireError(encodeError(new Error("x"))));
  assert.ok(!isWireError({ message: "x" }));
});
