// wasi:sockets/network and instance-network (sockets/wit/network.wit,
// instance-network.wit): the capability, addresses, error codes and the
// backend sockets are made with.
import { WasiError } from "./errors.ts";
import type { AllowList } from "./allow_list.ts";

/** `wasi:sockets/network.error-code`: an enum, so a string in the JS value mapping. */
export type SocketErrorCode =
  | "unknown"
  | "access-denied"
  | "not-supported"
  | "invalid-argument"
  | "out-of-memory"
  | "timeout"
  | "concurrency-conflict"
  | "not-in-progress"
  | "would-block"
  | "invalid-state"
  | "new-socket-limit"
  | "address-not-bindable"
  | "address-in-use"
  | "remote-unreachable"
  | "connection-refused"
  | "connection-reset"
  | "connection-aborted"
  | "datagram-too-large"
  | "name-unresolvable"
  | "temporary-resolver-failure"
  | "permanent-resolver-failure";

/** `wasi:sockets/network.ip-address-family`. */
export type IpAddressFamily = "ipv4" | "ipv6";

/** `wasi:sockets/network.ip-address`. */
export type IpAddress =
  | { tag: "ipv4"; val: [number, number, number, number] }
  | { tag: "ipv6"; val: [number, number, number, number, number, number, number, number] };

/** `wasi:sockets/network.ip-socket-address`. */
export type IpSocketAddress =
  | { tag: "ipv4"; val: { port: number; address: [number, number, number, number] } }
  | {
    tag: "ipv6";
    val: {
      port: number;
      flowInfo: number;
      address: [number, number, number, number, number, number, number, number];
      scopeId: number;
    };
  };

/** A socket error: `err(code)` of a sockets function. */
export function socketError(code: SocketErrorCode, options?: ErrorOptions): WasiError {
  return new WasiError(code, options);
}

/** A host address as the backend sees it. */
export interface HostAddr {
  /** An IP address in text form (`"127.0.0.1"`, `"::1"`). */
  hostname: string;
  /** The port. */
  port: number;
}

/** A connected TCP stream from a {@linkcode SocketBackend} (a `Deno.Conn` fits). */
export interface SocketConn {
  /** Bytes received. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to send. */
  readonly writable: WritableStream<Uint8Array>;
  /** The local end. */
  readonly localAddr: unknown;
  /** The remote end. */
  readonly remoteAddr: unknown;
  /** Shuts down the sending side. */
  closeWrite(): Promise<void>;
  /** Closes the connection. */
  close(): void;
  /** Turns keep-alive on or off, where supported. */
  setKeepAlive?(keepAlive?: boolean): void;
}

/** A listening TCP socket from a {@linkcode SocketBackend} (a `Deno.Listener` fits). */
export interface SocketListener {
  /** The bound address. */
  readonly addr: unknown;
  /** The next incoming connection. */
  accept(): Promise<SocketConn>;
  /** Stops listening. */
  close(): void;
}

/** Where a {@linkcode DatagramSocket} delivers what arrives. */
export interface DatagramHandlers {
  /** A datagram from `from` arrived. */
  message(data: Uint8Array, from: HostAddr): void;
  /** The platform reported an error after binding (e.g. an ICMP refusal). */
  error?(error: unknown): void;
}

/**
 * A UDP socket from {@linkcode SocketBackend.udp}. Errors are the platform's;
 * a Node-style `code` (`"EADDRINUSE"`, `"EMSGSIZE"`) is understood.
 */
export interface DatagramSocket {
  /** Binds to `addr` (port 0: any free port); resolves with the bound address. */
  bind(addr: HostAddr): Promise<HostAddr>;
  /** Sends one datagram to `addr`; resolves once handed to the platform. */
  send(data: Uint8Array, addr: HostAddr): Promise<void>;
  /** Closes the socket; nothing is delivered afterwards. */
  close(): void;
}

/**
 * What `wasi:sockets` runs on: the platform's TCP, UDP and name resolution
 * (for Deno: `denoSockets()` from `@weft/wasi/deno`). Web standards have no
 * sockets, so without one every socket operation fails with `not-supported`.
 */
export interface SocketBackend {
  /** Connects to `addr`; rejects with the platform's error. */
  connect(addr: HostAddr): Promise<SocketConn>;
  /** Binds and listens on `addr` (port 0: any free port); throws the platform's error. */
  listen(addr: HostAddr): SocketListener;
  /** The IP addresses of `name`, in text form. */
  resolve?(name: string): Promise<string[]>;
  /**
   * A new, unbound UDP socket of `family` delivering to `handlers`; without
   * it `wasi:sockets/udp` answers `not-supported`.
   */
  udp?(family: IpAddressFamily, handlers: DatagramHandlers): DatagramSocket;
}

