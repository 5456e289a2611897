import assert from "node:assert/strict";
import {
  ErrorContext,
  errorContextDebugMessage,
  errorContextDrop,
  errorContextNew,
  liftErrorContext,
  lowerErrorContext,
} from "./error_context.ts";
import { Waitable } from "./waitable.ts";
import { newInstance } from "./_test_util.ts";

const utf8 = new TextDecoder();

Deno.test("error-context.new keeps the (transformed) message; debug-message stores it; drop frees it", () => {
  const inst = newInstance();
  const mem = new Uint8Array(64);
  mem.set(new TextEncoder().encode("bad input"), 0);
  const stored: [number, string][] = [];
  const strings = {
    load: (ptr: number, units: number) => utf8.decode(mem.subarray(ptr, ptr + units)),
    store: (ptr: number, s: string) => void stored.push([ptr, s]),
    transform: (s: string) => `guest: ${s}`,
  };
  const i = errorContextNew(inst, strings)(0, 9);
  assert.ok(inst.handles.get(i) instanceof ErrorContext);
  errorContextDebugMessage(inst, strings)(i, 32);
  assert.deepEqual(stored, [[32, "guest: bad input"]]);
  errorContextDrop(inst)(i);
  assert.equal(inst.handles.size, 0);
});

Deno.test("error-context built-ins trap on a handle that is not an error context", () => {
  const inst = newInstance();
  const w = inst.handles.add(new Waitable(inst.store));
  assert.throws(() => errorContextDrop(inst)(w), /not an error context/);
  const inst2 = newInstance();
  assert.throws(() => errorContextDebugMessage(inst2, { store: () => {} })(5, 0), /unknown handle/);
});

Deno.test("an error context passes between instances by reference: both handles see one message", () => {
  const a = newInstance();
  const b = newInstance();
  const i = errorContextNew(a, { load: () => "oops" })(0, 4);
  const j = lowerErrorContext(b, liftErrorContext(a, i));
  assert.equal(liftErrorContext(b, j), liftErrorContext(a, i));
  // Dropping one handle leaves the other.
  errorContextDrop(a)(i);
  assert.equal(liftErrorContext(b, j).debugMessage, "oops");
});

Deno.test("error-context.new while the instance may not leave traps", () => {
  const inst = newInstance();
  inst.state.mayLeave = false;
  assert.throws(() => errorContextNew(inst, {})(0, 0), /cannot leave component instance/);
});
