/**
 * The records a pool and a worker exchange through their shared rings
 * (shared_ring.ts): requests one way, replies the other. A request whose
 * arguments are not plain data (or that transfers buffers) goes by message,
 * and a marker record keeps its place in the order of requests. A reply
 * that is a failure, is not plain data, or is too large goes by message
 * with nothing in the ring: replies need no order.
 *
 * @module
 */
import type { CallReply, CallRequest } from "./instance_host.ts";
import type { ValuePath } from "./encode_value.ts";
import { type PlainCursor, readPlain, writePlain } from "./plain_codec.ts";

const enum Op {
  Call,
  Method,
  Drop,
  /** The request comes by message. */
  Marker,
}

const enum Outcome {
  Cancelled,
  Succeeded,
}

/** A successful reply. */
export type Succeeded = Extract<CallReply, { ok: true }>;

/** A request as read from the ring: `request` is `undefined` when it comes by message. */
export interface RequestRecord {
  /** The transport's id of the request. */
  readonly id: number;
  /** What to run, or `undefined` for a marker. */
  readonly request: CallRequest | undefined;
}

/** A reply as read from the ring. */
export interface ReplyRecord {
  /** The transport's id of the request. */
  readonly id: number;
  /** The reply, or `undefined` if the request was cancelled before it started. */
  readonly reply: Succeeded | undefined;
}

function head(c: PlainCursor, id: number, op: number): boolean {
  if (c.at + 5 > c.end) return false;
  c.view.setInt32(c.at, id, true);
  c.bytes[c.at + 4] = op;
  c.at += 5;
  return true;
}

function u32(c: PlainCursor, value: number): boolean {
  if (c.at + 4 > c.end) return false;
  c.view.setUint32(c.at, value, true);
  c.at += 4;
  return true;
}

function readU32(c: PlainCursor): number {
  c.at += 4;
  return c.view.getUint32(c.at - 4, true);
}

/**
 * Writes request `id` at the cursor, or (with `request` `undefined`) a
 * marker for one sent by message. `false` if it cannot be written.
 */
export function writeRequest(
  c: PlainCursor,
  id: number,
  request: CallRequest | undefined,
): boolean {
  if (request === undefined) return head(c, id, Op.Marker);
  switch (request.kind) {
    case "call":
      return head(c, id, Op.Call) && writePlain(c, request.name) &&
        writePlain(c, request.args) && writePlain(c, request.handles);
    case "method":
      return head(c, id, Op.Method) && u32(c, request.handle) && writePlain(c, request.method) &&
        writePlain(c, request.args) && writePlain(c, request.handles);
    case "drop":
      return head(c, id, Op.Drop) && u32(c, request.handle);
  }
}

/** Reads a record written by {@linkcode writeRequest}. */
export function readRequest(c: PlainCursor): RequestRecord {
  const id = c.view.getInt32(c.at, true);
  const op = c.bytes[c.at + 4];
  c.at += 5;
  switch (op) {
    case Op.Call: {
      const name = readPlain(c) as string;
      const args = readPlain(c) as unknown[];
      const handles = readPlain(c) as [ValuePath, number][];
      return { id, request: { kind: "call", name, args, handles } };
    }
    case Op.Method: {
      const handle = readU32(c);
      const method = readPlain(c) as string;
      const args = readPlain(c) as unknown[];
      const handles = readPlain(c) as [ValuePath, number][];
      return { id, request: { kind: "method", handle, method, args, handles } };
    }
    case Op.Drop:
      return { id, request: { kind: "drop", handle: readU32(c) } };
    default:
      return { id, request: undefined };
  }
}

/** Writes the reply to request `id` (`undefined`: cancelled before it started). */
export function writeReply(c: PlainCursor, id: number, reply: Succeeded | undefined): boolean {
  if (reply === undefined) return head(c, id, Outcome.Cancelled);
  return head(c, id, Outcome.Succeeded) && u32(c, reply.instance) &&
    writePlain(c, reply.handles) && writePlain(c, reply.value);
}

/** Reads a record written by {@linkcode writeReply}. */
export function readReply(c: PlainCursor): ReplyRecord {
  const id = c.view.getInt32(c.at, true);
  const outcome = c.bytes[c.at + 4];
  c.at += 5;
  if (outcome !== Outcome.Succeeded) return { id, reply: undefined };
  const instance = readU32(c);
  const handles = readPlain(c) as [ValuePath, number, string][];
  const value = readPlain(c);
  return { id, reply: { ok: true, value, handles, instance, poisoned: false } };
}
