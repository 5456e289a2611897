/**
 * The per-instance handle table (CanonicalABI.md § Table State).
 *
 * @module
 */
import { Trap } from "./errors.ts";

/**
 * A table of handles: index 0 is never valid, freed slots are reused, and the
 * table never grows beyond {@linkcode HandleTable.MAX_LENGTH} entries
 * (spec: `Table`).
 */
export class HandleTable<T = unknown> {
  /** CanonicalABI.md § Table State: `Table.MAX_LENGTH`. */
  static readonly MAX_LENGTH: number = 2 ** 28 - 1;
  #array: (T | undefined)[] = [undefined];
  #free: number[] = [];

  /** The number of live entries. */
  get size(): number {
    return this.#array.length - 1 - this.#free.length;
  }

  /** The entry at `i`; traps when `i` is not a live index. */
  get(i: number): T {
    const e = i > 0 ? this.#array[i] : undefined;
    if (e === undefined) throw new Trap(`unknown handle index ${i}`);
    return e;
  }

  /** Adds `e` and returns its index; traps when the table is full. */
  add(e: T): number {
    const free = this.#free.pop();
    if (free !== undefined) {
      this.#array[free] = e;
      return free;
    }
    const i = this.#array.length;
    if (i > HandleTable.MAX_LENGTH) throw new Trap("handle table is full");
    this.#array.push(e);
    return i;
  }

  /** Removes and returns the entry at `i`; traps when `i` is not a live index. */
  remove(i: number): T {
    const e = this.get(i);
    this.#array[i] = undefined;
    this.#free.push(i);
    return e;
  }

  /** Iterates over the live entries. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const e of this.#array) if (e !== undefined) yield e;
  }
}
