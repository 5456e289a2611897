import assert from "node:assert/strict";
import { createWasi, type Datetime } from "./mod.ts";

Deno.test("monotonic-clock: now never decreases and follows real time", async () => {
  const m = createWasi().imports["wasi:clocks/monotonic-clock@0.2.12"] as Record<
    string,
    () => bigint
  >;
  const a = m.now!();
  await new Promise((r) => setTimeout(r, 20));
  const b = m.now!();
  assert.ok(b - a >= 15_000_000n && b - a < 5_000_000_000n, `${b - a} ns for a 20 ms sleep`);
  assert.ok(m.resolution!() > 0n);
});

Deno.test("wall-clock: now is close to Date.now() with nanoseconds below 1e9", () => {
  const w = createWasi().imports["wasi:clocks/wall-clock@0.2.12"] as Record<string, () => Datetime>;
  const t = w.now!();
  const ms = Number(t.seconds) * 1000 + t.nanoseconds / 1e6;
  assert.ok(Math.abs(ms - Date.now()) < 1000, `wall clock off by ${ms - Date.now()} ms`);
  assert.ok(Number.isInteger(t.nanoseconds) && t.nanoseconds >= 0 && t.nanoseconds < 1e9);
  const r = w.resolution!();
  assert.ok(r.seconds > 0n || r.nanoseconds > 0);
});

Deno.test("random: bytes of the asked length, varying, more than one getRandomValues chunk", () => {
  const r = createWasi().imports["wasi:random/random@0.2.12"] as Record<
    string,
    (n?: bigint) => unknown
  >;
  const big = r.getRandomBytes!(100_000n) as Uint8Array;
  assert.equal(big.length, 100_000);
  // The tail beyond 65536 bytes is filled too (not left zero).
  assert.ok(big.subarray(65536).some((b) => b !== 0));
  const counts = new Array(256).fill(0);
  for (const b of big) counts[b]++;
  assert.ok(Math.min(...counts) > 200 && Math.max(...counts) < 600, "roughly uniform");
  assert.notEqual(r.getRandomU64!(), r.getRandomU64!());
  assert.equal(typeof r.getRandomU64!(), "bigint");
  assert.equal((r.getRandomBytes!(0n) as Uint8Array).length, 0);
  assert.throws(() => r.getRandomBytes!(1n << 40n), RangeError);
});

Deno.test("insecure: bytes and u64 values in range and varying", () => {
  const r = createWasi().imports["wasi:random/insecure@0.2.12"] as Record<
    string,
    (n?: bigint) => unknown
  >;
  const values = new Set<bigint>();
  for (let i = 0; i < 1000; i++) {
    const v = r.getInsecureRandomU64!() as bigint;
    assert.ok(v >= 0n && v < 1n << 64n);
    values.add(v);
  }
  assert.equal(values.size, 1000);
  const b = r.getInsecureRandomBytes!(13n) as Uint8Array;
  assert.equal(b.length, 13);
  const many = r.getInsecureRandomBytes!(4096n) as Uint8Array;
  assert.ok(new Set(many).size > 200);
});

Deno.test("insecure-seed: the same pair on every call of one host, different across hosts", () => {
  const seed = () => (createWasi().imports["wasi:random/insecure-seed@0.2.12"] as Record<
    string,
    () => [bigint, bigint]
  >);
  const s = seed();
  const a = s.insecureSeed!();
  assert.deepEqual(s.insecureSeed!(), a);
  assert.equal(a.length, 2);
  assert.notDeepEqual(seed().insecureSeed!(), a);
});
