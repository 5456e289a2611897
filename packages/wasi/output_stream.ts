// wasi:io/streams.output-stream (io/wit/streams.wit).
import { type ByteSink, WritableSink } from "./byte_source.ts";
import { closedError, WasiError, WouldBlockError } from "./errors.ts";
import type { InputStream } from "./input_stream.ts";
import { IoError } from "./io_error.ts";
import { Pollable } from "./pollable.ts";
import { withAsyncForm, withSuspendingForm } from "./suspending.ts";

/** Options of {@linkcode OutputStream}. */
export interface OutputStreamOptions {
  /** Bytes that may be in flight to an asynchronous sink before `check-write` says 0 (64 KiB). */
  capacity?: number;
  /** Close the sink when this stream is dropped (default `true`). */
  closeOnDrop?: boolean;
  /** Maps a write failure to a `wasi:filesystem` error code for `filesystem-error-code`. */
  errorCode?: (error: unknown) => string | undefined;
}

// streams.wit § blocking-write-and-flush: "a write of up to 4096 bytes".
const BLOCKING_LIMIT = 4096;
const NO_FAILURE: unique symbol = Symbol("no failure");

function toLength(len: bigint | number, what: string): number {
  const n = typeof len === "bigint" ? len : BigInt(len);
  if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`Cannot ${what}: received a length of ${n}`);
  }
  return Number(n);
}

/**
 * `wasi:io/streams.output-stream` over a {@linkcode ByteSink} (a
 * `WritableStream` or a synchronous sink).
 *
 * The rules of streams.wit: `check-write` grants a permit; `write` beyond it
 * traps (throws a plain `RangeError`, which the runtime turns into a trap);
 * `flush` makes `check-write` say 0 until the bytes written so far reached
 * the sink; a failed write is reported once as `last-operation-failed`, and
 * the stream is `closed` from then on.
 *
 * Blocking calls without JSPI: `blocking-write-and-flush`, `blocking-flush`
 * and friends hand the bytes to the sink and return. A synchronous sink has
 * written them by then (its failure is reported by the call itself); for an
 * asynchronous sink, a failure is reported by the next operation. Their
 * `…Async` forms wait for the sink as the WIT prescribes.
 */
export class OutputStream {
  readonly #sink: ByteSink;
  readonly #options: OutputStreamOptions;
  readonly #capacity: number;
  #permit = 0;
  #inFlight = 0;
  #pending = new Set<Promise<void>>();
  #flushing: Promise<void> | undefined;
  #failure: unknown = NO_FAILURE;
  #closed = false;
  #waiters: (() => void)[] = [];

