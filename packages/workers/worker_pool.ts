/**
 * A pool of component instances, one per worker (or several in the current
 * thread where there are no workers), with least-busy dispatch, a bounded
 * queue, resource affinity, per-call timeouts and cancellation, and recovery
 * from traps, crashes and hangs.
 *
 * @module
 */
import { Component, toCamelCase } from "@weft/runtime";
import type { CallOptions } from "./call_options.ts";
import { encodeValue, placeAt, type ValuePath } from "./encode_value.ts";
import {
  CancelledError,
  PoolClosedError,
  QueueFullError,
  ResourceLostError,
  TimeoutError,
  WorkerCrashedError,
} from "./errors.ts";
import type { CallReply, CallRequest, ImportsFactory } from "./instance_host.ts";
import { functionPaths, loadImports } from "./load_imports.ts";
import {
  type HandleRef,
  handleRefOf,
  PooledResource,
  type ResourceOwner,
} from "./pooled_resource.ts";
import { hasJspi, RING } from "./protocol.ts";
import {
  InThreadTransport,
  type Transport,
  type WorkerInit,
  WorkerTransport,
} from "./transport.ts";

/** Options of {@linkcode WorkerPool.create}. */
export interface WorkerPoolOptions {
  /** Number of instances (workers). Defaults to `navigator.hardwareConcurrency` (1 in-thread). */
  readonly size?: number;
  /**
   * `"worker"`: one instance per worker; `"in-thread"`: instances in the
   * current thread, same API (timeouts and cancellation then only reach
   * queued calls); `"auto"` (default): workers when `Worker` exists.
   */
  readonly mode?: "auto" | "worker" | "in-thread";
  /** `"lazy"` (default) starts a worker when work needs it; `"eager"` starts all at once. */
  readonly start?: "lazy" | "eager";
  /**
   * Milliseconds an idle worker that holds no resources lives before it is
   * stopped (it restarts on demand). Default 30 000; `Infinity` keeps it.
   */
  readonly idleTimeout?: number;
  /**
   * URL of a module whose default (or `imports`) export is the import
   * object, or a function returning it (called for each new instance). Each
   * worker imports it itself: functions cannot cross threads.
   */
  readonly imports?: URL | string;
  /**
   * Imports that run in the main thread, merged over `imports` (an object of
   * functions, nested like an import object). In a worker each is a comlink
   * proxy: asynchronous and a message round trip per call, so much slower
   * than an import from the `imports` module. With JSPI (Deno, Chromium) the
   * guest is suspended until the main thread answers, and the instance's
   * exports return Promises (see `InstantiateOptions.suspend` of
   * `@weft/runtime`); an error thrown by such an import traps the guest, as
   * any host function's does. Without JSPI only functions without a result
   * can be main-thread imports in worker mode, and their errors go to
   * `onCallbackError`.
   */
  readonly mainThreadImports?: Record<string, unknown>;
  /** Receives errors thrown by main-thread imports called from a worker (default: `console.error`). */
  readonly onCallbackError?: (error: Error) => void;
  /** The component's binary, needed in worker mode when the source is a `Component`. */
  readonly bytes?: ArrayBuffer | ArrayBufferView;
  /**
   * Calls sent ahead to one worker while it is busy (1 … 64, default 2), so
   * it never idles for a message round trip between calls. A call sent
   * ahead that is cancelled before it starts is skipped, not terminated.
   */
  readonly pipeline?: number;
  /**
   * Milliseconds a worker may hold a finished call's reply back while it
   * goes on with calls already sent to it, so that several replies wake the
   * main thread once (default 2). A reply is never held while its worker is
   * idle or waiting, nor lost if the worker then crashes or is terminated.
   * `0` announces every reply at once.
   */
  readonly replyDelay?: number;
  /**
   * Microseconds an idle worker keeps polling for its next call before it
   * sleeps (default 50). A call made in that window starts without waking
   * the worker's thread, which on many machines costs more than the call;
   * the price is up to this much CPU time after each call that leaves a
   * worker idle. `0` never polls.
   */
  readonly spin?: number;
  /**
   * Run the component compiled `interruptible` in workers (default `true`;
   * see `CompileOptions.interruptible` of `@weft/runtime`), so that a guest
   * in an endless loop traps when its worker is terminated. Deno's
   * `worker.terminate()` alone does not stop a thread in a loop: with
   * `false`, such a thread keeps a core busy and the process from exiting.
   * `false` saves the checks' cost (up to about a quarter on a tight loop
   * over memory).
   */
  readonly interruptible?: boolean;
  /** Calls that may wait for an instance (not counting sent ones). Default 1024. */
  readonly maxQueue?: number;
  /** When the queue is full: `"wait"` (default) for room, or `"reject"` with `QueueFullError`. */
  readonly whenFull?: "wait" | "reject";
  /**
   * Milliseconds a worker may take to start (load its script and imports
   * module, instantiate) before it is terminated and the calls waiting for
   * it fail with `WorkerCrashedError`. Default 60 000.
   */
  readonly startTimeout?: number;
  /** Default `timeout` (milliseconds) of every call. */
  readonly timeout?: number;
}

