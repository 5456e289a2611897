// Escape attempts against a preopen (issue #5: at least 20, each failing with
// the error code the WIT prescribes and touching nothing outside).
import assert from "node:assert/strict";
import { createWasi, type Descriptor, type FsBackend } from "./mod.ts";
import { MemoryFsBackend } from "./memory_fs.ts";
import { denoFs } from "./deno.ts";

interface Tree {
  [path: string]: string;
}

/** A host file system to attack: Deno's (a temporary directory) or one in memory. */
interface World {
  name: string;
  backend: FsBackend;
  /** The host directory holding `outside/`, `root/` and `ro/`. */
  base: string;
  mkdir(path: string): void;
  writeFile(path: string, text: string): void;
  symlink(target: string, path: string): void;
  readText(path: string): string;
  /**
   * Every entry below `dir` with its metadata, without reading any file: a
   * first read by the sandbox would change a file's atime.
   */
  snapshot(dir: string): Tree;
  cleanup(): void;
}

function snapshotWith(backend: FsBackend, dir: string): Tree {
  const out: Tree = {};
  const walk = (d: string) => {
    for (const e of backend.readDir(d)) {
      const p = `${d}/${e.name}`;
      const s = backend.lstat(p);
      const times = [s.modified, s.accessed, s.changed].map((t) =>
        `${t?.seconds}.${t?.nanoseconds}`
      );
      if (e.type === "symbolic-link") out[p] = `link:${backend.readlink(p)}`;
      else if (e.type === "directory") {
        out[p] = `dir:${times[0]}`;
        walk(p);
      } else out[p] = `file:${s.size}:${s.linkCount}:${s.inode}:${times.join(":")}`;
    }
  };
  walk(dir);
  return out;
}

function denoWorld(): World {
  const base = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "weft_wasi_sandbox_" }));
  const backend = denoFs();
  return {
    name: "Deno",
    backend,
    base,
    mkdir: (p) => Deno.mkdirSync(p, { recursive: true }),
    writeFile: (p, t) => Deno.writeTextFileSync(p, t),
    symlink: (t, p) => Deno.symlinkSync(t, p),
    readText: (p) => Deno.readTextFileSync(p),
    snapshot: (d) => snapshotWith(backend, d),
    cleanup: () => Deno.removeSync(base, { recursive: true }),
  };
}

function memoryWorld(): World {
  const fs = new MemoryFsBackend();
  return {
    name: "memory",
    backend: fs,
    base: "/w",
    mkdir: (p) => fs.mkdirp(p),
    writeFile: (p, t) => {
      fs.writeFile(p, t);
      // Time 0, so that a read (which sets the access time to now) shows.
      fs.setTimes(p, { seconds: 0n, nanoseconds: 0 }, { seconds: 0n, nanoseconds: 0 });
    },
    symlink: (t, p) => fs.symlink(t, p),
    readText: (p) => {
      const f = fs.open(p, {
        read: true,
        write: false,
        create: false,
        exclusive: false,
        truncate: false,
      });
      return new TextDecoder().decode(f.read(1 << 20, 0n));
    },
    snapshot: (d) => snapshotWith(fs, d),
    cleanup: () => {},
  };
}

type Env = { w: World; root: Descriptor; sub: Descriptor; readonlyRoot: Descriptor };

function setup(w: World): Env {
  const tmp = w.base;
  w.mkdir(`${tmp}/outside/dir`);
  w.writeFile(`${tmp}/outside/secret.txt`, "secret");
  w.mkdir(`${tmp}/root/sub`);
  w.mkdir(`${tmp}/ro`);
  w.writeFile(`${tmp}/root/file.txt`, "hello");
  w.writeFile(`${tmp}/root/sub/inner.txt`, "inner");
  w.symlink("../outside", `${tmp}/root/up`);
  w.symlink(`${tmp}/outside`, `${tmp}/root/abs`);
  w.symlink("/proc/self/root", `${tmp}/root/procself`);
  w.symlink("loop2", `${tmp}/root/loop1`);
  w.symlink("loop1", `${tmp}/root/loop2`);
  w.symlink("self/x", `${tmp}/root/self`);
  w.symlink("../..", `${tmp}/root/sub/back`);
  w.symlink("../outside/created.txt", `${tmp}/root/dangling`);
  w.symlink("sub/../../outside", `${tmp}/root/sneaky`);
  const { imports } = createWasi({
    fs: w.backend,
    preopens: { "/data": `${tmp}/root`, "/ro": { path: `${tmp}/ro`, readonly: true } },
  });
  const dirs = (imports["wasi:filesystem/preopens@0.2.12"]!.getDirectories as () => [
    Descriptor,
    string,
  ][])();
  const root = dirs.find(([, g]) => g === "/data")![0];
  const readonlyRoot = dirs.find(([, g]) => g === "/ro")![0];
  const sub = root.openAt({}, "sub", { directory: true }, { read: true, mutateDirectory: true });
  return { w, root, sub, readonlyRoot };
}

