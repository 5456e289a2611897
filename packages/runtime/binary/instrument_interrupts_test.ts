import assert from "node:assert/strict";
import { parse, print } from "@bytecodealliance/jco-transpile/wasm-tools";
import type { ComponentAst } from "./ast.ts";
import { decodeComponent } from "./decode.ts";
import {
  instrumentInterrupts,
  INTERRUPT_IMPORT,
  tryInstrumentInterrupts,
} from "./instrument_interrupts.ts";
import { runSpinScenario } from "./testdata/instrument/spin_main.ts";
import { leb } from "./_test_util.ts";

// ---------------------------------------------------------------------------
// Helpers

type Call = readonly [name: string, ...args: unknown[]];

/** A module, the imports it needs (made fresh per instance) and calls to compare. */
interface Case {
  readonly wat: string;
  readonly imports?: () => WebAssembly.Imports;
  readonly calls: readonly Call[];
}

/** What a call did: returned a value or threw. */
type Outcome = { returned: unknown } | { threw: string };

function outcome(fn: () => unknown): Outcome {
  try {
    return { returned: fn() };
  } catch (error) {
    const name = error instanceof Error ? error.constructor.name : typeof error;
    return { threw: `${name}: ${(error as Error).message ?? ""}` };
  }
}

function newFlag(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
}

function call(instance: WebAssembly.Instance, [name, ...args]: Call): unknown {
  const fn = instance.exports[name];
  assert.equal(typeof fn, "function", `export ${name}`);
  return (fn as (...args: unknown[]) => unknown)(...args);
}

function describeImports(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.imports(module).map((i) => `${i.module} ${i.name} ${i.kind}`);
}

/**
 * Instruments `c.wat` and checks: the result validates; its imports are the
 * original's plus the flag memory, last; every call behaves as in the
 * original; with the flag set every call traps with `unreachable` at once;
 * after clearing the flag the calls behave as in the original again.
 */
async function checkCase(c: Case): Promise<{ original: Uint8Array; instrumented: Uint8Array }> {
  const original = await parse(c.wat);
  assert.ok(validate(original), "the test module itself is valid");
  const instrumented = instrumentInterrupts(original);
  assert.ok(
    instrumented,
    tryInstrumentInterrupts(original).ok ? "" : "instrumentInterrupts bailed",
  );
  assert.ok(validate(instrumented), "the instrumented module validates");

  const originalModule = new WebAssembly.Module(original as BufferSource);
  const instrumentedModule = new WebAssembly.Module(instrumented as BufferSource);
  assert.deepEqual(describeImports(instrumentedModule), [
    ...describeImports(originalModule),
    `${INTERRUPT_IMPORT.module} ${INTERRUPT_IMPORT.name} memory`,
  ]);
  assert.deepEqual(
    WebAssembly.Module.exports(instrumentedModule),
    WebAssembly.Module.exports(originalModule),
  );

  const flag = newFlag();
  const a = new WebAssembly.Instance(originalModule, c.imports?.() ?? {});
  const b = new WebAssembly.Instance(instrumentedModule, {
    ...c.imports?.(),
    [INTERRUPT_IMPORT.module]: { [INTERRUPT_IMPORT.name]: flag },
  });
  const run = () => {
    for (const each of c.calls) {
      assert.deepEqual(outcome(() => call(b, each)), outcome(() => call(a, each)), each[0]);
    }
  };
  run();
  const flagBytes = new Uint8Array(flag.buffer);
  flagBytes[0] = 1;
  for (const each of c.calls) {
    assert.throws(() => call(b, each), isUnreachableTrap, `${each[0]} with the flag set`);
  }
  flagBytes[0] = 0;
  run();
  return { original, instrumented };
}

function validate(bytes: Uint8Array): boolean {
  return WebAssembly.validate(bytes as BufferSource);
}

function isUnreachableTrap(error: unknown): boolean {
  return error instanceof WebAssembly.RuntimeError && /unreachable/.test(error.message);
}

