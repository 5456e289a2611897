// Component-model async in instantiation: the executor's canon lift/lower
// and 🔀 built-ins wired to abi's value codecs (CanonicalABI.md § Canonical
// Definitions). Internal to the runtime.
import {
  type CanonOptions,
  ComponentError,
  ComponentInstanceState,
  type CoreValue,
  type ElementAccess,
  elementAccess,
  flattenType,
  flatValues,
  type FuncType,
  type FutureType,
  MAX_FLAT_PARAMS,
  MAX_FLAT_RESULTS,
  setAsyncValueHooks,
  type StreamType,
  stringAccess,
  toCamelCase,
  typedArrayOf,
  type ValType,
} from "@weft/abi";
import {
  type AsyncInstanceState,
  asyncStateOf,
  backpressureDec,
  backpressureInc,
  callAsync,
  cancelCopy,
  CancelledError,
  canonLift,
  canonLower,
  contextGet,
  contextSet,
  type CoreSignature,
  type CoreType,
  dropEnd,
  entryTrampoline,
  ErrorContext,
  errorContextDebugMessage,
  errorContextDrop,
  errorContextNew,
  type FuncInst,
  futureFromPromise,
  futureNew,
  futureRead,
  futureWrite,
  hostFunction,
  liftErrorContext,
  liftFuture,
  liftStream,
  lowerErrorContext,
  lowerFuture,
  lowerStream,
  MAX_FLAT_ASYNC_PARAMS,
  promiseFromFuture,
  promising,
  readableFromStream,
  runInFreshContext,
  SharedFuture,
  SharedStream,
  Store,
  streamFromIterable,
  streamNew,
  streamRead,
  streamWrite,
  subtaskCancel,
  subtaskDrop,
  suspendingTrampoline,
  taskCancel,
  taskReturn,
  threadYield,
  waitableJoin,
  waitableSetDrop,
  waitableSetNew,
  waitableSetPoll,
  waitableSetWait,
} from "@weft/executor";
import type { Canon, CanonOpt, ComponentAst } from "./binary/ast.ts";
import { CompileError, formatOffset } from "./binary/errors.ts";
import type { FuncItem } from "./_items.ts";

/** One store (scheduler) per top-level instance tree, keyed by the root's state. */
const stores = new WeakMap<ComponentInstanceState, Store>();

/** The async state of `state`, in the store of its top-level instance. */
export function asyncOf(state: ComponentInstanceState): AsyncInstanceState {
  let root = state;
  while (root.parent !== undefined) root = root.parent;
  let store = stores.get(root);
  if (store === undefined) {
    store = new Store();
    stores.set(root, store);
  }
  return asyncStateOf(state, { store });
}

let hooksInstalled = false;

/**
 * Installs abi's hooks for `stream`, `future` and `error-context` values
 * (once). Lifting always gives the executor's shared stream or future (the
 * form another guest lowers as it is); {@linkcode jsFormOf} turns them into
 * `ReadableStream`s and Promises where a value goes to JS. Lowering takes
 * either form.
 */
export function installAsyncValueHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  setAsyncValueHooks({
    lift(inst, i, t) {
      const a = asyncOf(inst);
      if (t.kind === "stream") return liftStream(a, i, t);
      if (t.kind === "future") return liftFuture(a, i, t);
      return liftErrorContext(a, i);
    },
    lower(inst, v, t) {
      const a = asyncOf(inst);
      if (t.kind === "stream") return lowerStream(a, sharedStreamOf(v, t));
      if (t.kind === "future") return lowerFuture(a, sharedFutureOf(v, t));
      return lowerErrorContext(a, v as ErrorContext);
    },
    check(v, t) {
      if (t.kind === "stream") return checkStreamSource(v, t);
      if (t.kind === "future") return checkFutureSource(v, t);
      if (!(v instanceof ErrorContext)) {
        throw new TypeError(`expected an error-context passed on from a component`);
      }
    },
  });
}

// Streams and futures at the JS boundary (DESIGN.md § The JS value mapping).

/** Stands in for an instance where an element codec only checks JS values. */
const CHECK_ONLY = new ComponentInstanceState();
const checkers = new WeakMap<ValType, ElementAccess>();

function checkerOf(t: ValType): ElementAccess {
  let c = checkers.get(t);
  if (c === undefined) {
    c = elementAccess(t, { instance: CHECK_ONLY });
    checkers.set(t, c);
  }
  return c;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return v.constructor?.name ?? "an object";
  if (typeof v === "string") return "a string";
  return `${typeof v} ${String(v)}`;
}

