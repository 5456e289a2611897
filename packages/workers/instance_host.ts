/**
 * One component instance behind a pool slot, in a worker or in the current
 * thread: runs call requests, keeps the resources it handed out in a table
 * (so only numbers cross the thread), and replaces the instance after a trap
 * poisoned it, before the next call runs.
 *
 * @module
 */
import {
  type Component,
  type Imports,
  type Instance,
  toCamelCase,
  toPascalCase,
} from "@weft/runtime";
import { type EncodedValue, encodeValue, placeAt, type ValuePath } from "./encode_value.ts";
import { ResourceLostError } from "./errors.ts";

/** A request to run on an instance. */
export type CallRequest =
  | {
    /** Call an export by name. */
    readonly kind: "call";
    /** `fn`, `iface#fn`, `[constructor]r`, `[method]r.m`, `[static]r.f` (optionally `iface#…`). */
    readonly name: string;
    /** The arguments, with handles taken out. */
    readonly args: unknown[];
    /** Where the handles go back into `args`. */
    readonly handles: [ValuePath, number][];
  }
  | {
    /** Call a method of a resource held in the table. */
    readonly kind: "method";
    /** The resource's handle. */
    readonly handle: number;
    /** The method's name (kebab-case or camelCase). */
    readonly method: string;
    /** The arguments, with handles taken out. */
    readonly args: unknown[];
    /** Where the handles go back into `args`. */
    readonly handles: [ValuePath, number][];
  }
  | {
    /** Drop a resource held in the table. */
    readonly kind: "drop";
    /** The resource's handle. */
    readonly handle: number;
  };

/** The outcome of a request. */
export type CallReply =
  | {
    readonly ok: true;
    /** The result, with resources taken out. */
    readonly value: unknown;
    /** Where each returned resource sits, its handle and its class name. */
    readonly handles: [ValuePath, number, string][];
    /** The instance's generation (1 for the first instance of this host). */
    readonly instance: number;
    /** `false` here: only a failed call can poison an instance. */
    readonly poisoned: false;
  }
  | {
    readonly ok: false;
    /** What the call threw. */
    readonly error: unknown;
    /** The generation of the instance the call ran on. */
    readonly instance: number;
    /** Whether the call trapped: the instance is being replaced. */
    readonly poisoned: boolean;
  };

/** Makes the import object for a fresh instance. */
export type ImportsFactory = () => Imports | Promise<Imports>;

const SPECIAL = /^\[(constructor|method|static)\]([^.]+)(?:\.(.+))?$/;

type Fn = (...args: unknown[]) => unknown;

function isResourceClass(value: unknown): value is Fn & { prototype: object } {
  return typeof value === "function" && typeof value.prototype === "object" &&
    value.prototype !== null && Object.hasOwn(value.prototype, Symbol.dispose);
}

/** An instance and the resources it handed out. */
export class InstanceHost {
  #component: Component;
  #imports: ImportsFactory;
  #instance: Instance | undefined;
  #generation = 0;
  #replacing: Promise<void> | undefined;
  #replaceError: unknown;
  #classes = new Set<unknown>();
  #resolved = new Map<string, Fn>();
  #table = new Map<number, object>();
  #nextHandle = 1;
  /** The flag that stops a guest in a loop (the pool raises it to end a call). */
  #interrupt: WebAssembly.Memory | undefined;

  private constructor(component: Component, imports: ImportsFactory) {
    this.#component = component;
    this.#imports = imports;
  }

  /** Instantiates `component` with imports from `imports()`. */
  static async create(
    component: Component,
    imports: ImportsFactory,
    options: { readonly interrupt?: WebAssembly.Memory } = {},
  ): Promise<InstanceHost> {
    const host = new InstanceHost(component, imports);
    host.#interrupt = options.interrupt;
    await host.#instantiate();
    return host;
  }

  /** The number of resources held for the other side. */
  get resources(): number {
    return this.#table.size;
  }

