/**
 * The script every pool worker runs: it receives the component's binary and
 * its compiled core modules (never recompiled here), loads the imports
 * module, wires main-thread callbacks through comlink, and runs calls one at
 * a time on its instance, in the order the pool made them.
 *
 * Calls come through the shared request ring (shared_ring.ts) and replies go
 * back through the reply ring, so neither side needs a thread wake-up per
 * call: after its last queued call an idle worker polls the ring for
 * `spin` microseconds before it sleeps on it, and while more calls are
 * queued it lets replies gather for up to `replyDelay` milliseconds before
 * it wakes the pool for them. What is not plain data goes by message.
 *
 * @module
 */
/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
import * as Comlink from "comlink";
import { Component } from "@weft/runtime";
import { type CallReply, InstanceHost } from "./instance_host.ts";
import { loadImports } from "./load_imports.ts";
import { decodeError, encodeError, type WireError } from "./wire_error.ts";
import type { CallRequest } from "./instance_host.ts";
import { hasJspi, RING, TIMED, type ToWorker } from "./protocol.ts";
import { RingReader, RingWriter, waitAsync, WRITE } from "./shared_ring.ts";
import { readRequest, writeReply } from "./channel_records.ts";

const thread = crypto.randomUUID();
let host: InstanceHost | undefined;
let states: Int32Array | undefined;
let requests: RingReader | undefined;
let replies: RingWriter | undefined;
let replyDelay = 0;
let spin = 0;
/** When the oldest reply written but not yet announced was written, or -1. */
let heldSince = -1;

interface CallMessage {
  readonly id: number;
  readonly request: CallRequest;
}

/** Calls taken and not started, in order. */
const waiting: CallMessage[] = [];
/** Calls that came by message before their marker was read from the ring. */
const byMessage = new Map<number, CallRequest>();
/** The id of a marker read whose message has not come yet: the ring waits behind it. */
let stalledOn: number | undefined;
/** Whether a call is suspended (JSPI) or waits for its instance to be replaced. */
let busy = false;
/** Whether {@linkcode run} is on the stack. */
let running = false;
/** Whether a wait on the request ring is armed. */
let parked = false;

// A guest's host import that closes the worker would otherwise look like a
// hang: tell the pool first so it rejects the call at once.
const close = self.close.bind(self);
self.close = () => {
  self.postMessage({ type: "closing" });
  close();
};

interface Callbacks {
  invoke(path: string[], args: unknown[]): Promise<
    { ok: true; value: unknown } | {
      ok: false;
      error: WireError;
    }
  >;
}

function callbackImports(port: MessagePort, paths: string[][]): [string[], unknown][] {
  const remote = Comlink.wrap<Callbacks>(port);
  const invoke = async (path: string[], args: unknown[]): Promise<unknown> => {
    const reply = await remote.invoke(path, args);
    if (reply.ok) return reply.value;
    throw decodeError(reply.error);
  };
  // With JSPI an async import suspends the guest until the main thread answers.
  if (hasJspi()) {
    return paths.map((path) => [path, async (...args: unknown[]) => await invoke(path, args)]);
  }
  return paths.map((path) => [path, (...args: unknown[]) => {
    const result = invoke(path, args);
    // Without JSPI the guest cannot wait, so nobody else may see the
    // rejection: report it rather than crash the worker.
    result.catch((error) =>
      self.postMessage({ type: "callback-error", error: encodeError(error) })
    );
    return undefined;
  }]);
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === "init") {
    states = message.states;
    if (message.rings !== undefined) {
      requests = new RingReader(message.rings.requests);
      replies = new RingWriter(message.rings.replies);
    }
    replyDelay = message.replyDelay;
    spin = message.spin;
    try {
      const component = Component.fromModules(message.bytes, message.modules);
      const extra = message.callbacks === undefined
        ? []
        : callbackImports(message.callbacks.port, message.callbacks.paths);
      host = await InstanceHost.create(component, await loadImports(message.imports, extra), {
        interrupt: message.interrupt,
      });
      self.postMessage({ type: "ready", thread });
      run();
    } catch (error) {
      self.postMessage({ type: "init-error", error: encodeError(error) });
    }
    return;
  }
  if (requests === undefined) waiting.push(message);
  else if (stalledOn === message.id) {
    stalledOn = undefined;
    waiting.push(message);
  } else byMessage.set(message.id, message.request);
  if (host !== undefined) run();
};

