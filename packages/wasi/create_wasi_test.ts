import assert from "node:assert/strict";
import { createWasi, ExitError } from "./mod.ts";
import { camel, errOf, pascal, witInterfaces } from "./_test_util.ts";

// Every WASI 0.2 package.
const PACKAGES = ["io", "clocks", "random", "cli", "filesystem", "sockets", "http"];
// Exports of a world, not imports of a host.
const EXPORTED = new Set(["wasi:cli/run@0.2.12", "wasi:http/incoming-handler@0.2.12"]);

Deno.test("createWasi provides every stable interface of the WIT with every member", async () => {
  const wit = await witInterfaces(PACKAGES);
  const { imports } = createWasi();
  let members = 0;
  const expected = [...wit.keys()].filter((k) => !EXPORTED.has(k)).sort();
  assert.ok(expected.length >= 20, `read ${expected.length} interfaces from the WIT`);
  assert.deepEqual(Object.keys(imports).sort(), expected);
  for (const name of expected) {
    const iface = wit.get(name)!;
    const value = imports[name]!;
    for (const f of iface.functions) {
      assert.equal(typeof value[camel(f)], "function", `${name}: function ${f}`);
      members++;
    }
    for (const [r, res] of iface.resources) {
      const cls = value[pascal(r)] as
        & { prototype: Record<string, unknown> }
        & Record<string, unknown>;
      assert.equal(typeof cls, "function", `${name}: class for resource ${r}`);
      assert.match(
        Function.prototype.toString.call(cls),
        /^class[\s{]/,
        `${name}: ${r} is a class`,
      );
      for (const m of res.methods) {
        assert.equal(typeof cls.prototype[camel(m)], "function", `${name}: ${r}.${m}`);
        members++;
      }
      for (const s of res.statics) {
        assert.equal(typeof cls[camel(s)], "function", `${name}: static ${r}.${s}`);
        members++;
      }
    }
  }
  assert.ok(members > 150, `checked ${members} members`);
});

Deno.test("createWasi shares one class per resource across interfaces that use it", () => {
  const { imports } = createWasi();
  // streams and filesystem `use` wasi:io/error.error; they must be the same JS class.
  assert.ok(imports["wasi:io/error@0.2.12"]!.Error);
  const a = createWasi().imports;
  assert.equal(
    a["wasi:io/streams@0.2.12"]!.InputStream,
    imports["wasi:io/streams@0.2.12"]!.InputStream,
  );
});

Deno.test("createWasi grants nothing by default", () => {
  const { imports } = createWasi();
  const env = imports["wasi:cli/environment@0.2.12"]! as Record<string, () => unknown>;
  assert.deepEqual(env.getEnvironment!(), []);
  assert.deepEqual(env.getArguments!(), []);
  assert.equal(env.initialCwd!(), undefined);
  const pre = imports["wasi:filesystem/preopens@0.2.12"]! as Record<string, () => unknown>;
  assert.deepEqual(pre.getDirectories!(), []);
  for (const t of ["stdin", "stdout", "stderr"]) {
    const i = imports[`wasi:cli/terminal-${t}@0.2.12`]! as Record<string, () => unknown>;
    assert.equal(Object.values(i)[0]!(), undefined, `terminal-${t}`);
  }
  // stdin is empty: the first read reports closed.
  const stdin =
    (imports["wasi:cli/stdin@0.2.12"]!.getStdin as () => { read(n: bigint): unknown })();
  assert.throws(() => stdin.read(10n), (e: { payload?: unknown }) => {
    assert.deepEqual(e.payload, { tag: "closed" });
    return true;
  });
  // No network: outgoing HTTP is denied before anything is sent, sockets too.
  const http = imports["wasi:http/types@0.2.12"]! as Record<
    string,
    new (h?: unknown) => {
      setAuthority(a: string): void;
    }
  >;
  const request = new http.OutgoingRequest!(new http.Fields!());
  request.setAuthority("127.0.0.1:1");
  const handle = imports["wasi:http/outgoing-handler@0.2.12"]!.handle as (
    r: unknown,
    o: unknown,
  ) => unknown;
  assert.deepEqual(errOf(() => handle(request, undefined)), { tag: "HTTP-request-denied" });
  const tcp = imports["wasi:sockets/tcp-create-socket@0.2.12"]!.createTcpSocket as (
    f: string,
  ) => unknown;
  assert.equal(errOf(() => tcp("ipv4")), "access-denied");
});

Deno.test("createWasi grants what it is given", () => {
  const { imports } = createWasi({
    args: ["app", "x"],
    env: { HOME: "/home/guest", LANG: "C" },
    cwd: "/work",
    terminal: { stdout: true },
  });
  const env = imports["wasi:cli/environment@0.2.12"]! as Record<string, () => unknown>;
  assert.deepEqual(env.getArguments!(), ["app", "x"]);
  assert.deepEqual(env.getEnvironment!(), [["HOME", "/home/guest"], ["LANG", "C"]]);
  assert.equal(env.initialCwd!(), "/work");
  const out = imports["wasi:cli/terminal-stdout@0.2.12"]!.getTerminalStdout as () => unknown;
  assert.equal((out() as object).constructor.name, "TerminalOutput");
  // The guest owns what it gets: each call returns a new list.
  const list = env.getArguments!() as string[];
  list.push("mutated");
  assert.deepEqual(env.getArguments!(), ["app", "x"]);
});

Deno.test("createWasi refuses bad grants with a message", () => {
  assert.throws(
    () => createWasi({ env: { "A=B": "1" } }),
    /Cannot grant environment variable "A=B"/,
  );
  assert.throws(() => createWasi({ preopens: { "/d": "." } }), /without a file system backend/);
});

Deno.test("wasi:cli/exit throws ExitError with the status, never ends the process", () => {
  const exit = createWasi().imports["wasi:cli/exit@0.2.12"]! as Record<
    string,
    (a: unknown) => never
  >;
  assert.throws(() => exit.exit!({ tag: "ok" }), (e) => e instanceof ExitError && e.code === 0);
  assert.throws(() => exit.exit!({ tag: "err" }), (e) => e instanceof ExitError && e.code === 1);
  assert.throws(() => exit.exitWithCode!(42), (e) => e instanceof ExitError && e.code === 42);
});
