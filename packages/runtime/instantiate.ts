// Instantiation: walks a component's definitions in binary order, filling
// its index spaces with live values (Explainer.md § Instance definitions,
// § Alias definitions, § Canonical definitions). Internal to the runtime.
import { INTERRUPT_IMPORT } from "./binary/instrument_interrupts.ts";
import { importsInterrupt } from "./interrupt.ts";
import {
  type CanonOptions,
  ComponentInstanceState,
  type CoreValue,
  flattenFunctionType,
  liftFunction,
  liftFunctionSuspending,
  lowerFunction,
  lowerFunctionSuspending,
  resourceDrop,
  resourceNew,
  resourceRep,
  ResourceType,
  type StringEncoding,
} from "@weft/abi";
import type {
  Canon,
  CanonOpt,
  ComponentAst,
  CoreModuleItem,
  CoreSort,
  ExternDescriptor,
  Sort,
  TypeDef,
} from "./binary/ast.ts";
import { CompileError, formatOffset } from "./binary/errors.ts";
import { LinkError } from "./errors.ts";
import type {
  ComponentDefItem,
  FuncItem,
  InstanceItem,
  Item,
  Scope,
  TypeEntry,
  ValueItem,
} from "./_items.ts";
import { outerScope } from "./_items.ts";
import { installGuestResource, nameResourceClass, resourceClassOf } from "./guest_resources.ts";
import { type ImportProvider, typeEntryOf } from "./host_imports.ts";
import { funcTypeAt, resolveValType, typeAt } from "./resolve_types.ts";
import {
  asyncBuiltin,
  asyncOf,
  asyncOpts,
  type AsyncUse,
  asyncUseOf,
  installAsyncValueHooks,
  liftAsync,
  lowerAsync,
} from "./async_glue.ts";
import {
  CancelledError,
  hasJspi,
  promising,
  runInFreshContext,
  suspendingTrampoline,
} from "@weft/executor";

type CoreInstanceExports = Record<string, unknown>;

/** One component instance being built: its index spaces and its exports. */
export class Frame implements Scope {
  readonly parent: Scope | undefined;
  readonly state: ComponentInstanceState;
  // Every index space is made on first use: a small component uses few of
  // them, and instantiation should allocate little.
  #types: TypeEntry[] | undefined;
  #coreTypes: import("./binary/ast.ts").CoreType[] | undefined;
  #components: ComponentDefItem[] | undefined;
  #coreModules: WebAssembly.Module[] | undefined;
  #funcs: FuncItem[] | undefined;
  #values: ValueItem[] | undefined;
  #instances: InstanceItem[] | undefined;
  #coreInstances: CoreInstanceExports[] | undefined;
  #core: Record<"func" | "table" | "memory" | "global" | "tag", unknown[]> | undefined;
  readonly exports: Map<string, Item> = new Map();
  /** What of component-model async the whole instance tree uses (set on the root, inherited). */
  asyncUse: AsyncUse | undefined = undefined;
  /** Which memories of the canonical options are 64-bit (see isMemory64). */
  memory64: Map<WebAssembly.Memory, boolean> | undefined = undefined;

  constructor(parent: Scope | undefined, state: ComponentInstanceState) {
    this.parent = parent;
    this.state = state;
  }

  get types(): TypeEntry[] {
    return this.#types ??= [];
  }
  get coreTypes(): import("./binary/ast.ts").CoreType[] {
    return this.#coreTypes ??= [];
  }
  get components(): ComponentDefItem[] {
    return this.#components ??= [];
  }
  get coreModules(): WebAssembly.Module[] {
    return this.#coreModules ??= [];
  }
  get funcs(): FuncItem[] {
    return this.#funcs ??= [];
  }
  get values(): ValueItem[] {
    return this.#values ??= [];
  }
  get instances(): InstanceItem[] {
    return this.#instances ??= [];
  }
  get coreInstances(): CoreInstanceExports[] {
    return this.#coreInstances ??= [];
  }
  get core(): Record<"func" | "table" | "memory" | "global" | "tag", unknown[]> {
    return this.#core ??= { func: [], table: [], memory: [], global: [], tag: [] };
  }
}

/** The compiled core modules of a component, by the AST node that holds their bytes. */
export type ModuleMap = ReadonlyMap<CoreModuleItem, WebAssembly.Module>;

