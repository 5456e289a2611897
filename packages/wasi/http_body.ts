// wasi:http/types bodies (http/wit/types.wit § incoming-body, future-trailers,
// outgoing-body) as wasi:io streams over Web Streams.
import type { ByteSink } from "./byte_source.ts";
import { WasiError } from "./errors.ts";
import { type Fields, frozenCopy } from "./http_fields.ts";
import { httpBodyStream, type HttpErrorCode, httpFailure } from "./http_error.ts";
import { InputStream } from "./input_stream.ts";
import { OutputStream } from "./output_stream.ts";
import { Pollable } from "./pollable.ts";

// Bytes the body may buffer before `check-write` says 0 and writes wait for the reader.
const BODY_BUFFER = 65536;

// Guards the constructors of resources only the host makes.
const INTERNAL: unique symbol = Symbol("internal");

/** A `result` error with no payload (`result` without an error type). */
function unitErr(): WasiError {
  return new WasiError(undefined);
}

let newIncomingBody: (
  body: ReadableStream<Uint8Array> | null,
  betweenBytesMs: number | undefined,
) => IncomingBody;

/**
 * `wasi:http/types.incoming-body`: the body of a received request or
 * response, read through one `input-stream`.
 */
export class IncomingBody {
  #body: ReadableStream<Uint8Array> | null;
  readonly #betweenBytesMs: number | undefined;
  #streamTaken = false;

  static {
    newIncomingBody = (body, ms) => new IncomingBody(body, INTERNAL, ms);
  }

  /** Made by the host only. */
  private constructor(
    body: ReadableStream<Uint8Array> | null,
    token: symbol,
    betweenBytesMs: number | undefined,
  ) {
    if (token !== INTERNAL) throw new TypeError("Cannot construct an incoming-body: host only");
    this.#body = body;
    this.#betweenBytesMs = betweenBytesMs;
  }