function section(id: number, content: readonly number[]): number[] {
  return [id, ...leb(content.length), ...content];
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** A module with one `() -> ()` function (also exported as `f`) whose body is `body` + `end`. */
function moduleWithBody(body: readonly number[], extra: readonly number[] = []): Uint8Array {
  const code = [0x00, ...body, 0x0b];
  return new Uint8Array([
    ...HEADER,
    ...section(1, [1, 0x60, 0, 0]),
    ...section(3, [1, 0]),
    ...section(5, [1, 0x00, 1]),
    ...section(7, [1, 1, 0x66, 0x00, 0]),
    ...section(10, [1, ...leb(code.length), ...code]),
    ...extra,
  ]);
}

function customSection(name: string, payload: readonly number[]): number[] {
  const bytes = new TextEncoder().encode(name);
  return section(0, [...leb(bytes.length), ...bytes, ...payload]);
}

/** `bytes` without the custom sections called `name` (their names follow the old indices). */
function withoutCustomSection(bytes: Uint8Array, name: string): Uint8Array {
  const out = [...bytes.subarray(0, 8)];
  const wanted = [...leb(name.length), ...new TextEncoder().encode(name)];
  let pos = 8;
  while (pos < bytes.length) {
    const start = pos++;
    let size = 0;
    for (let shift = 0;; shift += 7) {
      const b = bytes[pos++] as number;
      size += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    const content = bytes.subarray(pos, pos + size);
    pos += size;
    const drop = bytes[start] === 0 &&
      wanted.every((b, i) => content[i] === b);
    if (!drop) out.push(...bytes.subarray(start, pos));
  }
  return new Uint8Array(out);
}

/** The offsets where the sections of `bytes` start, and its end. */
function sectionBoundaries(bytes: Uint8Array): Set<number> {
  const out = new Set<number>([8]);
  let pos = 8;
  while (pos < bytes.length) {
    pos++;
    let size = 0;
    for (let shift = 0;; shift += 7) {
      const b = bytes[pos++] as number;
      size += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    pos += size;
    out.add(pos);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Modules

const LOOPS: Case = {
  wat: `(module
    (func (export "collatz") (param $n i32) (result i32) (local $steps i32)
      (block $done
        (loop $next
          (br_if $done (i32.le_u (local.get $n) (i32.const 1)))
          (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
          (if (i32.and (local.get $n) (i32.const 1))
            (then (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 3)) (i32.const 1))))
            (else (local.set $n (i32.shr_u (local.get $n) (i32.const 1)))))
          (br $next)))
      (local.get $steps))
    (func (export "classify") (param i32) (result i32)
      (block $d (block $c (block $b (block $a
        (br_table $a $b $c $d (local.get 0)))
        (return (i32.const 10)))
        (return (i32.const 20)))
        (return (i32.const 30)))
      (i32.const 40))
    (func (export "nested") (param $n i32) (result i32)
      (local $i i32) (local $j i32) (local $acc i32)
      (loop $outer
        (local.set $j (i32.const 0))
        (loop $inner
          (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $i) (local.get $j))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $inner (i32.lt_u (local.get $j) (local.get $n))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
      (local.get $acc)))`,
  calls: [
    ["collatz", 27],
    ["collatz", 1],
    ["classify", 0],
    ["classify", 1],
    ["classify", 2],
    ["classify", 3],
    ["classify", 99],
    ["nested", 12],
  ],
};

const CALLS: Case = {
  wat: `(module
    (type $binop (func (param i32 i32) (result i32)))
    (table 2 funcref)
    (elem (i32.const 0) $add $mul)
    (func $add (type $binop) (i32.add (local.get 0) (local.get 1)))
    (func $mul (type $binop) (i32.mul (local.get 0) (local.get 1)))
    (func $fact (export "fact") (param i64) (result i64)
      (if (result i64) (i64.le_u (local.get 0) (i64.const 1))
        (then (i64.const 1))
        (else (i64.mul (local.get 0) (call $fact (i64.sub (local.get 0) (i64.const 1)))))))
    (func $fib (export "fib") (param i32) (result i32)
      (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
        (then (local.get 0))
        (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                       (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
    (func (export "apply") (param i32 i32 i32) (result i32)
      (call_indirect (type $binop) (local.get 1) (local.get 2) (local.get 0))))`,
  calls: [["fact", 20n], ["fib", 20], ["apply", 0, 3, 4], ["apply", 1, 3, 4], ["apply", 2, 3, 4]],
};

const MULTI_VALUE: Case = {
  wat: `(module
    (func $swap (export "swap") (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
    (func (export "divmod") (param i32 i32) (result i32 i32)
      (i32.div_u (local.get 0) (local.get 1)) (i32.rem_u (local.get 0) (local.get 1)))
    (func (export "swapInBlock") (param i32 i32) (result i32 i32)
      (local.get 0) (local.get 1)
      (block (param i32 i32) (result i32 i32) (call $swap)))
    (func (export "sumTo") (param $n i32) (result i32) (local $a i32) (local $i i32)
      i32.const 0
      local.get $n
      loop $l (param i32 i32) (result i32 i32)
        local.set $i
        local.set $a
        local.get $a
        local.get $i
        i32.add
        local.get $i
        i32.const 1
        i32.sub
        local.tee $i
        local.get $i
        br_if $l
      end
      drop))`,
  calls: [["swap", 1, 2], ["divmod", 17, 5], ["swapInBlock", 3, 4], ["sumTo", 10], ["sumTo", 1]],
};

const IMPORTED_AND_DEFINED_MEMORY: Case = {
  wat: `(module
    (import "env" "memory" (memory $imp 1))
    (memory $own (export "own") 1)
    (data (memory $own) (i32.const 16) "\\2a")
    (data (memory $imp) (i32.const 32) "\\07")
    (func (export "copyIn") (param i32) (result i32)
      (i32.store8 $own (i32.const 0) (i32.load8_u $imp (local.get 0)))
      (i32.add (i32.load8_u $own (i32.const 0)) (i32.load8_u $own (i32.const 16))))
    (func (export "sizes") (result i32 i32) (memory.size $imp) (memory.size $own))
    (func (export "growOwn") (result i32) (memory.grow $own (i32.const 1)))
    (func (export "writeImp") (param i32 i32) (i32.store $imp offset=4 (local.get 0) (local.get 1)))
    (func (export "readImp") (param i32) (result i32) (i32.load $imp offset=4 (local.get 0)))
    (func (export "readOwn") (param i32) (result i32) (i32.load $own (local.get 0))))`,
  imports: () => ({ env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 4 }) } }),
  calls: [
    ["copyIn", 32],
    ["sizes"],
    ["writeImp", 100, 0x01020304],
    ["readImp", 100],
    ["readOwn", 0],
    ["readOwn", 16],
    ["growOwn"],
    ["sizes"],
    ["readOwn", 65536 * 2],
  ],
};

const TWO_MEMORIES: Case = {
  wat: `(module
    (memory $a (export "a") 1)
    (memory $b (export "b") 1 3)
    (data (i32.const 0) "hello")
    (data (memory $b) (i32.const 8) "world")
    (data $passive "passive!")
    (func $sum (export "sum") (param $which i32) (param $from i32) (param $len i32) (result i32)
      (local $acc i32)
      (block $done
        (loop $l
          (br_if $done (i32.eqz (local.get $len)))
          (local.set $acc (i32.add (local.get $acc)
            (if (result i32) (local.get $which)
              (then (i32.load8_u $b (local.get $from)))
              (else (i32.load8_u $a (local.get $from))))))
          (local.set $from (i32.add (local.get $from) (i32.const 1)))
          (local.set $len (i32.sub (local.get $len) (i32.const 1)))
          (br $l)))
      (local.get $acc))
    (func (export "init") (param i32)
      (memory.init $b $passive (local.get 0) (i32.const 0) (i32.const 8)))
    (func (export "drop") (data.drop $passive))
    (func (export "copyAToB") (param i32 i32 i32)
      (memory.copy $b $a (local.get 0) (local.get 1) (local.get 2)))
    (func (export "copyBToA") (param i32 i32 i32)
      (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2)))
    (func (export "fillA") (param i32 i32 i32) (memory.fill $a (local.get 0) (local.get 1) (local.get 2)))
    (func (export "fillB") (param i32 i32 i32) (memory.fill $b (local.get 0) (local.get 1) (local.get 2)))
    (func (export "growB") (param i32) (result i32 i32)
      (memory.grow $b (local.get 0)) (memory.size $b))
    (func (export "load64") (param i32) (result i64) (i64.load $b offset=3 align=4 (local.get 0))))`,
  calls: [
    ["sum", 0, 0, 5],
    ["sum", 1, 8, 5],
    ["init", 100],
    ["sum", 1, 100, 8],
    ["drop"],
    ["init", 200],
    ["copyAToB", 300, 0, 5],
    ["sum", 1, 300, 5],
    ["copyBToA", 400, 8, 5],
    ["sum", 0, 400, 5],
    ["fillA", 10, 7, 3],
    ["fillB", 20, 9, 3],
    ["sum", 0, 10, 3],
    ["sum", 1, 20, 3],
    ["load64", 5],
    ["growB", 1],
    ["growB", 5],
    ["fillB", 65536 * 2 - 1, 1, 2],
  ],
};

const SIMD: Case = {
  wat: `(module
    (memory (export "mem") 1)
    (data (i32.const 0) "\\00\\01\\02\\03\\04\\05\\06\\07\\08\\09\\0a\\0b\\0c\\0d\\0e\\0f")
    (data (i32.const 16) "\\10\\11\\12\\13\\14\\15\\16\\17\\18\\19\\1a\\1b\\1c\\1d\\1e\\1f")
    (func (export "shuffle") (param i32) (result i32) (local $v v128)
      (local.set $v (v128.load offset=0 (local.get 0)))
      (local.set $v (i8x16.add (local.get $v) (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)))
      (local.set $v (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0 (local.get $v) (local.get $v)))
      (v128.store offset=64 (i32.const 0) (local.get $v))
      (i32.add (i8x16.extract_lane_u 0 (local.get $v)) (i32x4.extract_lane 3 (local.get $v))))
    (func (export "lanes") (param i32) (result i32) (local $v v128)
      (local.set $v (v128.load32_zero (i32.const 4)))
      (local.set $v (v128.load8_lane 5 (i32.const 9) (local.get $v)))
      (v128.store16_lane offset=128 2 (i32.const 0) (local.get $v))
      (local.set $v (i16x8.replace_lane 7 (local.get $v) (local.get 0)))
      (v128.store offset=160 (i32.const 0) (local.get $v))
      (i32.add (i32.load16_u offset=128 (i32.const 0)) (i16x8.extract_lane_s 7 (local.get $v))))
    (func (export "splat") (param f64) (result f64)
      (f64x2.extract_lane 1
        (f64x2.add (f64x2.splat (local.get 0)) (f64x2.convert_low_i32x4_s (v128.load64_splat (i32.const 8))))))
    (func (export "widen") (result i64)
      (i64x2.extract_lane 1 (v128.load32x2_u (i32.const 20))))
    (func (export "relaxed") (result i32)
      (i8x16.extract_lane_u 3
        (i8x16.relaxed_swizzle (v128.load (i32.const 0))
          (v128.const i8x16 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0))))
    (func (export "readBack") (param i32) (result i32) (i32.load (local.get 0))))`,
  calls: [
    ["shuffle", 0],
    ["shuffle", 16],
    ["readBack", 64],
    ["readBack", 76],
    ["lanes", 1234],
    ["readBack", 128],
    ["readBack", 172],
    ["splat", 1.5],
    ["widen"],
    ["relaxed"],
    ["shuffle", 65530],
  ],
};

const ATOMICS: Case = {
  wat: `(module
    (memory (export "mem") 1 1 shared)
    (func (export "counter") (param $n i32) (result i32) (local $i i32)
      (loop $l
        (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
      (atomic.fence)
      (i32.atomic.load (i32.const 0)))
    (func (export "cas") (param i32 i32) (result i32)
      (i32.atomic.rmw.cmpxchg (i32.const 0) (local.get 0) (local.get 1)))
    (func (export "wide") (param i64) (result i64)
      (i64.atomic.store offset=8 (i32.const 0) (local.get 0))
      (drop (i64.atomic.rmw.xor offset=8 (i32.const 0) (i64.const 0xff)))
      (i64.atomic.load offset=8 (i32.const 0)))
    (func (export "sub8") (result i32) (i32.atomic.rmw8.sub_u offset=16 (i32.const 0) (i32.const 1)))
    (func (export "store16") (param i32) (result i32)
      (i32.atomic.store16 offset=20 (i32.const 0) (local.get 0))
      (i32.atomic.load16_u offset=20 (i32.const 0)))
    (func (export "notify") (result i32) (memory.atomic.notify (i32.const 0) (i32.const 1)))
    (func (export "waitNotEqual") (result i32)
      (memory.atomic.wait32 (i32.const 0) (i32.const 12345) (i64.const 0)))
    (func (export "unaligned") (result i32) (i32.atomic.load (i32.const 2))))`,
  calls: [
    ["counter", 100],
    ["cas", 100, 7],
    ["cas", 100, 8],
    ["wide", 0x1234n],
    ["sub8"],
    ["sub8"],
    ["store16", 0x12345],
    ["notify"],
    ["waitNotEqual"],
    ["unaligned"],
  ],
};

const EXCEPTIONS: Case = {
  wat: `(module
    (tag $e (export "e") (param i32))
    (func $thrower (param i32) (if (local.get 0) (then (throw $e (local.get 0)))))
    (func (export "tryTable") (param i32) (result i32)
      (block $caught (result i32)
        (try_table (catch $e $caught) (call $thrower (local.get 0)))
        (i32.const -1)))
    (func (export "catchAll") (param i32) (result i32)
      (block $all
        (try_table (catch_all $all) (call $thrower (local.get 0)))
        (return (i32.const 0)))
      (i32.const 1))
    (func (export "rethrowRef") (param i32) (result i32)
      (block $outer (result i32)
        (try_table (catch $e $outer)
          (block $ref (result exnref)
            (try_table (catch_all_ref $ref) (call $thrower (local.get 0)))
            (return (i32.const 100)))
          (throw_ref))
        (i32.const -2)))
    (func (export "catchRef") (param i32) (result i32)
      (block $h (result i32 exnref)
        (try_table (catch_ref $e $h) (call $thrower (local.get 0)))
        (return (i32.const 0)))
      (drop))
    (func (export "escape") (param i32) (call $thrower (local.get 0))))`,
  calls: [
    ["tryTable", 0],
    ["tryTable", 5],
    ["catchAll", 0],
    ["catchAll", 3],
    ["rethrowRef", 0],
    ["rethrowRef", 9],
    ["catchRef", 0],
    ["catchRef", 4],
    ["escape", 0],
  ],
};

const LEGACY_EXCEPTIONS: Case = {
  wat: `(module
    (tag $e (param i32))
    (func $thrower (param i32) (if (local.get 0) (then (throw $e (local.get 0)))))
    (func (export "legacy") (param i32) (result i32)
      try (result i32)
        local.get 0
        call $thrower
        i32.const 0
      catch $e
        i32.const 1000
        i32.add
      catch_all
        i32.const -3
      end)
    (func (export "rethrow") (param i32) (result i32)
      try (result i32)
        try
          local.get 0
          call $thrower
        catch $e
          drop
          rethrow 0
        end
        i32.const 0
      catch $e
      end)
    (func (export "delegate") (param i32) (result i32)
      try (result i32)
        try
          local.get 0
          call $thrower
        delegate 0
        i32.const 0
      catch $e
      end))`,
  calls: [["legacy", 0], ["legacy", 7], ["rethrow", 0], ["rethrow", 8], ["delegate", 0], [
    "delegate",
    9,
  ]],
};

const TAIL_CALLS: Case = {
  wat: `(module
    (type $step (func (param i64 i64) (result i64)))
    (table funcref (elem $viaTable))
    (elem declare func $viaRef)
    (func $countdown (export "countdown") (param $n i64) (param $acc i64) (result i64)
      (if (result i64) (i64.eqz (local.get $n))
        (then (local.get $acc))
        (else (return_call $countdown (i64.sub (local.get $n) (i64.const 1))
                                      (i64.add (local.get $acc) (local.get $n))))))
    (func $viaTable (type $step)
      (if (result i64) (i64.eqz (local.get 0))
        (then (local.get 1))
        (else (return_call_indirect (type $step)
          (i64.sub (local.get 0) (i64.const 1)) (i64.add (local.get 1) (i64.const 2)) (i32.const 0)))))
    (func $viaRef (type $step)
      (if (result i64) (i64.eqz (local.get 0))
        (then (local.get 1))
        (else (return_call_ref $step
          (i64.sub (local.get 0) (i64.const 1)) (i64.add (local.get 1) (i64.const 3)) (ref.func $viaRef)))))
    (func (export "indirect") (param i64) (result i64)
      (return_call_indirect (type $step) (local.get 0) (i64.const 0) (i32.const 0)))
    (func (export "byRef") (param i64) (result i64)
      (return_call_ref $step (local.get 0) (i64.const 0) (ref.func $viaRef))))`,
  // A million frames would overflow the stack without tail calls.
  calls: [["countdown", 1_000_000n, 0n], ["indirect", 1_000_000n], ["byRef", 1_000_000n]],
};

const GC: Case = {
  wat: `(module
    (type $point (struct (field $x (mut i32)) (field $y (mut i32))))
    (type $arr (array (mut i32)))
    (type $bytes (array (mut i8)))
    (data $d "\\01\\02\\03\\04")
    (func (export "structs") (param i32 i32) (result i32) (local $p (ref $point))
      (local.set $p (struct.new $point (local.get 0) (local.get 1)))
      (struct.set $point $x (local.get $p) (i32.add (struct.get $point $x (local.get $p)) (i32.const 10)))
      (i32.mul (struct.get $point $x (local.get $p)) (struct.get $point $y (local.get $p))))
    (func (export "arrays") (param $n i32) (result i32)
      (local $a (ref $arr)) (local $i i32) (local $sum i32)
      (local.set $a (array.new $arr (i32.const 3) (local.get $n)))
      (array.fill $arr (local.get $a) (i32.const 1) (i32.const 5) (i32.const 2))
      (array.set $arr (local.get $a) (i32.const 0) (i32.const 100))
      (loop $l
        (local.set $sum (i32.add (local.get $sum) (array.get $arr (local.get $a) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (array.len (local.get $a)))))
      (local.get $sum))
    (func (export "dataArray") (result i32) (local $b (ref $bytes))
      (local.set $b (array.new_data $bytes $d (i32.const 0) (i32.const 4)))
      (i32.add (array.get_u $bytes (local.get $b) (i32.const 3)) (array.len (local.get $b))))
    (func (export "copy") (result i32) (local $a (ref $arr))
      (local.set $a (array.new_fixed $arr 4 (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)))
      (array.copy $arr $arr (local.get $a) (i32.const 0) (local.get $a) (i32.const 2) (i32.const 2))
      (array.get $arr (local.get $a) (i32.const 1)))
    (func (export "casts") (param externref) (result i32) (local $a anyref)
      (local.set $a (any.convert_extern (local.get 0)))
      (if (result i32) (ref.test (ref i31) (local.get $a))
        (then (i31.get_s (ref.cast (ref i31) (local.get $a))))
        (else (i32.const -1))))
    (func (export "boxed") (param i32) (result externref) (extern.convert_any (ref.i31 (local.get 0))))
    (func (export "brOnCast") (param i32) (result i32) (local $v anyref)
      (local.set $v
        (if (result anyref) (local.get 0)
          (then (ref.i31 (i32.const 7)))
          (else (struct.new_default $point))))
      (block $isI31 (result (ref i31))
        (br_on_cast $isI31 anyref (ref i31) (local.get $v))
        (drop)
        (return (i32.const -5)))
      (i31.get_u))
    (func (export "brOnCastFail") (param i32) (result i32)
      (block $notStruct (result anyref)
        (br_on_cast_fail $notStruct anyref (ref $point)
          (if (result anyref) (local.get 0)
            (then (ref.i31 (i32.const 1)))
            (else (struct.new $point (i32.const 4) (i32.const 5)))))
        (return (struct.get $point $y)))
      (drop)
      (i32.const -9))
    (func (export "eq") (param i32 i32) (result i32)
      (ref.eq (ref.i31 (local.get 0)) (ref.i31 (local.get 1)))))`,
  calls: [
    ["structs", 2, 3],
    ["arrays", 6],
    ["arrays", 2],
    ["dataArray"],
    ["copy"],
    ["casts", 5],
    ["casts", "text"],
    ["boxed", 41],
    ["brOnCast", 1],
    ["brOnCast", 0],
    ["brOnCastFail", 0],
    ["brOnCastFail", 1],
    ["eq", 3, 3],
    ["eq", 3, 4],
  ],
};

const REFERENCES: Case = {
  wat: `(module
    (type $unop (func (param i32) (result i32)))
    (table $t (export "t") 4 funcref)
    (table $ext 2 externref)
    (elem $seg func $inc $dbl)
    (elem declare func $neg)
    (func $inc (type $unop) (i32.add (local.get 0) (i32.const 1)))
    (func $dbl (type $unop) (i32.mul (local.get 0) (i32.const 2)))
    (func $neg (type $unop) (i32.sub (i32.const 0) (local.get 0)))
    (func (export "setup") (result i32)
      (table.init $t $seg (i32.const 0) (i32.const 0) (i32.const 2))
      (elem.drop $seg)
      (table.set $t (i32.const 2) (ref.func $neg))
      (table.copy $t $t (i32.const 3) (i32.const 0) (i32.const 1))
      (table.size $t))
    (func (export "callAt") (param i32 i32) (result i32)
      (call_indirect $t (type $unop) (local.get 1) (local.get 0)))
    (func (export "grow") (result i32) (table.grow $t (ref.null func) (i32.const 2)))
    (func (export "fillNull") (table.fill $t (i32.const 4) (ref.null func) (i32.const 2)))
    (func (export "isNull") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0))))
    (func (export "stash") (param externref) (table.set $ext (i32.const 1) (local.get 0)))
    (func (export "unstash") (result externref) (table.get $ext (i32.const 1)))
    (func (export "pick") (param i32) (result externref)
      (select (result externref) (table.get $ext (i32.const 1)) (ref.null extern) (local.get 0)))
    (func (export "callRef") (param i32) (result i32) (local $f (ref null $unop))
      (local.set $f (ref.func $neg))
      (call_ref $unop (local.get 0) (ref.as_non_null (local.get $f))))
    (func (export "brOnNull") (param i32) (result i32) (local $f (ref null $unop))
      (if (local.get 0) (then (local.set $f (ref.func $dbl))))
      (block $null
        (br_on_null $null (local.get $f))
        (drop)
        (return (i32.const 1)))
      (i32.const 0))
    (func (export "brOnNonNull") (param i32) (result i32) (local $f (ref null $unop))
      (if (local.get 0) (then (local.set $f (ref.func $inc))))
      (call_ref $unop (i32.const 41)
        (block $nn (result (ref $unop))
          (br_on_non_null $nn (local.get $f))
          (return (i32.const -1))))))`,
  calls: [
    ["setup"],
    ["callAt", 0, 5],
    ["callAt", 1, 5],
    ["callAt", 2, 5],
    ["callAt", 3, 5],
    ["grow"],
    ["isNull", 4],
    ["isNull", 0],
    ["fillNull"],
    ["stash", "hello"],
    ["unstash"],
    ["pick", 1],
    ["pick", 0],
    ["callRef", 8],
    ["brOnNull", 0],
    ["brOnNull", 1],
    ["brOnNonNull", 0],
    ["brOnNonNull", 1],
    ["setup"],
  ],
};

const NUMERIC: Case = {
  wat: `(module
    (func (export "ext8") (param i32) (result i32) (i32.extend8_s (local.get 0)))
    (func (export "ext32") (param i64) (result i64) (i64.extend32_s (local.get 0)))
    (func (export "sat") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0)))
    (func (export "satU") (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))
    (func (export "consts") (result f64) (f64.add (f64.const 1.5) (f64.promote_f32 (f32.const -2.25))))
    (func (export "big") (result i64) (i64.const -9223372036854775808))
    (func (export "trap") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0))))`,
  calls: [
    ["ext8", 0x80],
    ["ext32", 0x80000000n],
    ["sat", 1e20],
    ["sat", -3.7],
    ["satU", -1],
    ["consts"],
    ["big"],
    ["trap", 0],
    ["trap", 1],
  ],
};

const MEMORY64: Case = {
  wat: `(module
    (memory (export "mem") i64 1)
    (data (i64.const 8) "\\2a")
    (func (export "rw") (param i64 i32) (result i32)
      (i32.store offset=4 (local.get 0) (local.get 1))
      (i32.load offset=4 (local.get 0)))
    (func (export "byte") (result i32) (i32.load8_u (i64.const 8)))
    (func (export "size") (result i64) (memory.size))
    (func (export "grow") (result i64) (memory.grow (i64.const 1)))
    (func (export "far") (result i32) (i32.load offset=0x100000000 (i64.const 0))))`,
  calls: [["rw", 100n, 77], ["byte"], ["size"], ["grow"], ["size"], ["far"]],
};

const CASES: Record<string, Case> = {
  "loops, nested blocks and br_table": LOOPS,
  "calls, recursion and call_indirect": CALLS,
  "multi-value functions, blocks and loops": MULTI_VALUE,
  "an imported memory and a defined one": IMPORTED_AND_DEFINED_MEMORY,
  "two defined memories, data segments and bulk memory": TWO_MEMORIES,
  "SIMD loads, stores, lanes, shuffles and relaxed SIMD": SIMD,
  "atomics on a shared memory": ATOMICS,
  "exceptions (try_table, throw, throw_ref)": EXCEPTIONS,
  "legacy exceptions (try, catch, catch_all, rethrow, delegate)": LEGACY_EXCEPTIONS,
  "tail calls (return_call, return_call_indirect, return_call_ref)": TAIL_CALLS,
  "GC structs, arrays, casts and i31": GC,
  "reference types, tables and typed function references": REFERENCES,
  "sign extension, saturating truncation and constants": NUMERIC,
  "memory64": MEMORY64,
};

// ---------------------------------------------------------------------------
// Tests

Deno.test("INTERRUPT_IMPORT names the flag memory import", () => {
  assert.deepEqual(INTERRUPT_IMPORT, { module: "weft:interrupt", name: "flag" });
  assert.ok(Object.isFrozen(INTERRUPT_IMPORT));
});

for (const [name, c] of Object.entries(CASES)) {
  Deno.test(`instrumentInterrupts() keeps behaviour and traps on the flag: ${name}`, async () => {
    await checkCase(c);
  });
}

Deno.test("instrumentInterrupts() places the flag after imported memories and shifts the rest", async () => {
  const { instrumented } = await checkCase(IMPORTED_AND_DEFINED_MEMORY);
  const text = await print(withoutCustomSection(instrumented, "name"));
  assert.match(text, /\(import "env" "memory" \(memory \(;0;\) 1\)\)/);
  assert.match(text, /\(import "weft:interrupt" "flag" \(memory \(;1;\) 1 1 shared\)\)/);
  assert.match(text, /\(export "own" \(memory 2\)\)/);
  // The exported memory is still the module's own one, with its data.
  const flag = newFlag();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(instrumented as BufferSource), {
    env: { memory: new WebAssembly.Memory({ initial: 1 }) },
    "weft:interrupt": { flag },
  });
  const own = instance.exports.own as WebAssembly.Memory;
  assert.ok(own.buffer instanceof ArrayBuffer);
  assert.equal(new Uint8Array(own.buffer)[16], 0x2a);
});

Deno.test("instrumentInterrupts() rewrites active data segments for memory 0 to name memory 1", async () => {
  const { instrumented } = await checkCase(TWO_MEMORIES);
  const text = await print(withoutCustomSection(instrumented, "name"));
  assert.match(text, /\(data \(;0;\) \(memory 1\) \(i32.const 0\) "hello"\)/);
  assert.match(text, /\(data \(;1;\) \(memory 2\) \(i32.const 8\) "world"\)/);
  assert.match(text, /memory\.copy 2 1/);
  assert.match(text, /memory\.init 2 2/);
  assert.match(text, /memory\.fill 1\n[^]*memory\.fill 2\n/);
  assert.match(text, /memory\.grow 2\n\s*memory\.size 2\n/);
  assert.match(text, /i64\.load 2 offset=3 align=4\n/);
});

Deno.test("instrumentInterrupts() checks at function entry and loop headers only", async () => {
  const { instrumented } = await checkCase(LOOPS);
  const text = await print(instrumented);
  const checks = text.match(/i32\.const 0\n\s*i32\.load8_u\n\s*if[^\n]*\n\s*unreachable\n\s*end/g);
  // Three functions and three loops.
  assert.equal(checks?.length, 6);
});

Deno.test("instrumentInterrupts() traps at the next loop header once the flag is set mid-loop", async () => {
  const original = await parse(`(module
    (import "host" "tick" (func $tick (param i32)))
    (func (export "run") (param $n i32) (result i32) (local $i i32)
      (loop $l
        (call $tick (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
      (local.get $i))
    (func (export "nested") (param $n i32) (result i32) (local $i i32) (local $j i32)
      (loop $outer
        (local.set $j (i32.const 0))
        (loop $inner
          (call $tick (i32.add (i32.mul (local.get $i) (i32.const 100)) (local.get $j)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $inner (i32.lt_u (local.get $j) (local.get $n))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
      (i32.add (i32.mul (local.get $i) (i32.const 100)) (local.get $j))))`);
  const instrumented = instrumentInterrupts(original);
  assert.ok(instrumented);
  const flag = newFlag();
  const flagBytes = new Uint8Array(flag.buffer);
  const ticks: number[] = [];
  let stopAt = -1;
  const { exports } = new WebAssembly.Instance(
    new WebAssembly.Module(instrumented as BufferSource),
    {
      host: {
        tick: (i: number) => {
          ticks.push(i);
          if (i === stopAt) Atomics.store(flagBytes, 0, 1);
        },
      },
      "weft:interrupt": { flag },
    },
  );
  const run = exports.run as (n: number) => number;
  const nested = exports.nested as (n: number) => number;

  assert.equal(run(10), 10);
  assert.equal(ticks.length, 10);
  ticks.length = 0;
  stopAt = 4;
  assert.throws(() => run(10), isUnreachableTrap);
  assert.deepEqual(ticks, [0, 1, 2, 3, 4]);

  Atomics.store(flagBytes, 0, 0);
  ticks.length = 0;
  stopAt = 102;
  assert.throws(() => nested(5), isUnreachableTrap);
  assert.deepEqual(ticks, [0, 1, 2, 3, 4, 100, 101, 102]);

  Atomics.store(flagBytes, 0, 0);
  stopAt = -1;
  assert.equal(nested(5), 505);
});

Deno.test("instrumentInterrupts() lets another thread stop an endless loop in a worker", async () => {
  const { outcome } = await runSpinScenario({ delayMs: 150, timeoutMs: 30_000 });
  assert.equal(outcome.kind, "trapped", JSON.stringify(outcome));
  assert.ok(outcome.kind === "trapped" && outcome.isRuntimeError, outcome.kind);
  assert.match(outcome.message, /unreachable/);
  // It was stopped inside the loop, not at the call's entry.
  assert.ok(outcome.elapsedMs >= 100, `the loop ran ${outcome.elapsedMs} ms`);
});

Deno.test({
  name: "instrumentInterrupts() stops a loop compiled by the optimizing tier (--no-liftoff)",
  async fn() {
    const script = new URL("./testdata/instrument/spin_main.ts", import.meta.url);
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--v8-flags=--no-liftoff", script.pathname],
      cwd: new URL("../../../", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timeout = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const { code, stdout, stderr } = await child.output();
    clearTimeout(timeout);
    const err = new TextDecoder().decode(stderr);
    assert.equal(code, 0, err);
    const { outcome } = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(outcome.kind, "trapped", JSON.stringify(outcome));
    assert.equal(outcome.isRuntimeError, true);
    assert.ok(outcome.elapsedMs >= 100, `the loop ran ${outcome.elapsedMs} ms`);
  },
});

Deno.test("instrumentInterrupts() handles memargs that already name a memory", async () => {
  // Instrumenting twice: the second pass sees explicit memory indices
  // everywhere, one imported memory (the first flag), and shifts past it.
  const { original, instrumented } = await checkCase(TWO_MEMORIES);
  const twice = instrumentInterrupts(instrumented);
  assert.ok(twice);
  assert.ok(validate(twice));
  const flag1 = newFlag();
  const module = new WebAssembly.Module(twice as BufferSource);
  assert.deepEqual(describeImports(module), [
    "weft:interrupt flag memory",
    "weft:interrupt flag memory",
  ]);
  // Both imports have the same name, so one object provides both.
  const a = new WebAssembly.Instance(new WebAssembly.Module(original as BufferSource), {});
  const b = new WebAssembly.Instance(module, { "weft:interrupt": { flag: flag1 } });
  for (const each of TWO_MEMORIES.calls) {
    assert.deepEqual(outcome(() => call(b, each)), outcome(() => call(a, each)), each[0]);
  }
  new Uint8Array(flag1.buffer)[0] = 1;
  assert.throws(() => call(b, ["sum", 0, 0, 5]), isUnreachableTrap);
});

Deno.test("instrumentInterrupts() adds an import section in order when there is none", async () => {
  for (
    const text of [
      "(module)",
      "(module (type (func)))",
      `(module (func (export "f") (result i32) (i32.const 7)))`,
      `(module (memory (export "m") 1) (data (i32.const 0) "x"))`,
      `(module (global (export "g") i32 (i32.const 3)) (start $s) (func $s))`,
    ]
  ) {
    const original = await parse(text);
    const instrumented = instrumentInterrupts(original);
    assert.ok(instrumented, text);
    assert.ok(validate(instrumented), text);
    const module = new WebAssembly.Module(instrumented as BufferSource);
    assert.deepEqual(describeImports(module), ["weft:interrupt flag memory"], text);
    const instance = new WebAssembly.Instance(module, { "weft:interrupt": { flag: newFlag() } });
    const f = instance.exports.f as (() => number) | undefined;
    if (f) assert.equal(f(), 7);
  }
});

Deno.test("instrumentInterrupts() drops metadata.code.* custom sections and keeps the others", async () => {
  const withHint = await parse(`(module
    (func $f (export "f") (param i32) (result i32)
      (if (result i32) (@metadata.code.branch_hint "\\01") (local.get 0)
        (then (i32.const 1)) (else (i32.const 2)))))`);
  const bytes = new Uint8Array([
    ...withHint,
    ...customSection("metadata.code.made_up", [1, 2, 3]),
    ...customSection("keep.me", [4, 5, 6]),
  ]);
  const before = new WebAssembly.Module(bytes as BufferSource);
  assert.equal(WebAssembly.Module.customSections(before, "metadata.code.branch_hint").length, 1);
  const instrumented = instrumentInterrupts(bytes);
  assert.ok(instrumented);
  const after = new WebAssembly.Module(instrumented as BufferSource);
  assert.equal(WebAssembly.Module.customSections(after, "metadata.code.branch_hint").length, 0);
  assert.equal(WebAssembly.Module.customSections(after, "metadata.code.made_up").length, 0);
  assert.deepEqual(
    WebAssembly.Module.customSections(after, "keep.me").map((s) => [...new Uint8Array(s)]),
    [[4, 5, 6]],
  );
  assert.deepEqual(
    WebAssembly.Module.customSections(after, "name").map((s) => [...new Uint8Array(s)]),
    WebAssembly.Module.customSections(before, "name").map((s) => [...new Uint8Array(s)]),
  );
  const instance = new WebAssembly.Instance(after, { "weft:interrupt": { flag: newFlag() } });
  assert.equal((instance.exports.f as (x: number) => number)(1), 1);
});

Deno.test("instrumentInterrupts() returns undefined for instructions it does not know", () => {
  const sanity = moduleWithBody([0x01]); // nop
  assert.ok(validate(sanity));
  assert.ok(instrumentInterrupts(sanity));
  const unknown: [string, number[]][] = [
    ["0xff", [0xff]],
    ["0x27 (unassigned)", [0x27]],
    ["0xe0 (stack switching)", [0xe0, 0x00]],
    ["0xfc 19 (wide arithmetic)", [0xfc, 19]],
    ["0xfd 154 (reserved SIMD)", [0xfd, 0x9a, 0x01]],
    ["0xfd 288 (FP16)", [0xfd, 0xa0, 0x02]],
    ["0xfb 31", [0xfb, 31]],
    ["0xfe 0x4f", [0xfe, 0x4f]],
    ["0xfe 4", [0xfe, 4]],
  ];
  for (const [what, body] of unknown) {
    const bytes = moduleWithBody(body);
    assert.equal(instrumentInterrupts(bytes), undefined, what);
    const result = tryInstrumentInterrupts(bytes);
    assert.ok(!result.ok && /^unknown opcode 0x[0-9a-f]{2}/.test(result.reason), what);
  }
  const bytes = moduleWithBody([0x01, 0xff]);
  assert.deepEqual(tryInstrumentInterrupts(bytes), {
    ok: false,
    reason: `unknown opcode 0xff at byte 0x${bytes.indexOf(0xff, 8).toString(16)}`,
  });
});

Deno.test("instrumentInterrupts() returns undefined for encodings it does not know", () => {
  const cases: [string, Uint8Array][] = [
    ["a component", new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00])],
    ["version 2", new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x02, 0x00, 0x00, 0x00])],
    ["section id 14", new Uint8Array([...HEADER, 14, 0])],
    ["sections out of order", new Uint8Array([...HEADER, ...section(3, [0]), ...section(1, [0])])],
    ["a repeated section", new Uint8Array([...HEADER, ...section(1, [0]), ...section(1, [0])])],
    ["an unknown block type", moduleWithBody([0x02, 0x50, 0x0b])],
    ["an unknown heap type", moduleWithBody([0xd0, 0x68, 0x1a])],
    ["a memarg alignment past 127", moduleWithBody([0x41, 0, 0x28, 0x80, 0x01, 0, 0x1a])],
    ["atomic.fence with flags", moduleWithBody([0xfe, 0x03, 0x01])],
    ["an unknown data segment kind", moduleWithBody([], section(11, [1, 3]))],
    [
      "an unknown import kind",
      new Uint8Array([...HEADER, ...section(2, [1, 1, 0x61, 1, 0x62, 5])]),
    ],
    ["an unknown export kind", new Uint8Array([...HEADER, ...section(7, [1, 1, 0x61, 5, 0])])],
    [
      "shared-everything limits",
      new Uint8Array([...HEADER, ...section(2, [1, 1, 0x61, 1, 0x62, 2, 0x20, 1])]),
    ],
  ];
  for (const [what, bytes] of cases) {
    const result = tryInstrumentInterrupts(bytes);
    assert.equal(result.ok, false, what);
    assert.ok(
      !result.ok && !result.reason.startsWith("internal"),
      `${what}: ${JSON.stringify(result)}`,
    );
    assert.equal(instrumentInterrupts(bytes), undefined, what);
  }
  // Not even a Uint8Array.
  for (const value of [null, undefined, "wasm", 42, [0, 97, 115, 109], new ArrayBuffer(8)]) {
    assert.equal(instrumentInterrupts(value as unknown as Uint8Array), undefined);
  }
});

