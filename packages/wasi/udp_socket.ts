// wasi:sockets/udp and udp-create-socket (sockets/wit/udp.wit,
// udp-create-socket.wit). Web standards and stable Deno have no UDP, so a
// granted guest gets `not-supported` and an ungranted one `access-denied`:
// the WIT's own answers, never a socket that pretends to work.
import type { IpAddressFamily, IpSocketAddress, Network, SocketContext } from "./network.ts";
import { socketError } from "./network.ts";
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

function hostOnly(what: string): never {
  throw new TypeError(`Cannot construct a ${what}: host only`);
}

function unsupported(): never {
  throw socketError("not-supported");
}

/**
 * `wasi:sockets/udp.udp-socket`. `create-udp-socket` never makes one on
 * this host (see the module comment), so every method answers
 * `not-supported`.
 */
export class UdpSocket {
  /** Never made on this host. */
  constructor() {
    hostOnly("udp-socket");
  }
  /** `start-bind`. */
  startBind(_network: Network, _localAddress: IpSocketAddress): void {
    unsupported();
  }
  /** `finish-bind`. */
  finishBind(): void {
    unsupported();
  }
  /** `stream`. */
  stream(
    _remoteAddress: IpSocketAddress | undefined,
  ): [IncomingDatagramStream, OutgoingDatagramStream] {
    unsupported();
  }
  /** `local-address`. */
  localAddress(): IpSocketAddress {
    unsupported();
  }
  /** `remote-address`. */
  remoteAddress(): IpSocketAddress {
    unsupported();
  }
  /** `address-family`. */
  addressFamily(): IpAddressFamily {
    unsupported();
  }
  /** `unicast-hop-limit`. */
  unicastHopLimit(): number {
    unsupported();
  }
  /** `set-unicast-hop-limit`. */
  setUnicastHopLimit(_value: number): void {
    unsupported();
  }
  /** `receive-buffer-size`. */
  receiveBufferSize(): bigint {
    unsupported();
  }
  /** `set-receive-buffer-size`. */
  setReceiveBufferSize(_value: bigint): void {
    unsupported();
  }
  /** `send-buffer-size`. */
  sendBufferSize(): bigint {
    unsupported();
  }
  /** `set-send-buffer-size`. */
  setSendBufferSize(_value: bigint): void {
    unsupported();
  }
  /** `subscribe`. */
  subscribe(): Pollable {
    return new Pollable();
  }
}

/** `wasi:sockets/udp.incoming-datagram-stream` (never made on this host). */
export class IncomingDatagramStream {
  /** Never made on this host. */
  constructor() {
    hostOnly("incoming-datagram-stream");
  }
  /** `receive`. */
  receive(_maxResults: bigint): IncomingDatagram[] {
    unsupported();
  }
  /** `subscribe`. */
  subscribe(): Pollable {
    return new Pollable();
  }
}

/** `wasi:sockets/udp.outgoing-datagram-stream` (never made on this host). */
export class OutgoingDatagramStream {
  /** Never made on this host. */
  constructor() {
    hostOnly("outgoing-datagram-stream");
  }
  /** `check-send`. */
  checkSend(): bigint {
    unsupported();
  }
  /** `send`. */
  send(_datagrams: OutgoingDatagram[]): bigint {
    unsupported();
  }
  /** `subscribe`. */
  subscribe(): Pollable {
    return new Pollable();
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
      throw socketError("not-supported");
    },
  };
}
