/**
 * The state one lift or lower works in (CanonicalABI.md § Lifting and Lowering
 * Context): the options, the instance, cached memory views and borrow scopes.
 *
 * @module
 */
import { Trap } from "./errors.ts";
import type { ComponentInstanceState } from "./instance_state.ts";
import type { ResourceType } from "./types.ts";

/** A string encoding of the canonical options. */
export type StringEncoding = "utf8" | "utf16" | "latin1+utf16";

/** A core WebAssembly value as JS sees it. */
export type CoreValue = number | bigint;

/** The `realloc` canonical option as a JS-callable function. */
export type Realloc = (oldPtr: number, oldSize: number, align: number, newSize: number) => number;

/** A resource handle in a handle table (CanonicalABI.md § Resource State). */
export class ResourceHandle {
  /** The resource type of the handle. */
  readonly rt: ResourceType;
  /** The representation of the resource. */
  readonly rep: number;
  /** `true` for an owning handle, `false` for a borrow. */
  readonly own: boolean;
  /** The call a borrow handle was lent to (spec: `borrow_scope`). */
  readonly borrowScope: BorrowScope | undefined;
  /** How many calls this handle is currently lent to (spec: `num_lends`). */
  numLends = 0;

  /** Creates a handle. */
  constructor(rt: ResourceType, rep: number, own: boolean, borrowScope?: BorrowScope) {
    this.rt = rt;
    this.rep = rep;
    this.own = own;
    this.borrowScope = borrowScope;
  }
}

/** The borrows one lifted call received (spec: `Task.num_borrows`). */
export interface BorrowScope {
  /** Borrow handles lent to the callee that it has not dropped yet. */
  numBorrows: number;
}

/** Views on one memory's buffer, shared by every context that uses the memory. */
class MemoryViews {
  buffer: ArrayBuffer;
  dv: DataView;
  u8: Uint8Array;
  /** A shared memory's old buffer is not detached when it grows: always re-read it. */
  readonly shared: boolean;
  constructor(buffer: ArrayBuffer) {
    this.buffer = buffer;
    this.dv = new DataView(buffer);
    this.u8 = new Uint8Array(buffer);
    this.shared = typeof SharedArrayBuffer !== "undefined" &&
      (buffer as unknown) instanceof SharedArrayBuffer;
  }
}

const viewsByMemory = new WeakMap<WebAssembly.Memory, MemoryViews>();
const EMPTY = new MemoryViews(new ArrayBuffer(0));

function viewsOf(memory: WebAssembly.Memory | undefined): MemoryViews {
  if (memory === undefined) return EMPTY;
  let v = viewsByMemory.get(memory);
  if (v === undefined) {
    v = new MemoryViews(memory.buffer as ArrayBuffer);
    viewsByMemory.set(memory, v);
  }
  return v;
}

/** Options a context needs. */
export interface ContextOptions {
  readonly instance: ComponentInstanceState;
  readonly stringEncoding?: StringEncoding | undefined;
  readonly memory?: WebAssembly.Memory | undefined;
  readonly realloc?: Realloc | undefined;
  /** Lift values for another guest rather than for JS (see {@linkcode LiftLowerContext.interchange}). */
  readonly interchange?: boolean | undefined;
}

/** CanonicalABI.md § Lifting and Lowering Context (`LiftLowerContext`). */
export class LiftLowerContext {
  /** The instance whose memory and handle table are used. */
  readonly inst: ComponentInstanceState;
  /** The string encoding. */
  readonly encoding: StringEncoding;
  /** The memory, if any. */
  readonly memory: WebAssembly.Memory | undefined;
  readonly #realloc: Realloc | undefined;
  readonly #views: MemoryViews;
  /** A view on the current buffer; refreshed by {@linkcode LiftLowerContext.refresh}. */
  dv: DataView;
  /** A byte view on the current buffer. */
  u8: Uint8Array;
  /** Where lowered borrows are counted (lift: the callee's task). */
  borrowScope: BorrowScope | undefined;
  /** Handles lent for the current lowered call (lower: the subtask's lenders). */
  lenders: ResourceHandle[] | undefined;
  /**
   * `true` while lifting values that go to another guest, not to JS: strings
   * lift as `GuestString` (keeping their source encoding and code units) and
   * maps as arrays of `[key, value]` pairs (keeping repeated keys), so the
   * receiving side lowers exactly what the spec's `String` and
   * `list<tuple<K, V>>` values would give it. Lowering accepts both forms
   * whatever this says.
   */
  interchange: boolean;
  /** Reusable space for flat values or arguments, so scalar calls allocate nothing. */
  readonly scratch: unknown[] = [];

