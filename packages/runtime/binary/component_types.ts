/**
 * Decoding of component-level types, sorts, aliases, extern names and extern
 * descriptors (Binary.md § Type Definitions, § Alias Definitions, § Import
 * and Export Definitions).
 *
 * @module
 */

import type {
  Alias,
  ComponentDecl,
  CoreSort,
  DefValType,
  ExternDescriptor,
  ExternName,
  FuncTypeAst,
  InstanceDecl,
  LabelValType,
  PrimValType,
  Sort,
  TypeDef,
  ValType,
  VariantCase,
} from "./ast.ts";
import { checkDepth, readCoreType, readCoreValType } from "./core_types.ts";
import type { Reader } from "./reader.ts";

const PRIMITIVES: ReadonlyMap<number, PrimValType> = new Map([
  [0x7f, "bool"],
  [0x7e, "s8"],
  [0x7d, "u8"],
  [0x7c, "s16"],
  [0x7b, "u16"],
  [0x7a, "s32"],
  [0x79, "u32"],
  [0x78, "s64"],
  [0x77, "u64"],
  [0x76, "f32"],
  [0x75, "f64"],
  [0x74, "char"],
  [0x73, "string"],
  [0x64, "error-context"],
]);

const CORE_SORTS: ReadonlyMap<number, CoreSort> = new Map([
  [0x00, "func"],
  [0x01, "table"],
  [0x02, "memory"],
  [0x03, "global"],
  [0x04, "tag"],
  [0x10, "type"],
  [0x11, "module"],
  [0x12, "instance"],
]);

// Shared, immutable sort values: a sort carries no per-use data.
const SORTS: ReadonlyMap<number, Sort> = new Map<number, Sort>([
  [0x01, { kind: "func" }],
  [0x02, { kind: "value" }],
  [0x03, { kind: "type" }],
  [0x04, { kind: "component" }],
  [0x05, { kind: "instance" }],
]);
const CORE_SORT_OBJECTS: ReadonlyMap<CoreSort, Sort> = new Map(
  [...CORE_SORTS.values()].map((s) => [s, { kind: "core", sort: s } as const]),
);

/** Reads a `core:sort` byte. */
export function readCoreSort(r: Reader, what = "a core sort"): CoreSort {
  const at = r.pos;
  const sort = CORE_SORTS.get(r.byte(what));
  if (sort === undefined) r.fail(what, at);
  return sort;
}

/** Reads a `sort` (Binary.md § Instance Definitions). */
export function readSort(r: Reader, what = "a sort"): Sort {
  const at = r.pos;
  const b = r.byte(what);
  if (b === 0x00) {
    return CORE_SORT_OBJECTS.get(readCoreSort(r, `a core sort in ${what}`)) as Sort;
  }
  const sort = SORTS.get(b);
  if (sort === undefined) r.fail(what, at);
  return sort;
}

/** The text-format name of a sort, for messages (`core func`, `instance`). */
export function sortName(sort: Sort): string {
  return sort.kind === "core" ? `core ${sort.sort}` : sort.kind;
}

/** Whether `sort` may be the target of an outer alias (spec: `outeraliassort`). */
function isOuterAliasSort(sort: Sort): boolean {
  return sort.kind === "type" || sort.kind === "component" ||
    (sort.kind === "core" && (sort.sort === "module" || sort.sort === "type"));
}

/** Reads an alias (spec: `alias`). */
export function readAlias(r: Reader): Alias {
  const sortAt = r.pos;
  const sort = readSort(r, "an alias sort");
  const at = r.pos;
  const b = r.byte("an alias target (0x00 export, 0x01 core export, 0x02 outer)");
  switch (b) {
    case 0x00:
      return {
        sort,
        target: {
          kind: "export",
          instance: r.u32("an instance index"),
          name: r.name("an export name"),
        },
      };
    case 0x01:
      return {
        sort,
        target: {
          kind: "core-export",
          instance: r.u32("a core instance index"),
          name: r.name("an export name"),
        },
      };
    case 0x02:
      if (!isOuterAliasSort(sort)) {
        r.failWith(
          "an outer alias sort (core module, core type, type or component)",
          `${sortName(sort)} (invalid leading byte for component outer alias kind)`,
          sortAt,
        );
      }
      return {
        sort,
        target: {
          kind: "outer",
          count: r.u32("an outer alias count"),
          index: r.u32("an outer alias index"),
        },
      };
    default:
      return r.fail("an alias target (0x00 export, 0x01 core export, 0x02 outer)", at);
  }
}

