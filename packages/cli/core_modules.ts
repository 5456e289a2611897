/**
 * Where a component binary keeps its core modules: a walk over section
 * headers (Binary.md § Component Definitions: section id 1 is a core module,
 * id 4 a nested component), depth-first, which is the order
 * `Component.modules()` uses.
 *
 * @module
 */

/** A core module embedded in a component binary. */
export interface CoreModuleSpan {
  /** The byte offset of the module's first byte (its `\0asm` preamble). */
  offset: number;
  /** The module's size in bytes. */
  size: number;
  /** How many components deep it sits (0 = the outermost). */
  depth: number;
}

function readU32Leb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  for (let shift = 0, pos = at;; shift += 7) {
    if (pos >= bytes.length || shift > 28) {
      throw new RangeError(`Cannot read a section size at byte ${at}: the binary ends early`);
    }
    const b = bytes[pos++]!;
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, pos];
  }
}

/**
 * The core modules of the component binary `bytes` (already validated by
 * `Component.compile`), depth-first in binary order.
 */
export function coreModuleSpans(bytes: Uint8Array): CoreModuleSpan[] {
  const spans: CoreModuleSpan[] = [];
  const walk = (start: number, end: number, depth: number) => {
    let pos = start + 8; // preamble: magic, version, layer
    while (pos < end) {
      const id = bytes[pos++]!;
      const [size, body] = readU32Leb(bytes, pos);
      if (body + size > end) {
        throw new RangeError(`Cannot read the section at byte ${pos - 1}: it overruns the binary`);
      }
      if (id === 1) spans.push({ offset: body, size, depth });
      else if (id === 4) walk(body, body + size, depth + 1);
      pos = body + size;
    }
  };
  walk(0, bytes.length, 0);
  return spans;
}
