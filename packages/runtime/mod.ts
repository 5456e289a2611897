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
 * @module
 */
export { Component, type Imports } from "./component.ts";
export { Instance } from "./instance.ts";
export type { ComponentTypeDesc, ExternDesc, ExternType } from "./component_type.ts";
export { CompileError } from "./binary/errors.ts";
export { LinkError } from "./errors.ts";
export { toCamelCase, toPascalCase } from "./names.ts";
export { ComponentError, InstancePoisonedError, Trap } from "@weft/abi";
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
