/**
 * The grammar of component names (Explainer.md § Import and Export
 * Definitions) and their strong uniqueness (Explainer.md § Name Uniqueness).
 *
 * @module
 */

/** A parsed `externname`. */
export type ParsedName =
  | { readonly kind: "label"; readonly label: string }
  | { readonly kind: "constructor"; readonly resource: string }
  | { readonly kind: "method" | "static"; readonly resource: string; readonly label: string }
  | { readonly kind: "interface"; readonly version: string | undefined };

const FIRST_FRAGMENT = /^([a-z][0-9a-z]*|[A-Z][0-9A-Z]*)$/;
const FRAGMENT = /^([0-9a-z]+|[0-9A-Z]+)$/;
const FIRST_WORD = /^[a-z][0-9a-z]*$/;
const WORD = /^[0-9a-z]+$/;

/**
 * Checks a `label` (kebab case); returns the reason it is not one, or
 * `undefined` if it is.
 */
export function checkLabel(label: string): string | undefined {
  if (label === "") return "name cannot be empty";
  const parts = label.split("-");
  if (!FIRST_FRAGMENT.test(parts[0]!) || !parts.slice(1).every((p) => FRAGMENT.test(p))) {
    return `\`${label}\` is not in kebab case`;
  }
  return undefined;
}

function checkWords(words: string): boolean {
  const parts = words.split("-");
  return FIRST_WORD.test(parts[0]!) && parts.slice(1).every((p) => WORD.test(p));
}

const NUMERIC = /^(0|[1-9][0-9]*)$/;
const IDENT = /^[0-9A-Za-z-]+$/;

/** Checks a semantic version (semver.org 2.0); returns the reason it is invalid. */
export function checkSemver(version: string): string | undefined {
  if (version === "") return "empty string";
  const plus = version.indexOf("+");
  const core0 = plus < 0 ? version : version.slice(0, plus);
  const build = plus < 0 ? undefined : version.slice(plus + 1);
  const dash = core0.indexOf("-");
  const core = dash < 0 ? core0 : core0.slice(0, dash);
  const pre = dash < 0 ? undefined : core0.slice(dash + 1);
  const nums = core.split(".");
  for (let i = 0; i < 3; i++) {
    const n = nums[i];
    if (n === undefined) return "unexpected end of input";
    if (n === "") return i === 0 ? "empty string" : "unexpected character '.'";
    const bad = [...n].find((c) => c < "0" || c > "9");
    if (bad !== undefined) return `unexpected character '${bad}'`;
    if (!NUMERIC.test(n)) return "invalid leading zero";
  }
  if (nums.length > 3) return "unexpected character '.'";
  if (pre !== undefined) {
    for (const id of pre.split(".")) {
      if (id === "") return "empty identifier segment";
      if (!IDENT.test(id)) return "unexpected character";
      if (/^[0-9]+$/.test(id) && !NUMERIC.test(id)) return "invalid leading zero";
    }
  }
  if (build !== undefined) {
    for (const id of build.split(".")) {
      if (id === "") return "empty identifier segment";
      if (!IDENT.test(id)) return "unexpected character";
    }
  }
  return undefined;
}

/**
 * Parses an `interfacename`; returns its version, or the reason it is invalid
 * as a string prefixed with `!`.
 */
function parseInterfaceName(name: string): { version: string | undefined } | string {
  const colon = name.indexOf(":");
  const ns = name.slice(0, colon);
  if (!checkWords(ns)) return `\`${ns}\` is not in kebab case`;
  let rest = name.slice(colon + 1);
  let version: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    version = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const bad = checkSemver(version);
    if (bad !== undefined) return bad;
  }
  const slash = rest.indexOf("/");
  if (slash < 0) return "expected `/` after package name";
  const pkg = rest.slice(0, slash);
  if (pkg.includes(":")) return "expected `/` after package name";
  if (!checkWords(pkg)) return `\`${pkg}\` is not in kebab case`;
  const projection = rest.slice(slash + 1);
  const next = projection.indexOf("/");
  if (next >= 0) return `trailing characters found: \`${projection.slice(next)}\``;
  const bad = checkLabel(projection);
  if (bad !== undefined) return bad;
  return { version };
}

/** Parses an `externname`; returns the reason it is invalid as a string. */
export function parseExternName(name: string): ParsedName | string {
  if (name.includes(":")) {
    const r = parseInterfaceName(name);
    return typeof r === "string" ? r : { kind: "interface", version: r.version };
  }
  const annotated = /^\[([a-z]+)\](.*)$/s.exec(name);
  if (annotated === null) {
    if (name.startsWith("[")) return `\`${name}\` is not a valid extern name`;
    const bad = checkLabel(name);
    return bad === undefined ? { kind: "label", label: name } : bad;
  }
  const [, annotation, rest] = annotated as unknown as [string, string, string];
  if (annotation === "constructor") {
    const bad = checkLabel(rest);
    return bad === undefined ? { kind: "constructor", resource: rest } : bad;
  }
  if (annotation === "method" || annotation === "static") {
    const dot = rest.indexOf(".");
    if (dot < 0) return "failed to find `.` character";
    const resource = rest.slice(0, dot);
    const label = rest.slice(dot + 1);
    const bad = checkLabel(resource) ?? checkLabel(label);
    if (bad !== undefined) return bad;
    return { kind: annotation, resource, label };
  }
  return `\`${name}\` is not a valid extern name`;
}

/**
 * The canonical form of a name for strong-uniqueness comparisons
 * (Explainer.md § Name Uniqueness).
 */
export function uniquenessKey(name: string): string {
  const lower = name.toLowerCase();
  const m = /^\[(method|static)\]([^.]*)\.(.*)$/s.exec(lower);
  if (m !== null) return m[2] === m[3] ? m[2]! : `${m[2]}.${m[3]}`;
  return lower;
}
