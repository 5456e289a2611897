/**
 * An s-expression reader for `.wast` scripts: atoms, string literals (kept as
 * bytes, since `(component binary …)` strings hold arbitrary bytes), nested
 * lists, `;;` line comments and nestable `(; ;)` block comments. Every node
 * keeps its source span and line so directives can be re-sliced as text and
 * reported by line.
 *
 * @module
 */

/** Where a node sits in the source: UTF-16 offsets `[start, end)` and a 1-based line. */
export interface Span {
  /** Offset of the node's first character. */
  readonly start: number;
  /** Offset just past the node's last character. */
  readonly end: number;
  /** 1-based line of the node's first character. */
  readonly line: number;
}

/** A bare token: a keyword, an `$id`, a number. */
export interface Atom extends Span {
  /** Discriminant. */
  readonly kind: "atom";
  /** The token text. */
  readonly value: string;
}

/** A string literal, with escapes resolved, as the bytes it denotes. */
export interface Str extends Span {
  /** Discriminant. */
  readonly kind: "string";
  /** The bytes (UTF-8 for source characters and `\u{…}`, raw for `\hh`). */
  readonly bytes: Uint8Array;
}

/** A parenthesised list. */
export interface List extends Span {
  /** Discriminant. */
  readonly kind: "list";
  /** The children, in order. */
  readonly items: readonly SExpr[];
}

/** Any s-expression node. */
export type SExpr = Atom | Str | List;

/** A syntax error in a script, with the position it was found at. */
export class SExprSyntaxError extends SyntaxError {
  /** 1-based line of the error. */
  readonly line: number;
  /** 1-based column of the error. */
  readonly column: number;

  /** Creates the error for a position. */
  constructor(message: string, position: { line: number; column: number }) {
    super(`${message} (line ${position.line}, column ${position.column})`);
    this.name = "SExprSyntaxError";
    this.line = position.line;
    this.column = position.column;
  }
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/** Reads every top-level s-expression of `source`. */
export function parseSExprs(source: string): List[] {
  return new Reader(source).readAll();
}

/**
 * The text of a string literal. Throws `TypeError` when its bytes are not
 * UTF-8 (only `\hh` escapes can make them so).
 */
export function stringText(node: Str): string {
  try {
    return strictDecoder.decode(node.bytes);
  } catch (error) {
    throw new TypeError(`Cannot read string on line ${node.line} as UTF-8`, { cause: error });
  }
}

/** A short rendering of a node for messages: its source text, cut to `max` (120) characters. */
export function sourceOf(source: string, node: Span, options: { max?: number } = {}): string {
  const max = options.max ?? 120;
  const text = source.slice(node.start, node.end).replace(/\s+/g, " ");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Whether `node` is the atom `value`. */
export function isAtom(node: SExpr | undefined, value?: string): node is Atom {
  return node !== undefined && node.kind === "atom" &&
    (value === undefined || node.value === value);
}

/** The head keyword of a list (its first item when that is an atom), or `undefined`. */
export function headOf(node: SExpr | undefined): string | undefined {
  if (node === undefined || node.kind !== "list") return undefined;
  const first = node.items[0];
  return first?.kind === "atom" ? first.value : undefined;
}

class Reader {
  readonly #src: string;
  #pos = 0;
  #line = 1;
  #lineStart = 0;

  constructor(source: string) {
    this.#src = source;
  }

  readAll(): List[] {
    const forms: List[] = [];
    for (;;) {
      this.#skipTrivia();
      if (this.#pos >= this.#src.length) return forms;
      const node = this.#readNode();
      if (node.kind !== "list") {
        throw this.#error(`Cannot read script: expected "(" at top level, found a token`, node);
      }
      forms.push(node);
    }
  }

  #position(offset = this.#pos): { line: number; column: number } {
    // Only called for errors, so recounting from the start is fine.
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < offset; i++) {
      if (this.#src.charCodeAt(i) === 10) {
        line++;
        lineStart = i + 1;
      }
    }
    return { line, column: offset - lineStart + 1 };
  }

  #error(message: string, at?: Span): SExprSyntaxError {
    return new SExprSyntaxError(message, this.#position(at?.start ?? this.#pos));
  }

  #advance(n = 1): void {
    for (let i = 0; i < n; i++) {
      if (this.#src.charCodeAt(this.#pos) === 10) {
        this.#line++;
        this.#lineStart = this.#pos + 1;
      }
      this.#pos++;
    }
  }

