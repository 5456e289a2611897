/**
 * The validator's resolved type model: what every index of a component's
 * type, func, instance and component index spaces stands for once type
 * indices are resolved, plus type equality and subtyping (Explainer.md §
 * Type Checking, § Subtyping) and the Canonical ABI's flattening and sizes.
 *
 * Every type definition or import/export of a type is its own entry object,
 * so external visibility (Explainer.md § External Visibility of Types) can be
 * tracked per type index; resource identity lives in {@linkcode Resource}.
 *
 * @module
 */

import type { PrimValType } from "../binary/ast.ts";
import { type CoreExtern, type CoreModuleType, formatSig, sigsMatch } from "./core_module.ts";

/** The identity of one resource type (Explainer.md § Resource types). */
export class Resource {
  /** A name for messages. */
  readonly name: string;
  /** Creates a fresh resource type, unequal to every other. */
  constructor(name: string) {
    this.name = name;
  }
}

/** A resolved value type: a primitive, or a defined value type entry. */
export type ValueType = { readonly kind: "primitive"; readonly type: PrimValType } | ValEntry;

/** A defined value type (spec: `defvaltype`) with resolved references. */
export type DefinedType =
  | { readonly kind: "primitive"; readonly type: PrimValType }
  | { readonly kind: "record"; readonly fields: readonly Labelled[] }
  | {
    readonly kind: "variant";
    readonly cases: readonly { readonly name: string; readonly type: ValueType | undefined }[];
  }
  | { readonly kind: "list"; readonly element: ValueType; readonly length: number | undefined }
  | { readonly kind: "tuple"; readonly types: readonly ValueType[] }
  | { readonly kind: "flags" | "enum"; readonly labels: readonly string[] }
  | { readonly kind: "option"; readonly type: ValueType }
  | {
    readonly kind: "result";
    readonly ok: ValueType | undefined;
    readonly err: ValueType | undefined;
  }
  | { readonly kind: "own" | "borrow"; readonly resource: ResourceEntry }
  | { readonly kind: "stream" | "future"; readonly type: ValueType | undefined }
  | { readonly kind: "map"; readonly key: ValueType; readonly value: ValueType };

/** A named value type: a record field or function parameter. */
export interface Labelled {
  readonly name: string;
  readonly type: ValueType;
}

/** A type index holding a defined value type. */
export interface ValEntry {
  readonly kind: "val";
  readonly def: DefinedType;
  /** How deeply the type nests (a primitive is 1); bounded to keep recursion safe. */
  readonly depth: number;
}

/** A type index holding a resource type. */
export interface ResourceEntry {
  readonly kind: "resource";
  readonly resource: Resource;
}

/** A type index holding a function type. */
export interface FuncEntry {
  readonly kind: "func";
  readonly async: boolean;
  readonly params: readonly Labelled[];
  readonly result: ValueType | undefined;
}

/** A type index holding an instance type. */
export interface InstanceEntry {
  readonly kind: "instance";
  readonly exports: ReadonlyMap<string, ExternType>;
  /** Resources the type itself introduces (`(export "r" (type (sub resource)))`). */
  readonly defined: readonly Resource[];
}

/** A type index holding a component type. */
export interface ComponentEntry {
  readonly kind: "component";
  readonly imports: ReadonlyMap<string, ExternType>;
  readonly exports: ReadonlyMap<string, ExternType>;
  /** Abstract resources introduced by imports, supplied on instantiation. */
  readonly imported: readonly Resource[];
  /** Resources introduced by exports, fresh on every instantiation. */
  readonly defined: readonly Resource[];
}

/** What a component-level type index stands for. */
export type TypeEntry = ValEntry | ResourceEntry | FuncEntry | InstanceEntry | ComponentEntry;

/** The type of an import, export, or an item of any component-level sort. */
export type ExternType =
  | { readonly kind: "module"; readonly type: CoreModuleType | undefined }
  | { readonly kind: "func"; readonly type: FuncEntry }
  | { readonly kind: "value"; readonly type: ValueType }
  | { readonly kind: "type"; readonly type: TypeEntry }
  | { readonly kind: "component"; readonly type: ComponentEntry }
  | { readonly kind: "instance"; readonly type: InstanceEntry };

