import assert from "node:assert/strict";
import { errOf, socketHost as host, v4 } from "./_test_util.ts";
import { denoSockets } from "./deno_sockets.ts";
import type { InputStream } from "./input_stream.ts";
import { ipText, parseIp } from "./network.ts";
import type { OutputStream } from "./output_stream.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("sockets are denied unless granted, and not-supported without a backend", () => {
  const none = host();
  assert.equal(errOf(() => none.tcp("ipv4")), "access-denied");
  assert.equal(errOf(() => none.udp("ipv6")), "access-denied");
  assert.equal(errOf(() => none.resolve(none.network, "example.com")), "access-denied");
  const granted = host({ network: { allow: ["127.0.0.1"] } });
  assert.equal(errOf(() => granted.tcp("ipv4")), "not-supported");
  assert.equal(errOf(() => granted.udp("ipv4")), "not-supported");
  // A backend without UDP: not-supported, never a fake socket.
  const { udp: _, ...tcpOnly } = denoSockets();
  const deno = host({ network: { allow: ["127.0.0.1"], sockets: tcpOnly } });
  assert.equal(errOf(() => deno.udp("ipv4")), "not-supported");
  assert.throws(() => none.tcp("ipv5"), /address family "ipv5"/);
});

Deno.test("ip-name-lookup answers IP literals without a lookup and checks names", async () => {
  const { network, resolve } = host();
  for (
    const [name, want] of [["127.0.0.1", "127.0.0.1"], ["::1", "::1"], ["[fe80::1:2]", "fe80::1:2"]]
  ) {
    const stream = resolve(network, name!);
    await stream.subscribe().blockAsync();
    const first = stream.resolveNextAddress();
    assert.ok(first !== undefined);
    assert.equal(ipText(first), want);
    assert.equal(stream.resolveNextAddress(), undefined);
  }
  assert.equal(errOf(() => resolve(network, "")), "invalid-argument");
  assert.equal(errOf(() => resolve(network, "a b")), "invalid-argument");
  const granted = host({ network: { allow: ["db.internal:5432"] } });
  // Granted for the host but no resolver in the core: not-supported.
  assert.equal(errOf(() => granted.resolve(granted.network, "db.internal")), "not-supported");
  assert.equal(errOf(() => granted.resolve(granted.network, "other.internal")), "access-denied");
});

Deno.test("IP addresses round-trip between text and the WIT's tuples", () => {
  assert.deepEqual(parseIp("10.0.0.255"), { tag: "ipv4", val: [10, 0, 0, 255] });
  assert.deepEqual(parseIp("2001:db8::8a2e:370:7334"), {
    tag: "ipv6",
    val: [0x2001, 0xdb8, 0, 0, 0, 0x8a2e, 0x370, 0x7334],
  });
  assert.deepEqual(parseIp("::"), { tag: "ipv6", val: [0, 0, 0, 0, 0, 0, 0, 0] });
  assert.equal(parseIp("256.0.0.1"), undefined);
  assert.equal(parseIp("example.com"), undefined);
  assert.equal(ipText({ tag: "ipv6", val: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1] }), "2001:db8::1");
});

async function readSome(stream: InputStream): Promise<string> {
  return dec.decode(await stream.blockingReadAsync(1024n));
}

async function write(stream: OutputStream, text: string): Promise<void> {
  await stream.blockingWriteAndFlushAsync(enc.encode(text));
}

