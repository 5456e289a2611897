/**
 * Deno's standard streams for `wasi:cli` (Deno-only: it uses `Deno.stdin`,
 * `Deno.stdout` and `Deno.stderr`).
 *
 * @module
 */
import type { ByteSink } from "./byte_source.ts";
import type { TerminalOptions } from "./cli.ts";

function syncSink(target: { writeSync(p: Uint8Array): number }): ByteSink {
  // Synchronous writes: a guest's blocking-write-and-flush is exact without JSPI.
  return {
    write: (bytes) => {
      let n = 0;
      while (n < bytes.length) n += target.writeSync(bytes.subarray(n));
    },
  };
}

/** Deno's stdio as `createWasi` options: `createWasi({ ...denoStdio(), args })`. */
export function denoStdio(): {
  stdin: ReadableStream<Uint8Array>;
  stdout: ByteSink;
  stderr: ByteSink;
  terminal: TerminalOptions;
} {
  // Pulled only when the guest reads, so an instance that never reads leaves stdin alone.
  const stdin = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buf = new Uint8Array(16384);
      const n = await Deno.stdin.read(buf);
      if (n === null) controller.close();
      else controller.enqueue(buf.subarray(0, n));
    },
  }, { highWaterMark: 0 });
  return {
    stdin,
    stdout: syncSink(Deno.stdout),
    stderr: syncSink(Deno.stderr),
    terminal: {
      stdin: Deno.stdin.isTerminal(),
      stdout: Deno.stdout.isTerminal(),
      stderr: Deno.stderr.isTerminal(),
    },
  };
}