  /** `stream`: the body's bytes; succeeds once. */
  stream(): InputStream {
    if (this.#streamTaken) throw unitErr();
    this.#streamTaken = true;
    const body = this.#body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    return InputStream.fromReadable(httpBodyStream(body, this.#betweenBytesMs));
  }

  /**
   * `finish`: the trailers. `fetch` does not expose received trailers, so
   * the future resolves to `none`.
   */
  static finish(body: IncomingBody): FutureTrailers {
    if (!body.#streamTaken) void body.#body?.cancel().catch(() => {});
    return new FutureTrailers(Promise.resolve(undefined), INTERNAL);
  }

  /** Dropping the body without reading it releases the connection. */
  [Symbol.dispose](): void {
    if (!this.#streamTaken) void this.#body?.cancel().catch(() => {});
  }
}

/** A body over `stream` (`null`: empty), failing a read that waits longer than `betweenBytesMs`. */
export function incomingBody(
  stream: ReadableStream<Uint8Array> | null,
  betweenBytesMs?: number,
): IncomingBody {
  return newIncomingBody(stream, betweenBytesMs);
}

/** `wasi:http/types.future-trailers`: trailers once the body has ended. */
export class FutureTrailers {
  #state: "pending" | "ready" | "taken" = "pending";
  #value: { tag: "ok"; val: Fields | undefined } | { tag: "err"; val: HttpErrorCode } | undefined;
  readonly #settled: Promise<void>;

  /** Made by the host only. */
  constructor(trailers: Promise<Fields | undefined>, token: symbol) {
    if (token !== INTERNAL) throw new TypeError("Cannot construct future-trailers: host only");
    this.#settled = trailers.then(
      (t) => {
        this.#value = { tag: "ok", val: t === undefined ? undefined : frozenCopy(t) };
      },
      (error: unknown) => {
        this.#value = { tag: "err", val: { tag: "internal-error", val: String(error) } };
      },
    ).finally(() => {
      if (this.#state === "pending") this.#state = "ready";
    });
  }

  /** `subscribe`: ready when `get` returns `some`. */
  subscribe(): Pollable {
    return new Pollable({
      ready: () => this.#state !== "pending",
      wait: (signal) => Promise.race([this.#settled, aborted(signal)]),
    });
  }

  /** `get`: `undefined` while pending, then the trailers once, then `err`. */
  get(): unknown {
    if (this.#state === "pending") return undefined;
    if (this.#state === "taken") return { tag: "err", val: undefined };
    this.#state = "taken";
    return { tag: "ok", val: this.#value };
  }
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/**
 * The pipe behind an `outgoing-body`: what the guest writes comes out of
 * `readable` (the body handed to `fetch` or to a `Response`). Writes wait for
 * the reader once {@linkcode BODY_BUFFER} bytes are queued, so a slow reader
 * slows the guest through `check-write` instead of buffering without bound.
 */
export class BodyPipe implements ByteSink {
  /** The body as a Web Stream. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes written so far. */
  written = 0;
  /** Set when the output-stream child was dropped. */
  streamDropped = false;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #waiters: (() => void)[] = [];
  #cancelled: unknown = undefined;
  #isCancelled = false;
  #ended = false;

  constructor() {
    this.readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.#controller = c;
      },
      pull: () => this.#wake(),
      cancel: (reason) => {
        this.#isCancelled = true;
        this.#cancelled = reason;
        this.#ended = true;
        this.#wake();
      },
    }, new ByteLengthQueuingStrategy({ highWaterMark: BODY_BUFFER }));
  }

  /** Whether the body was closed or errored. */
  get ended(): boolean {
    return this.#ended;
  }

  write(bytes: Uint8Array): void | Promise<void> {
    if (this.#isCancelled) {
      throw httpFailure(
        { tag: "connection-terminated" },
        `Cannot write the body: its reader cancelled it (${String(this.#cancelled)})`,
      );
    }
    if (this.#ended) {
      throw httpFailure(
        { tag: "internal-error", val: "the body was finished or aborted" },
        "Cannot write the body: it was finished or aborted",
      );
    }
    this.#controller.enqueue(bytes);
    this.written += bytes.length;
    if ((this.#controller.desiredSize ?? 0) > 0) return;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  close(): void {
    this.streamDropped = true;
  }

  /** Ends the body. */
  finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#controller.close();
  }

  /** Ends the body with an error (the reader sees it as a failed read). */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#controller.error(error);
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

let newOutgoingBody: (pipe: BodyPipe, contentLength: bigint | undefined) => OutgoingBody;

/**
 * `wasi:http/types.outgoing-body`: the body of a request or response the
 * guest sends, written through one `output-stream` and ended by `finish`.
 * Dropping it without `finish` corrupts the body: the reader sees an error.
 */
export class OutgoingBody {
  readonly #pipe: BodyPipe;
  readonly #contentLength: bigint | undefined;
  #stream: OutputStream | undefined;
  #finished = false;

  static {
    newOutgoingBody = (pipe, contentLength) => new OutgoingBody(pipe, contentLength, INTERNAL);
  }

  /** Made by the host only. */
  private constructor(
    pipe: BodyPipe,
    contentLength: bigint | undefined,
    token: symbol,
  ) {
    if (token !== INTERNAL) throw new TypeError("Cannot construct an outgoing-body: host only");
    this.#pipe = pipe;
    this.#contentLength = contentLength;
  }

  /** `write`: the body's output-stream; succeeds once. */
  write(): OutputStream {
    if (this.#stream !== undefined || this.#finished) throw unitErr();
    this.#stream = new OutputStream(this.#pipe, { capacity: BODY_BUFFER });
    return this.#stream;
  }

  /**
   * `finish`: ends the body. Fails with `HTTP-request-body-size` when a
   * `content-length` was given and a different number of bytes was written
   * (the body is then corrupted). Trailers cannot be sent through `fetch` or
   * a `Response`, so passing some fails with `internal-error` (and the body
   * is corrupted) rather than dropping them silently.
   */
  static finish(body: OutgoingBody, trailers: Fields | undefined): void {
    // types.wit § outgoing-body.write: finishing before the child stream is dropped traps.
    if (body.#stream !== undefined && !body.#pipe.streamDropped) {
      throw new TypeError(
        "Cannot finish an outgoing-body while its output-stream is alive: drop the stream first",
      );
    }
    body.#finished = true;
    const written = BigInt(body.#pipe.written);
    if (body.#contentLength !== undefined && written !== body.#contentLength) {
      const code = { tag: "HTTP-request-body-size", val: written };
      body.#pipe.fail(
        httpFailure(
          code,
          `The body has ${written} bytes, content-length said ${body.#contentLength}`,
        ),
      );
      throw new WasiError(code);
    }
    if (trailers !== undefined) {
      const code = { tag: "internal-error", val: "trailers cannot be sent by this host" };
      body.#pipe.fail(httpFailure(code, "Cannot send trailers: fetch and Response have none"));
      throw new WasiError(code);
    }
    body.#pipe.finish();
  }

  /** Dropping the body unfinished corrupts it. */
  [Symbol.dispose](): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#pipe.fail(
      httpFailure(
        { tag: "HTTP-response-incomplete" },
        "The body was dropped without outgoing-body.finish",
      ),
    );
  }
}

/** A new body writing into `pipe`. */
export function outgoingBody(pipe: BodyPipe, contentLength: bigint | undefined): OutgoingBody {
  return newOutgoingBody(pipe, contentLength);
}

/** The `content-length` of `fields`, if it has one valid value. */
export function contentLength(fields: Fields): bigint | undefined {
  const values = fields.get("content-length");
  if (values.length !== 1) return undefined;
  const text = new TextDecoder().decode(values[0]!).trim();
  return /^\d+$/.test(text) ? BigInt(text) : undefined;
}
