import assert from "node:assert/strict";
import { TRAP_EXIT_CODE, USAGE_EXIT_CODE } from "./mod.ts";
import { wasmFile, weft } from "./_test_util.ts";

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

Deno.test("run: the guest writes to stdout and gets its arguments, argv[0] first", async () => {
  const echo = await wasmFile("echo");
  const result = await weft(["run", echo, "--", "a", "b c", "--flag"]);
  assert.equal(result.stderr, "");
  assert.equal(result.status, 0);
  assert.equal(result.stdout, `${echo}\na\nb c\n--flag\n`);
});

Deno.test("run: options after the component belong to the guest; --argv0 names it", async () => {
  const echo = await wasmFile("echo");
  const result = await weft(["run", "--argv0", "echo", echo, "--env", "X=1"]);
  assert.equal(result.status, 0);
  // Not an environment grant: two plain arguments.
  assert.equal(result.stdout, "echo\n--env\nX=1\n");
});

Deno.test("run: `weft app.wasm args` is short for `weft run app.wasm args`", async () => {
  const echo = await wasmFile("echo");
  const result = await weft([echo, "hi"]);
  assert.equal(result.stdout, `${echo}\nhi\n`);
});

Deno.test("run: no environment unless granted; --env, --env NAME, --inherit-env", async () => {
  const echo = await wasmFile("echo");
  const env = { HOME: "/home/guest", TOKEN: "secret" };
  const none = await weft(["run", echo], { env });
  assert.equal(none.stdout, `${echo}\n`);
  const some = await weft(["run", "--env", "X=1", "--env", "HOME", "--env", "NOPE", echo], {
    env,
  });
  assert.equal(some.stdout, `${echo}\nX=1\nHOME=/home/guest\n`);
  const all = await weft(["run", "--inherit-env", "--env", "TOKEN=other", echo], { env });
  assert.equal(all.stdout, `${echo}\nHOME=/home/guest\nTOKEN=other\n`);
});

Deno.test("run: the exit status is the guest's (exit-with-code, exit(ok), exit(err))", async () => {
  const exit = await wasmFile("exit");
  for (const [args, status] of [[["42"], 42], [["0"], 0], [["ok"], 0], [[], 1]] as const) {
    const result = await weft(["run", exit, ...args]);
    assert.equal(result.status, status, `exit ${args.join(" ")}`);
    assert.equal(result.stderr, "", "an exit is not an error");
  }
});

Deno.test("run: `run` returning err exits with 1 and no message, as Wasmtime", async () => {
  const result = await weft(["run", await wasmFile("exit"), "return-err"]);
  assert.equal(result.status, 1);
  assert.equal(result.stderr, "");
});