function describeSort(sort: Sort): string {
  return sort.kind === "core" ? `core ${sort.sort}` : sort.kind;
}

function outOfBounds(what: string, index: number, length: number, offset: number): CompileError {
  return new CompileError(
    `Cannot instantiate component: ${what} index ${index} at byte ${
      formatOffset(offset)
    } is out of bounds (${length} defined)`,
    { offset },
  );
}

function at<T>(list: readonly T[], index: number, what: string, offset: number): T {
  const value = list[index];
  if (value === undefined) throw outOfBounds(what, index, list.length, offset);
  return value;
}

/** Reads the item at `index` of a sort's index space, as an instance export would hold it. */
function getItem(frame: Frame, sort: Sort, index: number, offset: number): Item {
  switch (sort.kind) {
    case "func":
      return at(frame.funcs, index, "func", offset);
    case "value":
      return at(frame.values, index, "value", offset);
    case "type":
      return { kind: "type", entry: at(frame.types, index, "type", offset) };
    case "component":
      return at(frame.components, index, "component", offset);
    case "instance":
      return at(frame.instances, index, "instance", offset);
    case "core":
      if (sort.sort === "module") {
        return { kind: "module", module: at(frame.coreModules, index, "core module", offset) };
      }
      throw new CompileError(
        `Cannot instantiate component: a ${describeSort(sort)} cannot be used here ` +
          `(byte ${formatOffset(offset)})`,
        { offset },
      );
  }
}

function sortMismatch(sort: Sort, item: Item, offset: number): CompileError {
  return new CompileError(
    `Cannot instantiate component: expected a ${describeSort(sort)} at byte ${
      formatOffset(offset)
    }, found a ${item.kind}`,
    { offset },
  );
}

/** Appends an item to a sort's index space, checking that it is of that sort. */
function pushItem(frame: Frame, sort: Sort, item: Item, offset: number): void {
  switch (sort.kind) {
    case "func":
      if (item.kind !== "func") throw sortMismatch(sort, item, offset);
      frame.funcs.push(item);
      return;
    case "value":
      if (item.kind !== "value") throw sortMismatch(sort, item, offset);
      frame.values.push(item);
      return;
    case "type":
      if (item.kind !== "type") throw sortMismatch(sort, item, offset);
      frame.types.push(item.entry);
      return;
    case "component":
      if (item.kind !== "component") throw sortMismatch(sort, item, offset);
      frame.components.push(item);
      return;
    case "instance":
      if (item.kind !== "instance") throw sortMismatch(sort, item, offset);
      frame.instances.push(item);
      return;
    case "core":
      if (sort.sort !== "module" || item.kind !== "module") throw sortMismatch(sort, item, offset);
      frame.coreModules.push(item.module);
      return;
  }
}

function pushCore(frame: Frame, sort: CoreSort, value: unknown, offset: number): void {
  switch (sort) {
    case "module":
      if (!(value instanceof WebAssembly.Module)) {
        throw new CompileError(
          `Cannot instantiate component: expected a core module at byte ${formatOffset(offset)}`,
          { offset },
        );
      }
      frame.coreModules.push(value);
      return;
    case "instance":
      frame.coreInstances.push(value as CoreInstanceExports);
      return;
    case "type":
      frame.coreTypes.push(value as import("./binary/ast.ts").CoreType);
      return;
    default:
      frame.core[sort].push(value);
  }
}

function sortOfDescriptor(desc: ExternDescriptor): Sort {
  return desc.kind === "module" ? { kind: "core", sort: "module" } : { kind: desc.kind };
}

/** Imports of a nested component, given by the `with` arguments of its instantiation. */
class ArgsProvider implements ImportProvider {
  #args: ReadonlyMap<string, Item>;
  constructor(args: ReadonlyMap<string, Item>) {
    this.#args = args;
  }
  get(name: string, desc: ExternDescriptor, scope: Scope): Item {
    const item = this.#args.get(name);
    if (item !== undefined) return item;
    if (desc.kind === "type" && desc.bound.kind === "eq") {
      return { kind: "type", entry: typeAt(scope, desc.bound.index, "a type import") };
    }
    throw new LinkError(
      `Cannot instantiate nested component: no argument for its import "${name}"`,
      { import: name },
    );
  }
}

