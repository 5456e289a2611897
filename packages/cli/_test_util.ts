// Test helpers: fixtures as .wasm files (the CLI reads paths) and captured streams.
import type { ByteSink } from "@weft/wasi";
import { fixture } from "../../scripts/fixtures.ts";
import { main, type MainOptions } from "./mod.ts";

const testdata = new URL("./testdata/", import.meta.url);
let dir: string | undefined;

/** The path of a .wasm file built from `testdata/<name>.wat` (in a temporary directory). */
export async function wasmFile(name: string): Promise<string> {
  dir ??= Deno.makeTempDirSync({ prefix: "weft_cli_test_" });
  const path = `${dir}/${name}.wasm`;
  await Deno.writeFile(path, await fixture(new URL(`${name}.wat`, testdata)));
  return path;
}

globalThis.addEventListener("unload", () => {
  if (dir !== undefined) Deno.removeSync(dir, { recursive: true });
});

/** A sink that keeps what is written. */
export interface Capture extends ByteSink {
  /** Everything written, decoded. */
  text(): string;
}

/** A {@linkcode Capture}. */
export function capture(): Capture {
  const chunks: Uint8Array[] = [];
  return {
    write: (bytes: Uint8Array) => void chunks.push(bytes.slice()),
    text: () => {
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        all.set(c, at);
        at += c.length;
      }
      return new TextDecoder().decode(all);
    },
  };
}

/** What an in-process `weft` run gave. */
export interface Outcome {
  /** The exit status. */
  status: number;
  /** stdout (weft's and the guest's). */
  stdout: string;
  /** stderr (weft's and the guest's). */
  stderr: string;
}

/** Runs `weft args` in-process with captured streams and an empty host environment. */
export async function weft(
  args: readonly string[],
  options: Omit<MainOptions, "stdout" | "stderr"> = {},
): Promise<Outcome> {
  const stdout = capture();
  const stderr = capture();
  const status = await main(args, { env: {}, ...options, stdout, stderr });
  return { status, stdout: stdout.text(), stderr: stderr.text() };
}

/** The path of `main.ts`, for subprocess tests. */
export const MAIN: string = new URL("./main.ts", import.meta.url).pathname;
