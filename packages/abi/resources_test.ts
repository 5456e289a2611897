import assert from "node:assert/strict";
import { ResourceHandle } from "./context.ts";
import { Trap } from "./errors.ts";
import { ComponentInstanceState } from "./instance_state.ts";
import { hostResourceJs, resourceDrop, resourceNew, resourceRep } from "./resources.ts";
import { ResourceType } from "./types.ts";

Deno.test("resource.new, resource.rep and resource.drop with a destructor", () => {
  const inst = new ComponentInstanceState();
  const dropped: number[] = [];
  const rt = new ResourceType("file", { instance: inst, dtor: (rep) => void dropped.push(rep) });
  const h = resourceNew(rt, inst)(42);
  assert.equal(h, 1);
  assert.equal(resourceRep(rt, inst)(h), 42);
  resourceDrop(rt, inst)(h);
  assert.deepEqual(dropped, [42]);
  assert.throws(() => resourceRep(rt, inst)(h), {
    name: "Trap",
    message: "unknown handle index 1",
  });
});

Deno.test("handles of another resource type trap", () => {
  const inst = new ComponentInstanceState();
  const a = new ResourceType("a", { instance: inst });
  const b = new ResourceType("b", { instance: inst });
  const h = resourceNew(a, inst)(1);
  assert.throws(() => resourceDrop(b, inst)(h), {
    name: "Trap",
    message: "handle index 1 used with the wrong type, expected guest-defined resource but found " +
      'a different guest-defined resource (expected "b", found "a")',
  });
  assert.equal((inst.handles.get(h) as ResourceHandle).rep, 1); // still there
});

Deno.test("a handle of a host resource used as a guest resource names both kinds", () => {
  const inst = new ComponentInstanceState();
  const host = new ResourceType("conn");
  const guest = new ResourceType("file", { instance: inst });
  const h = resourceNew(host, inst)(7);
  assert.throws(() => resourceRep(guest, inst)(h), {
    name: "Trap",
    message:
      /^handle index 1 used with the wrong type, expected guest-defined resource but found a different host-defined resource/,
  });
});

Deno.test("dropping a lent handle traps; dropping a borrow ends it", () => {
  const inst = new ComponentInstanceState();
  const rt = new ResourceType("r", { instance: inst });
  const h = resourceNew(rt, inst)(5);
  (inst.handles.get(h) as ResourceHandle).numLends = 1;
  assert.throws(() => resourceDrop(rt, inst)(h), /while it is borrowed/);
  const other = new ComponentInstanceState();
  const scope = { numBorrows: 1 };
  const b = other.handles.add(new ResourceHandle(rt, 9, false, scope));
  resourceDrop(rt, other)(b);
  assert.equal(scope.numBorrows, 0);
});

Deno.test("resource built-ins trap while the instance may not leave", () => {
  const inst = new ComponentInstanceState();
  const rt = new ResourceType("r", { instance: inst });
  inst.mayLeave = false;
  assert.throws(() => resourceNew(rt, inst)(1), { message: "cannot leave component instance" });
});

Deno.test("a destructor of a poisoned or busy instance traps", () => {
  const impl = new ComponentInstanceState();
  const user = new ComponentInstanceState();
  const rt = new ResourceType("r", { instance: impl, dtor: () => {} });
  const h1 = resourceNew(rt, user)(1);
  impl.mayEnter = false;
  assert.throws(() => resourceDrop(rt, user)(h1), { message: "cannot enter component instance" });
  impl.mayEnter = true;
  const user2 = new ComponentInstanceState();
  const h2 = resourceNew(rt, user2)(2);
  impl.poison(new Trap("boom"));
  assert.throws(() => resourceDrop(rt, user2)(h2), { name: "Trap", message: /trapped before/ });
});

Deno.test("a trapping destructor poisons its instance", () => {
  const impl = new ComponentInstanceState();
  const rt = new ResourceType("r", {
    instance: impl,
    dtor: () => {
      throw new WebAssembly.RuntimeError("unreachable");
    },
  });
  const user = new ComponentInstanceState();
  assert.throws(() => resourceDrop(rt, user)(resourceNew(rt, user)(1)), Trap);
  assert.ok(impl.poisoned instanceof Trap);
});

Deno.test("hostResourceJs: objects keep their rep; own moves; drop disposes", () => {
  const js = hostResourceJs({ name: "Conn" });
  let disposed = 0;
  const conn = { [Symbol.dispose]: () => void disposed++ };
  const rep = js.fromJs(conn, false);
  assert.equal(js.fromJs(conn, false), rep);
  assert.equal(js.toJs(rep, false), conn);
  assert.equal(js.fromJs(conn, true), rep);
  assert.throws(() => js.fromJs(conn, true), { name: "TypeError", message: /moved/ });
  assert.equal(js.toJs(rep, true), conn); // back in JS: may move again
  js.fromJs(conn, true);
  js.drop(rep);
  assert.equal(disposed, 1);
  assert.throws(() => js.toJs(rep, false), Trap);
  assert.throws(() => js.fromJs(42, false), TypeError);
});

Deno.test("hostResourceJs checks the class", () => {
  class File {}
  const js = hostResourceJs({ class: File });
  assert.throws(() => js.fromJs({}, false), { message: "expected an instance of File" });
  assert.equal(typeof js.fromJs(new File(), false), "number");
});

Deno.test("dropping an own handle of a host resource disposes the host object", () => {
  const rt = new ResourceType("conn");
  const inst = new ComponentInstanceState();
  const js = hostResourceJs();
  rt.js = js;
  let disposed = false;
  const rep = js.fromJs({ [Symbol.dispose]: () => (disposed = true) }, true);
  const h = resourceNew(rt, inst)(rep);
  resourceDrop(rt, inst)(h);
  assert.equal(disposed, true);
});
