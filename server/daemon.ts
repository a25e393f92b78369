/**
 * {@linkcode Daemon}: one driver, one `NetworkConfigurationManager`, the
 * system-wide session counter shared by many client processes, leases per
 * client, and the event bus. Transport-free: `app.ts` puts HTTP on it.
 *
 * @module
 */

import {
  type Capability,
  type Clock,
  type DriverConfiguration,
  type DriverEvent,
  type DriverEventSink,
  type DriverSnapshot,
  NetworkConfigurationManager,
  type NetworkDriver,
  type NetworkInterface,
  type NetworkSession,
  type SessionError,
  type SessionState,
  type Subscription,
  systemClock,
  type UsagePolicy,
} from "@netsession/core";
import type { SimPlayResult, SimScenario, SimWorld } from "@netsession/sim";
import { DaemonError } from "./errors.ts";
import { EventBus, type Subscriber } from "./event_bus.ts";

/** Default lease time-to-live of a client without an open event stream, in milliseconds. */
export const DEFAULT_LEASE_TTL_MS = 10_000;

/**
 * Options of {@linkcode Daemon.create}.
 *
 * @example
 * ```ts
 * import { Daemon, type DaemonOptions } from "@netsession/server";
 * import { SimDriver, SimWorld } from "@netsession/sim";
 * const world = new SimWorld();
 * const options: DaemonOptions = { driver: new SimDriver(world), world, managerClock: world.clock };
 * const daemon = await Daemon.create(options);
 * await daemon.close();
 * ```
 */
export interface DaemonOptions {
  /** The driver the daemon owns (it is started and closed by the daemon). */
  readonly driver: NetworkDriver;
  /** The simulated world behind a sim driver: enables the `/v1/world` controls and `advance()`. */
  readonly world?: SimWorld;
  /** Clock of the manager, statistics and time-outs (the sim's virtual clock for a sim). Default: real time. */
  readonly managerClock?: Clock;
  /** Clock of client leases (TTL). Default: real time; tests inject a virtual one. */
  readonly leaseClock?: Clock;
  /** How long a client without an open event stream keeps its sessions after its last heartbeat (ms, default 10000). */
  readonly leaseTtlMs?: number;
  /** Events kept for `Last-Event-ID` resumption (default 1024). */
  readonly bufferSize?: number;
  /** Events a subscriber may have waiting before it gets a `gap` (default 256). */
  readonly queueLimit?: number;
  /** Event streams one client may hold open (default 8). */
  readonly maxStreamsPerClient?: number;
  /** Event streams in total (default 4096). */
  readonly maxStreams?: number;
  /** Sessions one client may hold (default 64). */
  readonly maxSessionsPerClient?: number;
  /** Clients the daemon tracks at most (default 1024). */
  readonly maxClients?: number;
  /** Interval of `statistics` events on the manager clock, ms (default 1000; 0 = never). */
  readonly statisticsIntervalMs?: number;
}

/**
 * How a daemon session roams on a service network: the daemon decides
 * (`"forced"`) or the client decides with migrate/ignore/accept/reject (`"application"`).
 *
 * @example
 * ```ts
 * import type { RoamingMode } from "@netsession/server";
 * const mode: RoamingMode = "application";
 * ```
 */
export type RoamingMode = "forced" | "application";

/**
 * A daemon session as JSON (`GET /v1/sessions/:id`).
 *
 * @example
 * ```ts
 * import type { SessionInfo } from "@netsession/server";
 * const show = (s: SessionInfo) => `${s.id} of ${s.client} on ${s.configuration}: ${s.state}`;
 * ```
 */
export interface SessionInfo {
  /** Daemon session id (`s-1`, `s-2`, …). */
  readonly id: string;
  /** The client that owns it. */
  readonly client: string;
  /** The configuration it was opened on. */
  readonly configuration: string;
  /** Session state. */
  readonly state: SessionState;
  /** Whether it is open. */
  readonly isOpen: boolean;
  /** The last error, or null. */
  readonly error: SessionError | null;
  /** Description of the last error (`""` if none). */
  readonly errorString: string;
  /** The interface while connected, or null. */
  readonly interface: NetworkInterface | null;
  /** Bytes received on the interface(s) in use. */
  readonly bytesReceived: number;
  /** Bytes sent on the interface(s) in use. */
  readonly bytesWritten: number;
  /** Seconds since it opened. */
  readonly activeTime: number;
  /** Usage policies in force for it. */
  readonly usagePolicies: readonly UsagePolicy[];
  /** The access point in use (`""` when not open). */
  readonly ActiveConfiguration: string;
  /** How it roams. */
  readonly roaming: RoamingMode;
}

