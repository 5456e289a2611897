/**
 * The component validator: walks a decoded {@linkcode ComponentAst} in
 * binary order, building every index space (Explainer.md § Index Spaces),
 * and checks references, types, names, canonical options and resource rules
 * (Explainer.md, Binary.md and CanonicalABI.md validation rules).
 *
 * Where this validator cannot tell (an embedded core module it cannot read,
 * a feature it does not model), it accepts: rejecting a valid component is
 * worse than accepting an invalid one, which the engine then rejects at
 * `WebAssembly.compile` or link time.
 *
 * @module
 */

import type {
  Alias,
  Canon,
  CanonOpt,
  ComponentAst,
  ComponentDecl,
  CoreExternType,
  CoreInstanceExpr,
  CoreModuleDecl,
  CoreSort,
  CoreType,
  DefValType,
  ExternDescriptor,
  ExternName,
  InstanceExpr,
  Sort,
  TypeDef,
  ValType,
} from "../binary/ast.ts";
import { CompileError, formatOffset } from "../binary/errors.ts";
import {
  type CoreExtern,
  type CoreModuleType,
  type CoreSig,
  coreSigOf,
  coreValTypeText,
  formatSig,
  readCoreModuleType,
  sigsMatch,
} from "./core_module.ts";
import { checkLabel, checkSemver, parseExternName, uniquenessKey } from "./names.ts";
import {
  type ComponentEntry,
  containsBorrow,
  containsPointers,
  coreExternMismatch,
  type DefinedType,
  elemSize64,
  externMismatch,
  type ExternType,
  flattenType,
  type FlatType,
  forEachResource,
  type FuncEntry,
  type InstanceEntry,
  type Labelled,
  maxOf,
  Resource,
  type ResourceEntry,
  Substitution,
  type TypeEntry,
  type ValEntry,
  type ValueType,
} from "./types.ts";

/** Options of {@linkcode validateComponent}. */
export interface ValidateOptions {
  /**
   * Reject what Wasmtime does not support at the root of a component although
   * the spec allows it: importing or exporting a component, and exporting an
   * imported function as is. Default `false`.
   */
  readonly rootRestrictions?: boolean;
  /**
   * Also validate the code of embedded core modules with
   * `WebAssembly.validate` (the engine checks it anyway when it compiles
   * them, so this only moves the error earlier). Default `false`.
   */
  readonly validateCoreModules?: boolean;
}

/** Validation limit of `elem_size(t, 'i64')` (Binary.md § Type Definitions). */
const MAX_VALUE_SIZE = 2 ** 28;
/** The deepest nesting of value types accepted. */
const MAX_TYPE_DEPTH = 100;
/** Binary.md § Type Definitions: flags have at most 32 labels. */
const MAX_FLAGS = 32;
/** CanonicalABI.md § Flattening. */
const MAX_FLAT_PARAMS = 16;
const MAX_FLAT_ASYNC_PARAMS = 4;
const MAX_FLAT_RESULTS = 1;

type ScopeKind = "component" | "component-type" | "instance-type";

type CoreTypeSlot =
  | { readonly kind: "func"; readonly sig: CoreSig | undefined }
  | { readonly kind: "module"; readonly type: CoreModuleType | undefined }
  | { readonly kind: "other" };

/** A core instance's exports, or `undefined` when unknown. */
type CoreInstance = ReadonlyMap<string, CoreExtern> | undefined;

/** The index spaces and bookkeeping of one component, component type or instance type. */
class Scope {
  readonly kind: ScopeKind;
  readonly parent: Scope | undefined;
  // Core index spaces.
  readonly coreFuncs: (CoreSig | undefined)[] = [];
  readonly coreTables: (CoreExtern | undefined)[] = [];
  readonly coreMemories: (CoreExtern | undefined)[] = [];
  readonly coreGlobals: (CoreExtern | undefined)[] = [];
  readonly coreTags: (CoreExtern | undefined)[] = [];
  readonly coreTypes: CoreTypeSlot[] = [];
  readonly coreModules: (CoreModuleType | undefined)[] = [];
  readonly coreInstances: CoreInstance[] = [];
  // Component-level index spaces.
  readonly funcs: FuncEntry[] = [];
  readonly values: ValueType[] = [];
  /** 🪙 Which values were consumed; each must be, exactly once. */
  readonly valueUsed: boolean[] = [];
  readonly types: TypeEntry[] = [];
  readonly components: ComponentEntry[] = [];
  readonly instances: InstanceEntry[] = [];
  // Imports and exports, by name, with strong-uniqueness keys.
  readonly imports = new Map<string, ExternType>();
  readonly exports = new Map<string, ExternType>();
  readonly importKeys = new Map<string, string>();
  readonly exportKeys = new Map<string, string>();
  /** Abstract resources introduced by imports. */
  readonly importedResources: Resource[] = [];
  /** Resources introduced by exports of a type scope. */
  readonly definedResources: Resource[] = [];
  /** Resources defined here by a `resource` type definition. */
  readonly localResources = new Set<Resource>();
  /** Type entries with an externally visible name (Explainer.md § External Visibility). */
  readonly importNamed = new Set<TypeEntry>();
  readonly exportNamed = new Set<TypeEntry>();
  /** Resources imported / exported under a plain name, for `[method]` etc. */
  readonly importedResourceNames = new Map<string, Resource>();
  readonly exportedResourceNames = new Map<string, Resource>();

  constructor(kind: ScopeKind, parent: Scope | undefined) {
    this.kind = kind;
    this.parent = parent;
  }
}

/** Appends without spreading (a spread of a huge array overflows the stack). */
function pushAll<T>(to: T[], items: Iterable<T>): void {
  for (const item of items) to.push(item);
}

function sortName(sort: Sort): string {
  return sort.kind === "core" ? `core ${sort.sort}` : sort.kind;
}

function plural(sort: string): string {
  if (sort.endsWith("memory")) return `${sort.slice(0, -1)}ies`;
  return `${sort}s`;
}

function sig(params: readonly string[], results: readonly string[]): CoreSig {
  return { params, results };
}

function formatFlat(types: readonly string[]): string {
  return `[${types.map((t) => t.toUpperCase()).join(", ")}]`;
}

/** Whether a value type needs a name to be exported (Explainer.md § External Visibility). */
function needsName(d: DefinedType): boolean {
  return d.kind === "record" || d.kind === "variant" || d.kind === "enum" || d.kind === "flags";
}

/** The validator of one component tree. */
class Validator {
  readonly #options: ValidateOptions;
  /** The item being validated, for messages: e.g. `export "f" at byte 0x3c`. */
  #where = "component";
  #offset = 0;
  /** Functions imported at the root, for `rootRestrictions`. */
  #importedFuncs = new Set<FuncEntry>();

  constructor(options: ValidateOptions) {
    this.#options = options;
  }