/** Describes a type entry for messages. */
export function describeEntry(t: TypeEntry | ValueType): string {
  switch (t.kind) {
    case "primitive":
      return t.type;
    case "val":
      return t.def.kind === "primitive" ? t.def.type : t.def.kind;
    case "resource":
      return "resource";
    default:
      return `${t.kind} type`;
  }
}

/** A substitution of resources, applied when comparing or instantiating. */
export type ResourceMap = Map<Resource, Resource>;

function res(r: Resource, map: ResourceMap | undefined): Resource {
  return map?.get(r) ?? r;
}

function defOf(t: ValueType): DefinedType {
  return t.kind === "primitive" ? t : t.def;
}

/**
 * Compares value types for equality (value types have no subtyping beyond
 * equality); returns why they differ, or `undefined`. Resources in `expected`
 * are mapped through `options.map` first, or not compared at all with
 * `options.ignoreResources`.
 */
export function valTypeMismatch(
  actual: ValueType,
  expected: ValueType,
  options: SubtypeOptions = {},
  seen: Map<ValueType, Set<ValueType>> = new Map(),
): string | undefined {
  const map = options.map;
  if (actual === expected && map === undefined) return undefined;
  // Types are DAGs: compare each pair once (a mismatch stops the walk anyway).
  let pairs = seen.get(actual);
  if (pairs?.has(expected)) return undefined;
  if (pairs === undefined) seen.set(actual, pairs = new Set());
  pairs.add(expected);
  const a = defOf(actual);
  const e = defOf(expected);
  if (e.kind === "primitive" && a.kind === "primitive") {
    return a.type === e.type
      ? undefined
      : `expected primitive \`${e.type}\` found primitive \`${a.type}\``;
  }
  if (a.kind !== e.kind) {
    const desc = (d: DefinedType) => d.kind === "primitive" ? d.type : d.kind;
    return `expected ${desc(e)}, found ${desc(a)}`;
  }
  const sub = (x: ValueType | undefined, y: ValueType | undefined, what: string) => {
    if (x === undefined && y === undefined) return undefined;
    if (x === undefined || y === undefined) return `${what}: presence differs`;
    const m = valTypeMismatch(x, y, options, seen);
    return m === undefined ? undefined : `type mismatch in ${what}: ${m}`;
  };
  switch (e.kind) {
    case "record": {
      const af = (a as typeof e).fields;
      if (af.length !== e.fields.length) {
        return `expected ${e.fields.length} fields, found ${af.length}`;
      }
      for (let i = 0; i < af.length; i++) {
        const x = af[i]!;
        const y = e.fields[i]!;
        if (x.name !== y.name) return `expected field name \`${y.name}\`, found \`${x.name}\``;
        const m = sub(x.type, y.type, `record field \`${y.name}\``);
        if (m !== undefined) return m;
      }
      return undefined;
    }
    case "variant": {
      const ac = (a as typeof e).cases;
      if (ac.length !== e.cases.length) {
        return `expected ${e.cases.length} cases, found ${ac.length}`;
      }
      for (let i = 0; i < ac.length; i++) {
        const x = ac[i]!;
        const y = e.cases[i]!;
        if (x.name !== y.name) return `expected case named \`${y.name}\`, found \`${x.name}\``;
        if (y.type !== undefined && x.type === undefined) {
          return `expected case \`${y.name}\` to have a type, found none`;
        }
        if (y.type === undefined && x.type !== undefined) {
          return `expected case \`${y.name}\` to have no type`;
        }
        const m = sub(x.type, y.type, `variant case \`${y.name}\``);
        if (m !== undefined) return m;
      }
      return undefined;
    }
    case "list": {
      const x = a as typeof e;
      if (x.length !== e.length) return "mismatch in list length";
      return sub(x.element, e.element, "list element");
    }
    case "tuple": {
      const at = (a as typeof e).types;
      if (at.length !== e.types.length) {
        return `expected ${e.types.length} types, found ${at.length}`;
      }
      for (let i = 0; i < at.length; i++) {
        const m = sub(at[i], e.types[i], `tuple field ${i}`);
        if (m !== undefined) return m;
      }
      return undefined;
    }
    case "flags":
    case "enum": {
      const al = (a as typeof e).labels;
      return al.length === e.labels.length && al.every((l, i) => l === e.labels[i])
        ? undefined
        : `mismatch in ${e.kind} elements`;
    }
    case "option":
      return sub((a as typeof e).type, e.type, "option");
    case "result": {
      const x = a as typeof e;
      if (e.ok === undefined && x.ok !== undefined) return "expected ok type to not be present";
      if (e.ok !== undefined && x.ok === undefined) return "expected ok type, but found none";
      if (e.err === undefined && x.err !== undefined) return "expected err type to not be present";
      if (e.err !== undefined && x.err === undefined) return "expected err type, but found none";
      return sub(x.ok, e.ok, "ok variant") ?? sub(x.err, e.err, "err variant");
    }
    case "own":
    case "borrow":
      return options.ignoreResources ||
          (a as typeof e).resource.resource === res(e.resource.resource, map)
        ? undefined
        : "resource types are not the same";
    case "stream":
    case "future":
      return sub((a as typeof e).type, e.type, `${e.kind} payload`);
    case "map": {
      const x = a as typeof e;
      return sub(x.key, e.key, "map key") ?? sub(x.value, e.value, "map value");
    }
  }
  return undefined;
}

