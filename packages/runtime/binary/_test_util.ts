/**
 * Helpers shared by the decoder's tests: component text → bytes, and a tiny
 * binary builder for hand-written (often malformed) components.
 *
 * @module
 */

import { parse } from "@bytecodealliance/jco-transpile/wasm-tools";

/** Parses component text to a binary with wasm-tools. */
export async function wat(text: string): Promise<Uint8Array> {
  return await parse(text);
}

/** Parses `testdata/<name>` to a binary. */
export async function fixture(name: string): Promise<Uint8Array> {
  return await parse(await Deno.readTextFile(new URL(`./testdata/${name}`, import.meta.url)));
}

/** The names of the `.wat` fixtures in `testdata/`. */
export function fixtureNames(): string[] {
  return [...Deno.readDirSync(new URL("./testdata/", import.meta.url))]
    .map((e) => e.name)
    .filter((n) => n.endsWith(".wat"))
    .sort();
}

/** Unsigned LEB128 of `n`. */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/** A length-prefixed UTF-8 name. */
export function str(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...leb(bytes.length), ...bytes];
}

/** The component preamble. */
export const PREAMBLE: readonly number[] = [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

/** A section: id, LEB size, contents. */
export function section(id: number, contents: readonly number[]): number[] {
  return [id, ...leb(contents.length), ...contents];
}

/** A component made of the preamble and the given sections. */
export function component(...sections: readonly number[][]): Uint8Array {
  return Uint8Array.from([...PREAMBLE, ...sections.flat()]);
}

/** Deep copy of `value` without any `offset` keys, for comparing shapes. */
export function withoutOffsets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutOffsets);
  if (value instanceof Uint8Array || value instanceof Map) return value;
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).filter(([k]) => k !== "offset").map(([k, v]) => [k, withoutOffsets(v)]),
    );
  }
  return value;
}