function isIterableSource(v: unknown): boolean {
  return typeof v === "object" && v !== null &&
    (Symbol.asyncIterator in v || Symbol.iterator in v);
}

function checkStreamSource(v: unknown, t: StreamType): void {
  if (v instanceof SharedStream) return;
  if (v instanceof ReadableStream) {
    if (v.locked) throw new TypeError("the ReadableStream is locked (already being read)");
    return;
  }
  if (typeof v === "string" && t.element?.kind === "char") return;
  if (isIterableSource(v)) return;
  throw new TypeError(
    `expected a ReadableStream, an async or sync iterable, or a stream passed on from a component: received ${
      describe(v)
    }`,
  );
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === "object" || typeof v === "function") && v !== null &&
    typeof (v as { then?: unknown }).then === "function";
}

function checkFutureSource(v: unknown, t: FutureType): void {
  if (v instanceof SharedFuture || isThenable(v) || t.element === undefined) return;
  // A plain value is the future's value, checked now.
  checkerOf(t.element).check([v], "the future's value");
}

/** What one item of a JS source for a `stream<t>` writes (see the module doc). */
function chunkOf(t: ValType | undefined): (item: unknown) => ArrayLike<unknown> {
  if (t === undefined) {
    return (item) => {
      if (typeof item === "number" && Number.isInteger(item) && item >= 0) return { length: item };
      throw new TypeError(
        `Cannot write to a stream without element type: expected a count of elements, received ${
          describe(item)
        }`,
      );
    };
  }
  const checker = checkerOf(t);
  const Typed = typedArrayOf(t);
  if (Typed !== undefined) {
    // Chunks become the element type's typed array, so that a host reader
    // gets them as a guest writer's chunks look, and a guest's store is a copy.
    return (item) => {
      if (item instanceof Typed) return item;
      const chunk = Array.isArray(item) ||
        (ArrayBuffer.isView(item) && !(item instanceof DataView));
      const values = chunk ? item as ArrayLike<unknown> : [item];
      checker.check(values, chunk ? "stream chunk element" : "stream element");
      return (Typed as unknown as { from(v: ArrayLike<unknown>): ArrayLike<unknown> }).from(values);
    };
  }
  return (item) => {
    checker.check([item], "stream element");
    return [item];
  };
}

/** A JS value given for a `stream<t>` as the shared stream to lower. */
function sharedStreamOf(v: unknown, t: StreamType): SharedStream {
  if (v instanceof SharedStream) return v;
  checkStreamSource(v, t);
  const source = typeof v === "string" ? [...v] : v as AsyncIterable<unknown> | Iterable<unknown>;
  return streamFromIterable(source, t.element, { toChunk: chunkOf(t.element) });
}

/** A JS value given for a `future<t>` as the shared future to lower. */
function sharedFutureOf(v: unknown, t: FutureType): SharedFuture {
  if (v instanceof SharedFuture) return v;
  checkFutureSource(v, t);
  const element = t.element;
  const check = element === undefined
    ? undefined
    : (x: unknown) => checkerOf(element).check([x], "the future's value");
  return futureFromPromise(v, element, check === undefined ? {} : { check });
}

/** The chunk size of a `ReadableStream` read from a guest's stream, in elements. */
const CHUNK_ELEMENTS = 65536;

/** The JS form of a guest's `stream<t>`: a `ReadableStream` (see the module doc). */
function readableOf(shared: SharedStream, t: StreamType): ReadableStream<unknown> {
  const e = t.element;
  if (e === undefined) return readableFromStream(shared, { split: "counts" });
  if (typedArrayOf(e) !== undefined) {
    return readableFromStream(shared, { chunkSize: CHUNK_ELEMENTS });
  }
  const mapElement = jsFormOf(e);
  return readableFromStream(shared, {
    chunkSize: CHUNK_ELEMENTS,
    split: "elements",
    ...(mapElement !== undefined ? { mapElement } : {}),
  });
}

/** The JS form of a guest's `future<t>`: a Promise of its value. */
function promiseOf(shared: SharedFuture, t: FutureType): Promise<unknown> {
  const conv = t.element === undefined ? undefined : jsFormOf(t.element);
  const p = conv === undefined ? promiseFromFuture(shared) : promiseFromFuture(shared).then(conv);
  // Rejects only when a host writer was dropped: not an unhandled rejection
  // if no one awaits it.
  p.catch(() => {});
  return p;
}

