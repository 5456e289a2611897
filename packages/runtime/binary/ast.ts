/**
 * The syntax tree of a decoded component binary (Binary.md).
 *
 * This is the *unresolved* form: every reference is still a raw index into
 * an index space, in binary order. Index spaces are built by walking
 * {@linkcode ComponentAst.items} in order; the validator and the linker do
 * that. Every node that starts a definition carries its byte `offset` in the
 * input given to `decodeComponent` (absolute, also inside nested components).
 *
 * @module
 */

// ---------------------------------------------------------------------------
// Sorts and indices (Binary.md § Instance Definitions)

/** A core sort (spec: `core:sort`). */
export type CoreSort =
  | "func"
  | "table"
  | "memory"
  | "global"
  | "tag"
  | "type"
  | "module"
  | "instance";

/** A component-level sort, or a core sort prefixed by `core` (spec: `sort`). */
export type Sort =
  | { readonly kind: "core"; readonly sort: CoreSort }
  | { readonly kind: "func" }
  | { readonly kind: "value" }
  | { readonly kind: "type" }
  | { readonly kind: "component" }
  | { readonly kind: "instance" };

/** A sort and an index in that sort's index space (spec: `sortidx`). */
export interface SortIndex {
  /** The index space. */
  readonly sort: Sort;
  /** The index in that space. */
  readonly index: number;
}

/** A core sort and an index in its core index space (spec: `core:sortidx`). */
export interface CoreSortIndex {
  /** The core index space. */
  readonly sort: CoreSort;
  /** The index in that space. */
  readonly index: number;
}

// ---------------------------------------------------------------------------
// Names (Binary.md § Import and Export Definitions)

/**
 * An import or export name with its attributes (spec: `nameattributes`).
 *
 * `name` is the `externname` as written (a plain name such as
 * `[method]file.read` or an interface name such as `wasi:io/streams@0.2`);
 * the decoder checks only that it is UTF-8, the validator checks its grammar.
 */
export interface ExternName {
  /** The `externname` string. */
  readonly name: string;
  /** 🔗 The `versionsuffix` attribute, if present. */
  readonly versionSuffix?: string;
  /** 🏷️ The `implements` attribute (an interface name), if present. */
  readonly implements?: string;
  /** 🏷️ The `external-id` attribute, if present. */
  readonly externalId?: string;
}

// ---------------------------------------------------------------------------
// Value types (Binary.md § Type Definitions)

/** A primitive value type (spec: `primvaltype`). */
export type PrimValType =
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

/** A value type: a primitive, or an index into the type index space (spec: `valtype`). */
export type ValType =
  | { readonly kind: "primitive"; readonly type: PrimValType }
  | { readonly kind: "type"; readonly index: number };

/** A labelled value type: a record field or a function parameter (spec: `labelvaltype`). */
export interface LabelValType {
  /** The label (kebab-case). */
  readonly name: string;
  /** The value type. */
  readonly type: ValType;
}

/** One case of a variant (spec: `case`); `type` is `undefined` for a case without payload. */
export interface VariantCase {
  /** The case label (kebab-case). */
  readonly name: string;
  /** The payload type, or `undefined` for none. */
  readonly type: ValType | undefined;
}

/** A value type definition (spec: `defvaltype`). */
export type DefValType =
  | { readonly kind: "primitive"; readonly type: PrimValType }
  | { readonly kind: "record"; readonly fields: readonly LabelValType[] }
  | { readonly kind: "variant"; readonly cases: readonly VariantCase[] }
  /** `list<T>`; 🔧 `length` is set for the fixed-length `list<T, N>`. */
  | { readonly kind: "list"; readonly element: ValType; readonly length?: number }
  | { readonly kind: "tuple"; readonly types: readonly ValType[] }
  | { readonly kind: "flags"; readonly labels: readonly string[] }
  | { readonly kind: "enum"; readonly labels: readonly string[] }
  | { readonly kind: "option"; readonly type: ValType }
  | {
    readonly kind: "result";
    readonly ok: ValType | undefined;
    readonly err: ValType | undefined;
  }
  | { readonly kind: "own"; readonly index: number }
  | { readonly kind: "borrow"; readonly index: number }
  /** 🔀 `stream<T>`; `type` is `undefined` for a stream without element type. */
  | { readonly kind: "stream"; readonly type: ValType | undefined }
  /** 🔀 `future<T>`; `type` is `undefined` for a future without payload. */
  | { readonly kind: "future"; readonly type: ValType | undefined }
  /** 🗺️ `map<K, V>`. */
  | { readonly kind: "map"; readonly key: ValType; readonly value: ValType };

