/**
 * Decoding of core types as they appear in a component: core value types,
 * composite/sub/recursive types, limits, core extern types and module types
 * (Binary.md § Type Definitions, `core:type`; core spec § Binary Format § Types).
 *
 * @module
 */

import type {
  CoreAbsHeapType,
  CoreCompType,
  CoreExternType,
  CoreFieldType,
  CoreHeapType,
  CoreLimits,
  CoreModuleDecl,
  CoreRecType,
  CoreStorageType,
  CoreSubType,
  CoreType,
  CoreValType,
} from "./ast.ts";
import { CompileError, formatOffset } from "./errors.ts";
import type { Reader } from "./reader.ts";

/** Deepest nesting of components, component/instance types and module types accepted. */
export const MAX_NESTING_DEPTH = 100;

/** Throws if `depth` exceeds {@linkcode MAX_NESTING_DEPTH} (hostile input must not overflow the stack). */
export function checkDepth(reader: Reader, depth: number): void {
  if (depth > MAX_NESTING_DEPTH) {
    throw new CompileError(
      `Cannot decode component: expected at most ${MAX_NESTING_DEPTH} levels of nested components and types at byte ${
        formatOffset(reader.pos)
      }, found deeper nesting`,
      { offset: reader.pos },
    );
  }
}

const ABS_HEAP_TYPES: ReadonlyMap<number, CoreAbsHeapType> = new Map([
  [0x70, "func"],
  [0x6f, "extern"],
  [0x6e, "any"],
  [0x6d, "eq"],
  [0x6c, "i31"],
  [0x6b, "struct"],
  [0x6a, "array"],
  [0x69, "exn"],
  [0x68, "cont"],
  [0x71, "none"],
  [0x72, "noextern"],
  [0x73, "nofunc"],
  [0x74, "noexn"],
  [0x75, "nocont"],
]);

const NUM_TYPES: ReadonlyMap<number, CoreValType> = new Map([
  [0x7f, { kind: "i32" }],
  [0x7e, { kind: "i64" }],
  [0x7d, { kind: "f32" }],
  [0x7c, { kind: "f64" }],
  [0x7b, { kind: "v128" }],
]);

/** Reads a core heap type (core spec: `heaptype`, with the 🧵② `shared` prefix 0x65). */
export function readCoreHeapType(r: Reader): CoreHeapType {
  const at = r.pos;
  const b = r.peek("a core heap type");
  if (b === 0x65) {
    r.pos++;
    const code = r.byte("an abstract heap type after `shared`");
    const type = ABS_HEAP_TYPES.get(code);
    if (type === undefined) r.fail("an abstract heap type after `shared`", r.pos - 1);
    return { kind: "abstract", type, shared: true };
  }
  const abs = ABS_HEAP_TYPES.get(b);
  if (abs !== undefined) {
    r.pos++;
    return { kind: "abstract", type: abs, shared: false };
  }
  const index = r.s33("a core heap type");
  if (index < 0) r.fail("a core heap type", at);
  return { kind: "index", index };
}

/** Reads a core value type (core spec: `valtype`). */
export function readCoreValType(r: Reader, what = "a core value type"): CoreValType {
  const at = r.pos;
  const b = r.byte(what);
  const num = NUM_TYPES.get(b);
  if (num !== undefined) return num;
  if (b === 0x63 || b === 0x64) {
    return { kind: "ref", nullable: b === 0x63, heap: readCoreHeapType(r) };
  }
  const abs = ABS_HEAP_TYPES.get(b);
  if (abs !== undefined) {
    return { kind: "ref", nullable: true, heap: { kind: "abstract", type: abs, shared: false } };
  }
  return r.fail(what, at);
}

function readFieldType(r: Reader): CoreFieldType {
  const b = r.peek("a core storage type");
  let type: CoreStorageType;
  if (b === 0x78) {
    r.pos++;
    type = { kind: "i8" };
  } else if (b === 0x77) {
    r.pos++;
    type = { kind: "i16" };
  } else {
    type = readCoreValType(r, "a core storage type");
  }
  return { type, mutable: r.flag("a field mutability") };
}

/** Reads a core composite type (core spec: `comptype`). */
export function readCoreCompType(
  r: Reader,
  what = "a core composite type",
  allowShared = true,
): CoreCompType {
  const at = r.pos;
  const b = r.byte(what);
  switch (b) {
    case 0x60:
      return {
        kind: "func",
        params: r.vec("core parameter types", (x) => readCoreValType(x)),
        results: r.vec("core result types", (x) => readCoreValType(x)),
      };
    case 0x5f:
      return { kind: "struct", fields: r.vec("struct fields", readFieldType) };
    case 0x5e:
      return { kind: "array", element: readFieldType(r) };
    case 0x5d:
      return { kind: "cont", type: r.u32("a core type index") };
    case 0x65:
      // One level only: `shared` cannot repeat, so hostile input cannot recurse deeply.
      if (!allowShared) return r.fail(what, at);
      return { ...readCoreCompType(r, "a composite type after `shared`", false), shared: true };
    default:
      return r.fail(what, at);
  }
}

