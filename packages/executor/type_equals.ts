/**
 * Structural equality of value types, as the spec compares them
 * (`e.shared.t != stream_t.t`, `result_type != task.ft.result`): the same
 * shape, resource types by identity.
 *
 * @module
 */
import type { ValType } from "@weft/abi";

/** Whether `a` and `b` are the same value type (both `undefined` counts as equal). */
export function typeEquals(a: ValType | undefined, b: ValType | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.kind !== b.kind) return false;
  switch (a.kind) {
    case "list": {
      const o = b as typeof a;
      return a.length === o.length && typeEquals(a.element, o.element);
    }
    case "record": {
      const o = b as typeof a;
      return a.fields.length === o.fields.length &&
        a.fields.every((f, i) =>
          f.name === o.fields[i]!.name && typeEquals(f.type, o.fields[i]!.type)
        );
    }
    case "tuple": {
      const o = b as typeof a;
      return a.types.length === o.types.length &&
        a.types.every((t, i) => typeEquals(t, o.types[i]));
    }
    case "variant": {
      const o = b as typeof a;
      return a.cases.length === o.cases.length &&
        a.cases.every((c, i) =>
          c.name === o.cases[i]!.name && typeEquals(c.type, o.cases[i]!.type)
        );
    }
    case "enum":
    case "flags": {
      const o = b as typeof a;
      return a.labels.length === o.labels.length && a.labels.every((l, i) => l === o.labels[i]);
    }
    case "option":
      return typeEquals(a.type, (b as typeof a).type);
    case "result": {
      const o = b as typeof a;
      return typeEquals(a.ok, o.ok) && typeEquals(a.err, o.err);
    }
    case "map": {
      const o = b as typeof a;
      return typeEquals(a.key, o.key) && typeEquals(a.value, o.value);
    }
    case "own":
    case "borrow":
      return a.resource === (b as typeof a).resource;
    case "stream":
    case "future":
      return typeEquals(a.element, (b as typeof a).element);
    default:
      return true; // primitives: same kind
  }
}

/**
 * CanonicalABI.md § Stream State (`none_or_number_type`): no element type, or
 * a number type (not `bool` or `char`).
 */
export function noneOrNumberType(t: ValType | undefined): boolean {
  if (t === undefined) return true;
  switch (t.kind) {
    case "u8":
    case "u16":
    case "u32":
    case "u64":
    case "s8":
    case "s16":
    case "s32":
    case "s64":
    case "f32":
    case "f64":
      return true;
    default:
      return false;
  }
}
