/**
 * {@linkcode Daemon}: one driver, one `NetworkConfigurationManager`, the
 * system-wide session counter shared by many client processes, leases per
 * client, and the event bus. Transport-free: `app.ts` puts HTTP on it.
 *
 * A facade: the jobs live in `clients.ts` (clients and leases),
 * `daemon_sessions.ts` (daemon sessions), `statistics.ts` (sampling),
 * `sim_control.ts` (the simulated world's clock and scenarios),
 * `driver_events.ts` (the driver's events on the bus, the platform default)
 * and `metrics.ts` (counters, Prometheus text); this file wires them to the
 * driver and the manager.
 *
 * @module
 */

import {
  type Capability,
  type Clock,
  type ConfigurationState,
  type DriverConfiguration,
  DriverError,
  NetworkConfigurationManager,
  type NetworkDriver,
  type Reachability,
  type Subscription,
  systemClock,
} from "@netsession/core";
import type { SimWorld } from "@netsession/sim";
import { DaemonError, unknownConfiguration } from "./errors.ts";
import { EventBus, type Subscriber } from "./event_bus.ts";
import { randomId } from "./_ids.ts";
import { withSystemSessions } from "./_capabilities.ts";
import { DriverEventPublisher } from "./driver_events.ts";
import { ClientRegistry, type ClientSummary } from "./clients.ts";
import { type OpenSessionRequest, SessionTable } from "./daemon_sessions.ts";
import { type DaemonCounters, newCounters, renderMetrics } from "./metrics.ts";
import { budgetsInForce } from "./budgets.ts";
import { type ConfigurationFacts, configurationInfo, configurationList } from "./_configuration_json.ts";
import type {
  DaemonEventBody,
  DaemonSnapshot,
  HeartbeatAnswer,
  HelloMarker,
  ReachabilityAnswer,
  ReleaseAnswer,
  RouteReachability,
  SeqAnswer,
  SessionAction,
  SessionAnswer,
  SessionInfo,
} from "./protocol.ts";
import type { ByteCounters } from "./protocol_events.ts";
import { SimControl, type WorldScenario } from "./sim_control.ts";
import { StatisticsSampler } from "./statistics.ts";

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
  /** The manager's `lingerMs`: a link stays up this long after its last holder closed (default 0). */
  readonly lingerMs?: number;
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
  /** The event bus: it carries exactly the protocol's events. */
  readonly bus: EventBus<DaemonEventBody>;
  /** The simulated world, when the driver is the simulator. */
  readonly world: SimWorld | undefined;
  /** Identifies this daemon run. */
  readonly instance: string = randomId(8);
  /** Name of the driver (`"sim"`, `"networkmanager"`). */
  readonly driverName: string;
  /** Counters for `/metrics`. */
  readonly counters: DaemonCounters = newCounters();

  #options: DaemonOptions;
  #ttl: number;
  #driverEvents: DriverEventPublisher;
  #clients: ClientRegistry;
  #sessions: SessionTable;
  #stats: StatisticsSampler;
  #sim: SimControl;
  #closed = false;
  #closing: Promise<void> | undefined;
  #subscriptions: Subscription[] = [];
  #facts: ConfigurationFacts;

  private constructor(
    options: DaemonOptions,
    driver: NetworkDriver,
    manager: NetworkConfigurationManager,
    bus: EventBus<DaemonEventBody>,
    driverEvents: DriverEventPublisher,
  ) {
    this.#options = options;
    this.manager = manager;
    this.bus = bus;
    this.world = options.world;
    this.driverName = driver.name;
    this.#driverEvents = driverEvents;
    this.#ttl = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.#clients = new ClientRegistry({
      clock: options.leaseClock ?? systemClock,
      ttlMs: this.#ttl,
      maxClients: options.maxClients ?? 1024,
      maxStreamsPerClient: options.maxStreamsPerClient ?? 8,
      closed: () => this.#closed,
      expired: (c, sessions) => {
        if (sessions.length > 0) {
          this.counters.clientsExpired++;
          this.bus.publish({ type: "client-expired", client: c.id, sessions });
        }
        this.#sessions.expire(c, sessions);
      },
    });
    this.#sessions = new SessionTable({
      manager,
      bus,
      clients: this.#clients,
      counters: this.counters,
      maxSessionsPerClient: options.maxSessionsPerClient ?? 64,
      assertOpen: () => this.#assertOpen(),
    });
    this.#stats = new StatisticsSampler(driver, manager, bus, options.managerClock ?? systemClock);
    this.#sim = new SimControl(options.world);
    this.#facts = {
      manager,
      statistics: (identifier) => this.#stats.get(identifier),
      sessionsOn: (identifier) => this.#sessions.countOn(identifier),
      sessionCounts: () => this.#sessions.countsByConfiguration(),
    };
  }

  /** Starts the driver and the manager; returns a running daemon. */
  static async create(options: DaemonOptions): Promise<Daemon> {
    const linger = options.lingerMs ?? 0;
    if (!Number.isInteger(linger) || linger < 0 || linger > 2 ** 31 - 1) {
      throw new RangeError(
        `lingerMs must be a whole number of milliseconds from 0 to 2147483647, got ${linger}`,
      );
    }
    const bus = new EventBus<DaemonEventBody>({
      bufferSize: options.bufferSize,
      queueLimit: options.queueLimit,
    });
    // The daemon publishes what the driver reports, in order, before the manager reacts to it.
    const driverEvents = new DriverEventPublisher(bus);
    const manager = await NetworkConfigurationManager.create(driverEvents.wrap(options.driver), {
      clock: options.managerClock,
      lingerMs: options.lingerMs,
    });
    const daemon = new Daemon(options, options.driver, manager, bus, driverEvents);
    driverEvents.attach((identifier) => daemon.#stats.delete(identifier));
    daemon.#subscriptions.push(
      manager.on("onlineStateChanged", (online) => bus.publish({ type: "online-changed", online })),
    );
    daemon.#stats.start(options.statisticsIntervalMs ?? 1000);
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
    return withSystemSessions(this.manager.capabilities());
  }

  /** The identifier of the platform's default configuration, if it has one. */
  get platformDefault(): string | undefined {
    return this.#driverEvents.platformDefault;
  }

  /** The driver snapshot as it is now (see {@linkcode DaemonSnapshot}). */
  snapshot(): DaemonSnapshot {
    const configurations: DriverConfiguration[] = [];
    for (const c of this.manager.allConfigurations()) if (c.data) configurations.push(c.data);
    const statistics: Record<string, ByteCounters> = Object.fromEntries(this.#stats.current());
    return {
      seq: this.bus.seq,
      instance: this.instance,
      leaseTtlMs: this.#ttl,
      configurations,
      capabilities: this.capabilities(),
      usagePolicies: [...this.manager.usagePolicies()],
      ...(this.platformDefault === undefined ? {} : { defaultConfiguration: this.platformDefault }),
      statistics,
    };
  }

  /** A configuration as JSON (the core's view plus signal, interface, holds and counters), or undefined. */
  configurationInfo(identifier: string): Record<string, unknown> | undefined {
    return configurationInfo(this.#facts, identifier);
  }

  /**
   * Every configuration (optionally those at least in `filter` state) as {@linkcode Daemon.configurationInfo}
   * makes each, in one pass: the list costs configurations plus sessions, not their product.
   *
   * @example
   * ```ts
   * import { Daemon } from "@netsession/server";
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan", signal: 70 });
   * const daemon = await Daemon.create({ driver: new SimDriver(world), world, managerClock: world.clock });
   * console.log(daemon.configurationInfos().map((c) => `${c.identifier} ${c.signal}`)); // ["wlan 70"]
   * await daemon.close();
   * ```
   */
  configurationInfos(filter?: ConfigurationState): Record<string, unknown>[] {
    return configurationList(this.#facts, filter);
  }

  /** The manager's view of the default route: reachability, captive portal, transport medium, metering. */
  routeReachability(): RouteReachability {
    const m = this.manager;
    return {
      reachability: m.reachability,
      behindCaptivePortal: m.behindCaptivePortal,
      transportMedium: m.transportMedium,
      isMetered: m.isMetered,
    };
  }

  /**
   * Has the driver test now how far the configuration's active link reaches
   * (a service network: its active member's; `"disconnected"` when none is
   * up). 404 for an unknown identifier; a failed check is 409 with the
   * driver's session error code.
   */
  async checkReachability(identifier: string): Promise<ReachabilityAnswer> {
    this.#assertOpen();
    const c = this.manager.configurationFromIdentifier(identifier);
    if (!c.isValid) {
      throw unknownConfiguration(identifier);
    }
    const ap = c.type === "internet-access-point" ? c : c.children.find((x) => x.state === "active");
    let reachability: Reachability = "disconnected";
    if (ap?.state === "active") {
      try {
        reachability = await this.manager.checkReachability(ap.identifier);
      } catch (error) {
        if (!(error instanceof DriverError)) throw error;
        throw new DaemonError(409, error.code, `checking '${ap.identifier}': ${error.message}`, "id");
      }
    }
    return { reachability, seq: this.bus.seq };
  }

  /** Every daemon session as JSON (optionally of one client). */
  sessions(client?: string): SessionInfo[] {
    return this.#sessions.list(client);
  }

  /** One daemon session as JSON; throws a 404 {@linkcode DaemonError} when unknown. */
  session(id: string): SessionInfo {
    return this.#sessions.info(id);
  }

  /** Clients and what they hold. */
  clients(): ClientSummary[] {
    return this.#clients.list();
  }

  /** The key the daemon issued with client `id` (who acts as it must present it), or undefined when unknown. */
  clientKey(id: string): string | undefined {
    return this.#clients.find(id)?.key;
  }

  /** The session properties of a daemon session (the well-known ones plus those set through the daemon). */
  properties(id: string): Record<string, unknown> {
    return this.#sessions.properties(id);
  }

  // ------------------------------------------------------------------ clients and leases

  /** Keeps a client's leases for another TTL (or `ttlMs`, 1 s .. 1 h); creates it if new; returns the TTL. */
  heartbeat(client: string, ttlMs?: number): HeartbeatAnswer & { sessions: string[] } {
    this.#assertOpen();
    return this.#clients.heartbeat(client, ttlMs);
  }

  /** Closes every session of a client and forgets it. Resolves when they are closed. */
  releaseClient(client: string): Promise<ReleaseAnswer & { sessions: string[] }> {
    return this.#sessions.release(client);
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
    const c = options.client === undefined ? undefined : this.#clients.streamClient(options.client);
    const hello: HelloMarker = {
      type: "hello",
      instance: this.instance,
      seq: this.bus.seq,
      driver: this.driverName,
      leaseTtlMs: this.#ttl,
      ...(c ? { client: c.id } : {}),
    };
    const sub = this.bus.subscribe({ since: options.since, greeting: JSON.stringify(hello) });
    if (c) this.#clients.holdWhileOpen(c, sub);
    return sub;
  }

  // ------------------------------------------------------------------ sessions

  /**
   * Creates a daemon session for `client` and opens it. Resolves when it is
   * open; rejects with a {@linkcode DaemonError} (404 unknown configuration,
   * 409 with the session error code when opening failed).
   */
  openSession(request: OpenSessionRequest): Promise<SessionAnswer> {
    return this.#sessions.open(request);
  }

  /** Closes a client's session; resolves when it is closed (the link down if it was the last holder). */
  closeSession(client: string, id: string): Promise<SessionAnswer> {
    return this.#sessions.close(client, id);
  }

  /**
   * Closes every session of `client` on `configuration`, opening ones included (a client whose activation
   * was cancelled gives its lease back this way). Resolves when they are closed.
   */
  closeClientSessions(
    client: string,
    configuration: string,
  ): Promise<ReleaseAnswer & { sessions: string[] }> {
    return this.#sessions.closeOn(client, configuration);
  }

  /** `stop()`s a client's session: the link goes down whoever holds it. Resolves when closed. */
  stopSession(client: string, id: string): Promise<SessionAnswer> {
    return this.#sessions.stop(client, id);
  }

  /** migrate / ignore / accept / reject on a client's session (roaming). */
  sessionAction(client: string, id: string, action: SessionAction): SessionInfo {
    return this.#sessions.action(client, id, action);
  }

  /**
   * Sets session properties (`null` removes one). Throws 400 naming the key
   * when the session refuses a value.
   */
  setProperties(client: string, id: string, properties: Record<string, unknown>): Record<string, unknown> {
    return this.#sessions.setProperties(client, id, properties);
  }

  /** Rescans; resolves when the driver reported what it found. */
  async scan(): Promise<SeqAnswer> {
    this.#assertOpen();
    await this.manager.updateConfigurations();
    return { seq: this.bus.seq };
  }

  // ------------------------------------------------------------------ statistics

  /**
   * Publishes a `statistics` event with the counters (and rates over
   * `intervalMs`) of the active access points, if any changed.
   */
  publishStatistics(intervalMs = 1000): void {
    if (!this.#closed) this.#stats.publish(intervalMs);
  }

  // ------------------------------------------------------------------ the simulated world's clock

  /**
   * Runs the simulated world's virtual clock forward by `ms` (serialised with
   * the real-time ticker and other callers). Does nothing without a world.
   */
  advance(ms: number): Promise<void> {
    return this.#sim.advance(ms);
  }

  /** Runs `fn` when no other `advance()`/`exclusive()` is running (the virtual clock is single-use). */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.#sim.exclusive(fn);
  }

  /**
   * Advances the virtual clock in real time (every `intervalMs` by the real
   * time elapsed) until {@linkcode Daemon.stopRealtime} or close. Sim only.
   */
  startRealtime(intervalMs = 100): void {
    if (!this.#closed) this.#sim.startRealtime(intervalMs);
  }

  /**
   * Plays a scenario on the simulated world (`SimWorld.play` format). With the
   * real-time ticker running, each step runs when its time has come in real
   * time (within a tick); without it, the whole scenario runs at once on the
   * virtual clock. Resolves when the last step ran; rejects naming the step
   * that failed.
   */
  playScenario(scenario: WorldScenario): Promise<void> {
    return this.#sim.play(scenario);
  }

  /** Stops the real-time ticker. */
  stopRealtime(): void {
    this.#sim.stopRealtime();
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
    this.#stats.stop();
    this.#clients.stopTimers();
    this.bus.publish({ type: "shutdown", reason });
    const all = this.#sessions.closeEverything();
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
    return renderMetrics({
      counters: this.counters,
      sessionsOpen: this.#sessions.openCount(),
      holds: this.manager.holdCounts(),
      clients: this.#clients.size,
      subscribers: this.bus.subscriberCount,
      eventsPublished: this.bus.published,
      eventsDropped: this.bus.dropped,
      online: this.manager.isOnline(),
      budgets: budgetsInForce(this.manager),
    });
  }
}
