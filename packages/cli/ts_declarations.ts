/**
 * TypeScript declarations of a component's imports and exports in Weft's JS
 * value mapping (jco's): one namespace per interface, with its named types,
 * resource classes and functions, and the `Imports` and `Exports` shapes
 * that `component.instantiate(imports)` takes and `instance.exports` has.
 *
 * @module
 */
import {
  type ComponentTypeDesc,
  type ExternDesc,
  type FuncType,
  type ResourceType,
  toCamelCase,
  toPascalCase,
  type ValType,
} from "@weft/runtime";
import { interfaceModel, isNominal, isResource, parseInterfaceName } from "./interface_model.ts";

// Words that cannot name a parameter or a declaration.
const RESERVED = new Set(
  ("break case catch class const continue debugger default delete do else enum export extends " +
    "false finally for function if import in instanceof new null return super switch this " +
    "throw true try typeof var void while with yield let static implements interface package " +
    "private protected public await arguments eval").split(" "),
);

function identifier(name: string): string {
  return RESERVED.has(name) ? `${name}_` : name;
}

function propertyKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

const TYPED_ARRAYS: Readonly<Record<string, string>> = {
  u8: "Uint8Array",
  s8: "Int8Array",
  u16: "Uint16Array",
  s16: "Int16Array",
  u32: "Uint32Array",
  s32: "Int32Array",
  u64: "BigUint64Array",
  s64: "BigInt64Array",
  f32: "Float32Array",
  f64: "Float64Array",
};

/** TypeScript names of named types: local ones, and qualified ones from other namespaces. */
class TsScope {
  readonly #local = new Map<object, string>();
  readonly #global: Map<object, string>;
  readonly #namespace: string | undefined;

  constructor(global: Map<object, string>, namespace: string | undefined) {
    this.#global = global;
    this.#namespace = namespace;
  }

  nameOf(type: object): string | undefined {
    return this.#local.get(type) ?? this.#global.get(type);
  }

  localName(type: object): string | undefined {
    return this.#local.get(type);
  }

  globalName(type: object): string | undefined {
    return this.#global.get(type);
  }

  name(type: ValType | ResourceType, name: string): void {
    // Shared structural objects (every `u64`) must not take one alias's name.
    if (!isNominal(type)) return;
    this.#local.set(type, name);
    if (!this.#global.has(type)) {
      this.#global.set(type, this.#namespace === undefined ? name : `${this.#namespace}.${name}`);
    }
  }
}

/** The TypeScript type of values of `type` (its structure, not its name, when `expand`). */
function tsType(type: ValType, scope: TsScope, expand = false): string {
  const named = expand ? undefined : scope.nameOf(type);
  if (named !== undefined) return named;
  const ref = (t: ValType) => tsType(t, scope);
  switch (type.kind) {
    case "bool":
      return "boolean";
    case "s8":
    case "u8":
    case "s16":
    case "u16":
    case "s32":
    case "u32":
    case "f32":
    case "f64":
      return "number";
    case "s64":
    case "u64":
      return "bigint";
    case "char":
    case "string":
      return "string";
    case "list":
      return TYPED_ARRAYS[type.element.kind] ?? `Array<${ref(type.element)}>`;
    case "tuple":
      return `[${type.types.map(ref).join(", ")}]`;
    case "record":
      return `{ ${
        type.fields.map((f) =>
          f.type.kind === "option"
            ? `${propertyKey(toCamelCase(f.name))}?: ${ref(f.type)}`
            : `${propertyKey(toCamelCase(f.name))}: ${ref(f.type)}`
        ).join("; ")
      } }`;
    case "variant":
      return type.cases.map((c) =>
        c.type === undefined
          ? `{ tag: ${JSON.stringify(c.name)} }`
          : `{ tag: ${JSON.stringify(c.name)}; val: ${ref(c.type)} }`
      ).join(" | ") || "never";
    case "enum":
      return type.labels.map((l) => JSON.stringify(l)).join(" | ") || "never";
    case "flags":
      return `{ ${type.labels.map((l) => `${propertyKey(toCamelCase(l))}?: boolean`).join("; ")} }`;
    case "option":
      // A nested option keeps its two levels apart (jco's mapping).
      return type.type.kind === "option"
        ? `{ tag: "some"; val: ${ref(type.type)} } | { tag: "none" }`
        : `${ref(type.type)} | undefined`;
    case "result":
      return `${
        type.ok === undefined ? `{ tag: "ok" }` : `{ tag: "ok"; val: ${ref(type.ok)} }`
      } | ${type.err === undefined ? `{ tag: "err" }` : `{ tag: "err"; val: ${ref(type.err)} }`}`;
    case "map":
      return `Map<${ref(type.key)}, ${ref(type.value)}>`;
    case "own":
    case "borrow":
      return scope.nameOf(type.resource) ?? toPascalCase(type.resource.name);
    case "stream":
      // Chunks: typed arrays of numbers, single values otherwise, counts without an element type.
      return type.element === undefined
        ? "ReadableStream<number>"
        : `ReadableStream<${TYPED_ARRAYS[type.element.kind] ?? ref(type.element)}>`;
    case "future":
      return `Promise<${type.element === undefined ? "undefined" : ref(type.element)}>`;
    default:
      // error-context is the executor's object.
      return "unknown";
  }
}