  /** A stream writing to `sink`. */
  constructor(sink: ByteSink, options: OutputStreamOptions = {}) {
    this.#sink = sink;
    this.#options = options;
    this.#capacity = options.capacity ?? 65536;
    if (!(this.#capacity >= 1)) {
      throw new RangeError(`Cannot use an output capacity below 1: received ${this.#capacity}`);
    }
  }

  /** A stream writing to `stream`. */
  static fromWritable(
    stream: WritableStream<Uint8Array>,
    options: OutputStreamOptions = {},
  ): OutputStream {
    return new OutputStream(new WritableSink(stream), options);
  }

  /** `check-write`: how many bytes the next `write` may take (0 while flushing or full). */
  checkWrite(): bigint {
    this.#throwIfUnusable();
    this.#permit = this.#flushing !== undefined ? 0 : Math.max(0, this.#capacity - this.#inFlight);
    return BigInt(this.#permit);
  }

  /** `write`: `contents` within the permit of the last `check-write`. Never blocks. */
  write(contents: Uint8Array): void {
    this.#throwIfUnusable();
    this.#takePermit(contents.length);
    this.#send(contents.slice());
  }

  /** `write-zeroes`: like `write` with `len` zero bytes. */
  writeZeroes(len: bigint): void {
    const n = toLength(len, "write zeroes");
    this.#throwIfUnusable();
    this.#takePermit(n);
    this.#send(new Uint8Array(n));
  }

  /** `flush`: starts pushing what was written on; `check-write` says 0 until done. */
  flush(): void {
    this.#throwIfUnusable();
    this.#startFlush();
  }

  /** `blocking-flush` (without JSPI: hands off, see the class doc). */
  blockingFlush(): void {
    this.#throwIfUnusable();
    this.#startFlush(true);
    this.#throwIfFailedNow();
  }

  /** The waiting form of {@linkcode OutputStream.prototype.blockingFlush}. */
  async blockingFlushAsync(): Promise<void> {
    await this.#flushWaiting();
  }

  /** `blocking-flush` that waits only when the sink has not finished yet. */
  #flushWaiting(): void | Promise<void> {
    this.flush();
    if (this.#drainedNow()) return this.#throwIfUnusable();
    return this.#drained().then(() => this.#throwIfUnusable());
  }

  /** `blocking-write-and-flush`: at most 4096 bytes (without JSPI: hands off). */
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.#blockingCheck(contents.length);
    this.#send(contents.slice());
    this.#startFlush(true);
    this.#throwIfFailedNow();
  }

  /** The waiting form of {@linkcode OutputStream.prototype.blockingWriteAndFlush}. */
  async blockingWriteAndFlushAsync(contents: Uint8Array): Promise<void> {
    await this.#writeAndFlushWaiting(contents);
  }

  /** `blocking-write-and-flush` that waits only when the sink has not finished yet. */
  #writeAndFlushWaiting(contents: Uint8Array): void | Promise<void> {
    this.#blockingCheck(contents.length);
    this.#send(contents.slice());
    this.#startFlush();
    // A synchronous sink is done already: no need to suspend the guest.
    if (this.#drainedNow()) return this.#throwIfFailedNow();
    return this.#drained().then(() => this.#throwIfFailedNow());
  }

  /** `blocking-write-zeroes-and-flush`: at most 4096 zero bytes. */
  blockingWriteZeroesAndFlush(len: bigint): void {
    this.blockingWriteAndFlush(this.#zeroes(len));
  }

  /** The waiting form of {@linkcode OutputStream.prototype.blockingWriteZeroesAndFlush}. */
  async blockingWriteZeroesAndFlushAsync(len: bigint): Promise<void> {
    await this.#writeAndFlushWaiting(this.#zeroes(len));
  }

  /**
   * `splice`: `check-write`, then `read` of the smaller of the permit and
   * `len` from `src`, then `write` of what was read. Returns the count.
   */
  splice(src: InputStream, len: bigint): bigint {
    const max = toLength(len, "splice");
    const permit = this.checkWrite();
    const want = permit < BigInt(max) ? permit : BigInt(max);
    if (want === 0n) return 0n;
    const bytes = src.read(want);
    this.write(bytes);
    return BigInt(bytes.length);
  }

  /** `blocking-splice`: `splice` once both ends are ready (without JSPI: only then). */
  blockingSplice(src: InputStream, len: bigint): bigint {
    if (!this.#writable()) throw new WouldBlockError("blocking-splice into a full output-stream");
    if (!src.subscribe().ready()) {
      throw new WouldBlockError("blocking-splice from an input-stream with no data");
    }
    return this.splice(src, len);
  }

  /** The waiting form of {@linkcode OutputStream.prototype.blockingSplice}. */
  async blockingSpliceAsync(src: InputStream, len: bigint): Promise<bigint> {
    await this.subscribe().blockAsync();
    await src.subscribe().blockAsync();
    return this.splice(src, len);
  }

  /** `subscribe`: ready when `check-write` gives more than 0 or an error. */
  subscribe(): Pollable {
    return new Pollable({
      ready: () => this.#writable(),
      wait: (signal) => this.#changed(signal),
    });
  }

  /** Dropping the stream releases its sink (unless shared, as stdout is). */
  [Symbol.dispose](): void {
    this.#closed = true;
    if (this.#options.closeOnDrop !== false) this.#sink.close?.();
  }

  #writable(): boolean {
    return this.#closed || this.#failure !== NO_FAILURE ||
      (this.#flushing === undefined && this.#inFlight < this.#capacity);
  }

  /** Zeroes for a blocking write, checked against its limit before anything is allocated. */
  #zeroes(len: bigint): Uint8Array {
    const n = toLength(len, "write zeroes");
    this.#blockingCheck(n);
    return new Uint8Array(n);
  }

  #blockingCheck(length: number): void {
    if (length > BLOCKING_LIMIT) {
      throw new RangeError(
        `Cannot blocking-write-and-flush more than ${BLOCKING_LIMIT} bytes: received ${length}`,
      );
    }
    this.#throwIfUnusable();
  }

  #takePermit(length: number): void {
    // streams.wit § write: more than check-write permitted traps.
    if (length > this.#permit) {
      throw new RangeError(
        `Cannot write ${length} bytes to an output-stream: check-write permitted ${this.#permit}`,
      );
    }
    this.#permit -= length;
  }

  /** Reports a pending failure once (`last-operation-failed`), then `closed`. */
  #throwIfUnusable(): void {
    this.#throwIfFailedNow();
    if (this.#closed) throw closedError();
  }

  #throwIfFailedNow(): void {
    if (this.#failure === NO_FAILURE) return;
    const error = this.#failure;
    this.#failure = NO_FAILURE;
    this.#closed = true;
    const code = this.#options.errorCode?.(error);
    const payload = new IoError(error, code === undefined ? {} : { code });
    throw new WasiError({ tag: "last-operation-failed", val: payload }, { cause: error });
  }

  #fail(error: unknown): void {
    if (this.#failure === NO_FAILURE && !this.#closed) this.#failure = error;
  }

  #send(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    let result: void | Promise<void>;
    try {
      result = this.#sink.write(bytes);
    } catch (error) {
      this.#fail(error);
      return;
    }
    if (result === undefined) return;
    const length = bytes.length;
    this.#inFlight += length;
    const p: Promise<void> = result.then(
      () => {},
      (error: unknown) => this.#fail(error),
    ).finally(() => {
      this.#inFlight -= length;
      this.#pending.delete(p);
      this.#notify();
    });
    this.#pending.add(p);
  }

