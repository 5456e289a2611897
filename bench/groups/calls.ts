/**
 * Group `calls` (issue #3): export calls, guest-to-host calls, instantiation
 * and compilation, each through hand-written minimal glue over the same core
 * modules (the floor), Weft, and jco's generated glue.
 *
 * @module
 */
import { deepStrictEqual } from "node:assert/strict";
import { Component } from "@weft/runtime";
import { fixture } from "../../scripts/fixtures.ts";
import { type BenchCase, type BenchGroup, callOp } from "../_group.ts";
import { loadJco } from "../_jco.ts";
import { loadJco191 } from "../_jco191.ts";
import { largeComponent } from "../_large.ts";

/** Import calls per guest loop in `import-*`: the table reports the cost of one. */
const IMPORT_LOOP = 100;

type Fn = (...args: unknown[]) => unknown;
type Exports = Record<string, Fn> & { Counter: new (init: number) => { inc(): number } };

const host = {
  id: (x: number): number => x,
  len: (s: string): number => s.length,
};

interface Entry {
  id: number;
  score: number;
  ok: boolean;
}

/**
 * The floor: the core modules of `calls.wat` called with the least JS glue
 * that still maps values the way jco does (TextEncoder.encodeInto, DataView,
 * typed-array copies), no argument checks.
 */
