// The values that fill a component instance's index spaces while it is
// instantiated (Explainer.md § Index spaces). Internal to the runtime.
import type { FuncInst } from "@weft/executor";
import type { FuncType, ResourceType, ValType } from "@weft/abi";
import type { ComponentAst, ComponentTypeAst, CoreType, InstanceTypeAst } from "./binary/ast.ts";

/** A component-level function: a JS function in the jco mapping, with its type. */
export interface FuncItem {
  readonly kind: "func";
  readonly type: FuncType;
  readonly call: (...args: unknown[]) => unknown;
  /**
   * The function in the spec's calling convention (`FuncInst`), for lifts
   * made through the executor: async lowered calls go through it.
   */
  readonly inst?: FuncInst;
  /**
   * The function to call when the caller may suspend (JSPI): a host
   * function's asynchronous form, or a lifted function that itself suspends.
   * It may return a Promise.
   */
  readonly suspending?: (...args: unknown[]) => unknown;
}

/** A component instance: its exports by name. */
export interface InstanceItem {
  readonly kind: "instance";
  readonly exports: Map<string, Item>;
}

/** A component definition with the scope it was defined in (for outer aliases). */
export interface ComponentDefItem {
  readonly kind: "component";
  readonly ast: ComponentAst;
  readonly scope: Scope | undefined;
}

/** A core module (component-level sort `core module`). */
export interface ModuleItem {
  readonly kind: "module";
  readonly module: WebAssembly.Module;
}

/** A 🪙 value. */
export interface ValueItem {
  readonly kind: "value";
  readonly type: ValType;
  readonly value: unknown;
}

/** An entry of the component type index space. */
export type TypeEntry =
  | { readonly kind: "val"; readonly type: ValType }
  | { readonly kind: "func"; readonly type: FuncType }
  | { readonly kind: "resource"; readonly type: ResourceType }
  | { readonly kind: "instance-type"; readonly ast: InstanceTypeAst; readonly scope: Scope }
  | { readonly kind: "component-type"; readonly ast: ComponentTypeAst; readonly scope: Scope };

/** A type as an item of an instance's exports. */
export interface TypeItem {
  readonly kind: "type";
  readonly entry: TypeEntry;
}

/** Anything a component-level index space or an instance export holds. */
export type Item = FuncItem | InstanceItem | ComponentDefItem | ModuleItem | ValueItem | TypeItem;

/**
 * A lexical scope for type references and outer aliases: a component being
 * instantiated, or the body of a component or instance type.
 */
export interface Scope {
  readonly parent: Scope | undefined;
  readonly types: TypeEntry[];
  readonly coreTypes: CoreType[];
  /** Only components have these; type bodies do not. */
  readonly components?: ComponentDefItem[];
  readonly coreModules?: WebAssembly.Module[];
}

/** The `count`-th enclosing scope of `scope` (0 is `scope` itself). */
export function outerScope(scope: Scope, count: number): Scope {
  let s: Scope | undefined = scope;
  for (let i = 0; i < count && s !== undefined; i++) s = s.parent;
  if (s === undefined) throw new RangeError(`Cannot resolve outer alias: no scope ${count} out`);
  return s;
}
