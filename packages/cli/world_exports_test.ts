import assert from "node:assert/strict";
import type { ExternDesc } from "@weft/runtime";
import { exportNames, findWasiExport } from "./world_exports.ts";

const instance = (name: string): ExternDesc => ({ name, type: { kind: "instance", exports: [] } });

Deno.test("findWasiExport matches any 0.2 release of an interface, and only that", () => {
  const exports = [
    instance("wasi:cli/run@0.3.0"),
    instance("wasi:cli/runner@0.2.0"),
    instance("wasi:cli/run@0.2.6"),
  ];
  assert.equal(findWasiExport(exports, "wasi:cli/run")?.name, "wasi:cli/run@0.2.6");
  assert.equal(
    findWasiExport([instance("wasi:cli/run@0.2.0-rc-2023-12-05")], "wasi:cli/run")?.name,
    "wasi:cli/run@0.2.0-rc-2023-12-05",
  );
  assert.equal(findWasiExport([instance("wasi:cli/run@0.3.0")], "wasi:cli/run"), undefined);
  // A function named like the interface is not the interface.
  const func: ExternDesc = {
    name: "wasi:cli/run@0.2.0",
    type: { kind: "func", type: { params: [], result: undefined, async: false } },
  };
  assert.equal(findWasiExport([func], "wasi:cli/run"), undefined);
});

Deno.test("exportNames shortens long lists", () => {
  assert.equal(exportNames([]), "nothing");
  assert.equal(exportNames([instance("a"), instance("b")]), "a, b");
  const many = Array.from({ length: 8 }, (_, i) => instance(`e${i}`));
  assert.equal(exportNames(many), "e0, e1, e2, e3, e4, e5, … (8 in all)");
});
