/**
 * Daemon sessions: one `NetworkSession` per client lease (one holder in the
 * core's session counter), opened, watched (their changes become events),
 * acted on and closed for the client that owns them.
 *
 * @module
 */

import type { NetworkConfiguration, NetworkConfigurationManager, NetworkNeed } from "@netsession/core";
import { DaemonError } from "./errors.ts";
import type { EventBus } from "./event_bus.ts";
import { randomId } from "./_ids.ts";
import type { ClientRegistry } from "./clients.ts";
import type { DaemonCounters } from "./metrics.ts";
import type {
  DaemonEventBody,
  ReleaseAnswer,
  RoamingMode,
  SessionAction,
  SessionAnswer,
  SessionInfo,
} from "./protocol.ts";
import type { ClientRecord, Held } from "./_records.ts";

/**
 * What {@linkcode Daemon.openSession} takes.
 *
 * @example
 * ```ts
 * import type { OpenSessionRequest } from "@netsession/server";
 * const r: OpenSessionRequest = { configuration: "home-wlan", client: "editor-4711" };
 * ```
 */
export interface OpenSessionRequest {
  /** Configuration identifier (or `need`: exactly one of the two). */
  readonly configuration?: string;
  /** A need (validated already): the session opens on `manager.configurationFor(need)`, one view per distinct need. */
  readonly need?: NetworkNeed;
  /** Client id (generated when absent). */
  readonly client?: string;
  /** How the session roams (default `"forced"`). */
  readonly roaming?: RoamingMode;
  /**
   * Only join a link that is up now, never start one: 409 `not-active` otherwise. A client uses it to take back
   * its holds after a daemon restart or an expired lease, without bringing up a link it no longer wants.
   */
  readonly attach?: boolean;
  /** Aborts the opening (the HTTP request went away): the session is closed. */
  readonly signal?: AbortSignal;
}

/** What a {@linkcode SessionTable} works with. */
export interface SessionTableContext {
  readonly manager: NetworkConfigurationManager;
  readonly bus: EventBus<DaemonEventBody>;
  readonly clients: ClientRegistry;
  readonly counters: DaemonCounters;
  readonly maxSessionsPerClient: number;
  /** Throws 503 while the daemon shuts down. */
  readonly assertOpen: () => void;
}

/** Session properties every daemon session shows. */
const READ_PROPERTIES = [
  "ActiveConfiguration",
  "UserChoiceConfiguration",
  "ConnectInBackground",
  "AutoCloseSessionTimeout",
] as const;

/** The daemon sessions, by id. */
export class SessionTable {
  #sessions = new Map<string, Held>();
  /** The need views by the need's canonical JSON: equal needs share one view (the core keeps every view). */
  #needViews = new Map<string, NetworkConfiguration>();
  #next = 1;
  #x: SessionTableContext;

  constructor(context: SessionTableContext) {
    this.#x = context;
  }

