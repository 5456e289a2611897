/**
 * The one table from Weft's (and V8's) error wording to Wasmtime's, used to
 * match the messages of `assert_trap` & co. Scripts carry Wasmtime's wording;
 * Weft keeps its own, and each entry here maps a Weft message to the
 * Wasmtime message that means the same thing, never to a merely similar one.
 *
 * @module
 */

/** One mapping: messages matching `weft` mean what Wasmtime says as `wasmtime`. */
export interface MessageMapping {
  /** A pattern over Weft's message. */
  readonly weft: RegExp;
  /** Wasmtime's wording of the same failure. */
  readonly wasmtime: string;
}

/** Weft message pattern → Wasmtime wording. */
export const MESSAGE_TABLE: readonly MessageMapping[] = [
  // Core traps surface with V8's wording.
  { weft: /\bunreachable\b/, wasmtime: "wasm `unreachable` instruction executed" },
  { weft: /memory access out of bounds/, wasmtime: "out of bounds memory access" },
  { weft: /divide by zero/, wasmtime: "integer divide by zero" },
  { weft: /remainder by zero/, wasmtime: "integer divide by zero" },
  { weft: /float unrepresentable in integer range/, wasmtime: "invalid conversion to integer" },
  { weft: /integer overflow|divide result unrepresentable/, wasmtime: "integer overflow" },
  { weft: /table index is out of bounds/, wasmtime: "undefined element" },
  { weft: /null function or function signature mismatch/, wasmtime: "indirect call type mismatch" },
  { weft: /Maximum call stack size exceeded/, wasmtime: "call stack exhausted" },
];

/** The prefix Wasmtime's `Trap` display puts before a trap reason. */
const TRAP_PREFIX = "wasm trap: ";

/** Every wording that stands for `message`: itself, then the mapped Wasmtime ones. */
export function wordingsOf(message: string): string[] {
  const out = [message];
  for (const { weft, wasmtime } of MESSAGE_TABLE) {
    if (weft.test(message)) out.push(wasmtime);
  }
  return out;
}

/**
 * Whether an error message satisfies a script's expected message: the
 * expected text (without Wasmtime's `wasm trap: ` prefix) is a substring of
 * the message or of one of its mapped wordings. An empty expectation matches
 * anything.
 */
export function messageMatches(actual: string, expected: string): boolean {
  const want = expected.startsWith(TRAP_PREFIX) ? expected.slice(TRAP_PREFIX.length) : expected;
  return wordingsOf(actual).some((w) => w.includes(want));
}
