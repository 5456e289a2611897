// An in-memory FsBackend: for platforms without a file system (edge
// workers), for tests, and as the reference a new backend can be checked
// against. Web-standard only.
import type { Datetime } from "./clocks.ts";
import {
  type DescriptorType,
  type FsBackend,
  type FsDirEntry,
  FsError,
  type FsFile,
  type FsOpenOptions,
  type FsStat,
  type TimeChange,
} from "./fs_backend.ts";

interface Times {
  accessed: Datetime;
  modified: Datetime;
  changed: Datetime;
}

type Node =
  | { kind: "directory"; inode: bigint; entries: Map<string, Node>; times: Times; links: number }
  | { kind: "file"; inode: bigint; data: Uint8Array; size: number; times: Times; links: number }
  | { kind: "symlink"; inode: bigint; target: string; times: Times; links: number };

const TYPE: Record<Node["kind"], DescriptorType> = {
  directory: "directory",
  file: "regular-file",
  symlink: "symbolic-link",
};

// Symlinks a host-side walk expands before failing with `loop`.
const MAX_LINKS = 40;

function now(): Datetime {
  const ms = Date.now();
  return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1_000_000 };
}

function split(path: string): string[] {
  if (!path.startsWith("/")) {
    throw new FsError(
      "invalid",
      `Cannot use "${path}" in a memory file system: paths are absolute`,
    );
  }
  return path.split("/").filter((c) => c !== "" && c !== ".");
}

/**
 * A file system held in memory, rooted at `/`. Host paths given to it are
 * absolute (`/data/file.txt`); symlinks, hard links and timestamps behave as
 * on POSIX.
 */
export class MemoryFsBackend implements FsBackend {
  #nextInode = 1n;
  readonly #root: Node;
  readonly #maxFileSize: number;

  /**
   * An empty file system with only `/`. A file cannot grow beyond
   * `maxFileSize` bytes (default 64 MiB): a guest writing at a huge offset
   * must not exhaust the host's memory.
   */
  constructor(options: { maxFileSize?: number } = {}) {
    this.#root = this.#node("directory");
    this.#maxFileSize = options.maxFileSize ?? 1 << 26;
  }

  #node(kind: "directory"): Node & { kind: "directory" };
  #node(kind: "file"): Node & { kind: "file" };
  #node(kind: "symlink", target: string): Node & { kind: "symlink" };
  #node(kind: Node["kind"], target = ""): Node {
    const t = now();
    const base = { inode: this.#nextInode++, times: { accessed: t, modified: t, changed: t } };
    if (kind === "directory") return { kind, ...base, entries: new Map(), links: 2 };
    if (kind === "file") return { kind, ...base, data: new Uint8Array(0), size: 0, links: 1 };
    return { kind, ...base, target, links: 1 };
  }

  /** Walks to `path`; symlinks before the last component are followed, the last if `follow`. */
  #walk(path: string, follow: boolean): { node: Node; parts: string[] } {
    const queue = split(path);
    const parts: string[] = [];
    const stack: Node[] = [this.#root];
    let links = 0;
    while (queue.length > 0) {
      const c = queue.shift()!;
      if (c === "." || c === "") continue;
      const dir = stack[stack.length - 1]!;
      if (c === "..") {
        if (stack.length > 1) {
          stack.pop();
          parts.pop();
        }
        continue;
      }
      if (dir.kind !== "directory") throw new FsError("not-directory", `Not a directory: ${path}`);
      const next = dir.entries.get(c);
      if (next === undefined) throw new FsError("no-entry", `No such file or directory: ${path}`);
      if (next.kind === "symlink" && (queue.length > 0 || follow)) {
        if (++links > MAX_LINKS) throw new FsError("loop", `Too many symlinks: ${path}`);
        const target = next.target;
        if (target.startsWith("/")) {
          stack.length = 1;
          parts.length = 0;
        }
        queue.unshift(...target.split("/"));
        continue;
      }
      stack.push(next);
      parts.push(c);
    }
    return { node: stack[stack.length - 1]!, parts };
  }

