// Stand-in imports for resolving a component's types without a host
// (component.type). Internal to the runtime.
import { ResourceType } from "@weft/abi";
import type { ExternDescriptor } from "./binary/ast.ts";
import type { Item, Scope } from "./_items.ts";
import { importInstance, type ImportProvider } from "./host_imports.ts";
import { funcTypeAt, resolveValType, typeAt } from "./resolve_types.ts";

let emptyModule: WebAssembly.Module | undefined;

function dryImport(): never {
  throw new TypeError("Cannot call an import of a component that was only type-checked");
}

/** Provides a placeholder of the declared type for every import, and records them. */
export class DryProvider implements ImportProvider {
  /** The imports given out, by name, in order. */
  readonly imports: Map<string, Item> = new Map();
  #record: boolean;

  constructor(record = true) {
    this.#record = record;
  }

  get(name: string, desc: ExternDescriptor, scope: Scope): Item {
    const item = this.#make(name, desc, scope);
    if (this.#record) this.imports.set(name, item);
    return item;
  }

  #make(name: string, desc: ExternDescriptor, scope: Scope): Item {
    switch (desc.kind) {
      case "func":
        return { kind: "func", type: funcTypeAt(scope, desc.type, "an import"), call: dryImport };
      case "instance": {
        const entry = typeAt(scope, desc.type, "an import");
        if (entry.kind !== "instance-type") {
          throw new TypeError(`Cannot describe import "${name}": its type is not an instance type`);
        }
        return importInstance(entry.ast, entry.scope, new DryProvider(false));
      }
      case "type":
        return desc.bound.kind === "eq"
          ? { kind: "type", entry: typeAt(scope, desc.bound.index, "a type import") }
          : { kind: "type", entry: { kind: "resource", type: new ResourceType(name) } };
      case "module":
        // The smallest valid module: only the preamble.
        emptyModule ??= new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
        return { kind: "module", module: emptyModule };
      case "component":
        return {
          kind: "component",
          ast: { offset: 0, size: 0, items: [], names: undefined },
          scope: undefined,
        };
      case "value":
        return {
          kind: "value",
          type: desc.bound.kind === "type"
            ? resolveValType(desc.bound.type, scope)
            : { kind: "bool" },
          value: undefined,
        };
    }
  }
}
