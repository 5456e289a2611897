import assert from "node:assert/strict";
import { coreModuleSpans } from "./core_modules.ts";

// A component preamble (`\0asm`, version 0x0d, layer 1).
const PREAMBLE = [0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0];
const CORE = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];

Deno.test("coreModuleSpans finds core module sections, in nested components too", () => {
  const nested = [...PREAMBLE, 1, CORE.length, ...CORE];
  const bytes = new Uint8Array([
    ...PREAMBLE,
    0,
    2,
    0x01,
    0x78, // a custom section: skipped
    4,
    nested.length,
    ...nested,
    1,
    CORE.length,
    ...CORE,
  ]);
  assert.deepEqual(coreModuleSpans(bytes), [
    { offset: 14 + 10, size: 8, depth: 1 },
    { offset: 14 + nested.length + 2, size: 8, depth: 0 },
  ]);
});

Deno.test("coreModuleSpans refuses a section that overruns the binary", () => {
  assert.throws(
    () => coreModuleSpans(new Uint8Array([...PREAMBLE, 1, 20, 0, 0])),
    /Cannot read the section at byte 8: it overruns the binary/,
  );
  assert.throws(
    () => coreModuleSpans(new Uint8Array([...PREAMBLE, 1, 0x80])),
    /Cannot read a section size at byte 9/,
  );
});