/** Reads a sub type after its `0x50`/`0x4f` opcode. */
function readSubTypeBody(r: Reader, final: boolean): CoreSubType {
  return {
    kind: "sub",
    final,
    supertypes: r.vec("supertype indices", (x) => x.u32("a core type index")),
    type: readCoreCompType(r),
  };
}

/** Reads a sub type inside a recursion group (core spec: `subtype`). */
function readCoreSubType(r: Reader): CoreCompType | CoreSubType {
  const b = r.peek("a core sub type");
  if (b === 0x50 || b === 0x4f) {
    r.pos++;
    return readSubTypeBody(r, b === 0x4f);
  }
  return readCoreCompType(r, "a core sub type");
}

/**
 * Reads a `core:deftype` of a core type section or declarator. A bare `0x50`
 * is a module type here; a non-final sub type is written `0x00 0x50` (the
 * pre-1.0 wart of Binary.md § Type Definitions).
 */
export function readCoreType(r: Reader, depth: number): CoreType {
  const b = r.peek("a core type");
  switch (b) {
    case 0x50:
      r.pos++;
      checkDepth(r, depth + 1);
      return {
        kind: "module",
        declarations: r.vec("module type declarations", (x) => readModuleDecl(x, depth + 1)),
      };
    case 0x00:
      r.pos++;
      if (r.byte("0x50 (a non-final sub type) after 0x00") !== 0x50) {
        r.fail("0x50 (a non-final sub type) after 0x00", r.pos - 1);
      }
      return readSubTypeBody(r, false);
    case 0x4f:
      r.pos++;
      return readSubTypeBody(r, true);
    case 0x4e: {
      r.pos++;
      const rec: CoreRecType = { kind: "rec", types: r.vec("recursive types", readCoreSubType) };
      return rec;
    }
    default:
      return readCoreCompType(r, "a core type");
  }
}

/** Reads memory or table limits (core spec: `limits`, with memory64/threads/page-size flags). */
export function readLimits(r: Reader): CoreLimits {
  const at = r.pos;
  const flags = r.byte("a limits flag byte");
  if (flags > 0x0f) r.fail("a limits flag byte (0x00 to 0x0f)", at);
  const address64 = (flags & 0x04) !== 0;
  const read = (what: string): bigint => address64 ? r.u64(what) : BigInt(r.u32(what));
  const min = read("a limits minimum");
  const max = flags & 0x01 ? read("a limits maximum") : undefined;
  const limits: CoreLimits = { min, max, shared: (flags & 0x02) !== 0, address64 };
  if (flags & 0x08) return { ...limits, pageSizeLog2: r.u32("a page size exponent") };
  return limits;
}

/** Reads a core extern type (core spec: `externtype`). */
export function readCoreExternType(r: Reader): CoreExternType {
  const at = r.pos;
  const b = r.byte("a core extern type");
  switch (b) {
    case 0x00:
      return { kind: "func", type: r.u32("a core type index") };
    case 0x01: {
      const elemAt = r.pos;
      const element = readCoreValType(r, "a table element reference type");
      if (element.kind !== "ref") r.fail("a table element reference type", elemAt);
      return { kind: "table", element, limits: readLimits(r) };
    }
    case 0x02:
      return { kind: "memory", limits: readLimits(r) };
    case 0x03: {
      const type = readCoreValType(r);
      const mutAt = r.pos;
      const m = r.byte("a global mutability");
      if (m > 3) r.fail("a global mutability (0x00 to 0x03)", mutAt);
      return { kind: "global", type, mutable: (m & 1) !== 0, shared: (m & 2) !== 0 };
    }
    case 0x04:
      r.zero("the tag attribute 0x00");
      return { kind: "tag", type: r.u32("a core type index") };
    default:
      return r.fail("a core extern type", at);
  }
}

/** Reads a core module type declarator (spec: `core:moduledecl`). */
function readModuleDecl(r: Reader, depth: number): CoreModuleDecl {
  const offset = r.pos;
  const b = r.byte("a module type declaration");
  switch (b) {
    case 0x00:
      return {
        kind: "import",
        offset,
        module: r.name("an import module name"),
        name: r.name("an import field name"),
        type: readCoreExternType(r),
      };
    case 0x01:
      return { kind: "type", offset, type: readCoreType(r, depth) };
    case 0x02: {
      const sortAt = r.pos;
      if (r.byte("0x10 (type), the only core outer alias sort") !== 0x10) {
        r.fail("0x10 (type), the only core outer alias sort", sortAt);
      }
      const targetAt = r.pos;
      if (r.byte("0x01 (outer), the only core alias target") !== 0x01) {
        r.fail("0x01 (outer), the only core alias target", targetAt);
      }
      return {
        kind: "alias",
        offset,
        count: r.u32("an outer alias count"),
        index: r.u32("an outer alias index"),
      };
    }
    case 0x03:
      return {
        kind: "export",
        offset,
        name: r.name("an export name"),
        type: readCoreExternType(r),
      };
    default:
      return r.fail("a module type declaration (0x00 to 0x03)", offset);
  }
}