  /** Every daemon session. */
  all(): Held[] {
    return [...this.#sessions.values()];
  }

  /** Sessions currently open. */
  openCount(): number {
    return this.all().filter((h) => h.session.isOpen).length;
  }

  /** Unfinished sessions opened on `configuration`. */
  countOn(configuration: string): number {
    let n = 0;
    for (const h of this.#sessions.values()) if (h.configuration === configuration && !h.finished) n++;
    return n;
  }

  /** Unfinished sessions by the configuration they were opened on (one pass, for a whole list). */
  countsByConfiguration(): Map<string, number> {
    const out = new Map<string, number>();
    for (const h of this.#sessions.values()) {
      if (!h.finished) out.set(h.configuration, (out.get(h.configuration) ?? 0) + 1);
    }
    return out;
  }

  /** Every daemon session as JSON (optionally of one client). */
  list(client?: string): SessionInfo[] {
    const out: SessionInfo[] = [];
    for (const h of this.#sessions.values()) {
      if (client === undefined || h.client.id === client) out.push(info(h));
    }
    return out;
  }

  /** One daemon session as JSON (404 when unknown). */
  info(id: string): SessionInfo {
    return info(this.#held(id));
  }

  /** The session properties of a daemon session (the well-known ones plus those set through the daemon). */
  properties(id: string): Record<string, unknown> {
    const h = this.#held(id);
    const out: Record<string, unknown> = {};
    for (const k of READ_PROPERTIES) out[k] = h.session.sessionProperty(k) ?? null;
    for (const k of h.properties) out[k] = h.session.sessionProperty(k) ?? null;
    return out;
  }

  #held(id: string): Held {
    const h = this.#sessions.get(id);
    if (!h) {
      throw new DaemonError(
        404,
        "not-found",
        `no session '${id}'; GET /v1/sessions lists the open ones`,
        "id",
      );
    }
    return h;
  }

  /** The session `id` of `client`, touching its lease (404 unknown, 403 another client's). */
  #owned(client: string, id: string): Held {
    const h = this.#held(id);
    if (h.client.id !== client) {
      throw new DaemonError(
        403,
        "forbidden",
        `session '${id}' belongs to another client; a client can act only on its own sessions`,
        "client",
      );
    }
    this.#x.clients.touch(h.client);
    return h;
  }

  /** The client a new session is for (429 beyond its session limit). */
  #clientFor(request: OpenSessionRequest): ClientRecord {
    const c = this.#x.clients.get(request.client ?? `anonymous-${randomId()}`);
    const max = this.#x.maxSessionsPerClient;
    if (c.sessions.size >= max) {
      throw new DaemonError(
        429,
        "too-many-requests",
        `client '${c.id}' holds ${c.sessions.size} sessions already (at most ${max}); close some first`,
        "client",
      );
    }
    return c;
  }

  /**
   * Creates a daemon session for the client and opens it. Resolves when it is
   * open; rejects with a {@linkcode DaemonError} (404 unknown configuration,
   * 409 with the session error code when opening failed).
   */
  async open(request: OpenSessionRequest): Promise<SessionAnswer> {
    this.#x.assertOpen();
    const configuration = request.need
      ? this.#needView(request.need)
      : this.#x.manager.configurationFromIdentifier(request.configuration ?? "");
    if (!configuration.isValid) {
      throw new DaemonError(
        404,
        "invalid-configuration",
        `no configuration '${request.configuration}'; GET /v1/configurations lists them`,
        "configuration",
      );
    }
    if (request.attach && configuration.state !== "active") {
      throw new DaemonError(
        409,
        "not-active",
        `'${configuration.identifier}' is ${configuration.state}, not active: attach joins only a link that is up`,
        request.need ? "need" : "configuration",
      );
    }
    const c = this.#clientFor(request);
    this.#x.clients.touch(c);
    const session = this.#x.manager.createSession(configuration);
    const done = Promise.withResolvers<void>();
    const h: Held = {
      id: `s-${this.#next++}`,
      client: c,
      session,
      configuration: configuration.identifier,
      need: request.need,
      roaming: request.roaming ?? "forced",
      subscriptions: [],
      properties: new Set(),
      started: false,
      finished: false,
      lastAccessPoint: "",
      done: done.promise,
      resolveDone: done.resolve,
    };
    this.#sessions.set(h.id, h);
    c.sessions.set(h.id, h);
    this.#watch(h);
    const onAbort = () => this.closeHeld(h);
    request.signal?.addEventListener("abort", onAbort, { once: true });
    let opened: boolean;
    // A close() while open() still waits for a user choice or a need's match gives the open up in the core
    // (false, session-aborted): nothing comes up for it later.
    try {
      opened = await session.open();
    } finally {
      h.started = true;
      request.signal?.removeEventListener("abort", onAbort);
    }
    if (opened && request.signal?.aborted) {
      this.closeHeld(h);
      opened = false;
    }
    if (!opened || h.finished) {
      this.#x.counters.sessionsFailed++;
      const code = session.error ?? "session-aborted";
      const message = session.errorString || `session on '${h.configuration}' was closed while it opened`;
      this.#finish(h);
      throw new DaemonError(409, code, message, h.need ? "need" : "configuration");
    }
    this.#x.counters.sessionsOpened++;
    return { session: info(h), seq: this.#x.bus.seq };
  }

  /** The manager's live view of `need`, shared by the sessions on an equal need. */
  #needView(need: NetworkNeed): NetworkConfiguration {
    const { bearers, notMetered, reachability, minSignal, timeoutMs, name } = need;
    const key = JSON.stringify([bearers, notMetered, reachability, minSignal, timeoutMs, name]);
    let view = this.#needViews.get(key);
    if (!view) this.#needViews.set(key, view = this.#x.manager.configurationFor(need));
    return view;
  }

