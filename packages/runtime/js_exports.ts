// Turns a component instance's exports into the JS object users call
// (DESIGN.md § The JS value mapping). Internal to the runtime.
import type { Item } from "./_items.ts";
import { type ResourceClass, resourceClassOf, setResourceConstructor } from "./guest_resources.ts";
import { toCamelCase, toPascalCase } from "./names.ts";

const SPECIAL = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/;

// Export names repeat across instantiations of a component: parse each once.
const specialCache = new Map<string, RegExpExecArray | null>();
function special(name: string): RegExpExecArray | null {
  let m = specialCache.get(name);
  if (m === undefined) {
    m = SPECIAL.exec(name);
    if (specialCache.size < 10_000) specialCache.set(name, m);
  }
  return m;
}

/** A method calling `call` with `this` first; small arities pass no rest array. */
function methodOf(
  call: (...args: unknown[]) => unknown,
  arity: number,
): (this: unknown, ...args: unknown[]) => unknown {
  switch (arity) {
    case 0:
      return function (this: unknown) {
        return call(this);
      };
    case 1:
      return function (this: unknown, a: unknown) {
        return call(this, a);
      };
    case 2:
      return function (this: unknown, a: unknown, b: unknown) {
        return call(this, a, b);
      };
    default:
      return function (this: unknown, ...args: unknown[]) {
        return call(this, ...args);
      };
  }
}

function isPlainName(name: string): boolean {
  return !name.includes(":") && !name.includes("/");
}

/**
 * The JS view of exports: functions under their name and camelCase name,
 * instances as nested objects, guest resources as classes (PascalCase) that
 * carry their `[constructor]`, `[method]` and `[static]` functions.
 */
export function toJsExports(exports: ReadonlyMap<string, Item>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Built only when there is a resource: most instances have none, and
  // instantiation should allocate little.
  let classes: Map<string, ResourceClass> | undefined;
  exports.forEach((item, name) => {
    if (item.kind !== "type" || item.entry.kind !== "resource") return;
    const cls = resourceClassOf(item.entry.type);
    if (cls === undefined) return;
    (classes ??= new Map()).set(name, cls);
    out[toPascalCase(name)] = cls;
  });
  exports.forEach((item, name) => {
    switch (item.kind) {
      case "func": {
        const parsed = special(name);
        const cls = parsed === null ? undefined : classes?.get(parsed[2]!);
        if (parsed !== null && cls !== undefined) {
          const call = item.call;
          const member = toCamelCase(parsed[3] ?? "");
          if (parsed[1] === "constructor") setResourceConstructor(cls, call);
          else if (parsed[1] === "static") {
            Object.defineProperty(cls, member, { value: call, writable: true, configurable: true });
          } else {
            Object.defineProperty(cls.prototype, member, {
              value: methodOf(call, item.type.params.length - 1),
              writable: true,
              configurable: true,
            });
          }
          break;
        }
        out[name] = item.call;
        if (isPlainName(name)) out[toCamelCase(name)] = item.call;
        break;
      }
      case "instance": {
        const value = toJsExports(item.exports);
        out[name] = value;
        if (isPlainName(name)) out[toCamelCase(name)] = value;
        break;
      }
      case "module":
        out[name] = item.module;
        if (isPlainName(name)) out[toCamelCase(name)] = item.module;
        break;
      case "value":
        out[name] = item.value;
        if (isPlainName(name)) out[toCamelCase(name)] = item.value;
        break;
      case "type":
      case "component":
        break;
    }
  });
  return out;
}
