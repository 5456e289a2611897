/**
 * The synchronous runtime state of a component instance (CanonicalABI.md
 * § Component Instances).
 *
 * @module
 */
import type { Trap } from "./errors.ts";
import { HandleTable } from "./handle_table.ts";

/**
 * The canonical ABI's state of one component instance (spec: `ComponentInstance`,
 * the synchronous parts): the handle table, `may_leave`, `may_enter` with the
 * parent links that nested components need, and poisoning after a trap.
 */
export class ComponentInstanceState {
  /** The enclosing component instance, for a nested component. */
  readonly parent: ComponentInstanceState | undefined;
  /** Resource handles and other handles (spec: `inst.handles`). */
  readonly handles: HandleTable = new HandleTable();
  /** `false` while `realloc` or `post-return` runs: imports must not be called. */
  mayLeave = true;
  /** `false` while a call is inside this instance (spec: `may_enter`). */
  mayEnter = true;
  #poisoned: Trap | undefined;

  /** Creates the state; `options.parent` is the enclosing instance. */
  constructor(options: { parent?: ComponentInstanceState } = {}) {
    this.parent = options.parent;
  }

  /** The first trap of this instance, once it trapped. */
  get poisoned(): Trap | undefined {
    return this.#poisoned;
  }

  /** Marks the instance as trapped; only the first trap is kept. */
  poison(trap: Trap): void {
    this.#poisoned ??= trap;
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

  /** Sets `mayEnter` on this instance and its ancestors (a call from the host). */
  setMayEnterFromHost(value: boolean): void {
    this.mayEnter = value;
    for (let i = this.parent; i !== undefined; i = i.parent) i.mayEnter = value;
  }
}