/** Options for {@linkcode instantiateComponent}. */
export interface InstantiateOptions {
  readonly modules: ModuleMap;
  /**
   * Resolve types only: no core instance is created and no function is
   * called or compiled, so the result describes the component's types.
   */
  readonly dry?: boolean;
  /**
   * Make the synchronous functions of the tree able to suspend with JSPI:
   * lifted functions enter through `WebAssembly.promising` and return
   * Promises, and lowered functions that may answer with a Promise become
   * suspending imports: with `"async-forms"`, those with an asynchronous
   * form (see `asyncFormOf`) and lifts of this mode; with `"all"`, every one.
   */
  readonly suspend?: false | "async-forms" | "all";
  /** The interrupt flag of core modules instrumented to check one (see interrupt.ts). */
  readonly interrupt?: WebAssembly.Memory;
}

/** Stands in for every core item in a dry run. */
const dryCore: CoreInstanceExports = new Proxy(Object.create(null), {
  get: () => dryFunction,
});
function dryFunction(): never {
  throw new TypeError("Cannot call a function of a component that was only type-checked");
}

/**
 * Instantiates `ast` into `frame`, taking its imports from `provider`.
 * Nested components get frames of their own.
 */
export function instantiateComponent(
  ast: ComponentAst,
  frame: Frame,
  provider: ImportProvider,
  options: InstantiateOptions,
): void {
  if (frame.asyncUse === undefined) {
    frame.asyncUse = asyncUseOf(ast);
    if (frame.asyncUse.any && !options.dry) installAsyncValueHooks();
  }
  const items = ast.items;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const offset = item.offset;
    switch (item.kind) {
      case "custom":
        break;
      case "core-module": {
        const module = options.modules.get(item);
        if (module === undefined) {
          throw new CompileError(
            `Cannot instantiate component: core module at byte ${
              formatOffset(offset)
            } was not compiled`,
            { offset },
          );
        }
        frame.coreModules.push(module);
        break;
      }
      case "core-type":
        frame.coreTypes.push(item.type);
        break;
      case "core-instance": {
        const expr = item.instance;
        if (options.dry) {
          frame.coreInstances.push(dryCore);
          break;
        }
        if (expr.kind === "exports") {
          const exports: CoreInstanceExports = Object.create(null);
          for (const e of expr.exports) exports[e.name] = coreItem(frame, e.sort, e.index, offset);
          frame.coreInstances.push(exports);
          break;
        }
        const module = at(frame.coreModules, expr.module, "core module", offset);
        // A plain object is cheaper to make than a null-prototype one; the core
        // module reads only the names it imports, which are all own properties.
        const imports: Record<string, CoreInstanceExports> = {};
        for (const arg of expr.args) {
          const value = at(frame.coreInstances, arg.instance, "core instance", offset);
          if (arg.name === "__proto__") {
            Object.defineProperty(imports, arg.name, { value, enumerable: true });
          } else imports[arg.name] = value;
        }
        if (options.interrupt !== undefined && importsInterrupt(module)) {
          imports[INTERRUPT_IMPORT.module] = { [INTERRUPT_IMPORT.name]: options.interrupt };
        }
        frame.coreInstances.push(instantiateCore(module, imports, frame, offset));
        break;
      }
      case "component":
        frame.components.push({ kind: "component", ast: item.component, scope: frame });
        break;
      case "instance": {
        const expr = item.instance;
        if (expr.kind === "exports") {
          const exports = new Map<string, Item>();
          for (const e of expr.exports) {
            exports.set(e.name.name, getItem(frame, e.sort, e.index, offset));
          }
          frame.instances.push({ kind: "instance", exports });
          break;
        }
        const def = at(frame.components, expr.component, "component", offset);
        const args = new Map<string, Item>();
        for (const arg of expr.args) {
          args.set(arg.name, getItem(frame, arg.sort, arg.index, offset));
        }
        const child = new Frame(def.scope, new ComponentInstanceState({ parent: frame.state }));
        child.asyncUse = frame.asyncUse;
        instantiateComponent(def.ast, child, new ArgsProvider(args), options);
        frame.instances.push({ kind: "instance", exports: child.exports });
        break;
      }
      case "alias": {
        const { sort, target } = item.alias;
        if (target.kind === "export") {
          const instance = at(frame.instances, target.instance, "instance", offset);
          const exported = instance.exports.get(target.name);
          if (exported === undefined) {
            throw new LinkError(
              `Cannot instantiate component: instance ${target.instance} has no export ` +
                `"${target.name}" (alias at byte ${formatOffset(offset)})`,
            );
          }
          pushItem(frame, sort, exported, offset);
        } else if (target.kind === "core-export") {
          if (sort.kind !== "core") {
            throw new CompileError("Cannot alias a core export as a component item");
          }
          const instance = at(frame.coreInstances, target.instance, "core instance", offset);
          const value = instance[target.name];
          if (value === undefined) {
            throw new LinkError(
              `Cannot instantiate component: core instance ${target.instance} has no export ` +
                `"${target.name}" (alias at byte ${formatOffset(offset)})`,
            );
          }
          pushCore(frame, sort.sort, value, offset);
        } else {
          const scope = outerScope(frame, target.count);
          if (sort.kind === "type") {
            frame.types.push(at(scope.types, target.index, "outer type", offset));
          } else if (sort.kind === "component") {
            frame.components.push(
              at(scope.components ?? [], target.index, "outer component", offset),
            );
          } else if (sort.kind === "core" && sort.sort === "module") {
            frame.coreModules.push(
              at(scope.coreModules ?? [], target.index, "outer core module", offset),
            );
          } else if (sort.kind === "core" && sort.sort === "type") {
            frame.coreTypes.push(at(scope.coreTypes, target.index, "outer core type", offset));
          } else {
            throw new CompileError(
              `Cannot instantiate component: an outer alias cannot refer to a ${
                describeSort(sort)
              }`,
              { offset },
            );
          }
        }
        break;
      }
      case "type":
        frame.types.push(defineType(item.type, frame, ast, offset));
        break;
      case "canon":
        if (options.dry) defineDryCanon(item.canon, frame, offset);
        else defineCanon(item.canon, frame, offset, options.suspend ?? false);
        break;
      case "start": {
        if (options.dry) break;
        const func = at(frame.funcs, item.func, "func", offset);
        const args = item.args.map((i) => at(frame.values, i, "value", offset).value);
        const result = func.call(...args);
        if (item.results > 0 && func.type.result !== undefined) {
          frame.values.push({ kind: "value", type: func.type.result, value: result });
        }
        break;
      }
      case "import": {
        const imported = provider.get(item.name.name, item.type, frame);
        pushItem(frame, sortOfDescriptor(item.type), imported, offset);
        break;
      }
      case "export": {
        const exported = getItem(frame, item.sort, item.index, offset);
        pushItem(frame, item.sort, exported, offset);
        frame.exports.set(item.name.name, exported);
        if (exported.kind === "type" && exported.entry.kind === "resource") {
          const cls = resourceClassOf(exported.entry.type);
          if (cls !== undefined && exported.entry.type.instance === frame.state) {
            nameResourceClass(cls, item.name.name);
          }
        }
        break;
      }
      case "value":
        throw new CompileError(
          `Cannot instantiate component: value definitions (byte ${
            formatOffset(offset)
          }) are not supported yet`,
          { offset },
        );
    }
  }
}

