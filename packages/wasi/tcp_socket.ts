// wasi:sockets/tcp and tcp-create-socket (sockets/wit/tcp.wit,
// tcp-create-socket.wit) over a SocketBackend.
import { ReadableSource, WritableSink } from "./byte_source.ts";
import { InputStream } from "./input_stream.ts";
import {
  fromSocketAddress,
  type IpAddressFamily,
  type IpSocketAddress,
  type Network,
  networkContext,
  type SocketConn,
  type SocketContext,
  socketError,
  type SocketListener,
  toSocketAddress,
  toSocketErrorCode,
} from "./network.ts";
import { OutputStream } from "./output_stream.ts";
import { Pollable } from "./pollable.ts";

type State =
  | { kind: "unbound" }
  | { kind: "bind-started"; addr: { hostname: string; port: number } }
  | { kind: "bound"; listener: SocketListener }
  | { kind: "listen-started"; listener: SocketListener }
  | { kind: "listening"; listener: SocketListener }
  | { kind: "connecting"; pending: Promise<void>; result?: SocketConn | { error: unknown } }
  | { kind: "connected"; conn: SocketConn }
  | { kind: "closed" };

const INTERNAL: unique symbol = Symbol("internal");

/** `wasi:sockets/tcp.shutdown-type`. */
export type ShutdownType = "receive" | "send" | "both";

function streamsOf(conn: SocketConn): [InputStream, OutputStream] {
  return [
    new InputStream(new ReadableSource(conn.readable)),
    new OutputStream(new WritableSink(conn.writable)),
  ];
}

function isUnspecified(hostname: string): boolean {
  return hostname === "0.0.0.0" || hostname === "::";
}

/**
 * `wasi:sockets/tcp.tcp-socket`: the WIT's state machine (bind, connect,
 * listen, accept, each as start/finish) over the platform's TCP.
 *
 * Faithful where the platform is: binding happens at `finish-bind` (the
 * platform binds and listens at once, so a bound socket queues connections
 * until `listen`); connecting from a bound socket, `receive` shutdown and the
 * buffer, hop-limit and keep-alive tuning options fail with `not-supported`.
 */
export class TcpSocket {
  readonly #context: SocketContext;
  readonly #family: IpAddressFamily;
  #state: State = { kind: "unbound" };
  #accepted: SocketConn[] = [];
  #acceptError: unknown = undefined;
  #accepting: Promise<void> | undefined;
  #keepAlive = false;

  /** Made by the host only (`create-tcp-socket`, `accept`). */
  constructor(context: SocketContext, family: IpAddressFamily, token: symbol) {
    if (token !== INTERNAL) throw new TypeError("Cannot construct a tcp-socket: host only");
    this.#context = context;
    this.#family = family;
  }

