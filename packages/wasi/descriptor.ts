// wasi:filesystem/types and preopens (filesystem/wit/*.wit) over a pluggable
// FsBackend. Every path argument goes through resolvePath, which keeps it
// inside the descriptor's directory.
import type { Datetime } from "./clocks.ts";
import { WasiError } from "./errors.ts";
import {
  type DescriptorType,
  type ErrorCode,
  errorCodeOf,
  type FsBackend,
  type FsFile,
  type FsStat,
  type TimeChange,
} from "./fs_backend.ts";
import { InputStream } from "./input_stream.ts";
import { IoError } from "./io_error.ts";
import { OutputStream } from "./output_stream.ts";
import { resolvePath, symlinkStaysInside } from "./resolve_path.ts";

/** `descriptor-flags`, as the JS value mapping's object of booleans. */
export interface DescriptorFlags {
  /** Data can be read. */
  read?: boolean;
  /** Data can be written. */
  write?: boolean;
  /** Synchronized file integrity (a request only). */
  fileIntegritySync?: boolean;
  /** Synchronized data integrity (a request only). */
  dataIntegritySync?: boolean;
  /** Reads at the integrity of writes (a request only). */
  requestedWriteSync?: boolean;
  /** Directory contents may be changed. */
  mutateDirectory?: boolean;
}

/** `path-flags`. */
export interface PathFlags {
  /** Follow a symlink in the last component. */
  symlinkFollow?: boolean;
}

/** `open-flags`. */
export interface OpenFlags {
  /** Create the file if missing. */
  create?: boolean;
  /** Fail unless a directory. */
  directory?: boolean;
  /** Fail if it exists. */
  exclusive?: boolean;
  /** Truncate to 0 bytes. */
  truncate?: boolean;
}

/** `new-timestamp`. */
export type NewTimestamp = { tag: "no-change" } | { tag: "now" } | {
  tag: "timestamp";
  val: Datetime;
};

/** `descriptor-stat`. */
export interface DescriptorStat {
  /** The object's type. */
  type: DescriptorType;
  /** Number of hard links. */
  linkCount: bigint;
  /** Size in bytes. */
  size: bigint;
  /** Last access. */
  dataAccessTimestamp: Datetime | undefined;
  /** Last modification. */
  dataModificationTimestamp: Datetime | undefined;
  /** Last status change. */
  statusChangeTimestamp: Datetime | undefined;
}

/** `directory-entry`. */
export interface DirectoryEntry {
  /** The entry's type. */
  type: DescriptorType;
  /** The entry's name. */
  name: string;
}

/** `metadata-hash-value`. */
export interface MetadataHashValue {
  /** Lower 64 bits. */
  lower: bigint;
  /** Upper 64 bits. */
  upper: bigint;
}

/** What every descriptor of one WASI host shares. */
export interface FsContext {
  /** The backend doing the work. */
  readonly backend: FsBackend;
  /** A per-host secret mixed into metadata hashes. */
  readonly secret: bigint;
}

function fail(code: ErrorCode, cause?: unknown): WasiError {
  return new WasiError(code, cause === undefined ? undefined : { cause });
}

/** Runs a backend operation, turning its failure into the `err` of the WASI call. */
function attempt<T>(f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof WasiError) throw error;
    throw fail(errorCodeOf(error), error);
  }
}

function toStat(s: FsStat): DescriptorStat {
  return {
    type: s.type,
    linkCount: s.linkCount,
    size: s.size,
    dataAccessTimestamp: s.accessed,
    dataModificationTimestamp: s.modified,
    statusChangeTimestamp: s.changed,
  };
}

function toTimeChange(t: NewTimestamp): TimeChange {
  return t.tag === "timestamp" ? t.val : t.tag;
}

function toOffset(n: bigint, what: string): number {
  if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw fail("invalid", new RangeError(`Cannot use ${what} ${n}`));
  }
  return Number(n);
}