Deno.test("instrumentInterrupts() never throws on truncated or corrupted modules", async () => {
  const originals = await Promise.all(
    [GC, SIMD, TWO_MEMORIES, EXCEPTIONS].map((c) => parse(c.wat)),
  );
  for (const original of originals) {
    const boundaries = sectionBoundaries(original);
    for (let cut = 0; cut < original.length; cut++) {
      const truncated = original.subarray(0, cut);
      const result = tryInstrumentInterrupts(truncated);
      if (result.ok) {
        assert.ok(boundaries.has(cut), `cut at ${cut} is inside a section but was accepted`);
        assert.equal(validate(result.bytes), validate(truncated), `cut ${cut}`);
      } else {
        assert.ok(!boundaries.has(cut) || cut < 8, `cut at ${cut}: ${result.reason}`);
        assert.ok(!result.reason.startsWith("internal"), result.reason);
      }
    }
  }
  // Corruptions (seeded, so reproducible): never an internal error, and a
  // corrupted module the engine accepts stays valid once instrumented.
  let seed = 0x2545f491;
  const random = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  let stillValid = 0;
  for (let round = 0; round < 3000; round++) {
    const original = originals[round % originals.length] as Uint8Array;
    const bytes = original.slice();
    for (let flips = 1 + random(3); flips > 0; flips--) {
      bytes[8 + random(bytes.length - 8)] = random(256);
    }
    const result = tryInstrumentInterrupts(bytes);
    if (!result.ok) {
      assert.ok(!result.reason.startsWith("internal"), result.reason);
      continue;
    }
    if (validate(bytes)) {
      stillValid++;
      assert.ok(validate(result.bytes), `round ${round}`);
    }
  }
  assert.ok(stillValid > 0);
});

