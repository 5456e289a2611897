// The pluggable file system under wasi:filesystem. The sandbox (path
// resolution, symlink checks, rights) lives in the core (resolve_path.ts,
// descriptor.ts); a backend only performs plain operations on host paths the
// core has already checked, and reports failures as `FsError`s.
import type { Datetime } from "./clocks.ts";

/** `wasi:filesystem/types.error-code`, as its JS string. */
export type ErrorCode =
  | "access"
  | "would-block"
  | "already"
  | "bad-descriptor"
  | "busy"
  | "deadlock"
  | "quota"
  | "exist"
  | "file-too-large"
  | "illegal-byte-sequence"
  | "in-progress"
  | "interrupted"
  | "invalid"
  | "io"
  | "is-directory"
  | "loop"
  | "too-many-links"
  | "message-size"
  | "name-too-long"
  | "no-device"
  | "no-entry"
  | "no-lock"
  | "insufficient-memory"
  | "insufficient-space"
  | "not-directory"
  | "not-empty"
  | "not-recoverable"
  | "unsupported"
  | "no-tty"
  | "no-such-device"
  | "overflow"
  | "not-permitted"
  | "pipe"
  | "read-only"
  | "invalid-seek"
  | "text-file-busy"
  | "cross-device";

/** `wasi:filesystem/types.descriptor-type`, as its JS string. */
export type DescriptorType =
  | "unknown"
  | "block-device"
  | "character-device"
  | "directory"
  | "fifo"
  | "symbolic-link"
  | "regular-file"
  | "socket";

/** A failed backend operation, with the WASI error code it maps to. */
export class FsError extends Error {
  /** The `error-code` the guest sees. */
  readonly code: ErrorCode;

  /** Creates a failure with `code`; `message` is for people. */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "FsError";
    this.code = code;
  }
}

const ERRNO: Record<string, ErrorCode> = {
  EACCES: "access",
  EAGAIN: "would-block",
  EALREADY: "already",
  EBADF: "bad-descriptor",
  EBUSY: "busy",
  EDEADLK: "deadlock",
  EDQUOT: "quota",
  EEXIST: "exist",
  EFBIG: "file-too-large",
  EILSEQ: "illegal-byte-sequence",
  EINPROGRESS: "in-progress",
  EINTR: "interrupted",
  EINVAL: "invalid",
  EIO: "io",
  EISDIR: "is-directory",
  ELOOP: "loop",
  EMLINK: "too-many-links",
  EMSGSIZE: "message-size",
  ENAMETOOLONG: "name-too-long",
  ENODEV: "no-device",
  ENOENT: "no-entry",
  ENOLCK: "no-lock",
  ENOMEM: "insufficient-memory",
  ENOSPC: "insufficient-space",
  ENOTDIR: "not-directory",
  ENOTEMPTY: "not-empty",
  ENOTRECOVERABLE: "not-recoverable",
  ENOTSUP: "unsupported",
  EOPNOTSUPP: "unsupported",
  ENOSYS: "unsupported",
  ENOTTY: "no-tty",
  ENXIO: "no-such-device",
  EOVERFLOW: "overflow",
  EPERM: "not-permitted",
  EPIPE: "pipe",
  EROFS: "read-only",
  ESPIPE: "invalid-seek",
  ETXTBSY: "text-file-busy",
  EXDEV: "cross-device",
};

/** The WASI error code of a POSIX errno name (`"ENOENT"` → `"no-entry"`), else `"io"`. */
export function errorCodeOfErrno(errno: string | undefined): ErrorCode {
  return (errno !== undefined ? ERRNO[errno] : undefined) ?? "io";
}

// Error class names some runtimes use without an errno (Deno's `Deno.errors.*`).
const BY_NAME: Record<string, ErrorCode> = {
  BadResource: "bad-descriptor",
  NotFound: "no-entry",
  PermissionDenied: "access",
  NotCapable: "access",
  AlreadyExists: "exist",
  IsADirectory: "is-directory",
  NotADirectory: "not-directory",
  FilesystemLoop: "loop",
  NotSupported: "unsupported",
  Interrupted: "interrupted",
  WouldBlock: "would-block",
  InvalidData: "invalid",
  BrokenPipe: "pipe",
};