/** A component function type (spec: `functype`); `async` for 🔀 `func async`. */
export interface FuncTypeAst {
  /** Discriminant. */
  readonly kind: "func";
  /** 🔀 Whether this is a `func async` type. */
  readonly async: boolean;
  /** The parameters, in order. */
  readonly params: readonly LabelValType[];
  /** The result type, or `undefined` for none. */
  readonly result: ValType | undefined;
}

/** A resource type definition (spec: `resourcetype`). */
export interface ResourceTypeAst {
  /** Discriminant. */
  readonly kind: "resource";
  /** The core representation type (validation requires `i32`). */
  readonly rep: CoreValType;
  /** The destructor's core function index, if any. */
  readonly dtor: number | undefined;
}

/** A component type (spec: `componenttype`). */
export interface ComponentTypeAst {
  /** Discriminant. */
  readonly kind: "component";
  /** The declarators, in binary order. */
  readonly declarations: readonly ComponentDecl[];
}

/** An instance type (spec: `instancetype`). */
export interface InstanceTypeAst {
  /** Discriminant. */
  readonly kind: "instance";
  /** The declarators, in binary order. */
  readonly declarations: readonly InstanceDecl[];
}

/** A component-level type definition (spec: `deftype`). */
export type TypeDef =
  | DefValType
  | FuncTypeAst
  | ComponentTypeAst
  | InstanceTypeAst
  | ResourceTypeAst;

/** A declarator of an instance type (spec: `instancedecl`). */
export type InstanceDecl =
  | { readonly kind: "core-type"; readonly offset: number; readonly type: CoreType }
  | { readonly kind: "type"; readonly offset: number; readonly type: TypeDef }
  | { readonly kind: "alias"; readonly offset: number; readonly alias: Alias }
  | {
    readonly kind: "export";
    readonly offset: number;
    readonly name: ExternName;
    readonly type: ExternDescriptor;
  };

/** A declarator of a component type (spec: `componentdecl`). */
export type ComponentDecl =
  | InstanceDecl
  | {
    readonly kind: "import";
    readonly offset: number;
    readonly name: ExternName;
    readonly type: ExternDescriptor;
  };

/** A bound on an imported or exported type (spec: `typebound`). */
export type TypeBound =
  | { readonly kind: "eq"; readonly index: number }
  | { readonly kind: "sub-resource" };

/** 🪙 A bound on an imported or exported value (spec: `valuebound`). */
export type ValueBound =
  | { readonly kind: "eq"; readonly index: number }
  | { readonly kind: "type"; readonly type: ValType };

/** The declared type of an import or export (spec: `externtype`). */
export type ExternDescriptor =
  /** `(core module (type i))`: `type` is a core type index. */
  | { readonly kind: "module"; readonly type: number }
  | { readonly kind: "func"; readonly type: number }
  | { readonly kind: "value"; readonly bound: ValueBound }
  | { readonly kind: "type"; readonly bound: TypeBound }
  | { readonly kind: "component"; readonly type: number }
  | { readonly kind: "instance"; readonly type: number };

// ---------------------------------------------------------------------------
// Core types (Binary.md § Type Definitions, core:type; core spec § Types)

/** An abstract core heap type (core spec: `absheaptype`). */
export type CoreAbsHeapType =
  | "func"
  | "extern"
  | "any"
  | "eq"
  | "i31"
  | "struct"
  | "array"
  | "exn"
  | "none"
  | "noextern"
  | "nofunc"
  | "noexn"
  | "cont"
  | "nocont";

/** A core heap type: abstract (possibly `shared`) or a core type index. */
export type CoreHeapType =
  | { readonly kind: "abstract"; readonly type: CoreAbsHeapType; readonly shared: boolean }
  | { readonly kind: "index"; readonly index: number };

