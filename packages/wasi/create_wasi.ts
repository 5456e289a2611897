// createWasi: the WASI 0.2 import object, safe by default.
import { type Clock, monotonicClock, systemClock, wallClock } from "./clocks.ts";
import {
  environmentInterface,
  exitInterface,
  type StdinOption,
  stdioInterfaces,
  type StdoutOption,
  TerminalInput,
  type TerminalOptions,
  TerminalOutput,
  toSink,
  toSource,
} from "./cli.ts";
import { type Preopen, preopensInterface, typesInterface } from "./descriptor.ts";
import type { FsBackend } from "./fs_backend.ts";
import { InputStream } from "./input_stream.ts";
import { IoError } from "./io_error.ts";
import { OutputStream } from "./output_stream.ts";
import { poll, Pollable } from "./pollable.ts";
import { FutureTrailers, IncomingBody, OutgoingBody } from "./http_body.ts";
import { httpErrorCode } from "./http_error.ts";
import { Fields } from "./http_fields.ts";
import { AllowList, type NetworkOptions } from "./allow_list.ts";
import { outgoingHandlerInterface } from "./http_outgoing.ts";
import { instanceNetworkInterface, Network } from "./network.ts";
import { ipNameLookupInterface } from "./ip_name_lookup.ts";
import { tcpCreateSocketInterface, TcpSocket } from "./tcp_socket.ts";
import {
  IncomingDatagramStream,
  OutgoingDatagramStream,
  udpCreateSocketInterface,
  UdpSocket,
} from "./udp_socket.ts";
import {
  FutureIncomingResponse,
  IncomingRequest,
  IncomingResponse,
  OutgoingRequest,
  OutgoingResponse,
  RequestOptions,
  ResponseOutparam,
} from "./http_types.ts";
import { insecureInterface, insecureSeedInterface, randomInterface } from "./random.ts";

/** The WASI version the interfaces are keyed by; the runtime matches any 0.2.x. */
export const WASI_VERSION = "0.2.12";

/** A preopen's host directory, read-only if asked. */
export interface PreopenOption {
  /** The host directory. */
  path: string;
  /** Refuse every change below it (default `false`). */
  readonly?: boolean;
}

/** What the guest is granted. Everything is off unless given. */
export interface WasiOptions {
  /** The guest's arguments (`get-arguments`); none by default. */
  args?: readonly string[];
  /** The guest's environment (`get-environment`); empty by default. */
  env?: Readonly<Record<string, string>> | readonly (readonly [string, string])[];
  /** `initial-cwd`; none by default. */
  cwd?: string;
  /**
   * Directories the guest may use, keyed by guest path (`{ "/data": "./data" }`).
   * Needs `fs`. None by default.
   */
  preopens?: Readonly<Record<string, string | PreopenOption>>;
  /** The file system backend for `preopens` (e.g. `denoFs()` from `@weft/wasi/deno`). */
  fs?: FsBackend;
  /** stdin; empty by default. */
  stdin?: StdinOption;
  /** stdout; discarded by default. */
  stdout?: StdoutOption;
  /** stderr; discarded by default. */
  stderr?: StdoutOption;
  /** Which standard streams are terminals; none by default. */
  terminal?: TerminalOptions;
  /** The time sources (default: `performance`). */
  clock?: Clock;
  /**
   * Network access: `{ allow: ["api.example.com", "127.0.0.1:8080"] }`
   * lets `wasi:http/outgoing-handler`, and with a socket backend
   * (`sockets: denoSockets()` from `@weft/wasi/deno`) TCP connections and
   * UDP datagrams, reach those hosts. None by default.
   */
  network?: NetworkOptions;
  /** The `fetch` outgoing HTTP requests use (default: the global `fetch`). */
  fetch?: typeof fetch;
}

/** The import object: interface objects keyed by full interface name. */
export type WasiImports = Record<string, Record<string, unknown>>;

/** A WASI host made by {@linkcode createWasi}. */
export interface Wasi {
  /** Pass to `component.instantiate`. */
  imports: WasiImports;
}

function envEntries(env: WasiOptions["env"]): [string, string][] {
  if (env === undefined) return [];
  const entries = Array.isArray(env)
    ? (env as readonly (readonly [string, string])[]).map(([k, v]) => [k, v] as [string, string])
    : Object.entries(env as Record<string, string>);
  for (const [k, v] of entries) {
    if (typeof k !== "string" || typeof v !== "string" || k.includes("=") || k === "") {
      throw new TypeError(
        `Cannot grant environment variable ${JSON.stringify(k)}: names must be non-empty ` +
          `strings without "=", values strings`,
      );
    }
  }
  return entries;
}

