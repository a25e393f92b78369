/**
 * `RemoteDriver`'s requests to the daemon: `fetch` with the bearer token and
 * the client header, JSON answers (a body that is not JSON becomes an error
 * body), in-flight tracking for `close()`, and the daemon's error bodies as
 * `DriverError`s.
 *
 * @module
 */

import { DriverError, SESSION_ERRORS, type SessionError } from "@netsession/core";
import {
  CLIENT_HEADER,
  CLIENT_KEY_HEADER,
  type DaemonSnapshot,
  type ErrorBody,
  type HeartbeatBody,
  type OpenSessionBody,
} from "./protocol.ts";

/** A daemon answer: its status and its JSON body, `A` when it succeeded, else (usually) an {@linkcode ErrorBody}. */
export interface Reply<A> {
  readonly status: number;
  readonly json: A & Partial<ErrorBody>;
}

/** Bodies `RemoteDriver` sends. */
export type RequestBody = OpenSessionBody | HeartbeatBody | Record<string, never>;

/** What a "cannot reach the daemon" message suggests. */
export const CONNECT_HINT = "is the daemon running (netsession serve) and is the socket or URL right?";

function toSessionError(code: unknown): SessionError {
  return (SESSION_ERRORS as readonly unknown[]).includes(code) ? code as SessionError : "unknown";
}

/** A daemon's error answer as a `DriverError` with the daemon's session error code (else `"unknown"`). */
export function daemonError(json: Partial<ErrorBody>, status: number, what: string): DriverError {
  const e = json.error;
  const message = typeof e?.message === "string" ? e.message : `HTTP ${status}`;
  return new DriverError(toSessionError(e?.code), `${what}: the daemon answered ${status}: ${message}`);
}

/** Where and as whom a {@linkcode DaemonHttp} talks to the daemon. */
export interface DaemonHttpOptions {
  /** The base URL (over the socket: `http://localhost`). */
  readonly base: string;
  /** The daemon's Unix socket, if it is reached over one. */
  readonly socket?: string;
  /** The bearer token, or the path of the token file to read it from at `ready()`. */
  readonly token?: string | (() => string);
  /** The client id. */
  readonly clientId: string;
  /** The `fetch` to use (default: the global one). */
  readonly fetch?: typeof fetch;
}

/**
 * One client's requests to one daemon: over its Unix socket (no token) or TCP (the bearer token). Every
 * request carries the client's key once the daemon issued it (`X-Netsession-Client-Key` of an answer).
 */
export class DaemonHttp {
  /** The daemon's base URL, without a trailing slash. */
  readonly base: string;
  /** Where the daemon is, for messages: its socket or its URL. */
  readonly where: string;
  /** The `fetch` in use (adds the token and the client key, keeps a key the daemon sends). */
  readonly fetch: typeof fetch;
  #token: string | undefined;
  #tokenFile: (() => string) | undefined;
  #key: string | undefined;
  #client: Deno.HttpClient | undefined;
  #clientId: string;
  #inflight = new Set<Promise<unknown>>();

  constructor(options: DaemonHttpOptions) {
    this.base = options.base;
    this.where = options.socket ?? options.base;
    if (typeof options.token === "function") this.#tokenFile = options.token;
    else this.#token = options.token;
    this.#clientId = options.clientId;
    if (options.socket !== undefined) {
      this.#client = Deno.createHttpClient({ proxy: { transport: "unix", path: options.socket } });
    }
    const base = options.fetch ?? globalThis.fetch.bind(globalThis);
    const client = this.#client;
    this.fetch = async (input, init) => {
      const headers = new Headers(init?.headers);
      if (this.#token !== undefined && !headers.has("authorization")) {
        headers.set("Authorization", `Bearer ${this.#token}`);
      }
      if (this.#key !== undefined) headers.set(CLIENT_KEY_HEADER, this.#key);
      const res = await base(input, { ...init, headers, ...(client ? { client } : {}) } as RequestInit);
      this.#key = res.headers.get(CLIENT_KEY_HEADER) ?? this.#key;
      return res;
    };
  }

  /** Reads the token file if the token is to come from one (TCP without a token given). */
  async ready(): Promise<void> {
    if (this.#token !== undefined || this.#tokenFile === undefined) return;
    const path = this.#tokenFile();
    try {
      this.#token = (await Deno.readTextFile(path)).trim();
    } catch (error) {
      throw new DriverError(
        "unknown",
        `cannot read the daemon's token file ${path} (${
          (error as Error).message
        }); pass token, or connect over the daemon's socket`,
        { cause: error },
      );
    }
  }

  /** Releases the socket's HTTP client. */
  close(): void {
    try {
      this.#client?.close();
    } catch { /* closed */ }
    this.#client = undefined;
  }

  /** Sends one request; rejects only when the daemon cannot be reached (or `signal` aborted it). */
  async request<A = unknown>(
    method: string,
    path: string,
    body?: RequestBody,
    signal?: AbortSignal,
  ): Promise<Reply<A>> {
    const headers: Record<string, string> = { [CLIENT_HEADER]: this.#clientId };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const work = (async () => {
      const res = await this.fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      const text = await res.text();
      // The daemon answers with the protocol's bodies (protocol.ts); a body that is not JSON becomes an error body.
      let json: A & Partial<ErrorBody>;
      try {
        json = JSON.parse(text || "{}");
      } catch {
        const notJson: ErrorBody = { error: { code: "unknown", message: text.slice(0, 200) } };
        json = JSON.parse(JSON.stringify(notJson));
      }
      return { status: res.status, json };
    })();
    this.#inflight.add(work);
    try {
      return await work;
    } finally {
      this.#inflight.delete(work);
    }
  }

  /** Resolves once every request under way has settled. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#inflight]);
  }

  /** `GET /v1/driver/snapshot`; an unreachable daemon or an error answer rejects with a `DriverError`. */
  async snapshot(): Promise<DaemonSnapshot> {
    let res: Reply<DaemonSnapshot>;
    try {
      res = await this.request("GET", "/v1/driver/snapshot");
    } catch (error) {
      throw new DriverError(
        "unknown",
        `cannot reach the netsession daemon at ${this.where}: ${(error as Error).message}; ${CONNECT_HINT}`,
        { cause: error },
      );
    }
    if (res.status !== 200) throw daemonError(res.json, res.status, "reading the daemon's snapshot");
    return res.json;
  }
}
