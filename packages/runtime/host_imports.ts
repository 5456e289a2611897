// Reads a JS import object in the shape of the component's declared imports
// (DESIGN.md § The JS value mapping). Internal to the runtime.
import { hostResourceJs, ResourceType } from "@weft/abi";
import type { ExternDescriptor, InstanceTypeAst } from "./binary/ast.ts";
import type { ExternDesc } from "./component_type.ts";
import { LinkError } from "./errors.ts";
import { moduleLinkMismatch } from "./link_module.ts";
import type { FuncItem, InstanceItem, Item, Scope, TypeEntry } from "./_items.ts";
import { outerScope } from "./_items.ts";
import { findImportKey, toCamelCase } from "./names.ts";
import {
  funcTypeAt,
  resolveDefValType,
  resolveFuncType,
  resolveValType,
  typeAt,
} from "./resolve_types.ts";

/** Supplies the values for the imports of a component being instantiated. */
export interface ImportProvider {
  /** The item for import `name` declared as `desc`, whose type indices refer to `scope`. */
  get(name: string, desc: ExternDescriptor, scope: Scope): Item;
}

/** One resource type per host class, so a class imported under two names is one type. */
const hostTypes = new WeakMap<object, ResourceType>();

/** The resource type of a host class (created on first use). */
export function hostResourceType(cls: object, name: string): ResourceType {
  let rt = hostTypes.get(cls);
  if (rt === undefined) {
    rt = new ResourceType(name, { js: hostResourceJs() });
    hostTypes.set(cls, rt);
  }
  return rt;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}

