/**
 * A ring of records in shared memory with one writer thread and one reader
 * thread: the channel between a pool and a worker in both directions (see
 * channel_records.ts for what the records hold). Unlike a message, a record
 * wakes nobody: the reader polls it, spins on it, or sleeps on the write
 * position with `Atomics.waitAsync` until the writer calls
 * {@linkcode RingWriter.prototype.notify}. That is what lets a busy worker
 * take its next call, and a pool take a batch of replies, without a thread
 * wake-up per call, and what keeps a written reply safe when its worker
 * dies.
 *
 * Layout: a header of {@linkcode HEADER_WORDS} 32-bit words, then
 * {@linkcode RING_BYTES} of records. A record is its length (4-byte aligned,
 * the length word included) and its bytes; a length of 0 marks the unused
 * end of the ring, and the next record is at its start. Word
 * {@linkcode WRITE} and word `READ` count bytes from the start, wrapping at
 * 2³²: only the writer moves the first, only the reader the second. The
 * remaining words are for the channel's own flags.
 *
 * @module
 */
import { type PlainCursor, plainCursor } from "./plain_codec.ts";

/** The data bytes of a ring (a power of two). */
export const RING_BYTES = 1 << 18;

/** The largest record; larger payloads go by message. */
export const MAX_RECORD = 1 << 11;

/** The header's words: {@linkcode WRITE}, `READ`, and the channel's own. */
export const HEADER_WORDS = 8;

/** The word the writer advances after each record (and a reader sleeps on). */
export const WRITE = 0;
const READ = 1;

const MASK = RING_BYTES - 1;
const HEADER_BYTES = HEADER_WORDS * 4;

/** What `Atomics.waitAsync` returns: at once, or a promise. */
export type WaitAsyncResult =
  | { readonly async: false; readonly value: "not-equal" | "timed-out" }
  | { readonly async: true; readonly value: Promise<"ok" | "timed-out"> };

/**
 * `Atomics.waitAsync` where the engine has it: how a reader sleeps on a
 * ring without blocking its event loop. Without it the rings are not used.
 */
export const waitAsync:
  | ((array: Int32Array, index: number, value: number, timeout?: number) => WaitAsyncResult)
  | undefined = (Atomics as unknown as {
    waitAsync?: (a: Int32Array, i: number, v: number, t?: number) => WaitAsyncResult;
  }).waitAsync?.bind(Atomics);

/** Makes the shared memory of one ring. */
export function createRing(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER_BYTES + RING_BYTES);
}

/** The ring's header words, for flags and for `Atomics.waitAsync` on {@linkcode WRITE}. */
export function ringHeader(buffer: SharedArrayBuffer): Int32Array {
  return new Int32Array(buffer, 0, HEADER_WORDS);
}

/** The writing end. */
export class RingWriter {
  /** The header words. */
  readonly header: Int32Array;
  #cursor: PlainCursor;

  /** Writes into the ring in `buffer` (made by {@linkcode createRing}). */
  constructor(buffer: SharedArrayBuffer) {
    this.header = ringHeader(buffer);
    this.#cursor = plainCursor(buffer, HEADER_BYTES, RING_BYTES);
  }

  /**
   * Writes one record: `encode` writes its bytes at the cursor and returns
   * `false` if it cannot (the value is not plain data, or it ran out of
   * room). Returns `false`, having published nothing, if the record could
   * not be written or did not fit in {@linkcode MAX_RECORD} or the free
   * space. The reader sees it at once, but is not woken.
   */
  write(encode: (cursor: PlainCursor) => boolean): boolean {
    const written = Atomics.load(this.header, WRITE);
    const free = RING_BYTES - ((written - Atomics.load(this.header, READ)) >>> 0);
    const pos = written & MASK;
    const tail = RING_BYTES - pos;
    let len = this.#record(pos, Math.min(tail, free), encode);
    let advance = len;
    if (len === 0 && tail < free && tail < MAX_RECORD) {
      // Skip the ring's end and start over at its beginning.
      len = this.#record(0, free - tail, encode);
      if (len === 0) return false;
      this.#cursor.view.setUint32(pos, 0, true);
      advance = tail + len;
    }
    if (len === 0) return false;
    Atomics.store(this.header, WRITE, (written + advance) | 0);
    return true;
  }

  #record(pos: number, room: number, encode: (cursor: PlainCursor) => boolean): number {
    const c = this.#cursor;
    c.end = pos + Math.min(room, MAX_RECORD);
    c.at = pos + 4;
    if (c.at > c.end || !encode(c)) return 0;
    const len = (c.at - pos + 3) & ~3;
    if (pos + len > c.end) return 0;
    c.view.setUint32(pos, len, true);
    return len;
  }

  /** Wakes the reader if it sleeps on word {@linkcode WRITE}. */
  notify(): void {
    Atomics.notify(this.header, WRITE);
  }
}

/** The reading end. */
export class RingReader {
  /** The header words. */
  readonly header: Int32Array;
  #cursor: PlainCursor;
  #read = 0;

  /** Reads from the ring in `buffer` (made by {@linkcode createRing}). */
  constructor(buffer: SharedArrayBuffer) {
    this.header = ringHeader(buffer);
    this.#cursor = plainCursor(buffer, HEADER_BYTES, RING_BYTES);
  }

  /**
   * How far this reader has read: when {@linkcode RingReader.prototype.ready}
   * is `false`, sleep while word {@linkcode WRITE} still has this value.
   */
  get consumed(): number {
    return this.#read;
  }

  /** Whether a record is waiting. */
  get ready(): boolean {
    return Atomics.load(this.header, WRITE) !== this.#read;
  }

  /**
   * Reads the next record with `decode` (given a cursor at its bytes), or
   * returns `undefined` if there is none. The record is consumed before
   * `decode` returns its value, so the writer may reuse the space.
   */
  read<T>(decode: (cursor: PlainCursor) => T): T | undefined {
    if (Atomics.load(this.header, WRITE) === this.#read) return undefined;
    const c = this.#cursor;
    let pos = this.#read & MASK;
    let len = c.view.getUint32(pos, true);
    let advance = len;
    if (len === 0) {
      advance = RING_BYTES - pos;
      pos = 0;
      len = c.view.getUint32(0, true);
      advance += len;
    }
    c.at = pos + 4;
    c.end = pos + len;
    const value = decode(c);
    this.#read = (this.#read + advance) | 0;
    Atomics.store(this.header, READ, this.#read);
    return value;
  }
}
