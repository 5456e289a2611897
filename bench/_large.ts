/**
 * A generated component with several MB of core code, for `compile-large`:
 * one core module of many small arithmetic functions that call each other,
 * lifted as one export. Generated as a binary (a WAT text of this size takes
 * the text parser far longer than the benchmark itself).
 *
 * @module
 */
import { buildWat } from "../scripts/fixtures.ts";

function uleb(n: number, out: number[]): void {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

function sleb(n: number, out: number[]): void {
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  for (const b of body) out.push(b);
}

/** The bytes of a core module exporting `run: (i32) -> i32` over `count` functions. */
export function largeCoreModule(count: number, opsPerFunction: number): Uint8Array {
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  section(1, [1, 0x60, 1, 0x7f, 1, 0x7f], out);
  const funcs: number[] = [];
  uleb(count, funcs);
  for (let i = 0; i < count; i++) funcs.push(0);
  section(3, funcs, out);
  section(7, [1, 3, 0x72, 0x75, 0x6e, 0x00, 0x00], out);
  const code: number[] = [];
  uleb(count, code);
  const ops = [0x6a, 0x6c, 0x73, 0x6b]; // i32.add, i32.mul, i32.xor, i32.sub
  for (let f = 0; f < count; f++) {
    const body: number[] = [0];
    for (let k = 0; k < opsPerFunction; k++) {
      body.push(0x20, 0, 0x41); // local.get 0, i32.const
      sleb((f * 7919 + k * 104729) | 0, body);
      body.push(ops[k % 4]!, 0x21, 0); // op, local.set 0
    }
    body.push(0x20, 0);
    if (f + 1 < count && f % 16 !== 15) {
      body.push(0x10);
      uleb(f + 1, body); // call the next function
    }
    body.push(0x0b);
    uleb(body.length, code);
    for (const b of body) code.push(b);
  }
  section(10, code, out);
  return new Uint8Array(out);
}

const PLACEHOLDER = `(module (func (export "run") (param i32) (result i32) (local.get 0)))`;

/**
 * The large component and its core module: a component built from WAT around
 * a placeholder core module, whose module section is then replaced by the
 * generated one (same export, so the component stays valid).
 */
export async function largeComponent(
  count = 4000,
  opsPerFunction = 100,
): Promise<{ component: Uint8Array; core: Uint8Array }> {
  const placeholder = await buildWat(PLACEHOLDER);
  const shell = await buildWat(`(component
  (core module $M (func (export "run") (param i32) (result i32) (local.get 0)))
  (core instance $m (instantiate $M))
  (func (export "run") (param "x" u32) (result u32) (canon lift (core func $m "run"))))`);
  const at = indexOf(shell, placeholder);
  if (at < 0) throw new Error("Cannot build the large component: placeholder not found");
  // The module section is [0x01, uleb(size), ...module]; find where it starts.
  let start = at - 1;
  while (shell[start - 1]! & 0x80) start--;
  start -= 1;
  if (shell[start] !== 0x01) throw new Error("Cannot build the large component: no module section");
  const core = largeCoreModule(count, opsPerFunction);
  const head: number[] = [0x01];
  uleb(core.length, head);
  const component = new Uint8Array(
    start + head.length + core.length + shell.length - at - placeholder.length,
  );
  component.set(shell.subarray(0, start), 0);
  component.set(head, start);
  component.set(core, start + head.length);
  component.set(shell.subarray(at + placeholder.length), start + head.length + core.length);
  return { component, core };
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