/** What {@linkcode WorkerPool.prototype.stats} reports for one instance slot. */
export interface WorkerStats {
  /** The slot's index (0 … size-1). */
  readonly worker: number;
  /** `stopped` (not started or reaped), `starting`, `idle` or `busy`. */
  readonly state: "stopped" | "starting" | "idle" | "busy";
  /** An id made inside the worker's thread (`"main"` in-thread); new for a new worker. */
  readonly thread: string | undefined;
  /** A pool-wide id of the current instance: new after every replacement. */
  readonly instance: number | undefined;
  /** Calls (and resource drops) this slot finished, over all its instances. */
  readonly calls: number;
  /** Calls sent to the instance and not yet answered (at most `pipeline`). */
  readonly inFlight: number;
  /** Calls waiting for this slot in particular (methods of its resources). */
  readonly queued: number;
  /** Times the instance or worker was replaced after a trap, crash, timeout or abort. */
  readonly restarts: number;
  /** Resources the instance holds for pool callers. */
  readonly resources: number;
}

interface Slot {
  readonly index: number;
  transport: Transport | undefined;
  starting: boolean;
  /** The last start failed: do not restart it eagerly (only for work), or it would loop. */
  failed: boolean;
  /** Settles when the current start attempt ends. */
  started: Promise<unknown> | undefined;
  /** Gives up the current start attempt. */
  stopStart: AbortController | undefined;
  epoch: number;
  /** Calls sent to the instance, oldest first. */
  inFlight: Job[];
  affine: Job[];
  calls: number;
  restarts: number;
  generation: number | undefined;
  instance: number | undefined;
  resources: number;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
}

interface Job {
  readonly request: CallRequest;
  readonly transfer: readonly Transferable[];
  /** The slot a resource pins the job to, and the epoch the resource belongs to. */
  readonly pin: { readonly slot: number; readonly epoch: number } | undefined;
  /** `dispatching` is the moment between a queue and a slot. */
  where: "waiting" | "queued" | "dispatching" | "running" | "done";
  slot: Slot | undefined;
  /** The transport's id of the request, once sent. */
  id: number | undefined;
  /** The slot's epoch when the job was sent: resources in its reply belong to it. */
  epoch: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  cleanup: () => void;
  /** What to do with a successful reply's value. */
  readonly onValue?: (slot: Slot, reply: CallReply & { ok: true }) => unknown;
}

type StartTransport = (
  onCrash: (slot: Slot, transport: Transport, error: WorkerCrashedError) => void,
  slot: Slot,
  signal: AbortSignal,
) => Promise<Transport>;

function toBytes(source: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (source instanceof Uint8Array) return source;
  if (ArrayBuffer.isView(source)) {
    return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  }
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  throw new TypeError(
    `Cannot create a worker pool from the source: expected bytes, a URL or a Component, received ${typeof source}`,
  );
}

/** Whether the pool's workers get the component compiled `interruptible`. */
function interruptible(mode: "worker" | "in-thread", options: WorkerPoolOptions): boolean {
  return mode === "worker" && options.interruptible !== false;
}

/**
 * Refuses main-thread imports whose function returns a value where a guest
 * cannot wait for one (no JSPI).
 */
