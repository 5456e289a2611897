/**
 * The directives of a component-model `.wast` script, read from its
 * s-expressions. This only describes what a script says; `script.ts` runs it.
 *
 * @module
 */
import { headOf, isAtom, type List, parseSExprs, type SExpr, stringText } from "./sexpr.ts";

/** How a module or component is written in a script. */
export type ModuleSource =
  /** Text, re-sliced from the script, ready for the wasm-tools text parser. */
  | { readonly kind: "text"; readonly text: string }
  /** `binary "…"…`: the bytes of the string literals, concatenated. */
  | { readonly kind: "binary"; readonly bytes: Uint8Array }
  /** `quote "…"…`: text to parse, wrapped in `(component …)` or `(module …)`. */
  | { readonly kind: "quote"; readonly text: string };

/** A `(component …)` or `(module …)` form. */
export interface ModuleForm {
  /** `component` for a component, `module` for a core module. */
  readonly type: "component" | "module";
  /** The `$id`, when given. */
  readonly id: string | undefined;
  /** `true` for `(component definition …)`: compiled, not instantiated. */
  readonly definition: boolean;
  /** The form's contents. */
  readonly source: ModuleSource;
}

/** `(invoke $id? "name" args…)`. */
export interface Invoke {
  /** The named instance to call, or `undefined` for the most recent one. */
  readonly instance: string | undefined;
  /** The export name. */
  readonly name: string;
  /** The argument constants, unconverted. */
  readonly args: readonly SExpr[];
}

/** An action that can trap: a call, instantiating a component, or instantiating a definition. */
export type Action =
  | { readonly kind: "invoke"; readonly invoke: Invoke }
  | { readonly kind: "module"; readonly form: ModuleForm }
  | { readonly kind: "instance"; readonly id: string | undefined; readonly definition: string };

/** One top-level directive of a script; each counts as one assertion. */
export type Directive =
  & { readonly line: number; readonly text: string }
  & (
    | { readonly kind: "module"; readonly form: ModuleForm }
    | { readonly kind: "instance"; readonly id: string | undefined; readonly definition: string }
    | { readonly kind: "invoke"; readonly invoke: Invoke }
    | {
      readonly kind: "assert_return";
      readonly invoke: Invoke;
      readonly results: readonly SExpr[];
    }
    | { readonly kind: "assert_trap"; readonly action: Action; readonly message: string }
    | {
      readonly kind: "assert_invalid" | "assert_malformed" | "assert_unlinkable";
      readonly form: ModuleForm;
      readonly message: string;
    }
    /** A directive the runner recognises but does not run (`thread`, `wait`). */
    | { readonly kind: "unsupported"; readonly reason: string }
    /** A form the runner could not read; running it fails with `error`. */
    | { readonly kind: "error"; readonly error: string }
  );

/** A script: its directives in order, and the source they came from. */
export interface Script {
  /** The script text. */
  readonly source: string;
  /** The directives, one per top-level form. */
  readonly directives: readonly Directive[];
}

/**
 * Reads a whole script (from its forms, when already read). Throws
 * `SExprSyntaxError` when the text is not s-expressions.
 */
export function parseScript(source: string, forms: readonly List[] = parseSExprs(source)): Script {
  return { source, directives: forms.map((form) => parseDirective(source, form)) };
}

/**
 * Reads one top-level form. A form the runner cannot read becomes an
 * `error` directive, so the rest of the script still runs.
 */
export function parseDirective(source: string, form: List): Directive {
  const base = { line: form.line, text: source.slice(form.start, form.end) };
  try {
    return { ...base, ...readDirective(source, form) };
  } catch (error) {
    return { ...base, kind: "error", error: (error as Error).message };
  }
}

type DirectiveBody = Directive extends infer D ? D extends unknown ? Omit<D, "line" | "text">
  : never
  : never;

