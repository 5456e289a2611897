/**
 * Host imports for pooled instances: a module (loaded in each worker, since
 * functions cannot cross threads) whose default export, or `imports` export,
 * is an import object or a function returning one (called once per
 * instance, so a replaced instance gets fresh host state), merged with
 * functions placed at given paths (the main-thread callbacks).
 *
 * @module
 */
import type { Imports } from "@weft/runtime";
import type { ImportsFactory } from "./instance_host.ts";

/** Loads the imports module at `url` (if any) and returns a factory of import objects. */
export async function loadImports(
  url: string | undefined,
  extra: readonly [string[], unknown][],
): Promise<ImportsFactory> {
  let base: unknown = {};
  if (url !== undefined) {
    let module: Record<string, unknown>;
    try {
      module = await import(url);
    } catch (error) {
      throw new TypeError(`Cannot load the imports module ${url}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    base = module.default ?? module.imports;
    if (base === undefined) {
      throw new TypeError(
        `Cannot use ${url} as an imports module: it has no default or \`imports\` export`,
      );
    }
  }
  return async () => {
    const value = typeof base === "function" ? await base() : base;
    if (typeof value !== "object" || value === null) {
      throw new TypeError(
        `Cannot use the imports module's export as imports: expected an object, received ${
          value === null ? "null" : typeof value
        }`,
      );
    }
    return mergeAt(value as Imports, extra);
  };
}

/** Copies `base` along each path and puts the value at its end. */
export function mergeAt(base: Imports, extra: readonly [string[], unknown][]): Imports {
  const out: Imports = { ...base };
  for (const [path, value] of extra) {
    let target = out as Record<string, unknown>;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!;
      const next = target[key];
      target = target[key] = typeof next === "object" && next !== null ? { ...next } : {};
    }
    target[path[path.length - 1]!] = value;
  }
  return out;
}

/** Every function in a nested import object, with its path. */
export function functionPaths(
  object: Record<string, unknown>,
  prefix: string[] = [],
): [string[], (...args: unknown[]) => unknown][] {
  const out: [string[], (...args: unknown[]) => unknown][] = [];
  for (const [key, value] of Object.entries(object)) {
    if (typeof value === "function") {
      out.push([[...prefix, key], value as (...args: unknown[]) => unknown]);
    } else if (typeof value === "object" && value !== null) {
      out.push(...functionPaths(value as Record<string, unknown>, [...prefix, key]));
    } else {
      throw new TypeError(
        `Cannot use main-thread import ${
          [...prefix, key].join(".")
        }: expected a function or an object of functions, received ${typeof value}`,
      );
    }
  }
  return out;
}
