/**
 * Finding the WASI world a component implements among its exports
 * (`wasi:cli/run@0.2.x`, `wasi:http/incoming-handler@0.2.x`), whatever 0.2
 * release it was built against.
 *
 * @module
 */
import type { ExternDesc } from "@weft/runtime";

/** The name `wasi:cli` commands export `run` under, any 0.2 release. */
export const CLI_RUN: string = "wasi:cli/run";
/** The name HTTP handlers export `handle` under, any 0.2 release. */
export const HTTP_INCOMING_HANDLER: string = "wasi:http/incoming-handler";

/**
 * The export of interface `iface` (e.g. `wasi:cli/run`) at a 0.2 version, or
 * `undefined`. An exact `@0.2.x` (or pre-release `@0.2.0-rc-…`) is required:
 * 0.3 and later are other worlds.
 */
export function findWasiExport(
  exports: readonly ExternDesc[],
  iface: string,
): ExternDesc | undefined {
  return exports.find((e) =>
    e.type.kind === "instance" && e.name.startsWith(`${iface}@0.2.`) &&
    /^\d/.test(e.name.slice(iface.length + 5))
  );
}

/** A short list of export names for messages (`a, b, c`, or `nothing`). */
export function exportNames(exports: readonly ExternDesc[]): string {
  if (exports.length === 0) return "nothing";
  const names = exports.slice(0, 6).map((e) => e.name);
  return names.join(", ") + (exports.length > 6 ? `, … (${exports.length} in all)` : "");
}
