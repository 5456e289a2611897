// The two ends WASI streams are built on: a source of bytes for an
// input-stream and a sink for an output-stream, each either synchronous (files
// through a synchronous backend) or asynchronous (Web Streams).

/**
 * Where an `input-stream` reads from. `read` never blocks: it returns what is
 * there now.
 */
export interface ByteSource {
  /**
   * Up to `max` bytes available now: an empty array when none is there yet,
   * `null` at the end of the stream. Throws when reading failed.
   */
  read(max: number): Uint8Array | null;
  /** Whether `read` would return bytes, `null` or throw now. */
  ready(): boolean;
  /** Resolves when `ready()` may have changed; settles early when `signal` aborts. */
  wait(signal: AbortSignal): Promise<void>;
  /** Releases the source when the last stream reading from it is dropped. */
  close?(): void;
}

/**
 * Where an `output-stream` writes to. `write` returns a Promise when the
 * bytes are written later (a rejection is a failed write) and nothing when
 * they were written at once (a throw is a failed write).
 */
export interface ByteSink {
  /** Writes `bytes` (owned by the sink from now on). */
  write(bytes: Uint8Array): void | Promise<void>;
  /** Pushes buffered bytes on, if the sink buffers. */
  flush?(): void | Promise<void>;
  /** Releases the sink when the stream writing to it is dropped. */
  close?(): void;
}

/** A {@linkcode ByteSource} that reads a `ReadableStream`, buffering one chunk at a time. */
export class ReadableSource implements ByteSource {
  readonly #reader: ReadableStreamDefaultReader<unknown>;
  #chunks: Uint8Array[] = [];
  #ended = false;
  #failed = false;
  #failure: unknown = undefined;
  #pending: Promise<void> | undefined;

  /** Reads `stream` (chunks: `Uint8Array`, any `ArrayBufferView` or string). */
  constructor(stream: ReadableStream<unknown>) {
    this.#reader = stream.getReader();
  }

  read(max: number): Uint8Array | null {
    if (this.#chunks.length > 0) return this.#take(max);
    if (this.#failed) {
      this.#failed = false;
      this.#ended = true;
      throw this.#failure;
    }
    if (this.#ended) return null;
    void this.#fill();
    return new Uint8Array(0);
  }

  ready(): boolean {
    return this.#chunks.length > 0 || this.#ended || this.#failed;
  }

  wait(signal: AbortSignal): Promise<void> {
    if (this.ready()) return Promise.resolve();
    // The read itself cannot be cancelled without losing data; only the wait ends.
    return new Promise((resolve) => {
      signal.addEventListener("abort", () => resolve(), { once: true });
      this.#fill().then(resolve);
    });
  }

  close(): void {
    this.#reader.cancel().catch(() => {});
    this.#ended = true;
  }

  #take(max: number): Uint8Array {
    const head = this.#chunks[0]!;
    if (head.length <= max) {
      this.#chunks.shift();
      return head;
    }
    this.#chunks[0] = head.subarray(max);
    return head.slice(0, max);
  }

  #fill(): Promise<void> {
    this.#pending ??= this.#reader.read().then(
      ({ done, value }) => {
        this.#pending = undefined;
        if (done) {
          this.#ended = true;
          return;
        }
        try {
          const bytes = toBytes(value);
          if (bytes.length > 0) this.#chunks.push(bytes);
        } catch (error) {
          this.#failed = true;
          this.#failure = error;
        }
      },
      (error: unknown) => {
        this.#pending = undefined;
        this.#failed = true;
        this.#failure = error;
      },
    );
    return this.#pending;
  }
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === "string") return new TextEncoder().encode(value);
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(
    `Cannot read a stream chunk as bytes: received ${
      value === null ? "null" : typeof value
    } (expected Uint8Array, ArrayBufferView or string)`,
  );
}

/** A {@linkcode ByteSink} that writes to a `WritableStream`. */
export class WritableSink implements ByteSink {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;

  /** Writes to `stream`, holding its writer until closed. */
  constructor(stream: WritableStream<Uint8Array>) {
    this.#writer = stream.getWriter();
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.#writer.write(bytes);
  }

  close(): void {
    this.#writer.close().catch(() => {});
  }
}
