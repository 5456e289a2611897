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
 * entering the instance. Bad arguments reject with a `TypeError`/`RangeError`
 * before anything enters wasm.
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
 * did not complete synchronously. Without JSPI, a stackful async lift
 * (`async` without `callback`) is refused at instantiation with a
 * {@linkcode CompileError} naming JSPI, and a built-in that would have to
 * block traps with a {@linkcode JspiRequiredError} as its cause.
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
 * has an asynchronous form ({@linkcode Instance.prototype.suspends} tells).
 * Without it, an `async` host function's Promise traps the guest with a
 * message saying how to turn it on, and `@weft/wasi`'s blocking calls throw
 * `WouldBlockError` when their data is not there yet.
 *
 * `stream<T>`, `future<T>` and `error-context` values pass between
 * components; at the JS boundary they are the executor's shared stream and
 * future objects (not yet `ReadableStream`s and Promises).
 *
 * @module
 */
export { Component, type Imports, type InstantiateOptions } from "./component.ts";
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
