// A `wasi:cli/run` command in JavaScript, built into a component with
// componentize-js (see README.md). It reads the file named by its first
// argument from a preopened directory, prints it with its arguments and
// environment, reads the clocks and the random source, and exits with the
// code in the environment variable EXIT_CODE (0 when unset), or with 1 (an
// `err` result of `run`) when the file cannot be read.
//
// The WASI interfaces are imported directly, as a component written in any
// language would; console.log goes to wasi:cli/stdout as well.
import { getArguments, getEnvironment, initialCwd } from "wasi:cli/environment@0.2.12";
import { exitWithCode } from "wasi:cli/exit@0.2.12";
import { getStderr } from "wasi:cli/stderr@0.2.12";
import { getStdout } from "wasi:cli/stdout@0.2.12";
import {
  now as monotonicNow,
  resolution as monotonicResolution,
} from "wasi:clocks/monotonic-clock@0.2.12";
import { now as wallNow } from "wasi:clocks/wall-clock@0.2.12";
import { getDirectories } from "wasi:filesystem/preopens@0.2.12";
import { getRandomBytes } from "wasi:random/random@0.2.12";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Writes `text` to stdout through the stream itself (not console.log). */
function writeStdout(text) {
  const stream = getStdout();
  stream.blockingWriteAndFlush(encoder.encode(text));
}

function writeStderr(text) {
  getStderr().blockingWriteAndFlush(encoder.encode(text));
}

/** The WASI error inside a thrown binding error (its `payload`), or the error. */
function wasiError(error) {
  const payload = error?.payload ?? error;
  if (typeof payload === "string") return payload;
  if (payload?.tag !== undefined) return payload.tag;
  return String(error);
}

/** The preopen holding `path`, and `path` relative to it. */
function findPreopen(path) {
  for (const [descriptor, guestPath] of getDirectories()) {
    const prefix = guestPath.endsWith("/") ? guestPath : `${guestPath}/`;
    if (path === guestPath || path.startsWith(prefix)) {
      return { descriptor, relative: path.slice(prefix.length) || "." };
    }
  }
  return undefined;
}

/** Reads a whole file through `read-via-stream` and `blocking-read`. */
function readFile(path) {
  const found = findPreopen(path);
  if (found === undefined) throw new Error(`${path} is in no preopened directory`);
  const file = found.descriptor.openAt(
    { symlinkFollow: true },
    found.relative,
    {},
    { read: true },
  );
  const size = file.stat().size;
  const stream = file.readViaStream(0n);
  const chunks = [];
  let total = 0;
  for (;;) {
    let chunk;
    try {
      chunk = stream.blockingRead(65536n);
    } catch (error) {
      if (wasiError(error) === "closed") break;
      throw error;
    }
    chunks.push(chunk);
    total += chunk.length;
  }
  stream[Symbol.dispose]?.();
  file[Symbol.dispose]?.();
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { size, text: decoder.decode(bytes) };
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function main() {
  const args = getArguments();
  const env = getEnvironment();
  console.log("wasi-command: hello from JavaScript in a component");
  console.log(`args: ${args.length} ${JSON.stringify(args)}`);
  for (const [name, value] of [...env].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)) {
    console.log(`env: ${name}=${value}`);
  }
  console.log(`cwd: ${initialCwd() ?? "(none)"}`);
  console.log(`preopens: ${getDirectories().map(([, path]) => path).join(" ") || "(none)"}`);

  const path = args[1];
  if (path === undefined) {
    writeStderr("usage: wasi-command FILE\n");
    return 2;
  }
  const start = monotonicNow();
  let file;
  try {
    file = readFile(path);
  } catch (error) {
    writeStderr(`wasi-command: cannot read ${path}: ${wasiError(error)}\n`);
    // A throw from `run` is its `err` result: exit code 1.
    throw error;
  }
  const elapsed = monotonicNow() - start;
  const lines = file.text.split("\n").filter((line) => line !== "");
  console.log(`file: ${path} (${file.size} bytes, ${lines.length} lines)`);
  writeStdout(lines.map((line) => `| ${line}\n`).join(""));
  const greeting = env.find(([name]) => name === "GREETING")?.[1] ?? "Hello";
  console.log(`greeting: ${greeting}, ${lines[0] ?? "nobody"}!`);

  const { seconds, nanoseconds } = wallNow();
  const wall = new Date(Number(seconds) * 1000 + Math.floor(nanoseconds / 1e6));
  console.log(`wall-clock: ${wall.toISOString()}`);
  console.log(`monotonic: read took ${elapsed} ns, resolution ${monotonicResolution()} ns`);
  console.log(`random: ${hex(getRandomBytes(16n))}`);

  const code = Number(env.find(([name]) => name === "EXIT_CODE")?.[1] ?? "0");
  // Through the stream: a console.log line may still be buffered when exit-with-code runs.
  writeStdout(`exit: ${code}\n`);
  return code;
}

export const run = {
  run() {
    const code = main();
    // 0 returns `ok`; any other code goes through wasi:cli/exit.
    if (code !== 0) exitWithCode(code);
  },
};
