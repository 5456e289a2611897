/**
 * The component binary decoder: bytes → {@linkcode ComponentAst}
 * (Binary.md § Component Definitions). It checks the structure of the
 * binary only; index bounds, types and names are the validator's job, and
 * embedded core modules are copied, not decoded (`WebAssembly.compile`
 * checks them).
 *
 * @module
 */

import type {
  ComponentAst,
  ComponentItem,
  ComponentNames,
  CoreInstanceExpr,
  InstanceExpr,
} from "./ast.ts";
import { readCanon } from "./canon.ts";
import {
  readAlias,
  readCoreSort,
  readExternDescriptor,
  readExternName,
  readSort,
  readTypeDef,
  readValType,
} from "./component_types.ts";
import { checkDepth, readCoreType } from "./core_types.ts";
import { CompileError } from "./errors.ts";
import { NAME_SECTION, tryDecodeNameSection } from "./names.ts";
import { hex, Reader } from "./reader.ts";

export { MAX_NESTING_DEPTH } from "./core_types.ts";

/** The names of the section ids, for messages (Binary.md § Component Definitions). */
const SECTION_NAMES = [
  "custom",
  "core module",
  "core instance",
  "core type",
  "component",
  "instance",
  "alias",
  "type",
  "canon",
  "start",
  "import",
  "export",
  "value",
] as const;

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const COMPONENT_VERSION = 0x0d;

/** Reads `count` bytes for a header check, failing at the first missing byte. */
function headerBytes(r: Reader, count: number, what: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(r.byte(what));
  return out;
}

/**
 * Reads a preamble: magic, version 0x0d and layer 1. A core module header
 * (version 1, layer 0) gets its own message, since handing a core module to
 * the component API is an easy mistake.
 */
function readPreamble(r: Reader): void {
  const start = r.pos;
  const seen: string[] = [];
  for (const expected of MAGIC) {
    const b = r.byte("the magic number \\0asm");
    seen.push(b.toString(16).padStart(2, "0"));
    if (b !== expected) r.failWith("the magic number \\0asm (00 61 73 6d)", seen.join(" "), start);
  }
  const at = r.pos;
  const [v0, v1, l0, l1] = headerBytes(r, 4, "a version header for a component") as [
    number,
    number,
    number,
    number,
  ];
  if (l0 === 0 && l1 === 0 && v0 === 1 && v1 === 0) {
    r.failWith(
      "a version header for a component (version 0x0d, layer 1)",
      "a core WebAssembly module header (version 1, layer 0): " +
        "use WebAssembly.compile for a core module",
      at,
    );
  }
  if (l0 !== 1 || l1 !== 0) {
    r.failWith(
      "a version header for a component (version 0x0d, layer 1)",
      `layer ${l0 | (l1 << 8)} (unknown binary version)`,
      at + 2,
    );
  }
  if (v0 !== COMPONENT_VERSION || v1 !== 0) {
    r.failWith(
      "component binary version 0x0d",
      `version 0x${(v0 | (v1 << 8)).toString(16)} (unknown binary version)`,
      at,
    );
  }
}

/** Checks an embedded core module's header, so a misplaced component is caught here. */
function checkCoreModuleHeader(r: Reader): void {
  const start = r.pos;
  const probe = new Reader(r.bytes, r.pos, r.end);
  const magic = headerBytes(probe, 4, "the magic number \\0asm of a core module");
  if (magic.some((b, i) => b !== MAGIC[i])) {
    r.fail("the magic number \\0asm of a core module", start);
  }
  const at = probe.pos;
  const header = headerBytes(probe, 4, "a version header for a module");
  if (header[0] !== 1 || header[1] !== 0 || header[2] !== 0 || header[3] !== 0) {
    const isComponent = header[2] === 1 && header[3] === 0;
    r.failWith(
      "a version header for a module (version 1, layer 0)",
      isComponent
        ? "a component header: a component cannot be embedded as a core module"
        : header.map(hex).join(" "),
      at,
    );
  }
}

function readCoreInstance(r: Reader): CoreInstanceExpr {
  const at = r.pos;
  const b = r.byte("a core instance (0x00 instantiate or 0x01 exports)");
  if (b === 0x00) {
    return {
      kind: "instantiate",
      module: r.u32("a core module index"),
      args: r.vec("instantiation arguments", (x) => {
        const name = x.name("an instantiation argument name");
        const sortAt = x.pos;
        if (x.byte("0x12 (instance), the instantiation argument kind") !== 0x12) {
          x.fail("0x12 (instance), the instantiation argument kind", sortAt);
        }
        return { name, instance: x.u32("a core instance index") };
      }),
    };
  }
  if (b === 0x01) {
    return {
      kind: "exports",
      exports: r.vec("inline exports", (x) => ({
        name: x.name("an export name"),
        sort: readCoreSort(x),
        index: x.u32("an index"),
      })),
    };
  }
  return r.fail("a core instance (0x00 instantiate or 0x01 exports)", at);
}

function readInstance(r: Reader): InstanceExpr {
  const at = r.pos;
  const b = r.byte("an instance (0x00 instantiate or 0x01 exports)");
  if (b === 0x00) {
    return {
      kind: "instantiate",
      component: r.u32("a component index"),
      args: r.vec("instantiation arguments", (x) => ({
        name: x.name("an instantiation argument name"),
        sort: readSort(x),
        index: x.u32("an index"),
      })),
    };
  }
  if (b === 0x01) {
    return {
      kind: "exports",
      exports: r.vec("inline exports", (x) => ({
        name: readExternName(x),
        sort: readSort(x),
        index: x.u32("an index"),
      })),
    };
  }
  return r.fail("an instance (0x00 instantiate or 0x01 exports)", at);
}