/** Options of {@linkcode externMismatch}. */
export interface SubtypeOptions {
  /** Resources of the expected type mapped to actual ones. */
  readonly map?: ResourceMap;
  /**
   * Inside component types, resources are bound per instantiation; their
   * identity is then not compared (lenient, to never reject a valid form).
   */
  readonly ignoreResources?: boolean;
}

/** Checks that function type `actual` is a subtype of `expected`. */
export function funcMismatch(
  actual: FuncEntry,
  expected: FuncEntry,
  options: SubtypeOptions = {},
): string | undefined {
  if (actual.params.length !== expected.params.length) {
    return `expected ${expected.params.length} parameters, found ${actual.params.length}`;
  }
  for (let i = 0; i < actual.params.length; i++) {
    const x = actual.params[i]!;
    const y = expected.params[i]!;
    if (x.name !== y.name) return `expected parameter named \`${y.name}\`, found \`${x.name}\``;
    const m = valMismatchOpt(x.type, y.type, options);
    if (m !== undefined) return `type mismatch in function parameter \`${y.name}\`: ${m}`;
  }
  if (expected.result === undefined && actual.result !== undefined) {
    return "expected no result, found one";
  }
  if (expected.result !== undefined && actual.result === undefined) {
    return "expected a result, found none";
  }
  if (expected.result !== undefined && actual.result !== undefined) {
    const m = valMismatchOpt(actual.result, expected.result, options);
    if (m !== undefined) return `type mismatch with result type: ${m}`;
  }
  return undefined;
}

function valMismatchOpt(
  a: ValueType,
  e: ValueType,
  options: SubtypeOptions,
): string | undefined {
  return valTypeMismatch(a, e, options);
}

/** Checks that type entry `actual` may be supplied where `expected` is declared. */
export function typeEntryMismatch(
  actual: TypeEntry,
  expected: TypeEntry,
  options: SubtypeOptions = {},
): string | undefined {
  if (expected.kind === "resource") {
    if (actual.kind !== "resource") return `expected resource, found ${describeEntry(actual)}`;
    if (options.ignoreResources) return undefined;
    return actual.resource === res(expected.resource, options.map)
      ? undefined
      : "resource types are not the same";
  }
  if (expected.kind === "val") {
    if (actual.kind !== "val") {
      return `expected ${describeEntry(expected)}, found ${describeEntry(actual)}`;
    }
    return valMismatchOpt(actual, expected, options);
  }
  if (actual.kind !== expected.kind) {
    return `expected ${describeEntry(expected)}, found ${describeEntry(actual)}`;
  }
  switch (expected.kind) {
    case "func":
      return funcMismatch(actual as FuncEntry, expected, options);
    case "instance":
      return instanceMismatch(actual as InstanceEntry, expected, options);
    case "component":
      return componentMismatch(actual as ComponentEntry, expected, options);
  }
}

