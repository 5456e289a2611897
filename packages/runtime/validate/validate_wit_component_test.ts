// Components as toolchains emit them: wit-component (through jco-transpile's
// `componentEmbed` + `componentNew`) builds a component from a WIT world and a
// dummy core module; wit-component validates its output, so every one of
// these must pass `validateComponent` (false positives are the worst bug).

import assert from "node:assert/strict";
import { componentEmbed, componentNew } from "@bytecodealliance/jco-transpile/wasm-tools";
import { decodeComponent } from "../binary/decode.ts";
import { CompileError } from "../binary/errors.ts";
import { validateComponent } from "./validate.ts";

const TYPES_AND_API = `
package my:pkg@0.2.1;
interface types {
  record point { x: s32, y: s32 }
  variant shape { circle(f64), rect(tuple<point, point>), none }
  enum color { red, green, blue }
  flags perms { read, write, exec }
  resource blob {
    constructor(init: list<u8>);
    read: func(n: u32) -> result<list<u8>, string>;
    merge: static func(a: own<blob>, b: borrow<blob>) -> blob;
  }
}
interface api {
  use types.{point, shape, color, perms, blob};
  resource session {
    constructor();
    open: func(b: borrow<blob>) -> option<blob>;
  }
  draw: func(s: shape, c: color, p: perms) -> list<point>;
  many: func(a: u8, b: u16, c: u32, d: u64, e: s8, f: s16, g: s32, h: s64, i: f32, j: f64,
    k: char, l: string, m: bool, n: u32, o: u32, p: u32, q: u32) -> tuple<u64, string>;
}
world w {
  import types;
  import api;
  export types;
  export api;
  export run: func(args: list<string>) -> result<_, string>;
  import log: func(msg: string);
}
`;

const STREAMS = `
package wasi:io@0.2.3;
interface error {
  resource error { to-debug-string: func() -> string; }
}
interface poll {
  resource pollable { ready: func() -> bool; block: func(); }
  poll: func(in: list<borrow<pollable>>) -> list<u32>;
}
interface streams {
  use error.{error};
  use poll.{pollable};
  variant stream-error { last-operation-failed(error), closed }
  resource input-stream {
    read: func(len: u64) -> result<list<u8>, stream-error>;
    subscribe: func() -> pollable;
  }
  resource output-stream {
    write: func(contents: list<u8>) -> result<_, stream-error>;
    splice: func(src: borrow<input-stream>, len: u64) -> result<u64, stream-error>;
  }
}
world proxy {
  import streams;
  export handler: interface {
    use streams.{input-stream, output-stream};
    handle: func(body: input-stream, out: output-stream) -> result<u64, string>;
  }
  export tick: func(ready: list<u32>) -> u32;
}
`;

const WORLD_TYPES = `
package local:demo;
world demo {
  type id = u64;
  record entry { id: id, tags: list<string>, score: option<f32> }
  enum level { low, mid, high }
  import lookup: func(id: id) -> option<entry>;
  import store: interface {
    resource cursor { next: func() -> option<string>; }
    scan: func(prefix: string) -> cursor;
  }
  export rank: func(entries: list<entry>, l: level) -> list<tuple<id, f64>>;
  export big: func() -> tuple<u64, u64, u64, u64, string, string, string, string>;
  flags perms { a, b, c, d, e, f, g, h, i }
  export flags-out: func() -> perms;
}
`;

const WORLDS: [string, string, string][] = [
  ["types and api", TYPES_AND_API, "w"],
  ["wasi-like streams", STREAMS, "proxy"],
  ["world-level types", WORLD_TYPES, "demo"],
];

for (const [name, wit, world] of WORLDS) {
  for (const stringEncoding of ["utf8", "utf16", "compact-utf16"] as const) {
    Deno.test(`validateComponent() accepts wit-component output: ${name} (${stringEncoding})`, async () => {
      const core = await componentEmbed({ dummy: true, witSource: wit, world, stringEncoding });
      const bytes = await componentNew(core);
      validateComponent(decodeComponent(bytes), { validateCoreModules: true });
    });
  }
}

Deno.test("validateComponent() rejects wit-component output with a broken lift signature", async () => {
  const core = await componentEmbed({ dummy: true, witSource: WORLD_TYPES, world: "demo" });
  const bytes = await componentNew(core);
  const ast = decodeComponent(bytes);
  // Retarget the first `canon lift` at another core function (the first
  // one), whose signature cannot match every lifted export.
  const items = ast.items.map((item) =>
    item.kind === "canon" && item.canon.kind === "lift"
      ? { ...item, canon: { ...item.canon, coreFunc: 0 } }
      : item
  );
  assert.throws(
    () => validateComponent({ ...ast, items }),
    (e: unknown) => e instanceof CompileError && /canon lift/.test(e.message),
  );
});