  #fail(message: string): never {
    throw new CompileError(`Cannot validate component: ${this.#where} ${message}`, {
      offset: this.#offset,
    });
  }

  #at(what: string, offset: number): void {
    this.#where = `${what} at byte ${formatOffset(offset)}`;
    this.#offset = offset;
  }

  #index<T>(space: readonly T[], index: number, sort: string): T {
    if (index >= space.length) {
      this.#fail(
        `refers to ${sort} index ${index}, but only ${space.length} ${plural(sort)} are defined` +
          ` (${sort} index out of bounds)`,
      );
    }
    return space[index]!;
  }

  // -------------------------------------------------------------------------
  // Components

  component(ast: ComponentAst, parent: Scope | undefined): ComponentEntry {
    const scope = new Scope("component", parent);
    for (const item of ast.items) {
      switch (item.kind) {
        case "custom":
          break;
        case "core-module":
          this.#at("core module", item.offset);
          scope.coreModules.push(this.#coreModule(item.bytes));
          break;
        case "core-instance":
          this.#at("core instance", item.offset);
          scope.coreInstances.push(this.#coreInstance(scope, item.instance));
          break;
        case "core-type":
          this.#at("core type", item.offset);
          pushAll(scope.coreTypes, this.#coreType(scope, item.type));
          break;
        case "component": {
          const entry = this.component(item.component, scope);
          this.#at("component", item.offset);
          scope.components.push(entry);
          break;
        }
        case "instance":
          this.#at("instance", item.offset);
          scope.instances.push(this.#instance(scope, item.instance));
          break;
        case "alias":
          this.#at("alias", item.offset);
          this.#alias(scope, item.alias);
          break;
        case "type": {
          this.#at("type", item.offset);
          const entry = this.#typeDef(scope, item.type);
          this.#at("type", item.offset);
          scope.types.push(entry);
          break;
        }
        case "canon":
          this.#at(`canon ${item.canon.kind}`, item.offset);
          this.#canon(scope, item.canon);
          break;
        case "start":
          this.#at("start", item.offset);
          this.#start(scope, item.func, item.args, item.results);
          break;
        case "import":
          this.#at(`import "${item.name.name}"`, item.offset);
          this.#import(scope, item.name, item.type);
          break;
        case "export":
          this.#at(`export "${item.name.name}"`, item.offset);
          this.#export(scope, item.name, item.sort, item.index, item.type);
          break;
        case "value":
          this.#at("value", item.offset);
          scope.values.push(this.#valType(scope, item.type));
          break;
      }
    }
    // 🪙 Explainer.md § Value Definitions: values are consumed exactly once.
    const unused = scope.values.findIndex((_, i) => !scope.valueUsed[i]);
    if (unused >= 0) {
      this.#at("component", ast.offset);
      this.#fail(
        `defines value index ${unused}, which is never used (values must be consumed exactly once)`,
      );
    }
    return this.#componentEntry(scope);
  }

  #useValue(scope: Scope, index: number): ValueType {
    const v = this.#index(scope.values, index, "value");
    if (scope.kind === "component") {
      if (scope.valueUsed[index]) {
        this.#fail(
          `uses value index ${index} a second time (values must be consumed exactly once)`,
        );
      }
      scope.valueUsed[index] = true;
    }
    return v;
  }

  #componentEntry(scope: Scope): ComponentEntry {
    const imported = new Set(scope.importedResources);
    const defined = new Set<Resource>(scope.definedResources);
    for (const e of scope.exports.values()) {
      forEachResource(e, (r) => {
        if (!imported.has(r)) defined.add(r);
      });
    }
    return {
      kind: "component",
      imports: scope.imports,
      exports: scope.exports,
      imported: [...imported],
      defined: [...defined],
    };
  }

  // -------------------------------------------------------------------------
  // Core definitions

  #coreModule(bytes: Uint8Array): CoreModuleType | undefined {
    if (this.#options.validateCoreModules && !WebAssembly.validate(bytes as BufferSource)) {
      let reason = "";
      try {
        new WebAssembly.Module(bytes as BufferSource);
      } catch (e) {
        reason = `: ${e instanceof Error ? e.message : String(e)}`;
      }
      this.#fail(`is not a valid core module${reason}`);
    }
    const type = readCoreModuleType(bytes);
    if (type !== undefined) this.#uniqueCoreImports(type.imports);
    return type;
  }

  /** Core imports are named `module::name` in a component and must be unique. */
  #uniqueCoreImports(imports: readonly { module: string; name: string }[]): void {
    const seen = new Set<string>();
    for (const { module, name } of imports) {
      const key = `${module}\0${name}`;
      if (seen.has(key)) this.#fail(`has a duplicate import name \`${module}:${name}\``);
      seen.add(key);
    }
  }

  #checkCoreLimits(
    limits: { min: bigint; max: bigint | undefined; address64: boolean; pageSizeLog2?: number },
    what: "memory" | "table",
  ): void {
    if (limits.max !== undefined && limits.max < limits.min) {
      this.#fail(
        `declares a ${what} whose minimum ${limits.min} exceeds its maximum ${limits.max} (size minimum must not be greater than maximum)`,
      );
    }
    if (what === "memory" && limits.pageSizeLog2 === undefined) {
      const cap = limits.address64 ? 2n ** 48n : 65536n;
      if (limits.min > cap || (limits.max !== undefined && limits.max > cap)) {
        this.#fail(
          `declares a memory larger than ${cap} pages (memory size must be at most ${cap} pages)`,
        );
      }
    }
  }

  #coreInstance(scope: Scope, expr: CoreInstanceExpr): CoreInstance {
    if (expr.kind === "exports") {
      const out = new Map<string, CoreExtern>();
      let known = true;
      for (const ex of expr.exports) {
        if (out.has(ex.name)) {
          this.#fail(`exports name \`${ex.name}\` twice (export name already defined)`);
        }
        const t = this.#coreItem(scope, ex.sort, ex.index);
        if (t === undefined) known = false;
        else out.set(ex.name, t);
      }
      return known ? out : undefined;
    }
    if (expr.module >= scope.coreModules.length) {
      this.#fail(
        `instantiates core module index ${expr.module}, but only ${scope.coreModules.length} ` +
          `core modules are defined (unknown module)`,
      );
    }
    const module = scope.coreModules[expr.module];
    const args = new Map<string, CoreInstance>();
    for (const arg of expr.args) {
      if (args.has(arg.name)) {
        this.#fail(`has a duplicate module instantiation argument named \`${arg.name}\``);
      }
      args.set(arg.name, this.#index(scope.coreInstances, arg.instance, "core instance"));
    }
    if (module === undefined) return undefined;
    for (const imp of module.imports) {
      if (!args.has(imp.module)) {
        this.#fail(
          `is missing module instantiation argument \`${imp.module}\` for import ` +
            `\`${imp.module}::${imp.name}\``,
        );
      }
      const inst = args.get(imp.module);
      if (inst === undefined) continue;
      const given = inst.get(imp.name);
      if (given === undefined) {
        this.#fail(
          `supplies instance \`${imp.module}\`, which does not export an item named ` +
            `\`${imp.name}\``,
        );
      }
      const m = coreExternMismatch(given, imp.type);
      if (m !== undefined) {
        this.#fail(`supplies import \`${imp.module}::${imp.name}\` with the wrong type: ${m}`);
      }
    }
    return module.exports;
  }

  /** The type of a core item, or `undefined` when unknown. */
  #coreItem(scope: Scope, sort: CoreSort, index: number): CoreExtern | undefined {
    switch (sort) {
      case "func":
        return { kind: "func", sig: this.#index(scope.coreFuncs, index, "core func") };
      case "table":
        return this.#index(scope.coreTables, index, "core table");
      case "memory":
        return this.#index(scope.coreMemories, index, "core memory");
      case "global":
        return this.#index(scope.coreGlobals, index, "core global");
      case "tag":
        return this.#index(scope.coreTags, index, "core tag");
      case "type":
        this.#index(scope.coreTypes, index, "core type");
        return undefined;
      case "module":
        this.#index(scope.coreModules, index, "core module");
        return undefined;
      case "instance":
        this.#index(scope.coreInstances, index, "core instance");
        return undefined;
    }
  }

  /** The core type index space entries a core type definition adds (one per rec group member). */
  #coreType(scope: Scope, type: CoreType): CoreTypeSlot[] {
    switch (type.kind) {
      case "func":
        return [{ kind: "func", sig: coreSigOf(type.params, type.results) }];
      case "sub":
        return [
          type.type.kind !== "func"
            ? { kind: "other" }
            : type.supertypes.length === 0
            ? { kind: "func", sig: coreSigOf(type.type.params, type.type.results) }
            : { kind: "func", sig: undefined },
        ];
      case "module":
        return [{ kind: "module", type: this.#moduleType(scope, type.declarations) }];
      case "rec":
        // A group of one is the plain type; members of larger groups are
        // distinct types under GC canonicalization, so they are not compared.
        if (type.types.length === 1) return this.#coreType(scope, type.types[0]!);
        return type.types.map((t) =>
          (t.kind === "sub" ? t.type.kind : t.kind) === "func"
            ? { kind: "func", sig: undefined }
            : { kind: "other" }
        );
      default:
        return [{ kind: "other" }];
    }
  }

  #moduleType(outer: Scope, decls: readonly CoreModuleDecl[]): CoreModuleType | undefined {
    const types: CoreTypeSlot[] = [];
    const imports: { module: string; name: string; type: CoreExtern }[] = [];
    const exports = new Map<string, CoreExtern>();
    const extern = (t: CoreExternType): CoreExtern => {
      switch (t.kind) {
        case "func":
        case "tag": {
          const slot = this.#index(types, t.type, "core type");
          if (slot.kind !== "func" && slot.kind !== "other") {
            this.#fail(`uses core type index ${t.type}, which is not a function type`);
          }
          return { kind: t.kind, sig: slot.kind === "func" ? slot.sig : undefined };
        }
        case "table":
          this.#checkCoreLimits(t.limits, "table");
          return {
            kind: "table",
            element: coreValTypeText(t.element) ?? "(ref ...)",
            min: t.limits.min,
            max: t.limits.max,
            address64: t.limits.address64,
          };
        case "memory":
          this.#checkCoreLimits(t.limits, "memory");
          return {
            kind: "memory",
            min: t.limits.min,
            max: t.limits.max,
            shared: t.limits.shared,
            address64: t.limits.address64,
          };
        case "global":
          return {
            kind: "global",
            type: coreValTypeText(t.type) ?? "(ref ...)",
            mutable: t.mutable,
          };
      }
    };
    for (const d of decls) {
      switch (d.kind) {
        case "type":
          if (d.type.kind === "module") this.#fail("nests a module type in a module type");
          pushAll(types, this.#coreType(outer, d.type));
          break;
        case "alias": {
          if (d.count !== 1) {
            // Only the enclosing component's core types are reachable.
            let s: Scope | undefined = outer;
            for (let i = 1; i < d.count && s !== undefined; i++) s = s.parent;
            if (s === undefined || d.count === 0) {
              if (d.count === 0) types.push(this.#index(types, d.index, "core type"));
              else this.#fail(`has an invalid outer alias count of ${d.count}`);
              break;
            }
            types.push(this.#index(s.coreTypes, d.index, "core type"));
            break;
          }
          types.push(this.#index(outer.coreTypes, d.index, "core type"));
          break;
        }
        case "import":
          imports.push({ module: d.module, name: d.name, type: extern(d.type) });
          break;
        case "export":
          if (exports.has(d.name)) this.#fail(`exports \`${d.name}\` twice (name already defined)`);
          exports.set(d.name, extern(d.type));
          break;
      }
    }
    this.#uniqueCoreImports(imports);
    return { imports, exports };
  }

  // -------------------------------------------------------------------------
  // Component instances

  #instance(scope: Scope, expr: InstanceExpr): InstanceEntry {
    if (expr.kind === "exports") {
      const exports = new Map<string, ExternType>();
      const keys = new Map<string, string>();
      for (const ex of expr.exports) {
        this.#checkName(ex.name, "export");
        this.#unique(keys, ex.name.name, "export");
        const t = this.#sortItem(scope, ex.sort, ex.index);
        if (ex.name.implements !== undefined && t.kind !== "instance") {
          this.#fail("has an `implements` attribute, but only instances can have an `implements`");
        }
        // A bag of exports introduces no type indices, so no resource has a
        // name in it: `[method]` and the like cannot be used (as wasmparser).
        this.#checkAnnotation(undefined, ex.name.name, t, "export");
        exports.set(ex.name.name, t);
      }
      return { kind: "instance", exports, defined: [] };
    }
    if (expr.component >= scope.components.length) {
      this.#fail(
        `instantiates component index ${expr.component}, but only ${scope.components.length} ` +
          `components are defined (unknown component)`,
      );
    }
    const component = scope.components[expr.component]!;
    const args = new Map<string, ExternType>();
    const argKeys = new Map<string, string>();
    for (const arg of expr.args) {
      const key = uniquenessKey(arg.name);
      const prev = argKeys.get(key);
      if (prev !== undefined) {
        this.#fail(
          `instantiation argument \`${arg.name}\` conflicts with previous argument \`${prev}\``,
        );
      }
      argKeys.set(key, arg.name);
      args.set(arg.name, this.#sortItem(scope, arg.sort, arg.index));
    }
    const map = new Map<Resource, Resource>();
    const entries = new Map<TypeEntry, TypeEntry>();
    const abstract = new Set(component.imported);
    for (const [name, declared] of component.imports) {
      const given = args.get(name);
      if (given === undefined) this.#fail(`is missing import named \`${name}\``);
      bindResources(given, declared, abstract, map, entries);
      const expected = new Substitution(map, entries).extern(declared);
      const m = externMismatch(given, expected);
      if (m !== undefined) this.#fail(`supplies import \`${name}\` with the wrong type: ${m}`);
      // Binary.md § Instance Definitions: the supplied type replaces the import's uses.
      bindEntries(given, declared, entries);
    }
    for (const r of component.defined) map.set(r, new Resource(r.name));
    const subst = new Substitution(map, entries);
    const exports = new Map<string, ExternType>();
    for (const [name, t] of component.exports) exports.set(name, subst.extern(t));
    return { kind: "instance", exports, defined: [] };
  }

  /** The type of the item `index` of a component-level `sort` (also core module). */
  #sortItem(scope: Scope, sort: Sort, index: number): ExternType {
    switch (sort.kind) {
      case "func":
        return { kind: "func", type: this.#index(scope.funcs, index, "func") };
      case "value":
        return { kind: "value", type: this.#useValue(scope, index) };
      case "type":
        return { kind: "type", type: this.#index(scope.types, index, "type") };
      case "component":
        return { kind: "component", type: this.#index(scope.components, index, "component") };
      case "instance":
        return { kind: "instance", type: this.#index(scope.instances, index, "instance") };
      case "core":
        if (sort.sort === "module") {
          return { kind: "module", type: this.#index(scope.coreModules, index, "core module") };
        }
        this.#coreItem(scope, sort.sort, index);
        this.#fail(`refers to a core ${sort.sort}, which is not valid here (only core modules)`);
    }
  }

  // -------------------------------------------------------------------------
  // Aliases

  #alias(scope: Scope, alias: Alias): void {
    const { sort, target } = alias;
    const typeScope = scope.kind !== "component";
    switch (target.kind) {
      case "export": {
        if (typeScope && sort.kind !== "type" && sort.kind !== "instance") {
          this.#fail(
            `aliases a ${
              sortName(sort)
            } export, but type declarations may only refer to types or instances`,
          );
        }
        const inst = this.#index(scope.instances, target.instance, "instance");
        const t = inst.exports.get(target.name);
        if (t === undefined) {
          this.#fail(
            `refers to instance ${target.instance}, which has no export named \`${target.name}\``,
          );
        }
        const want = sort.kind === "core" ? (sort.sort === "module" ? "module" : "") : sort.kind;
        if (t.kind !== want) {
          this.#fail(
            `aliases export \`${target.name}\` of instance ${target.instance} as a ${
              sortName(sort)
            }, but it is a ${t.kind}`,
          );
        }
        this.#push(scope, t);
        return;
      }
      case "core-export": {
        if (typeScope) {
          this.#fail(
            "aliases a core export, but type declarations may only refer to types or instances",
          );
        }
        const inst = this.#index(scope.coreInstances, target.instance, "core instance");
        if (sort.kind !== "core") this.#fail(`aliases a core export as a ${sortName(sort)}`);
        let t: CoreExtern | undefined;
        if (inst !== undefined) {
          t = inst.get(target.name);
          if (t === undefined) {
            this.#fail(
              `refers to core instance ${target.instance}, which has no export named \`${target.name}\``,
            );
          }
          if (t.kind !== sort.sort) {
            this.#fail(
              `refers to export \`${target.name}\` for core instance ${target.instance}, which is not a ${sort.sort} (it is a ${t.kind})`,
            );
          }
        }
        this.#pushCore(scope, sort.sort, t);
        return;
      }
      case "outer": {
        let s: Scope = scope;
        let crossesComponent = false;
        for (let i = 0; i < target.count; i++) {
          if (s.kind === "component") crossesComponent = true;
          if (s.parent === undefined) {
            this.#fail(`has an invalid outer alias count of ${target.count}`);
          }
          s = s.parent;
        }
        const allowed = sort.kind === "type" || (sort.kind === "core" && sort.sort === "type") ||
          (!typeScope &&
            (sort.kind === "component" || (sort.kind === "core" && sort.sort === "module")));
        if (!allowed) {
          this.#fail(
            `aliases an outer ${sortName(sort)}, but ${
              typeScope
                ? "type declarations may only refer to types or instances"
                : "only types, modules and components may be aliased outward"
            }`,
          );
        }
        switch (sort.kind) {
          case "type": {
            const t = this.#index(s.types, target.index, "type");
            if (crossesComponent) {
              let found = false;
              forEachResource(t, () => found = true);
              if (found) {
                this.#fail(
                  `aliases outer type ${target.index}, which transitively refers to resources not defined in this component`,
                );
              }
            }
            scope.types.push(t);
            return;
          }
          case "component":
            scope.components.push(this.#index(s.components, target.index, "component"));
            return;
          case "core":
            if (sort.sort === "type") {
              scope.coreTypes.push(this.#index(s.coreTypes, target.index, "core type"));
            } else scope.coreModules.push(this.#index(s.coreModules, target.index, "core module"));
            return;
        }
      }
    }
  }

  #push(scope: Scope, t: ExternType): void {
    switch (t.kind) {
      case "func":
        scope.funcs.push(t.type);
        return;
      case "value":
        scope.values.push(t.type);
        return;
      case "type":
        scope.types.push(t.type);
        return;
      case "component":
        scope.components.push(t.type);
        return;
      case "instance":
        scope.instances.push(t.type);
        return;
      case "module":
        scope.coreModules.push(t.type);
        return;
    }
  }

  #pushCore(scope: Scope, sort: CoreSort, t: CoreExtern | undefined): void {
    switch (sort) {
      case "func":
        scope.coreFuncs.push(t?.kind === "func" ? t.sig : undefined);
        return;
      case "table":
        scope.coreTables.push(t);
        return;
      case "memory":
        scope.coreMemories.push(t);
        return;
      case "global":
        scope.coreGlobals.push(t);
        return;
      case "tag":
        scope.coreTags.push(t);
        return;
      case "type":
        scope.coreTypes.push({ kind: "other" });
        return;
      case "module":
        scope.coreModules.push(undefined);
        return;
      case "instance":
        scope.coreInstances.push(undefined);
        return;
    }
  }

  // -------------------------------------------------------------------------
  // Types

  #valType(scope: Scope, t: ValType): ValueType {
    if (t.kind === "primitive") return t;
    const entry = this.#index(scope.types, t.index, "type");
    if (entry.kind !== "val") {
      this.#fail(
        `uses type index ${t.index} as a value type, but type index ${t.index} is not a defined type`,
      );
    }
    return entry;
  }

  #optValType(scope: Scope, t: ValType | undefined): ValueType | undefined {
    return t === undefined ? undefined : this.#valType(scope, t);
  }

  #labels(names: readonly string[], what: string): void {
    const seen = new Map<string, string>();
    for (const name of names) {
      if (name === "") this.#fail(`has an empty ${what} name (${what} name cannot be empty)`);
      const bad = checkLabel(name);
      if (bad !== undefined) this.#fail(`has ${what} name \`${name}\`, which is not in kebab case`);
      const prev = seen.get(name.toLowerCase());
      if (prev !== undefined) {
        this.#fail(
          `has ${what} name \`${name}\`, which conflicts with previous ${what} name \`${prev}\``,
        );
      }
      seen.set(name.toLowerCase(), name);
    }
  }

  #typeDef(scope: Scope, def: TypeDef): TypeEntry {
    switch (def.kind) {
      case "func":
        return this.#funcType(scope, def.params, def.result, def.async);
      case "resource": {
        if (scope.kind !== "component") {
          this.#fail(
            "defines a resource type, but resources can only be defined within a concrete component",
          );
        }
        if (def.rep.kind !== "i32") {
          this.#fail("defines a resource whose representation is not `i32`");
        }
        if (def.dtor !== undefined) {
          const dtor = this.#index(scope.coreFuncs, def.dtor, "core func");
          if (!sigsMatch(dtor, sig(["i32"], []))) {
            this.#fail(
              `has a destructor with the wrong signature for a destructor: expected (func (param i32)), found ${
                formatSig(dtor)
              }`,
            );
          }
        }
        const r = new Resource(`resource ${scope.types.length}`);
        scope.localResources.add(r);
        return { kind: "resource", resource: r };
      }
      case "component": {
        const inner = new Scope("component-type", scope);
        this.#declarations(inner, def.declarations);
        return this.#componentEntry(inner);
      }
      case "instance": {
        const inner = new Scope("instance-type", scope);
        this.#declarations(inner, def.declarations);
        return { kind: "instance", exports: inner.exports, defined: inner.definedResources };
      }
      default:
        return this.#defValType(scope, def);
    }
  }

  #funcType(
    scope: Scope,
    params: readonly { name: string; type: ValType }[],
    result: ValType | undefined,
    async: boolean,
  ): FuncEntry {
    this.#labels(params.map((p) => p.name), "function parameter");
    const ps: Labelled[] = params.map((p) => ({
      name: p.name,
      type: this.#valType(scope, p.type),
    }));
    const r = this.#optValType(scope, result);
    if (r !== undefined && containsBorrow(r)) {
      this.#fail(
        "has a function result that contains a `borrow` type (function result cannot contain a `borrow` type)",
      );
    }
    return { kind: "func", async, params: ps, result: r };
  }

  #defValType(scope: Scope, def: DefValType): ValEntry {
    const v = (t: ValType) => this.#valType(scope, t);
    let d: DefinedType;
    switch (def.kind) {
      case "primitive":
        d = def;
        break;
      case "record":
        if (def.fields.length === 0) {
          this.#fail(
            "defines a record type without fields (record type must have at least one field)",
          );
        }
        this.#labels(def.fields.map((f) => f.name), "record field");
        d = { kind: "record", fields: def.fields.map((f) => ({ name: f.name, type: v(f.type) })) };
        break;
      case "variant":
        if (def.cases.length === 0) {
          this.#fail(
            "defines a variant type without cases (variant type must have at least one case)",
          );
        }
        this.#labels(def.cases.map((c) => c.name), "variant case");
        d = {
          kind: "variant",
          cases: def.cases.map((c) => ({ name: c.name, type: this.#optValType(scope, c.type) })),
        };
        break;
      case "list":
        if (def.length === 0) {
          this.#fail(
            "defines a fixed-length list of length 0 (fixed-length lists must have a length above 0)",
          );
        }
        d = { kind: "list", element: v(def.element), length: def.length };
        break;
      case "tuple":
        if (def.types.length === 0) {
          this.#fail("defines an empty tuple type (tuple type must have at least one type)");
        }
        d = { kind: "tuple", types: def.types.map(v) };
        break;
      case "flags":
        if (def.labels.length === 0) {
          this.#fail("defines a flags type without labels (flags must have at least one entry)");
        }
        if (def.labels.length > MAX_FLAGS) {
          this.#fail(
            `defines a flags type with ${def.labels.length} labels (cannot have more than ${MAX_FLAGS} flags)`,
          );
        }
        this.#labels(def.labels, "flag");
        d = { kind: "flags", labels: def.labels };
        break;
      case "enum":
        if (def.labels.length === 0) {
          this.#fail("defines an enum type without cases (enum type must have at least one case)");
        }
        this.#labels(def.labels, "enum tag");
        d = { kind: "enum", labels: def.labels };
        break;
      case "option":
        d = { kind: "option", type: v(def.type) };
        break;
      case "result":
        d = {
          kind: "result",
          ok: this.#optValType(scope, def.ok),
          err: this.#optValType(scope, def.err),
        };
        break;
      case "own":
      case "borrow": {
        const r = this.#index(scope.types, def.index, "type");
        if (r.kind !== "resource") {
          this.#fail(
            `defines \`${def.kind}\` of type index ${def.index}, which is not a resource type`,
          );
        }
        d = { kind: def.kind, resource: r };
        break;
      }
      case "stream":
      case "future":
        if (def.kind === "stream" && def.type?.kind === "primitive" && def.type.type === "char") {
          // A temporary restriction (component-model PR 607).
          this.#fail("defines `stream<char>`, which is not valid at this time");
        }
        d = { kind: def.kind, type: this.#optValType(scope, def.type) };
        break;
      case "map":
        d = { kind: "map", key: v(def.key), value: v(def.value) };
        break;
    }
    const entry: ValEntry = { kind: "val", def: d, depth: 1 + childDepth(d) };
    if (entry.depth > MAX_TYPE_DEPTH) {
      // Wasmtime's limit; it also keeps every recursive walk of types shallow.
      this.#fail(
        `defines a type nested ${entry.depth} levels deep (type nesting is too deep; at most ${MAX_TYPE_DEPTH})`,
      );
    }
    if (elemSize64(entry) >= MAX_VALUE_SIZE) {
      this.#fail(`defines a type whose size exceeds maximum byte size (${MAX_VALUE_SIZE - 1})`);
    }
    return entry;
  }

  #declarations(scope: Scope, decls: readonly ComponentDecl[]): void {
    for (const d of decls) {
      switch (d.kind) {
        case "core-type":
          this.#at("core type declaration", d.offset);
          pushAll(scope.coreTypes, this.#coreType(scope, d.type));
          break;
        case "type": {
          this.#at("type declaration", d.offset);
          const entry = this.#typeDef(scope, d.type);
          this.#at("type declaration", d.offset);
          scope.types.push(entry);
          break;
        }
        case "alias":
          this.#at("alias declaration", d.offset);
          this.#alias(scope, d.alias);
          break;
        case "import":
          this.#at(`import "${d.name.name}"`, d.offset);
          this.#import(scope, d.name, d.type);
          break;
        case "export": {
          this.#at(`export "${d.name.name}"`, d.offset);
          let t = this.#externDescriptor(scope, d.type);
          if (t.kind === "type" && d.type.kind === "type" && d.type.bound.kind === "sub-resource") {
            scope.definedResources.push((t.type as ResourceEntry).resource);
          } else if (t.kind === "instance" && t.type.defined.length > 0) {
            // Each exported instance of a type gets its own resources.
            const map = new Map(t.type.defined.map((r) => [r, new Resource(r.name)]));
            t = { kind: "instance", type: new Substitution(map).entry(t.type) as InstanceEntry };
            pushAll(scope.definedResources, map.values());
          }
          this.#declareExport(scope, d.name, t);
          break;
        }
      }
    }
  }

  /** Resolves an `externtype`; `(type (sub resource))` creates a fresh resource. */
  #externDescriptor(scope: Scope, desc: ExternDescriptor): ExternType {
    switch (desc.kind) {
      case "module": {
        const slot = this.#index(scope.coreTypes, desc.type, "core type");
        if (slot.kind !== "module") {
          this.#fail(`uses core type index ${desc.type}, which is not a module type`);
        }
        return { kind: "module", type: slot.type };
      }
      case "func": {
        const t = this.#index(scope.types, desc.type, "type");
        if (t.kind !== "func") {
          this.#fail(`uses type index ${desc.type}, which is not a function type`);
        }
        return { kind: "func", type: t };
      }
      case "component": {
        const t = this.#index(scope.types, desc.type, "type");
        if (t.kind !== "component") {
          this.#fail(`uses type index ${desc.type}, which is not a component type`);
        }
        return { kind: "component", type: t };
      }
      case "instance": {
        const t = this.#index(scope.types, desc.type, "type");
        if (t.kind !== "instance") {
          this.#fail(`uses type index ${desc.type}, which is not an instance type`);
        }
        return { kind: "instance", type: t };
      }
      case "value":
        if (desc.bound.kind === "eq") {
          return { kind: "value", type: this.#index(scope.values, desc.bound.index, "value") };
        }
        return { kind: "value", type: this.#valType(scope, desc.bound.type) };
      case "type": {
        if (desc.bound.kind === "sub-resource") {
          return { kind: "type", type: { kind: "resource", resource: new Resource("imported") } };
        }
        // A new type index aliasing the bound type, so it can carry a name.
        return { kind: "type", type: { ...this.#index(scope.types, desc.bound.index, "type") } };
      }
    }
  }

  // -------------------------------------------------------------------------
  // Names, imports and exports

  #unique(keys: Map<string, string>, name: string, what: string): void {
    const key = uniquenessKey(name);
    const prev = keys.get(key);
    if (prev !== undefined) {
      this.#fail(
        `uses ${what} name \`${name}\`, which conflicts with previous name \`${prev}\` (duplicate ${what} name)`,
      );
    }
    keys.set(key, name);
  }

  #checkName(name: ExternName, what: "import" | "export"): void {
    const parsed = parseExternName(name.name);
    if (typeof parsed === "string") {
      this.#fail(`has an invalid ${what} name \`${name.name}\`: ${parsed}`);
    }
    if (name.implements !== undefined) {
      const impl = parseExternName(name.implements);
      if (typeof impl === "string" || impl.kind !== "interface") {
        this.#fail(
          `has an \`implements\` attribute \`${name.implements}\` that is not an interface name (it must be an interface)`,
        );
      }
      if (parsed.kind !== "label") {
        this.#fail(
          `has name \`${name.name}\`, which is not valid with \`implements\` (a plain name is required)`,
        );
      }
    }
    if (name.versionSuffix !== undefined) {
      const version = parsed.kind === "interface" ? parsed.version : undefined;
      if (
        version === undefined ||
        !/^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?(\.(0|[1-9][0-9]*))?$/.test(version)
      ) {
        this.#fail(`has a \`versionsuffix\` but name \`${name.name}\` has no canonical version`);
      }
      const bad = checkSemver(version + name.versionSuffix);
      if (bad !== undefined) {
        this.#fail(`has a \`versionsuffix\` that does not make a valid semver: ${bad}`);
      }
    }
  }

  /** Checks `[constructor]`, `[method]` and `[static]` names against their types (Binary.md § Imports). */
  #checkAnnotation(
    scope: Scope | undefined,
    name: string,
    t: ExternType,
    what: "import" | "export",
  ): void {
    const parsed = parseExternName(name);
    if (typeof parsed === "string" || parsed.kind === "label" || parsed.kind === "interface") {
      return;
    }
    if (t.kind !== "func") {
      this.#fail(`is named \`${name}\`, which requires a func, but it is a ${t.kind}`);
    }
    const names = scope === undefined
      ? new Map<string, Resource>()
      : what === "import"
      ? scope.importedResourceNames
      : scope.exportedResourceNames;
    const r = names.get(parsed.resource);
    const f = t.type;
    if (r === undefined) {
      this.#fail(
        `is named \`${name}\`, but resource \`${parsed.resource}\` is not known in this context (${
          parsed.kind === "static"
            ? "static resource name is not known in this context"
            : "not a resource type"
        })`,
      );
    }
    const isHandle = (v: ValueType | undefined, kind: "own" | "borrow") =>
      v !== undefined && v.kind === "val" && v.def.kind === kind && v.def.resource.resource === r;
    switch (parsed.kind) {
      case "constructor": {
        const res = f.result;
        const ok = isHandle(res, "own") ||
          (res !== undefined && res.kind === "val" && res.def.kind === "result" &&
            isHandle(res.def.ok, "own"));
        if (!ok) {
          this.#fail(
            `is a constructor; the function should return \`(own $T)\` or \`(result (own $T))\` for resource \`${parsed.resource}\``,
          );
        }
        return;
      }
      case "method": {
        const self = f.params[0];
        if (self === undefined) this.#fail("is a method, which should have at least one argument");
        if (self.name !== "self") {
          this.#fail("is a method, which should have a first argument called `self`");
        }
        if (!isHandle(self.type, "borrow")) {
          this.#fail(
            `is a method, which should take a first argument of \`(borrow $T)\` for resource \`${parsed.resource}\``,
          );
        }
        return;
      }
      case "static":
        return;
    }
  }

  #import(scope: Scope, name: ExternName, desc: ExternDescriptor): void {
    if (scope.kind === "instance-type") this.#fail("is an import in an instance type");
    const declared = this.#externDescriptor(scope, desc);
    this.#checkName(name, "import");
    if (name.implements !== undefined && declared.kind !== "instance") {
      this.#fail("has an `implements` attribute, but only instances can have an `implements`");
    }
    this.#unique(scope.importKeys, name.name, "import");
    let t = declared;
    if (
      t.kind === "type" && t.type.kind === "resource" && desc.kind === "type" &&
      desc.bound.kind === "sub-resource"
    ) {
      // `(sub resource)`: a fresh abstract resource, supplied by the instantiator.
      scope.importedResources.push(t.type.resource);
      scope.importedResourceNames.set(name.name, t.type.resource);
    } else if (t.kind === "type" && t.type.kind === "resource") {
      scope.importedResourceNames.set(name.name, t.type.resource);
    } else if (t.kind === "instance" && t.type.defined.length > 0) {
      // Each import of an instance type gets its own resources.
      const map = new Map(t.type.defined.map((r) => [r, new Resource(r.name)]));
      t = { kind: "instance", type: new Substitution(map).entry(t.type) as InstanceEntry };
      pushAll(scope.importedResources, map.values());
    }
    if (t.kind === "type" && t.type.kind === "resource") {
      scope.importedResourceNames.set(name.name, t.type.resource);
    }
    this.#checkAnnotation(scope, name.name, t, "import");
    if (!this.#registerNamed(scope, t, "import")) {
      this.#fail(
        `has a type that refers to types without an externally visible name (${t.kind} not valid to be used as import)`,
      );
    }
    if (this.#options.rootRestrictions && scope.parent === undefined) {
      if (t.kind === "component") {
        this.#fail("imports a component, but root-level component imports are not supported");
      }
      forEachImportedFunc(t, (f) => this.#importedFuncs.add(f));
    }
    scope.imports.set(name.name, t);
    this.#push(scope, t);
  }

  #declareExport(scope: Scope, name: ExternName, t: ExternType): void {
    this.#checkName(name, "export");
    if (name.implements !== undefined && t.kind !== "instance") {
      this.#fail("has an `implements` attribute, but only instances can have an `implements`");
    }
    this.#unique(scope.exportKeys, name.name, "export");
    if (t.kind === "type" && t.type.kind === "resource") {
      scope.exportedResourceNames.set(name.name, t.type.resource);
    }
    this.#checkAnnotation(scope, name.name, t, "export");
    if (!this.#registerNamed(scope, t, "export")) {
      this.#fail(
        `has a type that refers to types without an externally visible name (${t.kind} not valid to be used as export)`,
      );
    }
    scope.exports.set(name.name, t);
    this.#push(scope, t);
  }

  #export(
    scope: Scope,
    name: ExternName,
    sort: Sort,
    index: number,
    ascribed: ExternDescriptor | undefined,
  ): void {
    // Core items other than modules cannot be exported (#sortItem rejects them).
    let t = this.#sortItem(scope, sort, index);
    if (
      this.#options.rootRestrictions && scope.parent === undefined && t.kind === "func" &&
      this.#importedFuncs.has(t.type)
    ) {
      this.#fail(
        `re-exports an imported function, which is not supported at the root (component export \`${name.name}\` is a reexport of an imported function)`,
      );
    }
    if (ascribed !== undefined) {
      const a = this.#externDescriptor(scope, ascribed);
      // `(type (sub resource))` hides which resource is exported: any
      // resource matches, and the export is a fresh abstract resource.
      const hidesResource = ascribed.kind === "type" && ascribed.bound.kind === "sub-resource" &&
        t.kind === "type" && t.type.kind === "resource";
      const m = hidesResource ? undefined : externMismatch(t, a);
      if (m !== undefined) {
        this.#fail(`has a type ascription that does not match the exported ${t.kind}: ${m}`);
      }
      t = a;
    }
    if (t.kind === "type") t = { kind: "type", type: { ...t.type } };
    if (this.#options.rootRestrictions && scope.parent === undefined && t.kind === "component") {
      this.#fail(
        "exports a component, but exporting a component from the root component is not supported",
      );
    }
    this.#declareExport(scope, name, t);
    // The export consumed the value; the new index it adds is not another one.
    if (t.kind === "value") scope.valueUsed[scope.values.length - 1] = true;
  }

  /**
   * Checks that an imported or exported type only refers to named types, and
   * records the names it introduces (Explainer.md § External Visibility).
   */
  #registerNamed(scope: Scope, t: ExternType, kind: "import" | "export"): boolean {
    if (scope.kind === "instance-type") return true;
    const set = kind === "import" ? scope.importNamed : scope.exportNamed;
    switch (t.kind) {
      case "type":
        if (!entryNamed(t.type, set)) return false;
        scope.exportNamed.add(t.type);
        if (kind === "import") scope.importNamed.add(t.type);
        return true;
      case "instance":
        for (const e of t.type.exports.values()) {
          if (!this.#registerNamed(scope, e, kind)) {
            return false;
          }
        }
        return true;
      case "func":
        return funcNamed(t.type, set);
      case "value":
        return valNamed(t.type, set);
      default:
        return true;
    }
  }

  // -------------------------------------------------------------------------
  // Canonical definitions

  #canon(scope: Scope, canon: Canon): void {
    switch (canon.kind) {
      case "lift": {
        const core = this.#index(scope.coreFuncs, canon.coreFunc, "core func");
        const ft = this.#index(scope.types, canon.type, "type");
        if (ft.kind !== "func") {
          this.#fail(`uses type index ${canon.type}, which is not a function type`);
        }
        const opts = this.#canonOpts(scope, canon.options, ft, "lift");
        const want = flattenFuncType(ft, opts, "lift");
        if (core !== undefined && want !== undefined) this.#checkSig(core, want);
        scope.funcs.push(ft);
        return;
      }
      case "lower": {
        const ft = this.#index(scope.funcs, canon.func, "func");
        const opts = this.#canonOpts(scope, canon.options, ft, "lower");
        scope.coreFuncs.push(flattenFuncType(ft, opts, "lower"));
        return;
      }
      case "resource.new":
      case "resource.rep": {
        const r = this.#resourceOf(scope, canon.type);
        if (!scope.localResources.has(r)) {
          this.#fail(
            `uses type index ${canon.type}, which is not a local resource (defined in this component)`,
          );
        }
        scope.coreFuncs.push(sig(["i32"], ["i32"]));
        return;
      }
      case "resource.drop":
        this.#resourceOf(scope, canon.type);
        scope.coreFuncs.push(sig(["i32"], []));
        return;
      default:
        // Async, thread and error-context built-ins: only their immediates are
        // checked; their core signatures are not modelled (typed as unknown).
        this.#builtinImmediates(scope, canon);
        scope.coreFuncs.push(undefined);
        return;
    }
  }

  #builtinImmediates(scope: Scope, canon: Canon): void {
    const kind = canon.kind;
    if ("type" in canon && typeof canon.type === "number") {
      if (kind.startsWith("stream.") || kind.startsWith("future.")) {
        const want = kind.startsWith("stream.") ? "stream" : "future";
        const t = this.#index(scope.types, canon.type, "type");
        if (t.kind !== "val" || t.def.kind !== want) {
          this.#fail(`uses type index ${canon.type}, which is not a ${want} type`);
        }
      } else if (kind.startsWith("thread.")) {
        this.#index(scope.coreTypes, canon.type, "core type");
      }
    }
    if ("table" in canon) this.#index(scope.coreTables, canon.table, "core table");
    if ("memory" in canon) this.#index(scope.coreMemories, canon.memory, "core memory");
    if ("options" in canon) {
      let memory = false;
      for (const opt of canon.options) {
        if (opt.kind === "memory") {
          if (memory) this.#fail("has canonical option `memory` more than once");
          memory = true;
          this.#index(scope.coreMemories, opt.index, "core memory");
        } else if (
          opt.kind === "realloc" || opt.kind === "post-return" || opt.kind === "callback"
        ) {
          this.#index(scope.coreFuncs, opt.index, "core func");
        }
      }
    }
    if (canon.kind === "task.return" && canon.result !== undefined) {
      this.#valType(scope, canon.result);
    }
  }

  #resourceOf(scope: Scope, index: number): Resource {
    const t = this.#index(scope.types, index, "type");
    if (t.kind !== "resource") this.#fail(`uses type index ${index}, which is not a resource type`);
    return t.resource;
  }

  #checkSig(actual: CoreSig, want: CoreSig): void {
    if (actual.params.join() !== want.params.join()) {
      this.#fail(
        `lifts a core function with lowered parameter types \`${
          formatFlat(want.params)
        }\` do not match parameter types \`${formatFlat(actual.params)}\``,
      );
    }
    if (actual.results.join() !== want.results.join()) {
      this.#fail(
        `lifts a core function whose lowered result types \`${
          formatFlat(want.results)
        }\` do not match result types \`${formatFlat(actual.results)}\``,
      );
    }
  }

  #canonOpts(
    scope: Scope,
    options: readonly CanonOpt[],
    ft: FuncEntry,
    context: "lift" | "lower",
  ): CanonOptions {
    let encoding: string | undefined;
    let memory: number | undefined;
    let realloc: CoreSig | undefined | null = null;
    let postReturn: CoreSig | undefined | null = null;
    let async = false;
    let callback = false;
    const once = (seen: boolean, what: string) => {
      if (seen) {
        this.#fail(
          `has canonical option \`${what}\` more than once (\`${what}\` is specified more than once)`,
        );
      }
    };
    for (const opt of options) {
      switch (opt.kind) {
        case "string-encoding": {
          const e = opt.encoding === "latin1+utf16" ? "latin1-utf16" : opt.encoding;
          if (encoding !== undefined) {
            this.#fail(
              `has canonical encoding option \`${encoding}\` conflicting with option \`${e}\``,
            );
          }
          encoding = e;
          break;
        }
        case "memory":
          once(memory !== undefined, "memory");
          if (opt.index >= scope.coreMemories.length) {
            this.#fail(
              `refers to core memory index ${opt.index}, but only ${scope.coreMemories.length} core memories are defined (memory index out of bounds)`,
            );
          }
          memory = opt.index;
          break;
        case "realloc":
          once(realloc !== null, "realloc");
          realloc = this.#index(scope.coreFuncs, opt.index, "core func");
          break;
        case "post-return":
          once(postReturn !== null, "post-return");
          postReturn = this.#index(scope.coreFuncs, opt.index, "core func");
          break;
        case "async":
          once(async, "async");
          async = true;
          break;
        case "callback":
          once(callback, "callback");
          this.#index(scope.coreFuncs, opt.index, "core func");
          callback = true;
          break;
      }
    }
    if (async && !ft.async) {
      this.#fail(
        "has the `async` canonical option, but the `async` canonical option requires an async function type",
      );
    }
    if (callback && !async) this.#fail("has canonical option `callback` without `async`");
    const mem = memory === undefined ? undefined : scope.coreMemories[memory];
    const ptr: FlatType = mem?.kind === "memory" && mem.address64 ? "i64" : "i32";
    // A memory of unknown type may be 64-bit: then core signatures are not checked.
    const ptrKnown = memory === undefined || mem !== undefined;
    const opts: CanonOptions = { ptr, ptrKnown, async, callback };
    if (postReturn !== null && async) {
      this.#fail("has canonical option `post-return`, which cannot be specified with `async`");
    }
    if (postReturn !== null && context === "lower") {
      this.#fail("has canonical option `post-return`, which cannot be specified for lowerings");
    }
    if (realloc !== null && memory === undefined) {
      this.#fail("has canonical option `realloc`, which requires `memory` to also be specified");
    }
    if (
      ptrKnown && realloc !== null && realloc !== undefined &&
      !sigsMatch(realloc, sig([ptr, ptr, ptr, ptr], [ptr]))
    ) {
      this.#fail(
        `has canonical option \`realloc\` that uses a core function with an incorrect signature ${
          formatSig(realloc)
        }`,
      );
    }
    const params = ft.params.map((p) => p.type);
    const results = ft.result === undefined ? [] : [ft.result];
    const flatParams = params.flatMap((t) => flattenType(t, ptr)).length;
    const flatResults = results.flatMap((t) => flattenType(t, ptr)).length;
    const paramsPtr = params.some((t) => containsPointers(t));
    const resultsPtr = results.some((t) => containsPointers(t));
    const maxParams = async && context === "lower" ? MAX_FLAT_ASYNC_PARAMS : MAX_FLAT_PARAMS;
    const needsMemory = paramsPtr || resultsPtr || flatParams > maxParams ||
      (!async && flatResults > MAX_FLAT_RESULTS) ||
      (async && context === "lower" && flatResults > 0);
    if (needsMemory && memory === undefined) {
      this.#fail(
        `lowers or lifts type that needs linear memory: canonical option \`memory\` is required`,
      );
    }
    // Lifting params and lowering results allocate in the callee/caller memory.
    const needsRealloc = context === "lift"
      ? paramsPtr || flatParams > MAX_FLAT_PARAMS
      : resultsPtr && !async;
    if (needsRealloc && realloc === null) {
      this.#fail(
        "lowers or lifts type that needs allocation: canonical option `realloc` is required",
      );
    }
    if (postReturn !== null && postReturn !== undefined && !async) {
      const want = flattenFuncType(ft, opts, "lift");
      if (want !== undefined && !sigsMatch(postReturn, sig(want.results, []))) {
        this.#fail(
          `has canonical option \`post-return\` that uses a core function with an incorrect signature ${
            formatSig(postReturn)
          }, expected ${formatSig(sig(want.results, []))}`,
        );
      }
    }
    return opts;
  }

  // -------------------------------------------------------------------------
  // 🪙 Start

  #start(scope: Scope, func: number, args: readonly number[], results: number): void {
    const f = this.#index(scope.funcs, func, "func");
    if (f.params.length !== args.length) {
      this.#fail(
        `calls a function with ${f.params.length} parameters with ${args.length} arguments`,
      );
    }
    args.forEach((a, i) => {
      const v = this.#useValue(scope, a);
      const m = externMismatch({ kind: "value", type: v }, {
        kind: "value",
        type: f.params[i]!.type,
      });
      if (m !== undefined) {
        this.#fail(`passes a value of the wrong type for parameter \`${f.params[i]!.name}\`: ${m}`);
      }
    });
    const n = f.result === undefined ? 0 : 1;
    if (results !== n) this.#fail(`declares ${results} results, but the function returns ${n}`);
    if (f.result !== undefined) scope.values.push(f.result);
  }
}

