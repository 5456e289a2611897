/**
 * The Deno file system backend of `wasi:filesystem` (Deno-only: it uses
 * `Deno.*Sync`). The sandbox itself is in the core; this module only performs
 * the operations on host paths the core has checked.
 *
 * Known limit: Deno has no `openat`/`O_NOFOLLOW`, so the core checks each
 * path component and then operates on the joined host path. Another host
 * process that swaps a directory for a symlink between the check and the
 * operation could redirect it; the guest itself cannot (it runs synchronously).
 *
 * @module
 */
import type { Datetime } from "./clocks.ts";
import type {
  DescriptorType,
  FsBackend,
  FsDirEntry,
  FsFile,
  FsOpenOptions,
  FsStat,
  TimeChange,
} from "./fs_backend.ts";

function datetime(d: Date | null): Datetime | undefined {
  if (d === null) return undefined;
  const ms = d.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanoseconds: (ms - seconds * 1000) * 1_000_000 };
}

function typeOf(i: Deno.FileInfo | Deno.DirEntry): DescriptorType {
  if (i.isSymlink) return "symbolic-link";
  if (i.isDirectory) return "directory";
  if (i.isFile) return "regular-file";
  if (!("isFifo" in i)) return "unknown";
  if (i.isFifo) return "fifo";
  if (i.isSocket) return "socket";
  if (i.isBlockDevice) return "block-device";
  if (i.isCharDevice) return "character-device";
  return "unknown";
}

function toStat(i: Deno.FileInfo): FsStat {
  return {
    type: typeOf(i),
    linkCount: BigInt(i.nlink ?? 1),
    size: BigInt(i.size),
    accessed: datetime(i.atime),
    modified: datetime(i.mtime),
    changed: datetime(i.ctime),
    device: i.dev === null ? undefined : BigInt(i.dev),
    inode: i.ino === null ? undefined : BigInt(i.ino),
  };
}

function toDate(t: TimeChange, current: Date | null): Date {
  if (t === "now") return new Date();
  if (t === "no-change") return current ?? new Date();
  return new Date(Number(t.seconds) * 1000 + Math.floor(t.nanoseconds / 1_000_000));
}

class DenoFile implements FsFile {
  readonly #file: Deno.FsFile;

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  read(length: number, offset: bigint): Uint8Array {
    const buf = new Uint8Array(length);
    this.#file.seekSync(offset, Deno.SeekMode.Start);
    let n = 0;
    while (n < length) {
      const got = this.#file.readSync(buf.subarray(n));
      if (got === null || got === 0) break;
      n += got;
    }
    return n === length ? buf : buf.slice(0, n);
  }

  write(bytes: Uint8Array, offset: bigint): number {
    this.#file.seekSync(offset, Deno.SeekMode.Start);
    let n = 0;
    while (n < bytes.length) n += this.#file.writeSync(bytes.subarray(n));
    return n;
  }

  stat(): FsStat {
    return toStat(this.#file.statSync());
  }

  setSize(size: bigint): void {
    this.#file.truncateSync(Number(size));
  }

  setTimes(accessed: TimeChange, modified: TimeChange): void {
    const s = this.#file.statSync();
    this.#file.utimeSync(toDate(accessed, s.atime), toDate(modified, s.mtime));
  }

  sync(): void {
    this.#file.syncSync();
  }

  syncData(): void {
    this.#file.syncDataSync();
  }

  close(): void {
    this.#file.close();
  }
}

/** The Deno implementation of {@linkcode FsBackend} (synchronous `Deno.*Sync` calls). */
export class DenoFsBackend implements FsBackend {
  realPath(path: string): string {
    return Deno.realPathSync(path);
  }

  lstat(path: string): FsStat {
    return toStat(Deno.lstatSync(path));
  }

  stat(path: string): FsStat {
    return toStat(Deno.statSync(path));
  }

  readlink(path: string): string {
    return Deno.readLinkSync(path);
  }

  open(path: string, options: FsOpenOptions): FsFile {
    return new DenoFile(
      Deno.openSync(path, {
        read: options.read,
        write: options.write,
        truncate: options.truncate,
        // Deno requires write access to create; a read-only create makes the file and reopens.
        ...(options.exclusive ? { createNew: true } : { create: options.create }),
        ...(options.create && !options.write ? { write: true } : {}),
      }),
    );
  }

  readDir(path: string): FsDirEntry[] {
    return Array.from(Deno.readDirSync(path), (e) => ({ name: e.name, type: typeOf(e) }));
  }

  mkdir(path: string): void {
    Deno.mkdirSync(path);
  }

  rmdir(path: string): void {
    // Deno.removeSync deletes a file too; the core has checked this is a directory.
    Deno.removeSync(path);
  }

  unlink(path: string): void {
    Deno.removeSync(path);
  }

  rename(from: string, to: string): void {
    Deno.renameSync(from, to);
  }

  link(from: string, to: string): void {
    Deno.linkSync(from, to);
  }

  symlink(target: string, path: string): void {
    Deno.symlinkSync(target, path);
  }

  setTimes(path: string, accessed: TimeChange, modified: TimeChange): void {
    const s = Deno.statSync(path);
    Deno.utimeSync(path, toDate(accessed, s.atime), toDate(modified, s.mtime));
  }
}

/** A new Deno file system backend. */
export function denoFs(): FsBackend {
  return new DenoFsBackend();
}
