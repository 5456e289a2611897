/**
 * How a pool slot reaches its instance: a worker (messages; can be
 * terminated mid-call) or the current thread (direct calls; cannot).
 *
 * @module
 */
import * as Comlink from "comlink";
import { type Component, createInterruptFlag, raiseInterrupt } from "@weft/runtime";
import { WorkerCrashedError } from "./errors.ts";
import { type CallReply, type CallRequest, InstanceHost } from "./instance_host.ts";
import type { ImportsFactory } from "./instance_host.ts";
import { type FromWorker, RING, TIMED, type ToWorker } from "./protocol.ts";
import { createRing, RingReader, RingWriter, waitAsync, WRITE } from "./shared_ring.ts";
import { readReply, writeRequest } from "./channel_records.ts";
import { decodeError, encodeError } from "./wire_error.ts";

/**
 * Receives the outcome of a request: its reply (`undefined` if it was
 * cancelled before it started), or, with `error`, why there is none.
 */
export type ReplyListener = (reply: CallReply | undefined, error?: Error) => void;

/** One started instance behind a slot. */
export interface Transport {
  /** Whether a running call can be ended (by terminating the worker). */
  readonly interruptible: boolean;
  /** An id of the thread the instance runs on. */
  readonly thread: string;
  /**
   * Sends a request and returns its id. `listener` is called once, never
   * before this returns: with the reply, with `undefined` if the request was
   * cancelled with {@linkcode Transport.tryCancel} before it started (or not
   * at all if it was never sent), or with `WorkerCrashedError` if the worker
   * died first (a dead worker's replies already written are delivered
   * first).
   */
  request(request: CallRequest, transfer: readonly Transferable[], listener: ReplyListener): number;
  /** Delivers replies that have arrived but whose worker has not announced them yet. */
  poll(): void;
  /** Cancels a request that has not started; `false` if it has (or is unknown). */
  tryCancel(id: number): boolean;
  /** Stops the instance; pending requests fail with `WorkerCrashedError`. */
  terminate(reason?: string): void;
}

/** What a worker needs to start. */
export interface WorkerInit {
  /** The component's binary. */
  readonly bytes: Uint8Array;
  /** Its compiled core modules. */
  readonly modules: WebAssembly.Module[];
  /** The imports module's URL. */
  readonly imports: string | undefined;
  /** Main-thread callbacks with their paths in the import object. */
  readonly callbacks: readonly [string[], (...args: unknown[]) => unknown][];
  /** Called with an error a main-thread callback threw (a guest cannot see it). */
  readonly onCallbackError: (error: Error) => void;
  /** Milliseconds a reply may wait in the worker for others (see `WorkerPoolOptions.replyDelay`). */
  readonly replyDelay: number;
  /** Microseconds an idle worker polls for its next call (see `WorkerPoolOptions.spin`). */
  readonly spin: number;
}

/** The longest the pool waits before it looks for replies a worker holds back. */
const MAX_REPLY_WAIT = 100;

const WORKER_URL = new URL("./worker.ts", import.meta.url);

/** A request on its way into the request ring. */
interface Backlogged {
  readonly id: number;
  /** `undefined` once it went by message: only its marker is left to write. */
  request: CallRequest | undefined;
}

/** A worker running one instance. */
export class WorkerTransport implements Transport {
  readonly interruptible = true;
  #thread = "";
  #worker: Worker;
  #port: MessagePort | undefined;
  #pending = new Map<number, ReplyListener>();
  #states = new Int32Array(new SharedArrayBuffer(RING * 4));
  #interrupt = createInterruptFlag();
  #requests: RingWriter | undefined;
  #replies: RingReader | undefined;
  #backlog: Backlogged[] = [];
  #replyWait: number;
  #watching = false;
  #nextId = 1;
  #dead: Error | undefined;
  #onCrash: (error: WorkerCrashedError) => void;

  private constructor(
    worker: Worker,
    onCrash: (error: WorkerCrashedError) => void,
    replyDelay: number,
  ) {
    this.#worker = worker;
    this.#onCrash = onCrash;
    this.#replyWait = replyDelay > 0 ? Math.min(2 * replyDelay, MAX_REPLY_WAIT) : 0;
    if (waitAsync !== undefined) {
      this.#requests = new RingWriter(createRing());
      this.#replies = new RingReader(createRing());
    }
  }

  /** The worker's thread id (made inside the worker). */
  get thread(): string {
    return this.#thread;
  }

