// UDP for wasi:sockets on Deno. Stable Deno has no UDP API of its own
// (`Deno.listenDatagram` needs --unstable-net), but its `node:dgram` works
// without flags.
import dgram from "node:dgram";
import type { DatagramHandlers, DatagramSocket, HostAddr, IpAddressFamily } from "./network.ts";

/**
 * A {@linkcode DatagramSocket} over `node:dgram` (the `udp` of
 * `denoSockets()`). IPv6 sockets are IPv6-only, as `udp-create-socket.wit`
 * asks. Deno's own permissions still apply on top of the guest's allow-list.
 */
export function denoUdp(family: IpAddressFamily, handlers: DatagramHandlers): DatagramSocket {
  const socket = dgram.createSocket(
    family === "ipv4" ? { type: "udp4" } : { type: "udp6", ipv6Only: true },
  );
  let closed = false;
  let bound = false;
  let abortBind: ((error: unknown) => void) | undefined;
  socket.on("message", (msg: Uint8Array, rinfo: dgram.RemoteInfo) => {
    if (closed) return;
    const data = new Uint8Array(msg.byteLength);
    data.set(msg);
    // A link-local sender carries its zone ("fe80::1%eth0"); the WIT address has no zone text.
    handlers.message(data, { hostname: rinfo.address.replace(/%.*$/, ""), port: rinfo.port });
  });
  socket.on("error", (error: unknown) => {
    // Errors before binding settle the bind promise instead.
    if (!closed && bound) handlers.error?.(error);
  });
  const close = (): void => {
    if (closed) return;
    closed = true;
    abortBind?.(new Error("Cannot bind a UDP socket: it was closed"));
    try {
      socket.close();
    } catch {
      // Already closed by a failed bind: nothing left to release.
    }
  };
  return {
    bind: (addr: HostAddr): Promise<HostAddr> =>
      new Promise((resolve, reject) => {
        const onError = (error: unknown) => {
          abortBind = undefined;
          close();
          reject(error);
        };
        abortBind = (error) => {
          abortBind = undefined;
          socket.off("error", onError);
          reject(error);
        };
        socket.once("error", onError);
        socket.bind(addr.port, addr.hostname, () => {
          if (closed) return;
          abortBind = undefined;
          socket.off("error", onError);
          bound = true;
          const local = socket.address();
          resolve({ hostname: local.address, port: local.port });
        });
      }),
    send: (data: Uint8Array, addr: HostAddr): Promise<void> =>
      new Promise((resolve, reject) => {
        socket.send(data, addr.port, addr.hostname, (error: Error | null) => {
          if (error) reject(error);
          else resolve();
        });
      }),
    close,
  };
}
