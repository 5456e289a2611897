import assert from "node:assert/strict";
import { t } from "@weft/abi";
import { canonLift } from "./canon_lift.ts";
import {
  taskReturn,
  threadYield,
  waitableJoin,
  waitableSetNew,
  waitableSetWait,
} from "./builtins.ts";
import { callAsync } from "./host.ts";
import { EventCode } from "./codes.ts";
import { hasJspi, promising, suspending } from "./jspi.ts";
import { Waitable } from "./waitable.ts";
import { newInstance, newMemory, payloadAt, settle } from "./_test_util.ts";

Deno.test("a sync lift of an async function type: results lifted, post-return run with mayLeave false", async () => {
  const inst = newInstance();
  const seen: unknown[] = [];
  const f = canonLift({
    instance: inst,
    async: true,
    mode: "sync",
    resultType: t.u32,
    lowerParams: (_task, args) => [args[0] as number],
    callee: ([x]) => Number(x) * 2,
    liftResults: (_task, flat) => [flat],
    postReturn: (flat) => seen.push(flat, inst.state.mayLeave),
  });
  assert.deepEqual(await callAsync(f, [21]), [42]);
  assert.deepEqual(seen, [42, false]);
  assert.equal(inst.state.mayLeave, true);
  assert.equal(inst.exclusiveThread, undefined);
});

Deno.test("a stackful lift whose core function returns without suspending", async () => {
  const inst = newInstance();
  const ret = taskReturn(inst, { resultType: t.u32, liftResults: (_t, f) => [f[0]] });
  const f = canonLift({
    instance: inst,
    async: true,
    mode: "stackful",
    resultType: t.u32,
    lowerParams: () => [],
    callee: () => {
      // Stackful tasks need no exclusive lock.
      assert.equal(inst.exclusiveThread, undefined);
      ret(9);
    },
  });
  assert.deepEqual(await callAsync(f, []), [9]);
  assert.equal(inst.threads.size, 0);
});

Deno.test("stackful lifts run concurrently: a second starts while the first is suspended", {
  ignore: !hasJspi(),
}, async () => {
  // (module (import "env" "wait" (func (result i32))) (func (export "g") call 0 drop))
  // deno-fmt-ignore
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x00, 0x00, 0x02, 0x0c, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x04, 0x77, 0x61, 0x69, 0x74, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x01, 0x07, 0x05, 0x01, 0x01, 0x67, 0x00, 0x01, 0x0a, 0x07, 0x01, 0x05, 0x00,
    0x10, 0x00, 0x1a, 0x0b,
  ]);
  const inst = newInstance();
  const memory = newMemory();
  const wait = waitableSetWait(inst, { cancellable: true, memory, jspi: true });
  const ret = taskReturn(inst, { resultType: t.u32, liftResults: (_t, f) => [f[0]] });
  const sets = new Map<number, number>();
  const waitables: Waitable[] = [];
  let who = 0;
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: {
      wait: suspending(() => {
        // Each call waits on a set of its own with one waitable the test fires.
        const si = waitableSetNew(inst)();
        const w = new Waitable(inst.store);
        const wi = inst.handles.add(w);
        waitableJoin(inst)(wi, si);
        waitables.push(w);
        const id = ++who;
        sets.set(id, si);
        const r = wait(si, 8 * id);
        const done = (code: number): number => {
          ret(code * 100 + payloadAt(memory, 8 * id)[1]);
          return code;
        };
        return r instanceof Promise ? r.then(done) : done(r);
      }),
    },
  });
  const g = promising(instance.exports.g);
  const f = canonLift({
    instance: inst,
    async: true,
    mode: "stackful",
    resultType: t.u32,
    lowerParams: () => [],
    callee: () => g(),
  });
  const a = callAsync(f, []);
  const b = callAsync(f, []);
  await settle();
  assert.equal(waitables.length, 2, "both calls started and are suspended");
  assert.equal(inst.store.current, undefined);
  waitables[1]!.setPendingEvent(() => [EventCode.STREAM_READ, 0, 7]);
  assert.deepEqual(await b, [EventCode.STREAM_READ * 100 + 7]);
  waitables[0]!.setPendingEvent(() => [EventCode.FUTURE_READ, 0, 3]);
  assert.deepEqual(await a, [EventCode.FUTURE_READ * 100 + 3]);
  await settle();
  assert.equal(inst.threads.size, 0);
});

Deno.test("thread.yield with JSPI suspends and lets a ready thread run first", {
  ignore: !hasJspi(),
}, async () => {
  // (module (import "env" "y" (func (result i32))) (func (export "g") call 0 drop))
  // deno-fmt-ignore
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60, 0x00, 0x01, 0x7f, 0x60,
    0x00, 0x00, 0x02, 0x09, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x01, 0x79, 0x00, 0x00, 0x03, 0x02, 0x01,
    0x01, 0x07, 0x05, 0x01, 0x01, 0x67, 0x00, 0x01, 0x0a, 0x07, 0x01, 0x05, 0x00, 0x10, 0x00, 0x1a,
    0x0b,
  ]);
  const inst = newInstance();
  const yieldNow = threadYield(inst, { cancellable: false, jspi: true });
  const ret = taskReturn(inst, { resultType: t.u32, liftResults: (_t, f) => [f[0]] });
  const log: string[] = [];
  let n = 0;
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: {
      y: suspending(() => {
        const id = ++n;
        log.push(`yield ${id}`);
        const r = yieldNow();
        const after = (c: number): number => {
          log.push(`resumed ${id}`);
          ret(id);
          return c;
        };
        return r instanceof Promise ? r.then(after) : after(r);
      }),
    },
  });
  const g = promising(instance.exports.g);
  const f = canonLift({
    instance: inst,
    async: true,
    mode: "stackful",
    resultType: t.u32,
    lowerParams: () => [],
    callee: () => g(),
  });
  const results = await Promise.all([callAsync(f, []), callAsync(f, [])]);
  assert.deepEqual(results, [[1], [2]]);
  // Both yielded before either resumed: the yield let the other thread run.
  assert.deepEqual(log.slice(0, 2), ["yield 1", "yield 2"]);
});