Deno.test("tcp listen, connect, accept and talk on loopback", async () => {
  const { network, tcp } = host({ network: { allow: ["127.0.0.1"], sockets: denoSockets() } });
  const server = tcp("ipv4");
  assert.equal(server.addressFamily(), "ipv4");
  assert.equal(errOf(() => server.finishBind()), "not-in-progress");
  assert.equal(errOf(() => server.startListen()), "invalid-state");
  assert.equal(errOf(() => server.localAddress()), "invalid-state");
  server.startBind(network, v4(0));
  assert.equal(errOf(() => server.startBind(network, v4(0))), "invalid-state");
  server.finishBind();
  const local = server.localAddress();
  assert.equal(local.tag, "ipv4");
  const port = local.val.port;
  assert.ok(port > 0);
  assert.equal(errOf(() => server.accept()), "invalid-state");
  server.startListen();
  server.finishListen();
  assert.equal(server.isListening(), true);
  // No client yet: accept would block, and the pollable is not ready.
  assert.equal(errOf(() => server.accept()), "would-block");
  assert.equal(server.subscribe().ready(), false);

  const client = tcp("ipv4");
  client.startConnect(network, v4(port));
  assert.equal(errOf(() => client.finishConnect()), "would-block");
  await client.subscribe().blockAsync();
  const [cin, cout] = client.finishConnect();
  await server.subscribe().blockAsync(AbortSignal.timeout(2000));
  const [conn, sin, sout] = server.accept();

  assert.deepEqual(client.remoteAddress(), v4(port));
  assert.deepEqual(conn.localAddress(), v4(port));
  assert.deepEqual(conn.remoteAddress(), client.localAddress());

  await write(cout, "ping");
  assert.equal(await readSome(sin), "ping");
  await write(sout, "pong");
  assert.equal(await readSome(cin), "pong");

  // Half-close: the server reads the end of the stream.
  client.shutdown("send");
  await assert.rejects(sin.blockingReadAsync(10n), (e: { payload?: unknown }) => {
    assert.deepEqual(e.payload, { tag: "closed" });
    return true;
  });
  assert.equal(errOf(() => client.shutdown("receive")), "not-supported");
  for (const s of [cin, sin]) s[Symbol.dispose]();
  for (const s of [cout, sout]) s[Symbol.dispose]();
  conn[Symbol.dispose]();
  client[Symbol.dispose]();
  server[Symbol.dispose]();
});

Deno.test("tcp connect checks its arguments, the allow-list and reports refusal", async () => {
  const { network, tcp } = host({
    network: { allow: ["127.0.0.1"], sockets: denoSockets() },
  });
  const s = tcp("ipv4");
  assert.equal(errOf(() => s.startConnect(network, v4(0))), "invalid-argument");
  assert.equal(errOf(() => s.startConnect(network, v4(80, [0, 0, 0, 0]))), "invalid-argument");
  assert.equal(
    errOf(() =>
      s.startConnect(network, {
        tag: "ipv6",
        val: { port: 80, flowInfo: 0, address: [0, 0, 0, 0, 0, 0, 0, 1], scopeId: 0 },
      })
    ),
    "invalid-argument",
  );
  assert.equal(errOf(() => s.startConnect(network, v4(80, [127, 0, 0, 2]))), "access-denied");
  assert.equal(errOf(() => s.startConnect(network, v4(80, [999, 0, 0, 1]))), "invalid-argument");
  assert.equal(errOf(() => s.finishConnect()), "not-in-progress");
  assert.equal(errOf(() => s.keepAliveIdleTime()), "not-supported");

  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (probe.addr as Deno.NetAddr).port;
  probe.close();
  s.startConnect(network, v4(closedPort));
  assert.equal(errOf(() => s.startConnect(network, v4(closedPort))), "invalid-state");
  await s.subscribe().blockAsync();
  assert.equal(errOf(() => s.finishConnect()), "connection-refused");
  s[Symbol.dispose]();

  // A port-restricted grant allows that port only.
  const narrow = host({ network: { allow: ["127.0.0.1:1"], sockets: denoSockets() } });
  assert.equal(
    errOf(() => narrow.tcp("ipv4").startConnect(narrow.network, v4(2))),
    "access-denied",
  );
  assert.equal(errOf(() => narrow.tcp("ipv4").startBind(narrow.network, v4(0))), "access-denied");
});

Deno.test("binding an address in use fails with address-in-use", () => {
  const { network, tcp } = host({ network: { allow: ["127.0.0.1"], sockets: denoSockets() } });
  const a = tcp("ipv4");
  a.startBind(network, v4(0));
  a.finishBind();
  const port = a.localAddress().val.port;
  const b = tcp("ipv4");
  b.startBind(network, v4(port));
  assert.equal(errOf(() => b.finishBind()), "address-in-use");
  // A failed bind leaves the socket unbound and usable.
  assert.equal(errOf(() => b.finishBind()), "not-in-progress");
  a[Symbol.dispose]();
  b[Symbol.dispose]();
});
