/**
 * {@linkcode RemoteDriver}: a `NetworkDriver` that talks to a netsession
 * daemon, so that a process's `NetworkConfigurationManager` shares the
 * daemon's system-wide session counter. Each access point this process holds
 * is one daemon session (one lease) owned by this driver's client id; the
 * daemon's event stream keeps the local view current and the leases alive.
 *
 * Uses only `fetch` and web streams.
 *
 * @module
 */

import {
  type ActivateOptions,
  type Capability,
  type DeactivateOptions,
  type DriverConfiguration,
  DriverError,
  type DriverEvent,
  type DriverEventSink,
  type DriverSnapshot,
  type DriverStatistics,
  type NetworkDriver,
  SESSION_ERRORS,
  type SessionError,
  type UsagePolicy,
} from "@netsession/core";
import { randomId } from "./_ids.ts";
import { withSystemSessions } from "./_capabilities.ts";
import {
  CLIENT_HEADER,
  type DaemonEvent,
  type DaemonSnapshot,
  type ErrorBody,
  type HeartbeatAnswer,
  type HeartbeatBody,
  type OpenSessionBody,
  type ReleaseAnswer,
  type SeqAnswer,
  type SessionAnswer,
  type StreamMessage,
} from "./protocol.ts";

/**
 * Options of {@linkcode RemoteDriver}.
 *
 * @example
 * ```ts
 * import type { RemoteDriverOptions } from "@netsession/server";
 * const o: RemoteDriverOptions = { url: "http://127.0.0.1:7421", token: "…", clientId: "mail-client" };
 * ```
 */
export interface RemoteDriverOptions {
  /** The daemon's base URL, for example `http://127.0.0.1:7421`. */
  readonly url: string | URL;
  /** The daemon's bearer token (from its token file). */
  readonly token: string;
  /** This process's client id at the daemon (default: `remote-` and random hex). */
  readonly clientId?: string;
  /** The `fetch` to use (default: the global one). */
  readonly fetch?: typeof fetch;
  /** Milliseconds between heartbeats (default: a third of the daemon's lease TTL). */
  readonly heartbeatMs?: number;
  /** Longest wait between reconnection attempts of the event stream, ms (default 5000). */
  readonly maxReconnectMs?: number;
  /** How long to wait for an event the daemon announced before resynchronising, ms (default 10000). */
  readonly syncTimeoutMs?: number;
}

/** A daemon answer: its status and its JSON body, `A` when it succeeded, else (usually) an {@linkcode ErrorBody}. */
interface Reply<A> {
  readonly status: number;
  readonly json: A & Partial<ErrorBody>;
}

/** Bodies this driver sends. */
type RequestBody = OpenSessionBody | HeartbeatBody | Record<string, never>;

const CONNECT_HINT = "is the daemon running (netsession serve) and is the URL right?";

function toSessionError(code: unknown): SessionError {
  return (SESSION_ERRORS as readonly unknown[]).includes(code) ? code as SessionError : "unknown";
}

/**
 * A {@linkcode NetworkDriver} backed by a netsession daemon.
 *
 * - `start()` fetches `GET /v1/driver/snapshot` and follows `GET /v1/events`
 *   (Server-Sent Events, resumed with `Last-Event-ID`; on a `gap` or a
 *   restarted daemon it resynchronises from a new snapshot), and heartbeats.
 * - `activate(id)` opens a daemon session for this client and resolves once the
 *   local view shows the access point active (the daemon's answer names the
 *   event sequence number to wait for); failures reject with `DriverError`
 *   carrying the daemon's session error code.
 * - `deactivate(id)` closes that daemon session (`force`: stops it), and
 *   resolves once the resulting events were delivered.
 * - `statistics(id)` returns the counters of the daemon's `statistics` events.
 * - `close()` stops everything and releases this client's daemon sessions.
 *
 * @example
 * ```ts ignore
 * import { NetworkConfigurationManager } from "@netsession/core";
 * import { RemoteDriver } from "@netsession/server";
 *
 * const token = await Deno.readTextFile(`${Deno.env.get("HOME")}/.netsession/token`);
 * const manager = await NetworkConfigurationManager.create(
 *   new RemoteDriver({ url: "http://127.0.0.1:7421", token: token.trim() }),
 * );
 * const session = manager.createSession(manager.defaultConfiguration());
 * console.log(await session.open()); // shares the daemon's counter with every other client
 * ```
 */
