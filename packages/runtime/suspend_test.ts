// Blocking host imports with JSPI: the guest is suspended while the host's
// Promise is pending, and the exports return Promises.
import assert from "node:assert/strict";
import { hasJspi } from "@weft/executor";
import { fixture } from "../../scripts/fixtures.ts";
import { CancelledError, Component, InstancePoisonedError, Trap } from "./mod.ts";

const testdata = new URL("./testdata/", import.meta.url);
const jspi = hasJspi();
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SUSPENDING = Symbol.for("weft.wasi.suspending");

async function compile(name: string): Promise<Component> {
  return await Component.compile(await fixture(new URL(name, testdata)));
}

function syncGreet(name: string): string {
  return `hi ${name}`;
}

Deno.test({
  name: "an async host import suspends the guest until its Promise settles",
  ignore: !jspi,
  async fn() {
    const component = await compile("suspend.wat");
    const instance = await component.instantiate({
      sleep: async (ms: number) => {
        await delay(ms);
        return ms * 10;
      },
      greet: async (name: string) => {
        await delay(1);
        return `hello ${name}`;
      },
    });
    assert.equal(instance.suspends, true);
    const pending = instance.exports.nap(5);
    assert.ok(pending instanceof Promise);
    assert.equal(await pending, 51);
    assert.equal(await instance.exports.hello("weft"), "hello weft");
    assert.equal(await instance.exports.naps(), 1);
  },
});

Deno.test({
  name: "a function's async form is used when the guest can suspend, its sync form otherwise",
  ignore: !jspi,
  async fn() {
    const component = await compile("suspend.wat");
    const calls: string[] = [];
    const sleep = (ms: number) => {
      calls.push("sync");
      return ms;
    };
    Object.defineProperty(sleep, SUSPENDING, {
      value: async (ms: number) => {
        calls.push("async");
        await delay(1);
        return ms + 100;
      },
    });
    const suspending = await component.instantiate({ sleep, greet: syncGreet });
    assert.equal(await suspending.exports.nap(1), 102);
    // A sync function without an async form is called as it is, even here.
    assert.equal(await suspending.exports.hello("a"), "hi a");

    const plain = await component.instantiate({ sleep, greet: syncGreet }, { suspend: false });
    assert.equal(plain.suspends, false);
    assert.equal(plain.exports.nap(1), 2);
    assert.deepEqual(calls, ["async", "sync"]);
  },
});

Deno.test({
  name: "calls from JS into a suspended instance wait their turn instead of trapping",
  ignore: !jspi,
  async fn() {
    const component = await compile("suspend.wat");
    let active = 0;
    let most = 0;
    const order: number[] = [];
    const instance = await component.instantiate({
      sleep: async (ms: number) => {
        active++;
        most = Math.max(most, active);
        await delay(ms);
        order.push(ms);
        active--;
        return ms;
      },
      greet: syncGreet,
    });
    const results = await Promise.all([5, 1, 3, 2].map((ms) => instance.exports.nap(ms)));
    assert.deepEqual(results, [6, 2, 4, 3]);
    assert.equal(most, 1, "one guest call at a time");
    assert.deepEqual(order, [5, 1, 3, 2], "in the order they were made");
    assert.equal(await instance.exports.naps(), 4);
  },
});

Deno.test({
  name: "a rejected async host import traps the guest and poisons the instance",
  ignore: !jspi,
  async fn() {
    const component = await compile("suspend.wat");
    const instance = await component.instantiate({
      sleep: async () => {
        await delay(1);
        throw new Error("disk on fire");
      },
      greet: syncGreet,
    });
    await assert.rejects(instance.exports.nap(1), (e: unknown) => {
      assert.ok(e instanceof Trap);
      assert.match(e.message, /disk on fire/);
      return true;
    });
    assert.ok(instance.poisoned instanceof Trap);
    await assert.rejects(instance.exports.naps(), InstancePoisonedError);
  },
});

Deno.test({
  name: "a bad argument rejects before the guest is entered and leaves the instance usable",
  ignore: !jspi,
  async fn() {
    const component = await compile("suspend.wat");
    const instance = await component.instantiate({
      sleep: async (ms: number) => {
        await delay(0);
        return ms;
      },
      greet: syncGreet,
    });
    await assert.rejects(instance.exports.nap(-1), RangeError);
    await assert.rejects(instance.exports.hello(42), TypeError);
    assert.equal(instance.poisoned, undefined);
    assert.equal(await instance.exports.nap(2), 3);
  },
});

Deno.test({
  name: "a blocking import reached through a nested component suspends the outer guest too",
  ignore: !jspi,
  async fn() {
    const component = await compile("suspend_nested.wat");
    const instance = await component.instantiate({
      sleep: async (ms: number) => {
        await delay(ms);
        return ms;
      },
    });
    assert.equal(await instance.exports.twice(3), 7);
    const [a, b] = await Promise.all([instance.exports.twice(2), instance.exports.innerNap(4)]);
    assert.equal(a, 5);
    assert.equal(b, 8);
  },
});

Deno.test({
  name: "suspend: true makes every export return a Promise even with sync imports",
  ignore: !jspi,
  async fn() {
    const component = await compile("suspend.wat");
    const instance = await component.instantiate(
      { sleep: (ms: number) => ms, greet: syncGreet },
      { suspend: true },
    );
    const p = instance.exports.nap(1);
    assert.ok(p instanceof Promise);
    assert.equal(await p, 2);
  },
});

Deno.test({
  name: "aborting a suspended call rejects it at once; it finishes in isolation, the next waits",
  ignore: !jspi,
  async fn() {
    const component = await compile("suspend.wat");
    const gates: (() => void)[] = [];
    // A plain function returning a Promise is not detected: `suspend: true` says so.
    const instance = await component.instantiate({
      sleep: (ms: number) => new Promise<number>((r) => gates.push(() => r(ms))),
      greet: syncGreet,
    }, { suspend: true });
    const controller = new AbortController();
    const first = instance.exports.nap(1, { signal: controller.signal });
    const queued = new AbortController();
    const second = instance.exports.nap(2, { signal: queued.signal });
    const third = instance.exports.nap(3);
    while (gates.length === 0) await delay(1);
    controller.abort(new Error("user gave up"));
    await assert.rejects(first, (e: unknown) => {
      assert.ok(e instanceof CancelledError);
      assert.equal((e.cause as Error).message, "user gave up");
      return true;
    });
    // Still waiting for its turn: it never enters the instance.
    queued.abort();
    await assert.rejects(second, CancelledError);
    assert.ok(gates.length === 1, "the first call is still suspended in the guest");
    gates.shift()!();
    while (gates.length < 1) await delay(1);
    gates.shift()!();
    assert.equal(await third, 4);
    assert.equal(
      await instance.exports.naps(),
      2,
      "the cancelled call ran to its end; the queued one never ran",
    );
    assert.equal(instance.poisoned, undefined);
    // An already aborted signal never enters either.
    await assert.rejects(instance.exports.nap(1, { signal: AbortSignal.abort() }), CancelledError);
  },
});

Deno.test("without suspending, a host function returning a Promise traps with a hint", async () => {
  const component = await compile("suspend.wat");
  const instance = await component.instantiate({
    sleep: (ms: number) => Promise.resolve(ms),
    greet: syncGreet,
  });
  assert.equal(instance.suspends, false);
  assert.throws(() => instance.exports.nap(1), (e: unknown) => {
    assert.ok(e instanceof Trap);
    assert.match(e.message, /returned a Promise.*suspend: true/);
    return true;
  });
});
