/**
 * A small `.wast` scanner for the validator's test harness: it splits a script
 * into its top-level directives and extracts the component forms that the
 * validator must accept or reject. Test-only (not exported from the package).
 *
 * @module
 */

/** How a component form is given: as text to parse, or as bytes. */
export type WastSource =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "bytes"; readonly bytes: Uint8Array };

/** One component form the validator harness checks. */
export interface WastForm {
  /** `valid`: a top-level component; `invalid`/`malformed`: inside an assertion. */
  readonly expect: "valid" | "invalid" | "malformed";
  /** 1-based line of the form's `(component` in its file. */
  readonly line: number;
  readonly source: WastSource;
  /** The assertion's expected message (empty for valid forms). */
  readonly message: string;
}

/** A token of the s-expression grammar. */
type Token =
  | { readonly kind: "open"; readonly pos: number }
  | { readonly kind: "close"; readonly pos: number }
  | { readonly kind: "string"; readonly pos: number; readonly bytes: Uint8Array }
  | { readonly kind: "atom"; readonly pos: number; readonly text: string };

/** A parsed s-expression with its source span. */
interface SExpr {
  readonly start: number;
  readonly end: number;
  readonly items: readonly (SExpr | Token)[];
}

const encoder = new TextEncoder();

function isList(x: SExpr | Token | undefined): x is SExpr {
  return x !== undefined && "items" in x;
}

function decodeString(src: string, start: number): { bytes: Uint8Array; end: number } {
  // `src[start]` is the opening quote; WAT string escapes (core spec § Strings).
  const out: number[] = [];
  let i = start + 1;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '"') return { bytes: new Uint8Array(out), end: i + 1 };
    if (c !== "\\") {
      const cp = src.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      out.push(...encoder.encode(s));
      i += s.length;
      continue;
    }
    const e = src[i + 1]!;
    i += 2;
    switch (e) {
      case "n":
        out.push(10);
        break;
      case "t":
        out.push(9);
        break;
      case "r":
        out.push(13);
        break;
      case '"':
        out.push(34);
        break;
      case "'":
        out.push(39);
        break;
      case "\\":
        out.push(92);
        break;
      case "u": {
        const close = src.indexOf("}", i);
        const cp = parseInt(src.slice(i + 1, close).replaceAll("_", ""), 16);
        out.push(...encoder.encode(String.fromCodePoint(cp)));
        i = close + 1;
        break;
      }
      default:
        out.push(parseInt(src.slice(i - 1, i + 1), 16));
        i += 1;
    }
  }
  throw new SyntaxError(`Cannot scan wast: unterminated string at ${start}`);
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === "(" && src[i + 1] === ";") {
      let depth = 1;
      i += 2;
      while (depth > 0 && i < src.length) {
        if (src.startsWith("(;", i)) depth++, i += 2;
        else if (src.startsWith(";)", i)) depth--, i += 2;
        else i++;
      }
    } else if (c === ";" && src[i + 1] === ";") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "(") tokens.push({ kind: "open", pos: i++ });
    else if (c === ")") tokens.push({ kind: "close", pos: i++ });
    else if (c === '"') {
      const { bytes, end } = decodeString(src, i);
      tokens.push({ kind: "string", pos: i, bytes });
      i = end;
    } else if (/\s/.test(c)) i++;
    else {
      const start = i;
      while (i < src.length && !/[\s()";]/.test(src[i]!)) i++;
      tokens.push({ kind: "atom", pos: start, text: src.slice(start, i) });
    }
  }
  return tokens;
}

function build(tokens: Token[]): SExpr[] {
  const stack: { start: number; items: (SExpr | Token)[] }[] = [{ start: 0, items: [] }];
  for (const t of tokens) {
    if (t.kind === "open") stack.push({ start: t.pos, items: [] });
    else if (t.kind === "close") {
      const top = stack.pop()!;
      stack.at(-1)!.items.push({ start: top.start, end: t.pos + 1, items: top.items });
    } else stack.at(-1)!.items.push(t);
  }
  return stack[0]!.items.filter(isList);
}

function head(e: SExpr): string | undefined {
  const h = e.items[0];
  return h !== undefined && !isList(h) && h.kind === "atom" ? h.text : undefined;
}

function concatStrings(items: readonly (SExpr | Token)[]): Uint8Array {
  const parts = items.flatMap((t) => !isList(t) && t.kind === "string" ? [t.bytes] : []);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
}

/** Turns a `(component …)` s-expression into text that `parse` accepts, or bytes. */
function componentSource(src: string, e: SExpr): WastSource {
  // Skip `component`, an optional `$id`, and `definition $name`; the id is
  // kept since outer aliases inside may refer to it.
  let k = 1;
  let id = "";
  for (;;) {
    const t = e.items[k];
    if (t === undefined || isList(t) || t.kind !== "atom") break;
    if (t.text === "definition" || t.text.startsWith("$")) {
      if (t.text.startsWith("$")) id = t.text;
      k++;
      continue;
    }
    break;
  }
  const next = e.items[k];
  if (next !== undefined && !isList(next) && next.kind === "atom" && next.text === "binary") {
    return { kind: "bytes", bytes: concatStrings(e.items.slice(k + 1)) };
  }
  if (next !== undefined && !isList(next) && next.kind === "atom" && next.text === "quote") {
    const text = new TextDecoder().decode(concatStrings(e.items.slice(k + 1)));
    return { kind: "text", text: `(component ${id} ${text})` };
  }
  const bodyStart = next === undefined ? e.end - 1 : "items" in next ? next.start : next.pos;
  return { kind: "text", text: `(component ${id} ${src.slice(bodyStart, e.end)}` };
}

function lineOf(src: string, pos: number): number {
  let n = 1;
  for (let i = 0; i < pos; i++) if (src.charCodeAt(i) === 10) n++;
  return n;
}

/** Extracts every top-level and asserted-invalid/malformed component form of a script. */
export function wastForms(src: string): WastForm[] {
  const forms: WastForm[] = [];
  for (const e of build(tokenize(src))) {
    const h = head(e);
    if (h === "component") {
      const second = e.items[1];
      // `(component instance $i $def)` instantiates, it is not a definition.
      if (
        second !== undefined && !isList(second) && second.kind === "atom" &&
        second.text === "instance"
      ) {
        continue;
      }
      forms.push({
        expect: "valid",
        line: lineOf(src, e.start),
        source: componentSource(src, e),
        message: "",
      });
    } else if (h === "assert_unlinkable") {
      // Unlinkable components are valid: they fail only when linked.
      const inner = e.items[1];
      if (!isList(inner) || head(inner) !== "component") continue;
      forms.push({
        expect: "valid",
        line: lineOf(src, inner.start),
        source: componentSource(src, inner),
        message: "",
      });
    } else if (h === "assert_invalid" || h === "assert_malformed") {
      const inner = e.items[1];
      if (!isList(inner) || head(inner) !== "component") continue;
      const msg = e.items[2];
      forms.push({
        expect: h === "assert_invalid" ? "invalid" : "malformed",
        line: lineOf(src, inner.start),
        source: componentSource(src, inner),
        message: msg !== undefined && !isList(msg) && msg.kind === "string"
          ? new TextDecoder().decode(msg.bytes)
          : "",
      });
    }
  }
  return forms;
}
