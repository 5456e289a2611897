/**
 * A WASI 0.2 host for Weft: plain JS classes and functions in the JS value
 * mapping, keyed by interface name, so any component runtime that takes an
 * import object can use it.
 *
 * Implemented: `wasi:io` (error, poll, streams on Web Streams), `wasi:clocks`
 * (monotonic-clock, wall-clock), `wasi:random` (random, insecure,
 * insecure-seed), `wasi:cli` (environment, exit, stdin/stdout/stderr,
 * terminal-*) and `wasi:filesystem` (types, preopens) over a pluggable
 * backend (Deno's in `@weft/wasi/deno`), `wasi:http` (types and
 * outgoing-handler through `fetch`, plus {@linkcode incomingHandler}, which
 * turns a component's `wasi:http/incoming-handler` export into a
 * `(request: Request) => Promise<Response>`) and `wasi:sockets` (TCP and UDP
 * over a pluggable backend, Deno's in `@weft/wasi/deno`; without one they
 * answer `not-supported`).
 *
 * Safe by default: no arguments, environment, files or network unless
 * granted (`network: { allow: ["host", "host:port"] }` for HTTP and sockets); stdin is empty and stdout/stderr are discarded. Preopened
 * directories confine every guest path (no `..`, symlink or absolute path
 * leaves them). `wasi:cli/exit` throws {@linkcode ExitError} instead of ending
 * the process.
 *
 * Blocking calls (`block`, `poll`, `blocking-*`) carry a waiting form under
 * {@linkcode SUSPENDING}: `@weft/runtime` calls it with JSPI and suspends the
 * guest only while it waits (an instance whose imports have such forms
 * returns Promises from its exports). Called directly, or without JSPI, they
 * succeed when what they wait for is there and otherwise throw
 * {@linkcode WouldBlockError}.
 *
 * @example Give a guest arguments and capture its stdout
 * ```ts
 * import { createWasi } from "@weft/wasi";
 * import assert from "node:assert/strict";
 *
 * const chunks: Uint8Array[] = [];
 * const wasi = createWasi({
 *   args: ["app", "--verbose"],
 *   stdout: new WritableStream({ write: (c) => void chunks.push(c) }),
 * });
 * const env = wasi.imports["wasi:cli/environment@0.2.12"]!;
 * assert.deepEqual((env.getArguments as () => string[])(), ["app", "--verbose"]);
 *
 * // What a guest does through wasi:cli/stdout and wasi:io/streams:
 * const stdout = (wasi.imports["wasi:cli/stdout@0.2.12"]!.getStdout as () => {
 *   blockingWriteAndFlush(b: Uint8Array): void;
 * })();
 * stdout.blockingWriteAndFlush(new TextEncoder().encode("hello\n"));
 * await new Promise((r) => setTimeout(r, 0));
 * assert.equal(new TextDecoder().decode(chunks[0]), "hello\n");
 * ```
 *
 * @module
 */
export {
  createWasi,
  type PreopenOption,
  type Wasi,
  WASI_VERSION,
  type WasiImports,
  type WasiOptions,
} from "./create_wasi.ts";
export { ExitError, WasiError, WouldBlockError } from "./errors.ts";
export { SUSPENDING } from "./suspending.ts";
export { poll, Pollable, pollAsync, type Readiness } from "./pollable.ts";
export { IoError } from "./io_error.ts";
export { InputStream, type InputStreamOptions } from "./input_stream.ts";
export { OutputStream, type OutputStreamOptions } from "./output_stream.ts";
export { type ByteSink, type ByteSource, ReadableSource, WritableSink } from "./byte_source.ts";
export { type Clock, type Datetime, systemClock } from "./clocks.ts";
export {
  type StdinOption,
  type StdoutOption,
  TerminalInput,
  type TerminalOptions,
  TerminalOutput,
} from "./cli.ts";
export {
  Descriptor,
  type DescriptorFlags,
  type DescriptorStat,
  type DirectoryEntry,
  DirectoryEntryStream,
  type FsContext,
  type MetadataHashValue,
  type NewTimestamp,
  type OpenFlags,
  type PathFlags,
} from "./descriptor.ts";
export {
  type DescriptorType,
  type ErrorCode,
  type FsBackend,
  type FsDirEntry,
  FsError,
  type FsFile,
  type FsOpenOptions,
  type FsStat,
  type TimeChange,
} from "./fs_backend.ts";
export { AllowList, type NetworkOptions } from "./allow_list.ts";
export { Fields, FORBIDDEN_FIELDS, type HeaderError } from "./http_fields.ts";
export { type HttpErrorCode, httpErrorCode, toHttpErrorCode } from "./http_error.ts";
export { BodyPipe, FutureTrailers, IncomingBody, OutgoingBody } from "./http_body.ts";
export {
  FutureIncomingResponse,
  IncomingRequest,
  incomingRequest,
  IncomingResponse,
  type IncomingResponseResult,
  type Method,
  OutgoingMessage,
  OutgoingRequest,
  OutgoingResponse,
  RequestOptions,
  ResponseOutparam,
  type ResponseResult,
  type Scheme,
} from "./http_types.ts";
export { handle, type OutgoingHandlerOptions } from "./http_outgoing.ts";
export {
  incomingHandler,
  type IncomingHandlerExport,
  type IncomingHandlerSource,
} from "./http_incoming.ts";
export {
  type DatagramHandlers,
  type DatagramSocket,
  type HostAddr,
  type IpAddress,
  type IpAddressFamily,
  type IpSocketAddress,
  Network,
  type SocketBackend,
  type SocketConn,
  type SocketContext,
  type SocketErrorCode,
  type SocketListener,
} from "./network.ts";
export { type ShutdownType, TcpSocket } from "./tcp_socket.ts";
export {
  type IncomingDatagram,
  IncomingDatagramStream,
  type OutgoingDatagram,
  OutgoingDatagramStream,
  UdpSocket,
} from "./udp_socket.ts";
export { resolveAddresses, ResolveAddressStream } from "./ip_name_lookup.ts";
export { MAX_SYMLINKS, type ResolvedPath, resolvePath } from "./resolve_path.ts";
