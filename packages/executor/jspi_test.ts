import assert from "node:assert/strict";
import { t } from "@weft/abi";
import { hasJspi, promising, suspending } from "./jspi.ts";
import { JspiRequiredError } from "./errors.ts";
import { canonLift } from "./canon_lift.ts";
import { canonLower } from "./canon_lower.ts";
import { taskReturn } from "./builtins.ts";
import { callAsync, hostFunction } from "./host.ts";
import { deferred, newInstance, settle } from "./_test_util.ts";

// (module (type (func (result i32))) (type (func (param i32))) (type (func))
//   (import "env" "f" (func (type 0))) (import "env" "ret" (func (type 1)))
//   (func (type 2) call 0 call 1) (export "g" (func 2)))
const MODULE = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00,
  0x01,
  0x0c,
  0x03,
  0x60,
  0x00,
  0x01,
  0x7f,
  0x60,
  0x01,
  0x7f,
  0x00,
  0x60,
  0x00,
  0x00,
  0x02,
  0x13,
  0x02,
  0x03,
  0x65,
  0x6e,
  0x76,
  0x01,
  0x66,
  0x00,
  0x00,
  0x03,
  0x65,
  0x6e,
  0x76,
  0x03,
  0x72,
  0x65,
  0x74,
  0x00,
  0x01,
  0x03,
  0x02,
  0x01,
  0x02,
  0x07,
  0x05,
  0x01,
  0x01,
  0x67,
  0x00,
  0x02,
  0x0a,
  0x08,
  0x01,
  0x06,
  0x00,
  0x10,
  0x00,
  0x10,
  0x01,
  0x0b,
]);

Deno.test("hasJspi reports whether WebAssembly.Suspending and WebAssembly.promising exist", () => {
  const w = WebAssembly as unknown as Record<string, unknown>;
  assert.equal(
    hasJspi(),
    typeof w.Suspending === "function" && typeof w.promising === "function",
  );
});

Deno.test("without JSPI, suspending and promising throw JspiRequiredError naming what needed it", () => {
  const w = WebAssembly as unknown as Record<string, unknown>;
  const saved = w.Suspending;
  delete w.Suspending;
  try {
    assert.equal(hasJspi(), false);
    assert.throws(
      () => suspending(() => 0, 'a sync call of the async import "fetch"'),
      (e: unknown) =>
        e instanceof JspiRequiredError && e.feature.includes('"fetch"') &&
        /needs JSPI/.test(e.message),
    );
    assert.throws(() => promising(() => 0), JspiRequiredError);
  } finally {
    w.Suspending = saved;
  }
});

Deno.test({
  name: "JSPI: a stackful lift whose core code makes a sync call to an async host import",
  ignore: !hasJspi(),
  async fn() {
    const inst = newInstance();
    const gate = deferred<number>();
    const lowered = canonLower({
      instance: inst,
      async: false,
      jspi: true,
      callee: hostFunction(() => gate.promise, { hasResult: true }),
      liftParams: () => [],
      lowerResults: (_s, r) => [r[0] as number],
    });
    const ret = taskReturn(inst, { resultType: t.u32, liftResults: (_t, f) => [f[0]] });
    const { instance } = await WebAssembly.instantiate(MODULE, {
      env: {
        f: suspending(() => {
          const r = lowered([]);
          return r instanceof Promise ? r.then((v) => v[0]) : r[0];
        }),
        ret: (v: number) => ret(v),
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
    let done = false;
    const call = callAsync(f, []).then((r) => {
      done = true;
      return r;
    });
    await settle();
    assert.equal(done, false);
    assert.equal(inst.store.current, undefined, "a suspended thread is not current");
    gate.resolve(42);
    assert.deepEqual(await call, [42]);
    await settle();
    assert.equal(inst.threads.size, 0);
    assert.equal(inst.store.current, undefined);
  },
});