  /** Creates a context. */
  constructor(options: ContextOptions) {
    this.inst = options.instance;
    this.encoding = options.stringEncoding ?? "utf8";
    this.memory = options.memory;
    this.#realloc = options.realloc;
    this.interchange = options.interchange ?? false;
    this.#views = viewsOf(options.memory);
    this.dv = this.#views.dv;
    this.u8 = this.#views.u8;
  }

  /** Picks up a new buffer after the memory grew. */
  refresh(): void {
    const v = this.#views;
    // Growing a (non-shared) memory detaches its old buffer, which empties
    // every view on it: a non-empty view that is the current one is up to
    // date, without asking the memory for its buffer (a slow getter).
    if (this.u8 === v.u8 && v.u8.length !== 0 && !v.shared) return;
    const m = this.memory;
    if (m === undefined) return;
    const b = m.buffer as ArrayBuffer;
    if (v.buffer !== b) {
      v.buffer = b;
      v.dv = new DataView(b);
      v.u8 = new Uint8Array(b);
    }
    this.dv = v.dv;
    this.u8 = v.u8;
  }

  /** Traps unless `[ptr, ptr + size)` lies in memory. */
  checkBounds(ptr: number, size: number, what: string): void {
    if (this.memory === undefined) {
      throw new Trap(`cannot access ${what}: the canonical option "memory" is missing`);
    }
    if (ptr + size > this.u8.length) {
      throw new Trap(
        `${what} out of bounds: pointer ${ptr} + length ${size} exceeds memory size ${this.u8.length}`,
      );
    }
  }

  /** Traps unless `ptr` is a multiple of `align`. */
  checkAlign(ptr: number, align: number, what: string): void {
    if (ptr % align !== 0) {
      throw new Trap(`${what} pointer ${ptr} is not aligned to ${align}`);
    }
  }

  /**
   * Traps unless a pointer `realloc` returned is aligned to `align` and
   * `[ptr, ptr + size)` lies in memory: the `trap_if`s that follow every
   * allocation in CanonicalABI.md § Storing, checked even when `size` is 0.
   */
  checkAllocation(ptr: number, align: number, size: number, what: string): void {
    if (ptr % align !== 0) {
      throw new Trap(
        `realloc return: result not aligned (${what} pointer ${ptr} is not aligned to ${align})`,
      );
    }
    if (ptr + size > this.u8.length) {
      throw new Trap(
        `realloc return: beyond end of memory (${what} out of bounds: pointer ${ptr} + length ${size} exceeds memory size ${this.u8.length})`,
      );
    }
  }

  /** CanonicalABI.md § Lifting and Lowering Context (`reallocate`). */
  reallocate(old: number, oldSize: number, align: number, newSize: number): number {
    const realloc = this.#realloc;
    if (realloc === undefined) {
      throw new Trap('cannot allocate memory: the canonical option "realloc" is missing');
    }
    const inst = this.inst;
    inst.mayLeave = false;
    let ptr: number;
    try {
      ptr = realloc(old, oldSize, align, newSize);
    } finally {
      inst.mayLeave = true;
    }
    this.refresh();
    return Number(ptr) >>> 0;
  }

  /** CanonicalABI.md § Lifting and Lowering Context (`allocate`). */
  allocate(align: number, size: number): number {
    return this.reallocate(0, 0, align, size);
  }
}