interface CanonOptions {
  readonly ptr: FlatType;
  readonly ptrKnown: boolean;
  readonly async: boolean;
  readonly callback: boolean;
}

/** CanonicalABI.md § Flattening: `flatten_functype`. */
function flattenFuncType(
  ft: FuncEntry,
  opts: CanonOptions,
  context: "lift" | "lower",
): CoreSig | undefined {
  if (!opts.ptrKnown) return undefined;
  let params: FlatType[] = ft.params.flatMap((p) => flattenType(p.type, opts.ptr));
  let results: FlatType[] = ft.result === undefined ? [] : flattenType(ft.result, opts.ptr);
  if (!opts.async) {
    if (params.length > MAX_FLAT_PARAMS) params = [opts.ptr];
    if (results.length > MAX_FLAT_RESULTS) {
      if (context === "lift") results = [opts.ptr];
      else {
        params = [...params, opts.ptr];
        results = [];
      }
    }
    return sig(params, results);
  }
  if (context === "lift") {
    if (params.length > MAX_FLAT_PARAMS) params = [opts.ptr];
    results = opts.callback ? ["i32"] : [];
  } else {
    if (params.length > MAX_FLAT_ASYNC_PARAMS) params = [opts.ptr];
    if (results.length > 0) params = [...params, opts.ptr];
    results = ["i32"];
  }
  return sig(params, results);
}