/**
 * The daemon's snapshot for `RemoteDriver` (`GET /v1/driver/snapshot`): the
 * driver's snapshot now, with the sequence number of the last event it includes.
 *
 * @example
 * ```ts
 * import type { DaemonSnapshot } from "@netsession/server";
 * const ids = (s: DaemonSnapshot) => s.configurations.map((c) => c.identifier);
 * ```
 */
export interface DaemonSnapshot extends DriverSnapshot {
  /** Sequence number of the last event reflected in this snapshot. */
  readonly seq: number;
  /** Identifies this daemon run; a different value after a restart. */
  readonly instance: string;
  /** The lease time-to-live in milliseconds: heartbeat more often than that. */
  readonly leaseTtlMs: number;
  /** Byte counters of active access points (with `data-statistics`). */
  readonly statistics: Readonly<Record<string, { bytesReceived: number; bytesWritten: number }>>;
}

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
  /** Configuration identifier. */
  readonly configuration: string;
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

/**
 * Counters behind `/metrics`.
 *
 * @example
 * ```ts
 * import type { DaemonCounters } from "@netsession/server";
 * const failures = (c: DaemonCounters) => c.sessionsFailed;
 * ```
 */
export interface DaemonCounters {
  /** Daemon sessions opened. */
  sessionsOpened: number;
  /** Daemon sessions that failed to open. */
  sessionsFailed: number;
  /** Sessions moved to another access point. */
  roams: number;
  /** Clients whose leases expired with sessions. */
  clientsExpired: number;
  /** Session errors by code. */
  readonly errors: Map<string, number>;
}

/**
 * Actions of `POST /v1/sessions/:id/<action>` other than stop.
 *
 * @example
 * ```ts
 * import type { SessionAction } from "@netsession/server";
 * const a: SessionAction = "accept";
 * ```
 */
export type SessionAction = "migrate" | "ignore" | "accept" | "reject";

interface ScenarioRun {
  left: number;
  failed: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
  promise: Promise<void>;
}

interface ClientRecord {
  readonly id: string;
  readonly sessions: Map<string, Held>;
  streams: number;
  ttlMs: number;
  timer: unknown;
  lastSeen: number;
}

interface Held {
  readonly id: string;
  readonly client: ClientRecord;
  readonly session: NetworkSession;
  readonly configuration: string;
  readonly roaming: RoamingMode;
  readonly subscriptions: Subscription[];
  readonly properties: Set<string>;
  started: boolean;
  finished: boolean;
  lastAccessPoint: string;
  readonly done: Promise<void>;
  resolveDone: () => void;
}

const READ_PROPERTIES = [
  "ActiveConfiguration",
  "UserChoiceConfiguration",
  "ConnectInBackground",
  "AutoCloseSessionTimeout",
] as const;

function randomId(bytes = 6): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * The daemon: owns a driver and a manager, opens one daemon-side
 * `NetworkSession` per remote lease (so the core's session counter counts every
 * process), expires clients that vanish, and publishes typed events.
 *
 * @example Two clients share a link
 * ```ts
 * import { Daemon } from "@netsession/server";
 * import { SimDriver, SimWorld } from "@netsession/sim";
 *
 * const world = new SimWorld();
 * world.addAccessPoint({ id: "wlan", activationMs: 100 });
 * const daemon = await Daemon.create({ driver: new SimDriver(world), world, managerClock: world.clock });
 * const a = daemon.openSession({ configuration: "wlan", client: "a" });
 * const b = daemon.openSession({ configuration: "wlan", client: "b" });
 * await daemon.advance(100);
 * const [sa] = await Promise.all([a, b]);
 * const closing = daemon.closeSession("a", sa.session.id);
 * await daemon.advance(100);
 * await closing;
 * console.log(world.isUp("wlan")); // true: b still holds it
 * await daemon.close();
 * ```
 */
export class Daemon {
  /** The manager on the daemon's driver. */
  readonly manager: NetworkConfigurationManager;
  /** The event bus. */
  readonly bus: EventBus;
  /** The simulated world, when the driver is the simulator. */
  readonly world: SimWorld | undefined;
  /** Identifies this daemon run. */
  readonly instance: string = randomId(8);
  /** Name of the driver (`"sim"`, `"networkmanager"`). */
  readonly driverName: string;

  #driver: NetworkDriver;
  #options: DaemonOptions;
  #leaseClock: Clock;
  #managerClock: Clock;
  #ttl: number;
  #clients = new Map<string, ClientRecord>();
  #sessions = new Map<string, Held>();
  #nextSession = 1;
  #default: string | undefined;
  #stats = new Map<string, { bytesReceived: number; bytesWritten: number; rxRate: number; txRate: number }>();
  #statsTimer: unknown;
  #advancing: Promise<void> = Promise.resolve();
  #realtime: ReturnType<typeof setInterval> | undefined;
  #steps: { due: number; step: Record<string, unknown>; run: ScenarioRun }[] = [];
  #closed = false;
  #closing: Promise<void> | undefined;
  #subscriptions: Subscription[] = [];
  /** Counters for `/metrics`. */
  readonly counters: DaemonCounters = {
    sessionsOpened: 0,
    sessionsFailed: 0,
    roams: 0,
    clientsExpired: 0,
    errors: new Map<string, number>(),
  };