  /** The directory holding the last component of `path`, and that component. */
  #parent(path: string): { dir: Node & { kind: "directory" }; name: string } {
    const parts = split(path);
    const name = parts.pop();
    if (name === undefined || name === "..") {
      throw new FsError("invalid", `Cannot use "${path}" as a new entry`);
    }
    const { node } = this.#walk("/" + parts.join("/"), true);
    if (node.kind !== "directory") throw new FsError("not-directory", `Not a directory: ${path}`);
    return { dir: node, name };
  }

  #stat(node: Node): FsStat {
    return {
      type: TYPE[node.kind],
      linkCount: BigInt(node.links),
      size: BigInt(
        node.kind === "file"
          ? node.size
          : node.kind === "symlink"
          ? new TextEncoder().encode(node.target).length
          : 4096,
      ),
      accessed: node.times.accessed,
      modified: node.times.modified,
      changed: node.times.changed,
      device: 1n,
      inode: node.inode,
    };
  }

  realPath(path: string): string {
    return "/" + this.#walk(path, true).parts.join("/");
  }

  lstat(path: string): FsStat {
    return this.#stat(this.#walk(path, false).node);
  }

  stat(path: string): FsStat {
    return this.#stat(this.#walk(path, true).node);
  }

  readlink(path: string): string {
    const { node } = this.#walk(path, false);
    if (node.kind !== "symlink") throw new FsError("invalid", `Not a symlink: ${path}`);
    return node.target;
  }

  open(path: string, options: FsOpenOptions): FsFile {
    const { dir, name } = this.#parent(path);
    let found = dir.entries.get(name);
    if (found !== undefined && found.kind === "symlink") found = this.#walk(path, true).node;
    let node: Node;
    if (found === undefined) {
      if (!options.create) throw new FsError("no-entry", `No such file: ${path}`);
      node = this.#node("file");
      dir.entries.set(name, node);
      dir.times.modified = dir.times.changed = now();
    } else if (options.create && options.exclusive) {
      throw new FsError("exist", `Already exists: ${path}`);
    } else node = found;
    if (node.kind === "directory") throw new FsError("is-directory", `Is a directory: ${path}`);
    if (node.kind !== "file") throw new FsError("loop", `Cannot open a symlink: ${path}`);
    if (options.truncate) {
      node.size = 0;
      node.times.modified = node.times.changed = now();
    }
    return new MemoryFile(node, this.#maxFileSize);
  }

  readDir(path: string): FsDirEntry[] {
    const { node } = this.#walk(path, true);
    if (node.kind !== "directory") throw new FsError("not-directory", `Not a directory: ${path}`);
    return [...node.entries].map(([name, n]) => ({ name, type: TYPE[n.kind] }));
  }

  mkdir(path: string): void {
    const { dir, name } = this.#parent(path);
    if (dir.entries.has(name)) throw new FsError("exist", `Already exists: ${path}`);
    dir.entries.set(name, this.#node("directory"));
    dir.links++;
    dir.times.modified = dir.times.changed = now();
  }

  rmdir(path: string): void {
    const { dir, name } = this.#parent(path);
    const node = dir.entries.get(name);
    if (node === undefined) throw new FsError("no-entry", `No such directory: ${path}`);
    if (node.kind !== "directory") throw new FsError("not-directory", `Not a directory: ${path}`);
    if (node.entries.size > 0) throw new FsError("not-empty", `Directory not empty: ${path}`);
    dir.entries.delete(name);
    dir.links--;
    dir.times.modified = dir.times.changed = now();
  }

  unlink(path: string): void {
    const { dir, name } = this.#parent(path);
    const node = dir.entries.get(name);
    if (node === undefined) throw new FsError("no-entry", `No such file: ${path}`);
    if (node.kind === "directory") throw new FsError("is-directory", `Is a directory: ${path}`);
    dir.entries.delete(name);
    node.links--;
    node.times.changed = dir.times.modified = dir.times.changed = now();
  }

  rename(from: string, to: string): void {
    const a = this.#parent(from);
    const b = this.#parent(to);
    const node = a.dir.entries.get(a.name);
    if (node === undefined) throw new FsError("no-entry", `No such file: ${from}`);
    const existing = b.dir.entries.get(b.name);
    if (existing === node) return;
    if (node.kind === "directory" && this.#contains(node, b.dir)) {
      throw new FsError("invalid", `Cannot move a directory into itself: ${from} → ${to}`);
    }
    if (existing !== undefined) {
      if (existing.kind === "directory") {
        if (node.kind !== "directory") throw new FsError("is-directory", `Is a directory: ${to}`);
        if (existing.entries.size > 0) throw new FsError("not-empty", `Not empty: ${to}`);
      } else if (node.kind === "directory") {
        throw new FsError("not-directory", `Not a directory: ${to}`);
      }
    }
    a.dir.entries.delete(a.name);
    b.dir.entries.set(b.name, node);
    const t = now();
    a.dir.times.modified = b.dir.times.modified = node.times.changed = t;
  }

  #contains(dir: Node & { kind: "directory" }, target: Node): boolean {
    if (dir === target) return true;
    for (const child of dir.entries.values()) {
      if (child.kind === "directory" && this.#contains(child, target)) return true;
    }
    return false;
  }

  link(from: string, to: string): void {
    const { node } = this.#walk(from, false);
    if (node.kind === "directory") throw new FsError("not-permitted", `Is a directory: ${from}`);
    const { dir, name } = this.#parent(to);
    if (dir.entries.has(name)) throw new FsError("exist", `Already exists: ${to}`);
    dir.entries.set(name, node);
    node.links++;
    node.times.changed = dir.times.modified = now();
  }

  symlink(target: string, path: string): void {
    const { dir, name } = this.#parent(path);
    if (dir.entries.has(name)) throw new FsError("exist", `Already exists: ${path}`);
    dir.entries.set(name, this.#node("symlink", target));
    dir.times.modified = now();
  }

  setTimes(path: string, accessed: TimeChange, modified: TimeChange): void {
    setTimes(this.#walk(path, true).node, accessed, modified);
  }

  /** Creates `path` and missing parents (for setting up a tree). */
  mkdirp(path: string): void {
    let at = "";
    for (const c of split(path)) {
      at += "/" + c;
      try {
        this.lstat(at);
      } catch {
        this.mkdir(at);
      }
    }
  }

  /** Writes a whole file, creating it (for setting up a tree). */
  writeFile(path: string, data: Uint8Array | string): void {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const f = this.open(path, {
      read: false,
      write: true,
      create: true,
      exclusive: false,
      truncate: true,
    });
    f.write(bytes, 0n);
    f.close();
  }
}

function setTimes(node: Node, accessed: TimeChange, modified: TimeChange): void {
  const t = now();
  if (accessed !== "no-change") node.times.accessed = accessed === "now" ? t : accessed;
  if (modified !== "no-change") node.times.modified = modified === "now" ? t : modified;
  node.times.changed = t;
}

class MemoryFile implements FsFile {
  readonly #node: Node & { kind: "file" };
  readonly #max: number;
  #open = true;

  constructor(node: Node & { kind: "file" }, max: number) {
    this.#node = node;
    this.#max = max;
  }

  #tooLarge(): FsError {
    return new FsError("file-too-large", `Memory files stop at ${this.#max} bytes`);
  }

  #live(): Node & { kind: "file" } {
    if (!this.#open) throw new FsError("bad-descriptor", "The file is closed");
    return this.#node;
  }

  read(length: number, offset: bigint): Uint8Array {
    const n = this.#live();
    n.times.accessed = now();
    if (offset >= BigInt(n.size)) return new Uint8Array(0);
    const start = Number(offset);
    return n.data.slice(start, Math.min(n.size, start + length));
  }

  write(bytes: Uint8Array, offset: bigint): number {
    const n = this.#live();
    const end = offset + BigInt(bytes.length);
    if (end > BigInt(this.#max)) throw this.#tooLarge();
    this.#reserve(Number(end));
    n.data.set(bytes, Number(offset));
    n.size = Math.max(n.size, Number(end));
    n.times.modified = n.times.changed = now();
    return bytes.length;
  }

  #reserve(size: number): void {
    const n = this.#node;
    if (size <= n.data.length) {
      // Bytes beyond the old end may hold stale data from a shrink: zero them.
      if (size > n.size) n.data.fill(0, n.size, size);
      return;
    }
    const grown = new Uint8Array(Math.max(size, n.data.length * 2));
    grown.set(n.data.subarray(0, n.size));
    n.data = grown;
  }

  stat(): FsStat {
    const n = this.#live();
    return {
      type: "regular-file",
      linkCount: BigInt(n.links),
      size: BigInt(n.size),
      accessed: n.times.accessed,
      modified: n.times.modified,
      changed: n.times.changed,
      device: 1n,
      inode: n.inode,
    };
  }

  setSize(size: bigint): void {
    const n = this.#live();
    if (size > BigInt(this.#max)) throw this.#tooLarge();
    this.#reserve(Number(size));
    n.size = Number(size);
    n.times.modified = n.times.changed = now();
  }

  setTimes(accessed: TimeChange, modified: TimeChange): void {
    setTimes(this.#live(), accessed, modified);
  }

  sync(): void {
    this.#live();
  }

  syncData(): void {
    this.#live();
  }

  close(): void {
    this.#open = false;
  }
}