/** A core value type (core spec: `valtype`). */
export type CoreValType =
  | { readonly kind: "i32" | "i64" | "f32" | "f64" | "v128" }
  | { readonly kind: "ref"; readonly nullable: boolean; readonly heap: CoreHeapType };

/** A core storage type of a struct field or array element (core spec: `storagetype`). */
export type CoreStorageType = CoreValType | { readonly kind: "i8" | "i16" };

/** A core struct field or array element type (core spec: `fieldtype`). */
export interface CoreFieldType {
  /** The storage type. */
  readonly type: CoreStorageType;
  /** Whether the field is mutable. */
  readonly mutable: boolean;
}

/** A core composite type (core spec: `comptype`); `shared` for 🧵② shared types. */
export type CoreCompType =
  | {
    readonly kind: "func";
    readonly params: readonly CoreValType[];
    readonly results: readonly CoreValType[];
    readonly shared?: boolean;
  }
  | {
    readonly kind: "struct";
    readonly fields: readonly CoreFieldType[];
    readonly shared?: boolean;
  }
  | { readonly kind: "array"; readonly element: CoreFieldType; readonly shared?: boolean }
  | { readonly kind: "cont"; readonly type: number; readonly shared?: boolean };

/** A core sub type with explicit finality and supertypes (core spec: `subtype`). */
export interface CoreSubType {
  /** Discriminant. */
  readonly kind: "sub";
  /** Whether the type is final (no subtypes). */
  readonly final: boolean;
  /** Supertype indices (core type index space). */
  readonly supertypes: readonly number[];
  /** The composite type. */
  readonly type: CoreCompType;
}

/** A recursion group of core types (core spec: `rectype`). */
export interface CoreRecType {
  /** Discriminant. */
  readonly kind: "rec";
  /** The types of the group, in order. */
  readonly types: readonly (CoreCompType | CoreSubType)[];
}

/** Limits of a core memory or table; `address64` for memory64/table64. */
export interface CoreLimits {
  /** The minimum size. */
  readonly min: bigint;
  /** The maximum size, or `undefined` for none. */
  readonly max: bigint | undefined;
  /** Whether the memory is shared (threads). */
  readonly shared: boolean;
  /** Whether the index type is 64-bit (memory64/table64). */
  readonly address64: boolean;
  /** Log2 of a custom page size, if given. */
  readonly pageSizeLog2?: number;
}

/** A core extern type (core spec: `externtype`). */
export type CoreExternType =
  | { readonly kind: "func"; readonly type: number }
  | { readonly kind: "table"; readonly element: CoreValType; readonly limits: CoreLimits }
  | { readonly kind: "memory"; readonly limits: CoreLimits }
  | {
    readonly kind: "global";
    readonly type: CoreValType;
    readonly mutable: boolean;
    readonly shared: boolean;
  }
  | { readonly kind: "tag"; readonly type: number };

/** A declarator of a core module type (spec: `core:moduledecl`). */
export type CoreModuleDecl =
  | {
    readonly kind: "import";
    readonly offset: number;
    readonly module: string;
    readonly name: string;
    readonly type: CoreExternType;
  }
  | { readonly kind: "type"; readonly offset: number; readonly type: CoreType }
  /** `(alias outer ct idx (type))`: the only core alias form. */
  | {
    readonly kind: "alias";
    readonly offset: number;
    readonly count: number;
    readonly index: number;
  }
  | {
    readonly kind: "export";
    readonly offset: number;
    readonly name: string;
    readonly type: CoreExternType;
  };

/** A core module type (spec: `core:moduletype`). */
export interface CoreModuleTypeAst {
  /** Discriminant. */
  readonly kind: "module";
  /** The declarators, in binary order. */
  readonly declarations: readonly CoreModuleDecl[];
}

/**
 * A core type definition (spec: `core:deftype`): a composite type (the common
 * case, e.g. `{ kind: "func", params, results }`), a sub type, a recursion
 * group, or a module type.
 */
export type CoreType = CoreCompType | CoreSubType | CoreRecType | CoreModuleTypeAst;

// ---------------------------------------------------------------------------
// Instances and aliases

