// The example HTTP handler, built with componentize-js, served by Weft
// (Deno.serve + incomingHandler in this process, and `weft serve` when
// packages/cli is there) and by `jco serve` (preview2-shim's HTTP server)
// side by side: every request gets the same status, the handler's own
// headers and the same body from each, including the route that calls `fetch`.
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { buildExample, type BuiltExample } from "../../scripts/build_examples.ts";
import { freePort, jcoServe, type JcoServer } from "../../tools/jco_peer.ts";
import { hasWeftCli, weftServe, type WeftServer } from "../../tools/weft_serve.ts";
import { createHandler, SLOW_PAUSE_MS, startUpstream } from "./main.ts";

let built: Promise<BuiltExample> | undefined;

/** The component, built once per test process; a failed build fails the test, saying why. */
function component(): Promise<BuiltExample> {
  return built ??= buildExample("http-handler", { quiet: true }).catch((error) => {
    throw new Error(
      "Cannot test the http-handler example: building it with componentize-js failed. " +
        "It needs Node.js, npm and (the first time) the npm registry; see the cause.",
      { cause: error },
    );
  });
}

interface Answer {
  status: number;
  contentType: string | null;
  handler: string | null;
  body: string;
}

async function get(url: string): Promise<Answer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    handler: response.headers.get("x-handler"),
    body: await response.text(),
  };
}

/** A server under test: who it is and its origin. */
interface Server {
  who: string;
  url: string;
}

/**
 * Serves the handler with Weft (library; CLI if present) and with jco (last
 * in the list), and an upstream for `/proxy`, for the length of `fn`.
 */
async function withServers(
  fn: (servers: readonly Server[], upstream: string, refused: string) => Promise<void>,
  onSent?: (line: number) => void,
): Promise<void> {
  const { bytes, path } = await component();
  const upstream = startUpstream(onSent);
  const refusedPort = freePort(); // nothing listens there
  const allowNet = [`127.0.0.1:${upstream.addr.port}`, `127.0.0.1:${refusedPort}`];
  const handler = await createHandler(bytes, { allowNet });
  const weft = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  let cli: WeftServer | undefined;
  let jco: JcoServer | undefined;
  try {
    if (await hasWeftCli()) cli = await weftServe(path, { allowNet });
    jco = await jcoServe(path);
    await fn(
      [
        { who: "weft", url: `http://127.0.0.1:${weft.addr.port}` },
        ...(cli === undefined ? [] : [{ who: "weft serve", url: cli.url }]),
        { who: "jco", url: jco.url },
      ],
      `http://127.0.0.1:${upstream.addr.port}`,
      `http://127.0.0.1:${refusedPort}`,
    );
  } finally {
    await jco?.close();
    await cli?.close();
    await weft.shutdown();
    await upstream.shutdown();
  }
}

/** GETs `path` from every server; checks they all answer as jco does; returns jco's answer. */
async function same(servers: readonly Server[], path: string): Promise<Answer> {
  const answers = [];
  for (const s of servers) answers.push({ who: s.who, answer: await get(s.url + path) });
  const jco = answers.at(-1)!;
  for (const a of answers.slice(0, -1)) {
    deepStrictEqual(a.answer, jco.answer, `${path}: ${a.who} and jco agree`);
  }
  return jco.answer;
}

Deno.test("http-handler: Weft and jco serve the same answers, fetch and streaming included", async () => {
  await withServers(async (servers, upstream) => {
    const data = encodeURIComponent(`${upstream}/data`);
    const cases: [string, Answer][] = [
      ["/hello?name=Weft", {
        status: 200,
        contentType: "text/plain; charset=utf-8",
        handler: "weft-example",
        body: "hello, Weft!\nchunk 1 of 3\nchunk 2 of 3\nchunk 3 of 3\n",
      }],
      ["/nowhere", {
        status: 404,
        contentType: "text/plain; charset=utf-8",
        handler: "weft-example",
        body: "not found: GET /nowhere\n",
      }],
      [`/proxy?upstream=${data}`, {
        status: 200,
        contentType: "text/plain; charset=utf-8",
        handler: "weft-example",
        body: "upstream: 200 text/plain\n" +
          [1, 2, 3, 4].map((i) => `upstream line ${i} of 4 for /data\n`).join("") +
          "\nupstream body: 124 bytes\n",
      }],
    ];
    for (const [path, expected] of cases) {
      deepStrictEqual(await same(servers, path), expected, `${path}: the handler's answer`);
    }
  });
});

