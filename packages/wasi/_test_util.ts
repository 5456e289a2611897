// Test helpers: the WIT interfaces of WASI 0.2.12 read from the spec, so
// tests check the import object against the WIT, not against a copy of it;
// and the socket interfaces of a host.
import { createWasi, type WasiOptions } from "./create_wasi.ts";
import type { ResolveAddressStream } from "./ip_name_lookup.ts";
import type { IpSocketAddress, Network } from "./network.ts";
import type { TcpSocket } from "./tcp_socket.ts";
import type { UdpSocket } from "./udp_socket.ts";
const SPEC = new URL("../../../shared/spec/wasi/v0.2.12/proposals/", import.meta.url);

/** One interface of the WIT: its functions and resources with their members. */
export interface WitInterface {
  name: string;
  functions: string[];
  resources: Map<string, { methods: string[]; statics: string[]; constructor: boolean }>;
}

/** The stable interfaces of the given WASI packages (`io`, `cli`, …), keyed by full name. */
export async function witInterfaces(packages: string[]): Promise<Map<string, WitInterface>> {
  const out = new Map<string, WitInterface>();
  for (const pkg of packages) {
    const dir = new URL(`${pkg}/wit/`, SPEC);
    const texts: string[] = [];
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.endsWith(".wit")) {
        texts.push(await Deno.readTextFile(new URL(entry.name, dir)));
      }
    }
    // Files of one package may leave out the `package` line; any file names it.
    const pkgName = texts.map((t) => /^package\s+([^;]+);/m.exec(t)?.[1]).find((n) => n)!.trim();
    for (const text of texts) {
      const [ns, rest] = pkgName.split(":") as [string, string];
      const [name, version] = rest.split("@") as [string, string];
      parseWit(text, (iface) => out.set(`${ns}:${name}/${iface.name}@${version}`, iface));
    }
  }
  return out;
}

function parseWit(text: string, emit: (i: WitInterface) => void): void {
  const lines = text.split("\n").map((l) => l.replace(/\/\/.*$/, "").trim());
  let depth = 0;
  let current: WitInterface | undefined;
  let resource: string | undefined;
  let unstable = false;
  for (const line of lines) {
    if (line.startsWith("@unstable")) unstable = true;
    if (depth === 0) {
      const m = /^interface\s+([\w-]+)\s*\{/.exec(line);
      if (m) {
        current = unstable ? undefined : { name: m[1]!, functions: [], resources: new Map() };
        unstable = false;
      } else if (/^(world|package)/.test(line)) unstable = false;
    } else if (depth === 1 && current) {
      const r = /^resource\s+([\w-]+)\s*(\{|;)/.exec(line);
      const f = /^%?([\w-]+)\s*:\s*func/.exec(line);
      if (r) {
        current.resources.set(r[1]!, { methods: [], statics: [], constructor: false });
        if (r[2] === "{") resource = r[1];
      } else if (f && !unstable) current.functions.push(f[1]!);
      if (!line.startsWith("@")) unstable = false;
    } else if (depth === 2 && current && resource) {
      const res = current.resources.get(resource)!;
      const s = /^%?([\w-]+)\s*:\s*static\s+func/.exec(line);
      const f = /^%?([\w-]+)\s*:\s*func/.exec(line);
      // Members behind an @unstable gate are not part of the stable interface.
      if (unstable) {
        if (s || f) unstable = false;
      } else if (s) res.statics.push(s[1]!);
      else if (f) res.methods.push(f[1]!);
      else if (/^constructor\s*\(/.test(line)) res.constructor = true;
    }
    for (const ch of line) {
      if (ch === "{") depth++;
      else if (ch === "}") {
        depth--;
        if (depth === 1) resource = undefined;
        if (depth === 0 && current) {
          emit(current);
          current = undefined;
        }
      }
    }
  }
}

/** `check-write` → `checkWrite`. */
export function camel(name: string): string {
  return name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}

/** `output-stream` → `OutputStream`. */
export function pascal(name: string): string {
  const c = camel(name);
  return c[0]!.toUpperCase() + c.slice(1);
}

/** Collects what is written to a WritableStream. */
export function collector(): { stream: WritableStream<Uint8Array>; text(): string } {
  const chunks: Uint8Array[] = [];
  return {
    stream: new WritableStream({ write: (c) => void chunks.push(c) }),
    text: () => new TextDecoder().decode(concat(chunks)),
  };
}

/** Concatenates byte arrays. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Lets pending promise callbacks and zero-delay timers run. */
export function tick(): Promise<void> {
  return new Promise((r) => setTimeout(r, 0));
}

/** Runs `f` and returns the `payload` of the WASI error it throws. */
export function errOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    if (typeof e === "object" && e !== null && "payload" in e) {
      return (e as { payload: unknown }).payload;
    }
    throw e;
  }
  throw new Error("expected a WASI error, but the call succeeded");
}

/** The socket interfaces of a `createWasi(options)` host (WASI 0.2.12). */
export function socketHost(options: WasiOptions = {}): {
  network: Network;
  tcp: (family: string) => TcpSocket;
  udp: (family: string) => UdpSocket;
  resolve: (network: Network, name: string) => ResolveAddressStream;
} {
  const v = "@0.2.12";
  const { imports } = createWasi(options);
  const fn = (iface: string, name: string) => imports[`wasi:sockets/${iface}${v}`]![name];
  return {
    network: (fn("instance-network", "instanceNetwork") as () => Network)(),
    tcp: fn("tcp-create-socket", "createTcpSocket") as (family: string) => TcpSocket,
    udp: fn("udp-create-socket", "createUdpSocket") as (family: string) => UdpSocket,
    resolve: fn("ip-name-lookup", "resolveAddresses") as (
      network: Network,
      name: string,
    ) => ResolveAddressStream,
  };
}

/** An IPv4 socket address (127.0.0.1 unless said). */
export function v4(
  port: number,
  address: [number, number, number, number] = [127, 0, 0, 1],
): IpSocketAddress {
  return { tag: "ipv4", val: { port, address } } as IpSocketAddress;
}