/** Reads a `valtype`: a primitive code, or a non-negative s33 type index. */
export function readValType(r: Reader, what = "a valtype"): ValType {
  const at = r.pos;
  const prim = PRIMITIVES.get(r.peek(what));
  if (prim !== undefined) {
    r.pos++;
    return { kind: "primitive", type: prim };
  }
  const index = r.s33(what);
  if (index < 0) r.fail(what, at);
  return { kind: "type", index };
}

/** Reads `<valtype>?` (0x00 absent, 0x01 present). */
function readOptionalValType(r: Reader, what: string): ValType | undefined {
  return r.flag(`the presence flag of ${what}`) ? readValType(r, what) : undefined;
}

function readLabelValType(r: Reader): LabelValType {
  return { name: r.name("a label"), type: readValType(r) };
}

function readCase(r: Reader): VariantCase {
  const name = r.name("a case label");
  const type = readOptionalValType(r, "a case payload type");
  r.zero("the 0x00 byte ending a variant case");
  return { name, type };
}

/** Reads a `defvaltype`. */
function readDefValType(r: Reader): DefValType {
  const at = r.pos;
  const b = r.byte("a type definition");
  const prim = PRIMITIVES.get(b);
  if (prim !== undefined) return { kind: "primitive", type: prim };
  switch (b) {
    case 0x72:
      return { kind: "record", fields: r.vec("record fields", readLabelValType) };
    case 0x71:
      return { kind: "variant", cases: r.vec("variant cases", readCase) };
    case 0x70:
      return { kind: "list", element: readValType(r) };
    case 0x67:
      return { kind: "list", element: readValType(r), length: r.u32("a fixed list length") };
    case 0x6f:
      return { kind: "tuple", types: r.vec("tuple types", (x) => readValType(x)) };
    case 0x6e:
      return { kind: "flags", labels: r.vec("flag labels", (x) => x.name("a flag label")) };
    case 0x6d:
      return { kind: "enum", labels: r.vec("enum labels", (x) => x.name("an enum label")) };
    case 0x6b:
      return { kind: "option", type: readValType(r) };
    case 0x6a:
      return {
        kind: "result",
        ok: readOptionalValType(r, "a result ok type"),
        err: readOptionalValType(r, "a result error type"),
      };
    case 0x69:
      return { kind: "own", index: r.u32("a resource type index") };
    case 0x68:
      return { kind: "borrow", index: r.u32("a resource type index") };
    case 0x66:
      return { kind: "stream", type: readOptionalValType(r, "a stream element type") };
    case 0x65:
      return { kind: "future", type: readOptionalValType(r, "a future payload type") };
    case 0x63:
      return { kind: "map", key: readValType(r), value: readValType(r) };
    default:
      return r.fail("a type definition", at);
  }
}

/** Reads a `resultlist`: `0x00 valtype` or `0x01 0x00` (no result). */
export function readResultList(r: Reader): ValType | undefined {
  const at = r.pos;
  const b = r.byte("a result list (0x00 or 0x01)");
  if (b === 0x00) return readValType(r);
  if (b === 0x01) {
    r.zero("0x00 after 0x01 in a result list");
    return undefined;
  }
  return r.fail("a result list (0x00 or 0x01)", at);
}

function readFuncType(r: Reader, async: boolean): FuncTypeAst {
  return {
    kind: "func",
    async,
    params: r.vec("parameters", readLabelValType),
    result: readResultList(r),
  };
}

/** Reads a `typebound`. */
function readTypeBound(r: Reader): ExternDescriptor {
  const at = r.pos;
  const b = r.byte("a type bound (0x00 eq or 0x01 sub resource)");
  if (b === 0x00) return { kind: "type", bound: { kind: "eq", index: r.u32("a type index") } };
  if (b === 0x01) return { kind: "type", bound: { kind: "sub-resource" } };
  return r.fail("a type bound (0x00 eq or 0x01 sub resource)", at);
}

