import assert from "node:assert/strict";

Deno.test("denoStdio: a guest reads Deno's stdin and writes Deno's stdout and stderr", async () => {
  const script = new URL("./testdata/stdio_echo.ts", import.meta.url);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-lock", "--allow-read", script.href],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("hello "));
  await writer.write(new TextEncoder().encode("stdio"));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  const err = new TextDecoder().decode(stderr);
  assert.equal(code, 0, err);
  assert.equal(new TextDecoder().decode(stdout), "HELLO STDIO|no tty");
  assert.equal(err, "note\n");
});
