/**
 * Command-line parsing for `weft`: GNU-style long options (`--name value`,
 * `--name=value`), short aliases, repeatable options, `--` as the end of
 * options, and (for `run`) the end of options at the first operand, so that
 * everything after the component belongs to the guest.
 *
 * @module
 */

/** How one option is given. */
export interface OptionSpec {
  /**
   * `boolean`: a flag. `string`: takes a value (`--name value` or
   * `--name=value`). `optional`: a flag that may carry a value, only as
   * `--name=value`.
   */
  readonly type: "boolean" | "string" | "optional";
  /** May be given more than once (the values are collected in order). */
  readonly multiple?: boolean;
  /** A one-letter alias (`-h`). */
  readonly short?: string;
}

/** The options a command accepts, keyed by long name (without `--`). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** What {@linkcode parseArgs} found. */
export interface ParsedArgs {
  /**
   * The options given: `true` for a flag, the value (or the last value) for
   * a single option, every value in order for a `multiple` one.
   */
  readonly options: Readonly<Record<string, string | boolean | readonly string[]>>;
  /** The operands, in order. */
  readonly operands: readonly string[];
  /** Whether a `--` was seen (everything after it is in `operands`). */
  readonly terminated: boolean;
}

/** Options for {@linkcode parseArgs}. */
export interface ParseArgsOptions {
  /**
   * Stop reading options at the first operand: it and everything after it
   * are operands (`weft run [options] app.wasm [args]`).
   */
  stopAtOperand?: boolean;
}

/** A command line that does not follow a command's syntax; `weft` exits with 2. */
export class UsageError extends Error {
  /** The command the usage is about (`run`, `serve`, …), for the hint to its help. */
  readonly command: string | undefined;

  /** Creates a usage error about `command`. */
  constructor(message: string, options: ErrorOptions & { command?: string } = {}) {
    super(message, options);
    this.name = "UsageError";
    this.command = options.command;
  }
}

function lookupShort(specs: OptionSpecs, letter: string): string | undefined {
  return Object.keys(specs).find((name) => specs[name]!.short === letter);
}

/**
 * Parses `args` against `specs`. Throws {@linkcode UsageError} for an
 * unknown option, a missing value, or a value given to a flag.
 */
export function parseArgs(
  args: readonly string[],
  specs: OptionSpecs,
  options: ParseArgsOptions = {},
): ParsedArgs {
  const found: Record<string, string | boolean | string[]> = {};
  const operands: string[] = [];
  let terminated = false;
  const set = (name: string, value: string | boolean) => {
    const spec = specs[name]!;
    if (spec.multiple && typeof value === "string") {
      const list = found[name];
      if (Array.isArray(list)) list.push(value);
      else found[name] = [value];
    } else found[name] = value;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      terminated = true;
      operands.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      if (options.stopAtOperand) {
        operands.push(...args.slice(i));
        break;
      }
      operands.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq === -1 ? undefined : arg.slice(eq + 1);
      if (specs[name] === undefined || !Object.hasOwn(specs, name)) {
        throw new UsageError(`Cannot use option "--${name}": it is not an option of this command`);
      }
    } else {
      const long = arg.length === 2 ? lookupShort(specs, arg[1]!) : undefined;
      if (long === undefined) {
        throw new UsageError(`Cannot use option "${arg}": it is not an option of this command`);
      }
      name = long;
    }
    const spec = specs[name]!;
    switch (spec.type) {
      case "boolean":
        if (inline !== undefined) {
          throw new UsageError(`Cannot give "--${name}" a value: it is a flag, received "${arg}"`);
        }
        set(name, true);
        break;
      case "optional":
        set(name, inline ?? true);
        break;
      case "string": {
        if (inline !== undefined) {
          set(name, inline);
          break;
        }
        const value = args[i + 1];
        if (value === undefined) {
          throw new UsageError(`Cannot use "--${name}" without a value`);
        }
        set(name, value);
        i++;
        break;
      }
    }
  }
  return { options: found, operands, terminated };
}

/** The values of a `multiple` option (none when it was not given). */
export function values(parsed: ParsedArgs, name: string): readonly string[] {
  const value = parsed.options[name];
  if (value === undefined || typeof value === "boolean") return [];
  return typeof value === "string" ? [value] : value;
}

/** The value of a single `string` option, or `undefined`. */
export function value(parsed: ParsedArgs, name: string): string | undefined {
  const found = parsed.options[name];
  if (typeof found === "string") return found;
  if (Array.isArray(found)) return found.at(-1);
  return undefined;
}

/** Whether a flag was given. */
export function flag(parsed: ParsedArgs, name: string): boolean {
  return parsed.options[name] !== undefined && parsed.options[name] !== false;
}

/**
 * The one operand of a command that takes a single component (`weft inspect
 * app.wasm`): a {@linkcode UsageError} when there is none or more than one.
 * `doing` completes "Cannot …" (`inspect`, `print types`).
 */
export function componentOperand(parsed: ParsedArgs, doing: string, command: string): string {
  const [path, ...extra] = parsed.operands;
  if (path === undefined) {
    throw new UsageError(`Cannot ${doing}: no component given`, { command });
  }
  if (extra.length > 0) {
    throw new UsageError(`Cannot ${doing}: unexpected argument "${extra[0]}"`, { command });
  }
  return path;
}
