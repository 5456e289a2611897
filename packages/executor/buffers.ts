/**
 * The buffers a stream or future copy reads from or writes into
 * (CanonicalABI.md § Buffer State): guest memory through a pluggable element
 * codec, or a JS array on the host side.
 *
 * @module
 */
import { Trap, type ValType } from "@weft/abi";

/** CanonicalABI.md § Buffer State (`Buffer.MAX_LENGTH`). */
export const MAX_BUFFER_LENGTH: number = 2 ** 28 - 1;

/** CanonicalABI.md § Buffer State (`Buffer`). */
export interface Buffer {
  /** The element type (`undefined` for a stream or future without one). */
  readonly t: ValType | undefined;
  /** How many elements were copied so far (spec: `progress`). */
  readonly progress: number;
  /** How many more elements fit (spec: `remain`). */
  remain(): number;
  /** Whether the buffer was created with length 0 (spec: `is_zero_length`). */
  isZeroLength(): boolean;
}

/** CanonicalABI.md § Buffer State (`ReadableBuffer`): the writer's side. */
export interface ReadableBuffer extends Buffer {
  /** Takes the next `n` elements (`n <= remain()`). */
  read(n: number): ArrayLike<unknown>;
}

/** CanonicalABI.md § Buffer State (`WritableBuffer`): the reader's side. */
export interface WritableBuffer extends Buffer {
  /** Appends `values` (`values.length <= remain()`). */
  write(values: ArrayLike<unknown>): void;
}

/**
 * How elements of one type live in guest memory: the runtime plugs in
 * `@weft/abi`'s load and store for the element type and the canonical
 * options of the built-in (memory, string encoding, realloc). `load` and
 * `store` get ranges already checked to lie in memory and be aligned.
 */
export interface ElementCodec {
  /** The element size in bytes (spec: `elem_size`). */
  readonly size: number;
  /** The element alignment (spec: `alignment`). */
  readonly align: number;
  /** The current byte length of the memory. */
  memoryLength(): number;
  /** Loads `n` elements from `ptr` (spec: `load_list_from_valid_range`). */
  load(ptr: number, n: number): ArrayLike<unknown>;
  /** Stores `values` at `ptr` (spec: `store_list_into_valid_range`). */
  store(ptr: number, values: ArrayLike<unknown>): void;
}

/**
 * CanonicalABI.md § Buffer State (`BufferGuestImpl`): `length` elements at
 * `ptr` in guest memory. Traps on a length over `MAX_BUFFER_LENGTH`, and,
 * for a non-empty buffer with an element type, a misaligned or out-of-bounds
 * range.
 */
export class GuestBuffer implements Buffer {
  /** The element type. */
  readonly t: ValType | undefined;
  /** How elements live in guest memory. */
  readonly codec: ElementCodec | undefined;
  /** Where the next element goes or comes from. */
  ptr: number;
  /** How many elements were copied so far. */
  progress = 0;
  /** The buffer's length in elements. */
  readonly length: number;

  /** Creates a buffer of `length` elements at `ptr`; traps on a bad range. */
  constructor(
    t: ValType | undefined,
    codec: ElementCodec | undefined,
    ptr: number,
    length: number,
  ) {
    if (length > MAX_BUFFER_LENGTH) {
      throw new Trap(`buffer length ${length} exceeds the maximum of ${MAX_BUFFER_LENGTH}`);
    }
    if (t !== undefined && length > 0) {
      if (codec === undefined) throw new Trap("cannot copy values: no element codec");
      if (ptr % codec.align !== 0) {
        throw new Trap(`buffer pointer ${ptr} is not aligned to ${codec.align}`);
      }
      const end = ptr + length * codec.size;
      if (end > codec.memoryLength()) {
        throw new Trap(
          `buffer out of bounds: pointer ${ptr} + length ${
            length * codec.size
          } exceeds memory size ${codec.memoryLength()}`,
        );
      }
    }
    this.t = t;
    this.codec = codec;
    this.ptr = ptr;
    this.length = length;
  }

