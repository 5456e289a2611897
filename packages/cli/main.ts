/**
 * The `weft` executable: `deno run -A packages/cli/main.ts <command> …`
 * (`deno task weft …` from the repository). See `weft --help`.
 *
 * @module
 */
import { main } from "./cli.ts";

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
