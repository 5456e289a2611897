/**
 * A small s-expression scanner for `.wast` scripts, used by the decoder's
 * conformance test: it finds the `(component …)` forms of a script and says
 * which assertion (if any) wraps each. Test helper, not part of the API.
 *
 * @module
 */

/** An s-expression node with its source span. */
export type SExpr =
  | { readonly type: "list"; readonly items: SExpr[]; readonly start: number; readonly end: number }
  | { readonly type: "atom"; readonly text: string; readonly start: number; readonly end: number }
  | {
    readonly type: "string";
    readonly bytes: Uint8Array;
    readonly start: number;
    readonly end: number;
  };

/** A `(component …)` form found in a script. */
export interface WastComponentForm {
  /** 1-based line of the form's opening parenthesis. */
  readonly line: number;
  /** The directive wrapping the form (`assert_invalid`, …), or `undefined` at top level. */
  readonly assertion: string | undefined;
  /** `text`: component text for `parse`; `binary`: the bytes; `quote`: text for `parse`. */
  readonly encoding: "text" | "binary" | "quote";
  /** Component text (for `text` and `quote` forms). */
  readonly text?: string;
  /** The binary (for `binary` forms). */
  readonly bytes?: Uint8Array;
}

const encoder = new TextEncoder();

/** Decodes a wast string literal's body (between the quotes) into bytes. */
function unescape(body: string, at: number): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== "\\") {
      const cp = body.codePointAt(i) as number;
      out.push(...encoder.encode(String.fromCodePoint(cp)));
      if (cp > 0xffff) i++;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case "t":
        out.push(0x09);
        break;
      case "n":
        out.push(0x0a);
        break;
      case "r":
        out.push(0x0d);
        break;
      case '"':
      case "'":
      case "\\":
        out.push(n.charCodeAt(0));
        break;
      case "u": {
        const close = body.indexOf("}", i);
        const cp = parseInt(body.slice(i + 2, close), 16);
        out.push(...encoder.encode(String.fromCodePoint(cp)));
        i = close;
        break;
      }
      default: {
        const hex = body.slice(i, i + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
          throw new SyntaxError(`Cannot read wast string: bad escape \\${hex} at ${at + i}`);
        }
        out.push(parseInt(hex, 16));
        i++;
      }
    }
  }
  return new Uint8Array(out);
}

/** Parses a whole script into its top-level s-expressions. */
export function parseSExprs(source: string): SExpr[] {
  let pos = 0;
  const skipTrivia = (): void => {
    while (pos < source.length) {
      const c = source[pos] as string;
      if (c === " " || c === "\n" || c === "\t" || c === "\r") pos++;
      else if (source.startsWith(";;", pos)) {
        const nl = source.indexOf("\n", pos);
        pos = nl < 0 ? source.length : nl + 1;
      } else if (source.startsWith("(;", pos)) {
        let depth = 0;
        do {
          if (source.startsWith("(;", pos)) {
            depth++;
            pos += 2;
          } else if (source.startsWith(";)", pos)) {
            depth--;
            pos += 2;
          } else pos++;
        } while (depth > 0 && pos < source.length);
      } else break;
    }
  };
  const parseOne = (): SExpr => {
    const start = pos;
    const c = source[pos];
    if (c === "(") {
      pos++;
      const items: SExpr[] = [];
      for (;;) {
        skipTrivia();
        if (pos >= source.length) throw new SyntaxError(`Cannot read wast: unclosed ( at ${start}`);
        if (source[pos] === ")") break;
        items.push(parseOne());
      }
      pos++;
      return { type: "list", items, start, end: pos };
    }
    if (c === '"') {
      pos++;
      while (pos < source.length && source[pos] !== '"') pos += source[pos] === "\\" ? 2 : 1;
      pos++;
      return {
        type: "string",
        bytes: unescape(source.slice(start + 1, pos - 1), start + 1),
        start,
        end: pos,
      };
    }
    while (pos < source.length && !/[\s()";]/.test(source[pos] as string)) pos++;
    if (pos === start) throw new SyntaxError(`Cannot read wast: unexpected ${c} at ${start}`);
    return { type: "atom", text: source.slice(start, pos), start, end: pos };
  };
  const out: SExpr[] = [];
  for (;;) {
    skipTrivia();
    if (pos >= source.length) return out;
    out.push(parseOne());
  }
}

function head(e: SExpr): string | undefined {
  if (e.type !== "list") return undefined;
  const first = e.items[0];
  return first?.type === "atom" ? first.text : undefined;
}

function concat(parts: readonly SExpr[]): Uint8Array {
  const chunks = parts.flatMap((p) => p.type === "string" ? [p.bytes] : []);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Turns one `(component …)` list into a form, or `undefined` for `(component instance …)`. */
function toForm(
  source: string,
  e: Extract<SExpr, { type: "list" }>,
  assertion: string | undefined,
): WastComponentForm | undefined {
  let i = 1;
  let id: string | undefined;
  const atom = (k: number): string | undefined => {
    const x = e.items[k];
    return x?.type === "atom" ? x.text : undefined;
  };
  if (atom(i) === "instance") return undefined;
  if (atom(i) === "definition") i++;
  if (atom(i)?.startsWith("$")) id = atom(i++);
  if (atom(i) === "definition") i++;
  const line = source.slice(0, e.start).split("\n").length;
  const kind = atom(i);
  if (kind === "binary") {
    return { line, assertion, encoding: "binary", bytes: concat(e.items.slice(i + 1)) };
  }
  if (kind === "quote") {
    const text = new TextDecoder().decode(concat(e.items.slice(i + 1)));
    return { line, assertion, encoding: "quote", text: `(component ${text})` };
  }
  const rest = e.items[i];
  const body = rest === undefined ? "" : source.slice(rest.start, e.end - 1);
  return {
    line,
    assertion,
    encoding: "text",
    text: `(component ${id === undefined ? "" : `${id} `}${body})`,
  };
}

/**
 * Finds the `(component …)` forms of a `.wast` script, with the assertion
 * that wraps each (`undefined` at top level). Components nested inside a
 * component are part of their parent and not listed; `(component instance …)`
 * directives are not components and are skipped.
 */
export function componentForms(source: string): WastComponentForm[] {
  const out: WastComponentForm[] = [];
  const visit = (e: SExpr, assertion: string | undefined): void => {
    if (e.type !== "list") return;
    const h = head(e);
    if (h === "component") {
      const form = toForm(source, e, assertion);
      if (form !== undefined) out.push(form);
      return;
    }
    if (h === "module") return;
    const inner = h !== undefined && h.startsWith("assert_") ? h : assertion;
    for (const item of e.items) visit(item, inner);
  };
  for (const e of parseSExprs(source)) visit(e, undefined);
  return out;
}
