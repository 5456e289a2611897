/**
 * Host-side ends of streams and futures: a guest's stream read as a JS
 * `ReadableStream`, a JS `ReadableStream` or async iterable written into a
 * stream the guest reads, and futures as Promises, both ways. Each copy
 * waits for the other side (rendezvous), so backpressure is the guest's
 * pace of reading or writing.
 *
 * @module
 */
import type { ValType } from "@weft/abi";
import { ReadableHostBuffer, WritableHostBuffer } from "./buffers.ts";
import { CopyResult } from "./codes.ts";
import { CancelledError } from "./errors.ts";
import { SharedFuture, SharedStream } from "./streams.ts";

/** Options of {@linkcode readableFromStream}. */
export interface ReadableFromStreamOptions {
  /** How many elements one read asks for at most; default 65536. */
  readonly chunkSize?: number;
  /**
   * What each chunk of the `ReadableStream` is: `"chunks"` (default) the
   * array or typed array of elements one copy moved; `"elements"` one
   * element (a copy's elements are enqueued one by one); `"counts"` the
   * number of elements one copy moved (for a stream without element type).
   */
  readonly split?: "chunks" | "elements" | "counts";
  /** Maps each element before it is enqueued (with `split: "elements"`). */
  readonly mapElement?: (element: unknown) => unknown;
}

/**
 * The host reads the stream `shared` (whose writer is a guest, or another
 * host): a JS `ReadableStream` of chunks, each an array or typed array of
 * elements as the writer's codec loaded them. It closes when the writer
 * drops its end, and errors with the trap when the writer's instance traps;
 * cancelling it drops the host's readable end.
 */
export function readableFromStream(
  shared: SharedStream,
  options: ReadableFromStreamOptions = {},
): ReadableStream<ArrayLike<unknown>> {
  const chunkSize = options.chunkSize ?? 65536;
  const split = options.split ?? "chunks";
  const mapElement = options.mapElement;
  let reading = false;
  return new ReadableStream<ArrayLike<unknown>>({
    pull(controller): Promise<void> {
      return new Promise<void>((resolve) => {
        const buffer = new WritableHostBuffer(shared.t, chunkSize);
        const flush = (): void => {
          for (const c of buffer.take()) {
            if (c.length === 0) continue;
            if (split === "chunks") controller.enqueue(c);
            else if (split === "counts") controller.enqueue(c.length as never);
            else {
              for (let i = 0; i < c.length; i++) {
                controller.enqueue((mapElement === undefined ? c[i] : mapElement(c[i])) as never);
              }
            }
          }
        };
        reading = true;
        shared.read(undefined, buffer, (reclaim) => {
          // The host takes what was copied at once (as if the event were delivered).
          reclaim();
          reading = false;
          flush();
          resolve();
        }, (result) => {
          reading = false;
          flush();
          if (result === CopyResult.DROPPED) {
            // Dropped because the writer's instance trapped: an error, not an end.
            if (shared.failure !== undefined) controller.error(shared.failure);
            else controller.close();
          }
          resolve();
        });
      });
    },
    cancel(): void {
      if (reading) shared.cancel();
      shared.drop();
    },
  }, { highWaterMark: 0 });
}

/** Options of {@linkcode streamFromIterable}. */
export interface StreamFromIterableOptions {
  /**
   * Whether each item of the source is a chunk (an array or typed array of
   * elements) rather than one element; default `false`.
   */
  readonly chunks?: boolean;
  /**
   * Maps each item of the source to the elements to write (overrides
   * `chunks`). A throw ends the stream as a failing source does.
   */
  readonly toChunk?: (item: unknown) => ArrayLike<unknown>;
}

/**
 * The host writes `source` into a new stream of element type `t`, for a
 * guest to read (lower the result with `lowerStream`). Each item waits until
 * the reader took it (backpressure); when the source ends the host drops its
 * writable end; when the reader drops its end the source is closed
 * (`return()` on its iterator, which cancels a `ReadableStream`). A source
 * that fails drops the writable end as if it ended: the reader sees
 * `DROPPED` after the values written so far. One item is pulled from the
 * source ahead of the reader: the next only once the reader took it all.
 */
export function streamFromIterable(
  source: AsyncIterable<unknown> | Iterable<unknown>,
  t: ValType | undefined,
  options: StreamFromIterableOptions = {},
): SharedStream {
  const shared = new SharedStream(t);
  shared.markHostHeld(undefined, { permanent: true });
  const chunks = options.chunks ?? false;
  const toChunk = options.toChunk ??
    (chunks ? (item: unknown) => item as ArrayLike<unknown> : (item: unknown) => [item]);
  const writeAll = async (values: ArrayLike<unknown>): Promise<boolean> => {
    const buffer = new ReadableHostBuffer(t, values);
    while (buffer.remain() > 0) {
      const result = await new Promise<CopyResult>((resolve) => {
        shared.write(undefined, buffer, (reclaim) => {
          reclaim();
          resolve(CopyResult.COMPLETED);
        }, resolve);
      });
      if (result !== CopyResult.COMPLETED) return false;
    }
    return true;
  };
  (async () => {
    try {
      for await (const item of source as AsyncIterable<unknown>) {
        if (!await writeAll(toChunk(item))) break;
      }
    } catch {
      // A failing source ends the stream; the reader sees DROPPED.
    } finally {
      shared.drop();
    }
  })();
  return shared;
}

/**
 * The host reads the future `shared`: a Promise of its value. It rejects
 * with a {@linkcode CancelledError} when the writer is dropped without a
 * value (only a host writer can do that), and with the trap when the
 * writer's instance trapped.
 */
export function promiseFromFuture(shared: SharedFuture): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const buffer = new WritableHostBuffer(shared.t, 1);
    shared.read(undefined, buffer, (result) => {
      if (result === CopyResult.COMPLETED) {
        resolve(buffer.take()[0]?.[0]);
        shared.drop();
      } else if (shared.failure !== undefined) {
        reject(shared.failure);
      } else {
        reject(new CancelledError("The future's writer was dropped without a value"));
      }
    });
  });
}

/**
 * The host writes the value of `promise` (or `promise` itself, when it is
 * not a thenable) into a new future of type `t`, for a guest to read (lower
 * it with `lowerFuture`). A rejected promise drops the writer without a
 * value: the reader gets `DROPPED` (the spec's guests cannot do that, but a
 * host's value may never come). `options.check` checks the value before it
 * is written; a throw drops the writer without a value too.
 */
export function futureFromPromise(
  promise: unknown,
  t: ValType | undefined,
  options: { readonly check?: (value: unknown) => void } = {},
): SharedFuture {
  const shared = new SharedFuture(t);
  shared.markHostHeld(undefined, { permanent: true });
  const check = options.check;
  Promise.resolve(promise).then((v) => {
    check?.(v);
    shared.write(undefined, new ReadableHostBuffer(t, [v]), () => shared.drop());
  }).catch(() => shared.drop());
  return shared;
}
