// Checks a core module supplied for a `(core module (type ...))` import
// against its declared module type at link time (Explainer.md § Subtyping:
// the module may import less and must export at least what is declared).
// Internal to the runtime.
import type { CoreExternType, CoreModuleTypeAst, CoreType } from "./binary/ast.ts";
import {
  type CoreExtern,
  type CoreModuleType,
  coreSigOf,
  coreValTypeText,
  readCoreModuleType,
} from "./validate/core_module.ts";
import { moduleMismatch } from "./validate/types.ts";
import { outerScope, type Scope } from "./_items.ts";

/** The bytes of every core module Weft compiled, for reading their import and export types. */
const moduleBytes = new WeakMap<WebAssembly.Module, Uint8Array>();

/** Remembers the bytes `module` was compiled from. */
export function rememberModuleBytes(module: WebAssembly.Module, bytes: Uint8Array): void {
  moduleBytes.set(module, bytes);
}

const REFLECTED_KIND: Record<string, CoreExtern["kind"]> = {
  function: "func",
  table: "table",
  memory: "memory",
  global: "global",
  tag: "tag",
};

/**
 * For a module Weft did not compile, JS reflection is all there is: it knows
 * names and kinds but no signatures or limits, so only those are compared.
 */
function reflectedMismatch(
  module: WebAssembly.Module,
  expected: CoreModuleType,
): string | undefined {
  for (const i of WebAssembly.Module.imports(module)) {
    const e = expected.imports.find((d) => d.module === i.module && d.name === i.name);
    if (e === undefined) return `missing expected import \`${i.module}::${i.name}\``;
    if (e.type.kind !== REFLECTED_KIND[i.kind]) {
      return `expected ${e.type.kind} found ${
        REFLECTED_KIND[i.kind]
      } for import \`${i.module}::${i.name}\``;
    }
  }
  const actual = new Map(
    WebAssembly.Module.exports(module).map((e) => [e.name, REFLECTED_KIND[e.kind]]),
  );
  for (const [name, e] of expected.exports) {
    const kind = actual.get(name);
    if (kind === undefined) return `missing expected export \`${name}\``;
    if (kind !== e.kind) return `expected ${e.kind} found ${kind} for export \`${name}\``;
  }
  return undefined;
}

/** The declared module type, with core type indices resolved in `scope`. */
function declaredModuleType(ast: CoreModuleTypeAst, scope: Scope): CoreModuleType | undefined {
  const types: (CoreType | undefined)[] = [];
  const imports: { module: string; name: string; type: CoreExtern }[] = [];
  const exports = new Map<string, CoreExtern>();
  const extern = (t: CoreExternType): CoreExtern | undefined => {
    switch (t.kind) {
      case "func":
      case "tag": {
        const def = types[t.type];
        const sig = def?.kind === "func" ? coreSigOf(def.params, def.results) : undefined;
        return { kind: t.kind, sig };
      }
      case "table": {
        const element = coreValTypeText(t.element);
        if (element === undefined) return undefined;
        const { min, max, address64 } = t.limits;
        return { kind: "table", element, min, max, address64 };
      }
      case "memory": {
        const { min, max, shared, address64 } = t.limits;
        return { kind: "memory", min, max, shared, address64 };
      }
      case "global": {
        const type = coreValTypeText(t.type);
        return type === undefined ? undefined : { kind: "global", type, mutable: t.mutable };
      }
    }
  };
  for (const d of ast.declarations) {
    switch (d.kind) {
      case "type":
        types.push(d.type);
        break;
      case "alias":
        // Count 0 is the module type itself; 1 the enclosing component, and so on.
        types.push(
          d.count === 0 ? types[d.index] : outerScope(scope, d.count - 1).coreTypes[d.index],
        );
        break;
      case "import": {
        const type = extern(d.type);
        if (type === undefined) return undefined;
        imports.push({ module: d.module, name: d.name, type });
        break;
      }
      case "export": {
        const type = extern(d.type);
        if (type === undefined) return undefined;
        exports.set(d.name, type);
        break;
      }
    }
  }
  return { imports, exports };
}

/**
 * Why `module` cannot be supplied for a module import declared as `ast`, or
 * `undefined` if it can.
 */
export function moduleLinkMismatch(
  module: WebAssembly.Module,
  ast: CoreModuleTypeAst,
  scope: Scope,
): string | undefined {
  const expected = declaredModuleType(ast, scope);
  if (expected === undefined) return undefined;
  const bytes = moduleBytes.get(module);
  if (bytes === undefined) return reflectedMismatch(module, expected);
  return moduleMismatch(readCoreModuleType(bytes), expected);
}