Deno.test("run: --dir preopens a directory; nothing outside it is reachable", async () => {
  const cat = await wasmFile("cat");
  const tmp = await Deno.makeTempDir({ prefix: "weft_cli_dir_" });
  try {
    await Deno.mkdir(`${tmp}/root`);
    await Deno.writeTextFile(`${tmp}/root/greeting.txt`, "hello from a preopen\n");
    await Deno.writeTextFile(`${tmp}/secret.txt`, "secret\n");
    const read = await weft(["run", "--dir", `${tmp}/root::/`, cat, "greeting.txt"]);
    assert.equal(read.status, 0);
    assert.equal(read.stdout, "hello from a preopen\n");
    const escape = await weft(["run", "--dir", `${tmp}/root::/`, cat, "../secret.txt"]);
    assert.equal(escape.status, 1);
    assert.equal(escape.stdout, "");
    // Without --dir the guest has no preopen at all.
    const none = await weft(["run", cat, "greeting.txt"]);
    assert.equal(none.status, 1);
    assert.equal(none.stdout, "");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("run: a `:ro` directory refuses writes; a plain one takes them", async () => {
  const cat = await wasmFile("cat");
  const tmp = await Deno.makeTempDir({ prefix: "weft_cli_ro_" });
  try {
    const ro = await weft(["run", "--dir", `${tmp}::/:ro`, cat, "new.txt", "data"]);
    assert.equal(ro.status, 1);
    await assert.rejects(Deno.stat(`${tmp}/new.txt`), Deno.errors.NotFound);
    const rw = await weft(["run", "--dir", `${tmp}::/`, cat, "new.txt", "data"]);
    assert.equal(rw.status, 0);
    assert.equal(await Deno.readTextFile(`${tmp}/new.txt`), "data");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("run: a trap is one line on stderr and the exit status Wasmtime uses", async () => {
  const trap = await wasmFile("trap");
  const result = await weft(["run", trap]);
  assert.equal(result.status, TRAP_EXIT_CODE);
  assert.equal(result.stdout, "about to trap\n", "output before the trap is kept");
  assert.deepEqual(lines(result.stderr), [`weft: error: ${trap} trapped: unreachable (in boom)`]);
});

Deno.test("run: --verbose and WEFT_BACKTRACE=1 add the stack and the engine's cause", async () => {
  const trap = await wasmFile("trap");
  for (
    const [args, env] of [
      [["run", "--verbose", trap], {}],
      [["--verbose", "run", trap], {}],
      [["run", trap], { WEFT_BACKTRACE: "1" }],
    ] as const
  ) {
    const result = await weft(args, { env });
    assert.equal(result.status, TRAP_EXIT_CODE);
    const stderr = lines(result.stderr);
    assert.equal(stderr[0], `weft: error: ${trap} trapped: unreachable (in boom)`);
    assert.ok(stderr.length > 2, "a backtrace follows");
    assert.ok(stderr.some((l) => l.startsWith("caused by: RuntimeError: unreachable")));
  }
});

Deno.test("run: a missing import is one line naming it", async () => {
  const path = await wasmFile("missing_import");
  const result = await weft(["run", path]);
  assert.equal(result.status, 1);
  const stderr = lines(result.stderr);
  assert.equal(stderr.length, 1);
  assert.match(stderr[0]!, /^weft: error: Cannot link .*missing_import\.wasm: /);
  assert.match(stderr[0]!, /"example:greeter\/names@1\.0\.0"/);
});

Deno.test("run: a missing file, a bad binary and a core module are one line each", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "weft_cli_bad_" });
  try {
    await Deno.writeFile(`${tmp}/junk.wasm`, new TextEncoder().encode("not wasm at all"));
    // The smallest core module: magic and version 1.
    await Deno.writeFile(`${tmp}/core.wasm`, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    const cases: [string, RegExp][] = [
      [
        `${tmp}/missing.wasm`,
        /^weft: error: Cannot read component ".*missing\.wasm": no such file$/,
      ],
      [tmp, /^weft: error: Cannot read component ".*": it is a directory$/],
      [`${tmp}/junk.wasm`, /^weft: error: Cannot compile ".*junk\.wasm": .*magic/],
      [
        `${tmp}/core.wasm`,
        /^weft: error: Cannot load ".*core\.wasm": it is a core WebAssembly module/,
      ],
    ];
    for (const [path, expected] of cases) {
      const result = await weft(["run", path]);
      assert.equal(result.status, 1, path);
      const stderr = lines(result.stderr);
      assert.equal(stderr.length, 1, result.stderr);
      assert.match(stderr[0]!, expected);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("run: a component without wasi:cli/run is refused with what it is", async () => {
  const handler = await weft(["run", await wasmFile("http_counter")]);
  assert.equal(handler.status, 1);
  assert.match(
    handler.stderr,
    /does not export wasi:cli\/run@0\.2\.x \(it is an HTTP handler: use `weft serve`\)/,
  );
  const library = await weft(["run", await wasmFile("types")]);
  assert.match(library.stderr, /does not export wasi:cli\/run@0\.2\.x \(it exports add\)/);
});

Deno.test("run: a directory that cannot be preopened is one line", async () => {
  const result = await weft(["run", "--dir", "/does/not/exist::/", await wasmFile("echo")]);
  assert.equal(result.status, 1);
  assert.deepEqual(lines(result.stderr), [
    `weft: error: Cannot preopen "/does/not/exist" as "/": it cannot be resolved`,
  ]);
});

Deno.test("run: a bad command line exits with 2 and points at the help", async () => {
  const none = await weft(["run"]);
  assert.equal(none.status, USAGE_EXIT_CODE);
  assert.equal(
    none.stderr,
    `weft: error: Cannot run: no component given (see "weft run --help")\n`,
  );
  const bad = await weft(["run", "--dir"]);
  assert.equal(bad.status, USAGE_EXIT_CODE);
  assert.match(bad.stderr, /Cannot use "--dir" without a value/);
  const help = await weft(["run", "--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^Usage: weft run \[OPTIONS\] <COMPONENT> \[--\] \[ARGS\]\.\.\.$/m);
});

Deno.test("run: the guest reads an injected stdin, waiting for chunks that come later", async () => {
  const encoder = new TextEncoder();
  const stdin = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode("one\n"));
      await new Promise((r) => setTimeout(r, 50));
      controller.enqueue(encoder.encode("two\n"));
      controller.close();
    },
  });
  const result = await weft(["run", await wasmFile("stdin_cat")], { stdin });
  assert.equal(result.stderr, "");
  assert.equal(result.status, 0);
  assert.equal(result.stdout, "one\ntwo\n");
});
