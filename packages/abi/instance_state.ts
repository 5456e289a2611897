/**
 * The synchronous runtime state of a component instance (CanonicalABI.md
 * § Component Instances).
 *
 * @module
 */
import { Trap } from "./errors.ts";
import { HandleTable } from "./handle_table.ts";
import { isWasmException, poisonWith, throwIfPoisoned } from "./traps.ts";

/**
 * The canonical ABI's state of one component instance (spec: `ComponentInstance`,
 * the synchronous parts): the handle table, `may_leave`, `may_enter` with the
 * parent links that nested components need, and poisoning after a trap.
 */
export class ComponentInstanceState {
  /** The enclosing component instance, for a nested component. */
  readonly parent: ComponentInstanceState | undefined;
  #handles: HandleTable | undefined;
  /** `false` while `realloc` or `post-return` runs: imports must not be called. */
  mayLeave = true;
  /** `false` while a call is inside this instance (spec: `may_enter`). */
  mayEnter = true;
  #poisoned: Trap | undefined;
  #poisonListeners: ((trap: Trap) => void)[] | undefined;
  /** How many core start functions of this instance are running (see `runStart`). */
  #starting = 0;

  /** Creates the state; `options.parent` is the enclosing instance. */
  constructor(options: { parent?: ComponentInstanceState } = {}) {
    this.parent = options.parent;
  }

  /** Resource handles and other handles (spec: `inst.handles`); made on first use. */
  get handles(): HandleTable {
    return this.#handles ??= new HandleTable();
  }

  /** The first trap of this instance, once it trapped. */
  get poisoned(): Trap | undefined {
    return this.#poisoned;
  }

  /** Marks the instance as trapped; only the first trap is kept. */
  poison(trap: Trap): void {
    if (this.#poisoned !== undefined) return;
    this.#poisoned = trap;
    const listeners = this.#poisonListeners;
    this.#poisonListeners = undefined;
    for (const listener of listeners ?? []) {
      try {
        listener(trap);
      } catch {
        // A listener's failure must not hide the trap being raised.
      }
    }
  }

  /**
   * Calls `listener` with the first trap when the instance is poisoned (for
   * what lives outside the instance and waits on it, such as a host reading
   * a stream the guest writes).
   */
  onPoison(listener: (trap: Trap) => void): void {
    (this.#poisonListeners ??= []).push(listener);
  }

  /** This instance and its ancestors (spec: `self_and_ancestors`). */
  selfAndAncestors(): ComponentInstanceState[] {
    const s: ComponentInstanceState[] = [this];
    for (let i = this.parent; i !== undefined; i = i.parent) s.push(i);
    return s;
  }

  /**
   * The instances a call from `caller` enters (spec: `entering_set`): this
   * instance and its ancestors, minus those the caller is already inside.
   */
  enteringSet(caller: ComponentInstanceState | undefined): ComponentInstanceState[] {
    const mine = this.selfAndAncestors();
    if (caller === undefined) return mine;
    const theirs = caller.selfAndAncestors();
    return mine.filter((i) => !theirs.includes(i));
  }

  /** Whether a call from `caller` may enter (spec: `may_enter_from`). */
  mayEnterFrom(caller: ComponentInstanceState | undefined): boolean {
    if (caller === undefined) {
      // The common case, a call from the host, allocates nothing.
      if (!this.mayEnter) return false;
      for (let i = this.parent; i !== undefined; i = i.parent) if (!i.mayEnter) return false;
      return true;
    }
    for (const i of this.enteringSet(caller)) if (!i.mayEnter) return false;
    return true;
  }

  /**
   * Runs `start`, the instantiation of one of this instance's core modules
   * (`new WebAssembly.Instance`, which runs the module's start function), as
   * guest code of this instance. Meanwhile none of the instance's lifted
   * functions may be entered: a call from the start function into one of them
   * traps with "cannot enter component instance" (as in Wasmtime; the
   * instance is not fully instantiated yet), and so does a call from anywhere
   * else. Calls out to the host and into other instances work as usual, and
   * so do destructors of the instance's own resources run by `resource.drop`.
   *
   * A trap (a `Trap`, a `WebAssembly.RuntimeError`, or a core exception
   * escaping the start function) poisons the instance and is thrown as a
   * `Trap`; so is a trap the start function caught, which cannot be swallowed
   * by guest code. Other errors, such as a `WebAssembly.LinkError`, pass
   * through unchanged.
   */
  runStart<T>(start: () => T): T {
    this.#starting++;
    let result: T;
    try {
      result = start();
    } catch (e) {
      if (e instanceof Trap || e instanceof WebAssembly.RuntimeError || isWasmException(e)) {
        throw poisonWith(this, e);
      }
      throw e;
    } finally {
      this.#starting--;
    }
    throwIfPoisoned(this);
    return result;
  }

  /** Whether a core start function of this instance is running (see `runStart`). */
  get starting(): boolean {
    return this.#starting !== 0;
  }

  /** Sets `mayEnter` on this instance and its ancestors (a call from the host). */
  setMayEnterFromHost(value: boolean): void {
    this.mayEnter = value;
    for (let i = this.parent; i !== undefined; i = i.parent) i.mayEnter = value;
  }
}
