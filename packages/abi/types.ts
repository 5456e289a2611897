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
  /** The discriminant of the type. */
  readonly kind: PrimitiveKind;
}

/** `list<T>`, or the fixed-length `list<T, N>` when `length` is set. */
export interface ListType {
  /** The discriminant of the type. */
  readonly kind: "list";
  /** The element type (`undefined` when there is none). */
  readonly element: ValType;
  /** The fixed length, for `list<T, N>`. */
  readonly length?: number;
}

/** One field of a record. `name` is the kebab-case label of the WIT. */
export interface Field {
  /** The kebab-case label. */
  readonly name: string;
  /** The type. */
  readonly type: ValType;
}

/** `record { ... }`. */
export interface RecordType {
  /** The discriminant of the type. */
  readonly kind: "record";
  /** The fields, in order. */
  readonly fields: readonly Field[];
}

/** `tuple<...>`. */
export interface TupleType {
  /** The discriminant of the type. */
  readonly kind: "tuple";
  /** The element types, in order. */
  readonly types: readonly ValType[];
}

/** One case of a variant; `type` is `undefined` for a case with no payload. */
export interface Case {
  /** The kebab-case label. */
  readonly name: string;
  /** The type. */
  readonly type: ValType | undefined;
}

/** `variant { ... }`. */
export interface VariantType {
  /** The discriminant of the type. */
  readonly kind: "variant";
  /** The cases, in order. */
  readonly cases: readonly Case[];
}

/** `enum { ... }`. */
export interface EnumType {
  /** The discriminant of the type. */
  readonly kind: "enum";
  /** The labels, in order. */
  readonly labels: readonly string[];
}

/** `option<T>`. */
export interface OptionType {
  /** The discriminant of the type. */
  readonly kind: "option";
  /** The type. */
  readonly type: ValType;
}

/** `result<T, E>`; either side may be absent (`_`). */
export interface ResultType {
  /** The discriminant of the type. */
  readonly kind: "result";
  /** The `ok` payload type, if any. */
  readonly ok: ValType | undefined;
  /** The `err` payload type, if any. */
  readonly err: ValType | undefined;
}

/** `map<K, V>`: despecialises to `list<tuple<K, V>>`. */
export interface MapType {
  /** The discriminant of the type. */
  readonly kind: "map";
  /** The key type. */
  readonly key: ValType;
  /** The value type. */
  readonly value: ValType;
}

/** `flags { ... }`. */
export interface FlagsType {
  /** The discriminant of the type. */
  readonly kind: "flags";
  /** The labels, in order. */
  readonly labels: readonly string[];
}

/** `own<R>`. */
export interface OwnType {
  /** The discriminant of the type. */
  readonly kind: "own";
  /** The resource type. */
  readonly resource: ResourceType;
}

/** `borrow<R>`. */
export interface BorrowType {
  /** The discriminant of the type. */
  readonly kind: "borrow";
  /** The resource type. */
  readonly resource: ResourceType;
}

/** `stream<T>` (`element` absent for `stream`). */
export interface StreamType {
  /** The discriminant of the type. */
  readonly kind: "stream";
  /** The element type (`undefined` when there is none). */
  readonly element: ValType | undefined;
}

/** `future<T>` (`element` absent for `future`). */
export interface FutureType {
  /** The discriminant of the type. */
  readonly kind: "future";
  /** The element type (`undefined` when there is none). */
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
  /** The kebab-case parameter name. */
  readonly name: string;
  /** The parameter's type. */
  readonly type: ValType;
}

/** A component-level function type (spec: `functype`). */
export interface FuncType {
  /** The parameters, in order. */
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
  /** See the spec. */
  readonly bool: PrimitiveType;
  /** See the spec. */
  readonly s8: PrimitiveType;
  /** See the spec. */
  readonly u8: PrimitiveType;
  /** See the spec. */
  readonly s16: PrimitiveType;
  /** See the spec. */
  readonly u16: PrimitiveType;
  /** See the spec. */
  readonly s32: PrimitiveType;
  /** See the spec. */
  readonly u32: PrimitiveType;
  /** See the spec. */
  readonly s64: PrimitiveType;
  /** See the spec. */
  readonly u64: PrimitiveType;
  /** See the spec. */
  readonly f32: PrimitiveType;
  /** See the spec. */
  readonly f64: PrimitiveType;
  /** See the spec. */
  readonly char: PrimitiveType;
  /** See the spec. */
  readonly string: PrimitiveType;
  /** See the spec. */
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
