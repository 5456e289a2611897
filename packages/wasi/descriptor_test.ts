import assert from "node:assert/strict";
import { createWasi, type Descriptor, IoError } from "./mod.ts";
import { denoFs } from "./deno.ts";
import { errOf } from "./_test_util.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function withRoot(f: (root: Descriptor, tmp: string, guest: string) => void): void {
  const tmp = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "weft_wasi_fs_" }));
  try {
    Deno.writeTextFileSync(`${tmp}/hello.txt`, "hello world");
    const { imports } = createWasi({ fs: denoFs(), preopens: { "/app": tmp } });
    const [[root, guest]] = (imports["wasi:filesystem/preopens@0.2.12"]!.getDirectories as () => [
      Descriptor,
      string,
    ][])() as [[Descriptor, string]];
    f(root, tmp, guest);
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
}

Deno.test("preopens: each call gives fresh descriptors with the guest path", () => {
  withRoot((root, _tmp, guest) => {
    assert.equal(guest, "/app");
    assert.equal(root.getType(), "directory");
    assert.deepEqual(root.getFlags(), { read: true, mutateDirectory: true });
  });
});

Deno.test("preopen of a missing or non-directory host path is refused at createWasi", () => {
  assert.throws(
    () => createWasi({ fs: denoFs(), preopens: { "/x": "/definitely/not/here" } }),
    /Cannot preopen "\/definitely\/not\/here" as "\/x": it cannot be resolved/,
  );
  const file = Deno.makeTempFileSync();
  try {
    assert.throws(() => createWasi({ fs: denoFs(), preopens: { "/x": file } }), /not a directory/);
  } finally {
    Deno.removeSync(file);
  }
});

Deno.test("read a file with read, read-via-stream and skip", () => {
  withRoot((root) => {
    const f = root.openAt({}, "hello.txt", {}, { read: true });
    assert.equal(f.getType(), "regular-file");
    assert.deepEqual(f.read(5n, 0n).map((x) => x instanceof Uint8Array ? dec(x) : x), [
      "hello",
      false,
    ]);
    assert.deepEqual(f.read(100n, 6n).map((x) => x instanceof Uint8Array ? dec(x) : x), [
      "world",
      true,
    ]);
    const s = f.readViaStream(6n);
    assert.equal(dec(s.blockingRead(3n)), "wor");
    assert.equal(s.skip(1n), 1n);
    assert.equal(dec(s.read(100n)), "d");
    assert.deepEqual(errOf(() => s.read(1n)), { tag: "closed" });
    assert.equal(f.stat().size, 11n);
    // Not opened for writing: bad-descriptor.
    assert.equal(errOf(() => f.write(enc("x"), 0n)), "bad-descriptor");
    assert.equal(errOf(() => f.writeViaStream(0n)), "bad-descriptor");
  });
});

Deno.test("write, append, set-size and create/exclusive/truncate", () => {
  withRoot((root, tmp) => {
    const f = root.openAt({}, "new.txt", { create: true, exclusive: true }, {
      read: true,
      write: true,
    });
    assert.equal(f.write(enc("abc"), 0n), 3n);
    assert.equal(f.write(enc("Z"), 5n), 1n, "writing past the end extends with zeros");
    assert.deepEqual([...Deno.readFileSync(`${tmp}/new.txt`)], [97, 98, 99, 0, 0, 90]);
    const out = f.writeViaStream(1n);
    out.blockingWriteAndFlush(enc("BC"));
    const app = f.appendViaStream();
    app.checkWrite();
    app.write(enc("!"));
    assert.equal(Deno.readTextFileSync(`${tmp}/new.txt`), "aBC\0\0Z!");
    f.setSize(2n);
    assert.equal(Deno.readTextFileSync(`${tmp}/new.txt`), "aB");
    assert.equal(
      errOf(() => root.openAt({}, "new.txt", { create: true, exclusive: true }, { write: true })),
      "exist",
    );
    root.openAt({}, "new.txt", { truncate: true }, { write: true });
    assert.equal(Deno.readTextFileSync(`${tmp}/new.txt`), "");
    assert.equal(errOf(() => root.openAt({}, "missing.txt", {}, { read: true })), "no-entry");
    assert.equal(
      errOf(() => root.openAt({}, "nodir/x.txt", { create: true }, { write: true })),
      "no-entry",
    );
  });
});

