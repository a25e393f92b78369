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
export const CONNECT_HINT = "is the daemon running (netsession serve) and is the URL right?";

function toSessionError(code: unknown): SessionError {
  return (SESSION_ERRORS as readonly unknown[]).includes(code) ? code as SessionError : "unknown";
}

/** A daemon's error answer as a `DriverError` with the daemon's session error code (else `"unknown"`). */
export function daemonError(json: Partial<ErrorBody>, status: number, what: string): DriverError {
  const e = json.error;
  const message = typeof e?.message === "string" ? e.message : `HTTP ${status}`;
  return new DriverError(toSessionError(e?.code), `${what}: the daemon answered ${status}: ${message}`);
}

/** One client's requests to one daemon. */
export class DaemonHttp {
  /** The daemon's base URL, without a trailing slash. */
  readonly base: string;
  /** The `fetch` in use. */
  readonly fetch: typeof fetch;
  #token: string;
  #clientId: string;
  #inflight = new Set<Promise<unknown>>();

  constructor(base: string, token: string, clientId: string, fetchFn: typeof fetch) {
    this.base = base;
    this.#token = token;
    this.#clientId = clientId;
    this.fetch = fetchFn;
  }

  /** Sends one request; rejects only when the daemon cannot be reached (or `signal` aborted it). */
  async request<A = unknown>(
    method: string,
    path: string,
    body?: RequestBody,
    signal?: AbortSignal,
  ): Promise<Reply<A>> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#token}`,
      [CLIENT_HEADER]: this.#clientId,
    };
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
        `cannot reach the netsession daemon at ${this.base}: ${(error as Error).message}; ${CONNECT_HINT}`,
        { cause: error },
      );
    }
    if (res.status !== 200) throw daemonError(res.json, res.status, "reading the daemon's snapshot");
    return res.json;
  }
}
