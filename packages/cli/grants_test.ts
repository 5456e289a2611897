import assert from "node:assert/strict";
import { parseArgs, UsageError } from "./args.ts";
import { GRANT_OPTIONS, grantOptions, parseAllowNet, parseDir, parseEnv } from "./grants.ts";

Deno.test("parseDir reads HOST, HOST::GUEST and the :ro suffix", () => {
  assert.deepEqual(parseDir("./data"), { host: "./data", guest: "./data", readonly: false });
  assert.deepEqual(parseDir("./data::/data"), { host: "./data", guest: "/data", readonly: false });
  assert.deepEqual(parseDir("/srv::/:ro"), { host: "/srv", guest: "/", readonly: true });
  assert.deepEqual(parseDir("/srv:ro"), { host: "/srv", guest: "/srv", readonly: true });
  // A Windows drive letter has one colon, not two.
  assert.deepEqual(parseDir("C:\\data::/data"), {
    host: "C:\\data",
    guest: "/data",
    readonly: false,
  });
  assert.throws(() => parseDir("::/x"), UsageError);
  assert.throws(() => parseDir("/x::"), UsageError);
});

Deno.test("parseEnv sets, passes through host values, and inherits on request", () => {
  const host = { HOME: "/home/me", PATH: "/bin" };
  assert.deepEqual(parseEnv(["A=1", "B=x=y", "HOME", "UNSET"], host, false), {
    A: "1",
    B: "x=y",
    HOME: "/home/me",
  });
  assert.deepEqual(parseEnv(["PATH=/usr/bin"], host, true), {
    HOME: "/home/me",
    PATH: "/usr/bin",
  });
  assert.throws(() => parseEnv(["=1"], host, false), UsageError);
});

Deno.test("parseAllowNet splits comma lists across repeats", () => {
  assert.deepEqual(parseAllowNet(["a.example, 127.0.0.1:8080", "[::1]:80"]), [
    "a.example",
    "127.0.0.1:8080",
    "[::1]:80",
  ]);
  assert.throws(() => parseAllowNet([","]), UsageError);
});

Deno.test("grantOptions grants nothing without flags", () => {
  assert.deepEqual(grantOptions(parseArgs([], GRANT_OPTIONS), { SECRET: "x" }), {});
});

Deno.test("grantOptions maps the flags to createWasi options", () => {
  const parsed = parseArgs(
    ["--dir", "/tmp::/t:ro", "--env", "A=1", "--allow-net", "example.com"],
    GRANT_OPTIONS,
  );
  const options = grantOptions(parsed, {});
  assert.deepEqual(options.preopens, { "/t": { path: "/tmp", readonly: true } });
  assert.ok(options.fs !== undefined);
  assert.deepEqual(options.env, { A: "1" });
  assert.deepEqual(options.network?.allow, ["example.com"]);
  assert.ok(options.network?.sockets !== undefined);
  assert.throws(
    () => grantOptions(parseArgs(["--dir", "/a::/x", "--dir", "/b::/x"], GRANT_OPTIONS), {}),
    /Cannot preopen two directories as "\/x"/,
  );
});
