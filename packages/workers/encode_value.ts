/**
 * Checks that a value can cross into a worker (structured clone) before it
 * is sent, naming where an offending value sits (`args[1].onData:
 * function`), and takes out values that must not be copied (resource
 * handles, replaced by their place) and buffers to transfer.
 *
 * @module
 */

/** Where a value sits inside the root value: array indices and object keys. */
export type ValuePath = (string | number)[];

/** What {@linkcode encodeValue} found. */
export interface EncodedValue<H> {
  /** The value, with every handle replaced by `null` (containers copied, not mutated). */
  readonly value: unknown;
  /** The handles taken out, with their places. */
  readonly handles: [ValuePath, H][];
  /** `ArrayBuffer`s to transfer (when asked for), each once. */
  readonly transfer: ArrayBuffer[];
}

/** Options for {@linkcode encodeValue}. */
export interface EncodeOptions<H> {
  /** Returns the handle an object stands for, or `undefined` for an ordinary object. */
  readonly handleOf: (value: object) => H | undefined;
  /** Collect the `ArrayBuffer`s under the value for transfer. */
  readonly transfer?: boolean;
  /** Check structured-clonability (off when the value stays in this thread). */
  readonly check?: boolean;
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
// Places inside a Map or Set, which have no key path (only shown, never followed).
const MARK = /^<(map key|map value|set item) \d+>$/;

function showPath(root: string, path: ValuePath): string {
  let out = root;
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (MARK.test(seg)) out += `.${seg}`;
    else out += IDENT.test(seg) ? `.${seg}` : `[${JSON.stringify(seg)}]`;
  }
  return out;
}

// Prototypes whose instances structured clone copies faithfully.
const LEAF_CLASSES: readonly (abstract new (...args: never[]) => unknown)[] = [
  Date,
  RegExp,
  Boolean,
  Number,
  String,
  Error,
  DOMException,
  WebAssembly.Module,
  Blob,
];

function describe(value: unknown): string {
  if (typeof value === "function") return "function";
  if (typeof value === "symbol") return "symbol";
  const name = (value as object).constructor?.name;
  return name ? `${name} object` : "object";
}

/**
 * Walks `value` (called `root` in messages): returns it with handles taken
 * out, and throws a `TypeError` naming the place of the first value
 * structured clone would reject or silently change (a function, a symbol, a
 * class instance that would lose its class).
 */
export function encodeValue<H>(
  value: unknown,
  root: string,
  options: EncodeOptions<H>,
): EncodedValue<H> {
  if (isFlat(value)) return { value, handles: [], transfer: [] };
  const handles: [ValuePath, H][] = [];
  const transfer = new Set<ArrayBuffer>();
  const check = options.check ?? true;
  const seen = new Set<object>();
  const path: ValuePath = [];

  const fail = (what: string): never => {
    throw new TypeError(
      `Cannot send the value to a worker: ${
        showPath(root, path)
      }: ${what} is not structured-clonable`,
    );
  };

  const walk = (v: unknown, handlesAllowed: boolean): unknown => {
    if (typeof v === "function") return check ? fail(describe(v)) : v;
    if (typeof v === "symbol") return check ? fail("symbol") : v;
    if (typeof v !== "object" || v === null) return v;
    const handle = options.handleOf(v);
    if (handle !== undefined) {
      if (!handlesAllowed) {
        fail("a resource handle inside a Map or Set (pass it in an array or object instead)");
      }
      handles.push([[...path], handle]);
      return null;
    }
    if (v instanceof ArrayBuffer) {
      if (options.transfer) transfer.add(v);
      return v;
    }
    if (ArrayBuffer.isView(v)) {
      if (options.transfer && v.buffer instanceof ArrayBuffer) transfer.add(v.buffer);
      return v;
    }
    if (seen.has(v)) return v;
    seen.add(v);
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        const item = walk(v[i], handlesAllowed);
        path.pop();
        if (item !== v[i]) (out ??= v.slice())[i] = item;
      }
      return out ?? v;
    }
    if (v instanceof Map) {
      let i = 0;
      for (const [key, item] of v) {
        path.push(`<map key ${i}>`);
        walk(key, false);
        path.pop();
        path.push(`<map value ${i++}>`);
        walk(item, false);
        path.pop();
      }
      return v;
    }
    if (v instanceof Set) {
      let i = 0;
      for (const item of v) {
        path.push(`<set item ${i++}>`);
        walk(item, false);
        path.pop();
      }
      return v;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      if (LEAF_CLASSES.some((cls) => v instanceof cls)) return v;
      return check ? fail(`${describe(v)} (a class instance loses its class when copied)`) : v;
    }
    let out: Record<string, unknown> | undefined;
    const record = v as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      path.push(key);
      const item = walk(record[key], handlesAllowed);
      path.pop();
      if (item !== record[key]) (out ??= { ...record })[key] = item;
    }
    return out ?? v;
  };

  return { value: walk(value, true), handles, transfer: [...transfer] };
}

/** A primitive, or an array of primitives: nothing to check or take out (the common call). */
function isFlat(value: unknown): boolean {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === "object" ? item !== null : !PRIMITIVE[typeof item]) return false;
    }
    return true;
  }
  return typeof value === "object" ? value === null : PRIMITIVE[typeof value] === true;
}

const PRIMITIVE: Record<string, boolean> = {
  number: true,
  string: true,
  boolean: true,
  bigint: true,
  undefined: true,
};

/** Puts `item` at `path` inside `root` (the inverse of taking a handle out). */
export function placeAt(root: unknown, path: ValuePath, item: unknown): unknown {
  if (path.length === 0) return item;
  let target = root as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    target = target[path[i]!] as Record<string | number, unknown>;
  }
  target[path[path.length - 1]!] = item;
  return root;
}
