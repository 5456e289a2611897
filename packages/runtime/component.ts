/**
 * A compiled component: decoded, validated, its core modules compiled, ready
 * to instantiate any number of times.
 *
 * @module
 */
import { instrumentInterrupts } from "./binary/instrument_interrupts.ts";
import { createInterruptFlag, importsInterrupt } from "./interrupt.ts";
import { ComponentInstanceState } from "@weft/abi";
import type { ComponentAst, CoreModuleItem } from "./binary/ast.ts";
import { decodeComponent } from "./binary/decode.ts";
import { CompileError, formatOffset } from "./binary/errors.ts";
import { validateComponent } from "./validate/validate.ts";
import { type ComponentTypeDesc, describeExports } from "./component_type.ts";
import { DryProvider } from "./dry_provider.ts";
import { HostProvider, importsCanSuspend } from "./host_imports.ts";
import { hasJspi, JspiRequiredError } from "@weft/executor";
import { Frame, instantiateComponent } from "./instantiate.ts";
import { Instance } from "./instance.ts";
import { rememberModuleBytes } from "./link_module.ts";
import { toJsExports } from "./js_exports.ts";

/**
 * The import object: keyed by import name (an interface by its full name,
 * matched semver-compatibly; plain names in kebab-case or camelCase).
 */
export type Imports = Record<string, unknown>;

/** Options of {@linkcode Component.prototype.instantiate}. */
export interface InstantiateOptions {
  /**
   * Whether blocking host imports suspend the guest with JSPI, making every
   * function export return a Promise. By default this is on when the engine
   * has JSPI and an import the component uses has an asynchronous form (an
   * `async` function, or one with a form under
   * `Symbol.for("weft.wasi.suspending")`), and then only those suspend.
   * `true` turns it on for every host function: any may return a Promise;
   * without JSPI it throws `JspiRequiredError`. `false` calls the
   * synchronous forms (`@weft/wasi`'s then throw `WouldBlockError` when
   * their data is not there yet).
   */
  readonly suspend?: boolean;
  /**
   * The interrupt flag of an interruptible component (see
   * {@linkcode CompileOptions.interruptible}): setting it from any thread,
   * with `raiseInterrupt`, makes the instance trap at its next function
   * entry or loop iteration. Without one, an interruptible component's
   * instance gets a flag of its own that nothing sets.
   */
  readonly interrupt?: WebAssembly.Memory;
}

/** Options of {@linkcode Component.compile}. */
export interface CompileOptions {
  /**
   * Rewrite every core module to check an interrupt flag at each function
   * entry and loop iteration (as Wasmtime's epoch interruption does), so
   * that a guest in an endless loop can be stopped from another thread
   * (see {@linkcode InstantiateOptions.interrupt}). The check costs a load
   * and a branch per iteration, and the flag's memory import moves a
   * module's own memory from index 0 to 1, which V8 handles less well: up
   * to about a quarter slower on a tight loop over memory, nothing
   * measurable on a loop over locals. A module using an instruction the
   * rewriter does not know is left as it is; `interruptible` then says
   * `false`.
   */
  readonly interruptible?: boolean;
}

/** Every embedded core module in depth-first binary order: the order `modules()` uses. */
function coreModuleItems(ast: ComponentAst, out: CoreModuleItem[] = []): CoreModuleItem[] {
  for (const item of ast.items) {
    if (item.kind === "core-module") out.push(item);
    else if (item.kind === "component") coreModuleItems(item.component, out);
  }
  return out;
}

function toBytes(source: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (ArrayBuffer.isView(source)) {
    return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  }
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  throw new TypeError(
    `Cannot compile component: expected a BufferSource, received ${typeof source}`,
  );
}

/**
 * Starts `WebAssembly.compile` for every core module section at the top level
 * of `bytes`, keyed by the offset of the module's first byte (as the decoder
 * records it). A quick walk over section headers only: anything unexpected
 * ends it, and the decoder then reports the problem. The compilation copies
 * the bytes at once, so a caller changing them later changes nothing.
 */