function instanceMismatch(
  actual: InstanceEntry,
  expected: InstanceEntry,
  options: SubtypeOptions,
): string | undefined {
  // Resources the expected type defines are matched to the actual ones.
  const map = new Map(options.map ?? []);
  for (const [name, e] of expected.exports) {
    const a = actual.exports.get(name);
    if (a === undefined) return `missing expected export \`${name}\``;
    if (
      e.kind === "type" && e.type.kind === "resource" && a.kind === "type" &&
      a.type.kind === "resource" && expected.defined.includes(e.type.resource)
    ) {
      map.set(e.type.resource, a.type.resource);
      continue;
    }
    const m = externMismatch(a, e, { ...options, map });
    if (m !== undefined) return `type mismatch in instance export \`${name}\`: ${m}`;
  }
  return undefined;
}

function componentMismatch(
  actual: ComponentEntry,
  expected: ComponentEntry,
  options: SubtypeOptions,
): string | undefined {
  // Component types quantify over their resources; identities are not compared.
  const lenient = { ...options, ignoreResources: true };
  for (const [name, a] of actual.imports) {
    const e = expected.imports.get(name);
    if (e === undefined) return `missing expected import \`${name}\``;
    const m = externMismatch(e, a, lenient);
    if (m !== undefined) return `type mismatch in import \`${name}\`: ${m}`;
  }
  for (const [name, e] of expected.exports) {
    const a = actual.exports.get(name);
    if (a === undefined) return `missing expected export \`${name}\``;
    const m = externMismatch(a, e, lenient);
    if (m !== undefined) return `type mismatch in export \`${name}\`: ${m}`;
  }
  return undefined;
}

/** Checks that extern type `actual` is a subtype of `expected`; returns why not. */
export function externMismatch(
  actual: ExternType,
  expected: ExternType,
  options: SubtypeOptions = {},
): string | undefined {
  if (actual.kind !== expected.kind) return `expected ${expected.kind}, found ${actual.kind}`;
  switch (expected.kind) {
    case "module":
      return moduleMismatch(actual.type as CoreModuleType | undefined, expected.type);
    case "func":
      return funcMismatch(actual.type as FuncEntry, expected.type, options);
    case "value":
      return valMismatchOpt(actual.type as ValueType, expected.type, options);
    case "type":
      return typeEntryMismatch(actual.type as TypeEntry, expected.type, options);
    case "component":
      return componentMismatch(actual.type as ComponentEntry, expected.type, options);
    case "instance":
      return instanceMismatch(actual.type as InstanceEntry, expected.type, options);
  }
}

/** Checks a core extern type against an expected one (core spec § Import Subtyping). */
export function coreExternMismatch(actual: CoreExtern, expected: CoreExtern): string | undefined {
  if (actual.kind !== expected.kind) return `expected ${expected.kind}, found ${actual.kind}`;
  switch (expected.kind) {
    case "func":
    case "tag": {
      const a = actual as typeof expected;
      return sigsMatch(a.sig, expected.sig)
        ? undefined
        : `expected: ${formatSig(expected.sig)}, found: ${formatSig(a.sig)}`;
    }
    case "global": {
      const a = actual as typeof expected;
      if (a.type !== expected.type && !a.type.includes("...") && !expected.type.includes("...")) {
        return `expected global type ${expected.type}, found ${a.type}`;
      }
      if (a.mutable !== expected.mutable) return "global types differ in mutability";
      return undefined;
    }
    case "table": {
      const a = actual as typeof expected;
      if (
        a.element !== expected.element && !a.element.includes("...") &&
        !expected.element.includes("...")
      ) {
        return `expected table element type ${expected.element}, found ${a.element}`;
      }
      return limitsMatch(a, expected) ? undefined : "mismatch in table limits";
    }
    case "memory": {
      const a = actual as typeof expected;
      if (a.shared !== expected.shared) return "mismatch in the shared flag for memories";
      if (a.address64 !== expected.address64) return "mismatch in index type used for memories";
      return limitsMatch(a, expected) ? undefined : "mismatch in memory limits";
    }
  }
}

