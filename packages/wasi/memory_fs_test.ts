import assert from "node:assert/strict";
import { createWasi, type Descriptor, FsError } from "./mod.ts";
import { MemoryFsBackend } from "./memory_fs.ts";

const code = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof FsError) return e.code;
    const p = (e as { payload?: unknown }).payload;
    if (typeof p === "string") return p;
    throw e;
  }
  return "(succeeded)";
};
const rw = { read: true, write: true, create: false, exclusive: false, truncate: false };

Deno.test("memory fs: files grow with zeros, shrink, and keep no stale bytes", () => {
  const fs = new MemoryFsBackend();
  fs.writeFile("/f", "abcdef");
  const f = fs.open("/f", rw);
  f.setSize(2n);
  f.write(new Uint8Array([0x78]), 4n);
  assert.deepEqual([...f.read(100, 0n)], [0x61, 0x62, 0, 0, 0x78]);
  assert.equal(f.read(10, 99n).length, 0);
  assert.equal(f.stat().size, 5n);
  f.close();
  assert.equal(code(() => f.read(1, 0n)), "bad-descriptor");
  assert.equal(code(() => f.write(new Uint8Array(1), 1n << 40n)), "bad-descriptor");
  const g = fs.open("/f", rw);
  assert.equal(code(() => g.write(new Uint8Array(1), 1n << 40n)), "file-too-large");
});

Deno.test("memory fs: directories, links, renames as on POSIX", () => {
  const fs = new MemoryFsBackend();
  fs.mkdirp("/a/b");
  fs.writeFile("/a/b/f", "1");
  assert.equal(code(() => fs.rmdir("/a")), "not-empty");
  assert.equal(code(() => fs.mkdir("/a")), "exist");
  assert.equal(code(() => fs.unlink("/a")), "is-directory");
  assert.equal(code(() => fs.rename("/a", "/a/b/c")), "invalid");
  fs.link("/a/b/f", "/g");
  assert.equal(fs.lstat("/g").linkCount, 2n);
  assert.equal(fs.lstat("/g").inode, fs.lstat("/a/b/f").inode);
  assert.equal(code(() => fs.link("/a", "/h")), "not-permitted");
  fs.rename("/g", "/a/g");
  assert.deepEqual(fs.readDir("/a").map((e) => `${e.name}:${e.type}`).sort(), [
    "b:directory",
    "g:regular-file",
  ]);
  fs.unlink("/a/g");
  assert.equal(fs.lstat("/a/b/f").linkCount, 1n);
  fs.symlink("a/b", "/l");
  assert.equal(fs.realPath("/l/f"), "/a/b/f");
  assert.equal(fs.lstat("/l").type, "symbolic-link");
  assert.equal(fs.stat("/l").type, "directory");
  fs.symlink("m", "/m");
  assert.equal(code(() => fs.stat("/m")), "loop");
});

Deno.test("memory fs: a guest works on it through createWasi, with no Deno API involved", () => {
  const fs = new MemoryFsBackend();
  fs.mkdirp("/srv/app");
  fs.writeFile("/srv/app/config.txt", "debug=1");
  const { imports } = createWasi({ fs, preopens: { "/": "/srv/app" } });
  const [[root]] = (imports["wasi:filesystem/preopens@0.2.12"]!.getDirectories as () => [
    Descriptor,
    string,
  ][])() as [[Descriptor, string]];
  const f = root.openAt({}, "config.txt", {}, { read: true });
  assert.equal(new TextDecoder().decode(f.readViaStream(0n).blockingRead(100n)), "debug=1");
  const out = root.openAt({}, "log.txt", { create: true }, { write: true });
  const s = out.writeViaStream(0n);
  s.blockingWriteAndFlush(new TextEncoder().encode("started"));
  assert.equal(fs.stat("/srv/app/log.txt").size, 7n);
  assert.equal(code(() => root.openAt({}, "../../etc", {}, { read: true })), "not-permitted");
});
