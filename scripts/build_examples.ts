/**
 * Builds the JavaScript example components (`examples/wasi-command`,
 * `examples/http-handler`) with componentize-js into the git-ignored
 * `.cache/examples/`, keyed by a hash of their sources, their WIT and the
 * pinned tools, so an unchanged example is not rebuilt.
 *
 * The tools are npm packages pinned in `tools/componentize/package.json`,
 * installed with `npm install` on first use; componentize-js runs under Node.
 *
 * ```sh
 * deno run -A scripts/build_examples.ts            # build all
 * deno run -A scripts/build_examples.ts http-handler
 * deno run -A scripts/build_examples.ts wasi-command-c   # app.c with clang + wasi-libc
 * ```
 *
 * `wasi-command-c` (the C twin of the command) is built too when Debian's
 * `clang-19` and `wasi-libc` are installed.
 *
 * @module
 */

const root = new URL("../", import.meta.url);

/** The folder of the pinned npm tools (componentize-js, jco, preview2-shim). */
export const TOOLS_DIR: URL = new URL("tools/componentize/", root);

/** Where the built components go (git-ignored). */
export const CACHE_DIR: URL = new URL(".cache/examples/", root);

/** jco's command line (`node JCO_CLI run|serve …`), once the tools are installed. */
export const JCO_CLI: URL = new URL("node_modules/@bytecodealliance/jco/dist/jco.js", TOOLS_DIR);

/** The examples this script builds, with the WIT world of each. */
export const EXAMPLES: Readonly<Record<ExampleName, { world: string }>> = {
  "wasi-command": { world: "command" },
  "http-handler": { world: "handler" },
};

/** The name of an example folder under `examples/`. */
export type ExampleName = "wasi-command" | "http-handler";

/** Options of {@linkcode buildExample}. */
export interface BuildOptions {
  /** Print nothing when the cache is used (default `false`). */
  quiet?: boolean;
}

/** A built example component. */
export interface BuiltExample {
  /** The component binary. */
  bytes: Uint8Array;
  /** Its path in the cache (a stable name, `.cache/examples/<name>.wasm`). */
  path: string;
  /** Whether it was built now (`false`: taken from the cache). */
  built: boolean;
}

/** Where the WASI WIT packages come from: jco's copy, at the version the worlds use. */
const WASI_WIT = new URL("node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12/", TOOLS_DIR);

