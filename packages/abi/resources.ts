/**
 * Resource built-ins (CanonicalABI.md § `canon resource.new`, § `canon
 * resource.drop`, § `canon resource.rep`) and the default JS mapping of host
 * resources.
 *
 * @module
 */
import { ResourceHandle } from "./context.ts";
import { Trap } from "./errors.ts";
import { ComponentInstanceState } from "./instance_state.ts";
import { poisonWith, throwIfPoisoned } from "./traps.ts";
import type { ResourceJs, ResourceType } from "./types.ts";

function checkMayLeave(inst: ComponentInstanceState): void {
  if (!inst.mayLeave) throw new Trap("cannot leave component instance");
}

/** Who implements `rt`, as trap messages say it. */
function definer(rt: ResourceType): string {
  return rt.instance === undefined ? "host-defined" : "guest-defined";
}

/**
 * The resource handle at `i` in `inst`'s table, trapping unless it is one of
 * `rt` (CanonicalABI.md § `canon resource.drop`: `trap_if(h.rt is not rt)`).
 */
export function handleOf(
  inst: ComponentInstanceState,
  i: number,
  rt: ResourceType,
): ResourceHandle {
  const h = inst.handles.get(i);
  if (!(h instanceof ResourceHandle)) throw new Trap(`handle index ${i} is not a resource handle`);
  if (h.rt !== rt) {
    const kinds = `expected ${definer(rt)} resource but found a different ${
      definer(h.rt)
    } resource`;
    throw new Trap(
      `handle index ${i} used with the wrong type, ${kinds} (expected "${rt.name}", found "${h.rt.name}")`,
    );
  }
  return h;
}

/** CanonicalABI.md § `canon resource.new`: `(rep) => handle` in `instance`'s table. */
export function resourceNew(
  rt: ResourceType,
  instance: ComponentInstanceState,
): (rep: number) => number {
  return (rep) => {
    try {
      throwIfPoisoned(instance);
      checkMayLeave(instance);
      return instance.handles.add(new ResourceHandle(rt, Number(rep) >>> 0, true));
    } catch (e) {
      // A trap thrown into the guest must not be catchable there (see traps.ts).
      throw poisonWith(instance, e);
    }
  };
}

/**
 * CanonicalABI.md § `canon resource.drop`: removes a handle; dropping an own
 * handle runs the destructor (the type's `dtor`, or for a host resource the
 * JS mapping's `drop`), dropping a borrow ends it.
 */
export function resourceDrop(
  rt: ResourceType,
  instance: ComponentInstanceState,
): (handle: number) => void {
  return (handle) => {
    try {
      throwIfPoisoned(instance);
      checkMayLeave(instance);
      const i = Number(handle) >>> 0;
      const h = handleOf(instance, i, rt);
      if (h.numLends !== 0) {
        throw new Trap(`cannot remove owned resource handle ${i} while it is borrowed`);
      }
      instance.handles.remove(i);
      if (!h.own) {
        if (h.borrowScope !== undefined) h.borrowScope.numBorrows--;
        return;
      }
      runDtor(rt, h.rep, instance);
      // As after an import call: nothing completes normally once this instance trapped.
      throwIfPoisoned(instance);
    } catch (e) {
      throw poisonWith(instance, e);
    }
  };
}

/** Runs the destructor of `rep` on behalf of `caller` (CanonicalABI.md § `canon resource.drop`). */
export function runDtor(rt: ResourceType, rep: number, caller: ComponentInstanceState): void {
  const impl = rt.instance;
  if (rt.dtor !== undefined) {
    if (impl instanceof ComponentInstanceState) {
      if (impl.poisoned !== undefined) {
        throw new Trap("cannot call a resource destructor: its instance trapped before", {
          cause: impl.poisoned,
        });
      }
      // The destructor is a call into the implementing instance: the reentrance rule applies.
      if (!impl.mayEnterFrom(caller)) throw new Trap("cannot enter component instance");
      const entering = impl.enteringSet(caller);
      for (const e of entering) e.mayEnter = false;
      try {
        rt.dtor(rep);
      } catch (e) {
        // A core exception from the destructor must not cross into the caller.
        throw poisonWith(impl, e);
      } finally {
        for (const e of entering) e.mayEnter = true;
      }
    } else {
      rt.dtor(rep);
    }
    return;
  }
  const js = rt.js;
  if (impl === undefined && js instanceof HostResourceJs) js.drop(rep);
}

