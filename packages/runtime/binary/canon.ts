/**
 * Decoding of canonical definitions and their options (Binary.md § Canonical
 * Definitions).
 *
 * @module
 */

import type { Canon, CanonOpt } from "./ast.ts";
import { readResultList } from "./component_types.ts";
import { readCoreValType } from "./core_types.ts";
import type { Reader } from "./reader.ts";

/** Reads one `canonopt`. */
function readCanonOpt(r: Reader): CanonOpt {
  const at = r.pos;
  const b = r.byte("a canonical option");
  switch (b) {
    case 0x00:
      return { kind: "string-encoding", encoding: "utf8" };
    case 0x01:
      return { kind: "string-encoding", encoding: "utf16" };
    case 0x02:
      return { kind: "string-encoding", encoding: "latin1+utf16" };
    case 0x03:
      return { kind: "memory", index: r.u32("a core memory index") };
    case 0x04:
      return { kind: "realloc", index: r.u32("a core function index") };
    case 0x05:
      return { kind: "post-return", index: r.u32("a core function index") };
    case 0x06:
      return { kind: "async" };
    case 0x07:
      return { kind: "callback", index: r.u32("a core function index") };
    // 0x08 and 0x09 are wasm-tools' encodings for the component-model GC
    // options (not yet in Binary.md); Wasmtime's `gc` tests use them.
    case 0x08:
      return { kind: "core-type", index: r.u32("a core type index") };
    case 0x09:
      return { kind: "gc" };
    default:
      return r.fail("a canonical option (0x00 to 0x09)", at);
  }
}

/** Reads `opts` (spec: `vec(<canonopt>)`). */
function readOpts(r: Reader): CanonOpt[] {
  return r.vec("canonical options", readCanonOpt);
}

const PLAIN = new Map<number, Canon["kind"]>([
  [0x24, "backpressure.inc"],
  [0x25, "backpressure.dec"],
  [0x05, "task.cancel"],
  [0x0d, "subtask.drop"],
  [0x1e, "error-context.drop"],
  [0x1f, "waitable-set.new"],
  [0x22, "waitable-set.drop"],
  [0x23, "waitable.join"],
  [0x26, "thread.index"],
  [0x28, "thread.resume-later"],
]);

const TYPED = new Map<number, Canon["kind"]>([
  [0x02, "resource.new"],
  [0x03, "resource.drop"],
  [0x04, "resource.rep"],
  [0x0e, "stream.new"],
  [0x13, "stream.drop-readable"],
  [0x14, "stream.drop-writable"],
  [0x15, "future.new"],
  [0x1a, "future.drop-readable"],
  [0x1b, "future.drop-writable"],
]);

const TYPED_OPTS = new Map<number, Canon["kind"]>([
  [0x0f, "stream.read"],
  [0x10, "stream.write"],
  [0x16, "future.read"],
  [0x17, "future.write"],
]);

const TYPED_ASYNC = new Map<number, Canon["kind"]>([
  [0x11, "stream.cancel-read"],
  [0x12, "stream.cancel-write"],
  [0x18, "future.cancel-read"],
  [0x19, "future.cancel-write"],
]);

const CANCELLABLE = new Map<number, Canon["kind"]>([
  [0x29, "thread.suspend"],
  [0x0c, "thread.yield"],
  [0x2a, "thread.suspend-then-resume"],
  [0x2b, "thread.yield-then-resume"],
  [0x2c, "thread.suspend-then-promote"],
  [0x2d, "thread.yield-then-promote"],
]);

/** Reads one `canon` definition. */
export function readCanon(r: Reader): Canon {
  const at = r.pos;
  const b = r.byte("a canonical function");
  // The casts below pair a kind from one of the tables with exactly the
  // immediates that table's built-ins take.
  const plain = PLAIN.get(b);
  if (plain !== undefined) return { kind: plain } as Canon;
  const typed = TYPED.get(b);
  if (typed !== undefined) return { kind: typed, type: r.u32("a type index") } as Canon;
  const typedOpts = TYPED_OPTS.get(b);
  if (typedOpts !== undefined) {
    return { kind: typedOpts, type: r.u32("a type index"), options: readOpts(r) } as Canon;
  }
  const typedAsync = TYPED_ASYNC.get(b);
  if (typedAsync !== undefined) {
    return {
      kind: typedAsync,
      type: r.u32("a type index"),
      async: r.flag("the async flag"),
    } as Canon;
  }
  const cancellable = CANCELLABLE.get(b);
  if (cancellable !== undefined) {
    return { kind: cancellable, cancellable: r.flag("the cancellable flag") } as Canon;
  }
  switch (b) {
    case 0x00: {
      const sortAt = r.pos;
      if (r.byte("0x00 (func) after 0x00 (lift)") !== 0x00) {
        r.fail("0x00 (func) after 0x00 (lift)", sortAt);
      }
      const coreFunc = r.u32("a core function index");
      const options = readOpts(r);
      return { kind: "lift", coreFunc, options, type: r.u32("a type index") };
    }
    case 0x01: {
      const sortAt = r.pos;
      if (r.byte("0x00 (func) after 0x01 (lower)") !== 0x00) {
        r.fail("0x00 (func) after 0x01 (lower)", sortAt);
      }
      return { kind: "lower", func: r.u32("a function index"), options: readOpts(r) };
    }
    case 0x09:
      return { kind: "task.return", result: readResultList(r), options: readOpts(r) };
    case 0x0a:
    case 0x0b:
      return {
        kind: b === 0x0a ? "context.get" : "context.set",
        type: readCoreValType(r),
        index: r.u32("a context slot index"),
      };
    case 0x06:
      return { kind: "subtask.cancel", async: r.flag("the async flag") };
    case 0x1c:
    case 0x1d:
      return {
        kind: b === 0x1c ? "error-context.new" : "error-context.debug-message",
        options: readOpts(r),
      };
    case 0x20:
    case 0x21:
      return {
        kind: b === 0x20 ? "waitable-set.wait" : "waitable-set.poll",
        cancellable: r.flag("the cancellable flag"),
        memory: r.u32("a core memory index"),
      };
    case 0x27:
      return {
        kind: "thread.new-indirect",
        type: r.u32("a core type index"),
        table: r.u32("a core table index"),
      };
    case 0x40:
      return {
        kind: "thread.spawn-ref",
        shared: r.flag("the shared flag"),
        type: r.u32("a core type index"),
      };
    case 0x41:
      return {
        kind: "thread.spawn-indirect",
        shared: r.flag("the shared flag"),
        type: r.u32("a core type index"),
        table: r.u32("a core table index"),
      };
    case 0x42:
      return { kind: "thread.available-parallelism", shared: r.flag("the shared flag") };
    default:
      return r.fail("a canonical function", at);
  }
}