/** Reads the items of one `vec(...)` section, recording each item's offset. */
function readVecSection(
  s: Reader,
  what: string,
  items: ComponentItem[],
  read: (r: Reader, offset: number) => ComponentItem,
): void {
  s.vec(what, (x) => {
    items.push(read(x, x.pos));
  });
}

/** Reads one section's contents into `items`; returns decoded names if it is the name section. */
function readSection(
  id: number,
  s: Reader,
  items: ComponentItem[],
  depth: number,
): ComponentNames | undefined {
  switch (id) {
    case 0: {
      const offset = s.pos;
      const name = s.name("a custom section name");
      const payload = new Reader(s.bytes, s.pos, s.end);
      items.push({ kind: "custom", offset, name, data: s.view(s.remaining, "custom data") });
      return name === NAME_SECTION ? tryDecodeNameSection(payload) : undefined;
    }
    case 1: {
      const offset = s.pos;
      checkCoreModuleHeader(s);
      items.push({ kind: "core-module", offset, bytes: s.view(s.remaining, "a core module") });
      return undefined;
    }
    case 2:
      readVecSection(s, "core instances", items, (x, offset) => ({
        kind: "core-instance",
        offset,
        instance: readCoreInstance(x),
      }));
      return undefined;
    case 3:
      readVecSection(s, "core types", items, (x, offset) => ({
        kind: "core-type",
        offset,
        type: readCoreType(x, depth),
      }));
      return undefined;
    case 4: {
      const offset = s.pos;
      items.push({ kind: "component", offset, component: readComponent(s, depth + 1) });
      return undefined;
    }
    case 5:
      readVecSection(s, "instances", items, (x, offset) => ({
        kind: "instance",
        offset,
        instance: readInstance(x),
      }));
      return undefined;
    case 6:
      readVecSection(s, "aliases", items, (x, offset) => ({
        kind: "alias",
        offset,
        alias: readAlias(x),
      }));
      return undefined;
    case 7:
      readVecSection(s, "types", items, (x, offset) => ({
        kind: "type",
        offset,
        type: readTypeDef(x, depth),
      }));
      return undefined;
    case 8:
      readVecSection(s, "canonical definitions", items, (x, offset) => ({
        kind: "canon",
        offset,
        canon: readCanon(x),
      }));
      return undefined;
    case 9: {
      const offset = s.pos;
      items.push({
        kind: "start",
        offset,
        func: s.u32("a function index"),
        args: s.vec("start arguments", (x) => x.u32("a value index")),
        results: s.u32("the number of start results"),
      });
      return undefined;
    }
    case 10:
      readVecSection(s, "imports", items, (x, offset) => ({
        kind: "import",
        offset,
        name: readExternName(x),
        type: readExternDescriptor(x),
      }));
      return undefined;
    case 11:
      readVecSection(s, "exports", items, (x, offset) => {
        const name = readExternName(x);
        const sort = readSort(x, "an export sort");
        const index = x.u32("an index");
        const type = x.flag("the presence flag of an export type ascription")
          ? readExternDescriptor(x)
          : undefined;
        return { kind: "export", offset, name, sort, index, type };
      });
      return undefined;
    case 12:
      readVecSection(s, "values", items, (x, offset) => {
        const type = readValType(x);
        const len = x.u32("the length of a value");
        return { kind: "value", offset, type, bytes: x.take(len, `a value of ${len} bytes`) };
      });
      return undefined;
    default:
      /* c8 ignore next */
      return s.fail("a section id (0 to 12)");
  }
}

/** Reads a component (preamble and sections) from `r.pos` to `r.end`. */
function readComponent(r: Reader, depth: number): ComponentAst {
  checkDepth(r, depth);
  const offset = r.pos;
  readPreamble(r);
  const items: ComponentItem[] = [];
  let names: ComponentNames | undefined;
  while (!r.atEnd) {
    const idAt = r.pos;
    const id = r.byte("a section id");
    const sectionName = SECTION_NAMES[id];
    if (sectionName === undefined) {
      r.failWith("a section id (0 to 12)", `${hex(id)} (malformed section id)`, idAt);
    }
    const what = `the ${sectionName} section`;
    const s = r.sized(what);
    const decoded = readSection(id, s, items, depth);
    s.expectEnd(what);
    names ??= decoded;
  }
  return { offset, size: r.pos - offset, items, names };
}

/**
 * Decodes a component binary into its syntax tree.
 *
 * Throws {@linkcode CompileError} (with the byte `offset`) for any malformed
 * input, and nothing else: hostile bytes cannot make it throw another error,
 * allocate beyond the input's size, loop forever or overflow the stack.
 *
 * @example Usage
 * ```ts ignore
 * import { decodeComponent } from "./decode.ts";
 * const ast = decodeComponent(await Deno.readFile("app.wasm"));
 * for (const item of ast.items) console.log(item.kind, item.offset);
 * ```
 *
 * @param bytes The component binary.
 * @returns The component's definitions in binary order.
 */
export function decodeComponent(bytes: Uint8Array): ComponentAst {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot decode component: expected a Uint8Array, received ${
        bytes === null ? "null" : typeof bytes
      }`,
    );
  }
  try {
    return readComponent(new Reader(bytes), 0);
  } catch (error) {
    if (error instanceof CompileError) throw error;
    // A bug in the decoder, not in the input: still report it as a CompileError
    // so callers can rely on the one error type, with the cause kept.
    throw new CompileError(
      "Cannot decode component: internal decoder error (a bug in Weft; please report it)",
      { cause: error },
    );
  }
}