function startTopLevelModules(
  bytes: Uint8Array,
): Map<number, { length: number; module: Promise<WebAssembly.Module> }> {
  const started = new Map<number, { length: number; module: Promise<WebAssembly.Module> }>();
  // Only a component preamble (`\0asm`, layer 1) is worth a look.
  if (
    bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 ||
    bytes[3] !== 0x6d || bytes[6] !== 1 || bytes[7] !== 0
  ) return started;
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos++]!;
    let size = 0;
    for (let shift = 0;; shift += 7) {
      if (pos >= bytes.length || shift > 28) return started;
      const b = bytes[pos++]!;
      size += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
    }
    if (pos + size > bytes.length) return started;
    if (id === 1) {
      const module = WebAssembly.compile(
        bytes.subarray(pos, pos + size) as Uint8Array<ArrayBuffer>,
      );
      // Awaited only if the decoder agrees this is a core module; never unhandled.
      module.catch(() => {});
      started.set(pos, { length: size, module });
    }
    pos += size;
  }
  return started;
}

/**
 * A copy of the sections of a core module up to its exports: all that the
 * link checks read of it (its import and export types, see
 * `rememberModuleBytes`). The AST holds views on the caller's bytes, which
 * the caller may reuse once `compile` returns; the code that follows the
 * exports is most of a module and is not copied.
 */
function moduleHead(bytes: Uint8Array): Uint8Array {
  let pos = 8;
  while (pos < bytes.length) {
    const id = bytes[pos]!;
    // start, element, data count, code, data: every section after the exports.
    if (id >= 8 && id <= 12) return bytes.slice(0, pos);
    let at = pos + 1;
    let size = 0;
    for (let shift = 0;; shift += 7) {
      if (at >= bytes.length || shift > 28) return bytes.slice();
      const b = bytes[at++]!;
      size += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
    }
    pos = at + size;
  }
  return bytes.slice();
}

function decodeAndValidate(bytes: ArrayBuffer | ArrayBufferView): ComponentAst {
  const ast = decodeComponent(toBytes(bytes));
  validateComponent(ast);
  return ast;
}

function wrapModuleError(item: CoreModuleItem, error: unknown): CompileError {
  return new CompileError(
    `Cannot compile the core module at byte ${formatOffset(item.offset)}: ${
      (error as Error).message
    }`,
    { offset: item.offset, cause: error },
  );
}

/** A compiled component. Create one with {@linkcode Component.compile}. */
export class Component {
  #ast: ComponentAst;
  #modules: Map<CoreModuleItem, WebAssembly.Module>;
  #type: ComponentTypeDesc | undefined;
  #checking: number | undefined;

  private constructor(ast: ComponentAst, modules: Map<CoreModuleItem, WebAssembly.Module>) {
    this.#ast = ast;
    this.#modules = modules;
  }

  /**
   * Decodes, validates and compiles a component binary. Throws
   * `CompileError` for a malformed or invalid binary.
   */
  static async compile(
    bytes: ArrayBuffer | ArrayBufferView,
    options: CompileOptions = {},
  ): Promise<Component> {
    const input = toBytes(bytes);
    const interruptible = options.interruptible === true;
    // The engine starts compiling the top-level core modules (off the main
    // thread) before the component is decoded, so decoding overlaps it.
    const early = interruptible ? new Map() : startTopLevelModules(input);
    const ast = decodeComponent(input);
    const items = coreModuleItems(ast);
    const heads = items.map((item) => moduleHead(item.bytes));
    const compiling = Promise.all(items.map(async (item) => {
      try {
        const instrumented = interruptible ? instrumentInterrupts(item.bytes) : undefined;
        if (instrumented !== undefined) {
          try {
            return await WebAssembly.compile(instrumented);
          } catch {
            // Report the module's own error, at offsets in the caller's bytes.
          }
        }
        const started = early.get(item.offset);
        return await (started !== undefined && started.length === item.bytes.length
          ? started.module
          : WebAssembly.compile(item.bytes as Uint8Array<ArrayBuffer>));
      } catch (error) {
        throw wrapModuleError(item, error);
      }
    }));
    // The component is validated while the engine compiles its core modules
    // (off the main thread), but a core module's own error wins: the
    // validator's verdict is only used once every core module compiled, so
    // what it says about a module WebAssembly rejects is never reported.
    let invalid: unknown = undefined;
    try {
      validateComponent(ast);
    } catch (error) {
      invalid = error;
    }
    const compiled = await compiling;
    if (invalid !== undefined) throw invalid;
    heads.forEach((head, i) => rememberModuleBytes(compiled[i]!, head));
    return new Component(ast, new Map(items.map((item, i) => [item, compiled[i]!])));
  }