  /** `start-bind`. */
  startBind(network: Network, localAddress: IpSocketAddress): void {
    const context = networkContext(network);
    if (this.#state.kind !== "unbound") throw socketError("invalid-state");
    const addr = fromSocketAddress(localAddress);
    if (addr.family !== this.#family) throw socketError("invalid-argument");
    if (!context.allow.allows(addr.hostname, String(addr.port))) {
      throw socketError("access-denied");
    }
    this.#state = { kind: "bind-started", addr };
  }

  /** `finish-bind`. */
  finishBind(): void {
    if (this.#state.kind !== "bind-started") throw socketError("not-in-progress");
    const backend = this.#context.backend;
    if (backend === undefined) throw socketError("not-supported");
    try {
      this.#state = { kind: "bound", listener: backend.listen(this.#state.addr) };
    } catch (error) {
      this.#state = { kind: "unbound" };
      throw socketError(toSocketErrorCode(error), { cause: error });
    }
  }

  /** `start-connect`. */
  startConnect(network: Network, remoteAddress: IpSocketAddress): void {
    const context = networkContext(network);
    const addr = fromSocketAddress(remoteAddress);
    if (addr.family !== this.#family || addr.port === 0 || isUnspecified(addr.hostname)) {
      throw socketError("invalid-argument");
    }
    if (this.#state.kind === "bound") throw socketError("not-supported");
    if (this.#state.kind !== "unbound") throw socketError("invalid-state");
    if (!context.allow.allows(addr.hostname, String(addr.port))) {
      throw socketError("access-denied");
    }
    const backend = context.backend;
    if (backend === undefined) throw socketError("not-supported");
    const state: State & { kind: "connecting" } = {
      kind: "connecting",
      pending: backend.connect(addr).then(
        (conn) => void (state.result = conn),
        (error: unknown) => void (state.result = { error }),
      ),
    };
    this.#state = state;
  }

  /** `finish-connect`: the streams once connected; `would-block` until then. */
  finishConnect(): [InputStream, OutputStream] {
    const state = this.#state;
    if (state.kind !== "connecting") throw socketError("not-in-progress");
    if (state.result === undefined) throw socketError("would-block");
    if ("error" in state.result) {
      this.#state = { kind: "closed" };
      const error = state.result.error;
      throw socketError(toSocketErrorCode(error), { cause: error });
    }
    this.#state = { kind: "connected", conn: state.result };
    return streamsOf(state.result);
  }

  /** `start-listen`. */
  startListen(): void {
    if (this.#state.kind !== "bound") throw socketError("invalid-state");
    this.#state = { kind: "listen-started", listener: this.#state.listener };
  }

  /** `finish-listen`. */
  finishListen(): void {
    if (this.#state.kind !== "listen-started") throw socketError("not-in-progress");
    this.#state = { kind: "listening", listener: this.#state.listener };
    this.#acceptMore();
  }

  /** `accept`: a connection that arrived; `would-block` when none has. */
  accept(): [TcpSocket, InputStream, OutputStream] {
    if (this.#state.kind !== "listening") throw socketError("invalid-state");
    const conn = this.#accepted.shift();
    if (conn === undefined) {
      if (this.#acceptError !== undefined) {
        const error = this.#acceptError;
        this.#acceptError = undefined;
        this.#acceptMore();
        throw socketError(toSocketErrorCode(error), { cause: error });
      }
      throw socketError("would-block");
    }
    this.#acceptMore();
    const socket = new TcpSocket(this.#context, this.#family, INTERNAL);
    socket.#state = { kind: "connected", conn };
    return [socket, ...streamsOf(conn)];
  }

  /** `local-address`. */
  localAddress(): IpSocketAddress {
    const s = this.#state;
    if (s.kind === "bound" || s.kind === "listen-started" || s.kind === "listening") {
      return toSocketAddress(s.listener.addr);
    }
    if (s.kind === "connected") return toSocketAddress(s.conn.localAddr);
    throw socketError("invalid-state");
  }

  /** `remote-address`. */
  remoteAddress(): IpSocketAddress {
    if (this.#state.kind !== "connected") throw socketError("invalid-state");
    return toSocketAddress(this.#state.conn.remoteAddr);
  }

  /** `is-listening`. */
  isListening(): boolean {
    return this.#state.kind === "listening";
  }

  /** `address-family`. */
  addressFamily(): IpAddressFamily {
    return this.#family;
  }

  /** `set-listen-backlog-size`: the platform picks the backlog. */
  setListenBacklogSize(value: bigint): void {
    if (value === 0n) throw socketError("invalid-argument");
    throw socketError("not-supported");
  }

  /** `keep-alive-enabled`. */
  keepAliveEnabled(): boolean {
    return this.#keepAlive;
  }

  /** `set-keep-alive-enabled`: only on a connection whose platform can set it. */
  setKeepAliveEnabled(value: boolean): void {
    const conn = this.#state.kind === "connected" ? this.#state.conn : undefined;
    if (conn?.setKeepAlive === undefined) throw socketError("not-supported");
    conn.setKeepAlive(value);
    this.#keepAlive = value;
  }

  /** `keep-alive-idle-time`: not supported by the platform. */
  keepAliveIdleTime(): bigint {
    throw socketError("not-supported");
  }
  /** `set-keep-alive-idle-time`: not supported by the platform. */
  setKeepAliveIdleTime(_value: bigint): void {
    throw socketError("not-supported");
  }
  /** `keep-alive-interval`: not supported by the platform. */
  keepAliveInterval(): bigint {
    throw socketError("not-supported");
  }
  /** `set-keep-alive-interval`: not supported by the platform. */
  setKeepAliveInterval(_value: bigint): void {
    throw socketError("not-supported");
  }
  /** `keep-alive-count`: not supported by the platform. */
  keepAliveCount(): number {
    throw socketError("not-supported");
  }
  /** `set-keep-alive-count`: not supported by the platform. */
  setKeepAliveCount(_value: number): void {
    throw socketError("not-supported");
  }
  /** `hop-limit`: not supported by the platform. */
  hopLimit(): number {
    throw socketError("not-supported");
  }
  /** `set-hop-limit`: not supported by the platform. */
  setHopLimit(_value: number): void {
    throw socketError("not-supported");
  }
  /** `receive-buffer-size`: not supported by the platform. */
  receiveBufferSize(): bigint {
    throw socketError("not-supported");
  }
  /** `set-receive-buffer-size`: not supported by the platform. */
  setReceiveBufferSize(_value: bigint): void {
    throw socketError("not-supported");
  }
  /** `send-buffer-size`: not supported by the platform. */
  sendBufferSize(): bigint {
    throw socketError("not-supported");
  }
  /** `set-send-buffer-size`: not supported by the platform. */
  setSendBufferSize(_value: bigint): void {
    throw socketError("not-supported");
  }

  /** `subscribe`: ready when a `finish-*` or `accept` would not say `would-block`. */
  subscribe(): Pollable {
    return new Pollable({
      ready: () => this.#ready(),
      wait: (signal) => {
        const s = this.#state;
        const pending = s.kind === "connecting"
          ? s.pending
          : s.kind === "listening"
          ? this.#accepting
          : undefined;
        if (pending === undefined) return Promise.resolve();
        return new Promise<void>((resolve) => {
          signal.addEventListener("abort", () => resolve(), { once: true });
          pending.then(() => resolve(), () => resolve());
        });
      },
    });
  }

  /** `shutdown`: `send` half-closes, `both` closes; `receive` alone is not supported. */
  shutdown(shutdownType: ShutdownType): void {
    if (this.#state.kind !== "connected") throw socketError("invalid-state");
    const conn = this.#state.conn;
    if (shutdownType === "send") void conn.closeWrite().catch(() => {});
    else if (shutdownType === "both") {
      conn.close();
      this.#state = { kind: "closed" };
    } else throw socketError("not-supported");
  }

  /** Dropping the socket closes it (its streams end with it). */
  [Symbol.dispose](): void {
    const s = this.#state;
    this.#state = { kind: "closed" };
    try {
      if ("listener" in s) s.listener.close();
      if (s.kind === "connected") s.conn.close();
      if (s.kind === "connecting") {
        void s.pending.then(() => {
          if (s.result !== undefined && !("error" in s.result)) s.result.close();
        });
      }
    } catch {
      // Already closed by the peer or a stream: nothing left to release.
    }
    for (const c of this.#accepted.splice(0)) c.close();
  }

  #ready(): boolean {
    const s = this.#state;
    if (s.kind === "connecting") return s.result !== undefined;
    if (s.kind === "listening") return this.#accepted.length > 0 || this.#acceptError !== undefined;
    return true;
  }

  /** Keeps one `accept` in flight so `subscribe` can wait for the next connection. */
  #acceptMore(): void {
    const s = this.#state;
    if (s.kind !== "listening" || this.#accepting !== undefined) return;
    if (this.#accepted.length > 0 || this.#acceptError !== undefined) return;
    this.#accepting = s.listener.accept().then(
      (conn) => {
        this.#accepting = undefined;
        if (this.#state.kind === "listening") this.#accepted.push(conn);
        else conn.close();
      },
      (error: unknown) => {
        this.#accepting = undefined;
        if (this.#state.kind === "listening") this.#acceptError = error;
      },
    );
  }
}

/** `wasi:sockets/tcp-create-socket` over `context`. */
export function tcpCreateSocketInterface(context: SocketContext): {
  createTcpSocket(addressFamily: IpAddressFamily): TcpSocket;
} {
  return {
    createTcpSocket(addressFamily) {
      if (addressFamily !== "ipv4" && addressFamily !== "ipv6") {
        throw new TypeError(
          `Cannot create a tcp-socket: received address family ${JSON.stringify(addressFamily)}`,
        );
      }
      if (!context.allow.granted) throw socketError("access-denied");
      if (context.backend === undefined) throw socketError("not-supported");
      return new TcpSocket(context, addressFamily, INTERNAL);
    },
  };
}
