/**
 * Builds component fixtures from their WAT sources (`**\/testdata/*.wat`) into
 * the git-ignored cache `.cache/fixtures/`, keyed by a hash of the text, so an
 * edited source is rebuilt and an unchanged one is not.
 *
 * Tests call {@linkcode fixture}; `deno task fixtures` builds them all ahead.
 *
 * @module
 */
import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";

const root = new URL("../", import.meta.url);
const cacheDir = new URL(".cache/fixtures/", root);

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Returns the binary of component text, built once and cached on disk. */
export async function buildWat(text: string): Promise<Uint8Array> {
  const key = await sha256Hex(text);
  const path = new URL(`${key}.wasm`, cacheDir);
  try {
    return await Deno.readFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const bytes = await parse(text);
  await Deno.mkdir(cacheDir, { recursive: true });
  // Write to a temporary name first so a concurrent reader never sees half a file.
  const tmp = new URL(`${key}.${crypto.randomUUID()}.tmp`, cacheDir);
  await Deno.writeFile(tmp, bytes);
  await Deno.rename(tmp, path);
  return bytes;
}

/** Returns the binary of a `.wat` fixture file (a `URL`, or a path relative to `base`). */
export async function fixture(path: string | URL, base?: string | URL): Promise<Uint8Array> {
  const url = typeof path === "string" ? new URL(path, base) : path;
  return await buildWat(await Deno.readTextFile(url));
}

async function* walkWat(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* walkWat(url);
    else if (entry.name.endsWith(".wat") && url.pathname.includes("/testdata/")) yield url;
  }
}

if (import.meta.main) {
  let count = 0;
  for (const dir of ["packages/", "examples/", "bench/"]) {
    const url = new URL(dir, root);
    try {
      await Deno.stat(url);
    } catch {
      continue;
    }
    for await (const wat of walkWat(url)) {
      try {
        await fixture(wat);
        count++;
      } catch (error) {
        console.error(`Cannot build fixture ${wat.pathname}: ${(error as Error).message}`);
        Deno.exit(1);
      }
    }
  }
  console.log(`fixtures: ${count} built into .cache/fixtures/`);
}
