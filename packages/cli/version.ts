/**
 * The version of `@weft/cli` (kept equal to `version` in its deno.json; a
 * test checks it).
 *
 * @module
 */

/** The version `weft --version` prints. */
export const VERSION: string = "0.1.0";