type Conv = (v: unknown) => unknown;
const jsForms = new WeakMap<ValType, Conv | null>();

/**
 * How a value of type `t` lifted from a guest becomes its JS form: shared
 * streams and futures inside it become `ReadableStream`s and Promises;
 * `undefined` when `t` holds none (the value is its JS form already).
 */
export function jsFormOf(t: ValType): Conv | undefined {
  let c = jsForms.get(t);
  if (c === undefined) {
    c = compileJsForm(t) ?? null;
    jsForms.set(t, c);
  }
  return c ?? undefined;
}

function compileJsForm(t: ValType): Conv | undefined {
  switch (t.kind) {
    case "stream":
      return (v) => v instanceof SharedStream ? readableOf(v, t) : v;
    case "future":
      return (v) => v instanceof SharedFuture ? promiseOf(v, t) : v;
    case "list": {
      const e = jsFormOf(t.element);
      return e && ((v) => Array.isArray(v) ? v.map((x) => e(x)) : v);
    }
    case "tuple": {
      const cs = t.types.map(jsFormOf);
      if (cs.every((c) => c === undefined)) return undefined;
      return (v) => (v as unknown[]).map((x, i) => cs[i] === undefined ? x : cs[i]!(x));
    }
    case "record": {
      const fs = t.fields.flatMap((f) => {
        const c = jsFormOf(f.type);
        return c === undefined ? [] : [[toCamelCase(f.name), c] as const];
      });
      if (fs.length === 0) return undefined;
      return (v) => {
        const o = v as Record<string, unknown>;
        for (const [k, c] of fs) o[k] = c(o[k]);
        return o;
      };
    }
    case "variant":
      return taggedJsForm(t.cases.map((c) => [c.name, c.type]));
    case "result":
      return taggedJsForm([["ok", t.ok], ["err", t.err]]);
    case "option": {
      const inner = jsFormOf(t.type);
      if (inner === undefined) return undefined;
      if (t.type.kind === "option") return taggedJsForm([["some", t.type]]);
      return (v) => v === undefined ? v : inner(v);
    }
    case "map": {
      const c = jsFormOf(t.value);
      return c && ((v) => {
        if (!(v instanceof Map)) return v;
        for (const [k, x] of v) v.set(k, c(x));
        return v;
      });
    }
    default:
      return undefined;
  }
}

function taggedJsForm(
  cases: readonly (readonly [string, ValType | undefined])[],
): Conv | undefined {
  const m = new Map<string, Conv>();
  for (const [name, type] of cases) {
    const c = type === undefined ? undefined : jsFormOf(type);
    if (c !== undefined) m.set(name, c);
  }
  if (m.size === 0) return undefined;
  return (v) => {
    const o = v as { tag: string; val?: unknown };
    const c = m.get(o.tag);
    if (c !== undefined) o.val = c(o.val);
    return o;
  };
}

/** What the async parts of a component tree need, found by one walk of its AST. */
export interface AsyncUse {
  /** Any 🔀 built-in, async option or async function type. */
  readonly any: boolean;
  /** A stackful lift (`async` without `callback`): JSPI is needed. */
  readonly stackful: boolean;
}

const uses = new WeakMap<ComponentAst, AsyncUse>();

/** Whether `ast` (with its nested components) uses component-model async. */
export function asyncUseOf(ast: ComponentAst): AsyncUse {
  const cached = uses.get(ast);
  if (cached !== undefined) return cached;
  let any = false;
  let stackful = false;
  for (const item of ast.items) {
    if (item.kind === "component") {
      const inner = asyncUseOf(item.component);
      any ||= inner.any;
      stackful ||= inner.stackful;
    } else if (item.kind === "canon") {
      const c = item.canon;
      if (c.kind === "lift" || c.kind === "lower") {
        const isAsync = c.options.some((o) => o.kind === "async");
        any ||= isAsync;
        if (c.kind === "lift" && isAsync && !c.options.some((o) => o.kind === "callback")) {
          stackful = true;
        }
      } else if (!c.kind.startsWith("resource.")) any = true;
    } else if (item.kind === "type" || item.kind === "import" || item.kind === "alias") {
      any ||= mentionsAsync(item);
    }
  }
  const use = { any, stackful };
  uses.set(ast, use);
  return use;
}

