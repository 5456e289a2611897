// wasi:io/error (io/wit/error.wit).

/**
 * `wasi:io/error.error`: the payload of `stream-error::last-operation-failed`.
 * It wraps what the host saw fail (`cause`); `code` is set when the failure
 * maps to a `wasi:filesystem` error code, for `filesystem-error-code`.
 */
export class IoError {
  /** What failed on the host side. */
  readonly cause: unknown;
  /** The `wasi:filesystem/types.error-code` of the failure, if it has one. */
  readonly code: string | undefined;

  /** Wraps the host failure `cause`. */
  constructor(cause: unknown, options: { code?: string } = {}) {
    this.cause = cause;
    this.code = options.code;
  }

  /** `to-debug-string`: a message for people, not for parsing. */
  toDebugString(): string {
    const c = this.cause;
    if (c instanceof Error) return `${c.name}: ${c.message}`;
    return String(c);
  }
}