/** Reads an `externtype`. */
export function readExternDescriptor(r: Reader): ExternDescriptor {
  const at = r.pos;
  const b = r.byte("an extern type");
  switch (b) {
    case 0x00: {
      const at11 = r.pos;
      if (r.byte("0x11 (core module) after 0x00 in an extern type") !== 0x11) {
        r.fail("0x11 (core module) after 0x00 in an extern type", at11);
      }
      return { kind: "module", type: r.u32("a core type index") };
    }
    case 0x01:
      return { kind: "func", type: r.u32("a type index") };
    case 0x02: {
      const boundAt = r.pos;
      const bound = r.byte("a value bound (0x00 eq or 0x01 valtype)");
      if (bound === 0x00) {
        return { kind: "value", bound: { kind: "eq", index: r.u32("a value index") } };
      }
      if (bound === 0x01) return { kind: "value", bound: { kind: "type", type: readValType(r) } };
      return r.fail("a value bound (0x00 eq or 0x01 valtype)", boundAt);
    }
    case 0x03:
      return readTypeBound(r);
    case 0x04:
      return { kind: "component", type: r.u32("a type index") };
    case 0x05:
      return { kind: "instance", type: r.u32("a type index") };
    default:
      return r.fail("an extern type", at);
  }
}

/** Reads a `nameattributes`: an extern name and its attributes (each kind at most once). */
export function readExternName(r: Reader): ExternName {
  const at = r.pos;
  const b = r.byte("an extern name prefix (0x00, 0x01 or 0x02)");
  if (b === 0x00 || b === 0x01) return { name: r.name("an extern name") };
  if (b !== 0x02) r.fail("an extern name prefix (0x00, 0x01 or 0x02)", at);
  const name = r.name("an extern name");
  let versionSuffix: string | undefined;
  let implementsName: string | undefined;
  let externalId: string | undefined;
  r.vec("name attributes", (x) => {
    const attrAt = x.pos;
    const kind = x.byte("a name attribute (0x00, 0x01 or 0x02)");
    const label = kind === 0x00 ? "implements" : kind === 0x01 ? "versionsuffix" : "external-id";
    if (kind > 0x02) x.fail("a name attribute (0x00, 0x01 or 0x02)", attrAt);
    const value = x.name(`an \`${label}\` attribute value`);
    const seen = kind === 0x00 ? implementsName : kind === 0x01 ? versionSuffix : externalId;
    if (seen !== undefined) {
      x.failWith(
        `at most one \`${label}\` attribute`,
        `a second one (duplicate '${label}' option in name)`,
        attrAt,
      );
    }
    if (kind === 0x00) implementsName = value;
    else if (kind === 0x01) versionSuffix = value;
    else externalId = value;
  });
  return {
    name,
    ...(versionSuffix === undefined ? {} : { versionSuffix }),
    ...(implementsName === undefined ? {} : { implements: implementsName }),
    ...(externalId === undefined ? {} : { externalId }),
  };
}

/** Reads an instance or component type declarator. */
function readDecl(r: Reader, depth: number, inComponent: boolean): ComponentDecl {
  const offset = r.pos;
  const what = inComponent
    ? "a component type declaration (0x00 to 0x04)"
    : "an instance type declaration (0x00, 0x01, 0x02 or 0x04)";
  const b = r.byte(what);
  switch (b) {
    case 0x00:
      return { kind: "core-type", offset, type: readCoreType(r, depth) };
    case 0x01:
      return { kind: "type", offset, type: readTypeDef(r, depth) };
    case 0x02:
      return { kind: "alias", offset, alias: readAlias(r) };
    case 0x03:
      if (!inComponent) return r.fail(what, offset);
      return {
        kind: "import",
        offset,
        name: readExternName(r),
        type: readExternDescriptor(r),
      };
    case 0x04:
      return {
        kind: "export",
        offset,
        name: readExternName(r),
        type: readExternDescriptor(r),
      };
    default:
      return r.fail(what, offset);
  }
}

/**
 * Reads a `deftype`. `depth` counts the enclosing components and types, so
 * hostile nesting of component/instance types cannot overflow the stack.
 */
export function readTypeDef(r: Reader, depth: number): TypeDef {
  const b = r.peek("a type definition");
  switch (b) {
    case 0x40:
    case 0x43:
      r.pos++;
      return readFuncType(r, b === 0x43);
    case 0x41:
      r.pos++;
      checkDepth(r, depth + 1);
      return {
        kind: "component",
        declarations: r.vec("component type declarations", (x) => readDecl(x, depth + 1, true)),
      };
    case 0x42: {
      r.pos++;
      checkDepth(r, depth + 1);
      const declarations = r.vec(
        "instance type declarations",
        (x) => readDecl(x, depth + 1, false) as InstanceDecl,
      );
      return { kind: "instance", declarations };
    }
    case 0x3f: {
      r.pos++;
      const rep = readCoreValType(r, "a resource representation type");
      const dtor = r.flag("the presence flag of a resource destructor")
        ? r.u32("a core function index")
        : undefined;
      return { kind: "resource", rep, dtor };
    }
    default:
      return readDefValType(r);
  }
}