/** Moves the calls written to the request ring to `waiting`. */
function take(): void {
  if (requests === undefined) return;
  while (stalledOn === undefined) {
    const record = requests.read(readRequest);
    if (record === undefined) return;
    if (record.request !== undefined) {
      waiting.push(record as CallMessage);
      continue;
    }
    const request = byMessage.get(record.id);
    if (request === undefined) stalledOn = record.id;
    else {
      byMessage.delete(record.id);
      waiting.push({ id: record.id, request });
    }
  }
}

/**
 * Runs the calls that are there, then, idle, announces the replies held
 * back, polls the ring for `spin` microseconds (a call that comes meanwhile
 * starts without a wake-up), and sleeps on it.
 */
function run(): void {
  if (running) return;
  running = true;
  try {
    for (;;) {
      take();
      while (!busy && waiting.length > 0) start(waiting.shift()!);
      if (busy) return;
      announce(true);
      if (!poll()) break;
    }
    park();
  } finally {
    running = false;
  }
}

/** Polls the request ring for `spin` microseconds; whether a call came. */
function poll(): boolean {
  if (requests === undefined || spin <= 0 || stalledOn !== undefined) return false;
  const end = performance.now() + spin / 1000;
  do {
    if (requests.ready) return true;
  } while (performance.now() < end);
  return requests.ready;
}

/** Sleeps on the request ring (the pool wakes it after each write). */
function park(): void {
  // Behind a marker the ring may hold more, but the message comes first.
  if (requests === undefined || parked || stalledOn !== undefined) return;
  parked = true;
  const wait = waitAsync!(requests.header, WRITE, requests.consumed);
  const wake = () => {
    parked = false;
    run();
  };
  if (wait.async) wait.value.then(wake);
  else queueMicrotask(wake);
}

function start(message: CallMessage): void {
  // Claim the request, unless the pool cancelled it while it waited here.
  // Only a started call is claimed: one still waiting can be cancelled.
  const id = message.id;
  if (Atomics.compareExchange(states!, id % RING, id, -id) !== id) {
    send(id, undefined);
    return;
  }
  const pending = host!.execute(message.request);
  if (!(pending instanceof Promise)) {
    send(id, pending);
    return;
  }
  // While this call waits, the pool must not wait for replies held back.
  announce(true);
  busy = true;
  pending.then((reply) => {
    send(id, reply);
    busy = false;
    run();
  });
}

/**
 * Wakes the pool to read the replies written to the reply ring, unless more
 * calls are queued here and the oldest unannounced reply is younger than
 * `replyDelay`: then the next replies join it and the pool wakes once for
 * them all. The pool's wait has a time limit whenever it lets replies be
 * held back (`TIMED`), so one held behind a call that never ends is read
 * anyway. With `now`, announces what is held, if anything.
 */
function announce(now: boolean): void {
  if (replies === undefined) return;
  if (!now && replyDelay > 0 && Atomics.load(replies.header, TIMED) === 1) {
    const more = waiting.length > 0 || stalledOn !== undefined || requests!.ready;
    if (more) {
      const time = performance.now();
      if (heldSince < 0) heldSince = time;
      if (time - heldSince < replyDelay) return;
    }
  }
  if (now && heldSince < 0) return;
  heldSince = -1;
  replies.notify();
}

function send(id: number, reply: CallReply | undefined): void {
  if (
    replies !== undefined && (reply === undefined || reply.ok) &&
    replies.write((c) => writeReply(c, id, reply))
  ) {
    announce(false);
    return;
  }
  // A message wakes the pool, which reads the reply ring first.
  heldSince = -1;
  if (reply === undefined) {
    self.postMessage({ type: "reply", id, reply: undefined });
  } else if (reply.ok) {
    try {
      self.postMessage({ type: "reply", id, reply });
    } catch (error) {
      self.postMessage({
        type: "reply",
        id,
        reply: {
          ok: false,
          error: encodeError(
            new TypeError(`Cannot send the result to the main thread: ${(error as Error).message}`),
          ),
          instance: reply.instance,
          poisoned: false,
        },
      });
    }
  } else {
    self.postMessage({ type: "reply", id, reply: { ...reply, error: encodeError(reply.error) } });
  }
}
