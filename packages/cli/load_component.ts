/**
 * Reads and compiles the component a command names, turning each way that
 * can fail into a message about the file.
 *
 * @module
 */
import { CompileError, Component } from "@weft/runtime";
import { CliError } from "./failure.ts";

/** A compiled component and where it came from. */
export interface LoadedComponent {
  /** The path as given on the command line. */
  path: string;
  /** The component's binary. */
  bytes: Uint8Array;
  /** The compiled component. */
  component: Component;
}

/** Reads `path`; a missing file, a directory or a denied read is a {@linkcode CliError}. */
export async function readComponentFile(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.IsADirectory
      ? "it is a directory"
      : error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotCapable
      ? "permission denied"
      : (error as Error).message;
    throw new CliError(`Cannot read component "${path}": ${reason}`, { cause: error });
  }
}

/**
 * Reads and compiles the component at `path`. A core wasm module (not a
 * component) gets a hint, since it is the commonest mistake.
 */
export async function loadComponent(path: string): Promise<LoadedComponent> {
  const bytes = await readComponentFile(path);
  try {
    return { path, bytes, component: await Component.compile(bytes) };
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    // A core module has layer 0 (`00 61 73 6d 01 00 00 00`); a component has 0d 00 01 00.
    if (bytes.length >= 8 && bytes[4] === 1 && bytes[5] === 0 && bytes[6] === 0) {
      throw new CliError(
        `Cannot load "${path}": it is a core WebAssembly module, not a component ` +
          `(wrap it with \`wasm-tools component new\`)`,
        { cause: error },
      );
    }
    throw new CliError(`Cannot compile "${path}": ${error.message.split("\n", 1)[0]}`, {
      cause: error,
    });
  }
}