  /**
   * Starts a worker and waits until its instance is ready. `onCrash` is
   * called once if the worker later dies on its own; `signal` gives up on a
   * start (the worker is terminated and the promise rejects with its reason).
   */
  static start(
    init: WorkerInit,
    onCrash: (error: WorkerCrashedError) => void,
    signal: AbortSignal,
  ): Promise<WorkerTransport> {
    const worker = new Worker(WORKER_URL, { type: "module" });
    const transport = new WorkerTransport(worker, onCrash, init.replyDelay);
    const ready = Promise.withResolvers<WorkerTransport>();
    let started = false;
    const giveUp = () => {
      if (started) return;
      transport.terminate(String(signal.reason));
      ready.reject(signal.reason);
    };
    signal.addEventListener("abort", giveUp, { once: true });
    ready.promise.then(
      () => signal.removeEventListener("abort", giveUp),
      () => signal.removeEventListener("abort", giveUp),
    );
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      switch (message.type) {
        case "ready":
          started = true;
          transport.#thread = message.thread;
          ready.resolve(transport);
          break;
        case "init-error":
          transport.terminate();
          ready.reject(decodeError(message.error));
          break;
        case "reply": {
          // Replies written to shared memory before this one come first.
          transport.poll();
          const reply = message.reply;
          transport.#deliver(
            message.id,
            reply === undefined || reply.ok || !("$weftError" in (reply.error as object))
              ? reply
              : { ...reply, error: decodeError(reply.error as never) },
          );
          break;
        }
        case "closing":
          transport.#crash(new WorkerCrashedError("The worker closed itself"));
          break;
        case "callback-error":
          init.onCallbackError(decodeError(message.error));
          break;
      }
    };
    worker.onerror = (event: ErrorEvent) => {
      // Without this the worker's uncaught error would end the whole process.
      event.preventDefault();
      const error = new WorkerCrashedError(
        `The worker crashed: ${event.message ?? "unknown error"}`,
        { cause: event.error ?? event.message },
      );
      if (!started) ready.reject(error);
      transport.#crash(error);
    };
    worker.onmessageerror = () => {
      transport.#crash(new WorkerCrashedError("The worker sent a message that cannot be read"));
    };
    let callbacks: { port: MessagePort; paths: string[][] } | undefined;
    const transfer: Transferable[] = [];
    if (init.callbacks.length > 0) {
      const channel = new MessageChannel();
      const table = new Map(init.callbacks.map(([path, fn]) => [path.join("\0"), fn]));
      Comlink.expose({
        async invoke(path: string[], args: unknown[]) {
          try {
            return { ok: true, value: await table.get(path.join("\0"))!(...args) };
          } catch (error) {
            return { ok: false, error: encodeError(error) };
          }
        },
      }, channel.port1);
      transport.#port = channel.port1;
      callbacks = { port: channel.port2, paths: init.callbacks.map(([path]) => path) };
      transfer.push(channel.port2);
    }
    const message: ToWorker = {
      type: "init",
      bytes: init.bytes,
      modules: init.modules,
      imports: init.imports,
      callbacks,
      states: transport.#states,
      rings: transport.#requests === undefined ? undefined : {
        requests: transport.#requests.header.buffer as SharedArrayBuffer,
        replies: transport.#replies!.header.buffer as SharedArrayBuffer,
      },
      replyDelay: init.replyDelay,
      spin: init.spin,
      interrupt: transport.#interrupt,
    };
    worker.postMessage(message, transfer);
    return ready.promise;
  }

  request(
    request: CallRequest,
    transfer: readonly Transferable[],
    listener: ReplyListener,
  ): number {
    const id = this.#nextId;
    // Ids travel as int32 (channel_records.ts): wrap before they would not fit.
    this.#nextId = id === 0x7fffffff ? 1 : id + 1;
    if (this.#dead !== undefined) {
      const error = new WorkerCrashedError("The worker is gone", { cause: this.#dead });
      queueMicrotask(() => listener(undefined, error));
      return id;
    }
    Atomics.store(this.#states, id % RING, id);
    this.#pending.set(id, listener);
    const entry: Backlogged = { id, request };
    // Buffers to transfer need a message (its marker keeps the request's place).
    if ((this.#requests === undefined || transfer.length > 0) && !this.#post(entry, transfer)) {
      return id;
    }
    if (this.#requests !== undefined) {
      if (this.#backlog.length > 0 || !this.#write(entry)) this.#backlog.push(entry);
      else this.#requests.notify();
    }
    void this.#watch();
    return id;
  }

  /** Sends a request by message; `false` (and its listener told why) if it cannot be cloned. */
  #post(entry: Backlogged, transfer: readonly Transferable[]): boolean {
    const { id, request } = entry;
    try {
      const message: ToWorker = { type: "call", id, request: request! };
      this.#worker.postMessage(message, transfer as Transferable[]);
    } catch (error) {
      Atomics.store(this.#states, id % RING, 0);
      const listener = this.#pending.get(id);
      this.#pending.delete(id);
      const refused = new TypeError(
        `Cannot send the call to a worker: ${(error as Error).message}`,
        { cause: error },
      );
      queueMicrotask(() => listener?.(undefined, refused));
      return false;
    }
    entry.request = undefined;
    return true;
  }

  /**
   * Writes a request to the request ring, or, for one that is not plain data
   * or too large, sends it by message and writes its marker. `false` if
   * what is left to write does not fit (the ring is full): it waits in the
   * backlog, with every later request, until the worker has taken some
   * (each request taken gets a reply, and reading replies retries).
   */
  #write(entry: Backlogged): boolean {
    const requests = this.#requests!;
    const { id, request } = entry;
    if (request !== undefined) {
      if (requests.write((c) => writeRequest(c, id, request))) return true;
      if (!this.#post(entry, [])) return true;
    }
    return requests.write((c) => writeRequest(c, id, undefined));
  }

  #flushBacklog(): void {
    let wrote = false;
    while (this.#backlog.length > 0 && this.#write(this.#backlog[0]!)) {
      this.#backlog.shift();
      wrote = true;
    }
    if (wrote) this.#requests!.notify();
  }

  /**
   * Sleeps on the reply ring while requests are pending. The wait has a
   * time limit while more than one is (the worker may then hold replies
   * back), so a reply held behind a call that never ends is still read; the
   * limit doubles while nothing comes.
   */
  async #watch(): Promise<void> {
    const replies = this.#replies;
    if (replies === undefined || this.#watching) return;
    this.#watching = true;
    let limit = this.#replyWait;
    try {
      // Never deliver inside request(): a worker polling its ring may have
      // answered already, and the pool must not re-enter its own dispatch.
      await Promise.resolve();
      while (this.#dead === undefined && this.#pending.size > 0) {
        this.poll();
        if (this.#dead !== undefined || this.#pending.size === 0) break;
        const timed = limit > 0 && this.#pending.size > 1;
        // Set before the wait: a worker that then sees 0 announces every reply.
        Atomics.store(replies.header, TIMED, timed ? 1 : 0);
        const wait = waitAsync!(replies.header, WRITE, replies.consumed, timed ? limit : undefined);
        const outcome = wait.async ? await wait.value : wait.value;
        limit = outcome === "timed-out" ? Math.min(limit * 2, MAX_REPLY_WAIT) : this.#replyWait;
      }
    } finally {
      Atomics.store(replies.header, TIMED, 0);
      this.#watching = false;
    }
  }

  poll(): void {
    const replies = this.#replies;
    if (replies === undefined) return;
    for (;;) {
      const record = replies.read(readReply);
      if (record === undefined) break;
      this.#deliver(record.id, record.reply);
    }
    if (this.#backlog.length > 0 && this.#dead === undefined) this.#flushBacklog();
  }

  #deliver(id: number, reply: CallReply | undefined): void {
    const listener = this.#pending.get(id);
    if (listener === undefined) return;
    this.#pending.delete(id);
    listener(reply);
  }

  tryCancel(id: number): boolean {
    return Atomics.compareExchange(this.#states, id % RING, id, 0) === id;
  }

  #crash(error: WorkerCrashedError): void {
    if (this.#dead !== undefined) return;
    // The pool first takes the slot down, so that it, not each listener,
    // decides what happens to the calls that were on this worker.
    this.#onCrash(error);
    this.#stop(error);
  }

  #stop(error: Error): void {
    if (this.#dead !== undefined) return;
    // Deno's terminate() alone leaves a thread in a loop running for good:
    // an interruptible guest traps at its next loop iteration instead, and
    // the thread then ends.
    raiseInterrupt(this.#interrupt);
    this.#worker.terminate();
    this.#port?.close();
    // Nothing more goes to the worker; replies it wrote before it died are as good as any.
    this.#backlog = [];
    this.poll();
    this.#dead = error;
    const listeners = [...this.#pending.values()];
    this.#pending.clear();
    for (const listener of listeners) listener(undefined, error);
    // Wake #watch, which is otherwise left waiting for a worker that is gone.
    if (this.#replies !== undefined) Atomics.notify(this.#replies.header, WRITE);
  }

  terminate(reason = "The worker was terminated"): void {
    this.#stop(new WorkerCrashedError(reason));
  }
}

/** An instance in the current thread (where there are no workers, or by option). */
export class InThreadTransport implements Transport {
  readonly interruptible = false;
  readonly thread = "main";
  #host: InstanceHost;
  #dead: Error | undefined;

  private constructor(host: InstanceHost) {
    this.#host = host;
  }

  /** Instantiates the component in this thread. */
  static async start(component: Component, imports: ImportsFactory): Promise<InThreadTransport> {
    return new InThreadTransport(await InstanceHost.create(component, imports));
  }

  #nextId = 1;
  #waiting = new Set<number>();

  request(
    request: CallRequest,
    _transfer: readonly Transferable[],
    listener: ReplyListener,
  ): number {
    const id = this.#nextId++;
    this.#waiting.add(id);
    this.#run(id, request).then(
      (reply) => listener(reply),
      (error) => listener(undefined, error),
    );
    return id;
  }

  poll(): void {}

  async #run(id: number, request: CallRequest): Promise<CallReply | undefined> {
    // Never run a guest inside the caller's own `call()`: callers see the same
    // asynchrony as with workers, and a sent call can still be cancelled.
    await Promise.resolve();
    if (!this.#waiting.delete(id)) return undefined;
    if (this.#dead !== undefined) throw this.#dead;
    return await this.#host.execute(request);
  }

  tryCancel(id: number): boolean {
    return this.#waiting.delete(id);
  }

  terminate(reason = "The in-thread instance was discarded"): void {
    this.#dead ??= new WorkerCrashedError(reason);
  }
}