function checkCallbackResults(component: Component, paths: readonly string[][]): void {
  for (const path of paths) {
    let descs = component.type.imports;
    for (let i = 0; i < path.length; i++) {
      const key = path[i]!;
      const desc = descs.find((d) => d.name === key || toCamelCase(d.name) === key);
      if (desc === undefined) break;
      if (desc.type.kind === "instance") {
        descs = desc.type.exports;
        continue;
      }
      if (desc.type.kind === "func" && desc.type.type.result !== undefined) {
        throw new TypeError(
          `Cannot use main-thread import ${
            path.join(".")
          } in a worker: it returns a value, and a guest cannot wait for a main-thread call; ` +
            "implement it in the imports module instead",
        );
      }
      break;
    }
  }
}

/**
 * A pool of instances of one component. Create it with
 * {@linkcode WorkerPool.create}, call exports with
 * {@linkcode WorkerPool.prototype.call}, and dispose it with `await using`.
 */
export class WorkerPool implements AsyncDisposable {
  /** `"worker"` or `"in-thread"`: where the instances run. */
  readonly mode: "worker" | "in-thread";
  #slots: Slot[];
  #queue: Job[] = [];
  #waiting: Job[] = [];
  #active = 0;
  #instances = 0;
  #closed = false;
  #terminated = false;
  #drained: PromiseWithResolvers<void> | undefined;
  #eager: boolean;
  #idleTimeout: number;
  #maxQueue: number;
  #whenFull: "wait" | "reject";
  #timeout: number | undefined;
  #pipeline: number;
  #startTimeout: number;
  // A handle the caller forgot (never dropped, now garbage) still pins its
  // resource and its worker: drop it in its instance once it is collected.
  #finalizer = new FinalizationRegistry<HandleRef>((ref) => this.#collected(ref));
  #startTransport: StartTransport;

