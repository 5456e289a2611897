/**
 * The imports Wasmtime's `.wast` harness gives every component of its suite
 * (see `../shared/conformance/README.md`, "Host functions the Wasmtime suite
 * expects"), written against Weft's host API: plain functions, nested
 * instance objects, a `WebAssembly.Module`, and resource classes.
 *
 * @module
 */
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";

/** Drop bookkeeping of the `resource1` host resource. */
export interface DropCounter {
  /** How many `resource1` values were dropped by their owner. */
  drops: number;
  /** The rep of the last dropped `resource1`. */
  lastDrop: number;
}

/** The host import object plus the state tests may inspect. */
export interface WasmtimeHost {
  /** The import object to pass to `Component.prototype.instantiate`. */
  readonly imports: Record<string, unknown>;
  /** `resource1`'s drop counter. */
  readonly counter: DropCounter;
}

const SIMPLE_MODULE = `(module
  (global (export "g") i32 (i32.const 100))
  (func (export "f") (result i32) (i32.const 101)))`;

const SPECTEST_MODULE = `(module
  (func (export "print"))
  (func (export "print_i32") (param i32))
  (func (export "print_i64") (param i64))
  (func (export "print_f32") (param f32))
  (func (export "print_f64") (param f64))
  (func (export "print_i32_f32") (param i32 f32))
  (func (export "print_f64_f64") (param f64 f64))
  (global (export "global_i32") i32 (i32.const 666))
  (global (export "global_i64") i64 (i64.const 666))
  (global (export "global_f32") f32 (f32.const 666.6))
  (global (export "global_f64") f64 (f64.const 666.6))
  (table (export "table") 10 20 funcref)
  (memory (export "memory") 1 2))`;

let compiled: Promise<{ simple: WebAssembly.Module; spectest: WebAssembly.Module }> | undefined;

/** The two core modules of the harness, compiled once per process. */
function coreModules(): Promise<{ simple: WebAssembly.Module; spectest: WebAssembly.Module }> {
  compiled ??= (async () => ({
    simple: new WebAssembly.Module(await parse(SIMPLE_MODULE) as BufferSource),
    spectest: new WebAssembly.Module(await parse(SPECTEST_MODULE) as BufferSource),
  }))();
  return compiled;
}

/** The `spectest` core module (`print*`, `global_*`, `table`, `memory`). */
export async function spectestModule(): Promise<WebAssembly.Module> {
  return (await coreModules()).spectest;
}

/** One turn of the event loop. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A promise that never settles (for `never-return`). */
function never(): Promise<never> {
  return new Promise<never>(() => {});
}

function check(condition: boolean, message: string): void {
  // A throw from a host import traps the calling guest, like Wasmtime's panics.
  if (!condition) throw new Error(`wast host: ${message}`);
}

/**
 * Builds a fresh host (fresh resource classes and counters) for one script,
 * as Wasmtime builds one linker per `.wast` file.
 */
export async function createWasmtimeHost(): Promise<WasmtimeHost> {
  const { simple, spectest } = await coreModules();
  const counter: DropCounter = { drops: 0, lastDrop: 0 };

  /** `resource1`: a host resource whose rep is chosen by the guest. */
  class Resource1 {
    readonly rep: number;
    #dropped = false;

    constructor(rep: number) {
      this.rep = rep;
    }

    static assert(r: Resource1, rep: number): void {
      check(r instanceof Resource1, "assert: not a resource1");
      check(r.rep === rep, `assert: rep ${r.rep} is not ${rep}`);
    }

    static lastDrop(): number {
      return counter.lastDrop;
    }

    static drops(): number {
      return counter.drops;
    }

    simple(rep: number): void {
      check(this instanceof Resource1, "simple: self is not a resource1");
      check(this.rep === rep, `simple: rep ${this.rep} is not ${rep}`);
    }

    takeBorrow(b: Resource1): void {
      check(b instanceof Resource1, "take-borrow: argument is not a resource1");
    }

    takeOwn(b: Resource1): void {
      check(b instanceof Resource1, "take-own: argument is not a resource1");
    }

    neverReturn(): Promise<never> {
      return never();
    }

    [Symbol.dispose](): void {
      check(!this.#dropped, `resource1 ${this.rep} dropped twice`);
      this.#dropped = true;
      counter.drops++;
      counter.lastDrop = this.rep;
    }
  }

  /** `resource2`: a second, distinct host resource type. */
  class Resource2 {
    readonly rep: number;
    constructor(rep: number) {
      this.rep = rep;
    }
  }

  const imports: Record<string, unknown> = {
    "host-echo-u32": async (v: number): Promise<number> => {
      await nextTurn();
      return v;
    },
    "host-return-two": (): number => 2,
    host: {
      "return-three": (): number => 3,
      "return-hi": (): string => "hi",
      nested: { "return-four": (): number => 4 },
      "simple-module": simple,
      resource1: Resource1,
      resource2: Resource2,
      // The same class under a second name is the same resource type.
      "resource1-again": Resource1,
      "never-return": (): Promise<never> => never(),
      "return-two-slowly": async (): Promise<number> => {
        await nextTurn();
        return 2;
      },
      "echo-slowly": async (a: number): Promise<number> => {
        await nextTurn();
        return a;
      },
    },
    spectest,
  };
  return { imports, counter };
}