/** Whether an AST node declares an `async` function type, a stream or a future inside. */
function mentionsAsync(node: unknown, depth = 0): boolean {
  if (typeof node !== "object" || node === null || depth > 64) return false;
  if (ArrayBuffer.isView(node)) return false;
  if (Array.isArray(node)) return node.some((n) => mentionsAsync(n, depth + 1));
  const o = node as Record<string, unknown>;
  // Stream and future values go through the executor too, even in a
  // component that only passes them on.
  if (o.async === true || o.kind === "stream" || o.kind === "future") return true;
  for (const k in o) if (mentionsAsync(o[k], depth + 1)) return true;
  return false;
}

/** The async canonical options of a `canon lift` or `canon lower`. */
export interface AsyncOpts {
  readonly async: boolean;
  readonly callback:
    | ((event: number, p1: number, p2: number) => number | PromiseLike<number>)
    | undefined;
}

/** Reads `async` and `callback` from `opts` (`coreFuncs` is the core func index space). */
export function asyncOpts(opts: readonly CanonOpt[], coreFuncs: readonly unknown[]): AsyncOpts {
  let isAsync = false;
  let callback: AsyncOpts["callback"];
  for (const o of opts) {
    if (o.kind === "async") isAsync = true;
    if (o.kind === "callback") {
      callback = coreFuncs[o.index] as (a: number, b: number, c: number) => number;
    }
  }
  return { async: isAsync, callback };
}

function resultsOf(type: FuncType): ValType[] {
  return type.result === undefined ? [] : [type.result];
}

function asFlat(r: unknown): CoreValue[] {
  if (r === undefined) return [];
  return Array.isArray(r) ? r as CoreValue[] : [r as CoreValue];
}

/** The host's options object after the arguments of an export call. */
export interface ExportCallOptions {
  /** Aborting it requests cancellation of the call through the component model. */
  readonly signal?: AbortSignal;
}

function splitArgs(
  type: FuncType,
  args: unknown[],
): { args: unknown[]; signal: AbortSignal | undefined } {
  const n = type.params.length;
  if (args.length === n + 1) {
    const o = args[n];
    if (typeof o === "object" && o !== null) {
      return { args: args.slice(0, n), signal: (o as ExportCallOptions).signal };
    }
  }
  return { args, signal: undefined };
}

/** The top-level `result<T, E>` as return-or-throw; other results as the value. */
function unwrap(type: FuncType, result: unknown[]): unknown {
  const v = result[0];
  if (type.result?.kind !== "result") return v;
  const r = v as { tag: string; val?: unknown };
  if (r.tag === "err") throw new ComponentError(r.val);
  return r.val;
}

/**
 * `canon lift` through the executor: a {@linkcode FuncItem} whose `call`
 * returns a Promise for an `async` function type (accepting a trailing
 * `{ signal }`), and the value for a sync one; its `inst` is the spec's
 * `FuncInst` for other instances' lowered calls.
 */