Deno.test("instrumentInterrupts() agrees with wasm-tools on the length of every prefixed instruction", async () => {
  // For each prefixed opcode the instrumenter knows, an instance with the
  // immediates the spec gives it must print as exactly one instruction.
  const memarg = [0x00, 0x00];
  const known: [number, number, number[]][] = [];
  const gc = (sub: number): number[] =>
    sub <= 1 || (sub >= 6 && sub <= 7) || (sub >= 11 && sub <= 14) || sub === 16
      ? [1]
      : (sub >= 2 && sub <= 5) || (sub >= 8 && sub <= 10) || (sub >= 17 && sub <= 19)
      ? [1, 1]
      : sub >= 20 && sub <= 23
      ? [0x70]
      : sub === 24 || sub === 25
      ? [0, 0, 0x70, 0x70]
      : [];
  for (let sub = 0; sub <= 30; sub++) known.push([0xfb, sub, gc(sub)]);
  const misc = [
    [],
    [],
    [],
    [],
    [],
    [],
    [],
    [],
    [1, 0],
    [0],
    [0, 0],
    [0],
    [0, 0],
    [0],
    [0, 0],
    [0],
    [
      0,
    ],
    [0],
  ];
  misc.forEach((imm, sub) => known.push([0xfc, sub, imm]));
  const reserved = new Set([154, 162, 165, 166, 175, 176, 178, 179, 180, 187, 194, 197, 198]);
  for (const op of [207, 208, 210, 211, 212, 226, 238]) reserved.add(op);
  for (let sub = 0; sub <= 275; sub++) {
    if (reserved.has(sub)) continue;
    const imm = sub <= 11 || sub === 92 || sub === 93
      ? memarg
      : sub === 12 || sub === 13
      ? new Array(16).fill(1)
      : sub >= 21 && sub <= 34
      ? [1]
      : sub >= 84 && sub <= 91
      ? [...memarg, 1]
      : [];
    known.push([0xfd, sub, imm]);
  }
  for (let sub = 0; sub <= 0x4e; sub++) {
    if (sub > 3 && sub < 0x10) continue;
    known.push([0xfe, sub, sub === 3 ? [0] : memarg]);
  }
  const wrongLength: string[] = [];
  for (const [prefix, sub, imm] of known) {
    const bytes = moduleWithBody([prefix, ...leb(sub), ...imm]);
    assert.ok(instrumentInterrupts(bytes), `0x${prefix.toString(16)} ${sub}`);
    const text = await print(bytes);
    const body = text.slice(text.indexOf("(func"));
    const lines = body.split("\n").filter((l) => /^ {4}\S/.test(l));
    if (lines.length !== 1) {
      wrongLength.push(`0x${prefix.toString(16)} ${sub}: ${lines.join(" | ")}`);
    }
  }
  assert.deepEqual(wrongLength, []);
  // And the reserved SIMD opcodes are unknown to wasm-tools too.
  for (const sub of reserved) {
    await assert.rejects(() => print(moduleWithBody([0xfd, ...leb(sub)])), `0xfd ${sub}`);
  }
});

