import assert from "node:assert/strict";
import { errOf, socketHost as host, v4 } from "./_test_util.ts";
import { denoSockets } from "./deno_sockets.ts";
import { denoUdp } from "./deno_udp.ts";
import type { IpSocketAddress, Network } from "./network.ts";
import type {
  IncomingDatagram,
  IncomingDatagramStream,
  OutgoingDatagram,
  OutgoingDatagramStream,
  UdpSocket,
} from "./udp_socket.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

const loopback = () => host({ network: { allow: ["127.0.0.1"], sockets: denoSockets() } });

const v6 = (port: number, a = [0, 0, 0, 0, 0, 0, 0, 1]) =>
  ({ tag: "ipv6", val: { port, flowInfo: 0, address: a, scopeId: 0 } }) as IpSocketAddress;

/** A socket bound through start-bind, the pollable and finish-bind. */
async function bound(
  udp: (f: string) => UdpSocket,
  network: Network,
  address: IpSocketAddress = v4(0),
): Promise<UdpSocket> {
  const socket = udp(address.tag);
  socket.startBind(network, address);
  await socket.subscribe().blockAsync();
  socket.finishBind();
  return socket;
}

/** Sends within a check-send permit, as a guest must. */
function send(out: OutgoingDatagramStream, datagrams: OutgoingDatagram[]): bigint {
  assert.ok(out.checkSend() >= BigInt(datagrams.length));
  return out.send(datagrams);
}

/** Waits for the next datagrams through the stream's pollable. */
async function next(stream: IncomingDatagramStream): Promise<IncomingDatagram[]> {
  for (;;) {
    await stream.subscribe().blockAsync(AbortSignal.timeout(5000));
    const got = stream.receive(16n);
    if (got.length > 0) return got;
  }
}

const text = (d: IncomingDatagram) => dec.decode(d.data);

Deno.test("udp sockets exchange datagrams over loopback", async () => {
  const { network, udp } = loopback();
  const a = udp("ipv4");
  assert.equal(a.addressFamily(), "ipv4");
  assert.equal(errOf(() => a.finishBind()), "not-in-progress");
  assert.equal(a.subscribe().ready(), true);
  a.startBind(network, v4(0));
  assert.equal(errOf(() => a.startBind(network, v4(0))), "concurrency-conflict");
  await a.subscribe().blockAsync();
  a.finishBind();
  assert.equal(errOf(() => a.startBind(network, v4(0))), "invalid-state");
  assert.equal(errOf(() => a.finishBind()), "not-in-progress");
  const aAddr = a.localAddress();
  assert.equal(aAddr.tag, "ipv4");
  assert.deepEqual(aAddr.val.address, [127, 0, 0, 1]);
  assert.ok(aAddr.val.port > 0);

  const b = await bound(udp, network);
  const bAddr = b.localAddress();
  assert.notEqual(bAddr.val.port, aAddr.val.port);

  const [ain, aout] = a.stream(undefined);
  const [bin, bout] = b.stream(undefined);
  assert.equal(errOf(() => a.remoteAddress()), "invalid-state");
  // Nothing queued: an empty list at once, and a pollable that is not ready.
  assert.deepEqual(bin.receive(10n), []);
  assert.equal(bin.subscribe().ready(), false);

  assert.equal(aout.checkSend() > 0n, true);
  assert.equal(aout.send([]), 0n);
  assert.equal(
    send(aout, [{ data: enc.encode("ping"), remoteAddress: bAddr }]),
    1n,
  );
  const [ping] = await next(bin);
  assert.equal(text(ping!), "ping");
  assert.deepEqual(ping!.remoteAddress, aAddr);

  // Two datagrams in one send arrive as two datagrams, in order.
  assert.equal(
    send(bout, [
      { data: enc.encode("pong"), remoteAddress: aAddr },
      { data: enc.encode("again"), remoteAddress: aAddr },
    ]),
    2n,
  );
  const got: IncomingDatagram[] = [];
  while (got.length < 2) got.push(...await next(ain));
  assert.deepEqual(got.map(text), ["pong", "again"]);
  assert.deepEqual(got[0]!.remoteAddress, bAddr);

  // max-results bounds what one receive returns; 0 returns nothing.
  send(aout, [1, 2, 3].map((n) => ({ data: new Uint8Array([n]), remoteAddress: bAddr })));
  const bytes: number[] = [];
  while (bytes.length < 3) {
    await bin.subscribe().blockAsync(AbortSignal.timeout(5000));
    assert.deepEqual(bin.receive(0n), []);
    const one = bin.receive(1n);
    assert.ok(one.length <= 1);
    bytes.push(...one.map((d) => d.data[0]!));
  }
  assert.deepEqual(bytes, [1, 2, 3]);

  a[Symbol.dispose]();
  b[Symbol.dispose]();
});