export function liftAsync(
  core: (...flat: CoreValue[]) => unknown,
  type: FuncType,
  options: CanonOptions,
  opts: AsyncOpts,
  context: { readonly name: string; readonly offset: number; readonly jspi: boolean },
): FuncItem {
  options = withFreshRealloc(options);
  const inst = asyncOf(options.instance);
  const params = flatValues(type.params.map((p) => p.type), options);
  const results = flatValues(resultsOf(type), options);
  const mode = !opts.async ? "sync" : opts.callback !== undefined ? "callback" : "stackful";
  let callee: (flat: CoreValue[]) => unknown;
  let callback = opts.callback;
  if (mode === "stackful" && !context.jspi) {
    throw needsJspi("a stackful async lift (async without callback)", context);
  }
  // With JSPI every entry is made with `WebAssembly.promising`, so that any
  // blocking built-in or sync-lowered async call can suspend (they are
  // `WebAssembly.Suspending` imports in this tree, which throw outside a
  // promising entry). The price: a call resolves on a later microtask.
  // Through a generated entry trampoline, a call that never suspends still
  // finishes synchronously (see `entryTrampoline`).
  if (context.jspi) {
    const coreParams = flatTypes(type.params.map((p) => p.type), MAX_FLAT_PARAMS);
    const coreResults: CoreType[] = mode === "sync"
      ? flatTypes(resultsOf(type), MAX_FLAT_RESULTS)
      : mode === "callback"
      ? ["i32"]
      : [];
    const p = entryOf(core, { params: coreParams, results: coreResults });
    callee = (flat) => p(...flat);
    if (callback !== undefined) {
      const cb = entryOf(callback, { params: ["i32", "i32", "i32"], results: ["i32"] });
      callback = (e, p1, p2) => cb(e, p1, p2) as number | Promise<number>;
    }
  } else callee = (flat) => core(...flat);
  const postReturn = options.postReturn;
  const fi = canonLift({
    instance: inst,
    async: type.async,
    mode,
    name: context.name,
    callee,
    ...(callback !== undefined ? { callback } : {}),
    ...(postReturn !== undefined
      ? { postReturn: (flat: unknown) => void postReturn(...asFlat(flat)) }
      : {}),
    lowerParams: (task, args) => params.lower(args, MAX_FLAT_PARAMS, { scope: task }),
    liftResults: (_task, flat) => results.lift(asFlat(flat), MAX_FLAT_RESULTS),
    liftOptions: { stringEncoding: options.stringEncoding ?? "utf8", memory: options.memory },
    resultType: type.result,
  });
  const names = type.params.map((p) => p.name);
  const resultJs = type.result === undefined ? undefined : jsFormOf(type.result);
  // The result as JS gets it: streams and futures in their JS form, and a
  // top-level `result<T, E>` as return-or-throw.
  const toJs = (r: unknown[]): unknown => {
    if (resultJs !== undefined) r[0] = resultJs(r[0]);
    return unwrap(type, r);
  };
  const checkArgs = (args: unknown[]): void => {
    if (args.length !== type.params.length) {
      throw new TypeError(
        `Cannot call "${context.name}": expected ${type.params.length} arguments, received ${args.length}`,
      );
    }
    params.check(args, names);
  };
  let call: (...args: unknown[]) => unknown;
  if (type.async) {
    call = (...all) => {
      const { args, signal } = splitArgs(type, all);
      try {
        checkArgs(args);
      } catch (e) {
        return Promise.reject(e);
      }
      return callAsync(fi, args, signal !== undefined ? { signal } : {}).then(toJs);
    };
  } else {
    const turns = turnsOf(options.instance);
    /** Runs the call: its value, or a Promise when the core function suspended (JSPI). */
    const run = (args: unknown[]): unknown => {
      let out: unknown[] | undefined;
      let trap: unknown;
      let later: { resolve(v: unknown): void; reject(e: unknown): void } | undefined;
      let release = (): void => {};
      fi(
        () => args,
        (r) => {
          if (later === undefined) {
            out = r;
            return;
          }
          const settle = later;
          // The post-return runs right after: a trap in it must win.
          queueMicrotask(() => {
            release();
            if (r === undefined) settle.reject(new CancelledError());
            else {
              try {
                settle.resolve(toJs(r));
              } catch (e) {
                settle.reject(e);
              }
            }
          });
        },
        undefined,
        (t) => {
          if (later === undefined) trap = t;
          else {
            release();
            later.reject(t);
          }
        },
      );
      if (trap !== undefined) throw trap;
      if (out === undefined) {
        // The core function was entered with JSPI and suspended: the next
        // call from JS waits until this one finished.
        const turn = Promise.withResolvers<void>();
        turns.busy = turn.promise;
        release = () => {
          if (turns.busy === turn.promise) turns.busy = undefined;
          turn.resolve();
        };
        return new Promise((resolve, reject) => {
          later = { resolve, reject };
        });
      }
      return toJs(out);
    };
    call = (...all) => {
      const { args, signal } = splitArgs(type, all);
      checkArgs(args);
      if (signal?.aborted) return Promise.reject(cancelledBySignal(signal));
      const busy = turns.busy;
      if (signal === undefined) {
        return busy === undefined ? run(args) : busy.then(() => call(...args));
      }
      const entered = busy === undefined ? run(args) : undefined;
      if (busy === undefined && !(entered instanceof Promise)) return entered;
      // Aborting rejects at once: a call still waiting for its turn never
      // enters; a suspended one cannot be stopped inside the guest, so it
      // finishes in isolation (result dropped, post-return run) and the
      // next call waits for it.
      return new Promise((resolve, reject) => {
        const onAbort = (): void => reject(cancelledBySignal(signal));
        signal.addEventListener("abort", onAbort, { once: true });
        const started = busy === undefined
          ? entered as Promise<unknown>
          : busy.then(() => signal.aborted ? undefined : call(...args, { signal }));
        started.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
      });
    };
  }
  return { kind: "func", type, call, inst: fi };
}

