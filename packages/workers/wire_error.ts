/**
 * Errors across a thread boundary. Structured clone (and comlink on top of
 * it) keeps only a few built-in error classes and drops `cause` and every
 * own property such as `payload`; this encoding keeps the class, `name`,
 * `message`, `stack`, `cause` (recursively), `payload` and other own data.
 *
 * @module
 */
import {
  CompileError,
  ComponentError,
  InstancePoisonedError,
  LinkError,
  Trap,
} from "@weft/runtime";
import {
  CancelledError,
  PoolClosedError,
  QueueFullError,
  ResourceLostError,
  TimeoutError,
  WorkerCrashedError,
} from "./errors.ts";

/** An error as it crosses a thread: plain, structured-clonable data. */
export interface WireError {
  /** Marks the object as an encoded error. */
  readonly $weftError: 1;
  /** The constructor's name, used to find the class on the other side. */
  readonly className: string;
  /** The error's `name`. */
  readonly name: string;
  /** The error's `message`. */
  readonly message: string;
  /** The error's `stack`, if it had one. */
  readonly stack?: string;
  /** The encoded `cause`, if the error had one. */
  readonly cause?: WireValue;
  /** Other own properties (`payload`, `import`, `offset`, …), cloned or described. */
  readonly props: Record<string, unknown>;
}

/** A `cause` value: an encoded error, or any other value wrapped as `{ value }`. */
export type WireValue = WireError | { readonly value: unknown };

/** An error class {@linkcode registerErrorClass} accepts. */
// deno-lint-ignore no-explicit-any
export type ErrorClass = new (...args: any[]) => Error;

const classes = new Map<string, ErrorClass>();
for (
  const cls of [
    Error,
    TypeError,
    RangeError,
    SyntaxError,
    ReferenceError,
    EvalError,
    URIError,
    Trap,
    ComponentError,
    InstancePoisonedError,
    LinkError,
    CompileError,
    WorkerCrashedError,
    TimeoutError,
    CancelledError,
    QueueFullError,
    ResourceLostError,
    PoolClosedError,
  ] as ErrorClass[]
) classes.set(cls.name, cls);

/**
 * Makes an error class known to {@linkcode decodeError} so errors of that
 * class keep it across a thread (both threads must register it).
 */
export function registerErrorClass(cls: ErrorClass): void {
  classes.set(cls.name, cls);
}

function isClonable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

const SKIP = new Set(["name", "message", "stack", "cause"]);

/** Encodes an error (or any thrown value) as plain data. */
export function encodeError(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error) && !(error instanceof DOMException)) {
    return {
      $weftError: 1,
      className: "Error",
      name: "Error",
      message: `A non-error value was thrown: ${describe(error)}`,
      props: { thrown: isClonable(error) ? error : describe(error) },
    };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    if (SKIP.has(key)) continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    props[key] = isClonable(value) ? value : describe(value);
  }
  let cause: WireValue | undefined;
  if ("cause" in error && depth < 16) {
    const c = error.cause;
    cause = c instanceof Error || c instanceof DOMException
      ? encodeError(c, depth + 1)
      : { value: isClonable(c) ? c : describe(c) };
  }
  return {
    $weftError: 1,
    className: error instanceof DOMException ? "DOMException" : error.constructor?.name ?? "Error",
    name: error.name,
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(cause === undefined ? {} : { cause }),
    props,
  };
}

/** Whether a value is an encoded error. */
export function isWireError(value: unknown): value is WireError {
  return typeof value === "object" && value !== null &&
    (value as { $weftError?: unknown }).$weftError === 1;
}

/** Rebuilds an error of the same class (when known) from its encoding. */
export function decodeError(wire: WireError): Error {
  const cause = wire.cause === undefined
    ? undefined
    : isWireError(wire.cause)
    ? decodeError(wire.cause)
    : wire.cause.value;
  const options = wire.cause === undefined ? undefined : { cause };
  let error: Error;
  if (wire.className === "DOMException") {
    error = new DOMException(wire.message, wire.name);
    if (options !== undefined) Object.defineProperty(error, "cause", { value: cause });
  } else {
    const cls = classes.get(wire.className) ?? Error;
    // Constructs with Error's own constructor and the class's prototype, so
    // a class whose constructor takes other arguments (ComponentError takes
    // the payload) is still rebuilt with the original message.
    error = Reflect.construct(Error, [wire.message, options], cls) as Error;
    Object.defineProperty(error, "name", {
      value: wire.name,
      writable: true,
      configurable: true,
    });
  }
  if (wire.stack !== undefined) {
    Object.defineProperty(error, "stack", {
      value: wire.stack,
      writable: true,
      configurable: true,
    });
  }
  for (const [key, value] of Object.entries(wire.props)) {
    Object.defineProperty(error, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return error;
}