  /** Turns the session's changes into events. */
  #watch(h: Held): void {
    const s = h.session;
    const bus = this.#x.bus;
    const base = () => ({ session: h.id, client: h.client.id, configuration: h.configuration });
    const activeConfiguration = () => String(s.sessionProperty("ActiveConfiguration") ?? "");
    h.subscriptions.push(
      s.on("stateChanged", (state) => {
        bus.publish({ type: "session-state", ...base(), state });
        if (state === "roaming") bus.publish({ type: "roaming", ...base(), kind: "started" });
        this.#noteAccessPoint(h);
        this.#check(h);
      }),
      s.on("opened", () => {
        h.lastAccessPoint = activeConfiguration();
        bus.publish({ type: "session-opened", ...base(), activeConfiguration: h.lastAccessPoint });
      }),
      s.on("error", (error) => {
        const errors = this.#x.counters.errors;
        errors.set(error, (errors.get(error) ?? 0) + 1);
        bus.publish({ type: "session-error", ...base(), error, errorString: s.errorString });
      }),
      s.on("closed", () => {
        this.#check(h);
      }),
      s.on("newConfigurationActivated", () => {
        bus.publish({ type: "roaming", ...base(), kind: "activated", to: activeConfiguration() });
        this.#noteAccessPoint(h);
      }),
      s.on("usagePoliciesChanged", (policies) => {
        bus.publish({ type: "session-usage-policies", ...base(), policies });
      }),
      s.on("losing", (e) => {
        bus.publish({
          type: "session-losing",
          ...base(),
          activeConfiguration: activeConfiguration(),
          msToLive: e.msToLive,
        });
      }),
      s.on("dataBudget", (e) => {
        const { identifier, used, bytes, exhausted } = e;
        bus.publish({ type: "session-data-budget", ...base(), identifier, used, bytes, exhausted });
      }),
      s.on("reachabilityChanged", (e) => {
        bus.publish({
          type: "session-reachability",
          ...base(),
          reachability: e.reachability,
          behindCaptivePortal: e.behindCaptivePortal,
        });
      }),
    );
    if (h.roaming === "application") {
      h.subscriptions.push(
        s.on("preferredConfigurationChanged", (e) => {
          bus.publish({
            type: "roaming",
            ...base(),
            kind: "preferred",
            to: e.configuration.identifier,
            isSeamless: e.isSeamless,
          });
        }),
      );
    }
  }

  /** Counts and announces a move to another access point. */
  #noteAccessPoint(h: Held): void {
    const s = h.session;
    if (!s.isOpen) return;
    const now = String(s.sessionProperty("ActiveConfiguration") ?? "");
    if (h.lastAccessPoint !== "" && now !== "" && now !== h.lastAccessPoint) {
      this.#x.counters.roams++;
      this.#x.bus.publish({
        type: "roaming",
        session: h.id,
        client: h.client.id,
        configuration: h.configuration,
        kind: "moved",
        from: h.lastAccessPoint,
        to: now,
      });
    }
    if (now !== "") h.lastAccessPoint = now;
  }

  /** Finishes a record once its session is back to idle. */
  #check(h: Held): void {
    if (h.started && h.session.phase === "idle") this.#finish(h);
  }

  #finish(h: Held): void {
    if (h.finished) return;
    h.finished = true;
    this.#sessions.delete(h.id);
    h.client.sessions.delete(h.id);
    for (const sub of h.subscriptions) sub.unsubscribe();
    const s = h.session;
    this.#x.bus.publish({
      type: "session-closed",
      session: h.id,
      client: h.client.id,
      configuration: h.configuration,
      state: s.state,
      error: s.error ?? null,
      errorString: s.errorString,
    });
    s[Symbol.dispose]();
    h.resolveDone();
  }

  /** Closes a session (it finishes once idle). */
  closeHeld(h: Held): void {
    if (h.finished) return;
    h.session.close();
    this.#check(h);
  }

  /** Closes `held`; resolves when they are closed. */
  async #closeAll(held: Held[]): Promise<ReleaseAnswer & { sessions: string[] }> {
    for (const h of held) this.closeHeld(h);
    await Promise.all(held.map((h) => h.done));
    return { sessions: held.map((h) => h.id), seq: this.#x.bus.seq };
  }

  /** Closes a client's session; resolves when it is closed (the link down if it was the last holder). */
  async close(client: string, id: string): Promise<SessionAnswer> {
    const h = this.#owned(client, id);
    this.closeHeld(h);
    await h.done;
    return { session: info(h), seq: this.#x.bus.seq };
  }

  /** Closes every session of `client` on `configuration`, opening ones included. */
  closeOn(client: string, configuration: string): Promise<ReleaseAnswer & { sessions: string[] }> {
    const c = this.#x.clients.find(client);
    if (!c) return Promise.resolve({ sessions: [], seq: this.#x.bus.seq });
    this.#x.clients.touch(c);
    return this.#closeAll([...c.sessions.values()].filter((h) => h.configuration === configuration));
  }

  /** Closes every session of a client and forgets it. */
  release(client: string): Promise<ReleaseAnswer & { sessions: string[] }> {
    const c = this.#x.clients.find(client);
    if (!c) return Promise.resolve({ sessions: [], seq: this.#x.bus.seq });
    const held = [...c.sessions.values()];
    this.#x.clients.forget(c);
    return this.#closeAll(held);
  }

  /** Closes the sessions `ids` of an expired client. */
  expire(c: ClientRecord, ids: readonly string[]): void {
    for (const id of ids) this.closeHeld(c.sessions.get(id)!);
  }

  /** Closes every session (shutdown); resolves when they are all closed. */
  closeEverything(): Promise<unknown> {
    const held = this.all();
    for (const h of held) this.closeHeld(h);
    return Promise.all(held.map((h) => h.done));
  }

  /** `stop()`s a client's session: the link goes down whoever holds it. Resolves when closed. */
  async stop(client: string, id: string): Promise<SessionAnswer> {
    const h = this.#owned(client, id);
    h.session.stop();
    this.#check(h);
    await h.done;
    return { session: info(h), seq: this.#x.bus.seq };
  }

  /** migrate / ignore / accept / reject on a client's session (roaming). */
  action(client: string, id: string, action: SessionAction): SessionInfo {
    const h = this.#owned(client, id);
    h.session[action]();
    return info(h);
  }

  /** Sets session properties (`null` removes one); 400 naming the key when the session refuses a value. */
  setProperties(client: string, id: string, properties: Record<string, unknown>): Record<string, unknown> {
    const h = this.#owned(client, id);
    for (const [key, value] of Object.entries(properties)) {
      try {
        h.session.setSessionProperty(key, value === null ? undefined : value);
      } catch (error) {
        throw new DaemonError(400, "bad-request", (error as Error).message, key);
      }
      if (!(READ_PROPERTIES as readonly string[]).includes(key)) {
        if (value === null) h.properties.delete(key);
        else h.properties.add(key);
      }
    }
    return this.properties(id);
  }
}

function info(h: Held): SessionInfo {
  const s = h.session;
  return {
    id: h.id,
    client: h.client.id,
    configuration: h.configuration,
    need: h.need ?? null,
    state: s.state,
    isOpen: s.isOpen,
    error: s.error ?? null,
    errorString: s.errorString,
    interface: s.interface ?? null,
    bytesReceived: s.bytesReceived,
    bytesWritten: s.bytesWritten,
    bytesReceivedSinceOpen: s.bytesReceivedSinceOpen,
    bytesWrittenSinceOpen: s.bytesWrittenSinceOpen,
    activeTime: s.activeTime,
    usagePolicies: s.usagePolicies,
    ActiveConfiguration: String(s.sessionProperty("ActiveConfiguration") ?? ""),
    roaming: h.roaming,
    reachability: s.reachability,
    behindCaptivePortal: s.behindCaptivePortal,
  };
}
