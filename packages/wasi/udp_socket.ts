// wasi:sockets/udp and udp-create-socket (sockets/wit/udp.wit,
// udp-create-socket.wit) over the `udp` of a SocketBackend (Deno's is
// `node:dgram`). Without one a granted guest gets `not-supported` and an
// ungranted one `access-denied`: the WIT's own answers, never a socket that
// pretends to work.
import {
  type DatagramSocket,
  fromSocketAddress,
  type HostAddr,
  type IpAddressFamily,
  type IpSocketAddress,
  type Network,
  networkContext,
  parseIp,
  type SocketContext,
  socketError,
  type SocketErrorCode,
  toSocketAddress,
  toSocketErrorCode,
} from "./network.ts";
import { Pollable } from "./pollable.ts";

/** `wasi:sockets/udp.incoming-datagram`. */
export interface IncomingDatagram {
  /** The payload. */
  data: Uint8Array;
  /** The sender. */
  remoteAddress: IpSocketAddress;
}

/** `wasi:sockets/udp.outgoing-datagram`. */
export interface OutgoingDatagram {
  /** The payload. */
  data: Uint8Array;
  /** The receiver (none: the connected peer). */
  remoteAddress: IpSocketAddress | undefined;
}

type State =
  | { kind: "unbound" }
  | { kind: "bind-started"; socket: DatagramSocket; result?: HostAddr | { error: unknown } }
  | { kind: "bound"; socket: DatagramSocket; local: HostAddr }
  | { kind: "closed" };

const INTERNAL: unique symbol = Symbol("internal");

// The largest payload one datagram can carry: 65535 minus the IP (IPv4
// only) and UDP headers.
const MAX_PAYLOAD: Record<IpAddressFamily, number> = { ipv4: 65507, ipv6: 65527 };
// Datagrams handed to the platform but not yet sent before `check-send` says 0.
const SEND_WINDOW = 64;
// Linux's usual defaults; the receive size also bounds the host's queue.
const DEFAULT_BUFFER_SIZE = 212_992n;
const DEFAULT_HOP_LIMIT = 64;

/** What a socket's streams reach it through; only the latest pair is current. */
interface Link {
  receive(maxResults: bigint): IncomingDatagram[];
  receiveReady(): boolean;
  checkSend(): bigint;
  send(datagrams: readonly OutgoingDatagram[]): bigint;
  sendReady(): boolean;
  wait(signal: AbortSignal): Promise<void>;
}

/** Wakes every pending wait when something about the socket changed. */
class Changes {
  readonly #waiters = new Set<() => void>();

  wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      if (signal.aborted) return resolve();
      this.#waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  wake(): void {
    for (const done of [...this.#waiters]) done();
  }
}

/** The `error-code` for a platform UDP error: Node-style codes first, then Deno's. */
function udpErrorCode(error: unknown): SocketErrorCode {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "EMSGSIZE":
      return "datagram-too-large";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EHOSTDOWN":
    case "ENETDOWN":
      return "remote-unreachable";
    case "ECONNREFUSED":
      return "connection-refused";
    case "EADDRINUSE":
      return "address-in-use";
    case "EADDRNOTAVAIL":
      return "address-not-bindable";
    case "EACCES":
    case "EPERM":
      return "access-denied";
  }
  return toSocketErrorCode(error);
}

function platformError(error: unknown): Error {
  return socketError(udpErrorCode(error), { cause: error });
}

function sameAddr(a: HostAddr, b: HostAddr): boolean {
  if (a.port !== b.port) return false;
  const x = parseIp(a.hostname);
  const y = parseIp(b.hostname);
  return x !== undefined && y !== undefined && x.tag === y.tag &&
    x.val.every((part, i) => part === y.val[i]);
}

/** Whether the allow-list admits `addr`; it spells IPv6 hosts as URLs do (`[::1]`). */
function allowed(context: SocketContext, addr: HostAddr): boolean {
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  return context.allow.allows(host, String(addr.port));
}

function isV4Mapped(hostname: string): boolean {
  const ip = parseIp(hostname);
  return ip?.tag === "ipv6" && ip.val.slice(0, 6).every((p, i) => p === (i === 5 ? 0xffff : 0));
}

/**
 * `wasi:sockets/udp.udp-socket`: the WIT's states (unbound, bind started,
 * bound, streaming to one peer or to any) over the platform's UDP.
 *
 * `create-udp-socket` allocates nothing; the platform socket is made and
 * bound by `start-bind` and released when the socket is dropped. `stream`
 * with a remote address connects in the host: the outgoing stream sends
 * there by default and the incoming one drops datagrams from anyone else.
 * Every remote address must pass the network allow-list, as for TCP.
 * Only the latest pair of streams works; older ones fail with
 * `invalid-state`. A failure the platform reports after `send` returned is
 * the error of the next `check-send`. The hop limit and buffer sizes are
 * stored (the receive size bounds how many bytes wait in the host's
 * queue), not passed to the platform.
 */
