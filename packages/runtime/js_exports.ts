// Turns a component instance's exports into the JS object users call
// (DESIGN.md § The JS value mapping). Internal to the runtime.
import type { Item } from "./_items.ts";
import { type ResourceClass, resourceClassOf, setResourceConstructor } from "./guest_resources.ts";
import { toCamelCase, toPascalCase } from "./names.ts";

const SPECIAL = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/;

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
  const classes = new Map<string, ResourceClass>();
  for (const [name, item] of exports) {
    if (item.kind !== "type" || item.entry.kind !== "resource") continue;
    const cls = resourceClassOf(item.entry.type);
    if (cls === undefined) continue;
    classes.set(name, cls);
    out[toPascalCase(name)] = cls;
  }
  for (const [name, item] of exports) {
    switch (item.kind) {
      case "func": {
        const special = SPECIAL.exec(name);
        const cls = special === null ? undefined : classes.get(special[2]!);
        if (special !== null && cls !== undefined) {
          const call = item.call;
          const member = toCamelCase(special[3] ?? "");
          if (special[1] === "constructor") setResourceConstructor(cls, call);
          else if (special[1] === "static") {
            Object.defineProperty(cls, member, { value: call, writable: true, configurable: true });
          } else {
            Object.defineProperty(cls.prototype, member, {
              value: function (this: unknown, ...args: unknown[]) {
                return call(this, ...args);
              },
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
  }
  return out;
}