/** `(with "name" (instance i))` (spec: `core:instantiatearg`). */
export interface CoreInstantiateArg {
  /** The import module name the argument satisfies. */
  readonly name: string;
  /** The core instance index. */
  readonly instance: number;
}

/** `(export "name" (sort i))` in an inline core instance (spec: `core:inlineexport`). */
export interface CoreInlineExport {
  /** The export name. */
  readonly name: string;
  /** The exported core sort. */
  readonly sort: CoreSort;
  /** The index in that core sort. */
  readonly index: number;
}

/** A core instance definition (spec: `core:instanceexpr`). */
export type CoreInstanceExpr =
  | {
    readonly kind: "instantiate";
    readonly module: number;
    readonly args: readonly CoreInstantiateArg[];
  }
  | { readonly kind: "exports"; readonly exports: readonly CoreInlineExport[] };

/** `(with "name" (sort i))` (spec: `instantiatearg`). */
export interface InstantiateArg {
  /** The import name of the instantiated component the argument satisfies. */
  readonly name: string;
  /** The sort of the argument. */
  readonly sort: Sort;
  /** The index in that sort. */
  readonly index: number;
}

/** `(export "name" (sort i))` in an inline instance (spec: `inlineexport`). */
export interface InlineExport {
  /** The export name. */
  readonly name: ExternName;
  /** The exported sort. */
  readonly sort: Sort;
  /** The index in that sort. */
  readonly index: number;
}

/** A component instance definition (spec: `instanceexpr`). */
export type InstanceExpr =
  | {
    readonly kind: "instantiate";
    readonly component: number;
    readonly args: readonly InstantiateArg[];
  }
  | { readonly kind: "exports"; readonly exports: readonly InlineExport[] };

/** What an alias refers to (spec: `alias`). */
export type AliasTarget =
  /** `(alias export i "n" (sort))`: an export of component instance `instance`. */
  | { readonly kind: "export"; readonly instance: number; readonly name: string }
  /** `(alias core export i "n" (sort))`: an export of core instance `instance`. */
  | { readonly kind: "core-export"; readonly instance: number; readonly name: string }
  /** `(alias outer ct idx (sort))`: `count` enclosing scopes out. */
  | { readonly kind: "outer"; readonly count: number; readonly index: number };

/** An alias definition or declarator (spec: `alias`). */
export interface Alias {
  /** The sort of the aliased definition (and of the index it adds). */
  readonly sort: Sort;
  /** What the alias refers to. */
  readonly target: AliasTarget;
}

// ---------------------------------------------------------------------------
// Canonical definitions (Binary.md § Canonical Definitions)

/** A canonical ABI option (spec: `canonopt`). */
export type CanonOpt =
  | { readonly kind: "string-encoding"; readonly encoding: "utf8" | "utf16" | "latin1+utf16" }
  | { readonly kind: "memory"; readonly index: number }
  | { readonly kind: "realloc"; readonly index: number }
  | { readonly kind: "post-return"; readonly index: number }
  /** 🔀 */
  | { readonly kind: "async" }
  /** 🔀 */
  | { readonly kind: "callback"; readonly index: number }
  /**
   * `(core-type i)`: the core function type of a GC-lowered function. Not in
   * Binary.md; wasm-tools' encoding 0x08, used by Wasmtime's `gc` tests.
   */
  | { readonly kind: "core-type"; readonly index: number }
  /** `gc`: lift/lower with GC values. Not in Binary.md; wasm-tools' encoding 0x09. */
  | { readonly kind: "gc" };

/** A built-in without immediates. */
export type CanonPlain<K extends string> = { readonly kind: K };
/** A built-in with only a type index immediate (a resource, stream or future type). */
export type CanonTyped<K extends string> = { readonly kind: K; readonly type: number };
/** A built-in with a type index and canonical options. */
export type CanonTypedOpts<K extends string> = {
  readonly kind: K;
  readonly type: number;
  readonly options: readonly CanonOpt[];
};
/** A built-in with a type index and the `async?` flag. */
export type CanonTypedAsync<K extends string> = {
  readonly kind: K;
  readonly type: number;
  readonly async: boolean;
};
/** A built-in with only the `cancel?` flag. */
export type CanonCancellable<K extends string> = {
  readonly kind: K;
  readonly cancellable: boolean;
};