async function sha256Hex(parts: readonly Uint8Array[]): Promise<string> {
  let length = 0;
  for (const p of parts) length += p.length + 8;
  const all = new Uint8Array(length);
  const view = new DataView(all.buffer);
  let at = 0;
  for (const p of parts) {
    // Length-prefixed, so moving bytes between two parts changes the hash.
    view.setBigUint64(at, BigInt(p.length));
    all.set(p, at + 8);
    at += p.length + 8;
  }
  const digest = await crypto.subtle.digest("SHA-256", all);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Runs `cmd args` in `cwd`; its output is returned, or an error naming the command. */
async function run(
  cmd: string,
  args: readonly string[],
  cwd: URL,
  timeoutMs: number,
): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(cmd, {
      args: [...args],
      cwd,
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(timeoutMs),
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(`Cannot run ${cmd}: it is not installed (Node.js and npm are needed)`, {
        cause: error,
      });
    }
    throw new Error(`Cannot run ${cmd} ${args.join(" ")}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  if (!output.success) {
    const signal = output.signal === null ? "" : ` (killed by ${output.signal}; timed out?)`;
    throw new Error(
      `Cannot run ${cmd} ${args.join(" ")}: exit code ${output.code}${signal}\n${text.trim()}`,
    );
  }
  return text;
}

/**
 * Holds a lock (a directory, made atomically) while `fn` runs, so parallel
 * test processes do not install or build the same thing at once.
 */
async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  await Deno.mkdir(CACHE_DIR, { recursive: true });
  const lock = new URL(`.lock-${name}/`, CACHE_DIR);
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      await Deno.mkdir(lock);
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      // A lock older than 10 minutes belongs to a process that died.
      const { mtime } = await Deno.stat(lock).catch(() => ({ mtime: null }));
      if (mtime !== null && Date.now() - mtime.getTime() > 10 * 60_000) {
        await Deno.remove(lock).catch(() => {});
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`Cannot take the lock ${lock.pathname}: another build holds it`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await Deno.remove(lock).catch(() => {});
  }
}

let toolsReady: Promise<void> | undefined;

/**
 * Installs the pinned npm tools into `tools/componentize/node_modules` with
 * `npm install` unless the installed tree matches `package-lock.json`. Throws an
 * error saying so when npm or the registry cannot be reached.
 */
export function ensureTools(): Promise<void> {
  return toolsReady ??= withLock("npm", async () => {
    const lock = await Deno.readFile(new URL("package-lock.json", TOOLS_DIR));
    const key = await sha256Hex([lock]);
    const stamp = new URL("node_modules/.weft-install", TOOLS_DIR);
    const installed = await Deno.readTextFile(stamp).catch(() => "");
    if (installed === key && await exists(JCO_CLI)) return;
    console.error("build_examples: npm install in tools/componentize (first use)…");
    try {
      // Not `npm ci`: the lock file lists platform packages the registry lacks, which
      // `npm ci` refuses and `npm install` skips (they are optional).
      await run("npm", ["install", "--no-audit", "--no-fund"], TOOLS_DIR, 600_000);
    } catch (error) {
      throw new Error(
        "Cannot install the componentize-js tools: `npm install` in tools/componentize failed " +
          "(the npm registry must be reachable the first time)",
        { cause: error },
      );
    }
    // npm may have rewritten the lock file; the stamp is of what is installed now.
    const after = await Deno.readFile(new URL("package-lock.json", TOOLS_DIR));
    await Deno.writeTextFile(stamp, await sha256Hex([after]));
  }).catch((error) => {
    toolsReady = undefined;
    throw error;
  });
}

/** The bytes every input of an example's build is made of, in a fixed order. */
async function buildInputs(name: ExampleName): Promise<Uint8Array[]> {
  const dir = new URL(`examples/${name}/`, root);
  const parts = [
    new TextEncoder().encode(`${name} ${EXAMPLES[name].world}`),
    await Deno.readFile(new URL("app.js", dir)),
    await Deno.readFile(new URL("package-lock.json", TOOLS_DIR)),
    await Deno.readFile(new URL("componentize.mjs", TOOLS_DIR)),
  ];
  const wits: string[] = [];
  for await (const e of Deno.readDir(new URL("wit/", dir))) {
    if (e.isFile && e.name.endsWith(".wit")) wits.push(e.name);
  }
  for (const w of wits.sort()) {
    parts.push(new TextEncoder().encode(w), await Deno.readFile(new URL(`wit/${w}`, dir)));
  }
  return parts;
}

/** Copies `from` (a directory) to `to`, recursively. */
async function copyDir(from: URL, to: URL): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(from)) {
    if (e.isDirectory) await copyDir(new URL(`${e.name}/`, from), new URL(`${e.name}/`, to));
    else if (e.isFile) await Deno.copyFile(new URL(e.name, from), new URL(e.name, to));
  }
}

/**
 * Returns the component of example `name`, built with componentize-js
 * unless the cache holds one built from the same sources and tools.
 */
export async function buildExample(
  name: ExampleName,
  options: BuildOptions = {},
): Promise<BuiltExample> {
  if (!Object.hasOwn(EXAMPLES, name)) {
    throw new TypeError(
      `Cannot build example "${name}": expected one of ${Object.keys(EXAMPLES).join(", ")}`,
    );
  }
  const stable = new URL(`${name}.wasm`, CACHE_DIR);
  // The hash needs package-lock.json only, so a cached build needs no npm at all.
  const key = (await sha256Hex(await buildInputs(name))).slice(0, 16);
  const keyed = new URL(`${name}-${key}.wasm`, CACHE_DIR);
  const cached = async (): Promise<BuiltExample | undefined> => {
    if (!await exists(keyed)) return undefined;
    const bytes = await Deno.readFile(keyed);
    await Deno.writeFile(stable, bytes);
    return { bytes, path: stable.pathname, built: false };
  };
  const hit = await cached();
  if (hit !== undefined) return hit;
  await ensureTools();
  return await withLock(name, async () => {
    const again = await cached(); // another process may have built it meanwhile
    if (again !== undefined) return again;
    const work = new URL(`work-${name}-${key}/`, CACHE_DIR);
    await Deno.remove(work, { recursive: true }).catch(() => {});
    const wit = new URL("wit/", work);
    await copyDir(new URL(`examples/${name}/wit/`, root), wit);
    await copyDir(WASI_WIT, new URL("deps/", wit));
    const tmp = new URL(`${name}-${key}.${crypto.randomUUID()}.tmp`, CACHE_DIR);
    if (options.quiet !== true) console.error(`build_examples: componentize-js ${name}…`);
    try {
      await run(
        "node",
        [
          new URL("componentize.mjs", TOOLS_DIR).pathname,
          new URL(`examples/${name}/app.js`, root).pathname,
          wit.pathname,
          EXAMPLES[name].world,
          tmp.pathname,
        ],
        TOOLS_DIR,
        600_000,
      );
    } catch (error) {
      await Deno.remove(tmp).catch(() => {});
      throw new Error(`Cannot build example ${name} with componentize-js`, { cause: error });
    } finally {
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
    // Older builds of this example are stale now.
    for await (const e of Deno.readDir(CACHE_DIR)) {
      if (e.name.startsWith(`${name}-`) && e.name.endsWith(".wasm")) {
        await Deno.remove(new URL(e.name, CACHE_DIR)).catch(() => {});
      }
    }
    await Deno.rename(tmp, keyed);
    const bytes = await Deno.readFile(keyed);
    await Deno.writeFile(stable, bytes);
    return { bytes, path: stable.pathname, built: true };
  });
}

/** The C compiler for `wasm32-wasi` (Debian's `clang-19` unless `CLANG` says otherwise). */
function clang(): string {
  return Deno.env.get("CLANG") ?? "clang-19";
}

/**
 * Whether the C toolchain is there: clang with a wasm32 backend and
 * wasi-libc (Debian: `clang-19 lld-19 libclang-rt-19-dev-wasm32 wasi-libc`).
 */
export async function hasCToolchain(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command(clang(), {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return success && await exists(new URL("file:///usr/include/wasm32-wasi/stdio.h"));
  } catch {
    return false;
  }
}

/** jco's WASI preview-1 command adapter, which makes a wasi-libc program a 0.2 component. */
const ADAPTER = new URL(
  "node_modules/@bytecodealliance/jco/lib/wasi_snapshot_preview1.command.wasm",
  TOOLS_DIR,
);

/**
 * Returns `examples/wasi-command/app.c` as a WASI 0.2 command component:
 * compiled by clang against Debian's wasi-libc (preview 1), then wrapped
 * with jco's preview-1 command adapter by `componentNew`. Cached like
 * {@linkcode buildExample}, as `.cache/examples/wasi-command-c.wasm`.
 */
export async function buildCommandC(options: BuildOptions = {}): Promise<BuiltExample> {
  const name = "wasi-command-c";
  const source = new URL("examples/wasi-command/app.c", root);
  await ensureTools(); // the adapter comes from jco's package
  const flags = ["--target=wasm32-wasi", "--sysroot=/usr", "-O2"];
  const key = (await sha256Hex([
    new TextEncoder().encode(`${clang()} ${flags.join(" ")}`),
    await Deno.readFile(source),
    await Deno.readFile(ADAPTER),
  ])).slice(0, 16);
  const keyed = new URL(`${name}-${key}.wasm`, CACHE_DIR);
  const stable = new URL(`${name}.wasm`, CACHE_DIR);
  let built = false;
  if (!await exists(keyed)) {
    if (options.quiet !== true) console.error(`build_examples: clang ${name}…`);
    await Deno.mkdir(CACHE_DIR, { recursive: true });
    const core = new URL(`${name}-${key}.${crypto.randomUUID()}.core.wasm`, CACHE_DIR);
    try {
      await run(clang(), [...flags, "-o", core.pathname, source.pathname], root, 120_000);
      // Imported here: only this build needs wasm-tools.
      const { componentNew } = await import("@bytecodealliance/jco-transpile/wasm-tools");
      const bytes = await componentNew(await Deno.readFile(core), [
        ["wasi_snapshot_preview1", await Deno.readFile(ADAPTER)],
      ]);
      const tmp = new URL(`${name}-${key}.${crypto.randomUUID()}.tmp`, CACHE_DIR);
      await Deno.writeFile(tmp, bytes);
      await Deno.rename(tmp, keyed);
      built = true;
    } catch (error) {
      throw new Error(`Cannot build ${name} with ${clang()} and wasi-libc`, { cause: error });
    } finally {
      await Deno.remove(core).catch(() => {});
    }
  }
  const bytes = await Deno.readFile(keyed);
  await Deno.writeFile(stable, bytes);
  return { bytes, path: stable.pathname, built };
}

if (import.meta.main) {
  const names = Deno.args.length === 0
    ? [...Object.keys(EXAMPLES), ...(await hasCToolchain() ? ["wasi-command-c"] : [])]
    : Deno.args;
  try {
    for (const name of names) {
      const started = performance.now();
      const { path, built, bytes } = name === "wasi-command-c"
        ? await buildCommandC()
        : await buildExample(name as ExampleName);
      const ms = Math.round(performance.now() - started);
      console.log(`${built ? "built" : "cached"} ${path} (${bytes.length} bytes, ${ms} ms)`);
    }
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    let cause = (error as Error).cause;
    while (cause instanceof Error) {
      console.error(`  caused by: ${cause.message}`);
      cause = cause.cause;
    }
    Deno.exit(1);
  }
}
