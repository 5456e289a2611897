/**
 * `@weft/executor`: component-model async for Weft — tasks and subtasks,
 * waitables and waitable sets, `stream<T>` and `future<T>` with the
 * rendezvous copy semantics, backpressure and the exclusive lock,
 * cancellation, `context.get/set`, `thread.yield`, error contexts, a
 * scheduler on JS microtasks, host adapters (JS `ReadableStream`s, async
 * iterables, Promises), and JSPI detection.
 *
 * The state of an instance is an {@linkcode AsyncInstanceState} composed
 * with `@weft/abi`'s `ComponentInstanceState`; each `canon` built-in is a
 * factory returning its core function; a lifted function is a
 * {@linkcode FuncInst} (the spec's calling convention), called from JS with
 * {@linkcode callAsync}.
 *
 * ```ts
 * import { ComponentInstanceState, t } from "@weft/abi";
 * import {
 *   AsyncInstanceState, callAsync, CallbackCode, canonLift, taskReturn,
 * } from "@weft/executor";
 * import assert from "node:assert/strict";
 *
 * // A callback-lifted `async func(x: u32) -> u32`; the "core function" is JS here.
 * const inst = new AsyncInstanceState(new ComponentInstanceState());
 * const ret = taskReturn(inst, { resultType: t.u32, liftResults: (_task, flat) => [flat[0]] });
 * const double = canonLift({
 *   instance: inst,
 *   async: true,
 *   mode: "callback",
 *   resultType: t.u32,
 *   lowerParams: (_task, args) => [args[0] as number],
 *   callee: ([x]) => {
 *     ret(Number(x) * 2);
 *     return CallbackCode.EXIT;
 *   },
 *   callback: () => CallbackCode.EXIT,
 * });
 * assert.deepEqual(await callAsync(double, [21]), [42]);
 * ```
 *
 * @module
 */
export { ComponentInstanceState, HandleTable, Trap } from "@weft/abi";
export { ResourceType } from "@weft/abi";
export type {
  BorrowType,
  Case,
  CoreValue,
  EnumType,
  Field,
  FlagsType,
  FutureType,
  ListType,
  MapType,
  OptionType,
  OwnType,
  PrimitiveKind,
  PrimitiveType,
  RecordType,
  ResourceJs,
  ResultType,
  StreamType,
  TupleType,
  ValType,
  VariantType,
} from "@weft/abi";
export {
  BLOCKED,
  CallbackCode,
  CopyResult,
  EventCode,
  type EventTuple,
  SubtaskState,
  unpackCallbackResult,
} from "./codes.ts";
export { CancelledError, JspiRequiredError } from "./errors.ts";
export {
  type AsyncInstanceOptions,
  AsyncInstanceState,
  asyncStateOf,
  guard,
  toTrap,
} from "./instance.ts";
export { type Continuation, Store, type StoreOptions, Thread } from "./store.ts";
export { Waitable, WaitableSet } from "./waitable.ts";
export {
  type FuncInst,
  type LiftMode,
  type OnCancel,
  type OnResolve,
  type OnStart,
  Task,
  type TaskOptions,
  TaskState,
} from "./task.ts";
export { type Lender, Subtask } from "./subtask.ts";
export { canonLift, type LiftDefinition } from "./canon_lift.ts";
export {
  canonLower,
  currentThread,
  type LowerDefinition,
  MAX_FLAT_ASYNC_PARAMS,
} from "./canon_lower.ts";
export {
  backpressureDec,
  backpressureInc,
  type BlockingOptions,
  contextGet,
  contextSet,
  subtaskCancel,
  subtaskDrop,
  taskCancel,
  taskReturn,
  type TaskReturnOptions,
  threadYield,
  waitableJoin,
  waitableSetDrop,
  waitableSetNew,
  waitableSetPoll,
  waitableSetWait,
  type WaitOptions,
} from "./builtins.ts";
export {
  type Buffer,
  type ElementCodec,
  GuestBuffer,
  MAX_BUFFER_LENGTH,
  type ReadableBuffer,
  ReadableGuestBuffer,
  ReadableHostBuffer,
  type WritableBuffer,
  WritableGuestBuffer,
  WritableHostBuffer,
} from "./buffers.ts";
export {
  CopyEnd,
  type CopyParty,
  CopyState,
  type HostHeldCounter,
  type OnCopy,
  type OnCopyDone,
  ReadableFutureEnd,
  ReadableStreamEnd,
  type ReclaimBuffer,
  SharedEnds,
  SharedFuture,
  SharedStream,
  WritableFutureEnd,
  WritableStreamEnd,
} from "./streams.ts";
export {
  cancelCopy,
  type CopyOptions,
  dropEnd,
  EndKind,
  futureNew,
  futureRead,
  futureWrite,
  liftFuture,
  liftStream,
  lowerFuture,
  lowerStream,
  streamNew,
  streamRead,
  streamWrite,
} from "./stream_builtins.ts";
export {
  ErrorContext,
  errorContextDebugMessage,
  errorContextDrop,
  errorContextNew,
  type ErrorContextStrings,
  liftErrorContext,
  lowerErrorContext,
} from "./error_context.ts";
export {
  futureFromPromise,
  promiseFromFuture,
  readableFromStream,
  type ReadableFromStreamOptions,
  streamFromIterable,
  type StreamFromIterableOptions,
} from "./host_streams.ts";
export {
  callAsync,
  type CallOptions,
  type HostCallContext,
  hostFunction,
  type HostFunctionOptions,
} from "./host.ts";
export { hasJspi, promising, suspending } from "./jspi.ts";
export { noneOrNumberType, typeEquals } from "./type_equals.ts";
export {
  type CoreSignature,
  type CoreType,
  entryTrampoline,
  type SuspendingHooks,
  suspendingTrampoline,
} from "./jspi_trampoline.ts";
export { runInFreshContext } from "./fresh_context.ts";