function limitsMatch(
  a: { min: bigint; max: bigint | undefined },
  e: { min: bigint; max: bigint | undefined },
): boolean {
  if (a.min < e.min) return false;
  if (e.max === undefined) return true;
  return a.max !== undefined && a.max <= e.max;
}

/** Checks that a core module type `actual` can be supplied where `expected` is declared. */
export function moduleMismatch(
  actual: CoreModuleType | undefined,
  expected: CoreModuleType | undefined,
): string | undefined {
  if (actual === undefined || expected === undefined) return undefined;
  for (const imp of actual.imports) {
    const e = expected.imports.find((i) => i.module === imp.module && i.name === imp.name);
    if (e === undefined) return `missing expected import \`${imp.module}::${imp.name}\``;
    if (coreExternMismatch(e.type, imp.type) !== undefined) {
      return `type mismatch in import \`${imp.module}::${imp.name}\``;
    }
  }
  for (const [name, e] of expected.exports) {
    const a = actual.exports.get(name);
    if (a === undefined) return `missing expected export \`${name}\``;
    if (coreExternMismatch(a, e) !== undefined) return `type mismatch in export \`${name}\``;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Substitution of resources (Binary.md § Instance Definitions: after each
// type import is supplied, the actual type is substituted for its uses).

/** Copies types, replacing resources per `map`; entries are copied once each. */
export class Substitution {
  readonly map: ResourceMap;
  #memo: Map<object, object>;
  /** Creates a substitution of resources per `map` and of type entries per `entries`. */
  constructor(map: ResourceMap, entries: ReadonlyMap<TypeEntry, TypeEntry> = new Map()) {
    this.map = map;
    this.#memo = new Map(entries);
  }
  /** Substitutes in an extern type. */
  extern(t: ExternType): ExternType {
    const out = this.#extern(t);
    return out.type === t.type ? t : out;
  }

  #extern(t: ExternType): ExternType {
    switch (t.kind) {
      case "module":
        return t;
      case "func":
        return { kind: "func", type: this.entry(t.type) as FuncEntry };
      case "value":
        return { kind: "value", type: this.val(t.type) };
      case "type":
        return { kind: "type", type: this.entry(t.type) };
      case "component":
        return { kind: "component", type: this.entry(t.type) as ComponentEntry };
      case "instance":
        return { kind: "instance", type: this.entry(t.type) as InstanceEntry };
    }
  }
  /** Substitutes in a value type. */
  val(t: ValueType): ValueType {
    return t.kind === "primitive" ? t : this.entry(t) as ValEntry;
  }
  #opt(t: ValueType | undefined): ValueType | undefined {
    return t === undefined ? undefined : this.val(t);
  }
  /**
   * Substitutes in a type entry (memoized, so shared entries stay shared). An
   * entry that mentions nothing substituted is returned as is, so it keeps
   * its identity and with it its external name.
   */
  entry(t: TypeEntry): TypeEntry {
    if (this.map.size === 0 && this.#memo.size === 0) return t;
    const done = this.#memo.get(t);
    if (done !== undefined) return done as TypeEntry;
    let out: TypeEntry;
    switch (t.kind) {
      case "resource": {
        const r = this.map.get(t.resource);
        out = r === undefined ? t : { kind: "resource", resource: r };
        break;
      }
      case "val": {
        const def = this.#def(t.def);
        out = def === t.def ? t : { kind: "val", def, depth: t.depth };
        break;
      }
      case "func": {
        const params = t.params.map((p) => ({ name: p.name, type: this.val(p.type) }));
        const result = this.#opt(t.result);
        out = result === t.result && params.every((p, i) => p.type === t.params[i]!.type)
          ? t
          : { kind: "func", async: t.async, params, result };
        break;
      }
      case "instance": {
        const exports = this.#exports(t.exports);
        const defined = t.defined.map((r) => this.map.get(r) ?? r);
        out = exports === t.exports && defined.every((r, i) => r === t.defined[i])
          ? t
          : { kind: "instance", exports, defined };
        break;
      }
      case "component": {
        const imports = this.#exports(t.imports);
        const exports = this.#exports(t.exports);
        out = imports === t.imports && exports === t.exports ? t : {
          kind: "component",
          imports,
          exports,
          imported: t.imported,
          defined: t.defined,
        };
        break;
      }
    }
    this.#memo.set(t, out);
    return out;
  }
  #exports(m: ReadonlyMap<string, ExternType>): ReadonlyMap<string, ExternType> {
    let changed = false;
    const out = new Map<string, ExternType>();
    for (const [k, v] of m) {
      const x = this.extern(v);
      if (x.type !== v.type) changed = true;
      out.set(k, x);
    }
    return changed ? out : m;
  }
  #def(d: DefinedType): DefinedType {
    const v = (t: ValueType) => this.val(t);
    const o = (t: ValueType | undefined) => this.#opt(t);
    switch (d.kind) {
      case "primitive":
      case "flags":
      case "enum":
        return d;
      case "record": {
        const types = d.fields.map((f) => v(f.type));
        return types.every((t, i) => t === d.fields[i]!.type) ? d : {
          kind: "record",
          fields: d.fields.map((f, i) => ({ name: f.name, type: types[i]! })),
        };
      }
      case "variant": {
        const types = d.cases.map((c) => o(c.type));
        return types.every((t, i) => t === d.cases[i]!.type) ? d : {
          kind: "variant",
          cases: d.cases.map((c, i) => ({ name: c.name, type: types[i] })),
        };
      }
      case "list": {
        const element = v(d.element);
        return element === d.element ? d : { kind: "list", element, length: d.length };
      }
      case "tuple": {
        const types = d.types.map(v);
        return types.every((t, i) => t === d.types[i]) ? d : { kind: "tuple", types };
      }
      case "option": {
        const type = v(d.type);
        return type === d.type ? d : { kind: "option", type };
      }
      case "result": {
        const ok = o(d.ok);
        const err = o(d.err);
        return ok === d.ok && err === d.err ? d : { kind: "result", ok, err };
      }
      case "own":
      case "borrow": {
        const resource = this.entry(d.resource) as ResourceEntry;
        return resource === d.resource ? d : { kind: d.kind, resource };
      }
      case "stream":
      case "future": {
        const type = o(d.type);
        return type === d.type ? d : { kind: d.kind, type };
      }
      case "map": {
        const key = v(d.key);
        const value = v(d.value);
        return key === d.key && value === d.value ? d : { kind: "map", key, value };
      }
    }
  }
}

