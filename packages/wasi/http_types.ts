// wasi:http/types requests, responses and their futures (http/wit/types.wit).
import { WasiError } from "./errors.ts";
import {
  BodyPipe,
  contentLength,
  type IncomingBody,
  incomingBody,
  type OutgoingBody,
  outgoingBody,
} from "./http_body.ts";
import { type HttpErrorCode, toHttpErrorCode } from "./http_error.ts";
import { Fields, fieldsFromHeaders, frozenCopy } from "./http_fields.ts";
import { Pollable } from "./pollable.ts";

/** `wasi:http/types.method`, in the JS value mapping. */
export type Method = { tag: string; val?: string };
/** `wasi:http/types.scheme`, in the JS value mapping. */
export type Scheme = { tag: "HTTP" } | { tag: "HTTPS" } | { tag: "other"; val: string };

const METHODS = ["get", "head", "post", "put", "delete", "connect", "options", "trace", "patch"];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The `method` variant of an HTTP method name. */
export function toMethod(name: string): Method {
  const lower = name.toLowerCase();
  // Method names are case-sensitive (RFC 9110 § 9.1); only the canonical upper case is a known case.
  if (name === name.toUpperCase() && METHODS.includes(lower)) return { tag: lower };
  return { tag: "other", val: name };
}

/** The HTTP method name of a `method` variant; throws a `TypeError` if malformed. */
export function methodName(method: Method): string {
  if (method?.tag === "other") {
    if (typeof method.val !== "string" || !TOKEN.test(method.val)) {
      throw new TypeError(`Cannot use ${JSON.stringify(method.val)} as an HTTP method`);
    }
    return method.val;
  }
  if (!METHODS.includes(method?.tag)) {
    throw new TypeError(`Cannot use ${JSON.stringify(method)} as an HTTP method`);
  }
  return method.tag.toUpperCase();
}

/** The `scheme` variant of a URL protocol (`"https:"`). */
export function toScheme(protocol: string): Scheme {
  const name = protocol.replace(/:$/, "");
  if (name === "http") return { tag: "HTTP" };
  if (name === "https") return { tag: "HTTPS" };
  return { tag: "other", val: name };
}

function unitErr(): WasiError {
  return new WasiError(undefined);
}

const INTERNAL: unique symbol = Symbol("internal");

/**
 * `wasi:http/types.incoming-request`: a request the host received, handed
 * to the guest's `incoming-handler.handle`.
 */
export class IncomingRequest {
  readonly #method: Method;
  readonly #pathWithQuery: string | undefined;
  readonly #scheme: Scheme | undefined;
  readonly #authority: string | undefined;
  readonly #headers: Fields;
  #body: IncomingBody | undefined;
  #consumed = false;

  /** Made by the host only: see {@linkcode incomingRequest}. */
  constructor(
    init: {
      method: Method;
      pathWithQuery: string | undefined;
      scheme: Scheme | undefined;
      authority: string | undefined;
      headers: Fields;
      body: IncomingBody;
    },
    token: symbol,
  ) {
    if (token !== INTERNAL) throw new TypeError("Cannot construct an incoming-request: host only");
    this.#method = init.method;
    this.#pathWithQuery = init.pathWithQuery;
    this.#scheme = init.scheme;
    this.#authority = init.authority;
    this.#headers = init.headers;
    this.#body = init.body;
  }