/**
 * Maps abstract resources of `declared` to the resources `given` supplies,
 * and their type entries too, so that the supplied entry (with its external
 * name) replaces every use.
 */
function bindResources(
  given: ExternType,
  declared: ExternType,
  abstract: ReadonlySet<Resource>,
  map: Map<Resource, Resource>,
  entries: Map<TypeEntry, TypeEntry>,
): void {
  if (declared.kind === "type" && given.kind === "type") {
    const d = declared.type;
    const g = given.type;
    if (d.kind === "resource" && g.kind === "resource" && abstract.has(d.resource)) {
      // Only the import that introduces the resource binds it; later `eq`
      // imports of it are checked against the binding.
      if (!map.has(d.resource)) {
        map.set(d.resource, g.resource);
        entries.set(d, g);
      }
    }
    return;
  }
  if (declared.kind === "instance" && given.kind === "instance") {
    for (const [name, d] of declared.type.exports) {
      const g = given.type.exports.get(name);
      if (g !== undefined) bindResources(g, d, abstract, map, entries);
    }
  }
}

function childDepth(d: DefinedType): number {
  const v = (t: ValueType | undefined) => t === undefined || t.kind === "primitive" ? 0 : t.depth;
  switch (d.kind) {
    case "primitive":
    case "flags":
    case "enum":
    case "own":
    case "borrow":
      return 0;
    case "record":
      return maxOf(d.fields.map((f) => v(f.type)), 0);
    case "variant":
      return maxOf(d.cases.map((c) => v(c.type)), 0);
    case "tuple":
      return maxOf(d.types.map(v), 0);
    case "list":
      return v(d.element);
    case "option":
    case "stream":
    case "future":
      return v(d.type);
    case "result":
      return Math.max(v(d.ok), v(d.err));
    case "map":
      return Math.max(v(d.key), v(d.value));
  }
}