Deno.test("udp send follows check-send's permit and the stream's addressing rules", async () => {
  const { network, udp } = loopback();
  const a = await bound(udp, network);
  const b = await bound(udp, network);
  const [, out] = a.stream(undefined);
  // udp.wit § send: without a permit from check-send, send traps.
  assert.throws(
    () => out.send([{ data: new Uint8Array(1), remoteAddress: b.localAddress() }]),
    RangeError,
  );
  const permit = out.checkSend();
  assert.ok(permit >= 1n);
  const many = Array.from(
    { length: Number(permit) + 1 },
    () => ({ data: new Uint8Array(1), remoteAddress: b.localAddress() }),
  );
  assert.throws(() => out.send(many), /check-send permitted/);
  // A permit is good for one send only.
  out.checkSend();
  out.send([{ data: new Uint8Array(1), remoteAddress: b.localAddress() }]);
  assert.throws(
    () => out.send([{ data: new Uint8Array(1), remoteAddress: b.localAddress() }]),
    RangeError,
  );

  // Unconnected: the destination is required, and must be usable.
  const errSend = (d: OutgoingDatagram) => errOf(() => send(out, [d]));
  const data = new Uint8Array(1);
  assert.equal(errSend({ data, remoteAddress: undefined }), "invalid-argument");
  assert.equal(errSend({ data, remoteAddress: v4(0) }), "invalid-argument");
  assert.equal(errSend({ data, remoteAddress: v4(9, [0, 0, 0, 0]) }), "invalid-argument");
  assert.equal(errSend({ data, remoteAddress: v6(9) }), "invalid-argument");
  assert.equal(errSend({ data, remoteAddress: v4(9, [127, 0, 0, 2]) }), "access-denied");

  // udp.wit § send: stops at the first failure; an error only if nothing was sent.
  const to = b.localAddress();
  assert.equal(errSend({ data: new Uint8Array(65508), remoteAddress: to }), "datagram-too-large");
  assert.equal(
    send(out, [
      { data: enc.encode("fits"), remoteAddress: to },
      { data: new Uint8Array(65508), remoteAddress: to },
      { data: enc.encode("never"), remoteAddress: to },
    ]),
    1n,
  );
  // The largest IPv4 payload goes through.
  assert.equal(send(out, [{ data: new Uint8Array(65507).fill(7), remoteAddress: to }]), 1n);
  const [bin] = b.stream(undefined);
  const got: IncomingDatagram[] = [];
  while (!got.some((d) => d.data.byteLength === 65507)) got.push(...await next(bin));
  assert.ok(!got.some((d) => text(d) === "never"));
  assert.ok(got.find((d) => d.data.byteLength === 65507)!.data.every((x) => x === 7));

  a[Symbol.dispose]();
  b[Symbol.dispose]();
});

