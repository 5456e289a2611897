// Run by deno_stdio_test.ts in a subprocess: a guest's view of Deno's stdio
// through createWasi, echoing stdin upper-cased to stdout and a note to stderr.
import { createWasi, type InputStream, type OutputStream } from "../mod.ts";
import { denoStdio } from "../deno.ts";

const { imports } = createWasi({ ...denoStdio() });
const stdin = (imports["wasi:cli/stdin@0.2.12"]!.getStdin as () => InputStream)();
const stdout = (imports["wasi:cli/stdout@0.2.12"]!.getStdout as () => OutputStream)();
const stderr = (imports["wasi:cli/stderr@0.2.12"]!.getStderr as () => OutputStream)();
const enc = new TextEncoder();
stderr.blockingWriteAndFlush(enc.encode("note\n"));
for (;;) {
  let chunk: Uint8Array;
  try {
    chunk = await stdin.blockingReadAsync(4096n);
  } catch (e) {
    if ((e as { payload?: { tag: string } }).payload?.tag === "closed") break;
    throw e;
  }
  stdout.blockingWriteAndFlush(enc.encode(new TextDecoder().decode(chunk).toUpperCase()));
}
const terminal = imports["wasi:cli/terminal-stdout@0.2.12"]!.getTerminalStdout as () => unknown;
stdout.blockingWriteAndFlush(enc.encode(terminal() === undefined ? "|no tty" : "|tty"));
