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
  /**
   * Wasmtime's wording of the same failure: a string where `$1`… insert the
   * pattern's groups, or a function of the match.
   */
  readonly wasmtime: string | ((match: RegExpExecArray) => string);
}

/** Weft message pattern → Wasmtime wording. */
export const MESSAGE_TABLE: readonly MessageMapping[] = [
  // Canonical ABI checks. Wasmtime words one check differently at different
  // sites (host lifting vs. fused adapters), so some Weft messages map to two.
  { weft: /\bpointer \d+ is not aligned to \d+/, wasmtime: "unaligned pointer" },
  {
    weft: /\bstring pointer \d+ is not aligned to (\d+)/,
    wasmtime: "string pointer not aligned to $1",
  },
  {
    weft: /\bstring out of bounds: pointer \d+ \+ length \d+ exceeds/,
    wasmtime: "string content out-of-bounds",
  },
  {
    weft: /\bstring out of bounds: pointer \d+ \+ length \d+ exceeds/,
    wasmtime: "string pointer/length out of bounds of memory",
  },
  {
    weft: /\blist out of bounds: pointer \d+ \+ length \d+ exceeds/,
    wasmtime: "list content out-of-bounds",
  },
  {
    weft: /\binvalid char: code point \d+ is (a surrogate|out of range)/,
    wasmtime: "invalid `char` bit pattern",
  },
  { weft: /\binvalid utf-8 string\b/, wasmtime: "invalid utf-8" },
  {
    weft: /\bcannot remove owned resource handle \d+ while it is borrowed/,
    wasmtime: "cannot remove owned resource while borrowed",
  },
  // Adapters say the first, host lifting the second (with the case count).
  {
    weft: /\binvalid discriminant \d+ for (variant|enum|option|result)\b/,
    wasmtime: "invalid variant discriminant",
  },
  {
    weft: /\binvalid discriminant (\d+) for (?:variant|enum) \{([^}]*)\}/,
    wasmtime: (m) => `discriminant ${m[1]} out of range [0..${m[2]!.split(",").length})`,
  },
  // InstancePoisonedError: the instance may not be entered after a trap.
  { weft: /\btrapped before\b/, wasmtime: "cannot enter component instance" },
  // Core traps surface with V8's wording.
  { weft: /(?:^|: )unreachable$/m, wasmtime: "wasm `unreachable` instruction executed" },
  { weft: /memory access out of bounds/, wasmtime: "out of bounds memory access" },
  { weft: /divide by zero/, wasmtime: "integer divide by zero" },
  { weft: /remainder by zero/, wasmtime: "integer divide by zero" },
  { weft: /float unrepresentable in integer range/, wasmtime: "invalid conversion to integer" },
  // Component-model async (streams, futures, waitables).
  {
    weft: /\bcannot drop a writable future end before a value was written to it/,
    wasmtime: "cannot drop future write end without first writing a value",
  },
  {
    weft: /\bcannot drop a (?:writable|readable) (?:stream|future) end while a copy is in progress/,
    wasmtime: "cannot drop busy stream",
  },
  {
    weft: /\bcannot drop a readable (?:stream|future) end while a copy is in progress/,
    wasmtime: "cannot remove busy stream",
  },
  {
    weft: /\bcannot write to a future after its value was written/,
    wasmtime: "cannot write to future after previous write succeeded or readable end dropped",
  },
  {
    weft: /\bcannot write to a future whose other end was dropped/,
    wasmtime: "cannot write to future after previous write succeeded or readable end dropped",
  },
  {
    weft: /\bcannot write to a future whose other end was dropped/,
    wasmtime: "cannot write after being notified that the readable end dropped",
  },
  {
    weft: /\bcannot read from a future after its value was read/,
    wasmtime: "cannot read from future after previous read succeeded",
  },
  {
    weft: /\bcannot read from a future whose other end was dropped/,
    wasmtime: "cannot read after being notified that the writable end dropped",
  },
  {
    weft: /\bcannot pass handle index \d+: the future's value was already read/,
    wasmtime: "cannot lift future after previous read succeeded",
  },
  {
    weft: /\bcannot pass handle index \d+: the (stream|future)'s other end was dropped/,
    wasmtime: "cannot lift $1 after being notified that the writable end dropped",
  },
  {
    weft: /\bcannot block in a task whose function type is not async\b/,
    wasmtime: "cannot block a synchronous task before returning",
  },
  {
    weft: /\bdeadlock: every task of the store waits and nothing can wake one\b/,
    wasmtime: "deadlock detected: event loop cannot make further progress",
  },
  {
    weft: /\bbuffer length \d+ exceeds the maximum of \d+/,
    wasmtime: "stream read/write count too large",
  },
  {
    weft: /\bbackpressure counter underflow/,
    wasmtime: "backpressure counter overflow",
  },
  {
    weft: /\bcannot store the debug message at pointer \d+/,
    wasmtime: "invalid debug message pointer",
  },
  {
    weft: /\bcannot write to a stream whose other end was dropped/,
    wasmtime: "cannot write to stream after being notified that the readable end dropped",
  },
  {
    weft: /\bcannot write to a stream whose other end was dropped/,
    wasmtime: "cannot write after being notified that the readable end dropped",
  },
  {
    weft: /\bcannot read from a stream whose other end was dropped/,
    wasmtime: "cannot read from stream after being notified that the writable end dropped",
  },
  {
    weft: /\bcannot read from a stream whose other end was dropped/,
    wasmtime: "cannot read after being notified that the writable end dropped",
  },
  {
    weft: /\bcannot pass handle index \d+ while it is in a waitable set/,
    wasmtime: "cannot lift stream while it's in a waitable set",
  },
  {
    weft: /\bcannot pass handle index \d+ while it is in a waitable set/,
    wasmtime: "cannot lift future while it's in a waitable set",
  },
  {
    weft: /\bcannot start a (?:stream|future)\.(?:read|write) while another copy is in progress/,
    wasmtime: "cannot have concurrent operations active on a future/stream",
  },
  {
    weft: /\bcannot copy non-numeric values between two ends in the same instance/,
    wasmtime:
      "cannot read from and write to intra-component future/stream with non-numeric payload",
  },
  {
    weft: /\bcannot copy non-numeric values between two ends in the same instance/,
    wasmtime: "cannot read from and write to intra-component future",
  },
  {
    weft: /\bsynchronous(?:ly)? (?:cancel of (?:a subtask|an end) in|on an end in) a waitable set/,
    wasmtime: "waitable cannot be used synchronously while added to a waitable set",
  },
  {
    weft: /\bsubtask\.cancel: the subtask has already resolved/,
    wasmtime: "`subtask.cancel` called after terminal status delivered",
  },
  { weft: /\[object WebAssembly\.Exception\]/, wasmtime: "thrown Wasm exception" },
  {
    weft: /\bcannot drop a waitable set with waiters/,
    wasmtime: "cannot drop waitable set with waiters",
  },
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
    const match = weft.exec(message);
    if (match === null) continue;
    out.push(typeof wasmtime === "string" ? match[0].replace(weft, wasmtime) : wasmtime(match));
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
