/**
 * `weft`'s entry: global options, the command dispatch and the one place
 * failures are reported.
 *
 * @module
 */
import { UsageError } from "./args.ts";
import { Context, type MainOptions } from "./context.ts";
import { backtrace, describeFailure, exitCodeOf, USAGE_EXIT_CODE } from "./failure.ts";
import { INSPECT_HELP, inspectCommand } from "./inspect_command.ts";
import { RUN_HELP, runCommand } from "./run_command.ts";
import { SERVE_HELP, serveCommand } from "./serve_command.ts";
import { TYPES_HELP, typesCommand } from "./types_command.ts";
import { VERSION } from "./version.ts";

/** The help text of `weft`. */
export const MAIN_HELP: string = `weft ${VERSION}: run WebAssembly components on Deno

Usage: weft [OPTIONS] <COMMAND> [ARGS]...

Commands:
  run      Run a WASI command component (wasi:cli/run)
  serve    Serve an HTTP handler component (wasi:http/incoming-handler)
  inspect  Show a component's imports, exports and core modules
  types    Print a component's world as WIT, or TypeScript declarations
  help     Print this help, or a command's ("weft help run")

Options:
  -v, --verbose  On failure, print the stack and every cause (also WEFT_BACKTRACE=1)
  -h, --help     Print this help
  -V, --version  Print the version

"weft app.wasm [ARGS]..." is short for "weft run app.wasm [ARGS]...".
`;

type Command = (args: readonly string[], context: Context) => Promise<number>;

const COMMANDS: Readonly<Record<string, { run: Command; help: string }>> = {
  run: { run: runCommand, help: RUN_HELP },
  serve: { run: serveCommand, help: SERVE_HELP },
  inspect: { run: inspectCommand, help: INSPECT_HELP },
  types: { run: typesCommand, help: TYPES_HELP },
};

function commandOf(name: string): { run: Command; help: string } | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}

async function report(error: unknown, context: Context): Promise<number> {
  let line = `weft: error: ${describeFailure(error, context.subject)}`;
  if (error instanceof UsageError) {
    line += error.command === undefined
      ? ` (see "weft --help")`
      : ` (see "weft ${error.command} --help")`;
  }
  try {
    await context.printError(line + "\n");
    if (context.verbose) await context.printError(backtrace(error) + "\n");
  } catch {
    // stderr is gone: the exit status is all that is left to say it.
  }
  return exitCodeOf(error);
}

async function dispatch(args: readonly string[], context: Context): Promise<number> {
  let i = 0;
  for (; i < args.length && args[i]!.startsWith("-"); i++) {
    const arg = args[i]!;
    if (arg === "-h" || arg === "--help") {
      await context.print(MAIN_HELP);
      return 0;
    }
    if (arg === "-V" || arg === "--version") {
      await context.print(`weft ${VERSION}\n`);
      return 0;
    }
    if (arg === "-v" || arg === "--verbose") context.verbose = true;
    else throw new UsageError(`Cannot use option "${arg}": it is not an option of weft`);
  }
  const name = args[i];
  const rest = args.slice(i + 1);
  if (name === undefined) {
    await context.printError(MAIN_HELP);
    return USAGE_EXIT_CODE;
  }
  if (name === "help") {
    const topic = rest[0] === undefined ? undefined : commandOf(rest[0]);
    if (rest[0] !== undefined && topic === undefined) {
      throw new UsageError(`Cannot show help for "${rest[0]}": there is no such command`);
    }
    await context.print(topic?.help ?? MAIN_HELP);
    return 0;
  }
  const command = commandOf(name);
  // `weft app.wasm args`, as `wasmtime app.wasm args`.
  const shorthand = command === undefined && name.endsWith(".wasm");
  if (command !== undefined || shorthand) {
    try {
      return shorthand
        ? await runCommand(args.slice(i), context)
        : await command!.run(rest, context);
    } catch (error) {
      // Point a bad command line at the help of the command it was for.
      if (error instanceof UsageError && error.command === undefined) {
        throw new UsageError(error.message, { command: shorthand ? "run" : name, cause: error });
      }
      throw error;
    }
  }
  throw new UsageError(
    `Cannot run command "${name}": it is not a weft command (run, serve, inspect, types)`,
  );
}

/**
 * Runs `weft` with the command-line `args` (without the program name) and
 * resolves with the exit status; nothing ends the process. Failures are
 * reported as one line on `options.stderr` (`weft: error: …`).
 */
export async function main(args: readonly string[], options: MainOptions = {}): Promise<number> {
  const context = new Context(options);
  try {
    if (context.env["WEFT_BACKTRACE"] === "1") context.verbose = true;
    return await dispatch(args, context);
  } catch (error) {
    return await report(error, context);
  }
}
