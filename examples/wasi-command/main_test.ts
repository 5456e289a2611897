// The example command, built with componentize-js, run under Weft (with the
// library API, and with `weft run` when packages/cli is there) and under jco
// with preview2-shim, with the same grants: the same stdout, stderr and exit
// code. Clock and random values differ between runs, so they are checked for
// shape and then replaced by placeholders before comparing.
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import type { ByteSink } from "@weft/wasi";
import {
  buildCommandC,
  buildExample,
  type BuiltExample,
  hasCToolchain,
} from "../../scripts/build_examples.ts";
import { Component } from "@weft/runtime";
import { createWasi } from "@weft/wasi";
import { fixture } from "../../scripts/fixtures.ts";
import { jcoRun } from "../../tools/jco_peer.ts";
import { runCommand } from "./main.ts";

/** The CLI (`weft run`), compared as well when it is there. */
const CLI = new URL("../../packages/cli/main.ts", import.meta.url);
const HAS_CLI = await Deno.stat(CLI).then(() => true, () => false);

const GREETING = "Weft\nA component model runtime for Deno.\n";

let built: Promise<BuiltExample> | undefined;
let builtC: Promise<BuiltExample> | undefined;

/** Whether Debian's clang and wasi-libc are installed, for the C twin (app.c). */
const HAS_CLANG = await hasCToolchain();

/** The component, built once per test process; a failed build fails the test, saying why. */
function component(): Promise<BuiltExample> {
  return built ??= buildExample("wasi-command", { quiet: true }).catch((error) => {
    throw new Error(
      "Cannot test the wasi-command example: building it with componentize-js failed. " +
        "It needs Node.js, npm and (the first time) the npm registry; see the cause.",
      { cause: error },
    );
  });
}

/** The C twin of the command (app.c: clang + wasi-libc + jco's preview-1 adapter). */
function componentC(): Promise<BuiltExample> {
  return builtC ??= buildCommandC({ quiet: true });
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function collector(): { sink: ByteSink; text: () => string } {
  const chunks: Uint8Array[] = [];
  return {
    sink: { write: (bytes) => void chunks.push(bytes.slice()) },
    text: () => new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c]))),
  };
}

interface Grants {
  args: string[];
  env: Record<string, string>;
  preopens: Record<string, string>;
}

