// The command line as a user meets it: help, version, dispatch, and the
// executable run as a subprocess (real stdio, real exit status, real signals).
import assert from "node:assert/strict";
import { MAIN_HELP, TRAP_EXIT_CODE, USAGE_EXIT_CODE, VERSION } from "./mod.ts";
import { MAIN, wasmFile, weft } from "./_test_util.ts";

const root = new URL("../../", import.meta.url).pathname;

Deno.test("--version matches the package version", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("./deno.json", import.meta.url)),
  ) as { version: string };
  assert.equal(VERSION, config.version);
  for (const flag of ["--version", "-V"]) {
    const result = await weft([flag]);
    assert.equal(result.status, 0);
    assert.equal(result.stdout, `weft ${VERSION}\n`);
  }
});

Deno.test("--help, help and help <command>", async () => {
  assert.equal((await weft(["--help"])).stdout, MAIN_HELP);
  assert.equal((await weft(["help"])).stdout, MAIN_HELP);
  for (const command of ["run", "serve", "inspect", "types"]) {
    const viaHelp = await weft(["help", command]);
    const viaFlag = await weft([command, "-h"]);
    assert.equal(viaHelp.status, 0);
    assert.equal(viaHelp.stdout, viaFlag.stdout);
    assert.match(viaHelp.stdout, new RegExp(`^Usage: weft ${command} \\[OPTIONS\\]`, "m"));
  }
  const unknown = await weft(["help", "frob"]);
  assert.equal(unknown.status, USAGE_EXIT_CODE);
});

Deno.test("no command prints the help to stderr; an unknown one is a usage error", async () => {
  const none = await weft([]);
  assert.equal(none.status, USAGE_EXIT_CODE);
  assert.equal(none.stderr, MAIN_HELP);
  const unknown = await weft(["frob"]);
  assert.equal(unknown.status, USAGE_EXIT_CODE);
  assert.equal(
    unknown.stderr,
    `weft: error: Cannot run command "frob": it is not a weft command (run, serve, inspect, ` +
      `types) (see "weft --help")\n`,
  );
  const option = await weft(["--frob"]);
  assert.equal(option.status, USAGE_EXIT_CODE);
});

function subprocess(args: string[], options: { stdin?: "piped" } = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd: root,
    stdin: options.stdin ?? "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
}

async function finish(child: Deno.ChildProcess): Promise<[number, string, string]> {
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return [code, decoder.decode(stdout), decoder.decode(stderr)];
}

Deno.test("subprocess: run prints, passes arguments and exits with the guest's status", async () => {
  const echo = await wasmFile("echo");
  assert.deepEqual(await finish(subprocess(["run", "--env", "A=b", echo, "--", "x", "y z"])), [
    0,
    `${echo}\nx\ny z\nA=b\n`,
    "",
  ]);
  const exit = await wasmFile("exit");
  assert.deepEqual(await finish(subprocess(["run", exit, "42"])), [42, "", ""]);
});

Deno.test("subprocess: a trap is one line on stderr and exit status 134", async () => {
  const trap = await wasmFile("trap");
  assert.deepEqual(await finish(subprocess(["run", trap])), [
    TRAP_EXIT_CODE,
    "about to trap\n",
    `weft: error: ${trap} trapped: unreachable (in boom)\n`,
  ]);
});

Deno.test("subprocess: the guest reads the process's stdin, waiting for it (JSPI)", async () => {
  const child = subprocess(["run", await wasmFile("stdin_cat")], { stdin: "piped" });
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("first line\n"));
  // The guest blocks on stdin in between: the second chunk comes later.
  await new Promise((r) => setTimeout(r, 200));
  await writer.write(new TextEncoder().encode("second line\n"));
  await writer.close();
  assert.deepEqual(await finish(child), [0, "first line\nsecond line\n", ""]);
});

Deno.test("subprocess: serve answers HTTP and stops gracefully on SIGTERM", async () => {
  const path = await wasmFile("http_counter");
  const child = subprocess(["serve", path, "--port", "0", "--addr", "127.0.0.1"]);
  const output = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let stderr = "";
  let url: string | undefined;
  while (url === undefined) {
    const { value, done } = await output.read();
    if (done) break;
    stderr += value;
    url = /serving .* on (http:\/\/\S+)\n/.exec(stderr)?.[1];
  }
  assert.ok(url !== undefined, `no listening line: ${stderr}`);
  const response = await fetch(`${url}hello`);
  assert.equal(response.status, 201);
  assert.equal(await response.text(), "hello from wasm /hello #1");
  child.kill("SIGTERM");
  for (;;) {
    const { value, done } = await output.read();
    if (done) break;
    stderr += value;
  }
  const [status] = await Promise.all([child.status, child.stdout.cancel()]);
  assert.equal(status.code, 0);
  assert.deepEqual(stderr.split("\n").filter((l) => l !== ""), [
    `weft: serving ${path} on ${url}`,
    "weft: shutting down (again to stop at once)",
  ]);
});
