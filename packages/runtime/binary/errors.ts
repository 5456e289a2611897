/**
 * The error raised for a component binary that cannot be decoded or is invalid.
 *
 * @module
 */

/** Options for {@linkcode CompileError}. */
export interface CompileErrorOptions {
  /** Byte offset in the component binary the error refers to, if known. */
  offset?: number;
  /** The underlying error, when wrapping one. */
  cause?: unknown;
}

/**
 * A component binary is malformed (cannot be decoded) or invalid (fails
 * validation). `offset` is the byte offset the message refers to, when known.
 *
 * @example Usage
 * ```ts
 * import { CompileError } from "./errors.ts";
 * const error = new CompileError("Cannot decode component: expected a section id at byte 0x8", {
 *   offset: 8,
 * });
 * error.offset; // 8
 * ```
 */
export class CompileError extends Error {
  /** Byte offset in the binary the error refers to, or `undefined` if unknown. */
  readonly offset: number | undefined;

  /** Creates a `CompileError` with a complete, human-readable message. */
  constructor(message: string, options: CompileErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CompileError";
    this.offset = options.offset;
  }
}

/** Formats a byte offset the way every decode message shows it (`0x1a3`). */
export function formatOffset(offset: number): string {
  return `0x${offset.toString(16)}`;
}
