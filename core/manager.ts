/**
 * {@linkcode NetworkConfigurationManager}: the entry point. It owns the
 * configurations reported by a driver and the session counter (leases,
 * `leases.ts`), and tells sessions what changed; each session decides its own
 * roaming with the pure policy of `roaming_policy.ts`.
 *
 * @module
 */

import { type Clock, systemClock } from "./clock.ts";
import { NetworkConfiguration, stateRank } from "./configuration.ts";
import type { DriverEvent, NetworkDriver } from "./driver.ts";
import { defaultListenerErrorHandler, Emitter, type ListenerErrorHandler } from "./emitter.ts";
import { LeaseTable } from "./leases.ts";
import { NetworkSession } from "./network_session.ts";
import type { SessionHost, UserChoiceResolver } from "./session_host.ts";
import type { ForcedRoamingPolicy } from "./roaming_policy.ts";
import { RouteWatch } from "./_route_view.ts";
import type { ManagerEvents, ManagerOptions } from "./manager_types.ts";
import type { DataBudget, DataBudgetOptions } from "./data_budgets.ts";
import { BudgetWatch } from "./_budget_meter.ts";
import { NeedViews } from "./_need_views.ts";
import { SessionIndex } from "./_session_index.ts";
import { ConfigurationStore } from "./_configuration_store.ts";
import type { NetworkNeed } from "./needs.ts";
import type {
  Capability,
  ConfigurationState,
  Reachability,
  Subscription,
  TransportMedium,
  UsagePolicy,
} from "./types.ts";

/**
 * Knows every configuration of a platform (through a driver), tells whether
 * the system is online, and creates sessions.
 *
 * @example
 * ```ts
 * import { NetworkConfigurationManager } from "@netsession/core";
 * import { SimDriver, SimWorld } from "@netsession/sim";
 *
 * const world = new SimWorld();
 * world.addAccessPoint({ id: "eth", bearer: "ethernet" });
 * await using manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
 * console.log(manager.allConfigurations().map((c) => c.identifier)); // ["eth"]
 * ```
 */
export class NetworkConfigurationManager implements SessionHost {
  #driver: NetworkDriver;
  #clock: Clock;
  #store: ConfigurationStore;
  #invalid: NetworkConfiguration;
  #capabilities: readonly Capability[] = [];
  #policies: readonly UsagePolicy[] = [];
  #emitter: Emitter<ManagerEvents>;
  #sessions = new SessionIndex();
  #closed = false;
  /** Whether some link is up, and the default route's view (`_route_view.ts`). */
  #derived: RouteWatch;
  #budgets: BudgetWatch;
  #needs = new NeedViews();
  /** @internal */
  readonly leases: LeaseTable;
  /** @internal */
  readonly options: ManagerOptions;
  /** @internal */
  readonly onListenerError: ListenerErrorHandler;

  private constructor(driver: NetworkDriver, options: ManagerOptions) {
    this.#driver = driver;
    this.options = options;
    this.#clock = options.clock ?? systemClock;
    this.onListenerError = options.onListenerError ?? defaultListenerErrorHandler;
    this.#emitter = new Emitter(this.onListenerError, (event) => this.#derived.listenersChanged(event));
    this.#derived = new RouteWatch(this.#emitter, () => this.#store.anyActive(), () => this.defaultRoute());
    this.#invalid = new NetworkConfiguration(this, this);
    this.#store = new ConfigurationStore(this, this, this.#invalid);
    this.#budgets = new BudgetWatch(this.#clock, {
      counters: (id) => this.#store.views.get(id)?.state === "active" ? this.statistics(id) : undefined,
      announce: (event) => {
        for (const s of this.#concerned(event.identifier)) s.notifyBudget(event);
      },
      changed: () => this.#afterChange(undefined),
    });
    this.leases = new LeaseTable(
      driver,
      (id) => this.#store.views.get(id)?.connectTimeout,
      (holder) => holder instanceof NetworkSession ? holder.serviceNetworkIdentifier : undefined,
      { ms: options.lingerMs ?? 0, clock: this.#clock, onLinger: (id, ms) => this.#losing(id, ms) },
      (id) => this.#store.views.get(id)?.state === "active",
    );
  }