async function underWeft(bytes: Uint8Array, grants: Grants): Promise<Outcome> {
  const stdout = collector();
  const stderr = collector();
  const code = await runCommand(bytes, { ...grants, stdout: stdout.sink, stderr: stderr.sink });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** `weft run --dir … --env … --argv0 NAME app.wasm -- ARGS`, in a subprocess. */
async function underCli(path: string, grants: Grants): Promise<Outcome> {
  const [argv0 = "app", ...rest] = grants.args;
  const args = ["run", "-A", CLI.pathname, "run", "--argv0", argv0];
  for (const [guest, host] of Object.entries(grants.preopens)) {
    args.push("--dir", `${host}::${guest}`);
  }
  for (const [name, value] of Object.entries(grants.env)) args.push("--env", `${name}=${value}`);
  args.push(path, "--", ...rest);
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    stdin: "null",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(120_000),
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

async function underJco(path: string, grants: Grants): Promise<Outcome> {
  const r = await jcoRun(path, grants);
  const decoder = new TextDecoder();
  // When `run` returns err, `jco run` itself prints the ComponentError it
  // caught (with a stack) after the guest's output: that is the runner's, not the guest's.
  const stderr = decoder.decode(r.stderr).replace(/^ComponentError: [\s\S]*$/m, "");
  return { code: r.code, stdout: decoder.decode(r.stdout), stderr };
}

/** The values that differ from run to run: checked, then replaced by placeholders. */
interface Varying {
  wall: Date;
  elapsedNs: bigint;
  resolutionNs: bigint;
  random: string;
}

function normalize(stdout: string, who: string): { text: string; varying?: Varying } {
  const wall = /^wall-clock: (\S+)$/m.exec(stdout);
  const mono = /^monotonic: read took (\d+) ns, resolution (\d+) ns$/m.exec(stdout);
  const random = /^random: (\S+)$/m.exec(stdout);
  if (wall === null && mono === null && random === null) return { text: stdout };
  ok(wall && mono && random, `${who}: clock and random lines come together:\n${stdout}`);
  match(random[1]!, /^[0-9a-f]{32}$/, `${who}: 16 random bytes in hex`);
  const text = stdout
    .replace(wall[0], "wall-clock: <time>")
    .replace(mono[0], "monotonic: <elapsed>")
    .replace(random[0], "random: <bytes>");
  return {
    text,
    varying: {
      wall: new Date(wall[1]!),
      elapsedNs: BigInt(mono[1]!),
      resolutionNs: BigInt(mono[2]!),
      random: random[1]!,
    },
  };
}

function checkVarying(v: Varying, before: number, after: number, who: string): void {
  // The guest's wall clock is the host's: within the run, to the millisecond it prints.
  ok(
    v.wall.getTime() >= before - 1 && v.wall.getTime() <= after + 1,
    `${who}: wall-clock ${v.wall.toISOString()} is within the run`,
  );
  ok(v.elapsedNs >= 0n && v.elapsedNs < 60_000_000_000n, `${who}: monotonic elapsed time`);
  ok(v.resolutionNs > 0n && v.resolutionNs <= 1_000_000_000n, `${who}: monotonic resolution`);
}

/**
 * Runs the command (`build`: the JavaScript one unless said) under Weft
 * (library, and CLI if present) and jco with `grants`; checks they agree;
 * returns Weft's outcome, normalized.
 */
async function both(grants: Grants, build = component): Promise<Outcome> {
  const { bytes, path } = await build();
  const runs: [string, () => Promise<Outcome>][] = [
    ["weft", () => underWeft(bytes, grants)],
    ...(HAS_CLI
      ? [["weft run", () => underCli(path, grants)] as [string, () => Promise<Outcome>]]
      : []),
    ["jco", () => underJco(path, grants)],
  ];
  const outcomes: { who: string; outcome: Outcome; text: string; varying?: Varying }[] = [];
  for (const [who, run] of runs) {
    const before = Date.now();
    const outcome = await run();
    const after = Date.now();
    const n = normalize(outcome.stdout, who);
    if (n.varying !== undefined) checkVarying(n.varying, before, after, who);
    outcomes.push({ who, outcome, text: n.text, ...(n.varying ? { varying: n.varying } : {}) });
  }
  const randoms = outcomes.flatMap((o) => o.varying === undefined ? [] : [o.varying.random]);
  equal(new Set(randoms).size, randoms.length, "every run draws different random bytes");
  const jco = outcomes.at(-1)!;
  for (const o of outcomes.slice(0, -1)) {
    deepStrictEqual(
      { code: o.outcome.code, stdout: o.text, stderr: o.outcome.stderr },
      { code: jco.outcome.code, stdout: jco.text, stderr: jco.outcome.stderr },
      `${o.who} and jco give the same exit code, stdout and stderr`,
    );
  }
  return { ...outcomes[0]!.outcome, stdout: outcomes[0]!.text };
}

async function withData<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "weft-wasi-command-" });
  try {
    await Deno.writeTextFile(`${dir}/greeting.txt`, GREETING);
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("wasi-command: reads a preopened file, args and env, and exits 0, as under jco", async () => {
  await withData(async (dir) => {
    const r = await both({
      args: ["wasi-command", "/data/greeting.txt", "two words", "ünïcödé ✨"],
      env: { GREETING: "Hallo", LANG: "C" },
      preopens: { "/data": dir },
    });
    equal(r.code, 0);
    equal(r.stderr, "");
    equal(
      r.stdout,
      [
        "wasi-command: hello from JavaScript in a component",
        'args: 4 ["wasi-command","/data/greeting.txt","two words","ünïcödé ✨"]',
        "env: GREETING=Hallo",
        "env: LANG=C",
        "cwd: (none)",
        "preopens: /data",
        `file: /data/greeting.txt (${new TextEncoder().encode(GREETING).length} bytes, 2 lines)`,
        "| Weft",
        "| A component model runtime for Deno.",
        "greeting: Hallo, Weft!",
        "wall-clock: <time>",
        "monotonic: <elapsed>",
        "random: <bytes>",
        "exit: 0",
        "",
      ].join("\n"),
    );
  });
});

Deno.test("wasi-command: exits with the code it chooses (wasi:cli/exit), as under jco", async () => {
  await withData(async (dir) => {
    const r = await both({
      args: ["wasi-command", "/data/greeting.txt"],
      env: { EXIT_CODE: "3" },
      preopens: { "/data": dir },
    });
    equal(r.code, 3);
    ok(r.stdout.endsWith("exit: 3\n"), r.stdout);
  });
});

Deno.test("wasi-command: a missing file is no-entry and exit code 1 (err), as under jco", async () => {
  await withData(async (dir) => {
    const r = await both({
      args: ["wasi-command", "/data/missing.txt"],
      env: {},
      preopens: { "/data": dir },
    });
    equal(r.code, 1);
    equal(r.stderr, "wasi-command: cannot read /data/missing.txt: no-entry\n");
  });
});

Deno.test("wasi-command: without preopens, nothing can be read, as under jco", async () => {
  const r = await both({ args: ["wasi-command", "/etc/hostname"], env: {}, preopens: {} });
  equal(r.code, 1);
  ok(r.stdout.includes("preopens: (none)\n"), r.stdout);
  equal(
    r.stderr,
    "wasi-command: cannot read /etc/hostname: Error: /etc/hostname is in no preopened directory\n",
  );
});

// The C twin: another toolchain's component (wasi-libc through the preview-1
// adapter), so other WASI calls. Ignored (reported as such) without clang.
const withClang = { ignore: !HAS_CLANG };

Deno.test({
  name: "wasi-command (C, wasi-libc): reads a preopened file, args and env, as under jco",
  ...withClang,
  fn: async () => {
    await withData(async (dir) => {
      const r = await both({
        args: ["wasi-command", "/data/greeting.txt", "two words", "ünïcödé ✨"],
        env: { GREETING: "Hallo", LANG: "C" },
        preopens: { "/data": dir },
      }, componentC);
      equal(r.code, 0);
      equal(r.stderr, "");
      equal(
        r.stdout,
        [
          "wasi-command: hello from C in a component",
          'args: 4 ["wasi-command","/data/greeting.txt","two words","ünïcödé ✨"]',
          "env: GREETING=Hallo",
          "env: LANG=C",
          "cwd: /",
          `file: /data/greeting.txt (${new TextEncoder().encode(GREETING).length} bytes)`,
          "| Weft",
          "| A component model runtime for Deno.",
          "wall-clock: <time>",
          "monotonic: <elapsed>",
          "random: <bytes>",
          "exit: 0",
          "",
        ].join("\n"),
      );
    });
  },
});

Deno.test({
  name:
    "wasi-command (C, wasi-libc): a non-zero exit and a missing file give status 1, as under jco",
  ...withClang,
  fn: async () => {
    await withData(async (dir) => {
      // The preview-1 adapter reports any non-zero proc_exit as exit(err): status 1.
      const exit = await both({
        args: ["wasi-command", "/data/greeting.txt"],
        env: { EXIT_CODE: "5" },
        preopens: { "/data": dir },
      }, componentC);
      equal(exit.code, 1);
      ok(exit.stdout.endsWith("exit: 5\n"), exit.stdout);
      const missing = await both({
        args: ["wasi-command", "/data/missing.txt"],
        env: {},
        preopens: { "/data": dir },
      }, componentC);
      equal(missing.code, 1);
      equal(
        missing.stderr,
        "wasi-command: cannot read /data/missing.txt: No such file or directory\n",
      );
    });
  },
});

// The WASI preview-1 adapter's `cabi_import_realloc` (in every wasi-libc or
// wasip1 Rust program made a component) takes fresh allocations only, so a
// JS string must go into a UTF-8 guest with one allocation of its exact
// length, as jco and Wasmtime do (not the spec's grow-then-shrink sequence
// for strings from a UTF-16 guest). testdata/realloc_once.wat has such a realloc.
Deno.test({
  name: "a guest whose realloc takes fresh allocations only gets non-ASCII arguments",
  fn: async () => {
    const bytes = await fixture(new URL("./testdata/realloc_once.wat", import.meta.url));
    const component = await Component.compile(bytes);
    const instance = await component.instantiate(
      createWasi({ args: ["app", "ünïcödé ✨"] }).imports,
    );
    await (instance.exports.run as () => unknown)();
  },
});
