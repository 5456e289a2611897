// A test memory with a bump `realloc` that records its calls.
import { ComponentInstanceState } from "../instance_state.ts";
import { LiftLowerContext, type StringEncoding } from "../context.ts";

/** A 64 KiB memory (or `pages` of 64 KiB) with a recording bump allocator. */
export class TestHeap {
  readonly memory: WebAssembly.Memory;

  constructor(pages = 1) {
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: Math.max(pages, 4) });
  }
  last = 8;
  readonly calls: [number, number, number, number][] = [];
  /** Overrides the returned pointer (to test misbehaving allocators). */
  override: ((ptr: number) => number) | undefined;

  realloc = (old: number, oldSize: number, align: number, newSize: number): number => {
    this.calls.push([old, oldSize, align, newSize]);
    let ret: number;
    if (old !== 0 && newSize <= oldSize) ret = old;
    else {
      ret = Math.ceil(this.last / align) * align;
      this.last = ret + newSize;
      const u8 = this.u8();
      u8.copyWithin(ret, old, old + oldSize);
    }
    return this.override ? this.override(ret) : ret;
  };

  u8(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  dv(): DataView {
    return new DataView(this.memory.buffer);
  }

  context(
    encoding: StringEncoding = "utf8",
    instance: ComponentInstanceState = new ComponentInstanceState(),
  ): LiftLowerContext {
    return new LiftLowerContext({
      instance,
      stringEncoding: encoding,
      memory: this.memory,
      realloc: this.realloc,
    });
  }
}