  private constructor(
    mode: "worker" | "in-thread",
    size: number,
    options: WorkerPoolOptions,
    startTransport: StartTransport,
  ) {
    this.mode = mode;
    this.#slots = Array.from({ length: size }, (_, index) => ({
      index,
      transport: undefined,
      starting: false,
      failed: false,
      started: undefined,
      stopStart: undefined,
      epoch: 0,
      inFlight: [],
      affine: [],
      calls: 0,
      restarts: 0,
      generation: undefined,
      instance: undefined,
      resources: 0,
      idleTimer: undefined,
    }));
    this.#eager = options.start === "eager";
    this.#idleTimeout = options.idleTimeout ?? 30_000;
    this.#maxQueue = options.maxQueue ?? 1024;
    this.#whenFull = options.whenFull ?? "wait";
    this.#timeout = options.timeout;
    this.#pipeline = options.pipeline ?? 2;
    this.#startTimeout = options.startTimeout ?? 60_000;
    this.#startTransport = startTransport;
  }

  /**
   * Creates a pool for a component given as bytes, a URL (fetched) or a
   * compiled `Component`. The core modules are compiled once, here, and the
   * compiled modules are sent to every worker. With `start: "eager"` the
   * returned promise waits until every instance is ready (and rejects with
   * e.g. a `LinkError` if one cannot be made).
   */
  static async create(
    source: ArrayBuffer | ArrayBufferView | URL | Component,
    options: WorkerPoolOptions = {},
  ): Promise<WorkerPool> {
    const requested = options.mode ?? "auto";
    const mode = requested === "auto"
      ? (typeof Worker === "function" ? "worker" : "in-thread")
      : requested;
    if (mode !== "worker" && mode !== "in-thread") {
      throw new TypeError(
        `Cannot create a worker pool with mode "${requested}": expected "auto", "worker" or "in-thread"`,
      );
    }
    const size = options.size ??
      (mode === "worker" ? Math.max(1, navigator.hardwareConcurrency || 1) : 1);
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(
        `Cannot create a worker pool of size ${size}: expected a positive integer`,
      );
    }
    const pipeline = options.pipeline ?? 2;
    if (!Number.isInteger(pipeline) || pipeline < 1 || pipeline > RING) {
      throw new RangeError(
        `Cannot create a worker pool with pipeline ${pipeline}: expected an integer from 1 to ${RING}`,
      );
    }
    const spin = options.spin ?? 50;
    if (typeof spin !== "number" || !(spin >= 0) || !Number.isFinite(spin)) {
      throw new RangeError(
        `Cannot create a worker pool with spin ${spin}: expected a finite number of microseconds, 0 or more`,
      );
    }
    const replyDelay = options.replyDelay ?? 2;
    if (typeof replyDelay !== "number" || !(replyDelay >= 0) || !Number.isFinite(replyDelay)) {
      throw new RangeError(
        `Cannot create a worker pool with replyDelay ${replyDelay}: expected a finite number of milliseconds, 0 or more`,
      );
    }
    let component: Component;
    let bytes: Uint8Array | undefined;
    if (source instanceof Component) {
      component = source;
      if (options.bytes !== undefined) bytes = toBytes(options.bytes);
    } else {
      if (source instanceof URL) {
        const response = await fetch(source);
        if (!response.ok) {
          await response.body?.cancel();
          throw new TypeError(
            `Cannot fetch the component at ${source.href}: received HTTP ${response.status}`,
          );
        }
        bytes = new Uint8Array(await response.arrayBuffer());
      } else {
        bytes = toBytes(source);
      }
      component = await Component.compile(bytes, { interruptible: interruptible(mode, options) });
    }
    const importsUrl = options.imports === undefined
      ? undefined
      : options.imports instanceof URL
      ? options.imports.href
      : new URL(options.imports).href;
    const callbacks = functionPaths(options.mainThreadImports ?? {});

    let startTransport: StartTransport;
    if (mode === "worker") {
      if (bytes === undefined) {
        throw new TypeError(
          "Cannot create a worker pool from a Component without its binary: pass `bytes` too " +
            "(workers rebuild the component from its binary and the compiled core modules)",
        );
      }
      if (!hasJspi()) checkCallbackResults(component, callbacks.map(([path]) => path));
      // Workers get core modules that check an interrupt flag, so that a
      // guest in an endless loop stops when its worker is terminated.
      const modules = component.interruptible || !interruptible(mode, options)
        ? component.modules()
        : (await Component.compile(bytes, { interruptible: true })).modules();
      const init: WorkerInit = {
        bytes,
        modules,
        imports: importsUrl,
        callbacks,
        onCallbackError: options.onCallbackError ?? ((error) => console.error(error)),
        replyDelay,
        spin,
      };
      startTransport = (onCrash, slot, signal) => {
        let transport: Transport | undefined;
        const started = WorkerTransport.start(init, (error) => {
          if (transport !== undefined) onCrash(slot, transport, error);
        }, signal);
        return started.then((t) => transport = t);
      };
    } else {
      const imports: ImportsFactory = await loadImports(importsUrl, callbacks);
      startTransport = () => InThreadTransport.start(component, imports);
    }
    const pool = new WorkerPool(mode, size, options, startTransport);
    if (pool.#eager) {
      try {
        await Promise.all(pool.#slots.map((slot) => pool.#start(slot)));
      } catch (error) {
        pool.terminate();
        throw error;
      }
    }
    return pool;
  }

  /** The number of instance slots. */
  get size(): number {
    return this.#slots.length;
  }

  /**
   * Calls export `name` with `args` on the least busy instance (or on the
   * instance that holds a {@linkcode PooledResource} among the arguments).
   * `name` is `fn`, `iface#fn`, `[constructor]r`, `[method]r.m` or
   * `[static]r.f`, with `iface#` before the last three for an interface's
   * resources. Arguments must be structured-clonable (checked before
   * sending: a `TypeError` names the offending place). Resources in the
   * result come back as {@linkcode PooledResource}s.
   */
  call<T = unknown>(
    name: string,
    args: readonly unknown[] = [],
    options: CallOptions = {},
  ): Promise<T> {
    if (typeof name !== "string") {
      return Promise.reject(
        new TypeError(
          `Cannot call the pool: the export name must be a string, received ${typeof name}`,
        ),
      );
    }
    return this.#submit(
      (pin, handles, value) => ({
        request: { kind: "call", name, args: value, handles },
        pin,
      }),
      args,
      options,
    ) as Promise<T>;
  }

  /** @internal Used by {@linkcode PooledResource.prototype.call}. */
  callMethod(
    resource: PooledResource,
    method: string,
    args: readonly unknown[],
    options: CallOptions,
  ): Promise<unknown> {
    const found = handleRefOf(resource);
    if (found === undefined || found.owner !== this) {
      return Promise.reject(new TypeError("Cannot call a method of a resource of another pool"));
    }
    const ref = found.ref;
    return this.#submit(
      (pin, handles, value) => {
        if (pin !== undefined && (pin.slot !== ref.slot || pin.epoch !== ref.epoch)) {
          throw new TypeError(
            `Cannot call ${resource.type}.${method}: its arguments hold resources of another instance`,
          );
        }
        if (resource.dropped) {
          throw new ResourceLostError(`Cannot call ${resource.type}.${method}: it was dropped`);
        }
        return {
          request: { kind: "method", handle: ref.handle, method, args: value, handles },
          pin: { slot: ref.slot, epoch: ref.epoch },
        };
      },
      args,
      options,
    );
  }

  /** @internal Used by {@linkcode PooledResource.prototype.drop}. */
  dropResource(resource: PooledResource): Promise<void> {
    this.#finalizer.unregister(resource);
    return this.#dropRef(handleRefOf(resource)!.ref);
  }

  #collected(ref: HandleRef): void {
    this.#dropRef(ref).catch(() => {});
  }

  #dropRef(ref: HandleRef): Promise<void> {
    const slot = this.#slots[ref.slot]!;
    // A resource whose instance is gone (or a pool that is closing) has nothing left to drop.
    if (this.#closed || slot.epoch !== ref.epoch) return Promise.resolve();
    return this.#submit(
      () => ({
        request: { kind: "drop", handle: ref.handle },
        pin: { slot: ref.slot, epoch: ref.epoch },
      }),
      [],
      {},
    ).then(() => {
      if (slot.epoch === ref.epoch) slot.resources--;
    });
  }

  #submit(
    build: (
      pin: { slot: number; epoch: number } | undefined,
      handles: [ValuePath, number][],
      args: unknown[],
    ) => { request: CallRequest; pin: { slot: number; epoch: number } | undefined },
    args: readonly unknown[],
    options: CallOptions,
  ): Promise<unknown> {
    if (this.#closed) return Promise.reject(new PoolClosedError());
    let job: Job;
    const done = Promise.withResolvers<unknown>();
    try {
      if (!Array.isArray(args)) {
        throw new TypeError(
          `Cannot call the pool: args must be an array, received ${
            args === null ? "null" : typeof args
          }`,
        );
      }
      const encoded = encodeValue<HandleRef>(args, "args", {
        handleOf: (value) => {
          if (!(value instanceof PooledResource)) return undefined;
          const found = handleRefOf(value);
          if (found?.owner !== this) {
            throw new TypeError("Cannot pass a resource of another pool to this pool");
          }
          return found.ref;
        },
        transfer: this.mode === "worker" && options.transfer === true,
        check: true,
      });
      let pin: { slot: number; epoch: number } | undefined;
      for (const [, ref] of encoded.handles) {
        if (pin === undefined) pin = { slot: ref.slot, epoch: ref.epoch };
        else if (pin.slot !== ref.slot || pin.epoch !== ref.epoch) {
          throw new TypeError(
            "Cannot call the pool with resources of two different instances in one call",
          );
        }
      }
      const built = build(
        pin,
        encoded.handles.map(([path, ref]) => [path, ref.handle]),
        encoded.value as unknown[],
      );
      if (built.pin !== undefined && this.#slots[built.pin.slot]!.epoch !== built.pin.epoch) {
        throw new ResourceLostError(
          "Cannot use the resource: its instance was replaced after a trap, crash, timeout or cancellation",
        );
      }
      const transfer = this.mode !== "worker"
        ? []
        : Array.isArray(options.transfer)
        ? options.transfer as Transferable[]
        : encoded.transfer;
      job = {
        request: built.request,
        transfer,
        pin: built.pin,
        where: "waiting",
        slot: undefined,
        id: undefined,
        epoch: 0,
        resolve: done.resolve,
        reject: done.reject,
        cleanup: () => {},
      };
    } catch (error) {
      return Promise.reject(error);
    }
    const signal = options.signal;
    if (signal?.aborted) {
      return Promise.reject(new CancelledError(undefined, { cause: signal.reason }));
    }
    const timeout = options.timeout ?? this.#timeout;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (timeout !== undefined && Number.isFinite(timeout)) {
      timer = setTimeout(
        () => this.#cancel(job, new TimeoutError(`The call timed out after ${timeout} ms`)),
        timeout,
      );
    }
    const onAbort = () =>
      this.#cancel(job, new CancelledError(undefined, { cause: signal!.reason }));
    signal?.addEventListener("abort", onAbort, { once: true });
    job.cleanup = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    this.#active++;
    if (this.#queuedCount() >= this.#maxQueue) {
      if (this.#whenFull === "reject") {
        this.#settle(job, false, new QueueFullError());
        return done.promise;
      }
      this.#waiting.push(job);
    } else {
      this.#enqueue(job);
    }
    this.#pump();
    return done.promise;
  }

  #queuedCount(): number {
    let n = this.#queue.length;
    for (const slot of this.#slots) n += slot.affine.length;
    return n;
  }

  #enqueue(job: Job): void {
    job.where = "queued";
    if (job.pin === undefined) this.#queue.push(job);
    else this.#slots[job.pin.slot]!.affine.push(job);
  }

  #settle(job: Job, ok: boolean, value: unknown): void {
    if (job.where === "done") return;
    if (job.where === "waiting" || job.where === "queued") {
      const list = job.where === "waiting"
        ? this.#waiting
        : job.pin === undefined
        ? this.#queue
        : this.#slots[job.pin.slot]!.affine;
      const at = list.indexOf(job);
      if (at >= 0) list.splice(at, 1);
    }
    job.where = "done";
    job.cleanup();
    this.#active--;
    if (ok) job.resolve(value);
    else job.reject(value);
  }

  /** Ends a call early (timeout or abort). */
  #cancel(job: Job, error: Error): void {
    // A call that finished before the deadline may have a reply its worker
    // has not announced yet: take it rather than end the call.
    if (job.where === "running") job.slot?.transport?.poll();
    if (job.where === "done") return;
    const slot = job.slot;
    const sent = job.where === "running";
    this.#settle(job, false, error);
    const transport = slot?.transport;
    if (sent && slot !== undefined && transport !== undefined && job.id !== undefined) {
      if (transport.tryCancel(job.id)) {
        // Sent ahead but not started: the instance will skip it.
        const at = slot.inFlight.indexOf(job);
        if (at >= 0) slot.inFlight.splice(at, 1);
      } else if (transport.interruptible) {
        // The only way to stop a guest that may be in an endless loop.
        this.#slotDown(
          slot,
          transport,
          new WorkerCrashedError(`The worker was terminated to end a call: ${error.message}`, {
            cause: error,
          }),
        );
      }
      // A started in-thread call cannot be stopped: it completes and its result is dropped.
    }
    this.#pump();
  }

  #start(slot: Slot): Promise<void> {
    slot.starting = true;
    const stop = new AbortController();
    slot.stopStart = stop;
    const limit = this.#startTimeout;
    const timer = Number.isFinite(limit)
      ? setTimeout(
        () => stop.abort(new WorkerCrashedError(`The worker did not start within ${limit} ms`)),
        limit,
      )
      : undefined;
    let started: Promise<Transport>;
    try {
      started = this.#startTransport((s, t, e) => this.#slotDown(s, t, e), slot, stop.signal);
    } catch (error) {
      // `new Worker` throws at once without permission to read the worker script.
      started = Promise.reject(error);
    }
    started = started.finally(() => {
      clearTimeout(timer);
      slot.stopStart = undefined;
    });
    slot.started = started.catch(() => {});
    return started.then((transport) => {
      slot.starting = false;
      slot.failed = false;
      if (this.#terminated) {
        transport.terminate("The pool was terminated");
        return;
      }
      slot.transport = transport;
      slot.generation = 1;
      slot.instance = ++this.#instances;
      this.#pump();
    }, (error) => {
      slot.starting = false;
      slot.failed = true;
      // An instance that cannot be made (a LinkError, a broken imports
      // module) fails the calls waiting for one rather than retrying forever.
      for (const job of [...this.#queue]) this.#settle(job, false, error);
      this.#pump();
      throw error;
    });
  }

  /** Takes down a slot's worker (crashed, or terminated to end a call) and fails what depended on it. */
  #slotDown(slot: Slot, transport: Transport, error: WorkerCrashedError): void {
    if (slot.transport !== transport) return;
    slot.transport = undefined;
    slot.epoch++;
    slot.restarts++;
    slot.resources = 0;
    slot.generation = undefined;
    slot.instance = undefined;
    if (slot.idleTimer !== undefined) clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    const inFlight = slot.inFlight;
    slot.inFlight = [];
    // Settles the calls whose replies the worker wrote before it went (see #answered).
    transport.terminate(error.message);
    const again: Job[] = [];
    for (const job of inFlight) {
      if (job.where === "done") continue;
      // Claim the calls that have not started, so that a worker still
      // winding down cannot start one that is about to run elsewhere.
      if (job.id !== undefined && !transport.tryCancel(job.id)) this.#settle(job, false, error);
      else if (job.pin !== undefined) {
        this.#settle(
          job,
          false,
          new ResourceLostError("Cannot use the resource: its worker was replaced", {
            cause: error,
          }),
        );
      } else again.push(job);
    }
    // Calls sent ahead that never started run elsewhere, first.
    for (const job of again.reverse()) {
      job.where = "queued";
      job.slot = undefined;
      job.id = undefined;
      this.#queue.unshift(job);
    }
    for (const job of [...slot.affine]) {
      this.#settle(
        job,
        false,
        new ResourceLostError("Cannot use the resource: its worker was replaced", { cause: error }),
      );
    }
    this.#pump();
  }

  #run(slot: Slot, job: Job): void {
    const transport = slot.transport!;
    if (job.pin !== undefined && job.pin.epoch !== slot.epoch) {
      this.#settle(
        job,
        false,
        new ResourceLostError("Cannot use the resource: its instance was replaced"),
      );
      return;
    }
    job.where = "running";
    job.slot = slot;
    job.epoch = slot.epoch;
    slot.inFlight.push(job);
    job.id = transport.request(
      job.request,
      job.transfer,
      (reply, error) => this.#answered(slot, transport, job, reply, error),
    );
  }

  /**
   * Handles the outcome of a sent job. A reply can also come from a worker
   * that is already gone (written before it died, read while the slot was
   * taken down): its value is good, but its resources belong to the
   * instance that is gone.
   */
  #answered(
    slot: Slot,
    transport: Transport,
    job: Job,
    reply: CallReply | undefined,
    error: Error | undefined,
  ): void {
    const current = slot.transport === transport;
    if (error !== undefined) {
      // A dead worker's calls are settled (or sent elsewhere) by #slotDown.
      if (!current) return;
      const at = slot.inFlight.indexOf(job);
      if (at >= 0) slot.inFlight.splice(at, 1); // the request could not be sent
      this.#settle(job, false, error);
      this.#pump();
      return;
    }
    if (current) {
      const at = slot.inFlight.indexOf(job);
      // Not there: cancelled while sent ahead (already settled).
      if (at < 0) return;
      slot.inFlight.splice(at, 1);
    } else if (job.where === "done") return;
    if (reply === undefined) {
      // Cancelled before it started (already settled).
      if (current) this.#pump();
      return;
    }
    if (current) {
      slot.calls++;
      if (reply.instance !== slot.generation) {
        slot.generation = reply.instance;
        slot.instance = ++this.#instances;
      }
      if (reply.poisoned) {
        // The instance replaces itself before its next call; its resources are gone.
        slot.restarts++;
        slot.epoch++;
        slot.resources = 0;
        slot.generation = reply.instance + 1;
        slot.instance = ++this.#instances;
      }
    }
    if (reply.ok) {
      let value = reply.value;
      for (const [path, handle, type] of reply.handles) {
        const resource = new PooledResource(
          this as ResourceOwner,
          { slot: slot.index, epoch: job.epoch, handle },
          type,
        );
        this.#finalizer.register(resource, resource.ref(), resource);
        value = placeAt(value, path, resource);
      }
      if (slot.epoch === job.epoch) slot.resources += reply.handles.length;
      if (job.where === "done") {
        // The caller gave up (an in-thread call cannot be stopped): drop what it made.
        for (const [path] of reply.handles) {
          let item: unknown = value;
          for (const seg of path) item = (item as Record<string | number, unknown>)[seg];
          void (item as PooledResource).drop().catch(() => {});
        }
      }
      this.#settle(job, true, value);
    } else {
      this.#settle(job, false, reply.error);
    }
    if (current) this.#pump();
  }

  #pump(): void {
    // Admit waiting calls while there is room.
    while (this.#waiting.length > 0 && this.#queuedCount() < this.#maxQueue) {
      const job = this.#waiting.shift()!;
      this.#enqueue(job);
    }
    const depth = this.#pipeline;
    // A slot's own resources' calls first, then shared calls to the least busy slot.
    for (const slot of this.#slots) {
      while (slot.transport !== undefined && slot.inFlight.length < depth) {
        const job = slot.affine.shift();
        if (job === undefined) break;
        job.where = "dispatching";
        this.#run(slot, job);
      }
    }
    let sentAhead = 0;
    while (this.#queue.length > 0) {
      let best: Slot | undefined;
      for (const slot of this.#slots) {
        if (slot.transport === undefined || slot.inFlight.length >= depth) continue;
        if (best === undefined || slot.inFlight.length < best.inFlight.length) best = slot;
      }
      if (best === undefined) break;
      if (best.inFlight.length > 0) sentAhead++;
      const job = this.#queue.shift()!;
      job.where = "dispatching";
      this.#run(best, job);
    }
    // Start instances for work no idle started one could take (all of them
    // when eager): calls sent ahead to a busy worker count as such work.
    if (!this.#terminated) {
      let need = this.#queue.length + sentAhead - this.#slots.filter((s) => s.starting).length;
      for (const slot of this.#slots) {
        if (slot.transport !== undefined || slot.starting) continue;
        if (need <= 0 && (!this.#eager || this.#closed || slot.failed)) continue;
        need--;
        this.#start(slot).catch(() => {});
      }
    }
    this.#armIdleTimers();
    if (this.#active === 0 && this.#drained !== undefined) this.#drained.resolve();
  }

  #armIdleTimers(): void {
    if (!Number.isFinite(this.#idleTimeout) || this.#closed) return;
    for (const slot of this.#slots) {
      if (slot.transport === undefined || slot.idleTimer !== undefined) continue;
      this.#armIdleTimer(slot);
    }
  }

  // One timer per started slot, not one per call (timers cost more than a
  // call): when it fires, a slot that worked since it was set gets another
  // period, so a slot is stopped after between one and two idle periods.
  #armIdleTimer(slot: Slot): void {
    const callsAtArm = slot.calls;
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (slot.transport === undefined || this.#closed) return;
      if (
        slot.calls !== callsAtArm || slot.inFlight.length > 0 || slot.affine.length > 0 ||
        slot.resources > 0 || this.#queue.length > 0
      ) {
        this.#armIdleTimer(slot);
        return;
      }
      slot.transport.terminate("The idle worker was stopped");
      slot.transport = undefined;
      slot.epoch++;
      slot.generation = undefined;
      slot.instance = undefined;
    }, this.#idleTimeout);
  }

  /** Per-slot diagnostics: which thread and instance, calls served, in flight, restarts. */
  stats(): WorkerStats[] {
    return this.#slots.map((slot) => ({
      worker: slot.index,
      state: slot.starting
        ? "starting"
        : slot.transport === undefined
        ? "stopped"
        : slot.inFlight.length === 0
        ? "idle"
        : "busy",
      thread: slot.transport?.thread,
      instance: slot.instance,
      calls: slot.calls,
      inFlight: slot.inFlight.length,
      queued: slot.affine.length,
      restarts: slot.restarts,
      resources: slot.resources,
    }));
  }

  /**
   * Stops at once: every call not yet finished rejects with
   * `WorkerCrashedError`, and every worker is terminated.
   */
  terminate(): void {
    this.#closed = true;
    this.#terminated = true;
    const error = new WorkerCrashedError("The pool was terminated");
    for (const job of [...this.#waiting, ...this.#queue]) this.#settle(job, false, error);
    for (const slot of this.#slots) {
      for (const job of [...slot.affine]) this.#settle(job, false, error);
      for (const job of slot.inFlight) this.#settle(job, false, error);
      slot.inFlight = [];
      if (slot.idleTimer !== undefined) clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
      slot.transport?.terminate("The pool was terminated");
      slot.transport = undefined;
      slot.stopStart?.abort(error);
    }
    this.#drained?.resolve();
  }

  /**
   * Closes the pool to new calls, waits for every call already made to
   * finish (give calls a `timeout`, or use `terminate()`, if one may hang),
   * then terminates the workers.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#closed = true;
    for (const slot of this.#slots) {
      if (slot.idleTimer !== undefined) clearTimeout(slot.idleTimer);
      slot.idleTimer = undefined;
    }
    if (this.#active > 0) {
      this.#drained ??= Promise.withResolvers();
      await this.#drained.promise;
    }
    this.terminate();
    // A worker still starting is terminated as soon as it is up: wait for that.
    await Promise.all(this.#slots.map((slot) => slot.started));
  }
}
