import assert from "node:assert/strict";
import { ComponentError, InstancePoisonedError, Trap } from "./errors.ts";

Deno.test("ComponentError carries its payload and describes it", () => {
  const e = new ComponentError({ code: 5n });
  assert.deepEqual(e.payload, { code: 5n });
  assert.equal(e.message, 'The component returned an error: {"code":"5n"}');
  assert.equal(
    new ComponentError("not-found").message,
    "The component returned an error: not-found",
  );
  assert.equal(e.name, "ComponentError");
});

Deno.test("Trap and InstancePoisonedError keep their cause", () => {
  const cause = new WebAssembly.RuntimeError("unreachable");
  const trap = new Trap("unreachable", { cause });
  assert.equal(trap.cause, cause);
  assert.equal(trap.name, "Trap");
  const poisoned = new InstancePoisonedError(undefined, { cause: trap });
  assert.equal(poisoned.cause, trap);
  assert.match(poisoned.message, /trapped before/);
});
