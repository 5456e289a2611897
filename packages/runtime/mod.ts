/**
 * Weft's core runtime: decode, validate, link and instantiate WebAssembly
 * components at run time, and call them with plain JavaScript values (jco's
 * value mapping).
 *
 * @example Call a component's export
 * ```ts
 * import { Component } from "@weft/runtime";
 *
 * // A component whose `add` export adds two u32s, in component text.
 * const wat = `(component
 *   (core module $m (func (export "add") (param i32 i32) (result i32)
 *     (i32.add (local.get 0) (local.get 1))))
 *   (core instance $i (instantiate $m))
 *   (func (export "add") (param "a" u32) (param "b" u32) (result u32)
 *     (canon lift (core func $i "add"))))`;
 * const { parse } = await import("npm:@bytecodealliance/jco-transpile@0.12.0/wasm-tools");
 * const component = await Component.compile(await parse(wat));
 * const instance = await component.instantiate();
 * console.log(instance.exports.add(1, 2)); // 3
 * ```
 *
 * ## Component-model async
 *
 * An export of an `async func` type returns a Promise of its result (a
 * top-level `result<T, E>` rejects with a {@linkcode ComponentError}). Many
 * calls into one instance run concurrently as the component model's task
 * rules allow; later calls wait (backpressure) instead of trapping.
 *
 * Cancellation: pass an options object `{ signal }` as one extra argument
 * after the function's own parameters, e.g. `exports.run(x, { signal })`.
 * Aborting the signal requests cancellation through the component model:
 * the guest sees `TASK_CANCELLED`, and the Promise settles with the guest's
 * answer, or rejects with {@linkcode CancelledError} when the guest cancelled
 * the task. A signal aborted before the call rejects at once, without
 * entering the instance. Bad arguments reject with a `TypeError` naming the
 * parameter before anything enters wasm.
 *
 * A host import may be an `async` JS function (or return a Promise): for an
 * async-lowered import it becomes a subtask that the guest waits on; a plain
 * return value resolves the subtask at once.
 *
 * In a component tree that uses component-model async, every entry into
 * wasm goes through JSPI (`WebAssembly.promising`) when the engine has it, so
 * that blocking built-ins (`waitable-set.wait`, sync stream/future copies,
 * sync-lowered calls of async functions) can suspend: exports of sync
 * function types in such a component then return a Promise when the call
 * did not complete synchronously (say, a host import answered with a
 * Promise). Such calls from JS run one at a time: a later call of a sync
 * export waits until the suspended one finished. They take `{ signal }`
 * too: aborting rejects the caller's Promise at once with
 * {@linkcode CancelledError}; a call still waiting for its turn never
 * enters; a suspended one cannot be cancelled inside the guest, so it
 * finishes in isolation (its result dropped, its post-return run) and the
 * next call waits for it. A call that completes synchronously returns its
 * value even with a signal.
 *
 * Without JSPI, a stackful async lift (`async` without `callback`) is
 * refused at instantiation with a {@linkcode CompileError} naming JSPI, and
 * a built-in or sync-lowered call that would have to block traps with a
 * {@linkcode JspiRequiredError} as its cause. In full (a call `f(4)` of an
 * export answering 5):
 *
 * | export type | the component's async lifts | JSPI | a call of the export |
 * | ----------- | --------------------------- | ---- | -------------------- |
 * | sync | callback | on | `5` |
 * | sync | callback | off | `5` |
 * | sync | stackful | on | `5` |
 * | sync | stackful | off | instantiation: `CompileError` naming JSPI |
 * | async | callback | on | a Promise of `5` |
 * | async | callback | off | a Promise of `5` |
 * | async | stackful | on | a Promise of `5` |
 * | async | stackful | off | instantiation: `CompileError` naming JSPI |
 * | async, blocks in a sync `waitable-set.wait` | callback | on | a Promise of the answer |
 * | async, blocks in a sync `waitable-set.wait` | callback | off | a Promise rejecting with a `Trap` whose cause is a `JspiRequiredError` |
 * | sync, a sync host import answers with a Promise | none | on | a Promise of the answer |
 * | sync, a sync host import answers with a Promise | none | off | throws a `Trap` whose cause is a `JspiRequiredError` |
 *
 * (A sync function type is always lifted without `async`; the "async lifts"
 * column is how the component's other, async functions are lifted.)
 *
 * ### Streams and futures
 *
 * A `stream<T>` reaches JS (an export's result, a host import's argument)
 * as a `ReadableStream`; its chunks are:
 *
 * - for a number element type (`u8`, `s8`, … `u64`, `f32`, `f64`): typed
 *   arrays of that type (`Uint8Array` for `stream<u8>`, `Uint32Array` for
 *   `stream<u32>`, …), each what one copy moved (at most 65536 elements);
 * - for any other element type: one element per chunk, in its JS mapping
 *   (`string`, objects, …; nested streams and futures in their JS form);
 * - for `stream` without element type: numbers, how many elements one copy
 *   moved.
 *
 * JS gives a `stream<T>` (an export's argument, a host import's result) as
 * a `ReadableStream`, an async iterable or a sync iterable (an array, a
 * generator; a string for `stream<char>`).
 * Each item is one chunk as above; for a number element type an item may
 * also be an array, another typed array or a single number. A `future<T>`
 * is a Promise of its value in both directions; JS may also give a plain
 * value (not a thenable). An async export's Promise cannot resolve to a
 * Promise: when it returns a `future<T>`, the call resolves with the
 * future's value.
 *
 * Backpressure is the rendezvous of the component model: a guest's write
 * waits until JS reads (the `ReadableStream` pulls only when read), and a
 * JS source is pulled one item ahead of the guest's reads (the next item
 * only once the guest took the last one whole). Cancelling the
 * `ReadableStream` drops the readable end: the guest's write sees
 * `DROPPED`. A JS source that throws or rejects, or yields an item of the
 * wrong type, ends the stream: the guest reads the values written so far,
 * then `DROPPED` (as if the writer dropped its end), and the source is
 * closed. A Promise that rejects, or resolves to a value of the wrong type,
 * drops the future's writer without a value: the guest's `future.read`
 * sees `DROPPED`. A value that is not a stream or future source at all is a
 * `TypeError` naming the parameter, before anything enters wasm. Streams
 * and futures passed from one guest to another keep their shared ends: no
 * JS round trip.
 *
 * ## Host imports that block (JSPI)
 *
 * A synchronous guest can wait for an asynchronous host: give an import as
 * an `async` JS function, or as a function carrying an asynchronous form
 * under `Symbol.for("weft.wasi.suspending")` (as `@weft/wasi`'s blocking
 * calls such as `pollable.block` and `blocking-read` do). With JSPI the
 * guest is suspended while the Promise is pending, and every function
 * export of that instance returns a Promise; calls from JS into the
 * instance then run one at a time, a later call waiting for the one before
 * (never "cannot enter component instance"). Such a call takes `{ signal }`
 * too: aborting it rejects the caller's Promise at once with
 * {@linkcode CancelledError}; a call still waiting for its turn never
 * enters, and a suspended one finishes in isolation with its result dropped.
 * This mode is chosen at instantiation: `instantiate(imports, { suspend })`,
 * by default on when the engine has JSPI and an import the component uses
 * has an asynchronous form ({@linkcode Instance.prototype.suspends} tells),
 * and then only such imports suspend; `suspend: true` lets any host function
 * return a Promise. Otherwise a host function's Promise traps the guest with
 * a message saying how to turn it on, and `@weft/wasi`'s blocking calls
 * throw `WouldBlockError` when their data is not there yet.
 *
 * ## Interrupting a guest
 *
 * `Component.compile(bytes, { interruptible: true })` rewrites every core
 * module to check an interrupt flag at each function entry and loop
 * iteration, as Wasmtime's epoch interruption does. Give an instance a flag
 * from {@linkcode createInterruptFlag} (`instantiate(imports, { interrupt })`),
 * post the flag to another thread, and {@linkcode raiseInterrupt} there: the
 * guest traps at its next check, even in an endless loop, and the instance
 * is poisoned as by any trap.
 *
 * @module
 */
export {
  type CompileOptions,
  Component,
  type Imports,
  type InstantiateOptions,
} from "./component.ts";
export {
  clearInterrupt,
  createInterruptFlag,
  interruptRaised,
  raiseInterrupt,
} from "./interrupt.ts";
export { Instance } from "./instance.ts";
export type { ComponentTypeDesc, ExternDesc, ExternType } from "./component_type.ts";
export { CompileError } from "./binary/errors.ts";
export { LinkError } from "./errors.ts";
export { toCamelCase, toPascalCase } from "./names.ts";
export { ComponentError, InstancePoisonedError, Trap } from "@weft/abi";
export { CancelledError, JspiRequiredError } from "@weft/executor";
export { ResourceType } from "@weft/abi";
export type {
  BorrowType,
  Case,
  EnumType,
  Field,
  FlagsType,
  FuncType,
  FutureType,
  ListType,
  MapType,
  OptionType,
  OwnType,
  Param,
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