  /**
   * Starts `driver` and returns a manager with its configurations loaded.
   *
   * @example
   * ```ts
   * import { NetworkConfigurationManager } from "@netsession/core";
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * const manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
   * await manager.close();
   * ```
   */
  static async create(
    driver: NetworkDriver,
    options: ManagerOptions = {},
  ): Promise<NetworkConfigurationManager> {
    const manager = new NetworkConfigurationManager(driver, options);
    const queued: DriverEvent[] = [];
    let ready = false;
    const snapshot = await driver.start((event) => {
      if (ready) manager.#onDriverEvent(event);
      else queued.push(event);
    });
    for (const c of snapshot.configurations) manager.#store.put(c);
    manager.#capabilities = [...snapshot.capabilities];
    manager.#policies = [...snapshot.usagePolicies];
    manager.#store.platformDefault = snapshot.defaultConfiguration;
    manager.#derived.refresh(false);
    ready = true;
    for (const e of queued) manager.#onDriverEvent(e);
    return manager;
  }

  /** The clock in use. */
  get clock(): Clock {
    return this.#clock;
  }

  /** The driver's name (`"sim"`, `"networkmanager"`, `"remote"`). */
  get driverName(): string {
    return this.#driver.name;
  }

  /** @internal moves on every change of a configuration (configuration views cache by it). */
  get generation(): number {
    return this.#store.generation;
  }

  /** @internal the live view of an identifier (used by configuration views). */
  lookup(identifier: string): NetworkConfiguration | undefined {
    return this.#store.views.get(identifier) ?? this.#needs.view(identifier);
  }

