/**
 * A component's type as WIT text, in the layout `wasm-tools component wit`
 * uses: a `root` world that imports and exports interfaces by name, then the
 * interfaces grouped in nested `package … { }` blocks. Types defined by one
 * interface and used by another become `use` statements (resource and value
 * types are matched by identity, as the runtime resolves them).
 *
 * Where the binary holds something WIT has no words for (an unnamed record,
 * a core module import), the text says what it is rather than failing.
 *
 * @module
 */
import type { ComponentTypeDesc, ExternDesc, FuncType, ResourceType, ValType } from "@weft/runtime";
import { interfaceModel, isNominal, isResource, parseInterfaceName } from "./interface_model.ts";

const KEYWORDS = new Set([
  "as",
  "async",
  "bool",
  "borrow",
  "char",
  "constructor",
  "enum",
  "error-context",
  "export",
  "f32",
  "f64",
  "flags",
  "from",
  "func",
  "future",
  "import",
  "include",
  "interface",
  "list",
  "map",
  "option",
  "own",
  "package",
  "record",
  "resource",
  "result",
  "s16",
  "s32",
  "s64",
  "s8",
  "static",
  "stream",
  "string",
  "tuple",
  "type",
  "u16",
  "u32",
  "u64",
  "u8",
  "use",
  "variant",
  "with",
  "world",
]);

/** A WIT identifier, `%`-escaped when it is a keyword. */
export function witId(name: string): string {
  return KEYWORDS.has(name) ? `%${name}` : name;
}

/** Where a named type was first defined: its interface (`""` for the world) and name. */
interface Definition {
  owner: string;
  name: string;
}

/** Type names in force while printing one interface or world. */
export class WitScope {
  readonly #local = new Map<object, string>();
  readonly #global: Map<object, Definition>;
  readonly #owner: string | undefined;
  readonly #uses = new Map<string, Set<string>>();

  /**
   * A scope sharing `global` (the definitions of the whole document). With
   * an `owner` (the interface's full name, `""` for the world), a type named
   * only in another interface is recorded as a `use` of it.
   */
  constructor(global: Map<object, Definition> = new Map(), owner?: string) {
    this.#global = global;
    this.#owner = owner;
  }

  /** The name `type` has here, or where it was defined elsewhere. */
  nameOf(type: object): string | undefined {
    const local = this.#local.get(type);
    if (local !== undefined) return local;
    const definition = this.#global.get(type);
    if (definition !== undefined) this.use(definition);
    return definition?.name;
  }

  /** The local name of `type`, if it has one here. */
  localName(type: object): string | undefined {
    return this.#local.get(type);
  }

  /** Where `type` was first defined. */
  definition(type: object): Definition | undefined {
    return this.#global.get(type);
  }

