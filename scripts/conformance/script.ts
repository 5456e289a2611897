/**
 * Runs the directives of one script against a component runtime and judges
 * each as one assertion. The runtime is passed in (see {@linkcode RuntimeApi})
 * so the judging can be tested without it; `worker.ts` passes `@weft/runtime`.
 *
 * @module
 */
import type { FuncType, ValType } from "@weft/abi";
import { messageMatches } from "./messages.ts";
import { directiveSkipReason } from "./skips.ts";
import { compareValues, type Const, formatValue, readConst, toJs } from "./values.ts";
import type { Action, Directive, Invoke, ModuleForm, Script } from "./wast.ts";

/** An error class, as the runner tests errors with `instanceof`. */
// deno-lint-ignore no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => Error;

/** What the runner needs to know of an export or import (the runtime's `ExternDesc`). */
export interface ExternDescLike {
  /** The extern name. */
  readonly name: string;
  /** Its type; only `kind: "func"` (with `type: FuncType`) is used. */
  readonly type: { readonly kind: string; readonly type?: unknown };
}

/** What the runner needs of a compiled component. */
export interface ComponentLike {
  /** The component's imports and exports. */
  readonly type?: { readonly exports: readonly ExternDescLike[] };
  /** Instantiates the component with an import object. */
  instantiate(imports?: Record<string, unknown>): Promise<InstanceLike>;
}

/** What the runner needs of an instance. */
export interface InstanceLike {
  /** The instance's exports, keyed by export name. */
  readonly exports: Record<string, unknown>;
}

/** The runtime API the runner drives: the brief's public contract of `@weft/runtime`. */
export interface RuntimeApi {
  /** `Component.compile(bytes)`. */
  readonly Component: { compile(bytes: Uint8Array): Promise<ComponentLike> };
  /** Thrown for bytes that do not decode or validate. */
  readonly CompileError: ErrorClass;
  /** Thrown when imports do not satisfy a component. */
  readonly LinkError: ErrorClass;
  /** Thrown when the guest traps. */
  readonly Trap: ErrorClass;
  /** Thrown when calling an instance that trapped before. */
  readonly InstancePoisonedError: ErrorClass;
  /** Thrown for a top-level `err` result; carries `.payload`. */
  readonly ComponentError: ErrorClass;
}

/** The outcome of one directive. */
export interface AssertionResult {
  /** 1-based line of the directive. */
  readonly line: number;
  /** The directive's kind (`assert_return`, `module`, …). */
  readonly kind: string;
  /** `passed`, `failed`, or `skipped` (a directive the runner does not run). */
  readonly status: "passed" | "failed" | "skipped";
  /** For a failure, what went wrong (expected vs got); for a skip, why. */
  readonly message?: string;
  /** A remark on a pass, e.g. an error message that differs from Wasmtime's. */
  readonly note?: string;
}

/** Options of {@linkcode runScript}. */
export interface RunScriptOptions {
  /** The runtime under test. */
  readonly runtime: RuntimeApi;
  /** Turns component or module text into a binary (wasm-tools `parse`). */
  readonly parse: (text: string) => Promise<Uint8Array>;
  /** The import object given to every instantiation. */
  readonly imports?: Record<string, unknown>;
  /** Imports for top-level core `(module …)` forms, e.g. `{ spectest: … }`. */
  readonly coreImports?: WebAssembly.Imports;
  /** Time limit for each awaited step (compile, instantiate, call), in ms. */
  readonly timeoutMs?: number;
  /** Fail, rather than note, a mismatched message of assert_invalid/malformed/unlinkable. */
  readonly strictMessages?: boolean;
  /** Called as each directive starts, with its index. */
  readonly onStart?: (index: number) => void;
  /** Called with each result as soon as it is known. */
  readonly onResult?: (index: number, result: AssertionResult) => void;
}

