/**
 * Component-level constants of `.wast` scripts (`(u32.const 1)`,
 * `(record.const (field "a" u32.const 1))`, …): reading them, turning them
 * into the JS values of jco's mapping for a given value type, and comparing
 * a function's actual JS result with the expected one.
 *
 * @module
 */
import { typedArrayOf, type ValType } from "@weft/abi";
import { headOf, type SExpr, stringText } from "./sexpr.ts";

/** An integer constant kind. */
export type IntKind = "u8" | "s8" | "u16" | "s16" | "u32" | "s32" | "u64" | "s64";

/** A constant as written in a script, before any type is applied. */
export type Const =
  | { readonly kind: "int"; readonly type: IntKind; readonly value: bigint }
  | { readonly kind: "float"; readonly type: "f32" | "f64"; readonly value: number }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "char"; readonly value: string }
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "list"; readonly items: readonly Const[] }
  | { readonly kind: "record"; readonly fields: readonly { name: string; value: Const }[] }
  | { readonly kind: "tuple"; readonly items: readonly Const[] }
  | { readonly kind: "variant"; readonly case: string; readonly value: Const | undefined }
  | { readonly kind: "enum"; readonly label: string }
  | { readonly kind: "option"; readonly value: Const | undefined }
  | { readonly kind: "result"; readonly ok: boolean; readonly value: Const | undefined }
  | { readonly kind: "flags"; readonly labels: readonly string[] };

const INT_RANGES: Record<IntKind, readonly [bigint, bigint]> = {
  u8: [0n, 0xffn],
  s8: [-0x80n, 0x7fn],
  u16: [0n, 0xffffn],
  s16: [-0x8000n, 0x7fffn],
  u32: [0n, 0xffff_ffffn],
  s32: [-0x8000_0000n, 0x7fff_ffffn],
  u64: [0n, 0xffff_ffff_ffff_ffffn],
  s64: [-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn],
};

/** Reads a constant from its s-expression, e.g. `(u32.const 1)`. Throws `SyntaxError`. */
export function readConst(node: SExpr): Const {
  if (node.kind !== "list") {
    throw new SyntaxError(`Cannot read constant on line ${node.line}: expected a list`);
  }
  const head = headOf(node);
  if (head === undefined) {
    throw new SyntaxError(`Cannot read constant on line ${node.line}: expected a keyword`);
  }
  return readConstParts(head, node.items.slice(1), node.line);
}

