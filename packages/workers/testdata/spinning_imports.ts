// An imports module that does not finish loading in time: its worker never
// starts. It gives up after a few seconds, because Deno's `terminate()`
// cannot stop a thread in a loop, and a thread spinning for the rest of the
// test run would slow every other test.
const end = Date.now() + 3_000;
while (Date.now() < end) {
  // spin
}
throw new Error("spinning_imports.ts gave up");
