/**
 * Names as JavaScript sees them: kebab-case component names in camelCase and
 * PascalCase (jco's rules), and interface names matched semver-compatibly.
 *
 * @module
 */

/** `get-HTTP-header` → `getHTTPHeader`: words after the first are capitalised; acronyms stay. */
export function toCamelCase(name: string): string {
  // Names repeat across instantiations of a component: convert each once.
  let out = camelCache.get(name);
  if (out !== undefined) return out;
  const words = name.split("-");
  out = words[0] ?? "";
  for (let i = 1; i < words.length; i++) out += capitalize(words[i]!);
  if (camelCache.size < 10_000) camelCache.set(name, out);
  return out;
}

const camelCache = new Map<string, string>();

/** `http-request` → `HttpRequest`. */
export function toPascalCase(name: string): string {
  let out = pascalCache.get(name);
  if (out !== undefined) return out;
  out = name.split("-").map(capitalize).join("");
  if (pascalCache.size < 10_000) pascalCache.set(name, out);
  return out;
}

const pascalCache = new Map<string, string>();

function capitalize(word: string): string {
  return word.length === 0 ? word : word[0]!.toUpperCase() + word.slice(1);
}

/** A parsed interface name `ns:pkg/path@version`. */
export interface InterfaceName {
  /** The name without its version (`wasi:io/streams`). */
  readonly base: string;
  /** The version, if any (`0.2.3`). */
  readonly version: string | undefined;
}

/** Splits an interface name into base and version; a plain name has no version. */
export function parseInterfaceName(name: string): InterfaceName {
  const at = name.indexOf("@");
  if (at < 0 || !name.includes(":")) return { base: name, version: undefined };
  return { base: name.slice(0, at), version: name.slice(at + 1) };
}

/**
 * Whether a host's `provided` version satisfies a component's `wanted`
 * version: the same major version (for 1.0 and later), or the same major and
 * minor (for 0.x), as Cargo and Wasmtime decide compatibility. Prereleases
 * must match exactly.
 */
export function versionsCompatible(wanted: string, provided: string): boolean {
  if (wanted === provided) return true;
  const a = parseVersion(wanted);
  const b = parseVersion(provided);
  if (a === undefined || b === undefined || a.pre !== "" || b.pre !== "") return false;
  if (a.major !== b.major) return false;
  if (a.major > 0) return true;
  if (a.minor !== b.minor) return false;
  return a.minor > 0 || a.patch === b.patch;
}

function parseVersion(
  v: string,
): { major: number; minor: number; patch: number; pre: string } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(v);
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre: m[4] ?? "" };
}

/**
 * Looks up `name` among `keys` (the own keys of an import object): the exact
 * name, its camelCase form, or for an interface name a key of the same base
 * with a compatible version (or no version). Returns the key found.
 */
export function findImportKey(keys: readonly string[], name: string): string | undefined {
  if (keys.includes(name)) return name;
  const camel = toCamelCase(name);
  if (keys.includes(camel)) return camel;
  const pascal = toPascalCase(name);
  if (keys.includes(pascal)) return pascal;
  const wanted = parseInterfaceName(name);
  if (wanted.version === undefined) return undefined;
  let best: string | undefined;
  for (const key of keys) {
    const given = parseInterfaceName(key);
    if (given.base !== wanted.base) continue;
    if (given.version === undefined) best ??= key;
    else if (versionsCompatible(wanted.version, given.version)) return key;
  }
  return best;
}