function readConstParts(head: string, rest: readonly SExpr[], line: number): Const {
  const where = `(${head} …) on line ${line}`;
  const atomArg = (): string => {
    const a = rest[0];
    if (a?.kind !== "atom" || rest.length !== 1) {
      throw new SyntaxError(`Cannot read ${where}: expected one token`);
    }
    return a.value;
  };
  const stringArg = (): string => {
    const a = rest[0];
    if (a?.kind !== "string" || rest.length !== 1) {
      throw new SyntaxError(`Cannot read ${where}: expected one string`);
    }
    return stringText(a);
  };
  const optionalPayload = (items: readonly SExpr[]): Const | undefined => {
    if (items.length === 0) return undefined;
    const [first] = items;
    if (items.length === 1 && first!.kind === "list") return readConst(first!);
    throw new SyntaxError(`Cannot read ${where}: expected at most one (…) payload`);
  };
  switch (head) {
    case "u8.const":
    case "s8.const":
    case "u16.const":
    case "s16.const":
    case "u32.const":
    case "s32.const":
    case "u64.const":
    case "s64.const": {
      const type = head.slice(0, -6) as IntKind;
      return { kind: "int", type, value: parseInteger(atomArg(), type) };
    }
    case "f32.const":
    case "f64.const": {
      const type = head.slice(0, 3) as "f32" | "f64";
      return { kind: "float", type, value: parseFloatLiteral(atomArg(), type) };
    }
    case "bool.const": {
      const v = atomArg();
      if (v !== "true" && v !== "false") {
        throw new SyntaxError(`Cannot read ${where}: expected true or false, received ${v}`);
      }
      return { kind: "bool", value: v === "true" };
    }
    case "char.const": {
      const v = stringArg();
      if ([...v].length !== 1) {
        throw new SyntaxError(`Cannot read ${where}: expected one character, received "${v}"`);
      }
      return { kind: "char", value: v };
    }
    case "str.const":
      return { kind: "string", value: stringArg() };
    case "list.const":
      return { kind: "list", items: rest.map(readConst) };
    case "tuple.const":
      return { kind: "tuple", items: rest.map(readConst) };
    case "record.const":
      return { kind: "record", fields: rest.map(readField) };
    case "variant.const": {
      const [name, ...payload] = rest;
      if (name?.kind !== "string") {
        throw new SyntaxError(`Cannot read ${where}: expected a case name string`);
      }
      return { kind: "variant", case: stringText(name), value: optionalPayload(payload) };
    }
    case "enum.const":
      return { kind: "enum", label: stringArg() };
    case "option.none":
      if (rest.length !== 0) throw new SyntaxError(`Cannot read ${where}: expected no payload`);
      return { kind: "option", value: undefined };
    case "option.some": {
      const value = optionalPayload(rest);
      if (value === undefined) throw new SyntaxError(`Cannot read ${where}: expected a payload`);
      return { kind: "option", value };
    }
    case "result.ok":
    case "result.err":
      return { kind: "result", ok: head === "result.ok", value: optionalPayload(rest) };
    case "flags.const":
      return {
        kind: "flags",
        labels: rest.map((r) => {
          if (r.kind !== "string") {
            throw new SyntaxError(`Cannot read ${where}: expected label strings`);
          }
          return stringText(r);
        }),
      };
    default:
      throw new SyntaxError(`Cannot read constant on line ${line}: unknown form (${head} …)`);
  }
}

/** `(field "name" (u32.const 1))`, or the wast crate's form `(field "name" u32.const 1)`. */
function readField(node: SExpr): { name: string; value: Const } {
  if (node.kind !== "list" || headOf(node) !== "field") {
    throw new SyntaxError(`Cannot read record field on line ${node.line}: expected (field …)`);
  }
  const [, name, ...value] = node.items;
  if (name?.kind !== "string") {
    throw new SyntaxError(`Cannot read record field on line ${node.line}: expected a name`);
  }
  const first = value[0];
  if (first?.kind === "list" && value.length === 1) {
    return { name: stringText(name), value: readConst(first) };
  }
  if (first?.kind === "atom") {
    return {
      name: stringText(name),
      value: readConstParts(first.value, value.slice(1), node.line),
    };
  }
  throw new SyntaxError(`Cannot read record field on line ${node.line}: expected a value`);
}

/** Parses an integer literal (`-1`, `0xff`, `1_000`) and checks it fits `type`. */
export function parseInteger(text: string, type: IntKind): bigint {
  const m = /^([+-]?)(0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|[0-9](?:_?[0-9])*)$/.exec(text);
  if (m === null) throw new SyntaxError(`Cannot read ${type} literal: received "${text}"`);
  const magnitude = BigInt(m[2]!.replaceAll("_", ""));
  const value = m[1] === "-" ? -magnitude : magnitude;
  const [min, max] = INT_RANGES[type];
  if (value < min || value > max) {
    throw new RangeError(`Cannot read ${type} literal: ${text} is out of range`);
  }
  return value;
}

/**
 * Parses a float literal: decimal, hex (`0x1.8p3`), `inf`, `nan`, `nan:0x…`.
 * NaN payloads are not kept (JS cannot carry them reliably; the canonical ABI
 * canonicalises NaNs anyway).
 */