function readDirective(source: string, form: List): DirectiveBody {
  const head = headOf(form);
  switch (head) {
    case "component":
    case "module": {
      const second = form.items[1];
      if (head === "component" && isAtom(second, "instance")) {
        const [, , a, b] = form.items;
        if (isId(a) && isId(b) && form.items.length === 4) {
          return { kind: "instance", id: a.value, definition: b.value };
        }
        if (isId(a) && form.items.length === 3) {
          return { kind: "instance", id: undefined, definition: a.value };
        }
        throw new SyntaxError("Cannot read (component instance …): expected $instance $definition");
      }
      return { kind: "module", form: readModuleForm(source, form) };
    }
    case "invoke":
      return { kind: "invoke", invoke: readInvoke(form) };
    case "assert_return": {
      const target = form.items[1];
      if (headOf(target) !== "invoke") {
        throw new SyntaxError("Cannot read assert_return: expected (invoke …)");
      }
      return {
        kind: "assert_return",
        invoke: readInvoke(target as List),
        results: form.items.slice(2),
      };
    }
    case "assert_trap": {
      const target = form.items[1];
      return {
        kind: "assert_trap",
        action: readAction(source, target),
        message: readMessage(form),
      };
    }
    case "assert_invalid":
    case "assert_malformed":
    case "assert_unlinkable": {
      const target = form.items[1];
      const targetHead = headOf(target);
      if (targetHead !== "component" && targetHead !== "module") {
        throw new SyntaxError(`Cannot read ${head}: expected (component …)`);
      }
      return {
        kind: head,
        form: readModuleForm(source, target as List),
        message: readMessage(form),
      };
    }
    case "thread":
    case "wait":
      return { kind: "unsupported", reason: `(${head} …) needs shared-everything threads` };
    case undefined:
      throw new SyntaxError("Cannot read directive: expected a keyword after (");
    default:
      throw new SyntaxError(`Cannot read directive: unknown directive (${head} …)`);
  }
}

function readAction(source: string, node: SExpr | undefined): Action {
  const head = headOf(node);
  const list = node as List;
  if (head === "invoke") return { kind: "invoke", invoke: readInvoke(list) };
  if (head === "component" && isAtom(list.items[1], "instance")) {
    const [, , a, b] = list.items;
    if (isId(a) && isId(b)) return { kind: "instance", id: a.value, definition: b.value };
    if (isId(a)) return { kind: "instance", id: undefined, definition: a.value };
  }
  if (head === "component" || head === "module") {
    return { kind: "module", form: readModuleForm(source, list) };
  }
  throw new SyntaxError("Cannot read assert_trap: expected (invoke …) or (component …)");
}

function readMessage(form: List): string {
  const last = form.items[form.items.length - 1];
  if (last?.kind !== "string" || form.items.length < 3) {
    throw new SyntaxError(`Cannot read (${headOf(form)} …): expected a message string last`);
  }
  return stringText(last);
}

function isId(node: SExpr | undefined): node is SExpr & { kind: "atom"; value: string } {
  return node?.kind === "atom" && node.value.startsWith("$");
}

/** Reads `(component definition? $id? (binary|quote)? …)` or the `module` equivalent. */
export function readModuleForm(source: string, form: List): ModuleForm {
  const type = headOf(form) as "component" | "module";
  let i = 1;
  let definition = false;
  let id: string | undefined;
  if (isAtom(form.items[i], "definition")) {
    definition = true;
    i++;
  }
  const maybeId = form.items[i];
  if (isId(maybeId)) {
    id = maybeId.value;
    i++;
  }
  const mode = form.items[i];
  if (isAtom(mode, "binary") || isAtom(mode, "quote")) {
    const parts = form.items.slice(i + 1);
    const chunks: Uint8Array[] = [];
    for (const part of parts) {
      if (part.kind !== "string") {
        throw new SyntaxError(`Cannot read (${type} ${mode.value} …): expected only strings`);
      }
      chunks.push(part.bytes);
    }
    const bytes = concatBytes(chunks);
    if (mode.value === "binary") return { type, id, definition, source: { kind: "binary", bytes } };
    // A quote's strings are joined with spaces, as the reference interpreter does.
    const text = parts.map((p) => stringText(p as SExpr & { kind: "string" })).join(" ");
    return { type, id, definition, source: { kind: "quote", text: `(${type} ${text})` } };
  }
  // Re-slice the fields from the source, so the text parser sees them verbatim.
  const first = form.items[i];
  const body = first === undefined ? "" : source.slice(first.start, form.end - 1);
  const text = `(${type}${id === undefined ? "" : ` ${id}`} ${body})`;
  return { type, id, definition, source: { kind: "text", text } };
}

function readInvoke(form: List): Invoke {
  let i = 1;
  let instance: string | undefined;
  const maybeId = form.items[i];
  if (isId(maybeId)) {
    instance = maybeId.value;
    i++;
  }
  const name = form.items[i];
  if (name?.kind !== "string") {
    throw new SyntaxError("Cannot read (invoke …): expected an export name string");
  }
  return { instance, name: stringText(name), args: form.items.slice(i + 1) };
}

function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