/** Whether a function is a class, as a resource import needs (not a plain function). */
function isClass(fn: unknown): boolean {
  return typeof fn === "function" && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/**
 * Where a synchronous host function keeps its asynchronous form (as
 * `@weft/wasi`'s blocking calls do): a runtime with JSPI calls that form and
 * suspends the guest until its Promise settles.
 */
export const SUSPENDING: unique symbol = Symbol.for("weft.wasi.suspending");

const AsyncFunction = (async () => {}).constructor;

/** The form of `fn` to call when the guest may suspend: its async form, or `fn` if it is async. */
export function asyncFormOf(fn: unknown): ((...args: unknown[]) => unknown) | undefined {
  if (typeof fn !== "function") return undefined;
  const form = (fn as unknown as Record<symbol, unknown>)[SUSPENDING];
  if (typeof form === "function") return form as (...args: unknown[]) => unknown;
  return fn instanceof AsyncFunction ? fn as (...args: unknown[]) => unknown : undefined;
}

/**
 * Whether a function the component imports (as `imports` gives it, in the
 * shape of the declared import types `descs`) has an asynchronous form: a
 * function import, or a function, method, static method or constructor of an
 * imported instance. Only what the component imports counts.
 */
export function importsCanSuspend(
  imports: Record<string, unknown>,
  descs: readonly ExternDesc[],
): boolean {
  const keys = Object.keys(imports);
  if (keys.length === 0) return false;
  for (const desc of descs) {
    const key = findImportKey(keys, desc.name);
    const value = key === undefined ? undefined : imports[key];
    if (desc.type.kind === "func") {
      if (asyncFormOf(value) !== undefined) return true;
    } else if (desc.type.kind === "instance" && typeof value === "object" && value !== null) {
      if (instanceCanSuspend(value as Record<string, unknown>, desc.type.exports)) return true;
    }
  }
  return false;
}

function instanceCanSuspend(
  object: Record<string, unknown>,
  exports: readonly ExternDesc[],
): boolean {
  const keys = Object.keys(object);
  for (const e of exports) {
    if (e.type.kind === "instance") {
      const key = findImportKey(keys, e.name);
      const inner = key === undefined ? undefined : object[key];
      if (
        typeof inner === "object" && inner !== null &&
        instanceCanSuspend(inner as Record<string, unknown>, e.type.exports)
      ) return true;
      continue;
    }
    if (e.type.kind !== "func") continue;
    const special = SPECIAL.exec(e.name);
    if (special === null) {
      const key = findImportKey(keys, e.name);
      if (key !== undefined && asyncFormOf(object[key]) !== undefined) return true;
      continue;
    }
    const [, kind, resource, member] = special as unknown as [string, string, string, string?];
    const key = findImportKey(keys, resource);
    const cls = key === undefined ? undefined : object[key];
    if (typeof cls !== "function") continue;
    const fn = kind === "constructor"
      ? undefined
      : kind === "static"
      ? (cls as unknown as Record<string, unknown>)[toCamelCase(member ?? "")]
      : (cls.prototype as Record<string, unknown> | undefined)?.[toCamelCase(member ?? "")];
    if (asyncFormOf(fn) !== undefined) return true;
  }
  return false;
}

const SPECIAL = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/;

/** Imports taken from a JS object: the top-level import object, or an instance inside it. */
export class HostProvider implements ImportProvider {
  #object: Record<string, unknown>;
  #path: string;

  /** `path` is where `object` sits in the import object, for messages (`""` at the top). */
  constructor(object: Record<string, unknown>, path: string) {
    this.#object = object;
    this.#path = path;
  }

  #where(name: string): string {
    return this.#path === "" ? name : `${this.#path}.${name}`;
  }

  #lookup(name: string, expected: string): unknown {
    const key = findImportKey(Object.keys(this.#object), name);
    const value = key === undefined ? undefined : this.#object[key];
    if (value === undefined) {
      throw new LinkError(
        `Cannot instantiate component: import "${
          this.#where(name)
        }" is missing (expected ${expected})`,
        { import: this.#where(name) },
      );
    }
    return value;
  }

  #class(resource: string): { new (...args: unknown[]): unknown } & Record<string, unknown> {
    const value = this.#lookup(resource, `a class for resource "${resource}"`);
    if (typeof value !== "function" || !isClass(value)) {
      throw new LinkError(
        `Cannot instantiate component: import "${
          this.#where(resource)
        }" must be a class for resource "${resource}": received ${describe(value)}`,
        { import: this.#where(resource) },
      );
    }
    return value as { new (...args: unknown[]): unknown } & Record<string, unknown>;
  }

  #func(name: string, desc: { type: number }, scope: Scope): FuncItem {
    const type = funcTypeAt(scope, desc.type, `the type of import "${this.#where(name)}"`);
    const special = SPECIAL.exec(name);
    if (special !== null) {
      const [, kind, resource, member] = special as unknown as [string, string, string, string?];
      const cls = this.#class(resource);
      if (kind === "constructor") {
        return { kind: "func", type, call: (...args) => new cls(...args) };
      }
      const method = toCamelCase(member ?? "");
      if (kind === "static") {
        const fn = cls[method];
        if (typeof fn !== "function") {
          throw new LinkError(
            `Cannot instantiate component: import "${this.#where(name)}" needs static method ` +
              `${cls.name}.${method}: received ${describe(fn)}`,
            { import: this.#where(name) },
          );
        }
        const form = asyncFormOf(fn);
        return {
          kind: "func",
          type,
          call: (...args) => fn.apply(cls, args),
          ...(form !== undefined ? { suspending: (...args) => form.apply(cls, args) } : {}),
        };
      }
      if (typeof (cls.prototype as Record<string, unknown>)[method] !== "function") {
        throw new LinkError(
          `Cannot instantiate component: import "${this.#where(name)}" needs method ` +
            `${cls.name}.prototype.${method}`,
          { import: this.#where(name) },
        );
      }
      const call = (self: unknown, ...args: unknown[]): unknown =>
        (self as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
      if (asyncFormOf((cls.prototype as Record<string, unknown>)[method]) === undefined) {
        return { kind: "func", type, call };
      }
      // Looked up per call: the object may be of a subclass with its own method.
      const suspending = (self: unknown, ...args: unknown[]): unknown => {
        const m = (self as Record<string, unknown>)[method];
        const form = asyncFormOf(m);
        return form !== undefined ? form.apply(self, args) : call(self, ...args);
      };
      return { kind: "func", type, call, suspending };
    }
    const fn = this.#lookup(name, "a function");
    if (typeof fn !== "function") {
      throw new LinkError(
        `Cannot instantiate component: import "${this.#where(name)}" must be a function: ` +
          `received ${describe(fn)}`,
        { import: this.#where(name) },
      );
    }
    const form = asyncFormOf(fn);
    return {
      kind: "func",
      type,
      call: fn as (...args: unknown[]) => unknown,
      ...(form !== undefined ? { suspending: form } : {}),
    };
  }

  get(name: string, desc: ExternDescriptor, scope: Scope): Item {
    switch (desc.kind) {
      case "func":
        return this.#func(name, desc, scope);
      case "instance": {
        const entry = typeAt(scope, desc.type, `the type of import "${this.#where(name)}"`);
        if (entry.kind !== "instance-type") {
          throw new LinkError(
            `Cannot import "${this.#where(name)}": its type is not an instance type`,
          );
        }
        const key = findImportKey(Object.keys(this.#object), name);
        if (key === undefined || this.#object[key] === undefined) {
          // An instance whose type needs no values (only equal-bound types
          // and empty instances, recursively) need not be given at all.
          try {
            return importInstance(entry.ast, entry.scope, new HostProvider({}, this.#where(name)));
          } catch (error) {
            if (!(error instanceof LinkError)) throw error;
          }
        }
        const value = this.#lookup(name, "an object of the instance's exports");
        if (typeof value !== "object" || value === null) {
          throw new LinkError(
            `Cannot instantiate component: import "${this.#where(name)}" must be an object: ` +
              `received ${describe(value)}`,
            { import: this.#where(name) },
          );
        }
        const inner = new HostProvider(value as Record<string, unknown>, this.#where(name));
        return importInstance(entry.ast, entry.scope, inner);
      }
      case "type": {
        if (desc.bound.kind === "eq") {
          const entry = typeAt(scope, desc.bound.index, "a type import");
          const key = findImportKey(Object.keys(this.#object), name);
          const given = key === undefined ? undefined : this.#object[key];
          // A resource given for an equal-bound import must be the same type.
          if (entry.kind === "resource" && given !== undefined) {
            const cls = this.#class(name);
            if (hostTypes.get(cls) !== entry.type) {
              throw new LinkError(
                `Cannot instantiate component: import "${this.#where(name)}" must be the same ` +
                  `resource type as "${entry.type.name}": received class ${cls.name}`,
                { import: this.#where(name) },
              );
            }
          }
          return { kind: "type", entry };
        }
        const cls = this.#class(name);
        return {
          kind: "type",
          entry: { kind: "resource", type: hostResourceType(cls, name) },
        };
      }
      case "module": {
        const value = this.#lookup(name, "a WebAssembly.Module");
        if (!(value instanceof WebAssembly.Module)) {
          throw new LinkError(
            `Cannot instantiate component: import "${this.#where(name)}" must be a ` +
              `WebAssembly.Module: received ${describe(value)}`,
            { import: this.#where(name) },
          );
        }
        const declared = scope.coreTypes[desc.type];
        if (declared?.kind === "module") {
          const mismatch = moduleLinkMismatch(value, declared, scope);
          if (mismatch !== undefined) {
            throw new LinkError(
              `Cannot instantiate component: the core module given for import "${
                this.#where(name)
              }" does not match its declared type: ${mismatch}`,
              { import: this.#where(name) },
            );
          }
        }
        return { kind: "module", module: value };
      }
      case "component":
        throw new LinkError(
          `Cannot instantiate component: import "${
            this.#where(name)
          }" is a component, which a host cannot provide yet`,
          { import: this.#where(name) },
        );
      case "value": {
        const value = this.#lookup(name, "a value");
        const bound = desc.bound;
        if (bound.kind === "eq") {
          throw new LinkError(`Cannot import value "${this.#where(name)}" bound to another value`);
        }
        return { kind: "value", type: resolveValType(bound.type, scope), value };
      }
    }
  }
}

/**
 * Builds an instance from an instance type by asking `provider` for each
 * export, binding the type's own index space as it goes (exported resource
 * types take the provider's concrete types).
 */
export function importInstance(
  ast: InstanceTypeAst,
  outer: Scope,
  provider: ImportProvider,
): InstanceItem {
  const scope: Scope = { parent: outer, types: [], coreTypes: [] };
  const exports = new Map<string, Item>();
  for (const decl of ast.declarations) {
    switch (decl.kind) {
      case "core-type":
        scope.coreTypes.push(decl.type);
        break;
      case "type":
        scope.types.push(typeEntryOf(decl.type, scope));
        break;
      case "alias": {
        const { sort, target } = decl.alias;
        if (target.kind !== "outer") break;
        const from = outerScope(scope, target.count);
        if (sort.kind === "type") scope.types.push(typeAt(from, target.index, "an outer alias"));
        else if (sort.kind === "core" && sort.sort === "type") {
          const core = from.coreTypes[target.index];
          if (core !== undefined) scope.coreTypes.push(core);
        }
        break;
      }
      case "export": {
        const item = provider.get(decl.name.name, decl.type, scope);
        exports.set(decl.name.name, item);
        if (item.kind === "type") scope.types.push(item.entry);
        break;
      }
    }
  }
  return { kind: "instance", exports };
}

/** A type definition inside a type body (no resources are defined there). */
export function typeEntryOf(def: import("./binary/ast.ts").TypeDef, scope: Scope): TypeEntry {
  switch (def.kind) {
    case "func":
      return { kind: "func", type: resolveFuncType(def, scope) };
    case "instance":
      return { kind: "instance-type", ast: def, scope };
    case "component":
      return { kind: "component-type", ast: def, scope };
    case "resource":
      throw new LinkError("Cannot define a resource type inside a type declaration");
    default:
      return { kind: "val", type: resolveDefValType(def, scope) };
  }
}
