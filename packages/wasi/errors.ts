// Errors the WASI host throws. The runtime turns an error carrying `payload`
// thrown from a host import whose result type is `result<_, E>` into `err(E)`
// (DESIGN.md § The JS value mapping); any other throw traps the caller.

/**
 * An `err` result of a WASI function: the runtime lowers `payload` as the
 * `E` of the function's `result<T, E>`.
 */
export class WasiError extends Error {
  /** The `err` value, in the JS value mapping (e.g. `"no-entry"`). */
  payload: unknown;

  /** Creates an error whose `err` value is `payload`. */
  constructor(payload: unknown, options?: ErrorOptions) {
    super(describe(payload), options);
    this.name = "WasiError";
    this.payload = payload;
  }
}

function describe(payload: unknown): string {
  if (typeof payload === "string") return `WASI error: ${payload}`;
  if (typeof payload === "object" && payload !== null && "tag" in payload) {
    return `WASI error: ${String((payload as { tag: unknown }).tag)}`;
  }
  return "WASI error";
}

/**
 * Thrown by `wasi:cli/exit`: the guest asked to exit with `code`. The core
 * never ends the process; an embedder catches this (it is the `cause` of the
 * trap the runtime reports) and decides what to do, e.g. `Deno.exit(code)`.
 */
export class ExitError extends Error {
  /** The exit status: 0 for success. */
  readonly code: number;

  /** Creates an exit request with status `code`. */
  constructor(code: number) {
    super(`The component exited with status ${code}`);
    this.name = "ExitError";
    this.code = code;
  }
}

/**
 * Thrown by a blocking WASI call (`block`, `poll`, `blocking-*`) that would
 * have to wait while the guest runs synchronously. Waiting needs the guest
 * to be suspended, which needs JSPI support in the runtime; until then such a
 * call only succeeds when what it waits for is already there. Thrown into a
 * guest, it traps the call.
 */
export class WouldBlockError extends Error {
  /** Creates the error for the blocking `operation`. */
  constructor(operation: string) {
    super(
      `Cannot ${operation} synchronously: it would block, and suspending the guest needs ` +
        `JSPI bridging of blocking WASI calls in the runtime (use the async form meanwhile)`,
    );
    this.name = "WouldBlockError";
  }
}

/** A stream's `closed` error (`stream-error::closed`). */
export function closedError(): WasiError {
  return new WasiError({ tag: "closed" });
}