Deno.test("a udp stream with a remote address talks to that peer only", async () => {
  const { network, udp } = loopback();
  const a = await bound(udp, network);
  const b = await bound(udp, network);
  const aAddr = a.localAddress();
  const bAddr = b.localAddress();
  const port = (s: IpSocketAddress) => s.val.port;
  // A stranger on loopback that a never connects to, driven directly.
  const stranger = denoUdp("ipv4", { message: () => {} });
  await stranger.bind({ hostname: "127.0.0.1", port: 0 });
  const toA = { hostname: "127.0.0.1", port: port(aAddr) };

  // Datagrams queued before connecting are dropped unless from the new peer.
  const [anyIn] = a.stream(undefined);
  await stranger.send(enc.encode("early"), toA);
  await anyIn.subscribe().blockAsync(AbortSignal.timeout(5000));
  const [ain, aout] = a.stream(bAddr);
  assert.deepEqual(ain.receive(10n), []);
  assert.deepEqual(a.remoteAddress(), bAddr);
  // The previous pair no longer works.
  assert.equal(errOf(() => anyIn.receive(1n)), "invalid-state");
  assert.equal(anyIn.subscribe().ready(), true);

  // The peer is the default destination, and the only one allowed.
  assert.equal(send(aout, [{ data: enc.encode("to b"), remoteAddress: undefined }]), 1n);
  assert.equal(send(aout, [{ data: enc.encode("to b too"), remoteAddress: bAddr }]), 1n);
  assert.equal(
    errOf(() => send(aout, [{ data: new Uint8Array(1), remoteAddress: v4(port(bAddr) + 1) }])),
    "invalid-argument",
  );
  const [bin, bout] = b.stream(aAddr);
  const got: IncomingDatagram[] = [];
  while (got.length < 2) got.push(...await next(bin));
  assert.deepEqual(got.map(text), ["to b", "to b too"]);
  assert.deepEqual(got[0]!.remoteAddress, aAddr);

  // A datagram from the stranger reaches a's socket first but is filtered out.
  await stranger.send(enc.encode("stranger"), toA);
  send(bout, [{ data: enc.encode("from b"), remoteAddress: undefined }]);
  const fromB = await next(ain);
  assert.deepEqual(fromB.map(text), ["from b"]);
  assert.deepEqual(fromB[0]!.remoteAddress, bAddr);

  // Streaming again without a remote address disconnects.
  const [, anyOut] = a.stream(undefined);
  assert.equal(errOf(() => a.remoteAddress()), "invalid-state");
  assert.equal(
    errOf(() => send(anyOut, [{ data: new Uint8Array(1), remoteAddress: undefined }])),
    "invalid-argument",
  );
  assert.equal(errOf(() => aout.checkSend()), "invalid-state");

  stranger.close();
  a[Symbol.dispose]();
  b[Symbol.dispose]();
});

Deno.test("udp sockets check state, arguments and the allow-list", async () => {
  const { network, udp } = loopback();
  const s = udp("ipv4");
  assert.equal(errOf(() => s.stream(undefined)), "invalid-state");
  assert.equal(errOf(() => s.localAddress()), "invalid-state");
  assert.equal(errOf(() => s.remoteAddress()), "invalid-state");
  // Binding: the right family, an allowed address.
  assert.equal(errOf(() => s.startBind(network, v6(0))), "invalid-argument");
  assert.equal(errOf(() => s.startBind(network, v4(0, [0, 0, 0, 0]))), "access-denied");
  assert.equal(errOf(() => s.startBind(network, v4(0, [127, 0, 0, 2]))), "access-denied");
  assert.equal(errOf(() => s.startBind(network, v4(0, [300, 0, 0, 1]))), "invalid-argument");
  assert.throws(() => s.startBind({} as Network, v4(0)), TypeError);
  s.startBind(network, v4(0));
  assert.equal(errOf(() => s.stream(undefined)), "invalid-state");
  await s.subscribe().blockAsync();
  s.finishBind();
  // A remote address for stream: usable and allowed.
  assert.equal(errOf(() => s.stream(v4(0))), "invalid-argument");
  assert.equal(errOf(() => s.stream(v4(53, [0, 0, 0, 0]))), "invalid-argument");
  assert.equal(errOf(() => s.stream(v4(53, [10, 0, 0, 1]))), "access-denied");
  assert.equal(errOf(() => s.remoteAddress()), "invalid-state");

  // Options: stored, 0 refused.
  const hops = s.unicastHopLimit();
  assert.ok(hops >= 1 && hops <= 255);
  assert.equal(errOf(() => s.setUnicastHopLimit(0)), "invalid-argument");
  s.setUnicastHopLimit(5);
  assert.equal(s.unicastHopLimit(), 5);
  for (
    const [get, set] of [["receiveBufferSize", "setReceiveBufferSize"], [
      "sendBufferSize",
      "setSendBufferSize",
    ]] as const
  ) {
    assert.ok(s[get]() > 0n);
    assert.equal(errOf(() => s[set](0n)), "invalid-argument");
    s[set](8192n);
    assert.equal(s[get](), 8192n);
  }
  s[Symbol.dispose]();

  // A port-restricted grant: that port only, for binding and for peers.
  const narrow = host({ network: { allow: ["127.0.0.1:9"], sockets: denoSockets() } });
  const n = narrow.udp("ipv4");
  assert.equal(errOf(() => n.startBind(narrow.network, v4(0))), "access-denied");
  n[Symbol.dispose]();
});

