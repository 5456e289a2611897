// Deno's TCP, UDP and DNS as the wasi:sockets backend.
import { denoUdp } from "./deno_udp.ts";
import type { HostAddr, SocketBackend, SocketConn, SocketListener } from "./network.ts";

/**
 * A {@linkcode SocketBackend} over `Deno.connect`, `Deno.listen`,
 * `Deno.resolveDns` (A and AAAA records) and, for UDP, `node:dgram`
 * ({@linkcode denoUdp}: stable Deno has no UDP API of its own). Deno's own
 * permissions still apply on top of the guest's allow-list.
 */
export function denoSockets(): SocketBackend {
  return {
    connect: (addr: HostAddr): Promise<SocketConn> =>
      Deno.connect({ hostname: addr.hostname, port: addr.port, transport: "tcp" }),
    listen: (addr: HostAddr): SocketListener =>
      Deno.listen({ hostname: addr.hostname, port: addr.port, transport: "tcp" }),
    udp: denoUdp,
    async resolve(name: string): Promise<string[]> {
      const results = await Promise.allSettled([
        Deno.resolveDns(name, "A"),
        Deno.resolveDns(name, "AAAA"),
      ]);
      const found = results.flatMap((r) => r.status === "fulfilled" ? r.value : []);
      if (found.length === 0) {
        const failure = results.find((r) => r.status === "rejected");
        throw failure?.reason ?? new Deno.errors.NotFound(`No address for ${name}`);
      }
      return found;
    },
  };
}
