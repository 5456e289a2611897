/**
 * The script every pool worker runs: it receives the component's binary and
 * its compiled core modules (never recompiled here), loads the imports
 * module, wires main-thread callbacks through comlink, and runs calls one at
 * a time on its instance.
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
import { hasJspi, RING, type ToWorker } from "./protocol.ts";

const thread = crypto.randomUUID();
let host: InstanceHost | undefined;
let states: Int32Array | undefined;

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
    try {
      const component = Component.fromModules(message.bytes, message.modules);
      const extra = message.callbacks === undefined
        ? []
        : callbackImports(message.callbacks.port, message.callbacks.paths);
      host = await InstanceHost.create(component, await loadImports(message.imports, extra));
      self.postMessage({ type: "ready", thread });
    } catch (error) {
      self.postMessage({ type: "init-error", error: encodeError(error) });
    }
    return;
  }
  if (busy) waiting.push(message);
  else start(message);
};

/** Calls that arrived while a call was suspended (JSPI): they start after it, in order. */
const waiting: CallMessage[] = [];
let busy = false;

type CallMessage = Extract<ToWorker, { type: "call" }>;

function start(message: CallMessage): void {
  // Claim the request, unless the pool cancelled it while it waited here.
  // Only a started call is claimed: one still waiting can be cancelled.
  const id = message.id;
  if (Atomics.compareExchange(states!, id % RING, id, -id) !== id) {
    self.postMessage({ type: "reply", id, reply: undefined });
    return;
  }
  const pending = host!.execute(message.request);
  if (!(pending instanceof Promise)) {
    send(id, pending);
    return;
  }
  busy = true;
  pending.then((reply) => {
    send(id, reply);
    busy = false;
    while (!busy && waiting.length > 0) start(waiting.shift()!);
  });
}

function send(id: number, reply: CallReply): void {
  if (reply.ok) {
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
