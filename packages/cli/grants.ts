/**
 * The grant flags shared by `run` and `serve` (`--dir`, `--env`,
 * `--inherit-env`, `--allow-net`) and the `createWasi` options they give.
 * Nothing is granted unless a flag says so, as in Wasmtime.
 *
 * @module
 */
import type { PreopenOption, WasiOptions } from "@weft/wasi";
import { denoFs, denoSockets } from "@weft/wasi/deno";
import { flag, type OptionSpecs, type ParsedArgs, UsageError, values } from "./args.ts";

/** The options of the grant flags. */
export const GRANT_OPTIONS: OptionSpecs = {
  "dir": { type: "string", multiple: true },
  "env": { type: "string", multiple: true },
  "inherit-env": { type: "boolean" },
  "allow-net": { type: "string", multiple: true },
};

/** The help text of the grant flags. */
export const GRANT_HELP: string = `Grants (nothing is granted unless given):
  --dir HOST[::GUEST][:ro]  Preopen the host directory HOST as GUEST (default: the
                            same path); ":ro" makes it read-only. Repeatable.
  --env NAME=VALUE          Set an environment variable for the guest; "--env NAME"
                            passes the host's value. Repeatable.
  --inherit-env             Pass the whole host environment (--env entries win).
  --allow-net HOSTS         Let the guest reach these hosts over HTTP and TCP: a
                            comma-separated list of "host", "host:port" or "*".
                            Repeatable.`;

/** One `--dir` value: a guest path and its host directory. */
export interface DirGrant {
  /** The path the guest sees. */
  guest: string;
  /** The host directory. */
  host: string;
  /** Whether the guest may only read. */
  readonly: boolean;
}

/** Parses a `--dir` value: `HOST`, `HOST::GUEST`, either with a `:ro` suffix. */
export function parseDir(text: string): DirGrant {
  let rest = text;
  let readonly = false;
  if (rest.endsWith(":ro")) {
    readonly = true;
    rest = rest.slice(0, -3);
  } else if (rest.endsWith(":rw")) rest = rest.slice(0, -3);
  const sep = rest.indexOf("::");
  const host = sep === -1 ? rest : rest.slice(0, sep);
  const guest = sep === -1 ? rest : rest.slice(sep + 2);
  if (host === "" || guest === "") {
    throw new UsageError(
      `Cannot grant directory "${text}": expected HOST, HOST::GUEST or either with ":ro"`,
    );
  }
  return { host, guest, readonly };
}

/** Parses `--env` values against the host environment `hostEnv`. */
export function parseEnv(
  entries: readonly string[],
  hostEnv: Readonly<Record<string, string>>,
  inherit: boolean,
): Record<string, string> {
  const env: Record<string, string> = inherit ? { ...hostEnv } : {};
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    const name = eq === -1 ? entry : entry.slice(0, eq);
    if (name === "") {
      throw new UsageError(`Cannot set environment variable "${entry}": expected NAME=VALUE`);
    }
    if (eq !== -1) env[name] = entry.slice(eq + 1);
    else if (Object.hasOwn(hostEnv, name)) env[name] = hostEnv[name]!;
    // `--env NAME` with NAME unset on the host sets nothing, as in Wasmtime.
  }
  return env;
}

/** Splits `--allow-net` values at commas. */
export function parseAllowNet(entries: readonly string[]): string[] {
  const hosts = entries.flatMap((e) => e.split(",")).map((h) => h.trim()).filter((h) => h !== "");
  if (entries.length > 0 && hosts.length === 0) {
    throw new UsageError(`Cannot allow network access: "--allow-net" needs a host list`);
  }
  return hosts;
}

/** The `createWasi` options the grant flags in `parsed` give. */
export function grantOptions(
  parsed: ParsedArgs,
  hostEnv: Readonly<Record<string, string>>,
): WasiOptions {
  const options: WasiOptions = {};
  const dirs = values(parsed, "dir").map(parseDir);
  if (dirs.length > 0) {
    const preopens: Record<string, PreopenOption> = {};
    for (const dir of dirs) {
      if (Object.hasOwn(preopens, dir.guest)) {
        throw new UsageError(`Cannot preopen two directories as "${dir.guest}"`);
      }
      preopens[dir.guest] = { path: dir.host, readonly: dir.readonly };
    }
    options.preopens = preopens;
    options.fs = denoFs();
  }
  const env = parseEnv(values(parsed, "env"), hostEnv, flag(parsed, "inherit-env"));
  if (Object.keys(env).length > 0) options.env = env;
  const allow = parseAllowNet(values(parsed, "allow-net"));
  if (allow.length > 0) options.network = { allow, sockets: denoSockets() };
  return options;
}