/** The return type of a function: a top-level `result` is return-or-throw. */
function tsReturn(type: FuncType, scope: TsScope): string {
  const result = type.result;
  let ts: string;
  if (result === undefined) ts = "void";
  else if (result.kind === "result" && scope.nameOf(result) === undefined) {
    ts = result.ok === undefined ? "void" : tsType(result.ok, scope);
  } else ts = tsType(result, scope);
  return type.async ? `Promise<${ts}>` : ts;
}

function tsParams(type: FuncType, scope: TsScope, dropSelf = false): string {
  const params = dropSelf ? type.params.slice(1) : type.params;
  return params.map((p) => `${identifier(toCamelCase(p.name))}: ${tsType(p.type, scope)}`).join(
    ", ",
  );
}

/** The declarations of one interface's items, inside its namespace. */
function namespaceBody(items: readonly ExternDesc[], scope: TsScope): string[] {
  const model = interfaceModel(items);
  const lines: string[] = [];
  const deferred: (() => string[])[] = [];
  for (const item of items) {
    if (item.type.kind !== "type") continue;
    const type = item.type.type;
    if (type === undefined || "params" in type) continue;
    const name = toPascalCase(item.name);
    const local = scope.localName(type);
    const elsewhere = scope.globalName(type);
    if (local !== undefined) deferred.push(() => [`export type ${name} = ${local};`]);
    else if (elsewhere !== undefined) deferred.push(() => [`export type ${name} = ${elsewhere};`]);
    else if (isResource(type)) {
      const resource = model.resources.find((r) => r.type === type)!;
      deferred.push(() => resourceClass(name, resource, scope));
    } else {
      deferred.push(() => [`export type ${name} = ${tsType(type, scope, true)};`]);
    }
    scope.name(type, name);
  }
  for (const render of deferred) lines.push(...render());
  for (const func of model.funcs) {
    lines.push(
      `export function ${identifier(toCamelCase(func.name))}(${tsParams(func.type, scope)}): ${
        tsReturn(func.type, scope)
      };`,
    );
  }
  return lines;
}

function resourceClass(
  name: string,
  resource: {
    type: ResourceType;
    constructor: FuncType | undefined;
    methods: { name: string; type: FuncType }[];
    statics: { name: string; type: FuncType }[];
  },
  scope: TsScope,
): string[] {
  const members: string[] = [];
  if (resource.constructor !== undefined) {
    members.push(`constructor(${tsParams(resource.constructor, scope)});`);
  }
  for (const m of resource.methods) {
    members.push(
      `${identifier(toCamelCase(m.name))}(${tsParams(m.type, scope, true)}): ${
        tsReturn(m.type, scope)
      };`,
    );
  }
  for (const s of resource.statics) {
    members.push(
      `static ${identifier(toCamelCase(s.name))}(${tsParams(s.type, scope)}): ${
        tsReturn(s.type, scope)
      };`,
    );
  }
  members.push("[Symbol.dispose](): void;");
  return [`export class ${name} {`, ...members.map((m) => `  ${m}`), "}"];
}

