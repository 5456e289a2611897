/**
 * `weft inspect app.wasm [--json]`: a component's imports and exports with
 * their types, and the sizes of its core modules.
 *
 * @module
 */
import type { Component, ExternDesc } from "@weft/runtime";
import { componentOperand, flag, type OptionSpecs, parseArgs } from "./args.ts";
import type { Context } from "./context.ts";
import { coreModuleSpans } from "./core_modules.ts";
import { isResource } from "./interface_model.ts";
import { loadComponent } from "./load_component.ts";
import { witFunc, WitScope, witType } from "./wit_text.ts";

/** The options of `weft inspect`. */
export const INSPECT_OPTIONS: OptionSpecs = {
  "json": { type: "boolean" },
  "help": { type: "boolean", short: "h" },
  "verbose": { type: "boolean", short: "v" },
};

/** The help text of `weft inspect`. */
export const INSPECT_HELP: string = `Show a component's imports, exports and core modules.

Usage: weft inspect [OPTIONS] <COMPONENT>

Options:
  --json         Print a JSON object instead of text.
  -v, --verbose  On failure, print the stack and every cause.
  -h, --help     Print this help.
`;

/** One import or export in the report; types are WIT text. */
export interface ExternReport {
  /** The import or export name. */
  name: string;
  /** `func`, `instance`, `type`, `resource`, `component`, `module` or `value`. */
  kind: string;
  /** The WIT of a function's or type's type. */
  type?: string;
  /** The items of an instance (an interface). */
  items?: ExternReport[];
}

/** One embedded core module in the report. */
export interface CoreModuleReport {
  /** Its position in depth-first binary order. */
  index: number;
  /** The byte offset of its preamble in the component. */
  offset: number;
  /** Its size in bytes. */
  size: number;
  /** How many components deep it sits (0 = the outermost). */
  depth: number;
  /** Its core imports, as `module.name` (`kind`). */
  imports: string[];
  /** Its core export names. */
  exports: string[];
}

/** What `weft inspect` reports (the `--json` output). */
export interface InspectReport {
  /** The path as given. */
  file: string;
  /** The component's size in bytes. */
  size: number;
  /** The imports, in order. */
  imports: ExternReport[];
  /** The exports, in order. */
  exports: ExternReport[];
  /** The core modules, depth-first in binary order. */
  coreModules: CoreModuleReport[];
}

function externReport(item: ExternDesc, scope: WitScope): ExternReport {
  const { type } = item;
  switch (type.kind) {
    case "func":
      return { name: item.name, kind: "func", type: witFunc(type.type, scope) };
    case "instance": {
      // Each interface names its own types, so its functions read as in WIT.
      const inner = new WitScope();
      for (const e of type.exports) {
        const t = e.type.kind === "type" ? e.type.type : undefined;
        if (t !== undefined && !("params" in t)) inner.name(t, e.name, "");
      }
      return {
        name: item.name,
        kind: "instance",
        items: type.exports.map((e) => externReport(e, inner)),
      };
    }
    case "type": {
      const t = type.type;
      if (t === undefined) return { name: item.name, kind: "type" };
      if (isResource(t)) return { name: item.name, kind: "resource" };
      if ("params" in t) return { name: item.name, kind: "type", type: witFunc(t) };
      return { name: item.name, kind: "type", type: witType(t, scope, true) };
    }
    case "value":
      return { name: item.name, kind: "value", type: witType(type.type, scope) };
    default:
      return { name: item.name, kind: type.kind };
  }
}

/** Builds the report of a compiled component. */
export function inspectComponent(
  file: string,
  bytes: Uint8Array,
  component: Component,
): InspectReport {
  const spans = coreModuleSpans(bytes);
  const modules = component.modules();
  const scope = new WitScope();
  return {
    file,
    size: bytes.length,
    imports: component.type.imports.map((i) => externReport(i, scope)),
    exports: component.type.exports.map((e) => externReport(e, scope)),
    coreModules: spans.map((span, index) => {
      const module = modules[index];
      return {
        index,
        offset: span.offset,
        size: span.size,
        depth: span.depth,
        imports: module === undefined
          ? []
          : WebAssembly.Module.imports(module).map((i) => `${i.module}.${i.name} (${i.kind})`),
        exports: module === undefined ? [] : WebAssembly.Module.exports(module).map((e) => e.name),
      };
    }),
  };
}

/** `1234 bytes (1.2 KiB)`. */
export function formatSize(size: number): string {
  if (size < 1024) return `${size} bytes`;
  const units = ["KiB", "MiB", "GiB"];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${size} bytes (${value.toFixed(1)} ${units[unit]})`;
}

function externLines(item: ExternReport, indent: string): string[] {
  const head = item.type === undefined
    ? `${indent}${item.name}: ${item.kind}`
    : item.kind === "func"
    ? `${indent}${item.name}: ${item.type}`
    : `${indent}${item.kind} ${item.name} = ${item.type}`;
  if (item.kind === "resource") return [`${indent}resource ${item.name}`];
  if (item.items === undefined) return [head];
  return [
    `${indent}${item.name}: interface`,
    ...item.items.flatMap((i) => externLines(i, indent + "  ")),
  ];
}

/** The text form of a report. */
export function formatReport(report: InspectReport): string {
  const lines = [`${report.file}: component, ${formatSize(report.size)}`, ""];
  lines.push(`imports (${report.imports.length}):`);
  for (const item of report.imports) lines.push(...externLines(item, "  "));
  lines.push("", `exports (${report.exports.length}):`);
  for (const item of report.exports) lines.push(...externLines(item, "  "));
  lines.push("", `core modules (${report.coreModules.length}):`);
  const total = report.coreModules.reduce((n, m) => n + m.size, 0);
  for (const m of report.coreModules) {
    lines.push(
      `  #${m.index}${m.depth > 0 ? ` (nested ${m.depth})` : ""}: ${formatSize(m.size)} at byte ` +
        `0x${m.offset.toString(16)}, ${m.imports.length} imports, ${m.exports.length} exports`,
    );
  }
  if (report.coreModules.length > 1) lines.push(`  total: ${formatSize(total)}`);
  return lines.join("\n") + "\n";
}

/** Runs `weft inspect` with the command-line `args` (after `inspect`). */
export async function inspectCommand(args: readonly string[], context: Context): Promise<number> {
  const parsed = parseArgs(args, INSPECT_OPTIONS);
  if (flag(parsed, "help")) {
    await context.print(INSPECT_HELP);
    return 0;
  }
  if (flag(parsed, "verbose")) context.verbose = true;
  const path = componentOperand(parsed, "inspect", "inspect");
  context.subject = path;
  const { bytes, component } = await loadComponent(path);
  const report = inspectComponent(path, bytes, component);
  await context.print(
    flag(parsed, "json") ? JSON.stringify(report, null, 2) + "\n" : formatReport(report),
  );
  return 0;
}