/** What every socket of one WASI host shares. */
export interface SocketContext {
  /** The hosts the guest may reach or bind. */
  allow: AllowList;
  /** The platform, if granted. */
  backend: SocketBackend | undefined;
}

let contextOf: (network: Network) => SocketContext;

/** `wasi:sockets/network.network`: the capability to use the network. */
export class Network {
  readonly #context: SocketContext;

  static {
    contextOf = (network) => network.#context;
  }

  /** Made by the host only (`instance-network`). */
  constructor(context: SocketContext) {
    if (typeof context !== "object" || context === null || !("allow" in context)) {
      throw new TypeError("Cannot construct a network: host only");
    }
    this.#context = context;
  }
}

/** The context of `network`; a `TypeError` for something else. */
export function networkContext(network: Network): SocketContext {
  if (!(network instanceof Network)) {
    throw new TypeError("Cannot use the network: expected a network resource");
  }
  return contextOf(network);
}

/** `wasi:sockets/instance-network` over `context`. */
export function instanceNetworkInterface(context: SocketContext): {
  instanceNetwork(): Network;
} {
  return { instanceNetwork: () => new Network(context) };
}

/** Text form of an `ip-address` (`"127.0.0.1"`, `"::1"`). */
export function ipText(address: IpAddress): string {
  if (address.tag === "ipv4") return address.val.join(".");
  return new URL(`http://[${address.val.map((n) => n.toString(16)).join(":")}]`).hostname
    .slice(1, -1);
}

/** The `ip-address` of an IP literal, or `undefined` when `text` is not one. */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { tag: "ipv4", val: parts as [number, number, number, number] };
  }
  if (!text.includes(":")) return undefined;
  let host: string;
  try {
    host = new URL(`http://[${text.replace(/^\[|\]$/g, "")}]`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  // The URL parser gives the compressed form; expand it to 8 groups.
  const [head, tail] = host.includes("::") ? host.split("::") as [string, string] : [host, ""];
  const h = head === "" ? [] : head.split(":");
  const t = tail === "" ? [] : tail.split(":");
  const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t].map((g) =>
    parseInt(g, 16)
  );
  return {
    tag: "ipv6",
    val: groups as [number, number, number, number, number, number, number, number],
  };
}

/** The `ip-socket-address` of a backend address. */
export function toSocketAddress(addr: unknown): IpSocketAddress {
  const { hostname, port } = addr as HostAddr;
  const ip = parseIp(hostname);
  if (ip === undefined) {
    throw new TypeError(`Cannot read a socket address: received ${JSON.stringify(addr)}`);
  }
  if (ip.tag === "ipv4") return { tag: "ipv4", val: { port, address: ip.val } };
  return { tag: "ipv6", val: { port, flowInfo: 0, address: ip.val, scopeId: 0 } };
}

function isU16(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff;
}

/** The backend address of an `ip-socket-address`; `invalid-argument` when malformed. */
export function fromSocketAddress(
  address: IpSocketAddress,
): HostAddr & { family: IpAddressFamily } {
  const tag = address?.tag;
  const val = address?.val as { port?: unknown; address?: unknown } | undefined;
  const parts = val?.address;
  const ok = (tag === "ipv4" || tag === "ipv6") && isU16(val?.port) && Array.isArray(parts) &&
    parts.length === (tag === "ipv4" ? 4 : 8) &&
    parts.every((p) => tag === "ipv4" ? Number.isInteger(p) && p >= 0 && p <= 255 : isU16(p));
  if (!ok) throw socketError("invalid-argument");
  return {
    family: tag,
    hostname: ipText({ tag, val: parts } as IpAddress),
    port: val!.port as number,
  };
}

/** The `error-code` for a platform socket error (Deno's error classes and OS messages). */
export function toSocketErrorCode(error: unknown): SocketErrorCode {
  const name = error instanceof Error ? error.name : "";
  const message = error instanceof Error ? error.message : String(error);
  if (name === "ConnectionRefused" || /connection refused/i.test(message)) {
    return "connection-refused";
  }
  if (name === "ConnectionReset" || /connection reset/i.test(message)) return "connection-reset";
  if (name === "ConnectionAborted") return "connection-aborted";
  if (name === "AddrInUse" || /address already in use/i.test(message)) return "address-in-use";
  if (name === "AddrNotAvailable" || /cannot assign requested/i.test(message)) {
    return "address-not-bindable";
  }
  if (name === "PermissionDenied" || name === "NotCapable") return "access-denied";
  if (name === "TimedOut" || /timed out/i.test(message)) return "timeout";
  if (/unreachable/i.test(message)) return "remote-unreachable";
  return "unknown";
}