/** A step that did not finish in time. */
export class TimeoutError extends Error {
  /** Creates the error for a step and its limit. */
  constructor(step: string, ms: number) {
    super(`Cannot finish ${step}: timed out after ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** The text of an error and its causes, one per line, as Wasmtime prints error chains. */
export function errorText(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e !== undefined && depth < 8; depth++) {
    if (e instanceof Error) {
      parts.push(`${e.name}: ${e.message}`);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join("\n  caused by: ").replace(ANSI_COLOUR, "");
}

/** Terminal colour codes, which Deno's module errors carry. */
const ANSI_COLOUR = new RegExp(String.raw`\u001b\[[0-9;]*m`, "g");

/** A failure with a message, thrown inside the runner to end a directive. */
class Failure extends Error {
  override name = "Failure";
}

/** Weft refused a directive for a feature it does not have yet: the directive is skipped. */
class Unsupported extends Error {
  override name = "Unsupported";
}

/** Throws {@linkcode Unsupported} when `error` says Weft lacks a feature. */
function throwIfUnsupported(error: unknown): void {
  if (error instanceof Unsupported) throw error;
  if (error instanceof Failure) return;
  const text = errorText(error);
  if (UNSUPPORTED.test(text)) throw new Unsupported(firstLine(error));
}

interface Slot {
  readonly component?: ComponentLike;
  readonly instance?: InstanceLike;
  /** Why this slot is unusable. */
  readonly error?: string;
  /** Set when it is unusable because Weft lacks a feature: users of it are skipped. */
  readonly unsupported?: string;
}

/** Runs every directive of `script` in order; returns one result per directive. */
export async function runScript(
  script: Script,
  options: RunScriptOptions,
): Promise<AssertionResult[]> {
  const runner = new ScriptRunner(options);
  const results: AssertionResult[] = [];
  for (const [index, directive] of script.directives.entries()) {
    options.onStart?.(index);
    const result = await runner.run(directive);
    results.push(result);
    options.onResult?.(index, result);
  }
  return results;
}

class ScriptRunner {
  readonly #o: RunScriptOptions;
  readonly #definitions = new Map<string, Slot>();
  readonly #instances = new Map<string, Slot>();
  #current: Slot | undefined;
  readonly #encoded = new Map<string, Promise<Uint8Array>>();
  /** The host imports plus the named instances registered so far. */
  readonly #imports: Record<string, unknown>;

  constructor(options: RunScriptOptions) {
    this.#o = options;
    this.#imports = { ...options.imports };
  }

  /**
   * Makes a named instance importable by later components under its name
   * without `$`, as Wasmtime's harness does: an instance whose exports are
   * the instance's core modules (the only items it reflects into its linker).
   */
  #register(id: string | undefined, component: ComponentLike, instance: InstanceLike): void {
    if (id === undefined) return;
    const modules: Record<string, unknown> = {};
    for (const e of component.type?.exports ?? []) {
      if (e.type.kind === "module") modules[e.name] = instance.exports[e.name];
    }
    this.#imports[id.slice(1)] = modules;
  }

  async run(d: Directive): Promise<AssertionResult> {
    const base = { line: d.line, kind: d.kind };
    try {
      if (d.kind === "unsupported") return { ...base, status: "skipped", message: d.reason };
      const skip = directiveSkipReason(d);
      if (skip !== undefined) return { ...base, status: "skipped", message: skip };
      const note = await this.#run(d);
      return note === undefined
        ? { ...base, status: "passed" }
        : { ...base, status: "passed", note };
    } catch (error) {
      if (error instanceof Unsupported) {
        return { ...base, status: "skipped", message: `not supported yet: ${error.message}` };
      }
      const message = error instanceof Failure ? error.message : `unexpected ${errorText(error)}`;
      return { ...base, status: "failed", message };
    }
  }

  /** Runs one directive; throws `Failure` (or anything) when it fails; may return a note. */
  async #run(d: Directive): Promise<string | undefined> {
    switch (d.kind) {
      case "module":
        await this.#module(d.form, d.line);
        return undefined;
      case "instance":
        await this.#instance(d.id, d.definition, d.line);
        return undefined;
      case "invoke":
        await this.#invoke(d.invoke);
        return undefined;
      case "assert_return":
        await this.#assertReturn(d.invoke, d.results);
        return undefined;
      case "assert_trap":
        await this.#assertTrap(d.action, d.message, d.line);
        return undefined;
      case "assert_invalid":
      case "assert_malformed":
        return await this.#assertRejected(d.kind, d.form, d.message);
      case "assert_unlinkable":
        return await this.#assertUnlinkable(d.form, d.message);
      case "error":
        throw new Failure(`cannot read directive: ${d.error}`);
      default:
        throw new Failure(`cannot run directive ${d.kind}`);
    }
  }

  #limit<T>(step: string, value: T | Promise<T>): Promise<T> {
    const ms = this.#o.timeoutMs ?? 10_000;
    if (!(value instanceof Promise)) return Promise.resolve(value);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TimeoutError(step, ms)), ms);
    });
    return Promise.race([value, timeout]).finally(() => clearTimeout(timer));
  }

  /** The binary of a form; throws `Failure` when its text does not parse. */
  async #encode(form: ModuleForm): Promise<Uint8Array> {
    const src = form.source;
    if (src.kind === "binary") return src.bytes;
    let pending = this.#encoded.get(src.text);
    if (pending === undefined) {
      pending = this.#o.parse(src.text);
      this.#encoded.set(src.text, pending);
    }
    try {
      return await pending;
    } catch (error) {
      throw new Failure(
        `cannot encode the ${form.type} text (wasm-tools): ${wasmToolsMessage(error)}`,
      );
    }
  }

  async #compile(bytes: Uint8Array): Promise<ComponentLike> {
    return await this.#limit("compile", this.#o.runtime.Component.compile(bytes));
  }

  async #instantiate(component: ComponentLike): Promise<InstanceLike> {
    return await this.#limit("instantiate", component.instantiate(this.#imports));
  }

  async #module(form: ModuleForm, line: number): Promise<void> {
    if (form.type === "module") {
      const bytes = await this.#encode(form);
      const module = await this.#limit(
        "compile core module",
        WebAssembly.compile(bytes as BufferSource),
      );
      if (!form.definition) {
        await this.#limit(
          "instantiate core module",
          WebAssembly.instantiate(module, this.#o.coreImports ?? {}),
        );
      }
      return;
    }
    const failed = (why: string): Slot => ({ error: `component on line ${line} failed: ${why}` });
    // Until it succeeds, the form's name and "the current instance" mean a failure.
    const record = (s: Slot): void => {
      if (form.definition) {
        if (form.id !== undefined) this.#definitions.set(form.id, s);
      } else {
        this.#current = s;
        if (form.id !== undefined) this.#instances.set(form.id, s);
      }
    };
    record(failed("not finished"));
    let component: ComponentLike;
    try {
      component = await this.#compile(await this.#encode(form));
    } catch (error) {
      record(failed(firstLine(error)));
      if (!(error instanceof Failure) && UNSUPPORTED.test(errorText(error))) {
        record({ error: firstLine(error), unsupported: firstLine(error) });
      }
      throwIfUnsupported(error);
      if (error instanceof Failure) throw error;
      throw new Failure(`compile failed: ${errorText(error)}`);
    }
    if (form.definition) {
      record({ component });
      return;
    }
    try {
      const instance = await this.#instantiate(component);
      record({ component, instance });
      this.#register(form.id, component, instance);
    } catch (error) {
      const unsupported = UNSUPPORTED.test(errorText(error)) ? firstLine(error) : undefined;
      record({
        component,
        error: `component on line ${line} failed: ${firstLine(error)}`,
        ...(unsupported === undefined ? {} : { unsupported }),
      });
      throwIfUnsupported(error);
      throw new Failure(`instantiate failed: ${errorText(error)}`);
    }
    // A named component is also a definition for later `(component instance …)`.
    if (form.id !== undefined && !this.#definitions.has(form.id)) {
      this.#definitions.set(form.id, { component });
    }
  }

  #definition(name: string): ComponentLike {
    const def = this.#definitions.get(name);
    if (def === undefined) throw new Failure(`unknown component definition ${name}`);
    if (def.unsupported !== undefined) throw new Unsupported(def.unsupported);
    if (def.component === undefined) {
      throw new Failure(`definition ${name} is unusable: ${def.error}`);
    }
    return def.component;
  }

  async #instance(id: string | undefined, definition: string, line: number): Promise<void> {
    const record = (s: Slot): void => {
      this.#current = s;
      if (id !== undefined) this.#instances.set(id, s);
    };
    record({ error: `instance on line ${line} failed` });
    const component = this.#definition(definition);
    try {
      const instance = await this.#instantiate(component);
      record({ component, instance });
      this.#register(id, component, instance);
    } catch (error) {
      const unsupported = UNSUPPORTED.test(errorText(error)) ? firstLine(error) : undefined;
      record({
        component,
        error: `instance on line ${line} failed: ${firstLine(error)}`,
        ...(unsupported === undefined ? {} : { unsupported }),
      });
      throwIfUnsupported(error);
      throw new Failure(`instantiate failed: ${errorText(error)}`);
    }
  }

  /** Resolves an invoke's function, its type, and its JS arguments. */
  #prepare(
    invoke: Invoke,
  ): { fn: (...args: unknown[]) => unknown; type?: FuncType; args: unknown[] } {
    const slot = invoke.instance === undefined
      ? this.#current
      : this.#instances.get(invoke.instance);
    if (slot === undefined) {
      throw new Failure(
        invoke.instance === undefined
          ? "no component instantiated before this invoke"
          : `unknown instance ${invoke.instance}`,
      );
    }
    if (slot.unsupported !== undefined) throw new Unsupported(slot.unsupported);
    if (slot.instance === undefined) throw new Failure(slot.error ?? "instance unusable");
    const fn = slot.instance.exports[invoke.name];
    if (typeof fn !== "function") {
      throw new Failure(`export "${invoke.name}" is not a function (got ${formatValue(fn)})`);
    }
    const desc = slot.component?.type?.exports.find((e) => e.name === invoke.name);
    const type = desc?.type.kind === "func" ? desc.type.type as FuncType : undefined;
    if (type !== undefined && type.params.length !== invoke.args.length) {
      throw new Failure(
        `"${invoke.name}" takes ${type.params.length} arguments, the script passes ${invoke.args.length}`,
      );
    }
    const args = invoke.args.map((node, i) => {
      try {
        return toJs(readConst(node), type?.params[i]?.type);
      } catch (error) {
        throw new Failure(`cannot convert argument ${i}: ${(error as Error).message}`);
      }
    });
    const bound = (...a: unknown[]): unknown =>
      (fn as (...x: unknown[]) => unknown).apply(slot.instance!.exports, a);
    return type === undefined ? { fn: bound, args } : { fn: bound, type, args };
  }

  async #call(invoke: Invoke): Promise<{ value: unknown; type?: FuncType }> {
    const { fn, type, args } = this.#prepare(invoke);
    const value = await this.#limit(`call "${invoke.name}"`, fn(...args));
    return type === undefined ? { value } : { value, type };
  }

  async #invoke(invoke: Invoke): Promise<void> {
    try {
      await this.#call(invoke);
    } catch (error) {
      throwIfUnsupported(error);
      if (error instanceof Failure) throw error;
      throw new Failure(`call "${invoke.name}" threw ${errorText(error)}`);
    }
  }

  async #assertReturn(
    invoke: Invoke,
    results: readonly import("./sexpr.ts").SExpr[],
  ): Promise<void> {
    let expected: Const | undefined;
    if (results.length > 1) {
      throw new Failure(`expected at most one result, the script gives ${results.length}`);
    }
    if (results.length === 1) {
      try {
        expected = readConst(results[0]!);
      } catch (error) {
        throw new Failure(`cannot read expected result: ${(error as Error).message}`);
      }
    }
    const { fn, type, args } = this.#prepare(invoke);
    const resultType: ValType | undefined = type?.result;
    // A top-level result<T, E> is return-or-throw in jco's mapping.
    const topLevelResult = expected?.kind === "result" &&
      (resultType === undefined || resultType.kind === "result");
    let value: unknown;
    try {
      value = await this.#limit(`call "${invoke.name}"`, fn(...args));
    } catch (error) {
      if (
        topLevelResult && expected?.kind === "result" && !expected.ok &&
        error instanceof this.#o.runtime.ComponentError
      ) {
        const errType = resultType?.kind === "result" ? resultType.err : undefined;
        const want = expected.value === undefined
          ? undefined
          : this.#convertExpected(expected.value, errType);
        const payload = (error as Error & { payload?: unknown }).payload;
        const diff = compareValues(payload, want, errType);
        if (diff !== undefined) throw new Failure(`err payload differs: ${diff}`);
        return;
      }
      throwIfUnsupported(error);
      throw new Failure(`expected a return, got ${errorText(error)}`);
    }
    if (expected === undefined) {
      if (value !== undefined) throw new Failure(`expected no result, got ${formatValue(value)}`);
      return;
    }
    if (topLevelResult && expected.kind === "result") {
      if (!expected.ok) {
        throw new Failure(`expected an err (ComponentError), got return ${formatValue(value)}`);
      }
      const okType = resultType?.kind === "result" ? resultType.ok : undefined;
      const want = expected.value === undefined
        ? undefined
        : this.#convertExpected(expected.value, okType);
      const diff = compareValues(value, want, okType);
      if (diff !== undefined) throw new Failure(diff);
      return;
    }
    const want = this.#convertExpected(expected, resultType);
    const diff = compareValues(value, want, resultType);
    if (diff !== undefined) throw new Failure(diff);
  }

  #convertExpected(c: Const, type: ValType | undefined): unknown {
    try {
      return toJs(c, type);
    } catch (error) {
      throw new Failure(`cannot convert expected result: ${(error as Error).message}`);
    }
  }

  /** Checks that `error` is a trap whose message matches. */
  #checkTrap(error: unknown, message: string): void {
    const { Trap, InstancePoisonedError } = this.#o.runtime;
    if (!(error instanceof Trap) && !(error instanceof InstancePoisonedError)) {
      throw new Failure(`expected a trap "${message}", got ${errorText(error)}`);
    }
    const text = errorText(error);
    if (!messageMatches(text, message)) {
      throw new Failure(`expected trap "${message}", got ${text}`);
    }
  }

  async #assertTrap(action: Action, message: string, line: number): Promise<void> {
    switch (action.kind) {
      case "invoke": {
        let value: unknown;
        try {
          value = (await this.#call(action.invoke)).value;
        } catch (error) {
          throwIfUnsupported(error);
          if (error instanceof Failure) throw error;
          this.#checkTrap(error, message);
          return;
        }
        throw new Failure(`expected trap "${message}", got return ${formatValue(value)}`);
      }
      case "module": {
        let component: ComponentLike;
        try {
          component = await this.#compile(await this.#encode(action.form));
        } catch (error) {
          throwIfUnsupported(error);
          if (error instanceof Failure) throw error;
          throw new Failure(`expected an instantiation trap, compile failed: ${errorText(error)}`);
        }
        let instance: InstanceLike;
        try {
          instance = await this.#instantiate(component);
        } catch (error) {
          throwIfUnsupported(error);
          this.#checkTrap(error, message);
          return;
        }
        if (!action.form.definition) {
          this.#current = { component, instance };
          if (action.form.id !== undefined) this.#instances.set(action.form.id, this.#current);
        }
        throw new Failure(`expected instantiation to trap "${message}", it succeeded`);
      }
      case "instance": {
        const component = this.#definition(action.definition);
        try {
          await this.#instantiate(component);
        } catch (error) {
          throwIfUnsupported(error);
          this.#checkTrap(error, message);
          return;
        }
        throw new Failure(`expected instance on line ${line} to trap "${message}", it succeeded`);
      }
    }
  }

  #messageNote(error: unknown, expected: string): string | undefined {
    const text = errorText(error);
    if (messageMatches(text, expected)) return undefined;
    const note = `message differs: expected "${expected}", got ${firstLine(error)}`;
    if (this.#o.strictMessages) throw new Failure(note);
    return note;
  }

  async #assertRejected(
    kind: "assert_invalid" | "assert_malformed",
    form: ModuleForm,
    message: string,
  ): Promise<string | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = await this.#encode(form);
    } catch (error) {
      // Malformed text that the text parser already rejects is malformed indeed.
      if (kind === "assert_malformed" && form.source.kind === "quote") {
        return `rejected by the text parser: ${(error as Error).message}`;
      }
      throw error;
    }
    const { CompileError } = this.#o.runtime;
    if (form.type === "module") {
      try {
        await WebAssembly.compile(bytes as BufferSource);
      } catch (error) {
        if (error instanceof WebAssembly.CompileError) return undefined;
        throw new Failure(`expected a WebAssembly.CompileError, got ${errorText(error)}`);
      }
      throw new Failure(`expected the module to be rejected ("${message}"), it compiled`);
    }
    try {
      await this.#compile(bytes);
    } catch (error) {
      if (!(error instanceof CompileError)) {
        throw new Failure(`expected a CompileError "${message}", got ${errorText(error)}`);
      }
      // Rejecting what Weft cannot run yet says nothing about validity.
      throwIfUnsupported(error);
      return this.#messageNote(error, message);
    }
    throw new Failure(`expected a CompileError "${message}", the component compiled`);
  }

  async #assertUnlinkable(form: ModuleForm, message: string): Promise<string | undefined> {
    const { LinkError } = this.#o.runtime;
    let component: ComponentLike;
    try {
      component = await this.#compile(await this.#encode(form));
    } catch (error) {
      if (error instanceof Failure) throw error;
      throw new Failure(`expected a LinkError "${message}", compile failed: ${errorText(error)}`);
    }
    try {
      await this.#instantiate(component);
    } catch (error) {
      throwIfUnsupported(error);
      if (!(error instanceof LinkError)) {
        throw new Failure(`expected a LinkError "${message}", got ${errorText(error)}`);
      }
      return this.#messageNote(error, message);
    }
    throw new Failure(`expected a LinkError "${message}", instantiation succeeded`);
  }
}

/** A CompileError for a feature Weft lacks, not for a broken component. */
const UNSUPPORTED = /\bnot supported yet\b|\bdoes not support\b/i;

/**
 * The message of a wasm-tools text error, which arrives as a Rust debug dump
 * (`Error { kind: Wast(… kind: Custom("expected `)`") …) }`).
 */
export function wasmToolsMessage(error: unknown): string {
  const text = String(error instanceof Error ? error.message : error);
  const custom = /kind: Custom\("((?:[^"\\]|\\.)*)"\)/.exec(text)?.[1] ??
    /kind: (Lex\(.*?\)) \}/.exec(text)?.[1];
  const line = /line: (\d+), col: (\d+)/.exec(text);
  if (custom === undefined) return firstLine(error);
  const where = line === null
    ? ""
    : ` (line ${Number(line[1]) + 1}, column ${Number(line[2]) + 1})`;
  return `${custom.replace(/\\(.)/g, "$1")}${where}`;
}

function firstLine(error: unknown): string {
  const text = error instanceof Failure ? error.message : errorText(error);
  const line = text.split("\n")[0] ?? "";
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
