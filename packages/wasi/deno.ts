/**
 * Deno adapters for `@weft/wasi`: the file system backend, the standard
 * streams and the sockets backend (TCP, DNS, and UDP through `node:dgram`).
 * The core (`@weft/wasi`) uses only web-standard APIs.
 *
 * @example Run with Deno's stdio and a preopened directory
 * ```ts
 * import { createWasi } from "@weft/wasi";
 * import { denoFs, denoStdio } from "@weft/wasi/deno";
 *
 * const dir = await Deno.makeTempDir();
 * const wasi = createWasi({ ...denoStdio(), fs: denoFs(), preopens: { "/data": dir } });
 * console.log(Object.keys(wasi.imports).length > 0);
 * await Deno.remove(dir);
 * ```
 *
 * @module
 */
export { denoFs, DenoFsBackend } from "./deno_fs.ts";
export { denoStdio } from "./deno_stdio.ts";
export { denoSockets } from "./deno_sockets.ts";
export { denoUdp } from "./deno_udp.ts";