  /**
   * Every valid configuration, optionally only those at least in `filter`
   * state (states are cumulative: `"discovered"` also returns active ones).
   */
  allConfigurations(filter?: ConfigurationState): NetworkConfiguration[] {
    const all = [...this.#store.views.values()];
    if (filter === undefined) return all;
    const rank = stateRank(filter);
    if (rank < 0) {
      throw new TypeError(
        `allConfigurations("${filter}"): unknown state; use one of defined, discovered, active`,
      );
    }
    if (filter === "undefined") return all.filter((c) => c.state === "undefined");
    return all.filter((c) => stateRank(c.state) >= rank);
  }

  /**
   * The configuration to use when the application has no preference: the
   * platform's default if it has one, else an active configuration, else a
   * discovered one (Ethernet over WLAN over cellular), else any defined one;
   * the invalid configuration when nothing exists.
   */
  defaultConfiguration(): NetworkConfiguration {
    return this.#store.defaultConfiguration();
  }

  /** The live view of `identifier`, or the invalid configuration when unknown. */
  configurationFromIdentifier(identifier: string): NetworkConfiguration {
    return this.lookup(identifier) ?? this.#invalid;
  }

  /**
   * A live service network of the access points that meet `need` now, best
   * first (the need's bearer order, then signal); its members change as the
   * world does. Sessions on it roam among the matches with the usual rules;
   * `open()` with no match waits up to `need.timeoutMs` for one, then fails
   * with `invalid-configuration` and an `errorString` naming the need.
   *
   * @example
   * ```ts
   * import { NetworkConfigurationManager } from "@netsession/core";
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "lte", bearer: "lte", metered: true });
   * world.addAccessPoint({ id: "wlan", bearer: "wlan", signal: 60 });
   * const manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
   * const free = manager.configurationFor({ notMetered: true, reachability: "online" });
   * console.log(free.type, free.children.map((c) => c.identifier)); // "service-network" ["wlan"]
   * ```
   */
  configurationFor(need: NetworkNeed): NetworkConfiguration {
    return this.#needs.create(need, this, this, this.#store.records());
  }

  /**
   * The need behind a {@linkcode NetworkConfigurationManager.configurationFor} view, if `identifier` is one
   * (a copy; undefined for every other configuration).
   *
   * @example
   * ```ts
   * import { NetworkConfigurationManager } from "@netsession/core";
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * const manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
   * const view = manager.configurationFor({ notMetered: true });
   * console.log(manager.needOf(view.identifier)); // { notMetered: true }
   * ```
   */
  needOf(identifier: string): NetworkNeed | undefined {
    return this.#needs.need(identifier);
  }

  /** @internal resolves true once the need view `identifier` has a match, false after `ms`. */
  whenMatched(identifier: string, ms: number): Promise<boolean> {
    return this.#needs.whenMatched(identifier, ms, this.#clock);
  }

  /** Whether some access point is active. */
  isOnline(): boolean {
    return this.#derived.online;
  }

  /**
   * The access point of the default route: the default configuration's
   * active link if it has one, else the best active access point; undefined
   * when nothing is up.
   */
  defaultRoute(): NetworkConfiguration | undefined {
    const d = this.defaultConfiguration();
    if (d.state === "active") {
      return d.type === "service-network" ? d.activeMember() : d;
    }
    return this.#store.bestActiveAccessPoint();
  }

  /** How far the default route reaches (`"disconnected"` with no active link; `"unknown"` when the driver cannot tell). */
  get reachability(): Reachability {
    return this.#derived.route.reachability;
  }

  /** Whether the default route is behind a captive portal. */
  get behindCaptivePortal(): boolean {
    return this.#derived.route.behindCaptivePortal;
  }

  /** The default route's transport medium (`"unknown"` with no active link). */
  get transportMedium(): TransportMedium {
    return this.#derived.route.transportMedium;
  }

  /** Whether the default route is metered (charged by volume). */
  get isMetered(): boolean {
    return this.#derived.route.isMetered;
  }

  /**
   * Sets the data budget of access point `identifier` (bytes received plus
   * sent from now on; `warnAt` the warning share, default 0.8), or removes it
   * with `undefined`. Sessions on it get `dataBudget` at the warning level and
   * when it runs out, and `no-background-traffic` while it is used up. Usage
   * is measured from the driver's byte counters (`data-statistics`), sampled
   * every second on the manager's clock and on each change of the link.
   *
   * @example
   * ```ts
   * import { NetworkConfigurationManager } from "@netsession/core";
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "lte", bearer: "lte" });
   * const manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
   * manager.setDataBudget("lte", { bytes: 1_000_000, warnAt: 0.9 });
   * console.log(manager.configurationFromIdentifier("lte").dataBudget); // { bytes: 1000000, used: 0, warnAt: 0.9 }
   * ```
   */
  setDataBudget(identifier: string, budget: DataBudgetOptions | undefined): void {
    const c = this.#store.views.get(identifier);
    if (c?.type !== "internet-access-point") {
      throw new TypeError(
        `setDataBudget("${identifier}"): ${
          c ? `'${identifier}' is a ${c.type}` : "unknown configuration"
        }; ` +
          "budgets are per access point: pick one from manager.allConfigurations()",
      );
    }
    this.#budgets.set(identifier, budget);
    this.#afterChange(identifier);
  }

  /** @internal whether any access point has a data budget (none: a session need not look its link's up). */
  get budgeted(): boolean {
    return this.#budgets.size > 0;
  }

  /** @internal the budget of an access point (for configuration views). */
  dataBudget(identifier: string): DataBudget | undefined {
    return this.#budgets.get(identifier);
  }

  /** What the platform supports. */
  capabilities(): readonly Capability[] {
    return this.#capabilities;
  }

  /** System-wide usage policies in force (sessions add link policies such as metered). */
  usagePolicies(): readonly UsagePolicy[] {
    return this.#policies;
  }

  /** Rescans; emits `updateCompleted` when done. */
  async updateConfigurations(): Promise<void> {
    await this.#driver.scan();
    this.#emitter.emit("updateCompleted");
  }

  /** Listens to a manager event; see {@linkcode ManagerEvents}. */
  on<K extends keyof ManagerEvents>(event: K, listener: ManagerEvents[K]): Subscription {
    return this.#emitter.on(event, listener);
  }

  /** Creates a session on `configuration` (same as `new NetworkSession(configuration)`). */
  createSession(configuration: NetworkConfiguration): NetworkSession {
    return new NetworkSession(configuration);
  }

  /** Sessions currently tracked (open, opening, or with listeners). */
  sessions(): NetworkSession[] {
    return this.#sessions.list();
  }

  /**
   * The session counter of access point `identifier`: how many open (or
   * opening) sessions of this manager hold it. 0 for an unknown identifier or
   * a service network (its members are counted).
   *
   * @example
   * ```ts
   * import { NetworkConfigurationManager } from "@netsession/core";
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * const manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
   * const session = manager.createSession(manager.configurationFromIdentifier("wlan"));
   * const opened = session.open();
   * await world.advance(1000);
   * await opened;
   * console.log(manager.holdCount("wlan")); // 1
   * ```
   */
  holdCount(identifier: string): number {
    return this.leases.count(identifier);
  }

  /**
   * Every access point held by at least one session of this manager, with its
   * count (a fresh map; changing it changes nothing).
   *
   * @example
   * ```ts
   * import { NetworkConfigurationManager } from "@netsession/core";
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * const manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
   * console.log([...manager.holdCounts()]); // []
   * ```
   */
  holdCounts(): Map<string, number> {
    return this.leases.counts();
  }

  /** @internal */
  register(session: NetworkSession): void {
    this.#sessions.add(session, session.watchKey);
  }

  /** @internal */
  unregister(session: NetworkSession): void {
    this.#sessions.remove(session);
  }

  /** @internal when forced roaming moves a session (see {@linkcode ManagerOptions.forcedRoaming}). */
  get forcedRoaming(): ForcedRoamingPolicy {
    return this.options.forcedRoaming ?? "on-loss-or-better";
  }

  /** @internal the resolver of user-choice configurations, if any. */
  get userChoice(): UserChoiceResolver | undefined {
    return this.options.userChoice;
  }

  /** @internal tests how far an active access point reaches: the driver's check, else what it reported. */
  async checkReachability(identifier: string): Promise<Reachability> {
    const view = this.#store.views.get(identifier);
    if (!view || view.state !== "active") return "disconnected";
    if (!this.#driver.checkReachability) return view.reachability;
    return await this.#driver.checkReachability(identifier);
  }

  /** @internal whether a link stays up a while after its last holder closes. */
  get lingers(): boolean {
    return this.leases.lingers;
  }

  /** @internal statistics of an access point, or undefined. */
  statistics(identifier: string): { bytesReceived: number; bytesWritten: number } | undefined {
    if (!this.#capabilities.includes("data-statistics")) return undefined;
    return this.#driver.statistics(identifier);
  }

  #onDriverEvent(event: DriverEvent): void {
    if (this.#closed) return;
    switch (event.type) {
      case "configuration-added": {
        const existed = this.#store.views.get(event.configuration.identifier)?.isValid ?? false;
        const view = this.#store.put(event.configuration);
        this.#afterChange(event.configuration.identifier);
        this.#emitter.emit(existed ? "configurationChanged" : "configurationAdded", view);
        break;
      }
      case "configuration-changed": {
        const kept = this.#store.keepReportedState(event.configuration);
        if (kept !== undefined) {
          // a service network's state, reported after its members': the sessions heard of the members
          this.#emitter.emit("configurationChanged", kept);
          break;
        }
        this.#budgets.sample(event.configuration.identifier);
        const view = this.#store.views.get(event.configuration.identifier);
        const wasActive = view?.state === "active";
        this.#store.put(event.configuration);
        const now = this.#store.views.get(event.configuration.identifier)!;
        if (wasActive && now.state !== "active") this.#linkLost(now.identifier, `'${now.name}' went down`);
        this.#afterChange(now.identifier);
        this.#emitter.emit(view ? "configurationChanged" : "configurationAdded", now);
        break;
      }
      case "configuration-removed": {
        const removed = this.#store.remove(event.identifier);
        if (!removed) break;
        const { view, data } = removed;
        if (data?.type === "internet-access-point") {
          this.#linkLost(event.identifier, `'${data.name}' was removed`);
        }
        for (const s of this.#concerned(event.identifier, data?.children)) s.notifyRemoved(view);
        this.#afterChange(event.identifier, data?.children);
        this.#emitter.emit("configurationRemoved", view);
        break;
      }
      case "usage-policies-changed":
        this.#policies = [...event.policies];
        this.#afterChange(undefined);
        break;
      case "default-changed":
        this.#store.platformDefault = event.identifier; // marks the change
        this.#derived.afterChange();
        break;
      case "capabilities-changed":
        this.#capabilities = [...event.capabilities];
        break;
      case "losing":
        this.#losing(event.identifier, event.msToLive);
        break;
    }
  }

  #linkLost(identifier: string, message: string): void {
    if (this.leases.isDeactivating(identifier)) return; // our own release or stop
    const holders = this.leases.lost(identifier);
    for (const h of holders) {
      if (h instanceof NetworkSession) h.notifyLost(identifier, message);
    }
  }

  /** Tells the sessions on `identifier` that its link is expected to go within `msToLive`. */
  #losing(identifier: string, msToLive: number): void {
    for (const s of this.#concerned(identifier)) s.notifyLosing(identifier, msToLive);
  }

  /**
   * The sessions a change of `identifier` concerns (see `_session_index.ts`);
   * `children`: a removed service network's members (their sessions were filed under it).
   */
  #concerned(identifier: string, children: readonly string[] = NO_CHILDREN): Iterable<NetworkSession> {
    return this.#sessions.concerned(
      identifier,
      this.#store.parentsOf(identifier),
      this.leases.holdersOf(identifier),
      children,
    );
  }

  /** After a change of `identifier` (undefined: of everything, such as the policies): tells the sessions concerned. */
  #afterChange(identifier: string | undefined, children?: readonly string[]): void {
    this.#needs.refresh(this.#store);
    const sessions = identifier === undefined ? this.#sessions.list() : this.#concerned(identifier, children);
    for (const s of sessions) s.notifyObserved();
    this.#derived.afterChange();
  }

  /** @internal a session's stop(): force the link down, then abort the other holders. */
  stopAccessPoint(identifier: string, by: NetworkSession): Promise<void> {
    const { holders, done } = this.leases.stop(identifier);
    const name = this.#store.views.get(identifier)?.name ?? identifier;
    return done.finally(() => {
      for (const h of holders) {
        if (h !== by && h instanceof NetworkSession) {
          h.notifyLost(identifier, `'${name}' was stopped by another session`, false);
        }
      }
    });
  }

  /** Stops listening to the driver and closes it. Open sessions are closed (links released). */
  async close(): Promise<void> {
    if (this.#closed) return;
    for (const s of this.#sessions.list()) if (s.isOpen) s.close();
    this.#closed = true;
    this.#budgets.stop();
    await this.leases.endLingers();
    await this.#driver.close();
  }

  /** Same as {@linkcode NetworkConfigurationManager.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** No members (a change of an access point, or of a service network that had none). */
const NO_CHILDREN: readonly string[] = Object.freeze([]);