  /**
   * Creates a component from its binary and core modules compiled ahead of
   * time (for platforms that forbid compiling wasm from bytes at run time),
   * in the order {@linkcode Component.prototype.modules} returns them.
   */
  static fromModules(
    bytes: ArrayBuffer | ArrayBufferView,
    modules: readonly WebAssembly.Module[],
  ): Component {
    const ast = decodeAndValidate(bytes);
    const items = coreModuleItems(ast);
    if (modules.length !== items.length) {
      throw new TypeError(
        `Cannot create component from modules: expected ${items.length} core modules, ` +
          `received ${modules.length}`,
      );
    }
    items.forEach((item, i) => rememberModuleBytes(modules[i]!, moduleHead(item.bytes)));
    return new Component(ast, new Map(items.map((item, i) => [item, modules[i]!])));
  }

  /** The compiled core modules, in depth-first binary order. */
  modules(): WebAssembly.Module[] {
    return [...this.#modules.values()];
  }

  /**
   * Whether every core module checks an interrupt flag, so that
   * {@linkcode InstantiateOptions.interrupt} can stop any guest code (see
   * {@linkcode CompileOptions.interruptible}).
   */
  get interruptible(): boolean {
    return this.#checkingModules() === this.#modules.size;
  }

  /** How many core modules import an interrupt flag (counted once: modules never change). */
  #checkingModules(): number {
    if (this.#checking === undefined) {
      let n = 0;
      for (const module of this.#modules.values()) if (importsInterrupt(module)) n++;
      this.#checking = n;
    }
    return this.#checking;
  }

  /** The names and types of the component's imports and exports. */
  get type(): ComponentTypeDesc {
    if (this.#type === undefined) {
      const provider = new DryProvider();
      const frame = new Frame(undefined, new ComponentInstanceState());
      instantiateComponent(this.#ast, frame, provider, { modules: this.#modules, dry: true });
      this.#type = {
        imports: describeExports(provider.imports),
        exports: describeExports(frame.exports),
      };
    }
    return this.#type;
  }

  /**
   * Instantiates the component. Throws `LinkError` for a missing or mistyped
   * import, `Trap` if a start function traps.
   *
   * Host imports may block: an `async` function, or a function carrying an
   * asynchronous form under `Symbol.for("weft.wasi.suspending")` (as
   * `@weft/wasi`'s blocking calls do). With JSPI, such a call suspends the
   * guest until its Promise settles, and then every function export of the
   * instance returns a Promise (calls from JS into the instance run one at a
   * time: a later one waits). See {@linkcode InstantiateOptions.suspend}.
   */
  instantiate(imports: Imports = {}, options: InstantiateOptions = {}): Promise<Instance> {
    try {
      return Promise.resolve(this.instantiateSync(imports, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Instantiates the component synchronously; see {@linkcode Component.prototype.instantiate}. */
  instantiateSync(imports: Imports = {}, options: InstantiateOptions = {}): Instance {
    if (typeof imports !== "object" || imports === null) {
      throw new TypeError(
        `Cannot instantiate component: imports must be an object, received ${
          imports === null ? "null" : typeof imports
        }`,
      );
    }
    let suspend: false | "async-forms" | "all" = false;
    if (options.suspend === undefined) {
      if (
        hasJspi() && Object.keys(imports).length > 0 &&
        importsCanSuspend(imports, this.type.imports)
      ) suspend = "async-forms";
    } else if (options.suspend) {
      if (!hasJspi()) throw new JspiRequiredError("blocking host imports that suspend the guest");
      suspend = "all";
    }
    const state = new ComponentInstanceState();
    const frame = new Frame(undefined, state);
    // Instrumented modules need a flag to link, even one nothing raises.
    const interrupt = options.interrupt ??
      (this.#checkingModules() > 0 ? createInterruptFlag() : undefined);
    instantiateComponent(this.#ast, frame, new HostProvider(imports, ""), {
      modules: this.#modules,
      suspend,
      ...(interrupt === undefined ? {} : { interrupt }),
    });
    const exports = frame.exports;
    return new Instance(toJsExports(exports), () => describeExports(exports), state, {
      suspend: suspend !== false,
    });
  }
}
