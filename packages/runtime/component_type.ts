/**
 * The types of a component's imports and exports, as `@weft/abi` value
 * types: what `component.type` describes, and what the conformance runner and
 * `weft types` read.
 *
 * @module
 */
import type { FuncType, ResourceType, ValType } from "@weft/abi";
import type { Item, TypeEntry } from "./_items.ts";

/** The type of one import or export. */
export type ExternType =
  | { readonly kind: "func"; readonly type: FuncType }
  | { readonly kind: "instance"; readonly exports: readonly ExternDesc[] }
  | { readonly kind: "component" }
  | { readonly kind: "module" }
  | { readonly kind: "value"; readonly type: ValType }
  | { readonly kind: "type"; readonly type: ValType | FuncType | ResourceType | undefined };

/** A named import or export and its type. */
export interface ExternDesc {
  /** The import or export name, as the component spells it. */
  readonly name: string;
  /** What is imported or exported. */
  readonly type: ExternType;
}

/** The imports and exports of a component. */
export interface ComponentTypeDesc {
  /** The imports, in the order the component declares them. */
  readonly imports: readonly ExternDesc[];
  /** The exports, in the order the component declares them. */
  readonly exports: readonly ExternDesc[];
}

function typeOfEntry(entry: TypeEntry): ValType | FuncType | ResourceType | undefined {
  switch (entry.kind) {
    case "val":
    case "func":
    case "resource":
      return entry.type;
    default:
      return undefined;
  }
}

/** Describes an instantiated (or dry-run) item's type. */
export function describeItem(item: Item): ExternType {
  switch (item.kind) {
    case "func":
      return { kind: "func", type: item.type };
    case "instance":
      return { kind: "instance", exports: describeExports(item.exports) };
    case "component":
      return { kind: "component" };
    case "module":
      return { kind: "module" };
    case "value":
      return { kind: "value", type: item.type };
    case "type":
      return { kind: "type", type: typeOfEntry(item.entry) };
  }
}

/** Describes a map of exports (or imports) in order. */
export function describeExports(items: ReadonlyMap<string, Item>): ExternDesc[] {
  return [...items].map(([name, item]) => ({ name, type: describeItem(item) }));
}