  async #instantiate(): Promise<void> {
    const imports = await this.#imports();
    const instance = await this.#component.instantiate(
      imports,
      this.#interrupt === undefined ? {} : { interrupt: this.#interrupt },
    );
    this.#instance = instance;
    this.#generation++;
    this.#table.clear();
    this.#resolved.clear();
    this.#classes.clear();
    const collect = (exports: Record<string, unknown>, depth: number): void => {
      for (const value of Object.values(exports)) {
        if (isResourceClass(value)) this.#classes.add(value);
        else if (typeof value === "object" && value !== null && depth < 4) {
          collect(value as Record<string, unknown>, depth + 1);
        }
      }
    };
    collect(instance.exports, 0);
  }

  /**
   * Runs one request; never throws (a failure is an `ok: false` reply).
   * Answers synchronously unless a replacement instance is still being made.
   */
  execute(request: CallRequest): CallReply | Promise<CallReply> {
    if (this.#replacing !== undefined) return this.#replacing.then(() => this.#execute(request));
    return this.#execute(request);
  }

  #execute(request: CallRequest): CallReply | Promise<CallReply> {
    const generation = this.#generation;
    if (this.#instance === undefined) {
      // The replacement of a poisoned instance failed: report why, and try again next time.
      const error = this.#replaceError;
      this.#replacing = this.#replace();
      return { ok: false, error, instance: generation, poisoned: false };
    }
    const instance = this.#instance;
    let value: unknown;
    try {
      value = this.#run(request);
    } catch (error) {
      return this.#failed(instance, error, generation);
    }
    // An instance whose imports can block (JSPI) answers with a Promise.
    if (value instanceof Promise) {
      return value.then(
        (v) => this.#succeeded(instance, v, generation),
        (error) => this.#failed(instance, error, generation),
      );
    }
    return this.#succeeded(instance, value, generation);
  }

  #succeeded(instance: Instance, value: unknown, generation: number): CallReply {
    let encoded: EncodedValue<[number, string]>;
    try {
      encoded = encodeValue(value, "result", {
        handleOf: (v) => this.#classes.has(v.constructor) ? this.#keep(v) : undefined,
        check: false,
      });
    } catch (error) {
      return this.#failed(instance, error, generation);
    }
    return {
      ok: true,
      value: encoded.value,
      handles: encoded.handles.map(([path, [handle, type]]) => [path, handle, type]),
      instance: generation,
      poisoned: false,
    };
  }

  #failed(instance: Instance, error: unknown, generation: number): CallReply {
    const poisoned = instance.poisoned !== undefined;
    if (poisoned) this.#replacing ??= this.#replace();
    return { ok: false, error, instance: generation, poisoned };
  }

  async #replace(): Promise<void> {
    this.#instance = undefined;
    this.#table.clear();
    try {
      await this.#instantiate();
    } catch (error) {
      this.#replaceError = error;
    } finally {
      this.#replacing = undefined;
    }
  }

  #keep(value: object): [number, string] {
    const handle = this.#nextHandle++;
    this.#table.set(handle, value);
    return [handle, value.constructor.name];
  }

  #lookup(handle: number): object {
    const value = this.#table.get(handle);
    if (value === undefined) {
      throw new ResourceLostError(
        "Cannot use the resource: it was dropped, or its instance was replaced after a trap",
      );
    }
    return value;
  }

  #run(request: CallRequest): unknown {
    if (request.kind === "drop") {
      const value = this.#lookup(request.handle);
      this.#table.delete(request.handle);
      (value as Disposable)[Symbol.dispose]();
      return undefined;
    }
    const args = request.args;
    for (const [path, handle] of request.handles) placeAt(args, path, this.#lookup(handle));
    if (request.kind === "method") {
      const self = this.#lookup(request.handle) as Record<string, unknown>;
      const fn = self[toCamelCase(request.method)] ?? self[request.method];
      if (typeof fn !== "function") {
        throw new TypeError(
          `Cannot call method "${request.method}" on ${self.constructor.name}: it has no such method`,
        );
      }
      return fn.apply(self, args);
    }
    return this.#resolve(request.name)(...args);
  }

  /** Finds the function a call name stands for (cached per instance). */
  #resolve(name: string): Fn {
    let fn = this.#resolved.get(name);
    if (fn !== undefined) return fn;
    const exports = this.#instance!.exports as Record<string, unknown>;
    const hash = name.lastIndexOf("#");
    const scope = hash < 0 ? exports : exports[name.slice(0, hash)];
    const local = hash < 0 ? name : name.slice(hash + 1);
    const missing = (): never => {
      throw new TypeError(`Cannot call "${name}": the component exports no such function`);
    };
    if (typeof scope !== "object" || scope === null) return missing();
    const record = scope as Record<string, unknown>;
    const special = SPECIAL.exec(local);
    if (special !== null) {
      const cls = record[toPascalCase(special[2]!)];
      if (!isResourceClass(cls)) return missing();
      const member = toCamelCase(special[3] ?? "");
      if (special[1] === "constructor") {
        const ctor = cls as unknown as new (...args: unknown[]) => unknown;
        fn = (...args) => new ctor(...args);
      } else if (special[1] === "static") {
        const f = (cls as unknown as Record<string, unknown>)[member];
        if (typeof f !== "function") return missing();
        fn = f as Fn;
      } else {
        const f = (cls.prototype as Record<string, unknown>)[member];
        if (typeof f !== "function") return missing();
        fn = (self, ...args) => {
          if (!(self instanceof cls)) {
            throw new TypeError(
              `Cannot call "${name}": the first argument must be a ${cls.name} resource`,
            );
          }
          return (f as Fn).apply(self, args);
        };
      }
    } else {
      const f = record[local] ?? record[toCamelCase(local)];
      if (typeof f !== "function" || isResourceClass(f)) return missing();
      fn = f as Fn;
    }
    this.#resolved.set(name, fn);
    return fn;
  }
}