// Reads through a file stream happen in pieces of at most this many bytes.
const MAX_CHUNK = 1 << 20;

/**
 * `wasi:filesystem/types.descriptor`: an open directory or file. A
 * directory descriptor confines every path given to it to itself.
 */
export class Descriptor {
  readonly #cx: FsContext;
  readonly #hostPath: string;
  readonly #file: FsFile | undefined;
  readonly #flags: DescriptorFlags;
  #closed = false;

  /**
   * A descriptor of the directory `hostPath` (when `file` is undefined) or of
   * the open `file` at `hostPath`. Embedders use {@linkcode preopensInterface}.
   */
  constructor(
    cx: FsContext,
    hostPath: string,
    options: { file?: FsFile; flags: DescriptorFlags },
  ) {
    this.#cx = cx;
    this.#hostPath = hostPath;
    this.#file = options.file;
    this.#flags = { ...options.flags };
  }

  #dir(): string {
    if (this.#file !== undefined) throw fail("not-directory");
    return this.#hostPath;
  }

  #fileFor(access: "read" | "write"): FsFile {
    // POSIX read(2)/write(2) on a directory: EISDIR; on a file without the right: EBADF.
    if (this.#file === undefined) throw fail("is-directory");
    if (!this.#flags[access]) throw fail("bad-descriptor");
    return this.#file;
  }

  #mutable(): string {
    const dir = this.#dir();
    if (!this.#flags.mutateDirectory) throw fail("read-only");
    return dir;
  }

  #resolve(path: string, follow: boolean) {
    return attempt(() => resolvePath(this.#cx.backend, this.#dir(), path, { follow }));
  }

  /** `read-via-stream`: an input-stream reading from `offset`. */
  readViaStream(offset: bigint): InputStream {
    const file = this.#fileFor("read");
    let position = offset;
    return new InputStream({
      read: (max) => {
        const bytes = file.read(Math.min(max, MAX_CHUNK), position);
        if (bytes.length === 0) return null;
        position += BigInt(bytes.length);
        return bytes;
      },
      ready: () => true,
      wait: () => Promise.resolve(),
    }, { closeOnDrop: false, errorCode: errorCodeOf });
  }

  /** `write-via-stream`: an output-stream writing from `offset`. */
  writeViaStream(offset: bigint): OutputStream {
    const file = this.#fileFor("write");
    let position = offset;
    return new OutputStream({
      write: (bytes) => {
        position += BigInt(file.write(bytes, position));
      },
    }, { closeOnDrop: false, errorCode: errorCodeOf });
  }

  /** `append-via-stream`: an output-stream writing at the end of the file. */
  appendViaStream(): OutputStream {
    const file = this.#fileFor("write");
    return new OutputStream({
      write: (bytes) => {
        file.write(bytes, file.stat().size);
      },
    }, { closeOnDrop: false, errorCode: errorCodeOf });
  }

  /** `advise`: accepted and ignored (advice only). */
  advise(_offset: bigint, _length: bigint, _advice: string): void {
    if (this.#file === undefined) throw fail("bad-descriptor");
  }

  /** `sync-data`. */
  syncData(): void {
    if (this.#file !== undefined && this.#flags.write) attempt(() => this.#file!.syncData());
  }

  /** `sync`. */
  sync(): void {
    if (this.#file !== undefined && this.#flags.write) attempt(() => this.#file!.sync());
  }

  /** `get-flags`. */
  getFlags(): DescriptorFlags {
    return { ...this.#flags };
  }

  /** `get-type`. */
  getType(): DescriptorType {
    return this.stat().type;
  }

  /** `set-size`. */
  setSize(size: bigint): void {
    const file = this.#fileFor("write");
    attempt(() => file.setSize(size));
  }

  /** `set-times`. */
  setTimes(dataAccessTimestamp: NewTimestamp, dataModificationTimestamp: NewTimestamp): void {
    const a = toTimeChange(dataAccessTimestamp);
    const m = toTimeChange(dataModificationTimestamp);
    if (this.#file !== undefined) attempt(() => this.#file!.setTimes(a, m));
    else attempt(() => this.#cx.backend.setTimes(this.#hostPath, a, m));
  }

  /** `read`: up to `length` bytes at `offset`, and whether the end was reached. */
  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    const file = this.#fileFor("read");
    const want = Math.min(toOffset(length, "length"), MAX_CHUNK * 16);
    const bytes = attempt(() => file.read(want, offset));
    return [bytes, bytes.length < want || want === 0 && offset >= file.stat().size];
  }

  /** `write`: all of `buffer` at `offset`; returns the count. */
  write(buffer: Uint8Array, offset: bigint): bigint {
    const file = this.#fileFor("write");
    return BigInt(attempt(() => file.write(buffer, offset)));
  }

  /** `read-directory`: a stream of the entries, without `.` and `..`. */
  readDirectory(): DirectoryEntryStream {
    const dir = this.#dir();
    return new DirectoryEntryStream(attempt(() => this.#cx.backend.readDir(dir)));
  }

  /** `create-directory-at`. */
  createDirectoryAt(path: string): void {
    this.#mutable();
    const r = this.#resolve(path, false);
    if (r.stat !== undefined) throw fail("exist");
    attempt(() => this.#cx.backend.mkdir(r.hostPath));
  }

  /** `stat`. */
  stat(): DescriptorStat {
    if (this.#file !== undefined) return toStat(attempt(() => this.#file!.stat()));
    return toStat(attempt(() => this.#cx.backend.stat(this.#hostPath)));
  }

  /** `stat-at`. */
  statAt(pathFlags: PathFlags, path: string): DescriptorStat {
    const r = this.#resolve(path, pathFlags.symlinkFollow === true);
    if (r.stat === undefined) throw fail("no-entry");
    return toStat(r.stat);
  }

  /** `set-times-at`. */
  setTimesAt(
    pathFlags: PathFlags,
    path: string,
    dataAccessTimestamp: NewTimestamp,
    dataModificationTimestamp: NewTimestamp,
  ): void {
    this.#mutable();
    const r = this.#resolve(path, pathFlags.symlinkFollow === true);
    if (r.stat === undefined) throw fail("no-entry");
    // Setting a symlink's own times needs lutimes, which backends need not have.
    if (r.stat.type === "symbolic-link") throw fail("unsupported");
    attempt(() =>
      this.#cx.backend.setTimes(
        r.hostPath,
        toTimeChange(dataAccessTimestamp),
        toTimeChange(dataModificationTimestamp),
      )
    );
  }

  /** `link-at`: a hard link `newPath` (under `newDescriptor`) of `oldPath`. */
  linkAt(
    oldPathFlags: PathFlags,
    oldPath: string,
    newDescriptor: Descriptor,
    newPath: string,
  ): void {
    this.#mutable();
    newDescriptor.#mutable();
    const from = this.#resolve(oldPath, oldPathFlags.symlinkFollow === true);
    if (from.stat === undefined) throw fail("no-entry");
    // types.wit § link-at: not-permitted if the old path is not a file.
    if (from.stat.type === "directory") throw fail("not-permitted");
    const to = newDescriptor.#resolve(newPath, false);
    if (to.stat !== undefined) throw fail("exist");
    attempt(() => this.#cx.backend.link(from.hostPath, to.hostPath));
  }

  /** `open-at`: a new descriptor for `path`. */
  openAt(
    pathFlags: PathFlags,
    path: string,
    openFlags: OpenFlags,
    flags: DescriptorFlags,
  ): Descriptor {
    this.#dir();
    // types.wit § open-at: anything that could modify needs mutate-directory on the base.
    if (
      (flags.write || flags.mutateDirectory || openFlags.truncate || openFlags.create) &&
      !this.#flags.mutateDirectory
    ) throw fail("read-only");
    const exclusive = openFlags.create === true && openFlags.exclusive === true;
    const r = this.#resolve(path, pathFlags.symlinkFollow === true && !exclusive);
    const backend = this.#cx.backend;
    if (r.stat === undefined) {
      if (!openFlags.create) throw fail("no-entry");
      if (openFlags.directory) throw fail("invalid");
    } else {
      if (exclusive) throw fail("exist");
      // O_NOFOLLOW on a symlink: ELOOP.
      if (r.stat.type === "symbolic-link") throw fail("loop");
      if (r.stat.type === "directory") {
        if (flags.write || openFlags.truncate) throw fail("is-directory");
        return new Descriptor(this.#cx, r.hostPath, { flags });
      }
      if (openFlags.directory) throw fail("not-directory");
      // Opening a FIFO or socket would block the host thread; WASI 0.2 guests cannot make them.
      if (r.stat.type === "fifo" || r.stat.type === "socket") throw fail("unsupported");
      if (flags.mutateDirectory) throw fail("not-directory");
    }
    const file = attempt(() =>
      backend.open(r.hostPath, {
        read: flags.read === true || !flags.write,
        write: flags.write === true,
        create: openFlags.create === true,
        exclusive,
        truncate: openFlags.truncate === true,
      })
    );
    return new Descriptor(this.#cx, r.hostPath, { file, flags });
  }

  /** `readlink-at`: the contents of a symlink, refused if absolute. */
  readlinkAt(path: string): string {
    const r = this.#resolve(path, false);
    if (r.stat === undefined) throw fail("no-entry");
    if (r.stat.type !== "symbolic-link") throw fail("invalid");
    const target = attempt(() => this.#cx.backend.readlink(r.hostPath));
    if (target.startsWith("/") || /^[A-Za-z]:|^\\/.test(target)) throw fail("not-permitted");
    return target;
  }

  /** `remove-directory-at`. */
  removeDirectoryAt(path: string): void {
    this.#mutable();
    const r = this.#resolve(path, false);
    if (r.stat === undefined) throw fail("no-entry");
    if (r.parts.length === 0) throw fail("invalid");
    if (r.stat.type !== "directory") throw fail("not-directory");
    attempt(() => this.#cx.backend.rmdir(r.hostPath));
  }

  /** `rename-at`. */
  renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
    this.#mutable();
    newDescriptor.#mutable();
    const from = this.#resolve(oldPath, false);
    if (from.stat === undefined) throw fail("no-entry");
    const to = newDescriptor.#resolve(newPath, false);
    if (from.parts.length === 0 || to.parts.length === 0) throw fail("busy");
    attempt(() => this.#cx.backend.rename(from.hostPath, to.hostPath));
  }

  /** `symlink-at`: refused if `oldPath` is absolute or would point outside this directory. */
  symlinkAt(oldPath: string, newPath: string): void {
    this.#mutable();
    if (oldPath.startsWith("/")) throw fail("not-permitted");
    const r = this.#resolve(newPath, false);
    if (r.stat !== undefined) throw fail("exist");
    if (!symlinkStaysInside(r.parts.slice(0, -1), oldPath)) throw fail("not-permitted");
    attempt(() => this.#cx.backend.symlink(oldPath, r.hostPath));
  }

  /** `unlink-file-at`. */
  unlinkFileAt(path: string): void {
    this.#mutable();
    const r = this.#resolve(path, false);
    if (r.stat === undefined) throw fail("no-entry");
    if (r.stat.type === "directory") throw fail("is-directory");
    attempt(() => this.#cx.backend.unlink(r.hostPath));
  }

  /** `is-same-object`. */
  isSameObject(other: Descriptor): boolean {
    try {
      const a = this.#rawStat();
      const b = other.#rawStat();
      if (a.inode !== undefined && b.inode !== undefined) {
        return a.inode === b.inode && a.device === b.device;
      }
    } catch {
      // Fall back to the paths when either cannot be examined.
    }
    return this.#hostPath === other.#hostPath;
  }

  /** `metadata-hash`. */
  metadataHash(): MetadataHashValue {
    return hashStat(this.#rawStat(), this.#cx.secret);
  }

  /** `metadata-hash-at`. */
  metadataHashAt(pathFlags: PathFlags, path: string): MetadataHashValue {
    const r = this.#resolve(path, pathFlags.symlinkFollow === true);
    if (r.stat === undefined) throw fail("no-entry");
    return hashStat(r.stat, this.#cx.secret);
  }

  #rawStat(): FsStat {
    if (this.#file !== undefined) return attempt(() => this.#file!.stat());
    return attempt(() => this.#cx.backend.stat(this.#hostPath));
  }

  /** Dropping a file descriptor closes the file. */
  [Symbol.dispose](): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#file?.close();
  }
}

const MASK64 = 0xffff_ffff_ffff_ffffn;

function hashStat(s: FsStat, secret: bigint): MetadataHashValue {
  // FNV-1a over the fields that change when a file changes, keyed by a secret.
  const fields = [
    s.device ?? 0n,
    s.inode ?? 0n,
    s.size,
    s.modified?.seconds ?? 0n,
    BigInt(s.modified?.nanoseconds ?? 0),
    s.changed?.seconds ?? 0n,
    BigInt(s.changed?.nanoseconds ?? 0),
  ];
  let lower = 0xcbf29ce484222325n ^ secret;
  let upper = 0x84222325cbf29ce4n ^ (secret >> 7n);
  for (const f of fields) {
    for (let i = 0n; i < 64n; i += 8n) {
      const byte = (f >> i) & 0xffn;
      lower = ((lower ^ byte) * 0x100000001b3n) & MASK64;
      upper = ((upper ^ byte ^ (lower >> 32n)) * 0x100000001b3n) & MASK64;
    }
  }
  return { lower, upper };
}

/** `wasi:filesystem/types.directory-entry-stream`. */
export class DirectoryEntryStream {
  readonly #entries: DirectoryEntry[];
  #next = 0;

  /** A stream over a listing taken when the directory was read. */
  constructor(entries: readonly DirectoryEntry[]) {
    this.#entries = [...entries];
  }

  /** `read-directory-entry`: the next entry, or `undefined` at the end. */
  readDirectoryEntry(): DirectoryEntry | undefined {
    const e = this.#entries[this.#next];
    if (e === undefined) return undefined;
    this.#next++;
    return { type: e.type, name: e.name };
  }
}

/** `filesystem-error-code`: the error code behind a stream's `last-operation-failed`. */
export function filesystemErrorCode(err: IoError): ErrorCode | undefined {
  return err instanceof IoError ? err.code as ErrorCode | undefined : undefined;
}

/** A directory granted to the guest: its guest path and host directory. */
export interface Preopen {
  /** The path the guest sees (e.g. `/data`). */
  guestPath: string;
  /** The canonical host directory. */
  hostPath: string;
  /** Whether the guest may change it (default `true`). */
  writable: boolean;
}

/** `wasi:filesystem/preopens` over `preopens`: a new descriptor per directory per call. */
export function preopensInterface(
  cx: FsContext,
  preopens: readonly Preopen[],
): { getDirectories(): [Descriptor, string][] } {
  return {
    getDirectories: () =>
      preopens.map((p) => [
        new Descriptor(cx, p.hostPath, { flags: { read: true, mutateDirectory: p.writable } }),
        p.guestPath,
      ]),
  };
}

/** `wasi:filesystem/types` (free functions and resource classes). */
export function typesInterface(): {
  Descriptor: typeof Descriptor;
  DirectoryEntryStream: typeof DirectoryEntryStream;
  filesystemErrorCode: typeof filesystemErrorCode;
} {
  return { Descriptor, DirectoryEntryStream, filesystemErrorCode };
}