  /** `method`. */
  method(): Method {
    return { ...this.#method };
  }
  /** `path-with-query`. */
  pathWithQuery(): string | undefined {
    return this.#pathWithQuery;
  }
  /** `scheme`. */
  scheme(): Scheme | undefined {
    return this.#scheme === undefined ? undefined : { ...this.#scheme };
  }
  /** `authority`. */
  authority(): string | undefined {
    return this.#authority;
  }
  /** `headers`: immutable. */
  headers(): Fields {
    return frozenCopy(this.#headers);
  }
  /** `consume`: the body; succeeds once. */
  consume(): IncomingBody {
    if (this.#consumed || this.#body === undefined) throw unitErr();
    this.#consumed = true;
    return this.#body;
  }
  /** Dropping the request unconsumed releases its body. */
  [Symbol.dispose](): void {
    if (!this.#consumed) this.#body?.[Symbol.dispose]();
    this.#body = undefined;
  }
}

/** The `incoming-request` for a fetch `Request`. */
export function incomingRequest(request: Request): IncomingRequest {
  const url = new URL(request.url);
  return new IncomingRequest({
    method: toMethod(request.method),
    pathWithQuery: url.pathname + url.search,
    scheme: toScheme(url.protocol),
    authority: url.host,
    headers: fieldsFromHeaders(request.headers),
    body: incomingBody(request.body),
  }, INTERNAL);
}

/** What {@linkcode OutgoingRequest} and {@linkcode OutgoingResponse} share: headers and a body. */
export abstract class OutgoingMessage {
  readonly #headers: Fields;
  /** Where the body's bytes go: its `readable` is the body the host sends. */
  readonly pipe: BodyPipe = new BodyPipe();
  #bodyTaken = false;

  /** Takes `headers` (the guest gives up its handle). */
  constructor(headers: Fields) {
    if (!(headers instanceof Fields)) {
      throw new TypeError(`Cannot use ${String(headers)} as headers: expected a fields resource`);
    }
    // The guest gave up its handle; a snapshot keeps later host changes out.
    this.#headers = frozenCopy(headers);
  }

  /** The headers as given (immutable). */
  get fields(): Fields {
    return this.#headers;
  }

  /** Whether `body` was called. */
  get bodyTaken(): boolean {
    return this.#bodyTaken;
  }

  /** `headers`: immutable. */
  headers(): Fields {
    return frozenCopy(this.#headers);
  }

  /** `body`: succeeds once. */
  body(): OutgoingBody {
    if (this.#bodyTaken) throw unitErr();
    this.#bodyTaken = true;
    return outgoingBody(this.pipe, contentLength(this.#headers));
  }
}

/**
 * `wasi:http/types.outgoing-request`: a request the guest builds for
 * `outgoing-handler.handle`. GET with no path, scheme or authority until set.
 */
export class OutgoingRequest extends OutgoingMessage {
  #method: Method = { tag: "get" };
  #pathWithQuery: string | undefined;
  #scheme: Scheme | undefined;
  #authority: string | undefined;

  /** `constructor(headers)`. */
  constructor(headers: Fields) {
    super(headers);
  }

  /** `method`. */
  method(): Method {
    return { ...this.#method };
  }
  /** `set-method`: fails for a malformed `other` method. */
  setMethod(method: Method): void {
    try {
      methodName(method);
    } catch {
      throw unitErr();
    }
    this.#method = { ...method };
  }
  /** `path-with-query`. */
  pathWithQuery(): string | undefined {
    return this.#pathWithQuery;
  }
  /** `set-path-with-query`: fails unless it is an origin-form path (`/…`). */
  setPathWithQuery(pathWithQuery: string | undefined): void {
    if (pathWithQuery !== undefined && !/^\/[^\s#]*$/.test(pathWithQuery)) throw unitErr();
    this.#pathWithQuery = pathWithQuery;
  }
  /** `scheme`. */
  scheme(): Scheme | undefined {
    return this.#scheme === undefined ? undefined : { ...this.#scheme };
  }
  /** `set-scheme`: fails for a malformed `other` scheme. */
  setScheme(scheme: Scheme | undefined): void {
    if (
      scheme !== undefined && !(scheme.tag === "HTTP" || scheme.tag === "HTTPS" ||
        (scheme.tag === "other" && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(scheme.val)))
    ) throw unitErr();
    this.#scheme = scheme === undefined ? undefined : { ...scheme };
  }
  /** `authority`. */
  authority(): string | undefined {
    return this.#authority;
  }
  /** `set-authority`: fails unless it is `host[:port]`. */
  setAuthority(authority: string | undefined): void {
    if (authority !== undefined && !isAuthority(authority)) throw unitErr();
    this.#authority = authority;
  }
}

function isAuthority(authority: string): boolean {
  if (authority === "" || /[\s/?#@\\]/.test(authority)) return false;
  try {
    return new URL(`http://${authority}`).host !== "";
  } catch {
    return false;
  }
}

/**
 * `wasi:http/types.outgoing-response`: the response the guest builds in
 * `incoming-handler.handle`. Status 200 until set.
 */
export class OutgoingResponse extends OutgoingMessage {
  #status = 200;

  /** `constructor(headers)`. */
  constructor(headers: Fields) {
    super(headers);
  }

  /** `status-code`. */
  statusCode(): number {
    return this.#status;
  }
  /** `set-status-code`: fails outside 200–599, which a fetch `Response` cannot carry. */
  setStatusCode(statusCode: number): void {
    if (!Number.isInteger(statusCode) || statusCode < 200 || statusCode > 599) throw unitErr();
    this.#status = statusCode;
  }
}

/**
 * `wasi:http/types.request-options`: timeouts in nanoseconds, honoured by
 * `outgoing-handler.handle` (connect and first-byte while waiting for the
 * response head; between-bytes while the guest waits for body bytes).
 */
export class RequestOptions {
  #connect: bigint | undefined;
  #firstByte: bigint | undefined;
  #betweenBytes: bigint | undefined;

  /** `connect-timeout`. */
  connectTimeout(): bigint | undefined {
    return this.#connect;
  }
  /** `set-connect-timeout`. */
  setConnectTimeout(duration: bigint | undefined): void {
    this.#connect = duration;
  }
  /** `first-byte-timeout`. */
  firstByteTimeout(): bigint | undefined {
    return this.#firstByte;
  }
  /** `set-first-byte-timeout`. */
  setFirstByteTimeout(duration: bigint | undefined): void {
    this.#firstByte = duration;
  }
  /** `between-bytes-timeout`. */
  betweenBytesTimeout(): bigint | undefined {
    return this.#betweenBytes;
  }
  /** `set-between-bytes-timeout`. */
  setBetweenBytesTimeout(duration: bigint | undefined): void {
    this.#betweenBytes = duration;
  }
}

/** What a guest passed to `response-outparam.set`. */
export type ResponseResult =
  | { tag: "ok"; val: OutgoingResponse }
  | { tag: "err"; val: HttpErrorCode };

/**
 * `wasi:http/types.response-outparam`: where the guest's
 * `incoming-handler.handle` puts its response.
 */
export class ResponseOutparam {
  readonly #deliver: (result: ResponseResult) => void;
  #set = false;

  /** An outparam that hands the guest's response to `deliver` (host only). */
  constructor(deliver: (result: ResponseResult) => void) {
    if (typeof deliver !== "function") {
      throw new TypeError("Cannot construct a response-outparam: host only");
    }
    this.#deliver = deliver;
  }

  /** `set`: delivers the response (or error); the outparam is consumed. */
  static set(param: ResponseOutparam, response: ResponseResult): void {
    if (param.#set) throw new TypeError("Cannot set a response-outparam twice");
    if (
      response?.tag === "ok" ? !(response.val instanceof OutgoingResponse) : response?.tag !== "err"
    ) {
      throw new TypeError(
        'Cannot set a response-outparam: expected { tag: "ok", val: OutgoingResponse } ' +
          'or { tag: "err", val: error-code }',
      );
    }
    param.#set = true;
    param.#deliver(response);
  }

  /** Whether `set` was called. */
  get isSet(): boolean {
    return this.#set;
  }
}

/**
 * `wasi:http/types.incoming-response`: a response received for an
 * outgoing request.
 */
export class IncomingResponse {
  readonly #status: number;
  readonly #headers: Fields;
  #body: IncomingBody | undefined;

  /** The response for a fetch `Response` (host only). */
  constructor(response: Response, token: symbol, betweenBytesMs?: number) {
    if (token !== INTERNAL) throw new TypeError("Cannot construct an incoming-response: host only");
    this.#status = response.status;
    this.#headers = fieldsFromHeaders(response.headers);
    this.#body = incomingBody(response.body, betweenBytesMs);
  }

  /** `status`. */
  status(): number {
    return this.#status;
  }
  /** `headers`: immutable. */
  headers(): Fields {
    return frozenCopy(this.#headers);
  }
  /** `consume`: the body; succeeds once. */
  consume(): IncomingBody {
    const body = this.#body;
    if (body === undefined) throw unitErr();
    this.#body = undefined;
    return body;
  }
  /** Dropping the response unconsumed releases its body. */
  [Symbol.dispose](): void {
    this.#body?.[Symbol.dispose]();
    this.#body = undefined;
  }
}

/** The value of a settled {@linkcode FutureIncomingResponse}. */
export type IncomingResponseResult =
  | { tag: "ok"; val: IncomingResponse }
  | { tag: "err"; val: HttpErrorCode };

/**
 * `wasi:http/types.future-incoming-response`: the response to an outgoing
 * request, once it arrives.
 */
export class FutureIncomingResponse {
  #settled: IncomingResponseResult | undefined;
  #taken = false;
  readonly #done: Promise<void>;
  readonly #abort: (() => void) | undefined;

  /**
   * A future over `response` (host only); a rejection is mapped to an
   * `error-code`. `abort` cancels the request when the guest drops the
   * future before taking the response.
   */
  constructor(
    response: Promise<Response>,
    token: symbol,
    options: { betweenBytesMs?: number; abort?: () => void } = {},
  ) {
    if (token !== INTERNAL) {
      throw new TypeError("Cannot construct a future-incoming-response: host only");
    }
    const { betweenBytesMs, abort } = options;
    this.#abort = abort;
    this.#done = response.then(
      (r) => {
        this.#settled = { tag: "ok", val: new IncomingResponse(r, INTERNAL, betweenBytesMs) };
      },
      (error: unknown) => {
        this.#settled = { tag: "err", val: toHttpErrorCode(error) };
      },
    );
  }

  /** `subscribe`: ready once `get` returns `some`. */
  subscribe(): Pollable {
    return new Pollable({
      ready: () => this.#settled !== undefined,
      wait: (signal) =>
        new Promise<void>((resolve) => {
          if (signal.aborted) return resolve();
          signal.addEventListener("abort", () => resolve(), { once: true });
          this.#done.then(resolve);
        }),
    });
  }

  /**
   * `get`: `undefined` while pending; then once `ok(ok(response))` or
   * `ok(err(code))`; after that `err`.
   */
  get(): { tag: "ok"; val: IncomingResponseResult } | { tag: "err"; val: undefined } | undefined {
    if (this.#settled === undefined) return undefined;
    if (this.#taken) return { tag: "err", val: undefined };
    this.#taken = true;
    return { tag: "ok", val: this.#settled };
  }

  /** Dropping the future before taking the response cancels the request. */
  [Symbol.dispose](): void {
    if (this.#taken) return;
    this.#taken = true;
    if (this.#settled === undefined) this.#abort?.();
    else if (this.#settled.tag === "ok") this.#settled.val[Symbol.dispose]();
  }
}

/** A future over `response` for the outgoing handler. */
export function futureIncomingResponse(
  response: Promise<Response>,
  options: { betweenBytesMs?: number; abort?: () => void } = {},
): FutureIncomingResponse {
  return new FutureIncomingResponse(response, INTERNAL, options);
}
