/**
 * An instantiated component.
 *
 * @module
 */
import type { ComponentInstanceState } from "@weft/abi";
import type { ExternDesc } from "./component_type.ts";

/**
 * A live component instance. `exports` holds its exports in the JS value
 * mapping: functions under their kebab-case and camelCase names, interfaces
 * under their full names as objects of functions, resources as classes.
 */
export class Instance {
  /** The exports, in the JS value mapping. */
  // deno-lint-ignore no-explicit-any
  readonly exports: Record<string, any>;
  #type: readonly ExternDesc[] | (() => readonly ExternDesc[]);
  #state: ComponentInstanceState;
  #suspend: boolean;

  /** @internal Created by `Component.instantiate`. */
  constructor(
    exports: Record<string, unknown>,
    type: readonly ExternDesc[] | (() => readonly ExternDesc[]),
    state: ComponentInstanceState,
    options: { readonly suspend?: boolean } = {},
  ) {
    this.exports = exports;
    this.#type = type;
    this.#state = state;
    this.#suspend = options.suspend ?? false;
  }

  /**
   * Whether blocking host imports suspend this instance's guest (JSPI); its
   * function exports then return Promises.
   */
  get suspends(): boolean {
    return this.#suspend;
  }

  /** The exports' names and types (described on first use: instantiation stays cheap). */
  get type(): readonly ExternDesc[] {
    if (typeof this.#type === "function") this.#type = this.#type();
    return this.#type;
  }

  /** The trap that poisoned this instance, or `undefined` while it is usable. */
  get poisoned(): Error | undefined {
    return this.#state.poisoned;
  }
}