Deno.test("udp is denied unless granted and not-supported without a UDP backend", () => {
  assert.equal(errOf(() => host().udp("ipv4")), "access-denied");
  const noBackend = host({ network: { allow: ["127.0.0.1"] } });
  assert.equal(errOf(() => noBackend.udp("ipv4")), "not-supported");
  const { udp: _, ...tcpOnly } = denoSockets();
  const noUdp = host({ network: { allow: ["127.0.0.1"], sockets: tcpOnly } });
  assert.equal(errOf(() => noUdp.udp("ipv6")), "not-supported");
  assert.throws(() => loopback().udp("ipv5"), /address family "ipv5"/);
});

Deno.test("dropping a udp socket releases its port and ends its streams", async () => {
  const { network, udp } = loopback();
  const a = await bound(udp, network);
  const addr = a.localAddress();
  const [ain, aout] = a.stream(undefined);
  const taken = udp("ipv4");
  taken.startBind(network, addr);
  await taken.subscribe().blockAsync();
  assert.equal(errOf(() => taken.finishBind()), "address-in-use");
  // A failed bind leaves the socket unbound.
  assert.equal(errOf(() => taken.finishBind()), "not-in-progress");
  assert.equal(errOf(() => taken.localAddress()), "invalid-state");

  const waiting = ain.subscribe().blockAsync(AbortSignal.timeout(5000));
  a[Symbol.dispose]();
  await waiting;
  assert.equal(errOf(() => ain.receive(1n)), "invalid-state");
  assert.equal(errOf(() => aout.checkSend()), "invalid-state");
  assert.equal(errOf(() => a.localAddress()), "invalid-state");

  // The port is free again once the platform has closed the socket, which
  // finishes on a later turn of the event loop (bounded retries, no clock).
  let error: unknown = "address-in-use";
  for (let i = 0; i < 100 && error === "address-in-use"; i++) {
    await new Promise((r) => setTimeout(r, 0));
    taken.startBind(network, addr);
    await taken.subscribe().blockAsync();
    try {
      taken.finishBind();
      error = undefined;
    } catch (e) {
      error = (e as { payload?: unknown }).payload;
    }
  }
  assert.equal(error, undefined);
  assert.deepEqual(taken.localAddress(), addr);
  taken[Symbol.dispose]();

  // Dropping while the bind is still in progress closes it too.
  const early = udp("ipv4");
  early.startBind(network, v4(0));
  early[Symbol.dispose]();
});

Deno.test("udp over IPv6 loopback", async () => {
  const { network, udp } = host({ network: { allow: ["[::1]"], sockets: denoSockets() } });
  const a = await bound(udp, network, v6(0));
  const b = await bound(udp, network, v6(0));
  const aAddr = a.localAddress();
  assert.equal(aAddr.tag, "ipv6");
  assert.deepEqual(aAddr.val.address, [0, 0, 0, 0, 0, 0, 0, 1]);
  // IPv6 sockets are IPv6-only: IPv4-mapped and IPv4 addresses are refused.
  const [, out] = a.stream(undefined);
  const mapped = v6(9, [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
  assert.equal(
    errOf(() => send(out, [{ data: new Uint8Array(1), remoteAddress: mapped }])),
    "invalid-argument",
  );
  assert.equal(errOf(() => a.stream(v4(9))), "invalid-argument");
  const [, aout] = a.stream(b.localAddress());
  const [bin] = b.stream(undefined);
  send(aout, [{ data: enc.encode("six"), remoteAddress: undefined }]);
  const [d] = await next(bin);
  assert.equal(text(d!), "six");
  assert.deepEqual(d!.remoteAddress, aAddr);
  a[Symbol.dispose]();
  b[Symbol.dispose]();
});
