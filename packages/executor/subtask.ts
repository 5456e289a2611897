/**
 * Subtasks: a lowered call seen from the caller (CanonicalABI.md § Subtask State).
 *
 * @module
 */
import { Trap } from "@weft/abi";
import { SubtaskState } from "./codes.ts";
import type { OnCancel } from "./task.ts";
import { Waitable } from "./waitable.ts";

/** A handle lent to a subtask for one of its `borrow` arguments (spec: `ResourceHandle.num_lends`). */
export interface Lender {
  /** How many calls the handle is lent to. */
  numLends: number;
}

/**
 * CanonicalABI.md § Subtask State (`Subtask`): the caller's side of an async
 * call, a waitable in the caller's handle table while unresolved.
 */
export class Subtask extends Waitable {
  /** The subtask's state (spec: `state`). */
  state: SubtaskState = SubtaskState.STARTING;
  /** Requests cancellation of the callee (spec: `on_cancel`). */
  onCancel: OnCancel | undefined = undefined;
  /** Whether `subtask.cancel` was called (spec: `cancellation_requested`). */
  cancellationRequested = false;
  /** The lowered results (spec: `flat_results`). */
  flatResults: unknown[] = [];
  #lenders: Lender[] | undefined = [];

  /** CanonicalABI.md § Subtask State (`resolved`). */
  resolved(): boolean {
    return this.state !== SubtaskState.STARTING && this.state !== SubtaskState.STARTED;
  }

  /** CanonicalABI.md § Subtask State (`add_lender`). */
  addLender(h: Lender): void {
    h.numLends++;
    this.#lenders!.push(h);
  }

  /** CanonicalABI.md § Subtask State (`resolve`). */
  resolve(state: SubtaskState, flatResults: unknown[]): void {
    if (this.resolved()) throw new Trap("subtask resolved twice");
    this.state = state;
    this.flatResults = flatResults;
    // A synchronous caller may wait for `resolved()` (canon lower without `async`).
    this.store.notify();
  }

  /** CanonicalABI.md § Subtask State (`deliver_resolve`): ends the lends. */
  deliverResolve(): void {
    for (const h of this.#lenders ?? []) h.numLends--;
    this.#lenders = undefined;
  }

  /** CanonicalABI.md § Subtask State (`resolve_delivered`). */
  resolveDelivered(): boolean {
    return this.#lenders === undefined;
  }

  /** CanonicalABI.md § Subtask State (`drop`): traps until the resolution was delivered. */
  override drop(): void {
    if (!this.resolveDelivered()) {
      throw new Trap("cannot drop a subtask which has not yet resolved");
    }
    super.drop();
  }
}
