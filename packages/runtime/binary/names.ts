/**
 * Decoding of the `component-name` custom section (Binary.md § Name Section).
 *
 * @module
 */

import type { ComponentNames, SortNames } from "./ast.ts";
import { readSort } from "./component_types.ts";
import { CompileError } from "./errors.ts";
import type { Reader } from "./reader.ts";

/** The custom section name of the component name section. */
export const NAME_SECTION = "component-name";

/**
 * Decodes the payload of a `component-name` section (after its name), from
 * `r.pos` to `r.end`. Throws {@linkcode CompileError} if it is malformed.
 */
export function decodeNameSection(r: Reader): ComponentNames {
  let component: string | undefined;
  const sorts: SortNames[] = [];
  while (!r.atEnd) {
    const id = r.byte("a name subsection id");
    const sub = r.sized(`name subsection ${id}`);
    if (id === 0) {
      component = sub.name("the component name");
    } else if (id === 1) {
      const sort = readSort(sub, "a sort of a name map");
      const names = new Map<number, string>();
      sub.vec("name associations", (x) => {
        names.set(x.u32("an index"), x.name("a name"));
      });
      sorts.push({ sort, names });
    } else {
      // Unknown subsections are skipped, like core wasm's name section.
      sub.pos = sub.end;
    }
    sub.expectEnd(`name subsection ${id}`);
  }
  return { component, sorts };
}

/**
 * Decodes a name section leniently: the spec says a malformed name section
 * must not make a component invalid, so a malformed one yields `undefined`.
 */
export function tryDecodeNameSection(r: Reader): ComponentNames | undefined {
  try {
    return decodeNameSection(r);
  } catch (error) {
    if (error instanceof CompileError) return undefined;
    throw error;
  }
}