  /**
   * Starts a flush. A hand-off (a blocking call without JSPI, which returns
   * as if flushed) leaves `check-write` open: the flush runs as one more
   * write in flight rather than as the `flush` state.
   */
  #startFlush(handOff = false): void {
    if (this.#flushing !== undefined) return;
    if (this.#pending.size === 0) {
      // Nothing in flight: a synchronous sink flushes now.
      let result: void | Promise<void>;
      try {
        result = this.#sink.flush?.();
      } catch (error) {
        this.#fail(error);
        return;
      }
      if (result === undefined) return;
      this.#trackFlush(result, handOff);
      return;
    }
    if (this.#sink.flush === undefined && handOff) return;
    const written = Promise.all(this.#pending);
    this.#trackFlush(written.then(() => this.#sink.flush?.()), handOff);
  }

  #trackFlush(p: Promise<void>, handOff: boolean): void {
    const flushing: Promise<void> = p.then(
      () => {},
      (error: unknown) => this.#fail(error),
    ).finally(() => {
      if (this.#flushing === flushing) this.#flushing = undefined;
      this.#pending.delete(flushing);
      this.#notify();
    });
    if (handOff) this.#pending.add(flushing);
    else this.#flushing = flushing;
  }

  /** Whether nothing is in flight or flushing. */
  #drainedNow(): boolean {
    return this.#pending.size === 0 && this.#flushing === undefined;
  }

  /** Resolves when nothing is in flight or flushing. */
  async #drained(): Promise<void> {
    while (this.#pending.size > 0 || this.#flushing !== undefined) {
      await (this.#flushing ?? Promise.all(this.#pending));
    }
  }

  #changed(signal: AbortSignal): Promise<void> {
    if (this.#writable()) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
  static {
    // Without JSPI the blocking writes hand off (see the class doc); their
    // suspending forms wait for the sink, but only when it has not finished.
    withSuspendingForm(OutputStream.prototype.blockingFlush, function (this: OutputStream) {
      return this.#flushWaiting();
    });
    withSuspendingForm(
      OutputStream.prototype.blockingWriteAndFlush,
      function (this: OutputStream, contents: Uint8Array) {
        return this.#writeAndFlushWaiting(contents);
      },
    );
    withSuspendingForm(
      OutputStream.prototype.blockingWriteZeroesAndFlush,
      function (this: OutputStream, len: bigint) {
        return this.#writeAndFlushWaiting(this.#zeroes(len));
      },
    );
  }
}
withAsyncForm(OutputStream.prototype.blockingSplice, OutputStream.prototype.blockingSpliceAsync);