export class UdpSocket {
  readonly #context: SocketContext;
  readonly #family: IpAddressFamily;
  #state: State = { kind: "unbound" };
  #queue: { data: Uint8Array; from: HostAddr }[] = [];
  #queuedBytes = 0;
  #receiveError: unknown = undefined;
  #sendError: unknown = undefined;
  #inFlight = 0;
  #peer: HostAddr | undefined;
  #generation = 0;
  readonly #changes = new Changes();
  #hopLimit = DEFAULT_HOP_LIMIT;
  #receiveBufferSize = DEFAULT_BUFFER_SIZE;
  #sendBufferSize = DEFAULT_BUFFER_SIZE;

  /** Made by the host only (`create-udp-socket`). */
  constructor(context: SocketContext, family: IpAddressFamily, token: symbol) {
    if (token !== INTERNAL) throw new TypeError("Cannot construct a udp-socket: host only");
    this.#context = context;
    this.#family = family;
  }

  /** `start-bind`: checks the address and the allow-list, then starts binding. */
  startBind(network: Network, localAddress: IpSocketAddress): void {
    const context = networkContext(network);
    if (this.#state.kind === "bind-started") throw socketError("concurrency-conflict");
    if (this.#state.kind !== "unbound") throw socketError("invalid-state");
    const addr = fromSocketAddress(localAddress);
    if (addr.family !== this.#family || isV4Mapped(addr.hostname)) {
      throw socketError("invalid-argument");
    }
    if (!allowed(context, addr)) throw socketError("access-denied");
    const udp = context.backend?.udp;
    if (udp === undefined) throw socketError("not-supported");
    let socket: DatagramSocket;
    try {
      socket = udp(this.#family, {
        message: (data, from) => this.#arrived(socket, data, from),
        error: (error) => {
          if (this.#state.kind === "closed") return;
          this.#receiveError = error;
          this.#changes.wake();
        },
      });
    } catch (error) {
      throw platformError(error);
    }
    const state: State & { kind: "bind-started" } = { kind: "bind-started", socket };
    this.#state = state;
    socket.bind({ hostname: addr.hostname, port: addr.port }).then(
      (local) => void (state.result = local),
      (error: unknown) => void (state.result = { error }),
    ).finally(() => this.#changes.wake());
  }

  /** `finish-bind`: `would-block` until the platform has bound the socket. */
  finishBind(): void {
    const state = this.#state;
    if (state.kind !== "bind-started") throw socketError("not-in-progress");
    if (state.result === undefined) throw socketError("would-block");
    if ("error" in state.result) {
      state.socket.close();
      this.#state = { kind: "unbound" };
      throw platformError(state.result.error);
    }
    this.#state = { kind: "bound", socket: state.socket, local: state.result };
  }

  /**
   * `stream`: the datagram streams, to and from `remoteAddress` only when
   * given (it must pass the allow-list), else to and from anyone. Ends the
   * previous pair.
   */
  stream(
    remoteAddress: IpSocketAddress | undefined,
  ): [IncomingDatagramStream, OutgoingDatagramStream] {
    if (this.#state.kind !== "bound") throw socketError("invalid-state");
    const peer = remoteAddress === undefined ? undefined : this.#target(remoteAddress);
    this.#peer = peer;
    const generation = ++this.#generation;
    if (peer !== undefined) {
      this.#queue = this.#queue.filter((d) => sameAddr(d.from, peer));
      this.#queuedBytes = this.#queue.reduce((n, d) => n + d.data.byteLength, 0);
    }
    // Waits on the previous streams end: those now fail at once.
    this.#changes.wake();
    const current = () => this.#state.kind === "bound" && this.#generation === generation;
    const link: Link = {
      receive: (max) => {
        if (!current()) throw socketError("invalid-state");
        return this.#receive(max);
      },
      receiveReady: () => !current() || this.#queue.length > 0 || this.#receiveError !== undefined,
      checkSend: () => {
        if (!current()) throw socketError("invalid-state");
        if (this.#sendError !== undefined) {
          const error = this.#sendError;
          this.#sendError = undefined;
          throw platformError(error);
        }
        return BigInt(Math.max(0, SEND_WINDOW - this.#inFlight));
      },
      send: (datagrams) => {
        if (!current()) throw socketError("invalid-state");
        return this.#send(datagrams);
      },
      sendReady: () => !current() || this.#sendError !== undefined || this.#inFlight < SEND_WINDOW,
      wait: (signal) => this.#changes.wait(signal),
    };
    return [
      new IncomingDatagramStream(INTERNAL, link),
      new OutgoingDatagramStream(INTERNAL, link),
    ];
  }

  /** `local-address`: where the socket is bound; `invalid-state` before that. */
  localAddress(): IpSocketAddress {
    if (this.#state.kind !== "bound") throw socketError("invalid-state");
    return toSocketAddress(this.#state.local);
  }

  /** `remote-address`: the peer of the last `stream`; `invalid-state` when there is none. */
  remoteAddress(): IpSocketAddress {
    if (this.#state.kind !== "bound" || this.#peer === undefined) {
      throw socketError("invalid-state");
    }
    return toSocketAddress(this.#peer);
  }

  /** `address-family`. */
  addressFamily(): IpAddressFamily {
    return this.#family;
  }

  /** `unicast-hop-limit`. */
  unicastHopLimit(): number {
    return this.#hopLimit;
  }

  /** `set-unicast-hop-limit`: `invalid-argument` for 0. */
  setUnicastHopLimit(value: number): void {
    if (!Number.isInteger(value) || value < 1 || value > 255) {
      throw socketError("invalid-argument");
    }
    this.#hopLimit = value;
  }

  /** `receive-buffer-size`. */
  receiveBufferSize(): bigint {
    return this.#receiveBufferSize;
  }

  /** `set-receive-buffer-size`: `invalid-argument` for 0. */
  setReceiveBufferSize(value: bigint): void {
    this.#receiveBufferSize = checkBufferSize(value);
  }

  /** `send-buffer-size`. */
  sendBufferSize(): bigint {
    return this.#sendBufferSize;
  }

  /** `set-send-buffer-size`: `invalid-argument` for 0. */
  setSendBufferSize(value: bigint): void {
    this.#sendBufferSize = checkBufferSize(value);
  }

  /** `subscribe`: ready when `finish-bind` would not say `would-block`. */
  subscribe(): Pollable {
    return new Pollable({
      ready: () => this.#state.kind !== "bind-started" || this.#state.result !== undefined,
      wait: (signal) => this.#changes.wait(signal),
    });
  }

  /** Dropping the socket closes the platform socket; its streams fail from then on. */
  [Symbol.dispose](): void {
    const s = this.#state;
    this.#state = { kind: "closed" };
    this.#queue = [];
    this.#queuedBytes = 0;
    if (s.kind === "bind-started" || s.kind === "bound") s.socket.close();
    this.#changes.wake();
  }

  /** A datagram from the platform: queued unless filtered out or the queue is full. */
  #arrived(socket: DatagramSocket, data: Uint8Array, from: HostAddr): void {
    const s = this.#state;
    if (s.kind !== "bound" || s.socket !== socket) return;
    if (this.#peer !== undefined && !sameAddr(from, this.#peer)) return;
    // A full receive buffer drops the datagram, as the kernel's would.
    const room = Number(this.#receiveBufferSize) - this.#queuedBytes;
    if (this.#queue.length > 0 && data.byteLength > room) return;
    this.#queue.push({ data, from });
    this.#queuedBytes += data.byteLength;
    this.#changes.wake();
  }

  #receive(maxResults: bigint): IncomingDatagram[] {
    if (this.#queue.length === 0 && this.#receiveError !== undefined) {
      const error = this.#receiveError;
      this.#receiveError = undefined;
      throw platformError(error);
    }
    const count = maxResults < BigInt(this.#queue.length) ? Number(maxResults) : this.#queue.length;
    return this.#queue.splice(0, count).map(({ data, from }) => {
      this.#queuedBytes -= data.byteLength;
      return { data, remoteAddress: toSocketAddress(from) };
    });
  }

  /** Sends in order until the first failure, which is an error only for the first datagram. */
  #send(datagrams: readonly OutgoingDatagram[]): bigint {
    const state = this.#state;
    if (state.kind !== "bound") throw socketError("invalid-state");
    for (let i = 0; i < datagrams.length; i++) {
      try {
        this.#sendOne(state.socket, datagrams[i]!);
      } catch (error) {
        if (i === 0) throw error;
        return BigInt(i);
      }
    }
    return BigInt(datagrams.length);
  }

  #sendOne(socket: DatagramSocket, datagram: OutgoingDatagram): void {
    const data: unknown = datagram?.data;
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(
        "Cannot send a datagram: expected `data` to be a Uint8Array, received " +
          (data === null ? "null" : typeof data),
      );
    }
    let target: HostAddr;
    if (datagram.remoteAddress === undefined) {
      // udp.wit § outgoing-datagram: required unless the stream has a peer.
      if (this.#peer === undefined) throw socketError("invalid-argument");
      target = this.#peer;
    } else {
      target = this.#target(datagram.remoteAddress);
      if (this.#peer !== undefined && !sameAddr(target, this.#peer)) {
        throw socketError("invalid-argument");
      }
    }
    if (data.byteLength > MAX_PAYLOAD[this.#family]) throw socketError("datagram-too-large");
    let sent: Promise<void>;
    try {
      // A copy: the caller may reuse its buffer before the platform sends.
      sent = socket.send(data.slice(), target);
    } catch (error) {
      throw platformError(error);
    }
    this.#inFlight++;
    sent.then(
      () => {},
      (error: unknown) => {
        if (this.#state.kind === "bound") this.#sendError ??= error;
      },
    ).finally(() => {
      this.#inFlight--;
      this.#changes.wake();
    });
  }

  /** A remote address the guest may use: well-formed, this family, allowed. */
  #target(address: IpSocketAddress): HostAddr {
    const addr = fromSocketAddress(address);
    // udp.wit § stream and § send: wrong family, the unspecified address or port 0.
    if (
      addr.family !== this.#family || addr.port === 0 ||
      addr.hostname === "0.0.0.0" || addr.hostname === "::" || isV4Mapped(addr.hostname)
    ) {
      throw socketError("invalid-argument");
    }
    if (!allowed(this.#context, addr)) throw socketError("access-denied");
    return { hostname: addr.hostname, port: addr.port };
  }
}

function checkBufferSize(value: bigint): bigint {
  if (typeof value !== "bigint" || value <= 0n) throw socketError("invalid-argument");
  return value;
}

function linkOf(token: symbol, link: unknown, what: string): Link {
  if (token !== INTERNAL) throw new TypeError(`Cannot construct a ${what}: host only`);
  return link as Link;
}

/** `wasi:sockets/udp.incoming-datagram-stream`: what arrived, never blocking. */
export class IncomingDatagramStream {
  readonly #link: Link;

  /** Made by the host only (`stream`). */
  constructor(token: symbol, link: unknown) {
    this.#link = linkOf(token, link, "incoming-datagram-stream");
  }

  /** `receive`: up to `maxResults` queued datagrams; an empty list when none is. */
  receive(maxResults: bigint): IncomingDatagram[] {
    return this.#link.receive(maxResults);
  }

  /** `subscribe`: ready when a datagram (or an error) is waiting. */
  subscribe(): Pollable {
    const link = this.#link;
    return new Pollable({ ready: () => link.receiveReady(), wait: (s) => link.wait(s) });
  }
}

/** `wasi:sockets/udp.outgoing-datagram-stream`: sends within `check-send`'s permit. */
export class OutgoingDatagramStream {
  readonly #link: Link;
  #permit = 0n;

  /** Made by the host only (`stream`). */
  constructor(token: symbol, link: unknown) {
    this.#link = linkOf(token, link, "outgoing-datagram-stream");
  }

  /** `check-send`: how many datagrams the next `send` may take (0 while the platform is busy). */
  checkSend(): bigint {
    this.#permit = this.#link.checkSend();
    return this.#permit;
  }

  /**
   * `send`: the datagrams in order, within the permit of the last
   * `check-send`; more than it permitted traps (a `RangeError`). Returns how
   * many were sent.
   */
  send(datagrams: readonly OutgoingDatagram[]): bigint {
    if (datagrams.length === 0) return 0n;
    // udp.wit § send: more datagrams than check-send permitted traps.
    if (BigInt(datagrams.length) > this.#permit) {
      throw new RangeError(
        `Cannot send ${datagrams.length} datagrams on an outgoing-datagram-stream: ` +
          `check-send permitted ${this.#permit}`,
      );
    }
    this.#permit = 0n;
    return this.#link.send(datagrams);
  }

  /** `subscribe`: ready when `check-send` would permit at least one datagram (or fail). */
  subscribe(): Pollable {
    const link = this.#link;
    return new Pollable({ ready: () => link.sendReady(), wait: (s) => link.wait(s) });
  }
}

/** `wasi:sockets/udp-create-socket` over `context`. */
export function udpCreateSocketInterface(context: SocketContext): {
  createUdpSocket(addressFamily: IpAddressFamily): UdpSocket;
} {
  return {
    createUdpSocket(addressFamily) {
      if (addressFamily !== "ipv4" && addressFamily !== "ipv6") {
        throw new TypeError(
          `Cannot create a udp-socket: received address family ${JSON.stringify(addressFamily)}`,
        );
      }
      if (!context.allow.granted) throw socketError("access-denied");
      if (context.backend?.udp === undefined) throw socketError("not-supported");
      return new UdpSocket(context, addressFamily, INTERNAL);
    },
  };
}