/**
 * A canonical definition (spec: `canon`). `kind` is the built-in's text-format
 * name. Every form but `lift` defines a core function; `lift` defines a
 * component function.
 */
export type Canon =
  | {
    readonly kind: "lift";
    readonly coreFunc: number;
    readonly options: readonly CanonOpt[];
    readonly type: number;
  }
  | { readonly kind: "lower"; readonly func: number; readonly options: readonly CanonOpt[] }
  | CanonTyped<"resource.new" | "resource.drop" | "resource.rep">
  | CanonPlain<"backpressure.inc" | "backpressure.dec">
  | {
    readonly kind: "task.return";
    readonly result: ValType | undefined;
    readonly options: readonly CanonOpt[];
  }
  | CanonPlain<"task.cancel">
  | {
    readonly kind: "context.get" | "context.set";
    readonly type: CoreValType;
    readonly index: number;
  }
  | { readonly kind: "subtask.cancel"; readonly async: boolean }
  | CanonPlain<"subtask.drop">
  | CanonTyped<
    | "stream.new"
    | "stream.drop-readable"
    | "stream.drop-writable"
    | "future.new"
    | "future.drop-readable"
    | "future.drop-writable"
  >
  | CanonTypedOpts<"stream.read" | "stream.write" | "future.read" | "future.write">
  | CanonTypedAsync<
    "stream.cancel-read" | "stream.cancel-write" | "future.cancel-read" | "future.cancel-write"
  >
  | {
    readonly kind: "error-context.new" | "error-context.debug-message";
    readonly options: readonly CanonOpt[];
  }
  | CanonPlain<"error-context.drop">
  | CanonPlain<"waitable-set.new" | "waitable-set.drop" | "waitable.join">
  | {
    readonly kind: "waitable-set.wait" | "waitable-set.poll";
    readonly cancellable: boolean;
    readonly memory: number;
  }
  | CanonPlain<"thread.index" | "thread.resume-later">
  | { readonly kind: "thread.new-indirect"; readonly type: number; readonly table: number }
  | CanonCancellable<
    | "thread.suspend"
    | "thread.yield"
    | "thread.suspend-then-resume"
    | "thread.yield-then-resume"
    | "thread.suspend-then-promote"
    | "thread.yield-then-promote"
  >
  | { readonly kind: "thread.spawn-ref"; readonly shared: boolean; readonly type: number }
  | {
    readonly kind: "thread.spawn-indirect";
    readonly shared: boolean;
    readonly type: number;
    readonly table: number;
  }
  | { readonly kind: "thread.available-parallelism"; readonly shared: boolean };

/** The `kind` of every canonical built-in. */
export type CanonKind = Canon["kind"];

// ---------------------------------------------------------------------------
// Component items (Binary.md § Component Definitions)