/** Calls `visit` on every resource a type mentions, transitively. */
export function forEachResource(
  t: ExternType | TypeEntry | ValueType,
  visit: (r: Resource) => void,
  seen: Set<object> = new Set(),
): void {
  if (seen.has(t)) return;
  seen.add(t);
  const v = (x: ExternType | TypeEntry | ValueType | undefined) => {
    if (x !== undefined) forEachResource(x, visit, seen);
  };
  switch (t.kind) {
    case "primitive":
    case "module":
      return;
    case "value":
    case "type":
    case "func":
    case "component":
    case "instance":
      if ("type" in t) return v(t.type as TypeEntry | ValueType);
      break;
  }
  switch (t.kind) {
    case "resource":
      return visit(t.resource);
    case "func":
      t.params.forEach((p) => v(p.type));
      return v(t.result);
    case "instance":
      return t.exports.forEach((e) => v(e));
    case "component":
      t.imports.forEach((e) => v(e));
      return t.exports.forEach((e) => v(e));
    case "val": {
      const d = t.def;
      switch (d.kind) {
        case "record":
          return d.fields.forEach((f) => v(f.type));
        case "variant":
          return d.cases.forEach((c) => v(c.type));
        case "list":
          return v(d.element);
        case "tuple":
          return d.types.forEach(v);
        case "option":
        case "stream":
        case "future":
          return v(d.type);
        case "result":
          return v(d.ok), v(d.err);
        case "own":
        case "borrow":
          return v(d.resource);
        case "map":
          return v(d.key), v(d.value);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Canonical ABI (CanonicalABI.md § Flattening, § Element Size)

/** A flat core value type. */
export type FlatType = "i32" | "i64" | "f32" | "f64";

function flatJoin(a: FlatType, b: FlatType): FlatType {
  if (a === b) return a;
  if ((a === "i32" && b === "f32") || (a === "f32" && b === "i32")) return "i32";
  return "i64";
}

function flattenPrimitive(t: PrimValType, ptr: FlatType): FlatType[] {
  switch (t) {
    case "s64":
    case "u64":
      return ["i64"];
    case "f32":
      return ["f32"];
    case "f64":
      return ["f64"];
    case "string":
      return [ptr, ptr];
    default:
      return ["i32"];
  }
}

/** Size (= alignment) of a non-string primitive (CanonicalABI.md § Element Size). */
function primitiveSize(t: PrimValType): number {
  switch (t) {
    case "bool":
    case "s8":
    case "u8":
      return 1;
    case "s16":
    case "u16":
      return 2;
    case "s64":
    case "u64":
    case "f64":
      return 8;
    default:
      return 4;
  }
}

/** Flattened lists are cut off at this length; any longer means "passed by pointer". */
const FLAT_CAP = 64;

/** CanonicalABI.md § Flattening: `flatten_type`. `ptr` is the memory's address type. */
export function flattenType(t: ValueType, ptr: FlatType = "i32"): FlatType[] {
  const d = defOf(t);
  switch (d.kind) {
    case "primitive":
      return flattenPrimitive(d.type, ptr);
    case "list": {
      if (d.length === undefined) return [ptr, ptr];
      // Only whether there are more than MAX_FLAT_PARAMS matters beyond a point.
      const one = flattenType(d.element, ptr);
      const n = Math.min(d.length, Math.ceil(FLAT_CAP / Math.max(1, one.length)));
      return Array.from({ length: n }, () => one).flat();
    }
    case "record":
      return d.fields.flatMap((f) => flattenType(f.type, ptr));
    case "tuple":
      return d.types.flatMap((x) => flattenType(x, ptr));
    case "variant":
      return flattenVariant(d.cases.map((c) => c.type), ptr);
    case "option":
      return flattenVariant([undefined, d.type], ptr);
    case "result":
      return flattenVariant([d.ok, d.err], ptr);
    case "enum":
    case "flags":
    case "own":
    case "borrow":
    case "stream":
    case "future":
      return ["i32"];
    case "map":
      return [ptr, ptr];
  }
}

function flattenVariant(cases: readonly (ValueType | undefined)[], ptr: FlatType): FlatType[] {
  const flat: FlatType[] = [];
  for (const c of cases) {
    if (c === undefined) continue;
    flattenType(c, ptr).forEach((ft, i) => {
      flat[i] = i < flat.length ? flatJoin(flat[i]!, ft) : ft;
    });
  }
  return ["i32", ...flat];
}

/** Whether a value of this type is stored through a pointer (strings, lists, maps). */
export function containsPointers(t: ValueType, seen: Set<object> = new Set()): boolean {
  if (seen.has(t)) return false;
  seen.add(t);
  const d = defOf(t);
  const c = (x: ValueType | undefined) => x !== undefined && containsPointers(x, seen);
  switch (d.kind) {
    case "primitive":
      return d.type === "string";
    case "list":
      return d.length === undefined || c(d.element);
    case "map":
      return true;
    case "record":
      return d.fields.some((f) => c(f.type));
    case "tuple":
      return d.types.some(c);
    case "variant":
      return d.cases.some((x) => c(x.type));
    case "option":
      return c(d.type);
    case "result":
      return c(d.ok) || c(d.err);
    default:
      return false;
  }
}

/** Whether a borrow handle occurs in the type (a function result must not have one). */
export function containsBorrow(t: ValueType, seen: Set<object> = new Set()): boolean {
  if (seen.has(t)) return false;
  seen.add(t);
  const d = defOf(t);
  const c = (x: ValueType | undefined) => x !== undefined && containsBorrow(x, seen);
  switch (d.kind) {
    case "borrow":
      return true;
    case "list":
      return c(d.element);
    case "map":
      return c(d.key) || c(d.value);
    case "record":
      return d.fields.some((f) => c(f.type));
    case "tuple":
      return d.types.some(c);
    case "variant":
      return d.cases.some((x) => c(x.type));
    case "option":
      return c(d.type);
    case "result":
      return c(d.ok) || c(d.err);
    default:
      return false;
  }
}

function alignTo(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** The largest of `values`, or `init` (no spread: records may have many fields). */
export function maxOf(values: readonly number[], init: number): number {
  let m = init;
  for (const v of values) if (v > m) m = v;
  return m;
}

const alignCache = new WeakMap<ValEntry, number>();
const sizeCache = new WeakMap<ValEntry, number>();

/** CanonicalABI.md § Alignment: `alignment(t, 'i64')`. */
export function alignment64(t: ValueType): number {
  if (t.kind === "primitive") return alignmentUncached(t);
  let a = alignCache.get(t);
  if (a === undefined) alignCache.set(t, a = alignmentUncached(t.def));
  return a;
}

function alignmentUncached(d: DefinedType): number {
  switch (d.kind) {
    case "primitive":
      return d.type === "string" ? 8 : primitiveSize(d.type);
    case "list":
      return d.length === undefined ? 8 : alignment64(d.element);
    case "map":
      return 8;
    case "record":
      return maxOf(d.fields.map((f) => alignment64(f.type)), 1);
    case "tuple":
      return maxOf(d.types.map(alignment64), 1);
    case "variant":
      return variantLayout(d.cases.map((c) => c.type)).align;
    case "option":
      return variantLayout([undefined, d.type]).align;
    case "result":
      return variantLayout([d.ok, d.err]).align;
    case "flags":
      return flagsSize(d.labels.length) || 1;
    case "enum":
      return discriminantSize(d.labels.length);
    default:
      return 4;
  }
}

function discriminantSize(n: number): number {
  return n <= 256 ? 1 : n <= 65536 ? 2 : 4;
}

function flagsSize(n: number): number {
  return n === 0 ? 0 : n <= 8 ? 1 : n <= 16 ? 2 : 4 * Math.ceil(n / 32);
}

function variantLayout(cases: readonly (ValueType | undefined)[]): { size: number; align: number } {
  const disc = discriminantSize(cases.length);
  let align = disc;
  let maxSize = 0;
  for (const c of cases) {
    if (c === undefined) continue;
    align = Math.max(align, alignment64(c));
    maxSize = Math.max(maxSize, elemSize64(c));
  }
  let caseAlign = 1;
  for (const c of cases) if (c !== undefined) caseAlign = Math.max(caseAlign, alignment64(c));
  const size = alignTo(alignTo(disc, caseAlign) + maxSize, align);
  return { size, align };
}

/**
 * CanonicalABI.md § Element Size: `elem_size(t, 'i64')`, as a float so that
 * huge fixed-length lists do not wrap.
 */
export function elemSize64(t: ValueType): number {
  if (t.kind === "primitive") return elemSizeUncached(t);
  let s = sizeCache.get(t);
  if (s === undefined) sizeCache.set(t, s = elemSizeUncached(t.def));
  return s;
}

function elemSizeUncached(d: DefinedType): number {
  switch (d.kind) {
    case "primitive":
      return d.type === "string" ? 16 : primitiveSize(d.type);
    case "list":
      return d.length === undefined ? 16 : d.length * elemSize64(d.element);
    case "map":
      return 16;
    case "record":
    case "tuple": {
      const types = d.kind === "record" ? d.fields.map((f) => f.type) : d.types;
      let s = 0;
      let a = 1;
      for (const x of types) {
        const xa = alignment64(x);
        s = alignTo(s, xa) + elemSize64(x);
        a = Math.max(a, xa);
      }
      return alignTo(s, a);
    }
    case "variant":
      return variantLayout(d.cases.map((c) => c.type)).size;
    case "option":
      return variantLayout([undefined, d.type]).size;
    case "result":
      return variantLayout([d.ok, d.err]).size;
    case "flags":
      return flagsSize(d.labels.length);
    case "enum":
      return discriminantSize(d.labels.length);
    default:
      return 4;
  }
}
