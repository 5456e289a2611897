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

/**
 * The type of a compiled module: read from its bytes when Weft compiled it,
 * otherwise from JS reflection, which knows names and kinds but no
 * signatures or limits (those then match anything).
 */
function actualModuleType(module: WebAssembly.Module): CoreModuleType | undefined {
  const bytes = moduleBytes.get(module);
  if (bytes !== undefined) return readCoreModuleType(bytes);
  const reflected = (kind: string): CoreExtern | undefined => {
    switch (kind) {
      case "function":
        return { kind: "func", sig: undefined };
      case "tag":
        return { kind: "tag", sig: undefined };
      default:
        return undefined; // tables, memories and globals need limits we cannot see
    }
  };
  const imports = WebAssembly.Module.imports(module).flatMap((i) => {
    const type = reflected(i.kind);
    return type === undefined ? [] : [{ module: i.module, name: i.name, type }];
  });
  const exports = new Map<string, CoreExtern>();
  for (const e of WebAssembly.Module.exports(module)) {
    const type = reflected(e.kind);
    if (type !== undefined) exports.set(e.name, type);
  }
  return { imports, exports };
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
  return moduleMismatch(actualModuleType(module), declaredModuleType(ast, scope));
}