function preopenList(options: WasiOptions): Preopen[] {
  const entries = Object.entries(options.preopens ?? {});
  if (entries.length === 0) return [];
  const fs = options.fs;
  if (fs === undefined) {
    throw new TypeError(
      "Cannot preopen directories without a file system backend: pass `fs` " +
        "(e.g. `denoFs()` from @weft/wasi/deno)",
    );
  }
  return entries.map(([guestPath, value]) => {
    const { path, readonly = false } = typeof value === "string" ? { path: value } : value;
    let hostPath: string;
    try {
      hostPath = fs.realPath(path);
    } catch (error) {
      throw new TypeError(`Cannot preopen "${path}" as "${guestPath}": it cannot be resolved`, {
        cause: error,
      });
    }
    if (fs.stat(hostPath).type !== "directory") {
      throw new TypeError(`Cannot preopen "${path}" as "${guestPath}": it is not a directory`);
    }
    return { guestPath, hostPath, writable: !readonly };
  });
}

/**
 * Creates a WASI 0.2 host: `imports` holds every WASI 0.2 interface this
 * package implements, keyed `wasi:<package>/<interface>@0.2.12` (the runtime
 * links a component importing any 0.2.x version). Nothing is granted unless
 * `options` says so: no arguments, environment, files or network; stdin is
 * empty and stdout/stderr are discarded.
 */
export function createWasi(options: WasiOptions = {}): Wasi {
  const clock = options.clock ?? systemClock;
  const preopens = preopenList(options);
  const fs = {
    backend: options.fs ?? noFs,
    secret: crypto.getRandomValues(new BigUint64Array(1))[0]!,
  };
  const stdio = stdioInterfaces(
    toSource(options.stdin),
    toSink(options.stdout),
    toSink(options.stderr),
  );
  const terminal = options.terminal ?? {};
  const allow = new AllowList(options.network?.allow ?? []);
  const sockets = { allow, backend: options.network?.sockets };
  const v = `@${WASI_VERSION}`;
  const imports: WasiImports = {
    [`wasi:io/error${v}`]: { Error: IoError },
    [`wasi:io/poll${v}`]: { Pollable, poll },
    [`wasi:io/streams${v}`]: { InputStream, OutputStream },
    [`wasi:clocks/monotonic-clock${v}`]: monotonicClock(clock),
    [`wasi:clocks/wall-clock${v}`]: wallClock(clock),
    [`wasi:random/random${v}`]: randomInterface(),
    [`wasi:random/insecure${v}`]: insecureInterface(),
    [`wasi:random/insecure-seed${v}`]: insecureSeedInterface(),
    [`wasi:cli/environment${v}`]: environmentInterface(
      options.args ?? [],
      envEntries(options.env),
      options.cwd,
    ),
    [`wasi:cli/exit${v}`]: exitInterface(),
    [`wasi:cli/stdin${v}`]: stdio.stdin,
    [`wasi:cli/stdout${v}`]: stdio.stdout,
    [`wasi:cli/stderr${v}`]: stdio.stderr,
    [`wasi:cli/terminal-input${v}`]: { TerminalInput },
    [`wasi:cli/terminal-output${v}`]: { TerminalOutput },
    [`wasi:cli/terminal-stdin${v}`]: {
      getTerminalStdin: () => terminal.stdin ? new TerminalInput() : undefined,
    },
    [`wasi:cli/terminal-stdout${v}`]: {
      getTerminalStdout: () => terminal.stdout ? new TerminalOutput() : undefined,
    },
    [`wasi:cli/terminal-stderr${v}`]: {
      getTerminalStderr: () => terminal.stderr ? new TerminalOutput() : undefined,
    },
    [`wasi:filesystem/types${v}`]: typesInterface(),
    [`wasi:filesystem/preopens${v}`]: preopensInterface(fs, preopens),
    [`wasi:http/types${v}`]: {
      Fields,
      IncomingRequest,
      OutgoingRequest,
      RequestOptions,
      ResponseOutparam,
      IncomingResponse,
      IncomingBody,
      FutureTrailers,
      OutgoingResponse,
      OutgoingBody,
      FutureIncomingResponse,
      httpErrorCode,
    },
    [`wasi:http/outgoing-handler${v}`]: outgoingHandlerInterface(
      options.fetch === undefined ? { allow } : { allow, fetch: options.fetch },
    ),
    [`wasi:sockets/network${v}`]: { Network },
    [`wasi:sockets/instance-network${v}`]: instanceNetworkInterface(sockets),
    [`wasi:sockets/ip-name-lookup${v}`]: ipNameLookupInterface(),
    [`wasi:sockets/tcp${v}`]: { TcpSocket },
    [`wasi:sockets/tcp-create-socket${v}`]: tcpCreateSocketInterface(sockets),
    [`wasi:sockets/udp${v}`]: { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
    [`wasi:sockets/udp-create-socket${v}`]: udpCreateSocketInterface(sockets),
  };
  return { imports };
}

/** The backend when no file system is granted: nothing can be reached. */
const noFs: FsBackend = new Proxy({} as FsBackend, {
  get: () => () => {
    throw new TypeError("Cannot use the file system: no backend was granted");
  },
});