  private constructor(
    options: DaemonOptions,
    driver: NetworkDriver,
    manager: NetworkConfigurationManager,
    bus: EventBus,
    initialDefault: string | undefined,
  ) {
    this.#options = options;
    this.#driver = driver;
    this.manager = manager;
    this.bus = bus;
    this.world = options.world;
    this.driverName = driver.name;
    this.#default = initialDefault;
    this.#leaseClock = options.leaseClock ?? systemClock;
    this.#managerClock = options.managerClock ?? systemClock;
    this.#ttl = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  /** Starts the driver and the manager; returns a running daemon. */
  static async create(options: DaemonOptions): Promise<Daemon> {
    const bus = new EventBus({ bufferSize: options.bufferSize, queueLimit: options.queueLimit });
    const ref: { daemon?: Daemon } = {};
    const early: DriverEvent[] = [];
    // The daemon publishes what the driver reports, in order, before the manager reacts to it.
    const tap = (event: DriverEvent) => {
      if (ref.daemon) ref.daemon.#onDriverEvent(event);
      else early.push(event);
    };
    const inner = options.driver;
    const tapped: NetworkDriver = {
      name: inner.name,
      start: (sink: DriverEventSink) =>
        inner.start((event) => {
          tap(event);
          sink(event);
        }),
      scan: () => inner.scan(),
      activate: (id, o) => inner.activate(id, o),
      deactivate: (id, o) => inner.deactivate(id, o),
      statistics: (id) => inner.statistics(id),
      close: () => inner.close(),
    };
    let initialDefault: string | undefined;
    const startTapped = tapped.start;
    tapped.start = async (sink) => {
      const snap = await startTapped(sink);
      initialDefault = snap.defaultConfiguration;
      return snap;
    };
    const manager = await NetworkConfigurationManager.create(tapped, { clock: options.managerClock });
    const daemon = ref.daemon = new Daemon(options, inner, manager, bus, initialDefault);
    for (const e of early) daemon.#onDriverEvent(e);
    daemon.#subscriptions.push(
      manager.on("onlineStateChanged", (online) => bus.publish({ type: "online-changed", online })),
    );
    daemon.#scheduleStatistics();
    return daemon;
  }

  // ------------------------------------------------------------------ reading

  /** The lease time-to-live in milliseconds. */
  get leaseTtlMs(): number {
    return this.#ttl;
  }

  /** Whether {@linkcode Daemon.close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** What the platform supports, plus `system-session-support` (the daemon's counter is system-wide). */
  capabilities(): Capability[] {
    const caps = new Set<Capability>(this.manager.capabilities());
    caps.add("system-session-support");
    return [...caps];
  }

  /** The identifier of the platform's default configuration, if it has one. */
  get platformDefault(): string | undefined {
    return this.#default;
  }

