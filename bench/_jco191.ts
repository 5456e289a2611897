/**
 * The glue of jco 1.9.1, for the `jco191` column: generated once per
 * component with Node (jco 1.9.1 from npm, installed into the git-ignored
 * `bench/.jco191/`), cached there by a hash of the component, and loaded
 * like jco-transpile's (see _jco.ts), but instantiated asynchronously. Where Node, npm or the package is not
 * available, the column stays empty.
 *
 * @module
 */
import { type JcoComponent, loadGlue } from "./_jco.ts";

const dir = new URL(".jco191/", import.meta.url);
const cli = new URL("node_modules/@bytecodealliance/jco/src/jco.js", dir);

async function run(cmd: string, args: string[]): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(cmd, {
      args,
      cwd: dir,
      stdout: "null",
      stderr: "null",
      // An npm without a registry would otherwise retry for minutes.
      signal: AbortSignal.timeout(180_000),
    }).output();
    return success;
  } catch {
    return false; // not installed
  }
}

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch {
    return false;
  }
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

let installed: Promise<boolean> | undefined;

function install(): Promise<boolean> {
  return installed ??= (async () => {
    if (await exists(cli)) return true;
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeTextFile(new URL("package.json", dir), '{ "private": true }\n');
    return await run("npm", [
      "install",
      "--no-audit",
      "--no-fund",
      "@bytecodealliance/jco@1.9.1",
    ]) &&
      await exists(cli);
  })();
}

/** jco 1.9.1's glue for `bytes`, or `undefined` when it cannot be generated here. */
export async function loadJco191(
  bytes: Uint8Array,
  name: string,
): Promise<JcoComponent | undefined> {
  const out = new URL(`out/${name}-${(await sha256Hex(bytes)).slice(0, 16)}/`, dir);
  if (!await exists(new URL(`${name}.js`, out))) {
    if (!await install()) return undefined;
    const input = await Deno.makeTempFile({ suffix: ".wasm" });
    await Deno.writeFile(input, bytes);
    const ok = await run("node", [
      cli.pathname,
      "transpile",
      input,
      "--name",
      name,
      "--instantiation",
      "async",
      "--no-typescript",
      "-o",
      out.pathname,
    ]);
    await Deno.remove(input);
    if (!ok) return undefined;
  }
  const files: Record<string, Uint8Array> = {};
  for await (const e of Deno.readDir(out)) {
    if (e.isFile) files[e.name] = await Deno.readFile(new URL(e.name, out));
  }
  // Its glue defines some trampolines after the first core instance is
  // created, so it only works with an asynchronous `instantiateCore`.
  return await loadGlue(files, name, { sync: false });
}
