/**
 * The component-model value-type model shared by every Weft package.
 *
 * These are *resolved* types: type indices and outer aliases are gone, and a
 * resource type is a unique runtime object ({@linkcode ResourceType}), so two
 * types are the same resource exactly when they are the same object.
 *
 * @module
 */

/** A primitive value type (spec: `primvaltype`). */
export type PrimitiveKind =
  | "bool"
  | "s8"
  | "u8"
  | "s16"
  | "u16"
  | "s32"
  | "u32"
  | "s64"
  | "u64"
  | "f32"
  | "f64"
  | "char"
  | "string"
  | "error-context";

/** A primitive value type. */
export interface PrimitiveType {
  readonly kind: PrimitiveKind;
}

/** `list<T>`, or the fixed-length `list<T, N>` when `length` is set. */
export interface ListType {
  readonly kind: "list";
  readonly element: ValType;
  readonly length?: number;
}

/** One field of a record. `name` is the kebab-case label of the WIT. */
export interface Field {
  readonly name: string;
  readonly type: ValType;
}

/** `record { ... }`. */
export interface RecordType {
  readonly kind: "record";
  readonly fields: readonly Field[];
}

/** `tuple<...>`. */
export interface TupleType {
  readonly kind: "tuple";
  readonly types: readonly ValType[];
}

/** One case of a variant; `type` is `undefined` for a case with no payload. */
export interface Case {
  readonly name: string;
  readonly type: ValType | undefined;
}

/** `variant { ... }`. */
export interface VariantType {
  readonly kind: "variant";
  readonly cases: readonly Case[];
}

/** `enum { ... }`. */
export interface EnumType {
  readonly kind: "enum";
  readonly labels: readonly string[];
}

/** `option<T>`. */
export interface OptionType {
  readonly kind: "option";
  readonly type: ValType;
}

/** `result<T, E>`; either side may be absent (`_`). */
export interface ResultType {
  readonly kind: "result";
  readonly ok: ValType | undefined;
  readonly err: ValType | undefined;
}

/** `map<K, V>`: despecialises to `list<tuple<K, V>>`. */
export interface MapType {
  readonly kind: "map";
  readonly key: ValType;
  readonly value: ValType;
}

/** `flags { ... }`. */
export interface FlagsType {
  readonly kind: "flags";
  readonly labels: readonly string[];
}

/** `own<R>`. */
export interface OwnType {
  readonly kind: "own";
  readonly resource: ResourceType;
}

/** `borrow<R>`. */
export interface BorrowType {
  readonly kind: "borrow";
  readonly resource: ResourceType;
}

/** `stream<T>` (`element` absent for `stream`). */
export interface StreamType {
  readonly kind: "stream";
  readonly element: ValType | undefined;
}

/** `future<T>` (`element` absent for `future`). */
export interface FutureType {
  readonly kind: "future";
  readonly element: ValType | undefined;
}

/** Any component-model value type. */
export type ValType =
  | PrimitiveType
  | ListType
  | RecordType
  | TupleType
  | VariantType
  | EnumType
  | OptionType
  | ResultType
  | MapType
  | FlagsType
  | OwnType
  | BorrowType
  | StreamType
  | FutureType;

/** A named parameter of a function type. */
export interface Param {
  readonly name: string;
  readonly type: ValType;
}

/** A component-level function type (spec: `functype`). */
export interface FuncType {
  readonly params: readonly Param[];
  /** The single result type, or `undefined` for a function with no result. */
  readonly result: ValType | undefined;
  /** `true` for an `async func`. */
  readonly async: boolean;
}

/**
 * How values of one resource type look in JavaScript. Guest-implemented
 * resources get a generated class from the runtime; host-implemented ones
 * default to the embedder's own objects (see `hostResourceJs`).
 */
export interface ResourceJs {
  /**
   * The JS value for `rep` as it leaves wasm. `own` is `true` when ownership
   * passes to JS (an `own<R>`), `false` for a borrow valid during one call.
   */
  toJs(rep: number, own: boolean): unknown;
  /**
   * The representation of a JS value entering wasm. With `own`, the JS value
   * gives up ownership (a later use of it is a `TypeError`). Throws
   * `TypeError` for a value that is not of this resource type, or was moved
   * or dropped.
   */
  fromJs(value: unknown, own: boolean): number;
}

/**
 * A resource type (spec: `ResourceType`). Each `(type (resource ...))`
 * definition creates a fresh one per component instance; host resources get
 * one per JS class. Compared by identity.
 */
export class ResourceType {
  /** The name used in messages and as the JS class name. */
  readonly name: string;
  /**
   * The component instance that implements the resource (spec: `rt.impl`), or
   * `undefined` for a resource implemented by the host.
   */
  readonly instance: object | undefined;
  /** The destructor, called with the representation when an owning handle is dropped. */
  readonly dtor: ((rep: number) => void) | undefined;
  /** The JS mapping of this resource's values; the runtime may replace it once. */
  js: ResourceJs | undefined;

  /** Creates a resource type. */
  constructor(
    name: string,
    options: { instance?: object; dtor?: (rep: number) => void; js?: ResourceJs } = {},
  ) {
    this.name = name;
    this.instance = options.instance;
    this.dtor = options.dtor;
    this.js = options.js;
  }
}

/** Creates a primitive type object; the module exports one singleton per kind. */
function primitive<K extends PrimitiveKind>(kind: K): { readonly kind: K } {
  return Object.freeze({ kind });
}

/** The primitive type singletons, for building types by hand. */
export const t: {
  readonly bool: PrimitiveType;
  readonly s8: PrimitiveType;
  readonly u8: PrimitiveType;
  readonly s16: PrimitiveType;
  readonly u16: PrimitiveType;
  readonly s32: PrimitiveType;
  readonly u32: PrimitiveType;
  readonly s64: PrimitiveType;
  readonly u64: PrimitiveType;
  readonly f32: PrimitiveType;
  readonly f64: PrimitiveType;
  readonly char: PrimitiveType;
  readonly string: PrimitiveType;
  readonly errorContext: PrimitiveType;
} = Object.freeze({
  bool: primitive("bool"),
  s8: primitive("s8"),
  u8: primitive("u8"),
  s16: primitive("s16"),
  u16: primitive("u16"),
  s32: primitive("s32"),
  u32: primitive("u32"),
  s64: primitive("s64"),
  u64: primitive("u64"),
  f32: primitive("f32"),
  f64: primitive("f64"),
  char: primitive("char"),
  string: primitive("string"),
  errorContext: primitive("error-context"),
});