  /** See {@linkcode Buffer.remain}. */
  remain(): number {
    return this.length - this.progress;
  }

  /** See {@linkcode Buffer.isZeroLength}. */
  isZeroLength(): boolean {
    return this.length === 0;
  }
}

/** CanonicalABI.md § Buffer State (`ReadableBufferGuestImpl`): a guest writer's source. */
export class ReadableGuestBuffer extends GuestBuffer implements ReadableBuffer {
  /** Loads the next `n` elements. */
  read(n: number): ArrayLike<unknown> {
    let vs: ArrayLike<unknown>;
    if (this.t !== undefined && this.codec !== undefined) {
      vs = this.codec.load(this.ptr, n);
      this.ptr += n * this.codec.size;
    } else {
      // Elements without a type carry nothing: no need to allocate them.
      vs = { length: n };
    }
    this.progress += n;
    return vs;
  }
}

/** CanonicalABI.md § Buffer State (`WritableBufferGuestImpl`): a guest reader's destination. */
export class WritableGuestBuffer extends GuestBuffer implements WritableBuffer {
  /** Stores `values` after the elements written so far. */
  write(values: ArrayLike<unknown>): void {
    if (this.t !== undefined && this.codec !== undefined) {
      this.codec.store(this.ptr, values);
      this.ptr += values.length * this.codec.size;
    }
    this.progress += values.length;
  }
}

/** A host writer's source: the elements of a JS array or typed array. */
export class ReadableHostBuffer implements ReadableBuffer {
  /** The element type. */
  readonly t: ValType | undefined;
  /** How many elements were taken. */
  progress = 0;
  readonly #values: ArrayLike<unknown>;

  /** Creates a buffer over `values`. */
  constructor(t: ValType | undefined, values: ArrayLike<unknown>) {
    this.t = t;
    this.#values = values;
  }

  /** See {@linkcode Buffer.remain}. */
  remain(): number {
    return this.#values.length - this.progress;
  }

  /** See {@linkcode Buffer.isZeroLength}. */
  isZeroLength(): boolean {
    return this.#values.length === 0;
  }

  /** Takes the next `n` elements (a subarray for typed arrays: no copy). */
  read(n: number): ArrayLike<unknown> {
    const v = this.#values;
    const start = this.progress;
    this.progress += n;
    if (ArrayBuffer.isView(v)) {
      return (v as unknown as { subarray(a: number, b: number): ArrayLike<unknown> }).subarray(
        start,
        start + n,
      );
    }
    return Array.prototype.slice.call(v, start, start + n);
  }
}

/** A host reader's destination: collects up to `capacity` elements into a JS array. */
export class WritableHostBuffer implements WritableBuffer {
  /** The element type. */
  readonly t: ValType | undefined;
  /** The elements written, in order (chunks as the writer gave them). */
  readonly chunks: ArrayLike<unknown>[] = [];
  /** How many elements were written. */
  progress = 0;
  readonly #capacity: number;

  /** Creates a buffer for `capacity` elements. */
  constructor(t: ValType | undefined, capacity: number) {
    this.t = t;
    this.#capacity = capacity;
  }

  /** See {@linkcode Buffer.remain}. */
  remain(): number {
    return this.#capacity - this.progress;
  }

  /** See {@linkcode Buffer.isZeroLength}. */
  isZeroLength(): boolean {
    return this.#capacity === 0;
  }

  /** Appends `values`. */
  write(values: ArrayLike<unknown>): void {
    // Copy: a writer's subarray may alias guest memory that changes later.
    this.chunks.push(
      ArrayBuffer.isView(values)
        ? (values as unknown as { slice(): ArrayLike<unknown> }).slice()
        : Array.from(values),
    );
    this.progress += values.length;
  }

  /** Takes the collected chunks, leaving the buffer empty of them. */
  take(): ArrayLike<unknown>[] {
    return this.chunks.splice(0, this.chunks.length);
  }
}