/** The WASI error code of anything a backend threw. */
export function errorCodeOf(error: unknown): ErrorCode {
  if (error instanceof FsError) return error.code;
  if (typeof error !== "object" || error === null) return "io";
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && code in ERRNO) return ERRNO[code]!;
  const name = (error as { name?: unknown }).name;
  return (typeof name === "string" ? BY_NAME[name] : undefined) ?? "io";
}

/** What a backend knows of a file system object. */
export interface FsStat {
  /** Its type (a symlink's own type when not followed). */
  type: DescriptorType;
  /** Number of hard links. */
  linkCount: bigint;
  /** Size in bytes. */
  size: bigint;
  /** Last access, if known. */
  accessed?: Datetime | undefined;
  /** Last modification, if known. */
  modified?: Datetime | undefined;
  /** Last status change, if known. */
  changed?: Datetime | undefined;
  /** Device number, if known (for `is-same-object`). */
  device?: bigint | undefined;
  /** Inode number, if known (for `is-same-object`). */
  inode?: bigint | undefined;
}

/** A timestamp to set: leave it, the current time, or a given time. */
export type TimeChange = "no-change" | "now" | Datetime;

/** How to open a file. */
export interface FsOpenOptions {
  /** Open for reading. */
  read: boolean;
  /** Open for writing. */
  write: boolean;
  /** Create it if missing. */
  create: boolean;
  /** Fail if it exists (with `create`). */
  exclusive: boolean;
  /** Truncate it to 0 bytes. */
  truncate: boolean;
}

/** An open file of a backend. Offsets are explicit: the core keeps stream positions. */
export interface FsFile {
  /** Up to `length` bytes at `offset`; fewer (or none) at the end of the file. */
  read(length: number, offset: bigint): Uint8Array;
  /** Writes all of `bytes` at `offset`, extending the file; returns the count. */
  write(bytes: Uint8Array, offset: bigint): number;
  /** The file's attributes. */
  stat(): FsStat;
  /** Truncates or extends (with zeros) to `size`. */
  setSize(size: bigint): void;
  /** Sets the timestamps. */
  setTimes(accessed: TimeChange, modified: TimeChange): void;
  /** Flushes data and metadata to storage. */
  sync(): void;
  /** Flushes data to storage. */
  syncData(): void;
  /** Releases the file. */
  close(): void;
}

/** One entry of a directory listing. */
export interface FsDirEntry {
  /** The entry's name. */
  name: string;
  /** Its type, not following symlinks. */
  type: DescriptorType;
}

/**
 * Plain file system operations on host paths (joined with `/`). Every path
 * the core passes is inside a preopen and free of symlinks except, where
 * stated, its last component. All operations are synchronous because WASI
 * 0.2's are; errors are thrown (an {@linkcode FsError}, or anything carrying
 * an errno name in `code`).
 */
export interface FsBackend {
  /** The canonical absolute form of `path` (symlinks resolved): used for preopens. */
  realPath(path: string): string;
  /** Attributes of `path`, not following a final symlink. */
  lstat(path: string): FsStat;
  /** Attributes of `path`, following symlinks (only called on symlink-free paths). */
  stat(path: string): FsStat;
  /** The target of the symlink at `path`. */
  readlink(path: string): string;
  /** Opens the regular file at `path`. */
  open(path: string, options: FsOpenOptions): FsFile;
  /** Lists the directory at `path` without `.` and `..`. */
  readDir(path: string): FsDirEntry[];
  /** Creates a directory. */
  mkdir(path: string): void;
  /** Removes an empty directory. */
  rmdir(path: string): void;
  /** Removes a non-directory. */
  unlink(path: string): void;
  /** Renames `from` to `to`. */
  rename(from: string, to: string): void;
  /** Creates a hard link `to` of `from`. */
  link(from: string, to: string): void;
  /** Creates a symlink at `path` with contents `target`. */
  symlink(target: string, path: string): void;
  /** Sets the timestamps of `path` (following symlinks). */
  setTimes(path: string, accessed: TimeChange, modified: TimeChange): void;
}