Deno.test("http-handler: one instance answers many requests, concurrent ones too, as jco's", async () => {
  await withServers(async (servers, upstream) => {
    const data = encodeURIComponent(`${upstream}/data`);
    const paths = Array.from(
      { length: 24 },
      (_, i) => i % 3 === 0 ? `/proxy?upstream=${data}` : `/hello?name=n${i}`,
    );
    const all = [];
    for (const s of servers) all.push(await Promise.all(paths.map((p) => get(s.url + p))));
    const jco = all.at(-1)!;
    for (const [i, answers] of all.slice(0, -1).entries()) {
      deepStrictEqual(answers, jco, `${servers[i]!.who} and jco agree`);
    }
    for (const [i, a] of jco.entries()) {
      equal(a.status, 200, paths[i]);
      if (i % 3 !== 0) ok(a.body.startsWith(`hello, n${i}!\n`), a.body);
    }
  });
});

Deno.test("http-handler: a refused upstream is a 502 from the guest under both", async () => {
  await withServers(async (servers, _upstream, refused) => {
    const answer = await same(servers, `/proxy?upstream=${encodeURIComponent(`${refused}/data`)}`);
    equal(answer.status, 502);
    // The guest prints the TypeError StarlingMonkey's fetch rejects with.
    ok(answer.body.startsWith(`cannot fetch ${refused}/data: `), answer.body);
  });
});

Deno.test("http-handler: the proxied body streams through: its first line arrives before the upstream's last", async () => {
  let lastSentAt = Infinity;
  await withServers(async (servers, upstream) => {
    const path = `/proxy?upstream=${encodeURIComponent(`${upstream}/slow`)}`;
    const body = "upstream: 200 text/plain\n" +
      [1, 2, 3, 4].map((i) => `upstream line ${i} of 4 for /slow\n`).join("") +
      "\nupstream body: 124 bytes\n";
    for (const server of servers) {
      lastSentAt = Infinity;
      const response = await fetch(server.url + path, { signal: AbortSignal.timeout(30_000) });
      equal(response.status, 200);
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      let firstLineAt: number | undefined;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += value;
        if (firstLineAt === undefined && text.includes("upstream line 1 of 4")) {
          firstLineAt = performance.now();
        }
      }
      equal(text, body, `${server.who}: the whole body`);
      // jco's handler runs while preview2-shim's server waits on it, so only Weft is held to this.
      if (server.who !== "jco") {
        ok(
          firstLineAt !== undefined && firstLineAt < lastSentAt,
          `${server.who}: line 1 reached the client before the upstream sent line 4 ` +
            `(${SLOW_PAUSE_MS * 3} ms later)`,
        );
      }
    }
  }, (line) => {
    if (line === 4) lastSentAt = performance.now();
  });
});

Deno.test("http-handler: under Weft, fetch reaches only the hosts granted (a 502 from the guest otherwise)", async () => {
  const { bytes } = await component();
  const upstream = startUpstream();
  try {
    const handler = await createHandler(bytes, { allowNet: ["127.0.0.1:1"] });
    const url = `http://127.0.0.1:${upstream.addr.port}/data`;
    const response = await handler(
      new Request(`http://localhost/proxy?upstream=${encodeURIComponent(url)}`),
    );
    equal(response.status, 502);
    const body = await response.text();
    ok(body.startsWith(`cannot fetch ${url}: `), body);
  } finally {
    await upstream.shutdown();
  }
});
