/**
 * Runs the example command (`app.js`, built with componentize-js) under
 * Weft with the library API: `Component.compile` from `@weft/runtime`,
 * `createWasi` from `@weft/wasi` and Deno's stdio and file system from
 * `@weft/wasi/deno`. It exits with the guest's exit code.
 *
 * ```sh
 * deno run -A examples/wasi-command/main.ts                 # reads testdata/greeting.txt
 * EXIT_CODE=3 GREETING=Hej deno run -A examples/wasi-command/main.ts /data/greeting.txt
 * ```
 *
 * @module
 */
import { Component, ComponentError } from "@weft/runtime";
import { createWasi, ExitError, type WasiOptions } from "@weft/wasi";
import { denoFs, denoStdio } from "@weft/wasi/deno";
import { buildExample } from "../../scripts/build_examples.ts";

/** What the command is granted, and where its output goes. */
export interface CommandOptions {
  /** Its arguments, program name first. */
  args?: readonly string[];
  /** Its environment. */
  env?: Readonly<Record<string, string>>;
  /** Preopened directories: guest path → host path. */
  preopens?: Readonly<Record<string, string>>;
  /** stdout (default: discarded). */
  stdout?: WasiOptions["stdout"];
  /** stderr (default: discarded). */
  stderr?: WasiOptions["stderr"];
}

type Run = { run(): void | Promise<void> };

/** The {@linkcode ExitError} in `error`'s chain of causes, if any. */
function exitRequest(error: unknown): ExitError | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof ExitError) return e;
  }
  return undefined;
}

/**
 * Runs a `wasi:cli/run` component and returns its exit code: 0 when `run`
 * returns `ok`, 1 when it returns `err`, the guest's code when it calls
 * `wasi:cli/exit`. A trap is thrown.
 */
export async function runCommand(bytes: Uint8Array, options: CommandOptions = {}): Promise<number> {
  const component = await Component.compile(bytes);
  const wasi = createWasi({
    args: options.args ?? [],
    env: options.env ?? {},
    fs: denoFs(),
    preopens: options.preopens ?? {},
    ...(options.stdout === undefined ? {} : { stdout: options.stdout }),
    ...(options.stderr === undefined ? {} : { stderr: options.stderr }),
  });
  const instance = await component.instantiate(wasi.imports);
  const name = Object.keys(instance.exports).find((n) => n.startsWith("wasi:cli/run@0.2."));
  if (name === undefined) {
    throw new TypeError("Cannot run the component: it does not export wasi:cli/run@0.2.x");
  }
  try {
    await (instance.exports[name] as Run).run();
    return 0;
  } catch (error) {
    const exit = exitRequest(error);
    if (exit !== undefined) return exit.code;
    if (error instanceof ComponentError) return 1;
    throw error;
  }
}

if (import.meta.main) {
  const { bytes } = await buildExample("wasi-command");
  const data = new URL("./testdata/", import.meta.url).pathname;
  const env: Record<string, string> = {};
  for (const name of ["GREETING", "EXIT_CODE"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const args = Deno.args.length === 0 ? ["/data/greeting.txt"] : Deno.args;
  const { stdout, stderr } = denoStdio();
  const code = await runCommand(bytes, {
    args: ["wasi-command", ...args],
    env,
    preopens: { "/data": data },
    stdout,
    stderr,
  });
  Deno.exit(code);
}
