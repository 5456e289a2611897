// wasi:io/streams.input-stream (io/wit/streams.wit).
import { type ByteSource, ReadableSource } from "./byte_source.ts";
import { closedError, WasiError, WouldBlockError } from "./errors.ts";
import { IoError } from "./io_error.ts";
import { Pollable } from "./pollable.ts";
import { withAsyncForm } from "./suspending.ts";

/** Options of {@linkcode InputStream}. */
export interface InputStreamOptions {
  /** Close the source when this stream is dropped (default `true`). */
  closeOnDrop?: boolean;
  /** Maps a read failure to a `wasi:filesystem` error code for `filesystem-error-code`. */
  errorCode?: (error: unknown) => string | undefined;
}

// A list<u8> result must fit a wasm32 memory; bigger requests are served in part,
// as the WIT allows ("may return fewer than requested").
const MAX_READ = 1 << 24;

function clampLen(len: bigint | number): number {
  const n = typeof len === "bigint" ? len : BigInt(len);
  if (n < 0n) throw new RangeError(`Cannot read a negative length: received ${n}`);
  return n > BigInt(MAX_READ) ? MAX_READ : Number(n);
}

/**
 * `wasi:io/streams.input-stream`: a non-blocking byte stream over a
 * {@linkcode ByteSource} (a `ReadableStream` or a synchronous source).
 *
 * `read` returns what is there now, possibly nothing. After the end of the
 * stream every operation fails with `closed`; a failed read fails once with
 * `last-operation-failed` and the stream is closed from then on.
 */
export class InputStream {
  readonly #source: ByteSource;
  readonly #options: InputStreamOptions;
  #closed = false;

  /** A stream over `source`. */
  constructor(source: ByteSource, options: InputStreamOptions = {}) {
    this.#source = source;
    this.#options = options;
  }

  /** A stream reading `stream`. */
  static fromReadable(stream: ReadableStream<unknown>): InputStream {
    return new InputStream(new ReadableSource(stream));
  }

  /** `read`: up to `len` bytes that are there now (none when none is). */
  read(len: bigint): Uint8Array {
    const max = clampLen(len);
    if (this.#closed) throw closedError();
    if (max === 0) {
      // streams.wit § read: a read of 0 succeeds while the stream is open.
      return new Uint8Array(0);
    }
    let bytes: Uint8Array | null;
    try {
      bytes = this.#source.read(max);
    } catch (error) {
      this.#closed = true;
      throw this.#failed(error);
    }
    if (bytes === null) {
      this.#closed = true;
      throw closedError();
    }
    return bytes;
  }

  /** `blocking-read`: like `read` once a byte (or the end) is there. */
  blockingRead(len: bigint): Uint8Array {
    if (!this.#readyNow()) throw new WouldBlockError("blocking-read an input-stream");
    return this.read(len);
  }

  /** The waiting form of {@linkcode InputStream.prototype.blockingRead}. */
  async blockingReadAsync(len: bigint): Promise<Uint8Array> {
    await this.#whenReady();
    return this.read(len);
  }

  /** `skip`: like `read`, but drops the bytes and returns their number. */
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }

  /** `blocking-skip`: like `blocking-read`, returning the number of bytes dropped. */
  blockingSkip(len: bigint): bigint {
    return BigInt(this.blockingRead(len).length);
  }

  /** The waiting form of {@linkcode InputStream.prototype.blockingSkip}. */
  async blockingSkipAsync(len: bigint): Promise<bigint> {
    return BigInt((await this.blockingReadAsync(len)).length);
  }

  /** `subscribe`: ready when bytes are there, or at the end, or on failure. */
  subscribe(): Pollable {
    return new Pollable({
      ready: () => this.#readyNow(),
      wait: (signal) => this.#source.wait(signal),
    });
  }

  /** Whether a `read` would return at once with bytes or an error. */
  #readyNow(): boolean {
    return this.#closed || this.#source.ready();
  }

  async #whenReady(): Promise<void> {
    const controller = new AbortController();
    try {
      while (!this.#readyNow()) await this.#source.wait(controller.signal);
    } finally {
      controller.abort();
    }
  }

  #failed(error: unknown): WasiError {
    const code = this.#options.errorCode?.(error);
    const payload = new IoError(error, code === undefined ? {} : { code });
    return new WasiError({ tag: "last-operation-failed", val: payload }, { cause: error });
  }

  /** Dropping the stream releases its source (unless shared, as stdin is). */
  [Symbol.dispose](): void {
    this.#closed = true;
    if (this.#options.closeOnDrop !== false) this.#source.close?.();
  }
}
withAsyncForm(InputStream.prototype.blockingRead, InputStream.prototype.blockingReadAsync);
withAsyncForm(InputStream.prototype.blockingSkip, InputStream.prototype.blockingSkipAsync);
