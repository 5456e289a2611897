// Turns type definitions of the AST into the resolved value types of
// `@weft/abi` (Explainer.md § Type definitions). Internal to the runtime.
import { type Case, type FuncType, t, type ValType } from "@weft/abi";
import type { DefValType, FuncTypeAst, PrimValType, ValType as AstValType } from "./binary/ast.ts";
import { CompileError } from "./binary/errors.ts";
import type { Scope, TypeEntry } from "./_items.ts";

const primitives: Record<PrimValType, ValType> = {
  "bool": t.bool,
  "s8": t.s8,
  "u8": t.u8,
  "s16": t.s16,
  "u16": t.u16,
  "s32": t.s32,
  "u32": t.u32,
  "s64": t.s64,
  "u64": t.u64,
  "f32": t.f32,
  "f64": t.f64,
  "char": t.char,
  "string": t.string,
  "error-context": t.errorContext,
};

/** The type entry at `index`, or a `CompileError` naming what was expected. */
export function typeAt(scope: Scope, index: number, what: string): TypeEntry {
  const entry = scope.types[index];
  if (entry === undefined) {
    throw new CompileError(
      `Cannot resolve ${what}: type index ${index} is out of bounds (${scope.types.length} types)`,
    );
  }
  return entry;
}

/** Resolves a `valtype` reference. */
export function resolveValType(v: AstValType, scope: Scope): ValType {
  if (v.kind === "primitive") return primitives[v.type];
  const entry = typeAt(scope, v.index, "a value type");
  if (entry.kind !== "val") {
    throw new CompileError(
      `Cannot use type index ${v.index} as a value type: it is a ${entry.kind} type`,
    );
  }
  return entry.type;
}

function resolveOptional(v: AstValType | undefined, scope: Scope): ValType | undefined {
  return v === undefined ? undefined : resolveValType(v, scope);
}

function resourceAt(scope: Scope, index: number, what: string) {
  const entry = typeAt(scope, index, what);
  if (entry.kind !== "resource") {
    throw new CompileError(`Cannot use type index ${index} in ${what}: it is not a resource type`);
  }
  return entry.type;
}

// Resolved types that contain no resource are the same for every instance of
// a component: caching them per AST node keeps them one object, so the codecs
// and call plans compiled for them (cached per type object in @weft/abi) are
// built once per component, not once per instantiation. A type with a
// resource in it differs per instance (resource types are generative).
const valTypes = new WeakMap<DefValType, ValType>();
const funcTypes = new WeakMap<FuncTypeAst, FuncType>();

/** Whether `t` contains an `own` or `borrow` handle (whose resource type is per instance). */
function hasHandle(t: ValType | undefined): boolean {
  if (t === undefined) return false;
  switch (t.kind) {
    case "own":
    case "borrow":
      return true;
    case "list":
      return hasHandle(t.element);
    case "record":
      return t.fields.some((f) => hasHandle(f.type));
    case "tuple":
      return t.types.some(hasHandle);
    case "variant":
      return t.cases.some((c) => hasHandle(c.type));
    case "option":
      return hasHandle(t.type);
    case "result":
      return hasHandle(t.ok) || hasHandle(t.err);
    case "map":
      return hasHandle(t.key) || hasHandle(t.value);
    case "stream":
    case "future":
      return hasHandle(t.element);
    default:
      return false;
  }
}

/** Resolves a `defvaltype`. */
export function resolveDefValType(def: DefValType, scope: Scope): ValType {
  const cached = valTypes.get(def);
  if (cached !== undefined) return cached;
  const resolved = resolveDefValTypeUncached(def, scope);
  if (!hasHandle(resolved)) valTypes.set(def, resolved);
  return resolved;
}

function resolveDefValTypeUncached(def: DefValType, scope: Scope): ValType {
  switch (def.kind) {
    case "primitive":
      return primitives[def.type];
    case "record":
      return {
        kind: "record",
        fields: def.fields.map((f) => ({ name: f.name, type: resolveValType(f.type, scope) })),
      };
    case "variant":
      return {
        kind: "variant",
        cases: def.cases.map((c): Case => ({
          name: c.name,
          type: resolveOptional(c.type, scope),
        })),
      };
    case "list":
      return def.length === undefined
        ? { kind: "list", element: resolveValType(def.element, scope) }
        : { kind: "list", element: resolveValType(def.element, scope), length: def.length };
    case "tuple":
      return { kind: "tuple", types: def.types.map((v) => resolveValType(v, scope)) };
    case "flags":
      return { kind: "flags", labels: def.labels };
    case "enum":
      return { kind: "enum", labels: def.labels };
    case "option":
      return { kind: "option", type: resolveValType(def.type, scope) };
    case "result":
      return {
        kind: "result",
        ok: resolveOptional(def.ok, scope),
        err: resolveOptional(def.err, scope),
      };
    case "own":
      return { kind: "own", resource: resourceAt(scope, def.index, "own<T>") };
    case "borrow":
      return { kind: "borrow", resource: resourceAt(scope, def.index, "borrow<T>") };
    case "stream":
      return { kind: "stream", element: resolveOptional(def.type, scope) };
    case "future":
      return { kind: "future", element: resolveOptional(def.type, scope) };
    case "map":
      return {
        kind: "map",
        key: resolveValType(def.key, scope),
        value: resolveValType(def.value, scope),
      };
  }
}

/** Resolves a `functype`. */
export function resolveFuncType(def: FuncTypeAst, scope: Scope): FuncType {
  const cached = funcTypes.get(def);
  if (cached !== undefined) return cached;
  const resolved: FuncType = {
    params: def.params.map((p) => ({ name: p.name, type: resolveValType(p.type, scope) })),
    result: resolveOptional(def.result, scope),
    async: def.async,
  };
  if (!resolved.params.some((p) => hasHandle(p.type)) && !hasHandle(resolved.result)) {
    funcTypes.set(def, resolved);
  }
  return resolved;
}

/** The function type at `index`, or a `CompileError`. */
export function funcTypeAt(scope: Scope, index: number, what: string): FuncType {
  const entry = typeAt(scope, index, what);
  if (entry.kind !== "func") {
    throw new CompileError(`Cannot use type index ${index} as ${what}: it is a ${entry.kind} type`);
  }
  return entry.type;
}
