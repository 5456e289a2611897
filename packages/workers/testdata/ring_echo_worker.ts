// A worker for shared_ring_test.ts: reads plain values from the request ring
// and writes each back on the reply ring, sleeping on the request ring's
// WRITE word between bursts, until the main thread sets STOP.
/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
import { readPlain, writePlain } from "../plain_codec.ts";
import { RingReader, RingWriter, waitAsync as engineWaitAsync, WRITE } from "../shared_ring.ts";

const waitAsync = engineWaitAsync!;

/** The request ring's header word the main thread sets to end the echo. */
const STOP = 2;

interface Start {
  readonly requests: SharedArrayBuffer;
  readonly replies: SharedArrayBuffer;
}

self.onmessage = (event: MessageEvent<Start>) => {
  const requests = new RingReader(event.data.requests);
  const replies = new RingWriter(event.data.replies);
  echo(requests, replies).then(
    () => self.postMessage({ stopped: true }),
    (error) => self.postMessage({ error: String(error?.stack ?? error) }),
  );
};

async function echo(requests: RingReader, replies: RingWriter): Promise<void> {
  while (Atomics.load(requests.header, STOP) === 0) {
    while (requests.ready) {
      const value = requests.read(readPlain);
      // A full reply ring drains as the main thread reads: retry, boundedly,
      // so a value that can never be written fails instead of spinning forever.
      for (let tries = 0; !replies.write((c) => writePlain(c, value)); tries++) {
        if (tries > 20_000) throw new Error("Cannot write a reply: the reply ring stays full");
        replies.notify();
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
    replies.notify();
    // No lost wake-up: if WRITE moved since `consumed`, this returns at once.
    const wait = waitAsync(requests.header, WRITE, requests.consumed);
    if (wait.async) await wait.value;
  }
}
