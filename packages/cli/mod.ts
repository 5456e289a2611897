/**
 * `weft`, the command line of Weft: run WASI command components, serve HTTP
 * handler components, and show a component's types.
 *
 * ```sh
 * deno run -A jsr:@weft/cli run app.wasm -- --flag          # wasi:cli/run
 * deno run -A jsr:@weft/cli run --dir ./data::/data --env K=V app.wasm
 * deno run -A jsr:@weft/cli serve proxy.wasm --port 8080
 * deno run -A jsr:@weft/cli inspect app.wasm --json
 * deno run -A jsr:@weft/cli types app.wasm --ts > app.d.ts
 * ```
 *
 * (`jsr:@weft/cli/weft` is the same executable without the library exports.)
 *
 * Guests get nothing unless granted: `--dir HOST::GUEST` (`:ro` for
 * read-only), `--env K=V`, `--inherit-env`, `--allow-net HOSTS`. A failure
 * is one line on stderr (`weft: error: …`; `--verbose` or `WEFT_BACKTRACE=1`
 * adds the stack). Exit status: the guest's own, 1 when `run` returns `err`
 * or `weft` cannot run the component, {@linkcode TRAP_EXIT_CODE} after a
 * trap, 2 for a bad command line.
 *
 * This module runs the same command line in-process, with injected streams:
 *
 * @example Run `weft` in-process and capture what it prints
 * ```ts
 * import { main } from "@weft/cli";
 * import assert from "node:assert/strict";
 *
 * const out: Uint8Array[] = [];
 * const status = await main(["--version"], { stdout: { write: (b) => void out.push(b) } });
 * assert.equal(status, 0);
 * assert.match(new TextDecoder().decode(out[0]), /^weft \d+\.\d+\.\d+/);
 * ```
 *
 * @example Print a component's world as WIT
 * ```ts
 * import { main } from "@weft/cli";
 * import assert from "node:assert/strict";
 *
 * const { parse } = await import("npm:@bytecodealliance/jco-transpile@0.12.0/wasm-tools");
 * const wasm = await parse(`(component
 *   (core module $m (func (export "add") (param i32 i32) (result i32)
 *     (i32.add (local.get 0) (local.get 1))))
 *   (core instance $i (instantiate $m))
 *   (func (export "add") (param "a" u32) (param "b" u32) (result u32)
 *     (canon lift (core func $i "add"))))`);
 * const path = await Deno.makeTempFile({ suffix: ".wasm" });
 * await Deno.writeFile(path, wasm);
 * const out: Uint8Array[] = [];
 * await main(["types", path], { stdout: { write: (b) => void out.push(b) } });
 * assert.match(new TextDecoder().decode(out[0]), /export add: func\(a: u32, b: u32\) -> u32;/);
 * await Deno.remove(path);
 * ```
 *
 * @module
 */
import { main } from "./cli.ts";

export { main };
export { MAIN_HELP } from "./cli.ts";
export type { ListenAddr, MainOptions, OutputSink } from "./context.ts";
export { TRAP_EXIT_CODE, USAGE_EXIT_CODE } from "./failure.ts";
export { VERSION } from "./version.ts";
export type { CoreModuleReport, ExternReport, InspectReport } from "./inspect_command.ts";

if (import.meta.main) Deno.exit(await main(Deno.args));
