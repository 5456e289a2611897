/**
 * Tiny generated wasm trampolines that make JSPI suspend only when it must.
 *
 * `WebAssembly.promising(f)` always returns a Promise, and in V8 a call of a
 * `WebAssembly.Suspending` import always suspends (even when the import
 * returns a plain value). A call that the spec completes at once would then
 * end on a later microtask. Two trampolines, each a module of a few dozen
 * bytes built per core signature (compiled once, instantiated per target):
 *
 * - {@linkcode entryTrampoline}: a `promising` entry that calls the target
 *   and hands its results to a JS `onReturn` import before the stack ends,
 *   so a call that never suspended is known to be finished synchronously.
 * - {@linkcode suspendingTrampoline}: a core import that first calls the JS
 *   function plainly; only when it returns a Promise does the trampoline call
 *   a `Suspending` import to wait for it, and a plain `take` import right
 *   after the stack resumes (the moment to restore who is running).
 *
 * @module
 */
import type { CoreValue } from "@weft/abi";
import { promising, suspending } from "./jspi.ts";

/** A core value type of a trampoline's signature. */
export type CoreType = "i32" | "i64" | "f32" | "f64";

/** A core function signature. */
export interface CoreSignature {
  /** Parameter types. */
  readonly params: readonly CoreType[];
  /** Result types (at most one for the suspending trampoline). */
  readonly results: readonly CoreType[];
}

const TYPE_CODE: Readonly<Record<CoreType, number>> = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
};
const EXTERNREF = 0x6f;

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function vec(items: readonly (readonly number[])[]): number[] {
  return [...leb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...leb(bytes.length), ...bytes];
}

function section(id: number, body: readonly number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

function funcType(params: readonly number[], results: readonly number[]): number[] {
  return [0x60, ...vec(params.map((p) => [p])), ...vec(results.map((r) => [r]))];
}

/** An import of a module: a function of a type, or (`tag`) an exception tag of a type. */
type Import = readonly [name: string, type: number, kind?: "tag"];

function moduleBytes(
  types: readonly number[][],
  imports: readonly Import[],
  funcTypeIndex: number,
  locals: readonly number[],
  body: readonly number[],
): Uint8Array {
  const code = [...vec(locals.map((t) => [1, t])), ...body, 0x0b];
  const funcImports = imports.filter((i) => i[2] === undefined).length;
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(
      2,
      vec(imports.map(([n, type, kind]) => [
        ...name("t"),
        ...name(n),
        ...(kind === "tag" ? [0x04, 0x00, type] : [0x00, type]),
      ])),
    ),
    ...section(3, vec([[funcTypeIndex]])),
    ...section(7, vec([[...name("f"), 0x00, funcImports]])),
    ...section(10, vec([[...leb(code.length), ...code]])),
  ]);
}

function key(sig: CoreSignature): string {
  return `${sig.params.join(",")}->${sig.results.join(",")}`;
}

const entryModules = new Map<string, WebAssembly.Module>();
const suspendingModules = new Map<string, WebAssembly.Module>();

/**
 * The entry module: `f(tok, ...params)` calls `target(...params)` and then
 * `onReturn(tok, ...results)`; a JS exception thrown through it (a `Trap`
 * from a built-in) is caught (`WebAssembly.JSTag`) and handed to
 * `onThrow(tok, exception)`, so that it too is known synchronously.
 */
function entryModule(sig: CoreSignature): WebAssembly.Module {
  const k = key(sig);
  let m = entryModules.get(k);
  if (m === undefined) {
    const p = sig.params.map((t) => TYPE_CODE[t]);
    const r = sig.results.map((t) => TYPE_CODE[t]);
    const exn = p.length + 1; // local: the caught exception
    const body: number[] = [
      ...[0x02, EXTERNREF], // block (result externref)
      ...[0x1f, 0x40, 0x01, 0x00, 0x00, 0x00], // try_table (catch $jstag 0)
      ...[0x20, 0], // local.get tok
    ];
    for (let i = 0; i < p.length; i++) body.push(0x20, ...leb(i + 1));
    body.push(
      ...[0x10, 0, 0x10, 1], // call target; call onReturn
      0x0f, // return
      0x0b, // end try_table
      0x00, // unreachable
      0x0b, // end block: the exception is on the stack
      ...[0x21, ...leb(exn)], // local.set exn
      ...[0x20, 0, 0x20, ...leb(exn), 0x10, 2], // onThrow(tok, exn)
    );
    m = new WebAssembly.Module(
      moduleBytes(
        [
          funcType(p, r),
          funcType([EXTERNREF, ...r], []),
          funcType([EXTERNREF, ...p], []),
          funcType([EXTERNREF, EXTERNREF], []),
          funcType([EXTERNREF], []),
        ],
        [["target", 0], ["onReturn", 1], ["onThrow", 3], ["jstag", 4, "tag"]],
        2,
        [EXTERNREF],
        body,
      ) as BufferSource,
    );
    entryModules.set(k, m);
  }
  return m;
}

/**
 * The suspending module: `f(...params)` calls `try(...params)`; a non-null
 * token means "blocked": `wait(token)` (a `Suspending` import) suspends
 * until it settles; then `take(token)` returns the results.
 */