/** CanonicalABI.md § `canon resource.rep`: `(handle) => rep`. */
export function resourceRep(
  rt: ResourceType,
  instance: ComponentInstanceState,
): (handle: number) => number {
  return (handle) => {
    try {
      throwIfPoisoned(instance);
      return handleOf(instance, Number(handle) >>> 0, rt).rep;
    } catch (e) {
      throw poisonWith(instance, e);
    }
  };
}

/** Options of {@linkcode hostResourceJs}. */
export interface HostResourceJsOptions {
  /** Only instances of this class are accepted when lowering. */
  readonly class?: abstract new (...args: never[]) => unknown;
  /** The name used in messages. */
  readonly name?: string;
}

/**
 * The default JS mapping of a host resource: the embedder's own objects,
 * numbered by a registry. Lowering an object as `own` moves it into wasm
 * until wasm hands it back; dropping the guest's owning handle calls
 * `value[Symbol.dispose]?.()` and forgets the object.
 */
export class HostResourceJs implements ResourceJs {
  readonly #class: (abstract new (...args: never[]) => unknown) | undefined;
  readonly #name: string;
  #next = 1;
  readonly #reps = new WeakMap<object, number>();
  /** Objects whose ownership is in wasm: kept alive until handed back or dropped. */
  readonly #owned = new Map<number, object>();
  /** Every registered object, held weakly. */
  readonly #objects = new Map<number, WeakRef<object>>();
  /** Forgets reps of objects that were only ever borrowed and are now gone. */
  readonly #finalizer = new FinalizationRegistry<number>((rep) => {
    if (this.#objects.get(rep)?.deref() === undefined) this.#objects.delete(rep);
  });

  /** Creates an empty registry. */
  constructor(options: HostResourceJsOptions = {}) {
    this.#class = options.class;
    this.#name = options.name ?? options.class?.name ?? "resource";
  }

  /** The object for `rep`; with `own`, ownership comes back to JS. */
  toJs(rep: number, own: boolean): unknown {
    const v = this.#owned.get(rep) ?? this.#objects.get(rep)?.deref();
    if (v === undefined) throw new Trap(`unknown ${this.#name} representation ${rep}`);
    if (own) this.#owned.delete(rep);
    return v;
  }

  /** The representation of `value`; with `own`, ownership moves to wasm. */
  fromJs(value: unknown, own: boolean): number {
    if ((typeof value !== "object" && typeof value !== "function") || value === null) {
      throw new TypeError(`expected a ${this.#name} object, received ${String(value)}`);
    }
    if (this.#class !== undefined && !(value instanceof this.#class)) {
      throw new TypeError(`expected an instance of ${this.#name}`);
    }
    let rep = this.#reps.get(value);
    if (rep === undefined) {
      rep = this.#next++;
      this.#reps.set(value, rep);
      this.#objects.set(rep, new WeakRef(value));
      this.#finalizer.register(value, rep);
    }
    if (own) {
      if (this.#owned.has(rep)) {
        throw new TypeError(`the ${this.#name} was moved into wasm and not handed back`);
      }
      this.#owned.set(rep, value);
    }
    return rep;
  }

  /** Drops the guest's ownership of `rep`: disposes the object and forgets it. */
  drop(rep: number): void {
    const v = this.#owned.get(rep) ?? this.#objects.get(rep)?.deref();
    this.#owned.delete(rep);
    this.#objects.delete(rep);
    if (v === undefined) return;
    this.#reps.delete(v);
    (v as { [Symbol.dispose]?: () => void })[Symbol.dispose]?.();
  }
}

/** The default JS mapping for a host resource (see {@linkcode HostResourceJs}). */
export function hostResourceJs(options: HostResourceJsOptions = {}): HostResourceJs {
  return new HostResourceJs(options);
}