/** Options for {@linkcode componentTypeScript}. */
export interface ComponentTypeScriptOptions {
  /** A comment line put first (e.g. the file name). */
  header?: string;
}

/** TypeScript declarations of a component's imports and exports. */
export function componentTypeScript(
  type: ComponentTypeDesc,
  options: ComponentTypeScriptOptions = {},
): string {
  const global = new Map<object, string>();
  const used = new Set<string>(["Imports", "Exports"]);
  const declared = new Map<string, string>();
  const namespaces: string[][] = [];
  const worldScope = new TsScope(global, undefined);
  const worldTypes: string[] = [];
  const shape = { Imports: [] as string[], Exports: [] as string[] };
  const namespaceName = (full: string): string => {
    const parsed = parseInterfaceName(full);
    const base = toPascalCase(
      parsed === undefined ? full : `${parsed.namespace}-${parsed.package}-${parsed.name}`,
    ).replace(/[^\w$]/g, "");
    let name = /^[A-Za-z_$]/.test(base) ? base : `I${base}`;
    if (used.has(name) && parsed?.version !== undefined) {
      name += parsed.version.replace(/\W/g, "");
    }
    for (let i = 2; used.has(name); i++) name = `${name.replace(/_\d+$/, "")}_${i}`;
    used.add(name);
    return name;
  };
  const add = (side: "Imports" | "Exports", item: ExternDesc) => {
    const { type } = item;
    const key = side === "Imports" || parseInterfaceName(item.name) !== undefined
      ? propertyKey(item.name)
      : propertyKey(toCamelCase(item.name));
    if (type.kind === "instance") {
      let ns = declared.get(item.name);
      if (ns === undefined) {
        ns = namespaceName(item.name);
        declared.set(item.name, ns);
        const body = namespaceBody(type.exports, new TsScope(global, ns));
        namespaces.push([
          `/** \`${item.name}\` */`,
          `export declare namespace ${ns} {`,
          ...body.map((l) => `  ${l}`),
          "}",
        ]);
      }
      shape[side].push(`${key}: typeof ${ns};`);
    } else if (type.kind === "func") {
      const ts = `(${tsParams(type.type, worldScope)}) => ${tsReturn(type.type, worldScope)}`;
      shape[side].push(`${key}: ${ts};`);
    } else if (type.kind === "type") {
      worldTypes.push(...namespaceBody([item], worldScope));
      const t = type.type;
      if (t !== undefined && isResource(t)) {
        shape[side].push(`${key}: typeof ${toPascalCase(item.name)};`);
      }
    } else {
      shape[side].push(`${key}: unknown; // a ${type.kind}`);
    }
  };
  for (const item of type.imports) add("Imports", item);
  for (const item of type.exports) add("Exports", item);
  const out: string[] = [];
  if (options.header !== undefined) out.push(`// ${options.header}`);
  out.push(
    "// TypeScript declarations in Weft's JS value mapping (jco's). Functions returning",
    "// `result<T, E>` return T and throw a ComponentError whose `payload` is E.",
    "",
  );
  for (const ns of namespaces) out.push(...ns, "");
  for (const line of worldTypes) {
    out.push(line.replace(/^export (type|class)/, "export declare $1"));
  }
  if (worldTypes.length > 0) out.push("");
  out.push(
    "/** The imports `component.instantiate(imports)` needs. */",
    "export interface Imports {",
    ...shape.Imports.map((l) => `  ${l}`),
    "}",
    "",
    "/** What `instance.exports` holds. */",
    "export interface Exports {",
    ...shape.Exports.map((l) => `  ${l}`),
    "}",
  );
  return out.join("\n") + "\n";
}