/** A JS caller's cancellation of a call. */
function cancelledBySignal(signal: AbortSignal): CancelledError {
  return new CancelledError("The call was cancelled by its caller's signal", {
    cause: signal.reason,
  });
}

/** Whose turn it is among JS calls of sync-typed exports of one instance tree. */
interface Turns {
  /** Settles when the suspended call before ends (`undefined`: none). */
  busy: Promise<void> | undefined;
}

const turnsByRoot = new WeakMap<ComponentInstanceState, Turns>();

function turnsOf(state: ComponentInstanceState): Turns {
  let root = state;
  while (root.parent !== undefined) root = root.parent;
  let t = turnsByRoot.get(root);
  if (t === undefined) {
    t = { busy: undefined };
    turnsByRoot.set(root, t);
  }
  return t;
}

/**
 * A host function (or any `call` without a `FuncInst`) as a `FuncInst`;
 * Promises make subtasks. Its arguments reach it in their JS form.
 */
export function funcInstOf(item: FuncItem): FuncInst {
  if (item.inst !== undefined) return item.inst;
  const type = item.type;
  const topResult = type.result?.kind === "result";
  const call = item.call;
  const argsJs = type.params.map((p) => jsFormOf(p.type));
  const fn = argsJs.every((c) => c === undefined) ? call : (...args: unknown[]): unknown => {
    for (let i = 0; i < args.length; i++) {
      const c = argsJs[i];
      if (c !== undefined) args[i] = c(args[i]);
    }
    return call(...args);
  };
  const asResult = (e: unknown): unknown => {
    if (topResult && typeof e === "object" && e !== null && "payload" in e) {
      return { tag: "err", val: (e as { payload: unknown }).payload };
    }
    throw e;
  };
  return hostFunction((args) => {
    let r: unknown;
    try {
      r = fn(...args);
    } catch (e) {
      return asResult(e);
    }
    if (!topResult) return r;
    if (r instanceof Promise) return r.then((v) => ({ tag: "ok", val: v }), asResult);
    return { tag: "ok", val: r };
  }, { hasResult: type.result !== undefined, name: call.name || "host function" });
}

/** `canon lower` through the executor (async option: flat-parameter limit 4, out-pointer). */
export function lowerAsync(
  func: FuncItem,
  options: CanonOptions,
  isAsync: boolean,
  context: { readonly name: string; readonly jspi: boolean },
): (...flat: CoreValue[]) => unknown {
  options = withFreshRealloc(options);
  const inst = asyncOf(options.instance);
  const type = func.type;
  const params = flatValues(type.params.map((p) => p.type), options);
  const results = flatValues(resultsOf(type), options);
  const maxParams = isAsync ? MAX_FLAT_ASYNC_PARAMS : MAX_FLAT_PARAMS;
  const outIndex = params.flatLength > maxParams ? 1 : params.flatLength;
  const lowered = canonLower({
    instance: inst,
    async: isAsync,
    callee: funcInstOf(func),
    name: context.name,
    jspi: context.jspi,
    calleeAsync: type.async,
    liftParams: (subtask, flat) => params.lift(flat, maxParams, (h) => subtask.addLender(h)),
    lowerResults: (_subtask, result, flat) => {
      if (isAsync) {
        if (results.flatLength === 0) return [];
        return results.lower(result, 0, { outPtr: Number(flat[outIndex]) >>> 0 });
      }
      if (results.flatLength > MAX_FLAT_RESULTS) {
        return results.lower(result, 0, { outPtr: Number(flat[outIndex]) >>> 0 });
      }
      return results.lower(result, MAX_FLAT_RESULTS);
    },
  });
  const f = (...flat: CoreValue[]): unknown => {
    const r = lowered(flat);
    if (r instanceof Promise) return r.then((x) => x[0]);
    return r[0];
  };
  if (!context.jspi || isAsync) return f;
  // The core signature of a sync lowered call (CanonicalABI.md § Flattening).
  const resultTypes = flatTypes(resultsOf(type), Infinity);
  const coreParams = flatTypes(type.params.map((p) => p.type), MAX_FLAT_PARAMS);
  const sig: CoreSignature = resultTypes.length > MAX_FLAT_RESULTS
    ? { params: [...coreParams, "i32"], results: [] }
    : { params: coreParams, results: resultTypes };
  return suspendingOf(f, sig, inst);
}

