// wasi:cli environment, exit, stdio and terminal-* (cli/wit/*.wit).
import { type ByteSink, type ByteSource, ReadableSource, WritableSink } from "./byte_source.ts";
import { ExitError } from "./errors.ts";
import { InputStream } from "./input_stream.ts";
import { OutputStream } from "./output_stream.ts";

/** `wasi:cli/terminal-input.terminal-input`: stdin is a terminal. */
export class TerminalInput {}

/** `wasi:cli/terminal-output.terminal-output`: stdout or stderr is a terminal. */
export class TerminalOutput {}

/** Where the guest's stdin comes from: a Web Stream or a {@linkcode ByteSource}. */
export type StdinOption = ReadableStream<unknown> | ByteSource;
/** Where the guest's stdout or stderr goes: a Web Stream or a {@linkcode ByteSink}. */
export type StdoutOption = WritableStream<Uint8Array> | ByteSink;

/** Which standard streams are terminals (all `false` unless said). */
export interface TerminalOptions {
  /** stdin is a terminal. */
  stdin?: boolean;
  /** stdout is a terminal. */
  stdout?: boolean;
  /** stderr is a terminal. */
  stderr?: boolean;
}

/** A source that is at its end at once: the default stdin. */
export const emptySource: ByteSource = {
  read: () => null,
  ready: () => true,
  wait: () => Promise.resolve(),
};

/** A sink that drops everything: the default stdout and stderr. */
export const discardSink: ByteSink = { write: () => {} };

/** The source for a stdin option (shared by every `get-stdin` stream). */
export function toSource(stdin: StdinOption | undefined): ByteSource {
  if (stdin === undefined) return emptySource;
  return stdin instanceof ReadableStream ? new ReadableSource(stdin) : stdin;
}

/** The sink for a stdout/stderr option (shared by every `get-stdout` stream). */
export function toSink(out: StdoutOption | undefined): ByteSink {
  if (out === undefined) return discardSink;
  return out instanceof WritableStream ? new WritableSink(out) : out;
}

/** `wasi:cli/environment` over the granted arguments, variables and working directory. */
export function environmentInterface(
  args: readonly string[],
  env: readonly (readonly [string, string])[],
  cwd: string | undefined,
): {
  getEnvironment(): [string, string][];
  getArguments(): string[];
  initialCwd(): string | undefined;
} {
  return {
    getEnvironment: () => env.map(([k, v]) => [k, v]),
    getArguments: () => [...args],
    initialCwd: () => cwd,
  };
}

/** `wasi:cli/exit`: throws {@linkcode ExitError}; never ends the process itself. */
export function exitInterface(): {
  exit(status: { tag: "ok" | "err" }): never;
  exitWithCode(statusCode: number): never;
} {
  return {
    exit: (status) => {
      throw new ExitError(status.tag === "ok" ? 0 : 1);
    },
    exitWithCode: (statusCode) => {
      throw new ExitError(statusCode);
    },
  };
}

/** `wasi:cli/stdin`, `stdout` and `stderr`: a new stream handle per call over one shared end. */
export function stdioInterfaces(
  stdin: ByteSource,
  stdout: ByteSink,
  stderr: ByteSink,
): {
  stdin: { getStdin(): InputStream };
  stdout: { getStdout(): OutputStream };
  stderr: { getStderr(): OutputStream };
} {
  // The guest owns (and may drop) each handle; the host's ends outlive them.
  return {
    stdin: { getStdin: () => new InputStream(stdin, { closeOnDrop: false }) },
    stdout: { getStdout: () => new OutputStream(stdout, { closeOnDrop: false }) },
    stderr: { getStderr: () => new OutputStream(stderr, { closeOnDrop: false }) },
  };
}
