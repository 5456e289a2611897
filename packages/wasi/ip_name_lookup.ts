// wasi:sockets/ip-name-lookup (sockets/wit/ip-name-lookup.wit).
import {
  type IpAddress,
  type Network,
  networkContext,
  parseIp,
  socketError,
  type SocketErrorCode,
} from "./network.ts";
import { Pollable } from "./pollable.ts";

const INTERNAL: unique symbol = Symbol("internal");

/** `wasi:sockets/ip-name-lookup.resolve-address-stream`: the addresses of a name, one by one. */
export class ResolveAddressStream {
  #addresses: IpAddress[] | undefined;
  #error: SocketErrorCode | undefined;
  readonly #done: Promise<void>;

  /** Made by the host only (`resolve-addresses`). */
  constructor(addresses: Promise<IpAddress[]>, token: symbol) {
    if (token !== INTERNAL) {
      throw new TypeError("Cannot construct a resolve-address-stream: host only");
    }
    this.#done = addresses.then(
      (list) => void (this.#addresses = list),
      (error: unknown) => {
        const name = error instanceof Error ? error.name : "";
        this.#error = name === "NotFound" ? "name-unresolvable" : "temporary-resolver-failure";
      },
    );
  }

  /** `resolve-next-address`: the next address, `undefined` at the end, `would-block` while resolving. */
  resolveNextAddress(): IpAddress | undefined {
    if (this.#error !== undefined) {
      const code = this.#error;
      throw socketError(code);
    }
    if (this.#addresses === undefined) throw socketError("would-block");
    return this.#addresses.shift();
  }

  /** `subscribe`: ready once the name is resolved (or failed). */
  subscribe(): Pollable {
    return new Pollable({
      ready: () => this.#addresses !== undefined || this.#error !== undefined,
      wait: (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener("abort", () => resolve(), { once: true });
          this.#done.then(resolve);
        }),
    });
  }
}

/**
 * `resolve-addresses`: an IP literal resolves to itself without any lookup;
 * a name needs the network granted for that host and a backend that can
 * resolve (`access-denied` / `not-supported` otherwise).
 */
export function resolveAddresses(network: Network, name: string): ResolveAddressStream {
  const context = networkContext(network);
  if (typeof name !== "string" || name === "" || /[\s/?#@]/.test(name)) {
    throw socketError("invalid-argument");
  }
  const literal = parseIp(name.replace(/^\[(.*)\]$/, "$1"));
  if (literal !== undefined) return new ResolveAddressStream(Promise.resolve([literal]), INTERNAL);
  let host: string;
  try {
    host = new URL(`http://${name}`).hostname;
  } catch {
    throw socketError("invalid-argument");
  }
  if (!context.allow.allowsHost(host)) {
    throw socketError("access-denied");
  }
  const resolve = context.backend?.resolve;
  if (resolve === undefined) throw socketError("not-supported");
  const addresses = resolve.call(context.backend, host).then((list) =>
    list.map(parseIp).filter((a): a is IpAddress => a !== undefined)
  );
  return new ResolveAddressStream(addresses, INTERNAL);
}

/** `wasi:sockets/ip-name-lookup`. */
export function ipNameLookupInterface(): {
  resolveAddresses(network: Network, name: string): ResolveAddressStream;
  ResolveAddressStream: typeof ResolveAddressStream;
} {
  return { resolveAddresses, ResolveAddressStream };
}
