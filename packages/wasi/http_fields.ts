// wasi:http/types.fields (http/wit/types.wit § fields): headers and trailers.
import { WasiError } from "./errors.ts";

/** `wasi:http/types.header-error`, in the JS value mapping. */
export type HeaderError = { tag: "invalid-syntax" } | { tag: "forbidden" } | { tag: "immutable" };

/**
 * Field names a guest may not set, as Wasmtime's default: hop-by-hop fields
 * the host's HTTP stack owns, and `host`, which comes from the authority.
 */
export const FORBIDDEN_FIELDS: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "host",
  "http2-settings",
]);

// RFC 9110 § 5.1: a field name is a token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function headerError(tag: HeaderError["tag"]): WasiError {
  return new WasiError({ tag });
}

/** Whether `name` is a syntactically valid field name. */
export function isFieldName(name: unknown): name is string {
  return typeof name === "string" && TOKEN.test(name);
}

/** Whether `value` is a valid field value: RFC 9110 § 5.5, no CR, LF, NUL or other controls. */
export function isFieldValue(value: Uint8Array): boolean {
  for (const b of value) {
    if ((b < 0x20 && b !== 0x09) || b === 0x7f) return false;
  }
  return true;
}

function checkName(name: string): string {
  if (!isFieldName(name)) throw headerError("invalid-syntax");
  const lower = name.toLowerCase();
  if (FORBIDDEN_FIELDS.has(lower)) throw headerError("forbidden");
  return lower;
}

function checkValue(value: Uint8Array): Uint8Array {
  if (!(value instanceof Uint8Array) || !isFieldValue(value)) throw headerError("invalid-syntax");
  return value.slice();
}

/** Latin-1 bytes of a fetch `ByteString` header value. */
export function byteStringBytes(value: string): Uint8Array {
  const out = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) out[i] = value.charCodeAt(i) & 0xff;
  return out;
}

/** A fetch `ByteString` header value from bytes (Latin-1). */
export function bytesByteString(value: Uint8Array): string {
  let s = "";
  for (const b of value) s += String.fromCharCode(b);
  return s;
}

let freeze: (fields: Fields) => Fields;
let raw: (fields: Fields) => readonly (readonly [string, Uint8Array])[];

/**
 * `wasi:http/types.fields`: an ordered multimap of field names (stored
 * lower-case) to byte values.
 *
 * Made by the guest (`constructor`, `from-list`, `clone`) it is mutable;
 * given by the host (`incoming-request.headers`, `outgoing-request.headers`,
 * …) it is immutable and `set`, `append` and `delete` fail with `immutable`.
 * Setting a forbidden name ({@linkcode FORBIDDEN_FIELDS}) fails with
 * `forbidden`, a malformed name or value with `invalid-syntax`.
 */
export class Fields {
  #entries: [string, Uint8Array][] = [];
  #mutable = true;

  static {
    freeze = (fields) => {
      fields.#mutable = false;
      return fields;
    };
    raw = (fields) => fields.#entries;
  }

  /** `from-list`: fields with these entries, in order. */
  static fromList(entries: Iterable<readonly [string, Uint8Array]>): Fields {
    const fields = new Fields();
    for (const [name, value] of entries) {
      fields.#entries.push([checkName(name), checkValue(value)]);
    }
    return fields;
  }

  /** `get`: every value of `name`, in order (none for an unknown or malformed name). */
  get(name: string): Uint8Array[] {
    const key = String(name).toLowerCase();
    return this.#entries.filter(([n]) => n === key).map(([, v]) => v.slice());
  }

  /** `has`: whether `name` has a value. */
  has(name: string): boolean {
    const key = String(name).toLowerCase();
    return this.#entries.some(([n]) => n === key);
  }

  /** `set`: replaces every value of `name` with `values`. */
  set(name: string, values: readonly Uint8Array[]): void {
    this.#checkMutable();
    const key = checkName(name);
    const checked = Array.from(values, checkValue);
    this.#entries = this.#entries.filter(([n]) => n !== key);
    for (const v of checked) this.#entries.push([key, v]);
  }

  /** `delete`: removes every value of `name`. */
  delete(name: string): void {
    this.#checkMutable();
    const key = checkName(name);
    this.#entries = this.#entries.filter(([n]) => n !== key);
  }

  /** `append`: adds `value` after the values of `name`. */
  append(name: string, value: Uint8Array): void {
    this.#checkMutable();
    this.#entries.push([checkName(name), checkValue(value)]);
  }

  /** `entries`: every name and value, in insertion order. */
  entries(): [string, Uint8Array][] {
    return this.#entries.map(([n, v]) => [n, v.slice()]);
  }

  /** `clone`: a mutable copy. */
  clone(): Fields {
    const copy = new Fields();
    copy.#entries = this.entries();
    return copy;
  }

  #checkMutable(): void {
    if (!this.#mutable) throw headerError("immutable");
  }
}

/**
 * Host-made immutable fields from trusted entries (no forbidden-name check:
 * a received request carries `host` and hop-by-hop fields).
 */
export function immutableFields(entries: Iterable<readonly [string, Uint8Array]>): Fields {
  const fields = new Fields();
  const list = raw(fields) as [string, Uint8Array][];
  for (const [n, v] of entries) list.push([n.toLowerCase(), v.slice()]);
  return freeze(fields);
}

/** Immutable fields from a fetch `Headers`. */
export function fieldsFromHeaders(headers: Headers): Fields {
  return immutableFields([...headers].map(([n, v]) => [n, byteStringBytes(v)] as const));
}

/** A fetch `Headers` from fields, leaving out the names in `skip`. */
export function headersFromFields(fields: Fields, skip: ReadonlySet<string> = new Set()): Headers {
  const headers = new Headers();
  for (const [n, v] of raw(fields)) {
    if (!skip.has(n)) headers.append(n, bytesByteString(v));
  }
  return headers;
}

/** An immutable snapshot of `fields` (what a child `headers` handle sees). */
export function frozenCopy(fields: Fields): Fields {
  return immutableFields(raw(fields));
}