export function parseFloatLiteral(text: string, type: "f32" | "f64"): number {
  const m = /^([+-]?)(.*)$/.exec(text)!;
  const sign = m[1] === "-" ? -1 : 1;
  const body = m[2]!.replaceAll("_", "");
  let value: number;
  if (body === "inf") {
    value = Infinity;
  } else if (body === "nan" || /^nan:0x[0-9a-fA-F]+$/.test(body)) {
    return NaN;
  } else if (/^0x/i.test(body)) {
    value = parseHexFloat(body, text);
  } else if (/^[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?$/.test(body)) {
    value = Number(body);
  } else {
    throw new SyntaxError(`Cannot read ${type} literal: received "${text}"`);
  }
  value *= sign;
  return type === "f32" ? Math.fround(value) : value;
}

function parseHexFloat(body: string, text: string): number {
  const m = /^0x([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?[0-9]+))?$/.exec(body);
  if (m === null || (m[1] === "" && (m[2] ?? "") === "")) {
    throw new SyntaxError(`Cannot read hex float literal: received "${text}"`);
  }
  const digits = `${m[1]}${m[2] ?? ""}`;
  const mantissa = BigInt(`0x${digits}`);
  if (mantissa === 0n) return 0;
  let exponent = Number(m[3] ?? "0") - 4 * (m[2] ?? "").length;
  // Number(bigint) rounds to nearest; scaling by powers of two is then exact
  // unless the result is subnormal (a double rounding we accept here).
  let value = Number(mantissa);
  while (exponent > 0) {
    const step = Math.min(exponent, 1000);
    value *= 2 ** step;
    exponent -= step;
  }
  while (exponent < 0) {
    const step = Math.min(-exponent, 1000);
    value /= 2 ** step;
    exponent += step;
  }
  return value;
}

/** jco's lowerCamelCase of a kebab-case label (`"foo-bar"` → `"fooBar"`). */
export function camelCase(label: string): string {
  return label.split("-").map((word, i) => {
    const lower = word.toLowerCase();
    return i === 0 ? lower : lower.charAt(0).toUpperCase() + lower.slice(1);
  }).join("");
}

function isNestedOption(type: ValType & { kind: "option" }): boolean {
  return type.type.kind === "option";
}

/** A short description of a constant, for messages. */
export function describeConst(c: Const): string {
  switch (c.kind) {
    case "int":
    case "float":
      return `(${c.type}.const ${c.value})`;
    case "bool":
      return `(bool.const ${c.value})`;
    case "char":
      return `(char.const ${JSON.stringify(c.value)})`;
    case "string":
      return `(str.const ${JSON.stringify(c.value)})`;
    case "enum":
      return `(enum.const ${JSON.stringify(c.label)})`;
    case "variant":
      return `(variant.const ${JSON.stringify(c.case)}${
        c.value === undefined ? "" : ` ${describeConst(c.value)}`
      })`;
    case "option":
      return c.value === undefined ? "(option.none)" : `(option.some ${describeConst(c.value)})`;
    case "result":
      return `(result.${c.ok ? "ok" : "err"}${
        c.value === undefined ? "" : ` ${describeConst(c.value)}`
      })`;
    default:
      return `(${c.kind}.const …)`;
  }
}

function mismatch(c: Const, type: ValType, path: string): TypeError {
  return new TypeError(
    `Cannot convert ${describeConst(c)} to ${type.kind}${path === "" ? "" : ` at ${path}`}`,
  );
}

/**
 * Converts a constant to its JS value under jco's mapping for `type`. With no
 * type (the runtime did not describe the function), the constant's own form
 * decides. Throws `TypeError` when the constant does not fit the type.
 */
export function toJs(c: Const, type: ValType | undefined): unknown {
  return convert(c, type, "");
}

function convert(c: Const, type: ValType | undefined, path: string): unknown {
  if (type === undefined) return toJsUntyped(c);
  switch (type.kind) {
    case "bool":
      if (c.kind !== "bool") throw mismatch(c, type, path);
      return c.value;
    case "u8":
    case "s8":
    case "u16":
    case "s16":
    case "u32":
    case "s32":
      if (c.kind !== "int" || c.type !== type.kind) throw mismatch(c, type, path);
      return Number(c.value);
    case "u64":
    case "s64":
      if (c.kind !== "int" || c.type !== type.kind) throw mismatch(c, type, path);
      return c.value;
    case "f32":
    case "f64":
      if (c.kind !== "float" || c.type !== type.kind) throw mismatch(c, type, path);
      return c.value;
    case "char":
      if (c.kind !== "char") throw mismatch(c, type, path);
      return c.value;
    case "string":
      if (c.kind !== "string") throw mismatch(c, type, path);
      return c.value;
    case "list": {
      if (c.kind !== "list") throw mismatch(c, type, path);
      const items = c.items.map((item, i) => convert(item, type.element, `${path}[${i}]`));
      const Typed = typedArrayOf(type.element);
      if (Typed === undefined) return items;
      return new (Typed as new (items: unknown[]) => ArrayLike<unknown>)(items);
    }
    case "map": {
      if (c.kind !== "list") throw mismatch(c, type, path);
      const pairs = c.items.map((entry, i): [unknown, unknown] => {
        if (entry.kind !== "tuple" || entry.items.length !== 2) throw mismatch(entry, type, path);
        return [
          convert(entry.items[0]!, type.key, `${path}[${i}][0]`),
          convert(entry.items[1]!, type.value, `${path}[${i}][1]`),
        ];
      });
      const map = new Map(pairs);
      // A script may repeat a key (the ABI keeps every pair); a JS Map cannot
      // hold that, so such a value goes as the pairs, which lowering accepts.
      return map.size === pairs.length ? map : pairs;
    }
    case "record": {
      if (c.kind !== "record" || c.fields.length !== type.fields.length) {
        throw mismatch(c, type, path);
      }
      const out: Record<string, unknown> = {};
      type.fields.forEach((field, i) => {
        const given = c.fields[i]!;
        if (given.name !== field.name) throw mismatch(c, type, path);
        out[camelCase(field.name)] = convert(given.value, field.type, `${path}.${field.name}`);
      });
      return out;
    }
    case "tuple":
      if (c.kind !== "tuple" || c.items.length !== type.types.length) {
        throw mismatch(c, type, path);
      }
      return c.items.map((item, i) => convert(item, type.types[i], `${path}[${i}]`));
    case "variant": {
      if (c.kind !== "variant") throw mismatch(c, type, path);
      const which = type.cases.find((k) => k.name === c.case);
      if (which === undefined || (which.type === undefined) !== (c.value === undefined)) {
        throw mismatch(c, type, path);
      }
      return which.type === undefined
        ? { tag: c.case }
        : { tag: c.case, val: convert(c.value!, which.type, `${path}.${c.case}`) };
    }
    case "enum":
      if (c.kind !== "enum" || !type.labels.includes(c.label)) throw mismatch(c, type, path);
      return c.label;
    case "option": {
      if (c.kind !== "option") throw mismatch(c, type, path);
      const inner = c.value === undefined ? undefined : convert(c.value, type.type, `${path}?`);
      if (!isNestedOption(type)) return inner;
      return c.value === undefined ? { tag: "none" } : { tag: "some", val: inner };
    }
    case "result": {
      if (c.kind !== "result") throw mismatch(c, type, path);
      const payloadType = c.ok ? type.ok : type.err;
      if ((payloadType === undefined) !== (c.value === undefined)) throw mismatch(c, type, path);
      const val = c.value === undefined ? undefined : convert(c.value, payloadType, path);
      return { tag: c.ok ? "ok" : "err", val };
    }
    case "flags": {
      if (c.kind !== "flags") throw mismatch(c, type, path);
      for (const label of c.labels) {
        if (!type.labels.includes(label)) throw mismatch(c, type, path);
      }
      return Object.fromEntries(type.labels.map((l) => [camelCase(l), c.labels.includes(l)]));
    }
    default:
      throw new TypeError(
        `Cannot convert ${describeConst(c)} to ${type.kind}: scripts cannot write such values`,
      );
  }
}

/** The JS value of a constant by its own form alone (no type information). */
function toJsUntyped(c: Const): unknown {
  switch (c.kind) {
    case "int":
      return c.type === "u64" || c.type === "s64" ? c.value : Number(c.value);
    case "float":
    case "bool":
    case "char":
    case "string":
      return c.value;
    case "list":
    case "tuple":
      return c.items.map(toJsUntyped);
    case "record":
      return Object.fromEntries(c.fields.map((f) => [camelCase(f.name), toJsUntyped(f.value)]));
    case "variant":
      return c.value === undefined ? { tag: c.case } : { tag: c.case, val: toJsUntyped(c.value) };
    case "enum":
      return c.label;
    case "option":
      return c.value === undefined ? undefined : toJsUntyped(c.value);
    case "result":
      return {
        tag: c.ok ? "ok" : "err",
        val: c.value === undefined ? undefined : toJsUntyped(c.value),
      };
    case "flags":
      return Object.fromEntries(c.labels.map((l) => [camelCase(l), true]));
  }
}

/**
 * Compares an actual JS value with an expected one under `type`. Returns
 * `undefined` when equal, else a description of the first difference. NaN
 * equals NaN; otherwise floats compare with `Object.is` (so `-0 ≠ 0`).
 */
export function compareValues(
  actual: unknown,
  expected: unknown,
  type: ValType | undefined,
): string | undefined {
  return compare(actual, expected, type, "");
}

function compare(
  actual: unknown,
  expected: unknown,
  type: ValType | undefined,
  path: string,
): string | undefined {
  const differ = (): string =>
    `${path === "" ? "" : `at ${path}: `}expected ${formatValue(expected)}, got ${
      formatValue(actual)
    }`;
  if (type === undefined) return deepEqual(actual, expected) ? undefined : differ();
  switch (type.kind) {
    case "f32":
    case "f64":
      if (typeof actual !== "number") return differ();
      if (Number.isNaN(expected)) return Number.isNaN(actual) ? undefined : differ();
      return Object.is(actual, expected) ? undefined : differ();
    case "list": {
      const Typed = typedArrayOf(type.element);
      if (Typed !== undefined) {
        if (!(actual instanceof Typed)) {
          return `${path === "" ? "" : `at ${path}: `}expected a ${Typed.name}, got ${
            formatValue(actual)
          }`;
        }
      } else if (!Array.isArray(actual)) {
        return differ();
      }
      const a = actual as ArrayLike<unknown>;
      const e = expected as ArrayLike<unknown>;
      if (a.length !== e.length) return differ();
      for (let i = 0; i < e.length; i++) {
        const d = compare(a[i], e[i], type.element, `${path}[${i}]`);
        if (d !== undefined) return d;
      }
      return undefined;
    }
    case "map": {
      if (!(actual instanceof Map)) return differ();
      const e = expected as Map<unknown, unknown>;
      if (actual.size !== e.size) return differ();
      for (const [k, v] of e) {
        if (!actual.has(k)) return differ();
        const d = compare(actual.get(k), v, type.value, `${path}[${formatValue(k)}]`);
        if (d !== undefined) return d;
      }
      return undefined;
    }
    case "record": {
      if (!isObject(actual)) return differ();
      const e = expected as Record<string, unknown>;
      for (const field of type.fields) {
        const key = camelCase(field.name);
        const d = compare(actual[key], e[key], field.type, `${path}.${key}`);
        if (d !== undefined) return d;
      }
      return undefined;
    }
    case "tuple": {
      if (!Array.isArray(actual) || actual.length !== type.types.length) return differ();
      const e = expected as unknown[];
      for (let i = 0; i < type.types.length; i++) {
        const d = compare(actual[i], e[i], type.types[i], `${path}[${i}]`);
        if (d !== undefined) return d;
      }
      return undefined;
    }
    case "variant": {
      const e = expected as { tag: string; val?: unknown };
      if (!isObject(actual) || actual.tag !== e.tag) return differ();
      const which = type.cases.find((k) => k.name === e.tag);
      if (which?.type === undefined) return undefined;
      return compare(actual.val, e.val, which.type, `${path}.${e.tag}`);
    }
    case "option": {
      if (isNestedOption(type)) {
        const e = expected as { tag: string; val?: unknown };
        if (!isObject(actual) || actual.tag !== e.tag) return differ();
        return e.tag === "none" ? undefined : compare(actual.val, e.val, type.type, path);
      }
      if (expected === undefined) return actual === undefined ? undefined : differ();
      if (actual === undefined) return differ();
      return compare(actual, expected, type.type, `${path}?`);
    }
    case "result": {
      const e = expected as { tag: string; val?: unknown };
      if (!isObject(actual) || actual.tag !== e.tag) return differ();
      const payloadType = e.tag === "ok" ? type.ok : type.err;
      if (payloadType === undefined) return undefined;
      return compare(actual.val, e.val, payloadType, `${path}.${e.tag}`);
    }
    case "flags": {
      if (!isObject(actual)) return differ();
      const e = expected as Record<string, boolean>;
      for (const label of type.labels) {
        const key = camelCase(label);
        if (actual[key] !== e[key]) return differ();
      }
      return undefined;
    }
    default:
      return actual === expected ? undefined : differ();
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") {
    return Number.isNaN(a) ? Number.isNaN(b) : Object.is(a, b);
  }
  if (a === b) return true;
  if (!isObject(a) || !isObject(b)) return false;
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of b) if (!a.has(k) || !deepEqual(a.get(k), v)) return false;
    return true;
  }
  const aList = Array.isArray(a) || ArrayBuffer.isView(a);
  const bList = Array.isArray(b) || ArrayBuffer.isView(b);
  if (aList || bList) {
    if (!aList || !bList) return false;
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
  return true;
}

