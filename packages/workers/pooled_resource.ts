/**
 * A resource returned by a pooled call. The resource itself stays in the
 * instance that made it; this handle routes its method calls (and calls that
 * take it as an argument) to that instance, and dropping it drops it there.
 *
 * @module
 */
import type { CallOptions } from "./call_options.ts";

/** Where a pooled resource lives. @internal */
export interface HandleRef {
  /** The slot (worker) index. */
  readonly slot: number;
  /** The slot's epoch: bumped each time its worker or instance is replaced. */
  readonly epoch: number;
  /** The handle in the instance's table. */
  readonly handle: number;
}

/** What a pooled resource needs from its pool. @internal */
export interface ResourceOwner {
  /** Calls a method of the resource. */
  callMethod(
    resource: PooledResource,
    method: string,
    args: readonly unknown[],
    options: CallOptions,
  ): Promise<unknown>;
  /** Drops the resource in its instance. */
  dropResource(resource: PooledResource): Promise<void>;
}

const refs = new WeakMap<PooledResource, { owner: ResourceOwner; ref: HandleRef }>();

/** The pool and place of a pooled resource. @internal */
export function handleRefOf(
  resource: PooledResource,
): { owner: ResourceOwner; ref: HandleRef } | undefined {
  return refs.get(resource);
}

/**
 * A handle to a resource that lives in one pooled instance. Call its methods
 * with {@linkcode PooledResource.prototype.call}; pass it as an argument to
 * {@linkcode WorkerPool.prototype.call} to route that call to its instance;
 * drop it with `await using` or {@linkcode PooledResource.prototype.drop}.
 */
export class PooledResource {
  /** The resource's class name in the component's exports (`Counter`). */
  readonly type: string;
  /** The index of the pool worker (slot) that holds the resource. */
  readonly worker: number;
  #dropped: Promise<void> | undefined;

  /** @internal Created by the pool. */
  constructor(owner: ResourceOwner, ref: HandleRef, type: string) {
    this.type = type;
    this.worker = ref.slot;
    refs.set(this, { owner, ref });
  }

  /** @internal Where the resource lives (a copy, safe to hold without the handle). */
  ref(): HandleRef {
    return { ...refs.get(this)!.ref };
  }

  /** Calls method `method` (kebab-case or camelCase) on the resource, in its instance. */
  call<T = unknown>(
    method: string,
    args: readonly unknown[] = [],
    options: CallOptions = {},
  ): Promise<T> {
    const { owner } = refs.get(this)!;
    return owner.callMethod(this, method, args, options) as Promise<T>;
  }

  /** Drops the resource in its instance (its destructor runs there); idempotent. */
  drop(): Promise<void> {
    return this.#dropped ??= refs.get(this)!.owner.dropResource(this);
  }

  /** Whether {@linkcode PooledResource.prototype.drop} was called. */
  get dropped(): boolean {
    return this.#dropped !== undefined;
  }

  /** Drops the resource: `await using r = await pool.call("[constructor]r")`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.drop();
  }
}
