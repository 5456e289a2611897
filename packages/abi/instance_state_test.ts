import assert from "node:assert/strict";
import { Trap } from "./errors.ts";
import { ComponentInstanceState } from "./instance_state.ts";

Deno.test("poison keeps the first trap", () => {
  const inst = new ComponentInstanceState();
  assert.equal(inst.poisoned, undefined);
  const first = new Trap("first");
  inst.poison(first);
  inst.poison(new Trap("second"));
  assert.equal(inst.poisoned, first);
});

Deno.test("the entering set excludes what the caller is already inside", () => {
  const root = new ComponentInstanceState();
  const a = new ComponentInstanceState({ parent: root });
  const b = new ComponentInstanceState({ parent: root });
  assert.deepEqual(a.enteringSet(undefined), [a, root]);
  assert.deepEqual(a.enteringSet(b), [a]);
  assert.deepEqual(root.enteringSet(a), []);
  root.mayEnter = false;
  assert.equal(a.mayEnterFrom(undefined), false);
  assert.equal(a.mayEnterFrom(b), true);
});