/**
 * `options` whose `realloc` runs with fresh context slots (see
 * `runInFreshContext`): it is called while lowering values into the
 * instance, outside the task whose thread happens to be current.
 */
function withFreshRealloc(options: CanonOptions): CanonOptions {
  const realloc = options.realloc;
  if (realloc === undefined) return options;
  const inst = asyncOf(options.instance);
  return {
    ...options,
    realloc: (oldPtr, oldSize, align, newSize) =>
      runInFreshContext(inst, () => realloc(oldPtr, oldSize, align, newSize)),
  };
}

/** The flat core types of `types`, or one `i32` pointer when there are more than `max`. */
function flatTypes(types: readonly ValType[], max: number): CoreType[] {
  const flat = types.flatMap((t) => flattenType(t));
  return flat.length > max ? ["i32"] : flat;
}

/**
 * A JSPI entry into `f` through a generated trampoline; a plain
 * `WebAssembly.promising` entry when the trampoline cannot import `f` (a JS
 * function, or a signature that does not match).
 */
function entryOf(
  f: (...a: never[]) => unknown,
  sig: CoreSignature,
): (...a: CoreValue[]) => unknown {
  try {
    return entryTrampoline(f, sig);
  } catch {
    return promisingOrPlain(f) as (...a: CoreValue[]) => unknown;
  }
}

/** `WebAssembly.promising(f)` for a wasm function; a JS function is called as it is. */
function promisingOrPlain(f: (...a: never[]) => unknown): (...a: unknown[]) => unknown {
  try {
    return promising(f);
  } catch (e) {
    if (e instanceof TypeError) return f as (...a: unknown[]) => unknown;
    throw e;
  }
}

/**
 * `f` as a core import that suspends its caller with JSPI only when `f`
 * returns a Promise; when the caller's stack resumes, its thread becomes
 * the store's current thread again (other stacks may have run meanwhile).
 */
function suspendingOf(
  f: (...a: never[]) => unknown,
  sig: CoreSignature,
  inst: AsyncInstanceState,
): (...a: CoreValue[]) => unknown {
  const store = inst.store;
  return suspendingTrampoline(f, sig, {
    capture: () => store.current,
    resumed: (thread) => {
      store.current = thread as typeof store.current;
    },
  }) as unknown as (...a: CoreValue[]) => unknown;
}

function needsJspi(what: string, context: { readonly offset: number }): CompileError {
  return new CompileError(
    `Cannot instantiate component: ${what} at byte ${
      formatOffset(context.offset)
    } needs JSPI (WebAssembly.Suspending and WebAssembly.promising), which this JavaScript engine does not have`,
    { offset: context.offset },
  );
}

/** What a 🔀 built-in needs from instantiation. */
export interface BuiltinContext {
  readonly state: ComponentInstanceState;
  /** Canonical options of the built-in (memory, encoding, realloc). */
  options(opts: readonly CanonOpt[]): CanonOptions;
  /** The value type at a type index. */
  valType(index: number): ValType;
  /** A resolved `task.return` result type. */
  resultType(c: Extract<Canon, { kind: "task.return" }>): ValType | undefined;
  /** The core memory at an index. */
  memory(index: number): WebAssembly.Memory;
  /** Whether blocking built-ins suspend with JSPI in this tree. */
  readonly jspi: boolean;
  readonly offset: number;
}

function streamTypeAt(cx: BuiltinContext, index: number, kind: "stream"): StreamType;
function streamTypeAt(cx: BuiltinContext, index: number, kind: "future"): FutureType;
function streamTypeAt(
  cx: BuiltinContext,
  index: number,
  kind: "stream" | "future",
): StreamType | FutureType;
function streamTypeAt(
  cx: BuiltinContext,
  index: number,
  kind: "stream" | "future",
): StreamType | FutureType {
  const t = cx.valType(index);
  if (t.kind !== kind) {
    throw new CompileError(
      `Cannot instantiate component: type ${index} at byte ${
        formatOffset(cx.offset)
      } is not a ${kind} type`,
      { offset: cx.offset },
    );
  }
  return t;
}