  /** The driver snapshot as it is now (see {@linkcode DaemonSnapshot}). */
  snapshot(): DaemonSnapshot {
    const configurations: DriverConfiguration[] = [];
    for (const c of this.manager.allConfigurations()) if (c.data) configurations.push(c.data);
    const statistics: Record<string, { bytesReceived: number; bytesWritten: number }> = {};
    for (const [id, s] of this.#currentStatistics()) statistics[id] = s;
    return {
      seq: this.bus.seq,
      instance: this.instance,
      leaseTtlMs: this.#ttl,
      configurations,
      capabilities: this.capabilities(),
      usagePolicies: [...this.manager.usagePolicies()],
      ...(this.#default === undefined ? {} : { defaultConfiguration: this.#default }),
      statistics,
    };
  }

  /** A configuration as JSON (the core's view plus signal, interface, holds and counters), or undefined. */
  configurationInfo(identifier: string): Record<string, unknown> | undefined {
    const c = this.manager.configurationFromIdentifier(identifier);
    if (!c.isValid) return undefined;
    const data = c.data!;
    const stats = this.#stats.get(identifier);
    return {
      ...c.toJSON(),
      signal: data.signal ?? null,
      interface: data.interface ?? null,
      seamless: data.seamless ?? false,
      holds: this.manager.holdCount(identifier),
      sessions: [...this.#sessions.values()].filter((h) => h.configuration === identifier && !h.finished)
        .length,
      bytesReceived: stats?.bytesReceived ?? 0,
      bytesWritten: stats?.bytesWritten ?? 0,
      rxRate: stats?.rxRate ?? 0,
      txRate: stats?.txRate ?? 0,
      isDefault: this.manager.defaultConfiguration().identifier === identifier,
    };
  }

  /** Every daemon session as JSON (optionally of one client). */
  sessions(client?: string): SessionInfo[] {
    const out: SessionInfo[] = [];
    for (const h of this.#sessions.values()) {
      if (client === undefined || h.client.id === client) out.push(info(h));
    }
    return out;
  }

  /** One daemon session as JSON; throws a 404 {@linkcode DaemonError} when unknown. */
  session(id: string): SessionInfo {
    return info(this.#held(id));
  }

  /** Clients and what they hold. */
  clients(): { id: string; sessions: string[]; streams: number; ttlMs: number; expiresIn: number | null }[] {
    const now = this.#leaseClock.now();
    return [...this.#clients.values()].map((c) => ({
      id: c.id,
      sessions: [...c.sessions.keys()],
      streams: c.streams,
      ttlMs: c.ttlMs,
      expiresIn: c.streams > 0 ? null : Math.max(0, c.lastSeen + c.ttlMs - now),
    }));
  }

  /** The session properties of a daemon session (the well-known ones plus those set through the daemon). */
  properties(id: string): Record<string, unknown> {
    const h = this.#held(id);
    const out: Record<string, unknown> = {};
    for (const k of READ_PROPERTIES) out[k] = h.session.sessionProperty(k) ?? null;
    for (const k of h.properties) out[k] = h.session.sessionProperty(k) ?? null;
    return out;
  }

  // ------------------------------------------------------------------ clients and leases

  #client(id: string): ClientRecord {
    let c = this.#clients.get(id);
    if (!c) {
      if (this.#clients.size >= (this.#options.maxClients ?? 1024)) this.#gcClients();
      if (this.#clients.size >= (this.#options.maxClients ?? 1024)) {
        throw new DaemonError(
          429,
          "too-many-requests",
          `the daemon tracks ${this.#clients.size} clients already; close some (DELETE /v1/clients/:id)`,
          "client",
        );
      }
      c = { id, sessions: new Map(), streams: 0, ttlMs: this.#ttl, timer: undefined, lastSeen: 0 };
      this.#clients.set(id, c);
    }
    return c;
  }

  #gcClients(): void {
    for (const c of [...this.#clients.values()]) {
      if (c.sessions.size === 0 && c.streams === 0) this.#forget(c);
    }
  }

  #forget(c: ClientRecord): void {
    this.#leaseClock.clearTimeout(c.timer);
    c.timer = undefined;
    if (this.#clients.get(c.id) === c) this.#clients.delete(c.id);
  }

  /** (Re)arms the expiry of a client without streams. */
  #touch(c: ClientRecord): void {
    c.lastSeen = this.#leaseClock.now();
    this.#leaseClock.clearTimeout(c.timer);
    c.timer = undefined;
    if (c.streams > 0 || this.#closed) return;
    c.timer = this.#leaseClock.setTimeout(() => this.#expire(c), c.ttlMs);
  }

  #expire(c: ClientRecord): void {
    c.timer = undefined;
    if (c.streams > 0 || this.#clients.get(c.id) !== c) return;
    const sessions = [...c.sessions.keys()];
    this.#forget(c);
    if (sessions.length > 0) {
      this.counters.clientsExpired++;
      this.bus.publish({ type: "client-expired", client: c.id, sessions });
    }
    for (const id of sessions) this.#closeHeld(c.sessions.get(id)!);
  }

  /**
   * Keeps a client's leases alive for another TTL (optionally a different one,
   * 1 s .. 1 h). Creates the client if it is new. Returns the TTL in force.
   */
  heartbeat(client: string, ttlMs?: number): { client: string; ttlMs: number; sessions: string[] } {
    this.#assertOpen();
    const c = this.#client(client);
    if (ttlMs !== undefined) c.ttlMs = ttlMs;
    this.#touch(c);
    return { client: c.id, ttlMs: c.ttlMs, sessions: [...c.sessions.keys()] };
  }

  /** Closes every session of a client and forgets it. Resolves when they are closed. */
  async releaseClient(client: string): Promise<{ sessions: string[]; seq: number }> {
    const c = this.#clients.get(client);
    if (!c) return { sessions: [], seq: this.bus.seq };
    const held = [...c.sessions.values()];
    this.#forget(c);
    for (const h of held) this.#closeHeld(h);
    await Promise.all(held.map((h) => h.done));
    return { sessions: held.map((h) => h.id), seq: this.bus.seq };
  }

  /**
   * Subscribes to events. With `client`, the open subscription holds that
   * client's leases (no heartbeat needed); when it ends the TTL starts.
   * Throws 429 beyond the per-client or global stream limits.
   */
  subscribe(options: { client?: string; since?: number } = {}): Subscriber {
    this.#assertOpen();
    if (this.bus.subscriberCount >= (this.#options.maxStreams ?? 4096)) {
      throw new DaemonError(
        429,
        "too-many-requests",
        `the daemon serves ${this.bus.subscriberCount} event streams already; close one and retry`,
      );
    }
    let c: ClientRecord | undefined;
    if (options.client !== undefined) {
      c = this.#client(options.client);
      const max = this.#options.maxStreamsPerClient ?? 8;
      if (c.streams >= max) {
        throw new DaemonError(
          429,
          "too-many-requests",
          `client '${c.id}' has ${c.streams} event streams open already (at most ${max}); close one and retry`,
          "client",
        );
      }
    }
    const hello = JSON.stringify({
      type: "hello",
      instance: this.instance,
      seq: this.bus.seq,
      driver: this.driverName,
      leaseTtlMs: this.#ttl,
      ...(c ? { client: c.id } : {}),
    });
    const sub = this.bus.subscribe({ since: options.since, greeting: hello });
    if (c) {
      const client = c;
      client.streams++;
      this.#touch(client);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        client.streams--;
        if (this.#clients.get(client.id) === client) this.#touch(client);
      };
      const close = sub.close.bind(sub);
      sub.close = () => {
        close();
        release();
      };
    }
    return sub;
  }

  // ------------------------------------------------------------------ sessions

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
    return h;
  }

  /**
   * Creates a daemon session for `client` and opens it. Resolves when it is
   * open; rejects with a {@linkcode DaemonError} (404 unknown configuration,
   * 409 with the session error code when opening failed).
   */
  async openSession(request: OpenSessionRequest): Promise<{ session: SessionInfo; seq: number }> {
    this.#assertOpen();
    const configuration = this.manager.configurationFromIdentifier(request.configuration);
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
        `'${request.configuration}' is ${configuration.state}, not active: attach joins only a link that is up`,
        "configuration",
      );
    }
    const c = this.#client(request.client ?? `anonymous-${randomId()}`);
    const max = this.#options.maxSessionsPerClient ?? 64;
    if (c.sessions.size >= max) {
      throw new DaemonError(
        429,
        "too-many-requests",
        `client '${c.id}' holds ${c.sessions.size} sessions already (at most ${max}); close some first`,
        "client",
      );
    }
    this.#touch(c);
    const session = this.manager.createSession(configuration);
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => resolveDone = r);
    const h: Held = {
      id: `s-${this.#nextSession++}`,
      client: c,
      session,
      configuration: configuration.identifier,
      roaming: request.roaming ?? "forced",
      subscriptions: [],
      properties: new Set(),
      started: false,
      finished: false,
      lastAccessPoint: "",
      done,
      resolveDone,
    };
    this.#sessions.set(h.id, h);
    c.sessions.set(h.id, h);
    this.#watch(h);
    const onAbort = () => this.#closeHeld(h);
    request.signal?.addEventListener("abort", onAbort, { once: true });
    h.started = true;
    let opened: boolean;
    try {
      opened = await session.open();
    } finally {
      request.signal?.removeEventListener("abort", onAbort);
    }
    if (opened && request.signal?.aborted) {
      this.#closeHeld(h);
      opened = false;
    }
    if (!opened || h.finished) {
      this.counters.sessionsFailed++;
      const code = session.error ?? "session-aborted";
      const message = session.errorString || `session on '${h.configuration}' was closed while it opened`;
      this.#finish(h);
      throw new DaemonError(409, code, message, "configuration");
    }
    this.counters.sessionsOpened++;
    return { session: info(h), seq: this.bus.seq };
  }