function forEachImportedFunc(t: ExternType, visit: (f: FuncEntry) => void): void {
  if (t.kind === "func") visit(t.type);
  else if (t.kind === "instance") t.type.exports.forEach((e) => forEachImportedFunc(e, visit));
}

/** Maps the type entries `declared` imports to the entries `given` supplies. */
function bindEntries(
  given: ExternType,
  declared: ExternType,
  entries: Map<TypeEntry, TypeEntry>,
): void {
  if (declared.kind === "type" && given.kind === "type") {
    if (declared.type.kind !== "resource") entries.set(declared.type, given.type);
    return;
  }
  if (declared.kind === "instance" && given.kind === "instance") {
    for (const [name, d] of declared.type.exports) {
      const g = given.type.exports.get(name);
      if (g !== undefined) bindEntries(g, d, entries);
    }
  }
}

/** Memo of types already found named, per name set (types are DAGs). */
const namedMemo = new WeakMap<ReadonlySet<TypeEntry>, WeakSet<object>>();

function valNamed(t: ValueType, set: ReadonlySet<TypeEntry>): boolean {
  if (t.kind === "primitive") return true;
  if (needsName(t.def)) return set.has(t);
  let memo = namedMemo.get(set);
  if (memo?.has(t)) return true;
  const ok = defNamed(t.def, set);
  if (ok) {
    if (memo === undefined) namedMemo.set(set, memo = new WeakSet());
    memo.add(t);
  }
  return ok;
}

