/**
 * The component forms of a `.wast` script, for tests that feed the suites'
 * components straight to the decoder or validator instead of running the
 * script. Read with the runner's own reader (`wast.ts`), so every consumer
 * sees a script the same way.
 *
 * @module
 */
import { type List, parseSExprs } from "./sexpr.ts";
import { type ModuleSource, parseDirective } from "./wast.ts";

/** The assertion a component form can sit in. */
export type FormAssertion =
  | "assert_invalid"
  | "assert_malformed"
  | "assert_unlinkable"
  | "assert_trap";

/** One `(component …)` form of a script. */
export interface ComponentForm {
  /** 1-based line of the form's `(component`. */
  readonly line: number;
  /** The assertion wrapping the form, or `undefined` for a top-level component. */
  readonly assertion: FormAssertion | undefined;
  /** The assertion's expected message, or `undefined` for a top-level component. */
  readonly message: string | undefined;
  /** The form's contents: text, binary bytes or quote text. */
  readonly source: ModuleSource;
}

/**
 * Lists the component forms of a script in order: top-level components
 * (definitions included) and those an assertion wraps. `(component instance
 * …)`, core modules, components nested in a component, and directives the
 * runner cannot read are left out. Throws `SExprSyntaxError` when the text is
 * not s-expressions.
 */
export function componentForms(source: string): ComponentForm[] {
  const out: ComponentForm[] = [];
  for (const node of parseSExprs(source)) {
    const directive = parseDirective(source, node);
    // A top-level form is the directive itself; an asserted one is its second item.
    const inner = node.items[1] as List;
    switch (directive.kind) {
      case "module":
        if (directive.form.type !== "component") break;
        out.push({
          line: node.line,
          assertion: undefined,
          message: undefined,
          source: directive.form.source,
        });
        break;
      case "assert_invalid":
      case "assert_malformed":
      case "assert_unlinkable":
        if (directive.form.type !== "component") break;
        out.push({
          line: inner.line,
          assertion: directive.kind,
          message: directive.message,
          source: directive.form.source,
        });
        break;
      case "assert_trap":
        if (directive.action.kind !== "module" || directive.action.form.type !== "component") {
          break;
        }
        out.push({
          line: inner.line,
          assertion: "assert_trap",
          message: directive.message,
          source: directive.action.form.source,
        });
        break;
    }
  }
  return out;
}