/** Renders a JS value for messages: bigints with `n`, typed arrays by class, `Map`s. */
export function formatValue(value: unknown): string {
  return format(value, 0);
}

function format(value: unknown, depth: number): string {
  if (depth > 4) return "…";
  switch (typeof value) {
    case "bigint":
      return `${value}n`;
    case "string":
      return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "undefined":
      return "undefined";
    case "function":
      return `[function ${value.name}]`;
    case "object": {
      if (value === null) return "null";
      if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
        const items = Array.from(value as unknown as ArrayLike<unknown>).slice(0, 16);
        return `${value.constructor.name}[${items.map((v) => format(v, depth + 1)).join(", ")}${
          (value as unknown as ArrayLike<unknown>).length > 16 ? ", …" : ""
        }]`;
      }
      if (Array.isArray(value)) {
        const items = value.slice(0, 16).map((v) => format(v, depth + 1));
        return `[${items.join(", ")}${value.length > 16 ? ", …" : ""}]`;
      }
      if (value instanceof Map) {
        const items = [...value].slice(0, 16).map(([k, v]) =>
          `${format(k, depth + 1)} => ${format(v, depth + 1)}`
        );
        return `Map{${items.join(", ")}}`;
      }
      if (value instanceof Error) return `${value.name}: ${value.message}`;
      const entries = Object.entries(value).map(([k, v]) => `${k}: ${format(v, depth + 1)}`);
      const name = value.constructor !== Object && value.constructor?.name;
      return `${name ? `${name} ` : ""}{${entries.join(", ")}}`;
    }
    default:
      return String(value);
  }
}
