/**
 * `weft run app.wasm [-- args]`: runs a `wasi:cli` command component with
 * the host's stdio and what the grant flags give, and ends with the guest's
 * exit status.
 *
 * @module
 */
import { ComponentError } from "@weft/runtime";
import { createWasi } from "@weft/wasi";
import { flag, type OptionSpecs, parseArgs, UsageError, value } from "./args.ts";
import type { Context } from "./context.ts";
import { CliError, exitRequest } from "./failure.ts";
import { GRANT_HELP, GRANT_OPTIONS, grantOptions } from "./grants.ts";
import { loadComponent } from "./load_component.ts";
import { CLI_RUN, exportNames, findWasiExport, HTTP_INCOMING_HANDLER } from "./world_exports.ts";

/** The options of `weft run`. */
export const RUN_OPTIONS: OptionSpecs = {
  ...GRANT_OPTIONS,
  "argv0": { type: "string" },
  "help": { type: "boolean", short: "h" },
  "verbose": { type: "boolean", short: "v" },
};

/** The help text of `weft run`. */
export const RUN_HELP: string = `Run a WASI command component (one exporting wasi:cli/run@0.2.x).

Usage: weft run [OPTIONS] <COMPONENT> [--] [ARGS]...

Everything after the component is passed to it as its arguments; its first
argument (argv[0]) is the component's path, or --argv0.

${GRANT_HELP}

Options:
  --argv0 NAME      The guest's first argument (default: the component's path).
  -v, --verbose     On failure, print the stack and every cause.
  -h, --help        Print this help.

Exit status: the guest's own (wasi:cli/exit), 0 when run returns ok, 1 when it
returns err or weft cannot run it, 134 when it traps (3 on Windows), as Wasmtime.
`;

/**
 * Runs `weft run` with the command-line `args` (after `run`). Returns the
 * exit status; failures are thrown (the caller reports them).
 */
export async function runCommand(args: readonly string[], context: Context): Promise<number> {
  const parsed = parseArgs(args, RUN_OPTIONS, { stopAtOperand: true });
  if (flag(parsed, "help")) {
    await context.print(RUN_HELP);
    return 0;
  }
  if (flag(parsed, "verbose")) context.verbose = true;
  const [path, ...rest] = parsed.operands;
  if (path === undefined) {
    throw new UsageError("Cannot run: no component given", { command: "run" });
  }
  // `weft run app.wasm -- --flag`: the first `--` after the component only separates.
  const guestArgs = !parsed.terminated && rest[0] === "--" ? rest.slice(1) : rest;
  const wasiOptions = grantOptions(parsed, context.env);
  context.subject = path;
  const { component } = await loadComponent(path);
  const run = findWasiExport(component.type.exports, CLI_RUN);
  if (run === undefined) {
    const handler = findWasiExport(component.type.exports, HTTP_INCOMING_HANDLER);
    throw new CliError(
      `Cannot run "${path}": it does not export ${CLI_RUN}@0.2.x` +
        (handler === undefined
          ? ` (it exports ${exportNames(component.type.exports)})`
          : ` (it is an HTTP handler: use \`weft serve\`)`),
    );
  }
  const wasi = createWasi({
    ...context.guestStdio(),
    ...wasiOptions,
    args: [value(parsed, "argv0") ?? path, ...guestArgs],
  });
  try {
    // A start function may already exit or trap.
    const instance = await component.instantiate(wasi.imports);
    // With JSPI, an instance whose imports can block returns a Promise.
    await instance.exports[run.name].run();
    return 0;
  } catch (error) {
    const exit = exitRequest(error);
    if (exit !== undefined) return exit.code;
    // `run` returning err is a plain failure status, as in Wasmtime.
    if (error instanceof ComponentError) return 1;
    throw error;
  }
}
