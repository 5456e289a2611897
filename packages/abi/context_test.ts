import assert from "node:assert/strict";
import { LiftLowerContext } from "./context.ts";
import { ComponentInstanceState } from "./instance_state.ts";

Deno.test("contexts share one view per memory and refresh after growth", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const instance = new ComponentInstanceState();
  const a = new LiftLowerContext({ instance, memory });
  const b = new LiftLowerContext({ instance, memory });
  assert.equal(a.dv, b.dv);
  memory.grow(1);
  a.refresh();
  assert.equal(a.u8.length, 2 * 65536);
  b.refresh();
  assert.equal(a.dv, b.dv);
});

Deno.test("memory access without a memory or realloc traps with the option's name", () => {
  const cx = new LiftLowerContext({ instance: new ComponentInstanceState() });
  assert.throws(() => cx.checkBounds(0, 1, "string"), {
    name: "Trap",
    message: /"memory" is missing/,
  });
  assert.throws(() => cx.allocate(1, 1), { name: "Trap", message: /"realloc" is missing/ });
});

Deno.test("realloc runs with mayLeave cleared and returns an unsigned pointer", () => {
  const instance = new ComponentInstanceState();
  let during: boolean | undefined;
  const cx = new LiftLowerContext({
    instance,
    memory: new WebAssembly.Memory({ initial: 1 }),
    realloc: () => {
      during = instance.mayLeave;
      return -8; // a wasm i32 arrives signed
    },
  });
  assert.equal(cx.allocate(8, 8), 2 ** 32 - 8);
  assert.equal(during, false);
  assert.equal(instance.mayLeave, true);
});