// ---------------------------------------------------------------------------
// The componentize-js examples: real 14–15 MB core modules (SpiderMonkey).

const EXAMPLES = new URL("../../../.cache/examples/", import.meta.url);
const EXAMPLE_NAMES = ["http-handler.wasm", "wasi-command.wasm", "wasi-command-c.wasm"];
const examplesBuilt = EXAMPLE_NAMES.every((name) => {
  try {
    return Deno.statSync(new URL(name, EXAMPLES)).isFile;
  } catch {
    return false;
  }
});

function* coreModules(ast: ComponentAst): Generator<Uint8Array> {
  for (const item of ast.items) {
    if (item.kind === "core-module") yield item.bytes;
    else if (item.kind === "component") yield* coreModules(item.component);
  }
}

Deno.test({
  name: examplesBuilt
    ? "instrumentInterrupts() instruments the componentize-js example components' core modules"
    : "instrumentInterrupts() instruments the example components (ignored: .cache/examples/ " +
      "is not built; run `deno run -A scripts/build_examples.ts`)",
  ignore: !examplesBuilt,
  async fn() {
    const lines: string[] = [];
    for (const name of EXAMPLE_NAMES) {
      const ast = decodeComponent(await Deno.readFile(new URL(name, EXAMPLES)));
      let index = 0;
      for (const bytes of coreModules(ast)) {
        const start = performance.now();
        const result = tryInstrumentInterrupts(bytes);
        const ms = performance.now() - start;
        assert.ok(result.ok, `${name} module ${index}: ${!result.ok && result.reason}`);
        assert.ok(validate(result.bytes), `${name} module ${index}`);
        const module = await WebAssembly.compile(result.bytes);
        const imports = WebAssembly.Module.imports(module);
        assert.deepEqual(imports.at(-1), {
          module: "weft:interrupt",
          name: "flag",
          kind: "memory",
        });
        lines.push(
          `${name} core module ${index}: ${(bytes.length / 1e6).toFixed(2)} MB → ` +
            `${(result.bytes.length / 1e6).toFixed(2)} MB in ${ms.toFixed(0)} ms`,
        );
        if (bytes.length > 10_000_000) assert.ok(ms < 5_000, `${name}: ${ms} ms`);
        index++;
      }
    }
    console.log(lines.join("\n"));
  },
});