  #watch(h: Held): void {
    const s = h.session;
    const base = () => ({ session: h.id, client: h.client.id, configuration: h.configuration });
    h.subscriptions.push(
      s.on("stateChanged", (state) => {
        this.bus.publish({ type: "session-state", ...base(), state });
        if (state === "roaming") this.bus.publish({ type: "roaming", ...base(), kind: "started" });
        this.#noteAccessPoint(h);
        this.#check(h);
      }),
      s.on("opened", () => {
        h.lastAccessPoint = String(s.sessionProperty("ActiveConfiguration") ?? "");
        this.bus.publish({ type: "session-opened", ...base(), activeConfiguration: h.lastAccessPoint });
      }),
      s.on("error", (error) => {
        this.counters.errors.set(error, (this.counters.errors.get(error) ?? 0) + 1);
        this.bus.publish({ type: "session-error", ...base(), error, errorString: s.errorString });
      }),
      s.on("closed", () => {
        this.#check(h);
      }),
      s.on("newConfigurationActivated", () => {
        this.bus.publish({
          type: "roaming",
          ...base(),
          kind: "activated",
          to: String(s.sessionProperty("ActiveConfiguration") ?? ""),
        });
        this.#noteAccessPoint(h);
      }),
      s.on("usagePoliciesChanged", (policies) => {
        this.bus.publish({ type: "session-usage-policies", ...base(), policies });
      }),
    );
    if (h.roaming === "application") {
      h.subscriptions.push(
        s.on("preferredConfigurationChanged", (e) => {
          this.bus.publish({
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

  #noteAccessPoint(h: Held): void {
    const s = h.session;
    if (!s.isOpen) return;
    const now = String(s.sessionProperty("ActiveConfiguration") ?? "");
    if (h.lastAccessPoint !== "" && now !== "" && now !== h.lastAccessPoint) {
      this.counters.roams++;
      this.bus.publish({
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
    this.bus.publish({
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

  #closeHeld(h: Held): void {
    if (h.finished) return;
    h.session.close();
    this.#check(h);
  }

  /** Closes a client's session; resolves when it is closed (the link down if it was the last holder). */
  async closeSession(client: string, id: string): Promise<{ session: SessionInfo; seq: number }> {
    const h = this.#owned(client, id);
    this.#touch(h.client);
    this.#closeHeld(h);
    await h.done;
    return { session: info(h), seq: this.bus.seq };
  }

  /**
   * Closes every session of `client` on `configuration`, opening ones
   * included (a client whose activation was cancelled gives its lease back
   * this way). Resolves when they are closed.
   */
  async closeClientSessions(
    client: string,
    configuration: string,
  ): Promise<{ sessions: string[]; seq: number }> {
    const c = this.#clients.get(client);
    if (!c) return { sessions: [], seq: this.bus.seq };
    this.#touch(c);
    const held = [...c.sessions.values()].filter((h) => h.configuration === configuration);
    for (const h of held) this.#closeHeld(h);
    await Promise.all(held.map((h) => h.done));
    return { sessions: held.map((h) => h.id), seq: this.bus.seq };
  }

  /** `stop()`s a client's session: the link goes down whoever holds it. Resolves when closed. */
  async stopSession(client: string, id: string): Promise<{ session: SessionInfo; seq: number }> {
    const h = this.#owned(client, id);
    this.#touch(h.client);
    h.session.stop();
    this.#check(h);
    await h.done;
    return { session: info(h), seq: this.bus.seq };
  }

  /** migrate / ignore / accept / reject on a client's session (roaming). */
  sessionAction(client: string, id: string, action: SessionAction): SessionInfo {
    const h = this.#owned(client, id);
    this.#touch(h.client);
    h.session[action]();
    return info(h);
  }

  /**
   * Sets session properties (`null` removes one). Throws 400 naming the key
   * when the session refuses a value.
   */
  setProperties(client: string, id: string, properties: Record<string, unknown>): Record<string, unknown> {
    const h = this.#owned(client, id);
    this.#touch(h.client);
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

  /** Rescans; resolves when the driver reported what it found. */
  async scan(): Promise<{ seq: number }> {
    this.#assertOpen();
    await this.manager.updateConfigurations();
    return { seq: this.bus.seq };
  }

  // ------------------------------------------------------------------ events and statistics

  #onDriverEvent(event: DriverEvent): void {
    switch (event.type) {
      case "configuration-added":
      case "configuration-changed":
        this.bus.publish({ type: event.type, configuration: event.configuration });
        break;
      case "configuration-removed":
        this.#stats.delete(event.identifier);
        this.bus.publish({ type: event.type, identifier: event.identifier });
        break;
      case "usage-policies-changed":
        this.bus.publish({ type: event.type, policies: event.policies });
        break;
      case "default-changed":
        this.#default = event.identifier;
        this.bus.publish({ type: event.type, identifier: event.identifier ?? null });
        break;
      case "capabilities-changed": {
        const caps = new Set<Capability>(event.capabilities);
        caps.add("system-session-support");
        this.bus.publish({ type: event.type, capabilities: [...caps] });
        break;
      }
    }
  }

  *#currentStatistics(): Generator<[string, { bytesReceived: number; bytesWritten: number }]> {
    if (!this.manager.capabilities().includes("data-statistics")) return;
    for (const c of this.manager.allConfigurations("active")) {
      if (c.type !== "internet-access-point") continue;
      const s = this.#driver.statistics(c.identifier);
      if (s) yield [c.identifier, { bytesReceived: s.bytesReceived, bytesWritten: s.bytesWritten }];
    }
  }

  #scheduleStatistics(): void {
    const every = this.#options.statisticsIntervalMs ?? 1000;
    if (every <= 0 || this.#closed) return;
    this.#statsTimer = this.#managerClock.setTimeout(() => {
      this.publishStatistics(every);
      this.#scheduleStatistics();
    }, every);
  }

  /**
   * Publishes a `statistics` event with the counters (and rates over
   * `intervalMs`) of the active access points, if any changed.
   */
  publishStatistics(intervalMs = 1000): void {
    if (this.#closed) return;
    const next = new Map<
      string,
      { bytesReceived: number; bytesWritten: number; rxRate: number; txRate: number }
    >();
    let changed = false;
    for (const [id, s] of this.#currentStatistics()) {
      const prev = this.#stats.get(id);
      const rxRate = prev && s.bytesReceived >= prev.bytesReceived
        ? Math.round((s.bytesReceived - prev.bytesReceived) * 1000 / intervalMs)
        : 0;
      const txRate = prev && s.bytesWritten >= prev.bytesWritten
        ? Math.round((s.bytesWritten - prev.bytesWritten) * 1000 / intervalMs)
        : 0;
      next.set(id, { ...s, rxRate, txRate });
      if (
        !prev || prev.bytesReceived !== s.bytesReceived || prev.bytesWritten !== s.bytesWritten ||
        prev.rxRate !== rxRate || prev.txRate !== txRate
      ) changed = true;
    }
    if (next.size !== this.#stats.size) changed = true;
    this.#stats = next;
    if (!changed) return;
    const statistics: Record<string, unknown> = {};
    for (const [id, s] of next) statistics[id] = s;
    this.bus.publish({ type: "statistics", statistics });
  }

  // ------------------------------------------------------------------ the simulated world's clock

  /**
   * Runs the simulated world's virtual clock forward by `ms` (serialised with
   * the real-time ticker and other callers). Does nothing without a world.
   */
  advance(ms: number): Promise<void> {
    return this.exclusive(() => this.world?.advance(ms));
  }

  /** Runs `fn` when no other `advance()`/`exclusive()` is running (the virtual clock is single-use). */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.#advancing.then(fn);
    this.#advancing = run.then(() => {}, () => {});
    return run;
  }

  /**
   * Advances the virtual clock in real time (every `intervalMs` by the real
   * time elapsed) until {@linkcode Daemon.stopRealtime} or close. Sim only.
   */
  startRealtime(intervalMs = 100): void {
    if (!this.world || this.#realtime !== undefined || this.#closed) return;
    let last = performance.now();
    let busy = false;
    this.#realtime = setInterval(() => {
      if (busy) return;
      const now = performance.now();
      const elapsed = Math.max(0, Math.round(now - last));
      last = now;
      busy = true;
      this.advance(elapsed)
        .then(() => this.exclusive(() => this.#runDueSteps()))
        .catch((error) => console.error("netsession daemon: the simulated world failed:", error))
        .finally(() => busy = false);
    }, intervalMs);
  }

  /**
   * Plays a scenario on the simulated world (`SimWorld.play` format). With the
   * real-time ticker running, each step runs when its time has come in real
   * time (within a tick); without it, the whole scenario runs at once on the
   * virtual clock. Resolves when the last step ran; rejects naming the step
   * that failed.
   */
  playScenario(
    scenario: { readonly name?: string; readonly steps: readonly Record<string, unknown>[] },
  ): Promise<void> {
    const world = this.world;
    if (!world) return Promise.reject(new Error("there is no simulated world to play a scenario on"));
    const other = scenario.steps.findIndex((s) => typeof s.action !== "string");
    if (other >= 0 || "sessions" in scenario || "world" in scenario) {
      return Promise.reject(
        new Error(
          `the daemon plays world changes only (steps with "action")${
            other >= 0 ? `; steps[${other}] is not one` : ""
          }: play scenarios with sessions, expectations or a world of their own with 'netsession sim run FILE'`,
        ),
      );
    }
    if (this.#realtime === undefined) {
      return this.exclusive(() => world.play(scenario as SimScenario).then(passed));
    }
    const run: ScenarioRun = { left: scenario.steps.length, failed: false, ...Promise.withResolvers<void>() };
    if (run.left === 0) run.resolve();
    const start = world.clock.now();
    for (const step of scenario.steps) this.#steps.push({ due: start + (step.at as number), step, run });
    this.#steps.sort((a, b) => a.due - b.due);
    return run.promise;
  }

  async #runDueSteps(): Promise<void> {
    const world = this.world!;
    while (this.#steps.length > 0 && this.#steps[0].due <= world.clock.now()) {
      const { step, run } = this.#steps.shift()!;
      if (run.failed) continue;
      try {
        passed(await world.play({ steps: [{ ...step, at: 0 }] } as unknown as SimScenario));
        if (--run.left === 0) run.resolve();
      } catch (error) {
        run.failed = true;
        run.reject(error);
      }
    }
  }

  /** Stops the real-time ticker. */
  stopRealtime(): void {
    if (this.#realtime !== undefined) clearInterval(this.#realtime);
    this.#realtime = undefined;
  }

  // ------------------------------------------------------------------ shutdown

  #assertOpen(): void {
    if (this.#closed) {
      throw new DaemonError(503, "unavailable", "the daemon is shutting down; retry when it is back");
    }
  }

  /**
   * Shuts down: publishes `shutdown`, closes every session (releasing every
   * hold; a sim world's clock is advanced until the links are down), closes
   * the manager and driver, and ends every event stream.
   */
  close(reason = "the daemon is shutting down"): Promise<void> {
    this.#closing ??= this.#close(reason);
    return this.#closing;
  }

  async #close(reason: string): Promise<void> {
    this.#closed = true;
    this.stopRealtime();
    this.#managerClock.clearTimeout(this.#statsTimer);
    for (const c of this.#clients.values()) this.#leaseClock.clearTimeout(c.timer);
    this.bus.publish({ type: "shutdown", reason });
    const held = [...this.#sessions.values()];
    for (const h of held) this.#closeHeld(h);
    const all = Promise.all(held.map((h) => h.done));
    if (this.world) {
      let finished = false;
      all.then(() => finished = true);
      for (let i = 0; i < 600 && !finished; i++) await this.advance(50);
    } else {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([all, new Promise((r) => timer = setTimeout(r, 5000))]);
      clearTimeout(timer);
    }
    for (const s of this.#subscriptions) s.unsubscribe();
    await this.manager.close();
    if (this.world) await this.advance(0);
    this.#clients.clear();
    this.bus.close();
  }

  // ------------------------------------------------------------------ metrics

  /** Prometheus text exposition of the daemon's gauges and counters. */
  metrics(): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    const open = [...this.#sessions.values()].filter((h) => h.session.isOpen).length;
    metric("netsession_sessions_open", "gauge", "Daemon sessions currently open.", [["", open]]);
    metric("netsession_sessions_opened_total", "counter", "Daemon sessions opened.", [[
      "",
      this.counters.sessionsOpened,
    ]]);
    metric("netsession_sessions_failed_total", "counter", "Daemon sessions that failed to open.", [[
      "",
      this.counters.sessionsFailed,
    ]]);
    metric(
      "netsession_holds",
      "gauge",
      "Holders (leases) per access point in the session counter.",
      [...this.manager.holdCounts()].map(([id, n]) => [`{configuration="${esc(id)}"}`, n]),
    );
    metric("netsession_roams_total", "counter", "Sessions moved to another access point.", [[
      "",
      this.counters.roams,
    ]]);
    metric(
      "netsession_session_errors_total",
      "counter",
      "Session errors by code.",
      [...this.counters.errors].map(([code, n]) => [`{error="${esc(code)}"}`, n]),
    );
    metric("netsession_clients", "gauge", "Clients known to the daemon.", [["", this.#clients.size]]);
    metric("netsession_clients_expired_total", "counter", "Clients whose leases expired.", [[
      "",
      this.counters.clientsExpired,
    ]]);
    metric("netsession_event_subscribers", "gauge", "Open event streams (SSE and WebSocket).", [[
      "",
      this.bus.subscriberCount,
    ]]);
    metric("netsession_events_total", "counter", "Events published.", [["", this.bus.published]]);
    metric("netsession_events_dropped_total", "counter", "Events dropped for slow subscribers.", [[
      "",
      this.bus.dropped,
    ]]);
    metric("netsession_online", "gauge", "1 when some access point is active.", [[
      "",
      this.manager.isOnline() ? 1 : 0,
    ]]);
    return lines.join("\n") + "\n";
  }
}

function info(h: Held): SessionInfo {
  const s = h.session;
  return {
    id: h.id,
    client: h.client.id,
    configuration: h.configuration,
    state: s.state,
    isOpen: s.isOpen,
    error: s.error ?? null,
    errorString: s.errorString,
    interface: s.interface ?? null,
    bytesReceived: s.bytesReceived,
    bytesWritten: s.bytesWritten,
    activeTime: s.activeTime,
    usagePolicies: s.usagePolicies,
    ActiveConfiguration: String(s.sessionProperty("ActiveConfiguration") ?? ""),
    roaming: h.roaming,
  };
}

/** Turns a scenario play with failures into a rejection that names them. */
function passed(result: SimPlayResult): void {
  if (!result.passed) {
    throw new Error(result.failures.map((f) => `steps[${f.step}] (at ${f.at}): ${f.message}`).join("; "));
  }
}