const R = { read: true };
const W = { read: true, write: true };
const FOLLOW = { symlinkFollow: true };

/** Each attempt: what it does, and the error code the WIT prescribes. */
const ATTEMPTS: [string, string, (d: Env) => unknown][] = [
  [
    "open-at ../ (parent of the preopen)",
    "not-permitted",
    ({ root }) => root.openAt({}, "../outside/secret.txt", {}, R),
  ],
  [
    "open-at a .. chain through a subdirectory",
    "not-permitted",
    ({ root }) => root.openAt({}, "sub/../../outside/secret.txt", {}, R),
  ],
  [
    "open-at a long .. chain",
    "not-permitted",
    ({ root }) => root.openAt({}, "sub/./../sub/../../../../../../etc/passwd", {}, R),
  ],
  [
    "open-at an absolute path",
    "not-permitted",
    ({ root }) => root.openAt({}, "/etc/passwd", {}, R),
  ],
  [
    "open-at /proc/self",
    "not-permitted",
    ({ root }) => root.openAt(FOLLOW, "/proc/self/environ", {}, R),
  ],
  [
    "open-at a Windows-rooted path",
    "not-permitted",
    ({ root }) => root.openAt({}, "C:/Windows/win.ini", {}, R),
  ],
  [
    "open-at through a relative symlink to outside",
    "not-permitted",
    ({ root }) => root.openAt({}, "up/secret.txt", {}, R),
  ],
  [
    "open-at a followed symlink to outside",
    "not-permitted",
    ({ root }) => root.openAt(FOLLOW, "up", { directory: true }, R),
  ],
  [
    "open-at through an absolute symlink",
    "not-permitted",
    ({ root }) => root.openAt({}, "abs/secret.txt", {}, R),
  ],
  [
    "stat-at a symlink to /proc/self/root",
    "not-permitted",
    ({ root }) => root.statAt(FOLLOW, "procself"),
  ],
  [
    "open-at through a symlink that dips inside, then leaves",
    "not-permitted",
    ({ root }) => root.openAt({}, "sneaky/secret.txt", {}, R),
  ],
  [
    "open-at through a symlink to ../.. in a subdirectory",
    "not-permitted",
    ({ root }) => root.openAt({}, "sub/back/outside/secret.txt", {}, R),
  ],
  ["open-at a symlink loop", "loop", ({ root }) => root.openAt(FOLLOW, "loop1", {}, R)],
  ["open-at a self-referencing symlink", "loop", ({ root }) => root.openAt({}, "self/y", {}, R)],
  [
    "create a file through a dangling symlink to outside",
    "not-permitted",
    ({ root }) => root.openAt(FOLLOW, "dangling", { create: true }, W),
  ],
  ["create-directory-at ../", "not-permitted", ({ root }) => root.createDirectoryAt("../newdir")],
  [
    "rename-at a file to outside",
    "not-permitted",
    ({ root }) => root.renameAt("file.txt", root, "../outside/stolen.txt"),
  ],
  [
    "rename-at a file from outside in",
    "not-permitted",
    ({ root }) => root.renameAt("../outside/secret.txt", root, "got.txt"),
  ],
  [
    "rename-at into a symlinked directory outside",
    "not-permitted",
    ({ root }) => root.renameAt("file.txt", root, "up/stolen.txt"),
  ],
  [
    "link-at a file from outside",
    "not-permitted",
    ({ root }) => root.linkAt({}, "../outside/secret.txt", root, "hard"),
  ],
  [
    "link-at through a symlink to outside",
    "not-permitted",
    ({ root }) => root.linkAt(FOLLOW, "up/secret.txt", root, "hard"),
  ],
  [
    "link-at to a new path outside",
    "not-permitted",
    ({ root }) => root.linkAt({}, "file.txt", root, "up/hard"),
  ],
  [
    "symlink-at with absolute contents",
    "not-permitted",
    ({ root }) => root.symlinkAt("/etc/passwd", "p"),
  ],
  [
    "symlink-at pointing above the directory",
    "not-permitted",
    ({ root }) => root.symlinkAt("sub/../../outside", "p"),
  ],
  [
    "readlink-at a symlink with absolute contents",
    "not-permitted",
    ({ root }) => root.readlinkAt("abs"),
  ],
  [
    "unlink-file-at outside",
    "not-permitted",
    ({ root }) => root.unlinkFileAt("../outside/secret.txt"),
  ],
  [
    "unlink-file-at through a symlink",
    "not-permitted",
    ({ root }) => root.unlinkFileAt("up/secret.txt"),
  ],
  ["remove-directory-at ..", "not-permitted", ({ root }) => root.removeDirectoryAt("..")],
  [
    "remove-directory-at outside through a symlink",
    "not-permitted",
    ({ root }) => root.removeDirectoryAt("up/dir"),
  ],
  [
    "set-times-at through a symlink",
    "not-permitted",
    ({ root }) => root.setTimesAt({}, "up/secret.txt", { tag: "now" }, { tag: "now" }),
  ],
  [
    "metadata-hash-at through a symlink",
    "not-permitted",
    ({ root }) => root.metadataHashAt({}, "up/secret.txt"),
  ],
  [
    "a subdirectory descriptor cannot reach its parent",
    "not-permitted",
    ({ sub }) => sub.openAt({}, "../file.txt", {}, R),
  ],
  [
    "a subdirectory descriptor's symlink to ../..",
    "not-permitted",
    ({ sub }) => sub.statAt(FOLLOW, "back"),
  ],
  [
    "open a directory for writing as a file",
    "is-directory",
    ({ root }) => root.openAt({}, "sub", {}, W),
  ],
  [
    "truncate a directory",
    "is-directory",
    ({ root }) => root.openAt({}, "sub", { truncate: true }, R),
  ],
  ["read a directory descriptor as a file", "is-directory", ({ sub }) => sub.readViaStream(0n)],
  [
    "open a file as a directory",
    "not-directory",
    ({ root }) => root.openAt({}, "file.txt", { directory: true }, R),
  ],
  [
    "a path through a file",
    "not-directory",
    ({ root }) => root.openAt({}, "file.txt/../../outside/secret.txt", {}, R),
  ],
  ["a path with NUL", "invalid", ({ root }) => root.openAt({}, "file.txt\0../x", {}, R)],
  [
    "a path with a backslash separator",
    "invalid",
    ({ root }) => root.openAt({}, "..\\outside\\secret.txt", {}, R),
  ],
  [
    "create in a read-only preopen",
    "read-only",
    ({ readonlyRoot }) => readonlyRoot.openAt({}, "new.txt", { create: true }, W),
  ],
  [
    "mutate-directory from a read-only preopen",
    "read-only",
    ({ readonlyRoot }) =>
      readonlyRoot.openAt({}, ".", { directory: true }, { read: true, mutateDirectory: true }),
  ],
];

