/**
 * {@linkcode RemoteDriver}: a `NetworkDriver` that talks to a netsession
 * daemon, so that a process's `NetworkConfigurationManager` shares the
 * daemon's system-wide session counter. Each access point this process holds
 * is one daemon session (one lease) owned by this driver's client id; the
 * daemon's event stream keeps the local view current and the leases alive.
 *
 * Uses only `fetch` and web streams. The facade over three parts: the
 * requests (`_daemon_http.ts`), the event stream and its reconnection
 * (`_event_stream.ts`) and the local view that maps protocol events to driver
 * events (`_remote_view.ts`).
 *
 * @module
 */

import type {
  ActivateOptions,
  DeactivateOptions,
  DriverEventSink,
  DriverSnapshot,
  DriverStatistics,
  NetworkDriver,
  Reachability,
} from "@netsession/core";
import { DriverError } from "@netsession/core";
import { randomId } from "./_ids.ts";
import { daemonError, DaemonHttp, type Reply } from "./_daemon_http.ts";
import { defaultTokenFile, findDaemonSocket } from "./paths.ts";
import { EventStream } from "./_event_stream.ts";
import { RemoteView } from "./_remote_view.ts";
import type {
  DaemonSnapshot,
  HeartbeatAnswer,
  ReachabilityAnswer,
  ReleaseAnswer,
  SeqAnswer,
  SessionAnswer,
  StreamMessage,
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
  /**
   * The daemon's Unix socket (default, when no `url` is given either: the local daemon's, see
   * `findDaemonSocket()`: `$NETSESSION_SOCKET`, this user's `$XDG_RUNTIME_DIR/netsession/daemon.sock`, the system
   * daemon's `/run/netsession/daemon.sock`). Over the socket no token is needed.
   */
  readonly socket?: string;
  /** The daemon's base URL over TCP, for example `http://127.0.0.1:7421` (then a token is needed). */
  readonly url?: string | URL;
  /** The daemon's bearer token (TCP; default: read from `defaultTokenFile()` at `start()`). */
  readonly token?: string;
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

  #http: DaemonHttp;
  #options: RemoteDriverOptions;
  #sink: DriverEventSink | undefined;
  #view: RemoteView;
  #stream: EventStream;
  #reholding: Promise<void> = Promise.resolve();
  #waiters = new Set<{ seq: number; resolve: () => void }>();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #resyncing: Promise<void> | undefined;
  #started = false;
  #closed = false;

  /**
   * Makes a driver for the daemon at `options.url`; nothing is contacted until `start()`.
   *
   * @param options the daemon's URL and token, and this client's id
   */
  constructor(options: RemoteDriverOptions = {}) {
    if (options.token !== undefined && (typeof options.token !== "string" || options.token === "")) {
      throw new TypeError(
        "new RemoteDriver({ token }): token must be the daemon's token (from its token file)",
      );
    }
    if (options.url !== undefined && options.socket !== undefined) {
      throw new TypeError("new RemoteDriver(): give socket or url, not both");
    }
    let base = "http://localhost";
    let socket: string | undefined;
    if (options.url !== undefined) {
      try {
        base = new URL(String(options.url)).href.replace(/\/$/, "");
      } catch {
        throw new TypeError(
          `new RemoteDriver({ url }): '${options.url}' is not a URL such as http://127.0.0.1:7421`,
        );
      }
    } else {
      socket = options.socket ?? findDaemonSocket();
    }
    this.#options = options;
    this.clientId = options.clientId ?? `remote-${randomId(6)}`;
    this.#http = new DaemonHttp({
      base,
      socket,
      token: options.token ?? (socket === undefined ? defaultTokenFile : undefined),
      clientId: this.clientId,
      fetch: options.fetch,
    });
    this.#view = new RemoteView({
      clientId: this.clientId,
      emit: (event) => this.#sink?.(event),
      holdDropped: () => void this.#rehold(),
    });
    this.#stream = new EventStream({
      url: `${this.#http.base}/v1/events?client=${encodeURIComponent(this.clientId)}`,
      fetch: this.#http.fetch,
      lastSeq: () => this.#view.lastSeq,
      onMessage: (message) => this.#onMessage(message),
      onReconnected: () => void this.#verifyHolds(),
      maxReconnectMs: options.maxReconnectMs,
    });
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
      await this.#http.ready();
      snap = await this.#http.snapshot();
    } catch (error) {
      this.#started = false;
      throw error;
    }
    this.#view.adopt(snap);
    this.#release();
    const snapshot = this.#view.driverSnapshot();
    // Events that arrive before start() returns are queued by the manager and applied after the snapshot.
    this.#sink = sink;
    try {
      await this.#stream.open(); // the open stream holds this client's leases
    } catch (error) {
      this.#sink = undefined;
      this.#started = false;
      throw error;
    }
    const every = this.#options.heartbeatMs ?? Math.max(250, Math.floor(this.#view.ttl / 3));
    this.#heartbeat = setInterval(() => {
      if (this.#closed) return;
      this.#heartbeatNow().catch(() => {});
    }, every);
    return snapshot;
  }

  #heartbeatNow(): Promise<Reply<HeartbeatAnswer>> {
    return this.#http.request("POST", `/v1/clients/${encodeURIComponent(this.clientId)}/heartbeat`, {});
  }

  /** Rescans at the daemon; resolves once the changes found were delivered. */
  async scan(): Promise<void> {
    const res = await this.#http.request<SeqAnswer>("POST", "/v1/scan", {});
    if (res.status !== 200) throw daemonError(res.json, res.status, "scan");
    await this.#waitSeq(res.json.seq);
  }

  /** Opens a daemon session on the access point; see the class documentation. */
  async activate(identifier: string, options: ActivateOptions = {}): Promise<void> {
    if (this.#closed) throw new DriverError("session-aborted", "this RemoteDriver is closed");
    const view = this.#view;
    if (view.held.has(identifier) && view.configs.get(identifier)?.state === "active") {
      view.wanted.add(identifier);
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
      res = await this.#http.request("POST", "/v1/sessions", {
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
        `activation of '${identifier}' failed: cannot reach the daemon at ${this.#http.where}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    }
    if (res.status !== 201) throw daemonError(res.json, res.status, `activation of '${identifier}'`);
    const session = res.json.session.id;
    if (abort.signal.aborted) {
      // Cancelled while the answer was on its way: give the lease back.
      this.#closeRemote(session, false).catch(() => {});
      throw new DriverError("session-aborted", `activation of '${identifier}' was cancelled`);
    }
    const previous = view.held.get(identifier);
    view.held.set(identifier, session);
    if (previous !== undefined && previous !== session) this.#closeRemote(previous, false).catch(() => {});
    await this.#waitSeq(res.json.seq);
    if (view.configs.get(identifier)?.state !== "active") {
      if (view.held.get(identifier) === session) view.held.delete(identifier);
      this.#closeRemote(session, false).catch(() => {});
      throw new DriverError(
        "session-aborted",
        `'${identifier}' went down again right after it was activated`,
      );
    }
    view.wanted.add(identifier);
  }

  /**
   * Takes back the holds the daemon dropped while the local core still wants them (after a daemon restart, or a
   * lease that expired while this process could not reach the daemon): joins each link that is still up
   * (`attach`, so a link that went down meanwhile is never brought up again); the local sessions stay open.
   * A link that went down reaches the core as a configuration change instead (its sessions are closed).
   */
  #rehold(): Promise<void> {
    const view = this.#view;
    this.#reholding = this.#reholding.then(async () => {
      for (const id of [...view.wanted]) {
        if (this.#closed || view.held.has(id) || view.configs.get(id)?.state !== "active") continue;
        let res: Reply<SessionAnswer>;
        try {
          res = await this.#http.request("POST", "/v1/sessions", {
            configuration: id,
            client: this.clientId,
            attach: true,
          });
        } catch {
          continue; // unreachable again: the next reconnection retries
        }
        if (res.status !== 201) continue;
        const session = res.json.session.id;
        if (view.wanted.has(id) && !view.held.has(id) && !this.#closed) view.held.set(id, session);
        else this.#closeRemote(session, false).catch(() => {}); // the core let go meanwhile
      }
    });
    return this.#reholding;
  }

  /** After the stream came back: drops the holds the daemon no longer has (expired lease), then takes them back. */
  async #verifyHolds(): Promise<void> {
    await this.#resyncing;
    const held = this.#view.held;
    if (held.size === 0 && this.#view.wanted.size === 0) return;
    let sessions: readonly string[];
    try {
      const res = await this.#heartbeatNow();
      if (res.status !== 200) return;
      sessions = res.json.sessions;
    } catch {
      return;
    }
    for (const [id, session] of [...held]) if (!sessions.includes(session)) held.delete(id);
    await this.#rehold();
  }

  /** After a cancelled activation: the daemon may still be opening a session for us; close it. */
  #giveBack(identifier: string): void {
    if (this.#view.held.has(identifier)) return;
    this.#http.request<ReleaseAnswer>(
      "DELETE",
      `/v1/sessions?configuration=${encodeURIComponent(identifier)}`,
    )
      .catch(() => {});
  }

  async #closeRemote(session: string, force: boolean): Promise<number | undefined> {
    const path = `/v1/sessions/${encodeURIComponent(session)}`;
    const res = force
      ? await this.#http.request<SessionAnswer>("POST", `${path}/stop`, {})
      : await this.#http.request<SessionAnswer>("DELETE", path);
    if (res.status === 404) return undefined; // already gone (closed by the daemon)
    if (res.status !== 200) {
      throw daemonError(
        res.json,
        res.status,
        `${force ? "stopping" : "closing"} daemon session '${session}'`,
      );
    }
    return res.json.seq;
  }

  /** Closes (or with `force`, stops) this process's daemon session on the access point. */
  async deactivate(identifier: string, options: DeactivateOptions = {}): Promise<void> {
    const view = this.#view;
    view.wanted.delete(identifier);
    const session = view.held.get(identifier);
    if (session === undefined) return;
    view.held.delete(identifier);
    let seq: number | undefined;
    try {
      seq = await this.#closeRemote(session, options.force === true);
    } catch (error) {
      if (error instanceof DriverError) throw error;
      throw new DriverError(
        "unknown",
        `deactivation of '${identifier}' failed: cannot reach the daemon at ${this.#http.where}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
    if (seq !== undefined) await this.#waitSeq(seq);
  }

  /** The counters from the daemon's latest `statistics` event, or undefined. */
  statistics(identifier: string): DriverStatistics | undefined {
    return this.#view.statistics(identifier);
  }

  /**
   * Has the daemon's driver test now how far the access point reaches
   * (`POST /v1/configurations/:id/check-reachability`); resolves once the
   * change it found, if any, was delivered locally.
   */
  async checkReachability(identifier: string): Promise<Reachability> {
    const path = `/v1/configurations/${encodeURIComponent(identifier)}/check-reachability`;
    let res: Reply<ReachabilityAnswer>;
    try {
      res = await this.#http.request("POST", path, {});
    } catch (error) {
      throw new DriverError(
        "unknown",
        `checking the reachability of '${identifier}' failed: cannot reach the daemon at ${this.#http.where}: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
    if (res.status !== 200) {
      throw daemonError(res.json, res.status, `checking the reachability of '${identifier}'`);
    }
    await this.#waitSeq(res.json.seq);
    return res.json.reachability;
  }

  /** Stops the stream and heartbeats and releases every daemon session of this client. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sink = undefined;
    clearInterval(this.#heartbeat);
    this.#stream.close();
    this.#release(true);
    await this.#http.settle();
    if (this.#started) {
      await this.#http.request("DELETE", `/v1/clients/${encodeURIComponent(this.clientId)}`).catch(() => {});
    }
    this.#http.close();
    this.#view.held.clear();
    this.#view.wanted.clear();
  }

  // ------------------------------------------------------------------ the event stream

  async #onMessage(message: StreamMessage): Promise<void> {
    switch (message.type) {
      case "hello":
        if (message.instance !== this.#view.instance) await this.#resync(); // the daemon restarted
        return;
      case "gap":
        await this.#resync();
        return;
      case "keep-alive":
        return;
    }
    if (this.#view.receive(message)) this.#release();
  }

  /** Re-reads the snapshot and reports the differences as events (after a gap or a daemon restart). */
  #resync(): Promise<void> {
    this.#resyncing ??= this.#doResync().finally(() => this.#resyncing = undefined);
    return this.#resyncing;
  }

  async #doResync(): Promise<void> {
    let snap: DaemonSnapshot;
    try {
      snap = await this.#http.snapshot();
    } catch {
      return; // the stream's reconnection will try again
    }
    if (this.#closed) return;
    const outcome = this.#view.resync(snap);
    if (outcome === "stale") return;
    this.#release();
    if (outcome === "restarted") void this.#rehold();
  }

  /** Resolves when every event up to `seq` was delivered to the sink (or after a resync). */
  #waitSeq(seq: number): Promise<void> {
    if (typeof seq !== "number" || this.#view.lastSeq >= seq || this.#closed) return Promise.resolve();
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
    for (const w of [...this.#waiters]) if (all || w.seq <= this.#view.lastSeq) w.resolve();
  }
}