  #skipTrivia(): void {
    const src = this.#src;
    while (this.#pos < src.length) {
      const c = src[this.#pos];
      if (c === " " || c === "\t" || c === "\n" || c === "\r") {
        this.#advance();
      } else if (c === ";" && src[this.#pos + 1] === ";") {
        const nl = src.indexOf("\n", this.#pos);
        this.#pos = nl === -1 ? src.length : nl;
      } else if (c === "(" && src[this.#pos + 1] === ";") {
        this.#skipBlockComment();
      } else {
        return;
      }
    }
  }

  #skipBlockComment(): void {
    const start = this.#pos;
    const src = this.#src;
    let depth = 0;
    while (this.#pos < src.length) {
      if (src[this.#pos] === "(" && src[this.#pos + 1] === ";") {
        depth++;
        this.#advance(2);
      } else if (src[this.#pos] === ";" && src[this.#pos + 1] === ")") {
        depth--;
        this.#advance(2);
        if (depth === 0) return;
      } else {
        this.#advance();
      }
    }
    throw new SExprSyntaxError(
      "Cannot read script: unterminated block comment",
      this.#position(start),
    );
  }

  #readNode(): SExpr {
    const src = this.#src;
    const c = src[this.#pos];
    if (c === "(") return this.#readList();
    if (c === ")") throw this.#error(`Cannot read script: unexpected ")"`);
    if (c === '"') return this.#readString();
    return this.#readAtom();
  }

  #readList(): List {
    const start = this.#pos;
    const line = this.#line;
    this.#advance(); // "("
    const items: SExpr[] = [];
    for (;;) {
      this.#skipTrivia();
      if (this.#pos >= this.#src.length) {
        throw new SExprSyntaxError(
          `Cannot read script: unclosed "(" opened here`,
          this.#position(start),
        );
      }
      if (this.#src[this.#pos] === ")") {
        this.#advance();
        return { kind: "list", items, start, end: this.#pos, line };
      }
      items.push(this.#readNode());
    }
  }

  #readAtom(): Atom {
    const src = this.#src;
    const start = this.#pos;
    while (this.#pos < src.length) {
      const c = src[this.#pos];
      if (
        c === " " || c === "\t" || c === "\n" || c === "\r" || c === "(" || c === ")" ||
        c === '"' || (c === ";" && src[this.#pos + 1] === ";")
      ) break;
      this.#pos++;
    }
    return {
      kind: "atom",
      value: src.slice(start, this.#pos),
      start,
      end: this.#pos,
      line: this.#line,
    };
  }

  #readString(): Str {
    const src = this.#src;
    const start = this.#pos;
    const line = this.#line;
    this.#pos++; // opening quote
    const bytes: number[] = [];
    let runStart = this.#pos;
    const flushRun = (): void => {
      if (runStart < this.#pos) {
        for (const b of encoder.encode(src.slice(runStart, this.#pos))) bytes.push(b);
      }
    };
    for (;;) {
      if (this.#pos >= src.length) {
        throw new SExprSyntaxError(
          "Cannot read script: unterminated string",
          this.#position(start),
        );
      }
      const c = src[this.#pos];
      if (c === '"') {
        flushRun();
        this.#pos++;
        return { kind: "string", bytes: Uint8Array.from(bytes), start, end: this.#pos, line };
      }
      if (c === "\n") {
        throw this.#error("Cannot read script: newline inside a string");
      }
      if (c !== "\\") {
        this.#pos++;
        continue;
      }
      flushRun();
      this.#readEscape(bytes);
      runStart = this.#pos;
    }
  }

  /** Reads one escape at `\` and appends its bytes. */
  #readEscape(bytes: number[]): void {
    const src = this.#src;
    const at = this.#pos;
    const e = src[at + 1];
    switch (e) {
      case "n":
        bytes.push(0x0a);
        this.#pos += 2;
        return;
      case "t":
        bytes.push(0x09);
        this.#pos += 2;
        return;
      case "r":
        bytes.push(0x0d);
        this.#pos += 2;
        return;
      case "\\":
      case '"':
      case "'":
        bytes.push(e.charCodeAt(0));
        this.#pos += 2;
        return;
      case "u": {
        const close = src.indexOf("}", at);
        const hex = src[at + 2] === "{" && close !== -1 ? src.slice(at + 3, close) : "";
        const clean = hex.replaceAll("_", "");
        const code = /^[0-9a-fA-F]+$/.test(clean) ? Number.parseInt(clean, 16) : NaN;
        if (!(code <= 0x10ffff) || (code >= 0xd800 && code <= 0xdfff)) {
          throw new SExprSyntaxError(
            `Cannot read string escape: received "${
              src.slice(at, close === -1 ? at + 2 : close + 1)
            }"`,
            this.#position(at),
          );
        }
        for (const b of encoder.encode(String.fromCodePoint(code))) bytes.push(b);
        this.#pos = close + 1;
        return;
      }
      default: {
        const hex = src.slice(at + 1, at + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
          throw new SExprSyntaxError(
            `Cannot read string escape: received "${src.slice(at, at + 3)}"`,
            this.#position(at),
          );
        }
        bytes.push(Number.parseInt(hex, 16));
        this.#pos += 3;
      }
    }
  }
}