for (const makeWorld of [denoWorld, memoryWorld]) {
  const name = makeWorld === denoWorld ? "Deno" : "memory";
  Deno.test(`sandbox (${name} backend): ${ATTEMPTS.length} escape attempts fail with the prescribed error code`, async (t) => {
    const env = setup(makeWorld());
    const { w } = env;
    try {
      const outside = () => w.snapshot(`${w.base}/outside`);
      const before = outside();
      assert.ok(Object.keys(before).length >= 2);
      const rootBefore = w.snapshot(`${w.base}/root`);
      for (const [what, code, attempt] of ATTEMPTS) {
        await t.step(`${what} → ${code}`, () => {
          let payload: unknown = "(succeeded)";
          try {
            attempt(env);
          } catch (e) {
            payload = (e as { payload?: unknown }).payload ?? e;
          }
          assert.equal(payload, code);
          assert.deepEqual(outside(), before, "nothing outside was read or changed");
        });
      }
      assert.deepEqual(w.snapshot(`${w.base}/root`), rootBefore, "nothing inside changed either");
      assert.equal(w.readText(`${w.base}/outside/secret.txt`), "secret");
      assert.ok(ATTEMPTS.length >= 20);
    } finally {
      w.cleanup();
    }
  });

  Deno.test(`sandbox (${name} backend): symlinks that stay inside keep working`, () => {
    const env = setup(makeWorld());
    const { w, root, sub } = env;
    try {
      w.symlink("sub/inner.txt", `${w.base}/root/inlink`);
      w.symlink("../file.txt", `${w.base}/root/sub/uplink`);
      const read = (d: Descriptor) => new TextDecoder().decode(d.read(100n, 0n)[0]);
      assert.equal(read(root.openAt(FOLLOW, "inlink", {}, R)), "inner");
      assert.equal(read(root.openAt(FOLLOW, "sub/uplink", {}, R)), "hello");
      // From the subdirectory, the same symlink leaves its base: refused.
      assert.throws(
        () => sub.openAt(FOLLOW, "uplink", {}, R),
        (e: { payload: string }) => e.payload === "not-permitted",
      );
      // Not following: the symlink itself, which is inside.
      assert.equal(root.statAt({}, "up").type, "symbolic-link");
      assert.equal(root.readlinkAt("up"), "../outside");
      assert.throws(
        () => root.openAt({}, "inlink", {}, R),
        (e: { payload: string }) => e.payload === "loop",
      );
      root.symlinkAt("sub/inner.txt", "made");
      assert.equal(read(root.openAt(FOLLOW, "made", {}, R)), "inner");
    } finally {
      w.cleanup();
    }
  });
}