function defNamed(d: DefinedType, set: ReadonlySet<TypeEntry>): boolean {
  const v = (t: ValueType | undefined) => t === undefined || valNamed(t, set);
  switch (d.kind) {
    case "primitive":
    case "flags":
    case "enum":
      return true;
    case "record":
      return d.fields.every((f) => v(f.type));
    case "variant":
      return d.cases.every((c) => v(c.type));
    case "tuple":
      return d.types.every(v);
    case "result":
      return v(d.ok) && v(d.err);
    case "list":
      return v(d.element);
    case "option":
    case "stream":
    case "future":
      return v(d.type);
    case "map":
      return v(d.key) && v(d.value);
    case "own":
    case "borrow":
      return set.has(d.resource);
  }
}

function funcNamed(f: FuncEntry, set: ReadonlySet<TypeEntry>): boolean {
  return f.params.every((p) => valNamed(p.type, set)) &&
    (f.result === undefined || valNamed(f.result, set));
}

function entryNamed(t: TypeEntry, set: ReadonlySet<TypeEntry>): boolean {
  switch (t.kind) {
    case "resource":
    case "component":
      return true;
    case "val":
      return defNamed(t.def, set);
    case "func":
      return funcNamed(t, set);
    case "instance":
      for (const e of t.exports.values()) {
        const ok = e.kind === "func"
          ? funcNamed(e.type, set)
          : e.kind === "type"
          ? entryNamed(e.type, set)
          : e.kind === "value"
          ? valNamed(e.type, set)
          : e.kind === "instance"
          ? entryNamed(e.type, set)
          : true;
        if (!ok) return false;
      }
      return true;
  }
}

/**
 * Validates a decoded component (Explainer.md, Binary.md § validation notes,
 * CanonicalABI.md § Flattening), throwing a {@linkcode CompileError} that says
 * what is wrong and at which byte offset.
 *
 * @example Usage
 * ```ts ignore
 * import { decodeComponent } from "../binary/decode.ts";
 * import { validateComponent } from "./validate.ts";
 * validateComponent(decodeComponent(bytes));
 * ```
 */
export function validateComponent(ast: ComponentAst, options: ValidateOptions = {}): void {
  new Validator(options).component(ast, undefined);
}