export class RemoteDriver implements NetworkDriver {
  /** Always `"remote"`. */
  readonly name = "remote";
  /** This process's client id at the daemon. */
  readonly clientId: string;

  #base: string;
  #token: string;
  #fetch: typeof fetch;
  #options: RemoteDriverOptions;
  #sink: DriverEventSink | undefined;
  #configs = new Map<string, DriverConfiguration>();
  #stats = new Map<string, DriverStatistics>();
  #capabilities: Capability[] = [];
  #policies: UsagePolicy[] = [];
  #default: string | undefined;
  #instance = "";
  #ttl = 10_000;
  #lastSeq = 0;
  #held = new Map<string, string>(); // access point -> daemon session id
  /** Access points the local core activated and still holds (it dropped them on deactivate or on a loss). */
  #wanted = new Set<string>();
  #reholding: Promise<void> = Promise.resolve();
  #waiters = new Set<{ seq: number; resolve: () => void }>();
  #stream: AbortController | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #backoff: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | undefined;
  #resyncing: Promise<void> | undefined;
  #inflight = new Set<Promise<unknown>>();
  #started = false;
  #closed = false;

  /**
   * Makes a driver for the daemon at `options.url`; nothing is contacted until `start()`.
   *
   * @param options the daemon's URL and token, and this client's id
   */
  constructor(options: RemoteDriverOptions) {
    if (!options || typeof options.token !== "string" || options.token === "") {
      throw new TypeError(
        "new RemoteDriver({ url, token }): token must be the daemon's token (from its token file)",
      );
    }
    let base: URL;
    try {
      base = new URL(String(options.url));
    } catch {
      throw new TypeError(
        `new RemoteDriver({ url }): '${options.url}' is not a URL such as http://127.0.0.1:7421`,
      );
    }
    this.#base = base.href.replace(/\/$/, "");
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#options = options;
    this.clientId = options.clientId ?? `remote-${randomId(6)}`;
  }

  // ------------------------------------------------------------------ HTTP