function suspendingModule(sig: CoreSignature): WebAssembly.Module {
  if (sig.results.length > 1) {
    throw new RangeError(
      `Cannot build a suspending trampoline: received ${sig.results.length} results, expected at most 1`,
    );
  }
  const k = key(sig);
  let m = suspendingModules.get(k);
  if (m === undefined) {
    const p = sig.params.map((t) => TYPE_CODE[t]);
    const r = sig.results.map((t) => TYPE_CODE[t]);
    const tok = p.length;
    const body: number[] = [];
    for (let i = 0; i < p.length; i++) body.push(0x20, ...leb(i));
    body.push(
      ...[0x10, 0], // call try
      ...[0x22, ...leb(tok)], // local.tee tok
      0xd1, // ref.is_null
      0x45, // i32.eqz
      ...[0x04, 0x40], // if
      ...[0x20, ...leb(tok), 0x10, 1], // local.get tok; call wait
      0x0b, // end
      ...[0x20, ...leb(tok), 0x10, 2], // local.get tok; call take
    );
    m = new WebAssembly.Module(
      moduleBytes(
        [
          funcType(p, [EXTERNREF]),
          funcType([EXTERNREF], []),
          funcType([EXTERNREF], r),
          funcType(
            p,
            r,
          ),
        ],
        [["try", 0], ["wait", 1], ["take", 2]],
        3,
        [EXTERNREF],
        body,
      ) as BufferSource,
    );
    suspendingModules.set(k, m);
  }
  return m;
}

/** The token of one entry call: whether (and with what) the target returned or threw. */
interface EntryToken {
  returned: boolean;
  result: unknown;
  threw: boolean;
  error: unknown;
}

function onReturn(tok: EntryToken, ...results: unknown[]): void {
  tok.returned = true;
  tok.result = results.length === 0 ? undefined : results.length === 1 ? results[0] : results;
}

function onThrow(tok: EntryToken, error: unknown): void {
  tok.threw = true;
  tok.error = error;
}

const noop = (): void => {};

/**
 * Wraps a core function as a JSPI entry: calling the result runs `target`
 * (which may suspend) and returns its results (`undefined`, one value, or an
 * array) at once when it finished without suspending, else a Promise of
 * them. A JS exception (such as a `Trap` of a built-in) thrown before any
 * suspension is rethrown at once; a wasm trap (which wasm cannot catch)
 * surfaces as a rejected Promise. `sig` must be `target`'s signature.
 */
export function entryTrampoline(
  target: unknown,
  sig: CoreSignature,
): (...args: CoreValue[]) => unknown {
  const jstag = (WebAssembly as unknown as { JSTag: WebAssembly.ImportValue }).JSTag;
  const instance = new WebAssembly.Instance(entryModule(sig), {
    t: { target: target as WebAssembly.ImportValue, onReturn, onThrow, jstag },
  });
  const entry = promising(instance.exports.f, "a JSPI entry into WebAssembly");
  return (...args) => {
    const tok: EntryToken = { returned: false, result: undefined, threw: false, error: undefined };
    const p = entry(tok, ...args);
    // Finished or threw without suspending: the Promise only repeats it.
    if (tok.returned) {
      p.catch(noop);
      return tok.result;
    }
    if (tok.threw) {
      p.catch(noop);
      throw tok.error;
    }
    return p.then(() => {
      if (tok.threw) throw tok.error;
      return tok.result;
    });
  };
}

/** Hooks of {@linkcode suspendingTrampoline}. */
export interface SuspendingHooks {
  /** Called before `f` runs; its value is given to `resumed` if the caller suspends. */
  readonly capture?: () => unknown;
  /** Called when the suspended caller's stack resumes, just before `f`'s result is returned. */
  readonly resumed?: (captured: unknown) => void;
}

interface SuspendToken {
  promise: Promise<unknown>;
  value: unknown;
  captured: unknown;
}

/**
 * Wraps `f` (which returns its result, or a Promise of it when the caller
 * must wait) as a core import whose caller suspends with JSPI only when `f`
 * returned a Promise. `sig` is the import's core signature (at most one
 * result). The caller must run inside a `promising` entry.
 */
export function suspendingTrampoline(
  f: (...args: never[]) => unknown,
  sig: CoreSignature,
  hooks: SuspendingHooks = {},
): WebAssembly.ImportValue {
  // The result of a call that did not block, read back by `take(null)` right
  // after `try` returns: no other JS runs in between.
  let syncResult: unknown = undefined;
  const call = f as (...args: unknown[]) => unknown;
  const tryImport = (...args: unknown[]): SuspendToken | null => {
    const captured = hooks.capture?.();
    const r = call(...args);
    if (r instanceof Promise) {
      const tok: SuspendToken = { promise: r, value: undefined, captured };
      tok.promise = r.then((v) => {
        tok.value = v;
      });
      return tok;
    }
    syncResult = r;
    return null;
  };
  const wait = suspending((tok: SuspendToken) => tok.promise, "a blocking call from WebAssembly");
  const take = (tok: SuspendToken | null): unknown => {
    if (tok === null) {
      const r = syncResult;
      syncResult = undefined;
      return r;
    }
    hooks.resumed?.(tok.captured);
    return tok.value;
  };
  const instance = new WebAssembly.Instance(suspendingModule(sig), {
    t: { try: tryImport, wait, take },
  });
  return instance.exports.f as WebAssembly.ImportValue;
}