/** The core function of a 🔀 built-in, or `undefined` when `canon` is not one Weft has. */
export function asyncBuiltin(canon: Canon, builtin: BuiltinContext): unknown {
  const cx: BuiltinContext = {
    ...builtin,
    options: (opts) => withFreshRealloc(builtin.options(opts)),
  };
  const inst = asyncOf(cx.state);
  const jspi = cx.jspi;
  const blocking = <F extends (...a: never[]) => unknown>(
    f: F,
    params: readonly CoreType[],
  ): unknown => jspi ? suspendingOf(f, { params, results: ["i32"] }, inst) : f;
  switch (canon.kind) {
    case "backpressure.inc":
      return backpressureInc(inst);
    case "backpressure.dec":
      return backpressureDec(inst);
    case "task.return": {
      const options = cx.options(canon.options);
      const resultType = cx.resultType(canon);
      const results = flatValues(resultType === undefined ? [] : [resultType], options);
      return taskReturn(inst, {
        resultType,
        liftOptions: {
          stringEncoding: options.stringEncoding ?? "utf8",
          memory: options.memory,
        },
        liftResults: (_task, flat) => results.lift(flat, MAX_FLAT_PARAMS),
      });
    }
    case "task.cancel":
      return taskCancel(inst);
    case "context.get":
      return contextGet(inst, canon.index);
    case "context.set":
      return contextSet(inst, canon.index);
    case "subtask.cancel":
      return blocking(subtaskCancel(inst, { async: canon.async, jspi }), ["i32"]);
    case "subtask.drop":
      return subtaskDrop(inst);
    case "waitable-set.new":
      return waitableSetNew(inst);
    case "waitable-set.drop":
      return waitableSetDrop(inst);
    case "waitable.join":
      return waitableJoin(inst);
    case "waitable-set.wait":
      return blocking(
        waitableSetWait(inst, {
          cancellable: canon.cancellable,
          memory: cx.memory(canon.memory),
          jspi,
        }),
        ["i32", "i32"],
      );
    case "waitable-set.poll":
      return waitableSetPoll(inst, {
        cancellable: canon.cancellable,
        memory: cx.memory(canon.memory),
        jspi,
      });
    case "thread.yield":
      return blocking(threadYield(inst, { cancellable: canon.cancellable, jspi }), []);
    case "stream.new":
      return streamNew(inst, streamTypeAt(cx, canon.type, "stream"));
    case "future.new":
      return futureNew(inst, streamTypeAt(cx, canon.type, "future"));
    case "stream.read":
    case "stream.write":
    case "future.read":
    case "future.write": {
      const kind = canon.kind.startsWith("stream") ? "stream" : "future";
      const t = streamTypeAt(cx, canon.type, kind);
      const options = cx.options(canon.options);
      const isAsync = canon.options.some((o) => o.kind === "async");
      const copy = {
        async: isAsync,
        jspi,
        ...(t.element !== undefined ? { codec: elementAccess(t.element, options) } : {}),
      };
      const f = t.kind === "stream"
        ? (canon.kind === "stream.read" ? streamRead(inst, t, copy) : streamWrite(inst, t, copy))
        : canon.kind === "future.read"
        ? futureRead(inst, t, copy)
        : futureWrite(inst, t, copy);
      return isAsync
        ? f
        : blocking(f, t.kind === "stream" ? ["i32", "i32", "i32"] : ["i32", "i32"]);
    }
    case "stream.cancel-read":
    case "stream.cancel-write":
    case "future.cancel-read":
    case "future.cancel-write": {
      const kind = canon.kind.startsWith("stream") ? "stream" : "future";
      const t = streamTypeAt(cx, canon.type, kind);
      const end = canon.kind.endsWith("read") ? "readable" : "writable";
      const f = cancelCopy(inst, `${kind}.${end}`, t, { async: canon.async, jspi });
      return canon.async ? f : blocking(f, ["i32"]);
    }
    case "stream.drop-readable":
    case "stream.drop-writable":
    case "future.drop-readable":
    case "future.drop-writable": {
      const kind = canon.kind.startsWith("stream") ? "stream" : "future";
      const t = streamTypeAt(cx, canon.type, kind);
      const end = canon.kind.endsWith("readable") ? "readable" : "writable";
      return dropEnd(inst, `${kind}.${end}`, t);
    }
    case "error-context.new":
      return errorContextNew(inst, stringAccess(cx.options(canon.options)));
    case "error-context.debug-message":
      return errorContextDebugMessage(inst, stringAccess(cx.options(canon.options)));
    case "error-context.drop":
      return errorContextDrop(inst);
    default:
      return undefined;
  }
}
