// WASI path resolution inside a base directory (filesystem/wit/types.wit,
// and wasi-filesystem's path-resolution.md): every component is resolved in
// turn, symlinks expanded by hand, and the walk refused with `not-permitted`
// as soon as it would leave the base directory, whether by `..`, by a symlink,
// or by an absolute path.
import { type FsBackend, FsError, type FsStat } from "./fs_backend.ts";

/** Symlinks expanded in one resolution before it fails with `loop` (Linux's limit). */
export const MAX_SYMLINKS = 40;

/** The outcome of {@linkcode resolvePath}. */
export interface ResolvedPath {
  /** Components below the base directory, free of `.`, `..` and symlinks (but the last, unfollowed). */
  parts: string[];
  /** The host path: the base joined with `parts`. */
  hostPath: string;
  /** The object's attributes (not following a final symlink), or `undefined` if it does not exist. */
  stat: FsStat | undefined;
}

/** Joins a host directory and components with `/`. */
export function joinHost(base: string, parts: readonly string[]): string {
  if (parts.length === 0) return base;
  return (base.endsWith("/") ? base : base + "/") + parts.join("/");
}

/** Whether a path is absolute or rooted on any host (`/x`, `\x`, `C:x`). */
export function isRooted(path: string): boolean {
  return path.startsWith("/") || path.startsWith("\\") || /^[A-Za-z]:/.test(path);
}

function denied(path: string, why: string): FsError {
  return new FsError("not-permitted", `Cannot resolve "${path}": ${why}`);
}

/**
 * Resolves `path` relative to the host directory `base` as WASI prescribes.
 * `follow` expands a symlink in the last component (`path-flags.symlink-follow`);
 * symlinks before the last are always expanded. A missing last component is
 * not an error (`stat` is `undefined`); a missing earlier one is `no-entry`.
 */
export function resolvePath(
  backend: FsBackend,
  base: string,
  path: string,
  options: { follow: boolean },
): ResolvedPath {
  if (path === "") throw new FsError("no-entry", "Cannot resolve an empty path");
  if (path.includes("\0")) {
    throw new FsError("invalid", `Cannot resolve "${path}": it contains NUL`);
  }
  if (path.includes("\\")) {
    // A backslash is a separator on Windows hosts; refusing it keeps the walk host-independent.
    throw new FsError("invalid", `Cannot resolve "${path}": it contains a backslash`);
  }
  if (isRooted(path)) throw denied(path, "absolute paths are not permitted");
  const queue = path.split("/");
  const parts: string[] = [];
  let stat: FsStat | undefined;
  let known = false; // whether `stat` describes `parts` as they are now
  let mustBeDirectory = path.endsWith("/");
  let links = 0;
  while (queue.length > 0) {
    const c = queue.shift()!;
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (parts.length === 0) throw denied(path, "it leads outside its base directory");
      parts.pop();
      known = false;
      continue;
    }
    const isLast = queue.every((q) => q === "" || q === ".");
    if (isLast && queue.length > 0) mustBeDirectory = true;
    const hostPath = joinHost(base, [...parts, c]);
    let s: FsStat | undefined;
    try {
      s = backend.lstat(hostPath);
    } catch (error) {
      if (!(error instanceof FsError ? error.code === "no-entry" : isNotFound(error))) throw error;
      if (!isLast) throw new FsError("no-entry", `Cannot resolve "${path}": "${c}" does not exist`);
      parts.push(c);
      return { parts, hostPath, stat: undefined };
    }
    if (s.type === "symbolic-link" && (!isLast || options.follow || mustBeDirectory)) {
      if (++links > MAX_SYMLINKS) {
        throw new FsError("loop", `Cannot resolve "${path}": too many levels of symbolic links`);
      }
      const target = backend.readlink(hostPath);
      if (isRooted(target) || target.includes("\\")) {
        throw denied(path, `the symlink "${c}" points to an absolute path`);
      }
      if (target === "") throw new FsError("no-entry", `Cannot resolve "${path}": empty symlink`);
      queue.unshift(...target.split("/"));
      continue;
    }
    if (!isLast && s.type !== "directory") {
      throw new FsError("not-directory", `Cannot resolve "${path}": "${c}" is not a directory`);
    }
    parts.push(c);
    stat = s;
    known = true;
  }
  const hostPath = joinHost(base, parts);
  if (!known) stat = backend.lstat(hostPath);
  if (mustBeDirectory && stat !== undefined && stat.type !== "directory") {
    throw new FsError("not-directory", `Cannot resolve "${path}": not a directory`);
  }
  return { parts, hostPath, stat };
}

function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error &&
    (error as { code: unknown }).code === "ENOENT";
}

/**
 * Whether the symlink contents `target`, stored in the directory `parts`
 * below a base, stays inside the base when read lexically. Creating a symlink
 * that points outside is refused, so the host never finds one left behind.
 */
export function symlinkStaysInside(parts: readonly string[], target: string): boolean {
  if (isRooted(target) || target.includes("\\")) return false;
  let depth = parts.length;
  for (const c of target.split("/")) {
    if (c === "" || c === ".") continue;
    if (c === "..") {
      if (--depth < 0) return false;
    } else depth++;
  }
  return true;
}