function floorCalls(modules: readonly WebAssembly.Module[]): Exports {
  const memInstance = new WebAssembly.Instance(modules[0]!);
  const memory = memInstance.exports.memory as WebAssembly.Memory;
  let buffer = memory.buffer;
  let u8 = new Uint8Array(buffer);
  let u16 = new Uint16Array(buffer);
  let dv = new DataView(buffer);
  const refresh = () => {
    if (memory.buffer !== buffer) {
      buffer = memory.buffer;
      u8 = new Uint8Array(buffer);
      u16 = new Uint16Array(buffer);
      dv = new DataView(buffer);
    }
  };
  const enc = new TextEncoder();
  const dec8 = new TextDecoder();
  const dec16 = new TextDecoder("utf-16le");
  let narrow = new Uint8Array(1024);
  const m = new WebAssembly.Instance(modules[1]!, {
    env: { memory },
    host: {
      id: (x: number) => host.id(x >>> 0),
      len: (p: number, l: number) => {
        refresh();
        return host.len(dec8.decode(u8.subarray(p, p + l)));
      },
      "counter-new": (rep: number) => rep,
    },
  }).exports as Record<string, Fn>;
  const realloc = m.realloc as (a: number, b: number, c: number, d: number) => number;
  const reset = m.reset as (r: number) => void;
  const echo = m.echo as (p: number, l: number) => number;
  const add = m["u32-add"] as (a: number, b: number) => number;
  const u64 = m["u64-roundtrip"] as (x: bigint) => bigint;
  const rect = m.record4 as (a: number, b: number, c: number, d: number) => number;
  const flags = m.flags as (f: number) => number;
  const variant = m.variant as (d: number, p: bigint) => number;
  const callId = m["call-id"] as (n: number) => number;
  const callLen = m["call-len"] as (n: number) => number;
  const counterNew = m["counter-new"] as (init: number) => number;
  const counterInc = m["counter-inc"] as (rep: number) => number;
  const FLAGS = ["read", "write", "exec", "list", "admin", "owner", "group", "other"] as const;
  class Counter {
    #rep: number;
    constructor(init: number) {
      this.#rep = counterNew(init);
    }
    inc(): number {
      return counterInc(this.#rep) >>> 0;
    }
  }
  const out: Record<string, Fn> = {
    u32Add: (a, b) => add(a as number, b as number) >>> 0,
    u64Roundtrip: (x) => BigInt.asUintN(64, u64(x as bigint)),
    record4: (v) => {
      const r = v as { x: number; y: number; width: number; height: number };
      const p = rect(r.x, r.y, r.width, r.height);
      refresh();
      return {
        x: dv.getInt32(p, true),
        y: dv.getInt32(p + 4, true),
        width: dv.getUint32(p + 8, true),
        height: dv.getUint32(p + 12, true),
      };
    },
    flags: (v) => {
      const f = v as Record<string, boolean>;
      let bits = 0;
      for (let i = 0; i < 8; i++) if (f[FLAGS[i]!]) bits |= 1 << i;
      const r = flags(bits);
      const o: Record<string, boolean> = {};
      for (let i = 0; i < 8; i++) o[FLAGS[i]!] = (r & (1 << i)) !== 0;
      return o;
    },
    variant: (v) => {
      const x = v as { tag: string; val?: number | bigint };
      let p: number;
      switch (x.tag) {
        case "empty":
          p = variant(0, 0n);
          break;
        case "int":
          p = variant(1, BigInt(x.val as number));
          break;
        case "big":
          p = variant(2, x.val as bigint);
          break;
        default: {
          const f = new Float64Array([x.val as number]);
          p = variant(3, new BigInt64Array(f.buffer)[0]!);
        }
      }
      refresh();
      switch (dv.getUint8(p)) {
        case 0:
          return { tag: "empty" };
        case 1:
          return { tag: "int", val: dv.getInt32(p + 8, true) };
        case 2:
          return { tag: "big", val: dv.getBigUint64(p + 8, true) };
        default:
          return { tag: "real", val: dv.getFloat64(p + 8, true) };
      }
    },
    stringUtf8: (v) => {
      const s = v as string;
      const max = s.length * 3;
      const p = realloc(0, 0, 1, max);
      refresh();
      const { written } = enc.encodeInto(s, u8.subarray(p, p + max));
      const r = echo(p, written);
      refresh();
      const ptr = dv.getUint32(r, true);
      const s2 = dec8.decode(u8.subarray(ptr, ptr + dv.getUint32(r + 4, true)));
      reset(r);
      return s2;
    },
    // UTF-16 through TextDecoder("utf-16le") and a charCodeAt loop is several
    // times slower than UTF-8: ASCII text is written with encodeInto and
    // widened in place, and read back by narrowing it to bytes for the UTF-8
    // decoder (native typed-array conversions both ways). Short strings go
    // unit by unit, which is faster than setting up those conversions.
    stringUtf16: (v) => {
      const s = v as string;
      const n = s.length;
      const p = realloc(0, 0, 2, n * 2);
      refresh();
      const at = p >>> 1;
      if (n < 16) {
        for (let i = 0; i < n; i++) u16[at + i] = s.charCodeAt(i);
      } else {
        const head = u8.subarray(p, p + n);
        const { read, written } = enc.encodeInto(s, head);
        if (read === n && written === n) u16.set(head, at);
        else for (let i = 0; i < n; i++) u16[at + i] = s.charCodeAt(i);
      }
      const r = echo(p, n);
      refresh();
      const ptr = dv.getUint32(r, true);
      const len = dv.getUint32(r + 4, true);
      const units = u16.subarray(ptr >>> 1, (ptr >>> 1) + len);
      let all = 0;
      for (let i = 0; i < len; i++) all |= units[i]!;
      let s2: string;
      if (len < 16 && all < 0xd800) {
        s2 = "";
        for (let i = 0; i < len; i++) s2 += String.fromCharCode(units[i]!);
      } else if (all < 0x80) {
        if (narrow.length < len) narrow = new Uint8Array(len);
        narrow.set(units);
        s2 = dec8.decode(narrow.subarray(0, len));
      } else s2 = dec16.decode(u8.subarray(ptr, ptr + 2 * len));
      reset(r);
      return s2;
    },
    listU8: (v) => {
      const a = v as Uint8Array;
      const p = realloc(0, 0, 1, a.length);
      refresh();
      u8.set(a, p);
      const r = echo(p, a.length);
      refresh();
      const ptr = dv.getUint32(r, true);
      const copy = u8.slice(ptr, ptr + dv.getUint32(r + 4, true));
      reset(r);
      return copy;
    },
    listEntry: (v) => {
      const a = v as Entry[];
      const n = a.length;
      const p = realloc(0, 0, 8, n * 24);
      refresh();
      for (let i = 0; i < n; i++) {
        const e = a[i]!;
        const q = p + i * 24;
        dv.setUint32(q, e.id, true);
        dv.setFloat64(q + 8, e.score, true);
        dv.setUint8(q + 16, e.ok ? 1 : 0);
      }
      const r = echo(p, n);
      refresh();
      const ptr = dv.getUint32(r, true);
      const len = dv.getUint32(r + 4, true);
      const out = new Array<Entry>(len);
      for (let i = 0; i < len; i++) {
        const q = ptr + i * 24;
        out[i] = {
          id: dv.getUint32(q, true),
          score: dv.getFloat64(q + 8, true),
          ok: dv.getUint8(q + 16) !== 0,
        };
      }
      reset(r);
      return out;
    },
    callId: (n) => callId(n as number) >>> 0,
    callLen: (n) => callLen(n as number) >>> 0,
  };
  return Object.assign(out, { Counter }) as Exports;
}

/** Sets up group `calls`. */
export async function setup(): Promise<BenchGroup> {
  const callsBytes = await fixture(new URL("../testdata/calls.wat", import.meta.url));
  const smallBytes = await fixture(new URL("../testdata/small.wat", import.meta.url));
  const imports = { "bench:host/api": host };

  const calls = await Component.compile(callsBytes);
  const callsModules = calls.modules();
  const API = "bench:calls/api";
  const weft = calls.instantiateSync(imports).exports[API] as Exports;
  const floor = floorCalls(callsModules);
  const jcoCalls = await loadJco(callsBytes, "calls");
  const jco = (await jcoCalls.instantiate(imports))[API] as Exports;
  let j191Calls = await loadJco191(callsBytes, "calls");
  let jco191: Exports | undefined;
  try {
    jco191 = j191Calls === undefined
      ? undefined
      : (await j191Calls.instantiate(imports))[API] as Exports;
  } catch (e) {
    // jco 1.9.1's glue uses the `resource.new` trampoline of calls.wat before
    // it defines it (a TDZ error): that path stays empty for this component.
    console.error(`jco 1.9.1 cannot instantiate calls.wat: ${(e as Error).message}`);
    await j191Calls?.dispose();
    j191Calls = undefined;
  }

  const small = await Component.compile(smallBytes);
  const smallModules = small.modules();
  const smallFromModules = Component.fromModules(smallBytes, smallModules);
  const callsFromModules = Component.fromModules(callsBytes, callsModules);
  const jcoSmall = await loadJco(smallBytes, "small");
  const j191Small = await loadJco191(smallBytes, "small");

  const large = await largeComponent();

  const ascii = (n: number) => "abcdefghijklmnopqrstuvwxyz0123456789 ".repeat(n).slice(0, n);
  const s11 = "hello world";
  const s1k = ascii(1024);
  const bytes16 = new Uint8Array(16).map((_, i) => i);
  const bytes64k = new Uint8Array(65536).map((_, i) => i * 31);
  const entries: Entry[] = Array.from({ length: 100 }, (_, i) => ({
    id: i,
    score: i / 4,
    ok: i % 3 === 0,
  }));
  const rect = { x: -5, y: 7, width: 640, height: 480 };
  const perms = {
    read: true,
    write: false,
    exec: true,
    list: false,
    admin: false,
    owner: true,
    group: false,
    other: false,
  };
  const value = { tag: "int", val: 42 };
  const counters = {
    floor: new floor.Counter(0),
    weft: new weft.Counter(0),
    jco: new jco.Counter(0),
    jco191: jco191 === undefined ? undefined : new jco191.Counter(0),
  };

  /** A case calling the same export through each path, checked equal once. */
  const call = (name: string, fn: string, ...args: unknown[]): BenchCase => {
    const f = floor[fn]!, w = weft[fn]!, j = jco[fn]!, j191 = jco191?.[fn];
    if (typeof w !== "function" || typeof j !== "function") {
      throw new Error(`Cannot set up case ${name}: no export ${fn}`);
    }
    const expected = f(...args);
    deepStrictEqual(w(...args), expected, `${name}: weft differs from the floor`);
    deepStrictEqual(j(...args), expected, `${name}: jco differs from the floor`);
    if (j191 !== undefined) {
      deepStrictEqual(j191(...args), expected, `${name}: jco 1.9.1 differs from the floor`);
    }
    return {
      name,
      floor: callOp(f, args),
      weft: callOp(w, args),
      jco: callOp(j, args),
      ...(j191 === undefined ? {} : { jco191: callOp(j191, args) }),
    };
  };

  // Without calls.wat, jco 1.9.1 still gets `u32-add` from small.wat (the same core function).
  const j191Add = jco191 === undefined && j191Small !== undefined
    ? (await j191Small.instantiate({})).u32Add as Fn
    : undefined;
  const u32Add = call("u32-add", "u32Add", 40, 2);
  if (j191Add !== undefined) deepStrictEqual(j191Add(40, 2), 42, "u32-add: jco 1.9.1 differs");

  const cases: BenchCase[] = [
    j191Add === undefined ? u32Add : { ...u32Add, jco191: callOp(j191Add, [40, 2]) },
    call("u64-roundtrip", "u64Roundtrip", 1n << 60n),
    call("record4", "record4", rect),
    call("flags", "flags", perms),
    call("variant", "variant", value),
    call("string-11-utf8", "stringUtf8", s11),
    call("string-1k-utf8", "stringUtf8", s1k),
    call("string-11-utf16", "stringUtf16", s11),
    call("string-1k-utf16", "stringUtf16", s1k),
    call("list-u8-16", "listU8", bytes16),
    call("list-u8-64k", "listU8", bytes64k),
    call("list-record-100", "listEntry", entries),
    {
      name: "resource-method",
      floor: () => counters.floor.inc(),
      weft: () => counters.weft.inc(),
      jco: () => counters.jco.inc(),
      ...(counters.jco191 === undefined ? {} : { jco191: () => counters.jco191!.inc() }),
    },
    { ...call("import-u32", "callId", IMPORT_LOOP), opsPerCall: IMPORT_LOOP },
    { ...call("import-string", "callLen", IMPORT_LOOP), opsPerCall: IMPORT_LOOP },
    {
      name: "instantiate-small",
      floor: () => {
        const add = new WebAssembly.Instance(smallModules[0]!).exports.add as Fn;
        return { u32Add: (a: number, b: number) => add(a, b) as number >>> 0 };
      },
      weft: () => smallFromModules.instantiateSync({}),
      jco: () => jcoSmall.instantiate({}),
      ...(j191Small === undefined ? {} : { jco191: () => j191Small.instantiate({}) }),
    },
    {
      name: "instantiate-medium",
      floor: () => floorCalls(callsModules),
      weft: () => callsFromModules.instantiateSync(imports),
      jco: () => jcoCalls.instantiate(imports),
      ...(j191Calls === undefined ? {} : { jco191: () => j191Calls.instantiate(imports) }),
    },
    {
      name: "compile-large",
      floor: () => WebAssembly.compile(large.core as Uint8Array<ArrayBuffer>),
      weft: () => Component.compile(large.component),
    },
  ];
  return {
    cases,
    async dispose() {
      await jcoCalls.dispose();
      await jcoSmall.dispose();
      await j191Calls?.dispose();
      await j191Small?.dispose();
    },
  };
}