  async #request<A = unknown>(
    method: string,
    path: string,
    body?: RequestBody,
    signal?: AbortSignal,
  ): Promise<Reply<A>> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${this.#token}`,
      [CLIENT_HEADER]: this.clientId,
    };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const work = (async () => {
      const res = await this.#fetch(this.#base + path, {
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

  #errorOf(json: Partial<ErrorBody>, status: number, what: string): DriverError {
    const e = json.error;
    const message = typeof e?.message === "string" ? e.message : `HTTP ${status}`;
    return new DriverError(toSessionError(e?.code), `${what}: the daemon answered ${status}: ${message}`);
  }

  // ------------------------------------------------------------------ NetworkDriver

  /** Connects to the daemon; see the class documentation. */
  async start(sink: DriverEventSink): Promise<DriverSnapshot> {
    if (typeof sink !== "function") throw new TypeError("RemoteDriver.start() needs an event sink function");
    if (this.#started) {
      throw new Error("this RemoteDriver is already started: close() it or make another one");
    }
    this.#started = true;
    let snap: DaemonSnapshot;
    try {
      snap = await this.#snapshot();
    } catch (error) {
      this.#started = false;
      throw error;
    }
    this.#adopt(snap);
    const snapshot: DriverSnapshot = {
      configurations: [...this.#configs.values()],
      capabilities: this.#capabilities,
      usagePolicies: this.#policies,
      ...(this.#default === undefined ? {} : { defaultConfiguration: this.#default }),
    };
    // Events that arrive before start() returns are queued by the manager and applied after the snapshot.
    this.#sink = sink;
    try {
      await this.#openStream(); // the open stream holds this client's leases
    } catch (error) {
      this.#sink = undefined;
      this.#started = false;
      throw error;
    }
    const every = this.#options.heartbeatMs ?? Math.max(250, Math.floor(this.#ttl / 3));
    this.#heartbeat = setInterval(() => {
      if (this.#closed) return;
      this.#heartbeatNow().catch(() => {});
    }, every);
    return snapshot;
  }

  #heartbeatNow(): Promise<Reply<HeartbeatAnswer>> {
    return this.#request("POST", `/v1/clients/${encodeURIComponent(this.clientId)}/heartbeat`, {});
  }

  async #snapshot(): Promise<DaemonSnapshot> {
    let res: Reply<DaemonSnapshot>;
    try {
      res = await this.#request("GET", "/v1/driver/snapshot");
    } catch (error) {
      throw new DriverError(
        "unknown",
        `cannot reach the netsession daemon at ${this.#base}: ${(error as Error).message}; ${CONNECT_HINT}`,
        { cause: error },
      );
    }
    if (res.status !== 200) throw this.#errorOf(res.json, res.status, "reading the daemon's snapshot");
    return res.json;
  }

  #adopt(snap: DaemonSnapshot): void {
    this.#configs = new Map(snap.configurations.map((c) => [c.identifier, c]));
    this.#capabilities = withSystemSessions(snap.capabilities);
    this.#policies = [...snap.usagePolicies];
    this.#default = snap.defaultConfiguration;
    this.#instance = snap.instance;
    this.#ttl = snap.leaseTtlMs ?? this.#ttl;
    this.#stats = new Map(Object.entries(snap.statistics ?? {}));
    this.#lastSeq = snap.seq;
    this.#release();
  }

  /** Rescans at the daemon; resolves once the changes found were delivered. */
  async scan(): Promise<void> {
    const res = await this.#request<SeqAnswer>("POST", "/v1/scan", {});
    if (res.status !== 200) throw this.#errorOf(res.json, res.status, "scan");
    await this.#waitSeq(res.json.seq);
  }

  /** Opens a daemon session on the access point; see the class documentation. */
  async activate(identifier: string, options: ActivateOptions = {}): Promise<void> {
    if (this.#closed) throw new DriverError("session-aborted", "this RemoteDriver is closed");
    if (this.#held.has(identifier) && this.#configs.get(identifier)?.state === "active") {
      this.#wanted.add(identifier);
      return;
    }
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer = options.timeout === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, options.timeout);
    let res: Reply<SessionAnswer>;
    try {
      if (options.signal?.aborted) abort.abort();
      res = await this.#request("POST", "/v1/sessions", {
        configuration: identifier,
        client: this.clientId,
      }, abort.signal);
    } catch (error) {
      if (timedOut) {
        this.#giveBack(identifier);
        throw new DriverError(
          "unknown",
          `activation of '${identifier}' timed out after ${options.timeout} ms`,
        );
      }
      if (abort.signal.aborted) {
        this.#giveBack(identifier);
        throw new DriverError("session-aborted", `activation of '${identifier}' was cancelled`);
      }
      throw new DriverError(
        "unknown",
        `activation of '${identifier}' failed: cannot reach the daemon at ${this.#base}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
    if (res.status !== 201) throw this.#errorOf(res.json, res.status, `activation of '${identifier}'`);
    const session = res.json.session.id;
    if (abort.signal.aborted) {
      // Cancelled while the answer was on its way: give the lease back.
      this.#closeRemote(session, false).catch(() => {});
      throw new DriverError("session-aborted", `activation of '${identifier}' was cancelled`);
    }
    const previous = this.#held.get(identifier);
    this.#held.set(identifier, session);
    if (previous !== undefined && previous !== session) this.#closeRemote(previous, false).catch(() => {});
    await this.#waitSeq(res.json.seq);
    if (this.#configs.get(identifier)?.state !== "active") {
      if (this.#held.get(identifier) === session) this.#held.delete(identifier);
      this.#closeRemote(session, false).catch(() => {});
      throw new DriverError(
        "session-aborted",
        `'${identifier}' went down again right after it was activated`,
      );
    }
    this.#wanted.add(identifier);
  }

  /**
   * Takes back the holds the daemon dropped while the local core still wants them (after a daemon restart, or a
   * lease that expired while this process could not reach the daemon): joins each link that is still up
   * (`attach`, so a link that went down meanwhile is never brought up again); the local sessions stay open.
   * A link that went down reaches the core as a configuration change instead (its sessions are closed).
   */
  #rehold(): Promise<void> {
    this.#reholding = this.#reholding.then(async () => {
      for (const id of [...this.#wanted]) {
        if (this.#closed || this.#held.has(id) || this.#configs.get(id)?.state !== "active") continue;
        let res: Reply<SessionAnswer>;
        try {
          res = await this.#request("POST", "/v1/sessions", {
            configuration: id,
            client: this.clientId,
            attach: true,
          });
        } catch {
          continue; // unreachable again: the next reconnection retries
        }
        if (res.status !== 201) continue;
        const session = res.json.session.id;
        if (this.#wanted.has(id) && !this.#held.has(id) && !this.#closed) this.#held.set(id, session);
        else this.#closeRemote(session, false).catch(() => {}); // the core let go meanwhile
      }
    });
    return this.#reholding;
  }

  /** After the stream came back: drops the holds the daemon no longer has (expired lease), then takes them back. */
  async #verifyHolds(): Promise<void> {
    await this.#resyncing;
    if (this.#held.size === 0 && this.#wanted.size === 0) return;
    let sessions: readonly string[];
    try {
      const res = await this.#heartbeatNow();
      if (res.status !== 200) return;
      sessions = res.json.sessions;
    } catch {
      return;
    }
    for (const [id, session] of [...this.#held]) if (!sessions.includes(session)) this.#held.delete(id);
    await this.#rehold();
  }

  /** After a cancelled activation: the daemon may still be opening a session for us; close it. */
  #giveBack(identifier: string): void {
    if (this.#held.has(identifier)) return;
    this.#request<ReleaseAnswer>("DELETE", `/v1/sessions?configuration=${encodeURIComponent(identifier)}`)
      .catch(() => {});
  }

  async #closeRemote(session: string, force: boolean): Promise<number | undefined> {
    const path = `/v1/sessions/${encodeURIComponent(session)}`;
    const res = force
      ? await this.#request<SessionAnswer>("POST", `${path}/stop`, {})
      : await this.#request<SessionAnswer>("DELETE", path);
    if (res.status === 404) return undefined; // already gone (closed by the daemon)
    if (res.status !== 200) {
      throw this.#errorOf(
        res.json,
        res.status,
        `${force ? "stopping" : "closing"} daemon session '${session}'`,
      );
    }
    return res.json.seq;
  }

  /** Closes (or with `force`, stops) this process's daemon session on the access point. */
  async deactivate(identifier: string, options: DeactivateOptions = {}): Promise<void> {
    this.#wanted.delete(identifier);
    const session = this.#held.get(identifier);
    if (session === undefined) return;
    this.#held.delete(identifier);
    let seq: number | undefined;
    try {
      seq = await this.#closeRemote(session, options.force === true);
    } catch (error) {
      if (error instanceof DriverError) throw error;
      throw new DriverError(
        "unknown",
        `deactivation of '${identifier}' failed: cannot reach the daemon at ${this.#base}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
    if (seq !== undefined) await this.#waitSeq(seq);
  }

  /** The counters from the daemon's latest `statistics` event, or undefined. */
  statistics(identifier: string): DriverStatistics | undefined {
    if (!this.#capabilities.includes("data-statistics")) return undefined;
    const s = this.#stats.get(identifier);
    return s ? { bytesReceived: s.bytesReceived, bytesWritten: s.bytesWritten } : undefined;
  }

  /** Stops the stream and heartbeats and releases every daemon session of this client. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sink = undefined;
    clearInterval(this.#heartbeat);
    this.#stream?.abort();
    if (this.#backoff) {
      clearTimeout(this.#backoff.timer);
      this.#backoff.resolve();
    }
    this.#release(true);
    await Promise.allSettled([...this.#inflight]);
    if (this.#started) {
      await this.#request("DELETE", `/v1/clients/${encodeURIComponent(this.clientId)}`).catch(() => {});
    }
    this.#held.clear();
    this.#wanted.clear();
  }

  // ------------------------------------------------------------------ the event stream

  async #openStream(): Promise<ReadableStreamDefaultReader<Uint8Array>> {
    const abort = new AbortController();
    this.#stream = abort;
    const url = `${this.#base}/v1/events?client=${encodeURIComponent(this.clientId)}`;
    let res: Response;
    try {
      res = await this.#fetch(url, {
        headers: { "Last-Event-ID": String(this.#lastSeq), Accept: "text/event-stream" },
        signal: abort.signal,
      });
    } catch (error) {
      throw new DriverError(
        "unknown",
        `cannot open the daemon's event stream at ${url}: ${(error as Error).message}; ${CONNECT_HINT}`,
        { cause: error },
      );
    }
    if (res.status !== 200 || !res.body) {
      const json = await res.json().catch(() => ({}));
      throw this.#errorOf(json, res.status, "opening the event stream");
    }
    const reader = res.body.getReader();
    this.#readLoop(reader);
    return reader;
  }

  async #readLoop(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
          const data = block.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) =>
            l.slice(5).replace(/^ /, "")
          ).join("\n");
          if (data === "") continue;
          let message: StreamMessage;
          try {
            message = JSON.parse(data);
          } catch {
            continue;
          }
          await this.#onMessage(message);
          if (this.#closed) return;
        }
      }
    } catch {
      // the connection broke; reconnect below
    } finally {
      reader.releaseLock?.();
    }
    if (!this.#closed) this.#reconnect();
  }

  async #reconnect(): Promise<void> {
    let delay = 100;
    const max = this.#options.maxReconnectMs ?? 5000;
    while (!this.#closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#backoff = undefined;
          resolve();
        }, delay);
        this.#backoff = { timer, resolve };
      });
      if (this.#closed) return;
      try {
        await this.#openStream();
        void this.#verifyHolds();
        return;
      } catch {
        delay = Math.min(max, delay * 2);
      }
    }
  }

  async #onMessage(message: StreamMessage): Promise<void> {
    switch (message.type) {
      case "hello":
        if (message.instance !== this.#instance) await this.#resync(); // the daemon restarted
        return;
      case "gap":
        await this.#resync();
        return;
      case "keep-alive":
        return;
    }
    const event = message;
    if (typeof event.seq !== "number" || event.seq <= this.#lastSeq) return; // already seen
    this.#apply(event);
    this.#lastSeq = event.seq;
    this.#release();
  }

  #emit(event: DriverEvent): void {
    this.#sink?.(event);
  }

  /** Applies one event to the local view; every kind is named, so a new kind is a compile error here. */
  #apply(event: DaemonEvent): void {
    switch (event.type) {
      case "configuration-added":
      case "configuration-changed": {
        const c = event.configuration;
        this.#configs.set(c.identifier, c);
        if (c.state !== "active") this.#wanted.delete(c.identifier); // the core drops its hold on a loss
        this.#emit({ type: event.type, configuration: c });
        break;
      }
      case "configuration-removed": {
        const id = event.identifier;
        this.#configs.delete(id);
        this.#wanted.delete(id);
        this.#stats.delete(id);
        this.#emit({ type: "configuration-removed", identifier: id });
        break;
      }
      case "usage-policies-changed":
        this.#policies = [...event.policies];
        this.#emit({ type: "usage-policies-changed", policies: this.#policies });
        break;
      case "default-changed":
        this.#default = event.identifier ?? undefined;
        this.#emit({ type: "default-changed", identifier: this.#default });
        break;
      case "capabilities-changed":
        this.#capabilities = withSystemSessions(event.capabilities);
        this.#emit({ type: "capabilities-changed", capabilities: this.#capabilities });
        break;
      case "statistics":
        this.#stats = new Map(Object.entries(event.statistics));
        break;
      case "session-closed":
        if (event.client === this.clientId) this.#dropHold(event.session);
        break;
      case "online-changed": // the local manager derives these from the configurations
      case "session-opened":
      case "session-state":
      case "session-error":
      case "session-usage-policies":
      case "roaming":
      case "client-expired": // its sessions' session-closed events follow
      case "scenario":
      case "shutdown": // the stream ends next; the reconnection finds the new daemon
        break;
      default: {
        // Compile time: every kind of the protocol is handled above. Run time: a newer daemon's kind is ignored.
        const unhandled: never = event;
        void unhandled;
      }
    }
  }

  /** A daemon session of this client was closed by the daemon, not by us (deactivate forgets first). */
  #dropHold(session: string): void {
    let dropped = false;
    for (const [ap, s] of this.#held) {
      if (s === session) {
        this.#held.delete(ap);
        dropped = true;
      }
    }
    // An expired lease: take it back if the core still holds the link; a link that went down arrives as its
    // own event and drops the want.
    if (dropped) queueMicrotask(() => void this.#rehold());
  }

  /** Re-reads the snapshot and reports the differences as events (after a gap or a daemon restart). */
  #resync(): Promise<void> {
    this.#resyncing ??= this.#doResync().finally(() => this.#resyncing = undefined);
    return this.#resyncing;
  }

  async #doResync(): Promise<void> {
    let snap: DaemonSnapshot;
    try {
      snap = await this.#snapshot();
    } catch {
      return; // the stream's reconnection will try again
    }
    if (this.#closed) return;
    const restarted = snap.instance !== this.#instance;
    if (!restarted && snap.seq <= this.#lastSeq) return; // the stream is already ahead of this snapshot
    if (restarted) this.#held.clear(); // the old daemon's sessions are gone
    const before = this.#configs;
    const after = new Map(snap.configurations.map((c) => [c.identifier, c]));
    this.#configs = after;
    for (const id of [...this.#wanted]) if (after.get(id)?.state !== "active") this.#wanted.delete(id);
    for (const [id, c] of after) {
      const old = before.get(id);
      if (!old) this.#emit({ type: "configuration-added", configuration: c });
      else if (JSON.stringify(old) !== JSON.stringify(c)) {
        this.#emit({ type: "configuration-changed", configuration: c });
      }
    }
    for (const id of before.keys()) {
      if (!after.has(id)) this.#emit({ type: "configuration-removed", identifier: id });
    }
    const policies = [...snap.usagePolicies];
    if (JSON.stringify(policies) !== JSON.stringify(this.#policies)) {
      this.#policies = policies;
      this.#emit({ type: "usage-policies-changed", policies });
    }
    if (snap.defaultConfiguration !== this.#default) {
      this.#default = snap.defaultConfiguration;
      this.#emit({ type: "default-changed", identifier: this.#default });
    }
    const caps = withSystemSessions(snap.capabilities);
    if (JSON.stringify(caps) !== JSON.stringify(this.#capabilities)) {
      this.#capabilities = caps;
      this.#emit({ type: "capabilities-changed", capabilities: caps });
    }
    this.#instance = snap.instance;
    this.#ttl = snap.leaseTtlMs ?? this.#ttl;
    this.#stats = new Map(Object.entries(snap.statistics ?? {}));
    this.#lastSeq = snap.seq;
    this.#release();
    if (restarted) void this.#rehold();
  }

  /** Resolves when every event up to `seq` was delivered to the sink (or after a resync). */
  #waitSeq(seq: number): Promise<void> {
    if (typeof seq !== "number" || this.#lastSeq >= seq || this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter = {
        seq,
        resolve: () => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        // The stream stalled: read the state directly instead.
        this.#resync().finally(() => waiter.resolve());
      }, this.#options.syncTimeoutMs ?? 10_000);
      this.#waiters.add(waiter);
    });
  }

  #release(all = false): void {
    for (const w of [...this.#waiters]) if (all || w.seq <= this.#lastSeq) w.resolve();
  }
}