  /**
   * Names `type` here; the first naming anywhere is its definition. Only
   * nominal types are named ({@linkcode isNominal}); others stay structural.
   */
  name(type: ValType | ResourceType, name: string, owner: string): void {
    if (!isNominal(type)) return;
    this.#local.set(type, name);
    if (!this.#global.has(type)) this.#global.set(type, { owner, name });
  }

  /** Records a `use` of a definition made in another interface. */
  use(definition: Definition, as?: string): void {
    if (this.#owner === undefined || definition.owner === "") return;
    if (definition.owner === this.#owner) return;
    const names = this.#uses.get(definition.owner) ?? new Set();
    names.add(
      as === undefined || as === definition.name
        ? witId(definition.name)
        : `${witId(definition.name)} as ${witId(as)}`,
    );
    this.#uses.set(definition.owner, names);
  }

  /** The `use` statements recorded, in order. */
  useLines(): string[] {
    return [...this.#uses].map(([from, names]) =>
      `use ${useTarget(from, this.#owner ?? "")}.{${[...names].join(", ")}};`
    );
  }
}

/** How interface `from` is named inside `owner`: by its plain name within one package. */
function useTarget(from: string, owner: string): string {
  const a = parseInterfaceName(from);
  const b = parseInterfaceName(owner);
  if (
    a !== undefined && b !== undefined && a.namespace === b.namespace &&
    a.package === b.package && a.version === b.version
  ) return witId(a.name);
  return from;
}

function resourceRef(resource: ResourceType, scope: WitScope): string {
  return witId(scope.nameOf(resource) ?? resource.name);
}

/**
 * The WIT for a use of `type`: its name where it has one, else (or when
 * `expand`) its structure.
 */
export function witType(type: ValType, scope: WitScope = new WitScope(), expand = false): string {
  const named = expand ? undefined : scope.nameOf(type);
  if (named !== undefined) return witId(named);
  const ref = (t: ValType) => witType(t, scope);
  switch (type.kind) {
    case "list":
      return type.length === undefined
        ? `list<${ref(type.element)}>`
        : `list<${ref(type.element)}, ${type.length}>`;
    case "tuple":
      return `tuple<${type.types.map(ref).join(", ")}>`;
    case "option":
      return `option<${ref(type.type)}>`;
    case "result":
      if (type.ok === undefined && type.err === undefined) return "result";
      if (type.err === undefined) return `result<${ref(type.ok!)}>`;
      return `result<${type.ok === undefined ? "_" : ref(type.ok)}, ${ref(type.err)}>`;
    case "map":
      return `map<${ref(type.key)}, ${ref(type.value)}>`;
    case "own":
      return resourceRef(type.resource, scope);
    case "borrow":
      return `borrow<${resourceRef(type.resource, scope)}>`;
    case "stream":
    case "future":
      return type.element === undefined ? type.kind : `${type.kind}<${ref(type.element)}>`;
    case "record":
      return `record { ${type.fields.map((f) => `${witId(f.name)}: ${ref(f.type)}`).join(", ")} }`;
    case "variant":
      return `variant { ${type.cases.map((c) => caseText(c, scope)).join(", ")} }`;
    case "enum":
      return `enum { ${type.labels.map(witId).join(", ")} }`;
    case "flags":
      return `flags { ${type.labels.map(witId).join(", ")} }`;
    default:
      return type.kind;
  }
}

function caseText(c: { name: string; type: ValType | undefined }, scope: WitScope): string {
  return c.type === undefined ? witId(c.name) : `${witId(c.name)}(${witType(c.type, scope)})`;
}

/** `func(a: u32) -> string` (`self` left out when `dropSelf`). */
export function witFunc(
  type: FuncType,
  scope: WitScope = new WitScope(),
  options: { dropSelf?: boolean; keyword?: string } = {},
): string {
  const params = options.dropSelf ? type.params.slice(1) : type.params;
  const list = params.map((p) => `${witId(p.name)}: ${witType(p.type, scope)}`).join(", ");
  const result = type.result === undefined ? "" : ` -> ${witType(type.result, scope)}`;
  const keyword = options.keyword ?? (type.async ? "async func" : "func");
  return `${keyword}(${list})${result}`;
}

/** The WIT definition of the named value type `type` (`record point { … }`). */
export function witDefinition(name: string, type: ValType, scope: WitScope): string[] {
  const body = (items: string[]) => items.map((i) => `  ${i},`);
  switch (type.kind) {
    case "record":
      return [
        `record ${witId(name)} {`,
        ...body(type.fields.map((f) => `${witId(f.name)}: ${witType(f.type, scope)}`)),
        "}",
      ];
    case "variant":
      return [
        `variant ${witId(name)} {`,
        ...body(type.cases.map((c) => caseText(c, scope))),
        "}",
      ];
    case "enum":
      return [`enum ${witId(name)} {`, ...body(type.labels.map(witId)), "}"];
    case "flags":
      return [`flags ${witId(name)} {`, ...body(type.labels.map(witId)), "}"];
    default:
      return [`type ${witId(name)} = ${witType(type, scope, true)};`];
  }
}

/** A constructor as WIT writes it: no result when it returns the resource itself. */
function constructorType(type: FuncType, resource: ResourceType): FuncType {
  const result = type.result;
  return result?.kind === "own" && result.resource === resource
    ? { ...type, result: undefined }
    : type;
}

/**
 * The body lines of an interface (or world) whose items are `items`;
 * `owner` is its full name (`""` for the world), for `use` statements.
 */
export function witInterfaceBody(
  items: readonly ExternDesc[],
  owner: string,
  global: Map<object, Definition>,
  options: { scope?: WitScope } = {},
): string[] {
  // A caller that passes its own scope prints its `use` lines itself.
  const scope = options.scope ?? new WitScope(global, owner);
  const model = interfaceModel(items);
  // Definitions are rendered after every name is known, so a resource's
  // methods may mention types declared after it.
  const defs: (() => string[])[] = [];
  for (const item of items) {
    if (item.type.kind !== "type") continue;
    const type = item.type.type;
    if (type === undefined || "params" in type) continue;
    const earlier = scope.definition(type);
    const local = scope.localName(type);
    if (local !== undefined) {
      defs.push(() => [`type ${witId(item.name)} = ${witId(local)};`]);
    } else if (earlier !== undefined && earlier.owner !== owner && earlier.owner !== "") {
      scope.use(earlier, item.name);
    } else if (isResource(type)) {
      const resource = model.resources.find((r) => r.type === type)!;
      defs.push(() => {
        const members = [
          ...(resource.constructor === undefined ? [] : [
            `constructor${
              witFunc(constructorType(resource.constructor, type), scope, {
                keyword: "",
              })
            };`,
          ]),
          ...resource.methods.map((m) =>
            `${witId(m.name)}: ${witFunc(m.type, scope, { dropSelf: true })};`
          ),
          ...resource.statics.map((s) =>
            `${witId(s.name)}: ${
              witFunc(s.type, scope, {
                keyword: s.type.async ? "static async func" : "static func",
              })
            };`
          ),
        ];
        if (members.length === 0) return [`resource ${witId(item.name)};`];
        return [`resource ${witId(item.name)} {`, ...members.map((m) => `  ${m}`), "}"];
      });
    } else {
      defs.push(() => witDefinition(item.name, type, scope));
    }
    scope.name(type, item.name, owner);
  }
  const lines: string[] = [];
  for (const def of defs) lines.push(...def());
  for (const func of model.funcs) {
    lines.push(`${witId(func.name)}: ${witFunc(func.type, scope)};`);
  }
  for (const other of model.other) {
    lines.push(`// ${other.name}: a ${other.kind} (WIT cannot express it)`);
  }
  // Uses last: rendering the body is what finds the types named elsewhere.
  return options.scope === undefined ? [...scope.useLines(), ...lines] : lines;
}

function indent(lines: readonly string[], by = "  "): string[] {
  return lines.map((l) => l === "" ? l : by + l);
}

/** Options for {@linkcode componentWit}. */
export interface ComponentWitOptions {
  /** The world's name (default `root`). */
  world?: string;
  /** A comment line put first (e.g. the file name). */
  header?: string;
}

/** The WIT text of a component's type: its world, then the interfaces it names. */
export function componentWit(
  type: ComponentTypeDesc,
  options: ComponentWitOptions = {},
): string {
  const global = new Map<object, Definition>();
  const packages = new Map<string, Map<string, string[]>>();
  // World lines are rendered after every interface, so world-level functions
  // can name the types those define.
  const world: (() => string[])[] = [];
  const worldTypes: ExternDesc[] = [];
  const scope = new WitScope(global, "");
  const add = (direction: "import" | "export", item: ExternDesc) => {
    const { type } = item;
    if (type.kind === "instance") {
      const parsed = parseInterfaceName(item.name);
      if (parsed === undefined) {
        const body = witInterfaceBody(type.exports, item.name, global);
        world.push(() => [`${direction} ${witId(item.name)}: interface {`, ...indent(body), "}"]);
        return;
      }
      const pkg = `${parsed.namespace}:${parsed.package}` +
        (parsed.version === undefined ? "" : `@${parsed.version}`);
      const interfaces = packages.get(pkg) ?? new Map<string, string[]>();
      packages.set(pkg, interfaces);
      if (!interfaces.has(parsed.name)) {
        interfaces.set(parsed.name, witInterfaceBody(type.exports, item.name, global));
      }
      world.push(() => [`${direction} ${item.name};`]);
    } else if (type.kind === "func") {
      world.push(() => [`${direction} ${witId(item.name)}: ${witFunc(type.type, scope)};`]);
    } else if (type.kind === "type") {
      worldTypes.push(item);
    } else {
      world.push(() => [`// ${direction} ${item.name}: a ${type.kind} (WIT cannot express it)`]);
    }
  };
  for (const item of type.imports) add("import", item);
  for (const item of type.exports) add("export", item);
  const body = [
    ...witInterfaceBody(worldTypes, "", global, { scope }),
    ...world.flatMap((render) => render()),
  ];
  const worldLines = [...scope.useLines(), ...body];
  const out: string[] = [];
  if (options.header !== undefined) out.push(`// ${options.header}`);
  out.push("package root:component;", "");
  out.push(`world ${witId(options.world ?? "root")} {`, ...indent(worldLines), "}");
  for (const [pkg, interfaces] of packages) {
    out.push("", `package ${pkg} {`);
    let first = true;
    for (const [name, body] of interfaces) {
      if (!first) out.push("");
      first = false;
      if (body.length === 0) out.push(`  interface ${witId(name)} {}`);
      else out.push(`  interface ${witId(name)} {`, ...indent(body, "    "), "  }");
    }
    out.push("}");
  }
  return out.join("\n") + "\n";
}