function coreItem(frame: Frame, sort: CoreSort, index: number, offset: number): unknown {
  switch (sort) {
    case "module":
      return at(frame.coreModules, index, "core module", offset);
    case "instance":
      return at(frame.coreInstances, index, "core instance", offset);
    case "type":
      return at(frame.coreTypes, index, "core type", offset);
    default:
      return at(frame.core[sort], index, `core ${sort}`, offset);
  }
}

function instantiateCore(
  module: WebAssembly.Module,
  imports: Record<string, CoreInstanceExports>,
  frame: Frame,
  offset: number,
): CoreInstanceExports {
  try {
    // A start function runs inside the instance: it cannot re-enter the
    // instance's own exports, and a trap in it poisons the instance.
    return frame.state.runStart(() =>
      new WebAssembly.Instance(module, imports as WebAssembly.Imports).exports
    );
  } catch (error) {
    if (error instanceof WebAssembly.LinkError || error instanceof TypeError) {
      throw new LinkError(
        `Cannot instantiate core module at byte ${formatOffset(offset)}: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
}

function defineType(def: TypeDef, frame: Frame, ast: ComponentAst, offset: number): TypeEntry {
  if (def.kind !== "resource") return typeEntryOf(def, frame);
  const index = frame.types.length;
  const name = typeName(ast, index) ?? "resource";
  const dtorFn = def.dtor === undefined
    ? undefined
    : at(frame.core.func, def.dtor, "core func", offset) as (rep: number) => void;
  const state = frame.state;
  // In a tree using component-model async, a destructor runs as a task of
  // its own (fresh context slots), not in whichever thread dropped it.
  const dtor = dtorFn === undefined
    ? undefined
    : frame.asyncUse?.any === true
    ? (rep: number) => void runInFreshContext(asyncOf(state), () => dtorFn(rep))
    : (rep: number) => void dtorFn(rep);
  const rt = new ResourceType(name, {
    instance: state,
    ...(dtor === undefined ? {} : { dtor }),
  });
  installGuestResource(rt);
  return { kind: "resource", type: rt };
}

function typeName(ast: ComponentAst, index: number): string | undefined {
  for (const s of ast.names?.sorts ?? []) {
    if (s.sort.kind === "type") return s.names.get(index);
  }
  return undefined;
}

/**
 * Whether a memory has 64-bit addresses. JS reflection cannot say, but such a
 * memory's `grow` takes a BigInt, so growing a 32-bit one by 0 (a no-op) is
 * the probe. Answers are kept per frame (a plain Map that goes with the
 * frame): a weak map keyed by every instance's memory would cost the garbage
 * collector more than the probe.
 */
function isMemory64(memory: WebAssembly.Memory, frame: Frame): boolean {
  const known = frame.memory64 ??= new Map();
  let is64 = known.get(memory);
  if (is64 === undefined) {
    try {
      memory.grow(0);
      is64 = false;
    } catch {
      is64 = true;
    }
    known.set(memory, is64);
  }
  return is64;
}

function canonOptions(opts: readonly CanonOpt[], frame: Frame, offset: number): CanonOptions {
  let stringEncoding: StringEncoding = "utf8";
  let memory: WebAssembly.Memory | undefined;
  let realloc: CanonOptions["realloc"];
  let postReturn: CanonOptions["postReturn"];
  for (const opt of opts) {
    switch (opt.kind) {
      case "string-encoding":
        stringEncoding = opt.encoding;
        break;
      case "memory":
        memory = at(frame.core.memory, opt.index, "core memory", offset) as WebAssembly.Memory;
        if (isMemory64(memory, frame)) {
          throw new CompileError(
            `Cannot instantiate component: the canonical option at byte ${
              formatOffset(offset)
            } uses a 64-bit memory, which this version of Weft does not support yet`,
            { offset },
          );
        }
        break;
      case "realloc":
        realloc = at(frame.core.func, opt.index, "core func", offset) as CanonOptions["realloc"];
        break;
      case "post-return":
        postReturn = at(
          frame.core.func,
          opt.index,
          "core func",
          offset,
        ) as CanonOptions["postReturn"];
        break;
      case "async":
      case "callback":
        // Read by asyncOpts (async_glue.ts).
        break;
    }
  }
  // One object shape whatever the options (`exactOptionalPropertyTypes` wants the casts).
  return {
    instance: frame.state,
    stringEncoding,
    memory: memory as WebAssembly.Memory,
    realloc: realloc as NonNullable<CanonOptions["realloc"]>,
    postReturn: postReturn as NonNullable<CanonOptions["postReturn"]>,
  };
}

function resourceAt(frame: Frame, index: number, offset: number): ResourceType {
  const entry = at(frame.types, index, "type", offset);
  if (entry.kind !== "resource") {
    throw new CompileError(
      `Cannot instantiate component: type ${index} at byte ${
        formatOffset(offset)
      } is not a resource`,
      { offset },
    );
  }
  return entry.type;
}

function defineDryCanon(canon: Canon, frame: Frame, offset: number): void {
  if (canon.kind === "lift") {
    const type = funcTypeAt(frame, canon.type, "the type of a lifted function");
    frame.funcs.push({ kind: "func", type, call: dryFunction });
  } else {
    if (canon.kind === "lower") at(frame.funcs, canon.func, "func", offset);
    frame.core.func.push(dryFunction);
  }
}

/** The JS function behind each `WebAssembly.Suspending` this runtime made. */
const asyncCores = new WeakMap<object, (...flat: CoreValue[]) => unknown>();

/**
 * `WebAssembly.promising` of a core function; a core function that is not
 * wasm (a lowered import lifted again) is called as it is.
 */
function promisingCore(core: (...flat: CoreValue[]) => unknown): (
  ...flat: CoreValue[]
) => Promise<unknown> {
  const direct = asyncCores.get(core);
  if (direct !== undefined) return async (...flat) => await direct(...flat);
  try {
    return promising(core) as (...flat: CoreValue[]) => Promise<unknown>;
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    return async (...flat) => await core(...flat);
  }
}

function defineCanon(
  canon: Canon,
  frame: Frame,
  offset: number,
  suspend: false | "async-forms" | "all",
): void {
  switch (canon.kind) {
    case "lift": {
      const core = at(frame.core.func, canon.coreFunc, "core func", offset) as (
        ...a: (number | bigint)[]
      ) => unknown;
      const type = funcTypeAt(frame, canon.type, "the type of a lifted function");
      const options = canonOptions(canon.options, frame, offset);
      const use = frame.asyncUse;
      if (use?.any || type.async) {
        const opts = asyncOpts(canon.options, frame.core.func);
        frame.funcs.push(
          liftAsync(core, type, options, opts, {
            name: "function",
            offset,
            jspi: use?.any === true && hasJspi(),
          }),
        );
        return;
      }
      if (suspend) {
        const lifted = liftFunctionSuspending(promisingCore(core), type, {
          ...options,
          cancelled: (reason) => new CancelledError(undefined, { cause: reason }),
        });
        frame.funcs.push({ kind: "func", type, call: lifted, suspending: lifted });
        return;
      }
      frame.funcs.push({ kind: "func", type, call: liftFunction(core, type, options) });
      return;
    }
    case "lower": {
      const func = at(frame.funcs, canon.func, "func", offset);
      const options = canonOptions(canon.options, frame, offset);
      const use = frame.asyncUse;
      if (use?.any || func.type.async) {
        const opts = asyncOpts(canon.options, frame.core.func);
        frame.core.func.push(
          lowerAsync(func, options, opts.async, {
            name: func.call.name || "import",
            jspi: use?.any === true && hasJspi(),
          }),
        );
        return;
      }
      // A suspending import costs an instance of a trampoline module: only
      // callees that may answer with a Promise get one (an async form, a lift
      // of this tree, or with "all" any host function).
      if (suspend === "all" || (suspend !== false && func.suspending !== undefined)) {
        const lowered = lowerFunctionSuspending(func.suspending ?? func.call, func.type, options);
        // Suspends only when the callee answered with a Promise (a plain
        // `Suspending` import always suspends, and cannot in a start function).
        const imported = suspendingTrampoline(lowered, flattenFunctionType(func.type, "lower"));
        asyncCores.set(imported as object, lowered);
        frame.core.func.push(imported);
        return;
      }
      frame.core.func.push(lowerFunction(func.call, func.type, options));
      return;
    }
    case "resource.new":
      frame.core.func.push(resourceNew(resourceAt(frame, canon.type, offset), frame.state));
      return;
    case "resource.drop":
      frame.core.func.push(resourceDrop(resourceAt(frame, canon.type, offset), frame.state));
      return;
    case "resource.rep":
      frame.core.func.push(resourceRep(resourceAt(frame, canon.type, offset), frame.state));
      return;
    default: {
      const f = asyncBuiltin(canon, {
        state: frame.state,
        options: (opts) => canonOptions(opts, frame, offset),
        valType: (index) => {
          const entry = at(frame.types, index, "type", offset);
          if (entry.kind !== "val") {
            throw new CompileError(
              `Cannot instantiate component: type ${index} at byte ${
                formatOffset(offset)
              } is not a value type`,
              { offset },
            );
          }
          return entry.type;
        },
        resultType: (c) => c.result === undefined ? undefined : resolveValType(c.result, frame),
        memory: (index) =>
          at(frame.core.memory, index, "core memory", offset) as WebAssembly.Memory,
        jspi: frame.asyncUse?.any === true && hasJspi(),
        offset,
      });
      if (f === undefined) {
        throw new CompileError(
          `Cannot instantiate component: the canonical built-in "${canon.kind}" at byte ${
            formatOffset(offset)
          } needs component-model threading, which this version of Weft does not support yet`,
          { offset },
        );
      }
      frame.core.func.push(f);
    }
  }
}
