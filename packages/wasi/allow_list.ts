// The network allow-list shared by wasi:http and wasi:sockets.
import type { SocketBackend } from "./network.ts";

/** Which hosts outgoing connections may reach. */
export interface NetworkOptions {
  /**
   * Hosts the guest may reach: `"example.com"` (any port),
   * `"127.0.0.1:8080"` (that port only), `"[::1]:80"`, or `"*"` (any
   * host). None by default.
   */
  allow?: readonly string[];
  /**
   * The platform's sockets for `wasi:sockets` (e.g. `denoSockets()` from
   * `@weft/wasi/deno`); without it socket operations fail with `not-supported`.
   */
  sockets?: SocketBackend;
}

/** A parsed allow-list: `allows(hostname, port)`. */
export class AllowList {
  readonly #any: boolean;
  readonly #entries: { host: string; port: string | undefined }[];

  /** Parses `allow`; throws a `TypeError` naming a malformed entry. */
  constructor(allow: readonly string[] = []) {
    this.#any = allow.includes("*");
    this.#entries = allow.filter((a) => a !== "*").map((entry) => {
      let url: URL;
      try {
        if (typeof entry !== "string" || /[/?#@\s]/.test(entry)) throw new TypeError("bad");
        url = new URL(`http://${entry}`);
      } catch {
        throw new TypeError(
          `Cannot allow network access to ${JSON.stringify(entry)}: expected "host" or "host:port"`,
        );
      }
      const explicitPort = /:\d+$/.test(entry);
      return {
        host: url.hostname,
        port: explicitPort ? entry.slice(entry.lastIndexOf(":") + 1) : undefined,
      };
    });
  }

  /** Whether anything is allowed. */
  get granted(): boolean {
    return this.#any || this.#entries.length > 0;
  }

  /** Whether `hostname` may be reached on some port. */
  allowsHost(hostname: string): boolean {
    const host = urlHost(hostname);
    return this.#any || this.#entries.some((e) => e.host === host);
  }

  /**
   * Whether `hostname` (as `URL.hostname` gives it, or a bare IPv6 address as
   * sockets have it) on `port` (a decimal string) may be reached.
   */
  allows(hostname: string, port: string): boolean {
    if (this.#any) return true;
    const host = urlHost(hostname);
    return this.#entries.some((e) =>
      e.host === host && (e.port === undefined || String(Number(e.port)) === port)
    );
  }
}

/** `hostname` as `URL.hostname` spells it: lower case, an IPv6 address in brackets. */
function urlHost(hostname: string): string {
  const host = hostname.toLowerCase();
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
