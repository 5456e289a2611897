/**
 * A component's imports and exports sorted the way WIT reads them: named
 * types, resources with their constructor, methods and static functions, and
 * plain functions; and interface names split into package and interface.
 * `weft types` prints this as WIT and as TypeScript.
 *
 * @module
 */
import { type ExternDesc, type FuncType, ResourceType, type ValType } from "@weft/runtime";

/** A named type an interface exports. */
export interface NamedType {
  /** The kebab-case name. */
  name: string;
  /** The type (a resource type object for a resource). */
  type: ValType | ResourceType;
}

/** A function an interface or world exports. */
export interface NamedFunc {
  /** The name within its resource or interface (`blocking-read`, not `[method]…`). */
  name: string;
  /** The function type (a method's `self` included). */
  type: FuncType;
}

/** A resource and the functions of an interface that belong to it. */
export interface ResourceModel {
  /** The resource's kebab-case name. */
  name: string;
  /** The resource type object. */
  type: ResourceType;
  /** `[constructor]name`, if exported. */
  constructor: FuncType | undefined;
  /** `[method]name.m`, in order. */
  methods: NamedFunc[];
  /** `[static]name.s`, in order. */
  statics: NamedFunc[];
}

/** The contents of an instance type (an interface). */
export interface InterfaceModel {
  /** Named types other than resources, in order. */
  types: NamedType[];
  /** Resources, in order, with their functions. */
  resources: ResourceModel[];
  /** Plain functions, in order. */
  funcs: NamedFunc[];
  /** Names of items WIT cannot express (nested instances, components, modules, values). */
  other: { name: string; kind: string }[];
}

/** Whether `type` is a resource type object rather than a value type. */
export function isResource(type: ValType | ResourceType | FuncType): type is ResourceType {
  return type instanceof ResourceType;
}

/**
 * Whether `type` can be told apart by identity, so that a name given to it
 * names it everywhere: resources, and the kinds WIT only writes by name
 * (record, variant, enum, flags). The runtime shares other type objects
 * (every `u64` is one object), so `type instant = u64` must not turn every
 * `u64` into `instant`.
 */
export function isNominal(type: ValType | ResourceType): boolean {
  if (isResource(type)) return true;
  return type.kind === "record" || type.kind === "variant" || type.kind === "enum" ||
    type.kind === "flags";
}

/** Sorts the items of an instance type into an {@linkcode InterfaceModel}. */
export function interfaceModel(items: readonly ExternDesc[]): InterfaceModel {
  const model: InterfaceModel = { types: [], resources: [], funcs: [], other: [] };
  const resource = (name: string): ResourceModel | undefined =>
    model.resources.find((r) => r.name === name);
  for (const item of items) {
    const { type } = item;
    if (type.kind === "type") {
      const t = type.type;
      if (t === undefined || "params" in t) {
        model.other.push({ name: item.name, kind: "type" });
      } else if (isResource(t)) {
        model.resources.push({
          name: item.name,
          type: t,
          constructor: undefined,
          methods: [],
          statics: [],
        });
      } else model.types.push({ name: item.name, type: t });
    } else if (type.kind === "func") {
      const annotated = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/.exec(item.name);
      const owner = annotated === null ? undefined : resource(annotated[2]!);
      if (annotated === null || owner === undefined) {
        model.funcs.push({ name: item.name, type: type.type });
      } else if (annotated[1] === "constructor") owner.constructor = type.type;
      else if (annotated[1] === "method") {
        owner.methods.push({ name: annotated[3] ?? "", type: type.type });
      } else owner.statics.push({ name: annotated[3] ?? "", type: type.type });
    } else model.other.push({ name: item.name, kind: type.kind });
  }
  return model;
}

/** An interface name split up: `wasi:io/streams@0.2.0`. */
export interface InterfaceName {
  /** `wasi`. */
  namespace: string;
  /** `io`. */
  package: string;
  /** `streams`. */
  name: string;
  /** `0.2.0`, or `undefined` when unversioned. */
  version: string | undefined;
}

/** Splits a `ns:pkg/iface[@version]` name, or `undefined` for a plain name. */
export function parseInterfaceName(name: string): InterfaceName | undefined {
  const match = /^([a-z][\w-]*):([a-z][\w:-]*)\/([a-z][\w-]*)(?:@(.+))?$/i.exec(name);
  if (match === null) return undefined;
  return { namespace: match[1]!, package: match[2]!, name: match[3]!, version: match[4] };
}