/** An embedded core module: its bytes (a view on the input), not decoded further. */
export interface CoreModuleItem {
  /** Discriminant. */
  readonly kind: "core-module";
  /** Offset of the module's first byte (its `\0asm` magic). */
  readonly offset: number;
  /**
   * The module's bytes, for `WebAssembly.compile`: a view on the decoder's
   * input (a copy only when that is in a `SharedArrayBuffer`), so it changes
   * if the input does.
   */
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/** A core instance definition. */
export interface CoreInstanceItem {
  /** Discriminant. */
  readonly kind: "core-instance";
  /** Byte offset of the definition in the input. */
  readonly offset: number;
  /** How the instance is made. */
  readonly instance: CoreInstanceExpr;
}

/** A core type definition. */
export interface CoreTypeItem {
  /** Discriminant. */
  readonly kind: "core-type";
  /** Byte offset of the definition in the input. */
  readonly offset: number;
  /** The core type. */
  readonly type: CoreType;
}

/** A nested component definition. */
export interface NestedComponentItem {
  /** Discriminant. */
  readonly kind: "component";
  /** Byte offset of the nested component's preamble in the input. */
  readonly offset: number;
  /** The nested component. */
  readonly component: ComponentAst;
}

/** A component instance definition. */
export interface InstanceItem {
  /** Discriminant. */
  readonly kind: "instance";
  /** Byte offset of the definition in the input. */
  readonly offset: number;
  /** How the instance is made. */
  readonly instance: InstanceExpr;
}

/** An alias definition. */
export interface AliasItem {
  /** Discriminant. */
  readonly kind: "alias";
  /** Byte offset of the definition in the input. */
  readonly offset: number;
  /** The alias. */
  readonly alias: Alias;
}

/** A component-level type definition. */
export interface TypeItem {
  /** Discriminant. */
  readonly kind: "type";
  /** Byte offset of the definition in the input. */
  readonly offset: number;
  /** The type. */
  readonly type: TypeDef;
}

/** A canonical definition. */
export interface CanonItem {
  /** Discriminant. */
  readonly kind: "canon";
  /** Byte offset of the definition in the input. */
  readonly offset: number;
  /** The built-in and its immediates. */
  readonly canon: Canon;
}

/** 🪙 A start definition: call `func` with values `args`, producing `results` values. */
export interface StartItem {
  /** Discriminant. */
  readonly kind: "start";
  /** Byte offset of the definition in the input. */
  readonly offset: number;
  /** The function index. */
  readonly func: number;
  /** The argument value indices. */
  readonly args: readonly number[];
  /** The number of result values. */
  readonly results: number;
}

/** An import definition. */
export interface ImportItem {
  /** Discriminant. */
  readonly kind: "import";
  /** Byte offset of the definition in the input. */
  readonly offset: number;
  /** The import name and attributes. */
  readonly name: ExternName;
  /** The imported item's declared type. */
  readonly type: ExternDescriptor;
}

/** An export definition; `type` is the optional type ascription. */
export interface ExportItem {
  /** Discriminant. */
  readonly kind: "export";
  /** Byte offset of the definition in the input. */
  readonly offset: number;
  /** The export name and attributes. */
  readonly name: ExternName;
  /** The exported definition's sort. */
  readonly sort: Sort;
  /** The exported definition's index. */
  readonly index: number;
  /** The ascribed type, or `undefined` for none (the inferred type). */
  readonly type: ExternDescriptor | undefined;
}

/**
 * 🪙 A value definition. The value's bytes (`val(t)`) are kept undecoded
 * because their shape depends on the resolved type.
 */
export interface ValueItem {
  /** Discriminant. */
  readonly kind: "value";
  /** Byte offset of the definition in the input. */
  readonly offset: number;
  /** The value's type. */
  readonly type: ValType;
  /** The encoded value (`val(t)`, a copy). */
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/** A custom section (including the `component-name` section), in binary order. */
export interface CustomItem {
  /** Discriminant. */
  readonly kind: "custom";
  /** Byte offset of the section's payload (its name) in the input. */
  readonly offset: number;
  /** The custom section's name. */
  readonly name: string;
  /** The section's payload after its name (a view on the input, as for core modules). */
  readonly data: Uint8Array<ArrayBuffer>;
}

/** One definition of a component, in binary order. */
export type ComponentItem =
  | CoreModuleItem
  | CoreInstanceItem
  | CoreTypeItem
  | NestedComponentItem
  | InstanceItem
  | AliasItem
  | TypeItem
  | CanonItem
  | StartItem
  | ImportItem
  | ExportItem
  | ValueItem
  | CustomItem;

/** The names of one sort's index space from the name section. */
export interface SortNames {
  /** The index space named. */
  readonly sort: Sort;
  /** Index → name, in the order given. */
  readonly names: ReadonlyMap<number, string>;
}

/**
 * The decoded `component-name` custom section (Binary.md § Name Section).
 * A malformed name section is not an error (the spec says engines must not
 * reject it); it is then left out and only kept as a {@linkcode CustomItem}.
 */
export interface ComponentNames {
  /** The component's own name, if given. */
  readonly component: string | undefined;
  /** Names per sort. */
  readonly sorts: readonly SortNames[];
}

/** A decoded component (spec: `component`). */
export interface ComponentAst {
  /** Offset of the preamble (`\0asm`) in the input. */
  readonly offset: number;
  /** Length in bytes, from the preamble to the end of the last section. */
  readonly size: number;
  /** Every definition and custom section, in binary order. */
  readonly items: readonly ComponentItem[];
  /** The first well-formed `component-name` section, if any. */
  readonly names: ComponentNames | undefined;
}
