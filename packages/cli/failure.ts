/**
 * How `weft` reports a failure: one line on stderr (`weft: error: …`) and an
 * exit status, like Wasmtime's CLI. The stack and every cause follow only
 * when asked (`--verbose` or `WEFT_BACKTRACE=1`).
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
import { ExitError } from "@weft/wasi";
import { UsageError } from "./args.ts";

/**
 * The exit status after a trap. Wasmtime exits with 128 + SIGABRT (134) on
 * Unix, as if the process had aborted, and with 3 (what `abort()` gives) on
 * Windows; `weft` does the same so scripts can tell a trap from an error.
 */
export const TRAP_EXIT_CODE: number = typeof Deno !== "undefined" && Deno.build.os === "windows"
  ? 3
  : 134;

/** The exit status of a command line `weft` does not understand (as clap's and getopt's). */
export const USAGE_EXIT_CODE: number = 2;

/** A failure whose message is ready for the user (no cause chain to walk). */
export class CliError extends Error {
  /** The exit status (default 1). */
  readonly exitCode: number;

  /** Creates a failure reported as `message`, ending `weft` with `options.exitCode`. */
  constructor(message: string, options: ErrorOptions & { exitCode?: number } = {}) {
    super(message, options);
    this.name = "CliError";
    this.exitCode = options.exitCode ?? 1;
  }
}

/** The first {@linkcode ExitError} in `error`'s cause chain: the guest asked to exit. */
export function exitRequest(error: unknown): ExitError | undefined {
  for (let e = error, depth = 0; e instanceof Error && depth < 16; e = e.cause, depth++) {
    if (e instanceof ExitError) return e;
  }
  return undefined;
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0]!.trim();
  return line === "" ? "(no message)" : line;
}

/** The innermost named wasm frame of a trap's engine error, e.g. `boom`. */
function wasmFrame(error: Trap): string | undefined {
  const stack = error.cause instanceof Error ? error.cause.stack : undefined;
  const match = stack === undefined ? null : /^\s*at (\S+) \(wasm:\/\//m.exec(stack);
  const name = match?.[1];
  return name === undefined || name === "<anonymous>" ? undefined : name;
}

function message(error: unknown): string {
  if (error instanceof Error) return firstLine(error.message);
  return firstLine(String(error));
}

/**
 * The one line describing `error` (without the `weft: error: ` prefix);
 * `subject` names the component (`app.wasm`).
 */
export function describeFailure(error: unknown, subject: string): string {
  if (error instanceof Trap) {
    const frame = wasmFrame(error);
    return `${subject} trapped: ${message(error)}${frame === undefined ? "" : ` (in ${frame})`}`;
  }
  if (error instanceof InstancePoisonedError) {
    return `${subject} cannot be called: it trapped before: ${message(error.cause)}`;
  }
  if (error instanceof LinkError) {
    // The runtime's own prefix says what the line already says.
    const reason = message(error).replace(/^Cannot instantiate (the )?component: /, "");
    return `Cannot link ${subject}: ${reason}`;
  }
  if (error instanceof CompileError) return `Cannot compile ${subject}: ${message(error)}`;
  if (error instanceof ComponentError) return `${subject} returned an error: ${message(error)}`;
  return message(error);
}

/** The exit status for a failure. */
export function exitCodeOf(error: unknown): number {
  const exit = exitRequest(error);
  if (exit !== undefined) return exit.code;
  if (error instanceof UsageError) return USAGE_EXIT_CODE;
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof Trap || error instanceof InstancePoisonedError) return TRAP_EXIT_CODE;
  return 1;
}

/** The stack of `error` and of every cause, for `--verbose`. */
export function backtrace(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e !== undefined && depth < 16; depth++) {
    const text = e instanceof Error ? e.stack ?? `${e.name}: ${e.message}` : String(e);
    parts.push(depth === 0 ? text : `caused by: ${text}`);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join("\n");
}