Deno.test("directories: create, list, stat-at, rename, unlink, remove", () => {
  withRoot((root, tmp) => {
    root.createDirectoryAt("d");
    assert.equal(errOf(() => root.createDirectoryAt("d")), "exist");
    root.openAt({}, "d/f.txt", { create: true }, { write: true });
    Deno.symlinkSync("f.txt", `${tmp}/d/l`);
    const d = root.openAt({}, "d", { directory: true }, { read: true, mutateDirectory: true });
    const names: string[] = [];
    const list = d.readDirectory();
    for (let e = list.readDirectoryEntry(); e !== undefined; e = list.readDirectoryEntry()) {
      names.push(`${e.name}:${e.type}`);
    }
    assert.deepEqual(names.sort(), ["f.txt:regular-file", "l:symbolic-link"]);
    assert.equal(root.statAt({}, "d/l").type, "symbolic-link");
    assert.equal(root.statAt({ symlinkFollow: true }, "d/l").type, "regular-file");
    assert.equal(errOf(() => root.removeDirectoryAt("d")), "not-empty");
    assert.equal(errOf(() => root.unlinkFileAt("d")), "is-directory");
    assert.equal(errOf(() => root.removeDirectoryAt("hello.txt")), "not-directory");
    d.renameAt("f.txt", root, "moved.txt");
    assert.equal(Deno.readTextFileSync(`${tmp}/moved.txt`), "");
    d.unlinkFileAt("l");
    root.removeDirectoryAt("d");
    assert.equal(errOf(() => root.statAt({}, "d")), "no-entry");
    assert.equal(errOf(() => root.readlinkAt("hello.txt")), "invalid");
  });
});

Deno.test("hard links, is-same-object and metadata hashes", () => {
  withRoot((root) => {
    root.linkAt({}, "hello.txt", root, "again.txt");
    const a = root.openAt({}, "hello.txt", {}, { read: true });
    const b = root.openAt({}, "again.txt", {}, { read: true, write: true });
    const c = root.openAt({}, "hello.txt", {}, { read: true });
    assert.equal(a.isSameObject(b), true);
    assert.equal(a.isSameObject(root), false);
    assert.equal(a.stat().linkCount, 2n);
    assert.deepEqual(a.metadataHash(), c.metadataHash());
    assert.deepEqual(a.metadataHash(), root.metadataHashAt({}, "hello.txt"));
    const h = a.metadataHash();
    b.write(enc("longer content than before"), 0n);
    assert.notDeepEqual(a.metadataHash(), h, "the hash changes when the file does");
    assert.equal(errOf(() => root.linkAt({}, ".", root, "dirlink")), "not-permitted");
  });
});

Deno.test("a descriptor without mutate-directory cannot change anything", () => {
  withRoot((root) => {
    root.createDirectoryAt("d");
    const ro = root.openAt({}, "d", { directory: true }, { read: true });
    assert.equal(errOf(() => ro.createDirectoryAt("x")), "read-only");
    assert.equal(errOf(() => ro.openAt({}, "x", { create: true }, { write: true })), "read-only");
    assert.equal(errOf(() => ro.symlinkAt("a", "b")), "read-only");
    assert.equal(errOf(() => root.renameAt("hello.txt", ro, "x")), "read-only");
  });
});

Deno.test("set-times and set-times-at", () => {
  withRoot((root, tmp) => {
    const when = { seconds: 1_000_000_000n, nanoseconds: 0 };
    root.setTimesAt({}, "hello.txt", { tag: "no-change" }, { tag: "timestamp", val: when });
    assert.equal(Deno.statSync(`${tmp}/hello.txt`).mtime?.getTime(), 1_000_000_000_000);
    const f = root.openAt({}, "hello.txt", {}, { read: true });
    f.setTimes({ tag: "timestamp", val: when }, { tag: "now" });
    assert.equal(Deno.statSync(`${tmp}/hello.txt`).atime?.getTime(), 1_000_000_000_000);
    assert.ok(Deno.statSync(`${tmp}/hello.txt`).mtime!.getTime() > 1_000_000_000_000);
    assert.equal(root.stat().dataModificationTimestamp !== undefined, true);
  });
});

Deno.test("a failed stream read names its file system error code", () => {
  withRoot((root, tmp) => {
    const f = root.openAt({}, "hello.txt", {}, { read: true });
    const s = f.readViaStream(0n);
    f[Symbol.dispose](); // closes the file under the stream
    const e = errOf(() => s.read(5n)) as { tag: string; val: IoError };
    assert.equal(e.tag, "last-operation-failed");
    const types = createWasi().imports["wasi:filesystem/types@0.2.12"]!;
    const code = (types.filesystemErrorCode as (e: IoError) => string | undefined)(e.val);
    assert.equal(code, "bad-descriptor");
    assert.equal(
      (types.filesystemErrorCode as (e: IoError) => unknown)(new IoError("x")),
      undefined,
    );
    assert.ok(tmp);
  });
});
