/**
 * What a `weft` command runs against: the standard streams, the host
 * environment and, for `serve`, the shutdown signal. The executable uses
 * Deno's; tests inject their own and run commands in-process.
 *
 * @module
 */
import type { ByteSink, StdinOption, TerminalOptions } from "@weft/wasi";
import { denoStdio } from "@weft/wasi/deno";

/**
 * Where `weft` and the guest write stdout or stderr: `write` returns a
 * Promise when the bytes are written later (a `ByteSink` of `@weft/wasi`).
 */
export interface OutputSink {
  /** Writes `bytes` (owned by the sink from now on). */
  write(bytes: Uint8Array): void | Promise<void>;
}

/** The address a server listens on. */
export interface ListenAddr {
  /** The host name or IP address bound. */
  hostname: string;
  /** The port bound (the one picked when `--port 0` was asked). */
  port: number;
}

/** Where `weft` reads and writes; every field defaults to the process's own. */
export interface MainOptions {
  /** stdout of `weft` and of the guest (default: Deno's). */
  stdout?: OutputSink;
  /** stderr of `weft` and of the guest (default: Deno's). */
  stderr?: OutputSink;
  /** The guest's stdin (default: Deno's; empty when `stdout` or `stderr` is given). */
  stdin?: ReadableStream<Uint8Array>;
  /**
   * The host environment, read by `--inherit-env`, `--env NAME` and
   * `WEFT_BACKTRACE` (default: `Deno.env`).
   */
  env?: Readonly<Record<string, string>>;
  /** Stops `serve` gracefully when aborted, as SIGINT and SIGTERM do. */
  signal?: AbortSignal;
  /** Called once `serve` listens, with the address bound. */
  onListen?: (addr: ListenAddr) => void;
}

/** The guest's standard streams as `createWasi` options. */
export interface GuestStdio {
  /** The guest's stdin. */
  stdin: StdinOption;
  /** The guest's stdout. */
  stdout: ByteSink;
  /** The guest's stderr. */
  stderr: ByteSink;
  /** Which of them are terminals. */
  terminal: TerminalOptions;
}

/** The resolved {@linkcode MainOptions} of one `weft` invocation. */
export class Context {
  readonly #options: MainOptions;
  #deno: ReturnType<typeof denoStdio> | undefined;
  #env: Readonly<Record<string, string>> | undefined;
  #encoder = new TextEncoder();
  /** Print stacks and causes of failures (`--verbose`, `WEFT_BACKTRACE=1`). */
  verbose = false;
  /** How failures name the component: its path once a command knows it. */
  subject = "the component";

  /** Resolves `options` (Deno's streams and environment are taken only when used). */
  constructor(options: MainOptions = {}) {
    this.#options = options;
  }

  #denoStdio(): ReturnType<typeof denoStdio> {
    return this.#deno ??= denoStdio();
  }

  /** `weft`'s stdout. */
  get stdout(): ByteSink {
    return this.#options.stdout ?? this.#denoStdio().stdout;
  }

  /** `weft`'s stderr. */
  get stderr(): ByteSink {
    return this.#options.stderr ?? this.#denoStdio().stderr;
  }

  /** The shutdown signal for `serve`, if any. */
  get signal(): AbortSignal | undefined {
    return this.#options.signal;
  }

  /** The listening callback for `serve`, if any. */
  get onListen(): ((addr: ListenAddr) => void) | undefined {
    return this.#options.onListen;
  }

  /** The host environment. */
  get env(): Readonly<Record<string, string>> {
    if (this.#env === undefined) {
      if (this.#options.env !== undefined) this.#env = this.#options.env;
      else {
        try {
          this.#env = Deno.env.toObject();
        } catch {
          // Without --allow-env nothing of the host environment is visible.
          this.#env = {};
        }
      }
    }
    return this.#env;
  }

  /** The guest's standard streams: the injected ones, or Deno's. */
  guestStdio(): GuestStdio {
    const { stdin, stdout, stderr } = this.#options;
    if (stdin === undefined && stdout === undefined && stderr === undefined) {
      return this.#denoStdio();
    }
    const empty = new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    return {
      stdin: stdin ?? empty,
      stdout: this.stdout,
      stderr: this.stderr,
      terminal: {},
    };
  }

  /** Writes `text` to stdout. */
  async print(text: string): Promise<void> {
    await this.stdout.write(this.#encoder.encode(text));
  }

  /** Writes `text` to stderr. */
  async printError(text: string): Promise<void> {
    await this.stderr.write(this.#encoder.encode(text));
  }
}
