/**
 * How a pool slot reaches its instance: a worker (messages; can be
 * terminated mid-call) or the current thread (direct calls; cannot).
 *
 * @module
 */
import * as Comlink from "comlink";
import type { Component } from "@weft/runtime";
import { WorkerCrashedError } from "./errors.ts";
import { type CallReply, type CallRequest, InstanceHost } from "./instance_host.ts";
import type { ImportsFactory } from "./instance_host.ts";
import { type FromWorker, RING, type ToWorker } from "./protocol.ts";
import { decodeError, encodeError } from "./wire_error.ts";

/** One started instance behind a slot. */
export interface Transport {
  /** Whether a running call can be ended (by terminating the worker). */
  readonly interruptible: boolean;
  /** An id of the thread the instance runs on. */
  readonly thread: string;
  /**
   * Sends a request. `reply` rejects with `WorkerCrashedError` if the worker
   * dies first, and resolves to `undefined` if the request was cancelled
   * with {@linkcode Transport.tryCancel} before it started.
   */
  request(
    request: CallRequest,
    transfer: readonly Transferable[],
  ): { id: number; reply: Promise<CallReply | undefined> };
  /** Cancels a request that has not started; `false` if it has (or is unknown). */
  tryCancel(id: number): boolean;
  /** Whether request `id` started (also after the worker died: it may have run). */
  started(id: number): boolean;
  /** Stops the instance; pending requests reject with `WorkerCrashedError`. */
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
}

const WORKER_URL = new URL("./worker.ts", import.meta.url);

/** A worker running one instance. */
export class WorkerTransport implements Transport {
  readonly interruptible = true;
  #thread = "";
  #worker: Worker;
  #port: MessagePort | undefined;
  #pending = new Map<number, PromiseWithResolvers<CallReply | undefined>>();
  #states = new Int32Array(new SharedArrayBuffer(RING * 4));
  #nextId = 1;
  #dead: Error | undefined;
  #onCrash: (error: WorkerCrashedError) => void;

  private constructor(worker: Worker, onCrash: (error: WorkerCrashedError) => void) {
    this.#worker = worker;
    this.#onCrash = onCrash;
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
    const transport = new WorkerTransport(worker, onCrash);
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
          const pending = transport.#pending.get(message.id);
          transport.#pending.delete(message.id);
          if (pending === undefined) break;
          const reply = message.reply;
          pending.resolve(
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
    };
    worker.postMessage(message, transfer);
    return ready.promise;
  }

  request(
    request: CallRequest,
    transfer: readonly Transferable[],
  ): { id: number; reply: Promise<CallReply | undefined> } {
    const id = this.#nextId++;
    if (this.#dead !== undefined) {
      const error = new WorkerCrashedError("The worker is gone", { cause: this.#dead });
      return { id, reply: Promise.reject(error) };
    }
    Atomics.store(this.#states, id % RING, id);
    const pending = Promise.withResolvers<CallReply | undefined>();
    const message: ToWorker = { type: "call", id, request };
    try {
      this.#worker.postMessage(message, transfer as Transferable[]);
    } catch (error) {
      Atomics.store(this.#states, id % RING, 0);
      const refused = new TypeError(
        `Cannot send the call to a worker: ${(error as Error).message}`,
        { cause: error },
      );
      return { id, reply: Promise.reject(refused) };
    }
    this.#pending.set(id, pending);
    return { id, reply: pending.promise };
  }

  tryCancel(id: number): boolean {
    return Atomics.compareExchange(this.#states, id % RING, id, 0) === id;
  }

  started(id: number): boolean {
    return Atomics.load(this.#states, id % RING) === -id;
  }

  #crash(error: WorkerCrashedError): void {
    if (this.#dead !== undefined) return;
    this.#stop(error);
    this.#onCrash(error);
  }

  #stop(error: Error): void {
    this.#dead = error;
    this.#worker.terminate();
    this.#port?.close();
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  terminate(reason = "The worker was terminated"): void {
    if (this.#dead !== undefined) return;
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
  #started = new Set<number>();

  request(request: CallRequest): { id: number; reply: Promise<CallReply | undefined> } {
    const id = this.#nextId++;
    this.#waiting.add(id);
    return { id, reply: this.#run(id, request) };
  }

  async #run(id: number, request: CallRequest): Promise<CallReply | undefined> {
    // Never run a guest inside the caller's own `call()`: callers see the same
    // asynchrony as with workers, and a sent call can still be cancelled.
    await Promise.resolve();
    if (!this.#waiting.delete(id)) return undefined;
    if (this.#dead !== undefined) throw this.#dead;
    this.#started.add(id);
    try {
      return await this.#host.execute(request);
    } finally {
      this.#started.delete(id);
    }
  }

  tryCancel(id: number): boolean {
    return this.#waiting.delete(id);
  }

  started(id: number): boolean {
    return this.#started.has(id);
  }

  terminate(reason = "The in-thread instance was discarded"): void {
    this.#dead ??= new WorkerCrashedError(reason);
  }
}
