/**
 * Resources implemented by a component, as JavaScript classes (jco's
 * mapping): `new Counter(1)` calls the exported constructor, methods call the
 * exported `[method]` functions, and `Symbol.dispose` drops the owning handle,
 * running the component's destructor.
 *
 * @module
 */
import type { ResourceJs, ResourceType } from "@weft/abi";
import { toPascalCase } from "./names.ts";

/** What JS holds for one resource value that left wasm. */
interface GuestHandle {
  readonly type: ResourceType;
  readonly rep: number;
  /** `true` while JS owns it (an `own` that was not passed back or dropped). */
  own: boolean;
  /** `false` once moved back into wasm, dropped, or (for a borrow) after its call. */
  live: boolean;
}

const handles = new WeakMap<object, GuestHandle>();
const classes = new WeakMap<ResourceType, ResourceClass>();

/** A generated resource class. */
export interface ResourceClass {
  new (...args: unknown[]): object;
  readonly prototype: object;
}

/** Constructors registered for a resource class by the exports that provide one. */
const constructors = new WeakMap<ResourceClass, (...args: unknown[]) => unknown>();

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}

/** Creates the JS class of a guest resource type and installs it as `rt.js`. */
export function installGuestResource(rt: ResourceType): ResourceClass {
  const existing = classes.get(rt);
  if (existing !== undefined) return existing;
  const cls = class {
    constructor(...args: unknown[]) {
      const ctor = constructors.get(cls);
      if (ctor === undefined) {
        throw new TypeError(
          `Cannot construct ${cls.name}: the component exports no constructor for it`,
        );
      }
      return ctor(...args) as this;
    }

    /** Drops the owning handle: the component's destructor runs once. */
    [Symbol.dispose](): void {
      const handle = handles.get(this);
      if (handle === undefined || !handle.live || !handle.own) return;
      handle.live = false;
      handle.own = false;
      handle.type.dtor?.(handle.rep);
    }
  };
  Object.defineProperty(cls, "name", { value: toPascalCase(rt.name) });
  const js: ResourceJs = {
    toJs(rep: number, own: boolean): unknown {
      const obj = Object.create(cls.prototype) as object;
      handles.set(obj, { type: rt, rep, own, live: true });
      return obj;
    },
    fromJs(value: unknown, own: boolean): number {
      const handle = typeof value === "object" && value !== null ? handles.get(value) : undefined;
      if (handle === undefined || handle.type !== rt) {
        throw new TypeError(
          `Cannot lower value as ${own ? "own" : "borrow"}<${rt.name}>: received ${
            describe(value)
          }`,
        );
      }
      if (!handle.live) {
        throw new TypeError(
          `Cannot lower ${cls.name} as ${own ? "own" : "borrow"}<${rt.name}>: ` +
            "the resource was moved or dropped",
        );
      }
      if (own) {
        if (!handle.own) {
          throw new TypeError(
            `Cannot lower ${cls.name} as own<${rt.name}>: JS only borrows this resource`,
          );
        }
        handle.live = false;
        handle.own = false;
      }
      return handle.rep;
    },
  };
  rt.js = js;
  classes.set(rt, cls);
  return cls;
}

/** Renames a resource class after the name it is exported under. */
export function nameResourceClass(cls: ResourceClass, name: string): void {
  Object.defineProperty(cls, "name", { value: toPascalCase(name) });
}

/** Makes `new cls(...)` call the component's exported constructor. */
export function setResourceConstructor(
  cls: ResourceClass,
  ctor: (...args: unknown[]) => unknown,
): void {
  constructors.set(cls, ctor);
}

/** The generated class of a guest resource type, if it has one. */
export function resourceClassOf(rt: ResourceType): ResourceClass | undefined {
  return classes.get(rt);
}
