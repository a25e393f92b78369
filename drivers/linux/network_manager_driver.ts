/**
 * {@linkcode NetworkManagerDriver}: netsession's driver for NetworkManager over D-Bus (dbus-next, client side
 * only). It mirrors NetworkManager's objects (ObjectManager + PropertiesChanged signals, no polling) and derives
 * configurations from the saved connections. This file is the facade: the bus connection, the mirror,
 * activation, statistics and event reporting live in the `_*.ts` files beside it (see the README's map).
 *
 * @module
 */
import {
  type ActivateOptions,
  type Capability,
  type DeactivateOptions,
  DriverError,
  type DriverEvent,
  type DriverEventSink,
  type DriverSnapshot,
  type DriverStatistics,
  type NetworkDriver,
  type Reachability,
  type Subscription,
} from "@netsession/core";
import { Activations, findConfiguration, requireConfiguration } from "./_activation.ts";
import { NetworkManagerConnection } from "./_connection.ts";
import { type BusConnection, toDriverError } from "./_dbus.ts";
import { interfaceIndexes } from "./_ifindex.ts";
import {
  computeView,
  connectivityChecked,
  deactivationLosing,
  IFACE,
  NM_PATH,
  signalLosing,
  type View,
} from "./_model.ts";
import { checkConnectivityNow, checkingDisabledError } from "./_reachability.ts";
import { Reporter } from "./_reporter.ts";
import { deviceStatistics } from "./_statistics.ts";
import { Waiters } from "./_waiters.ts";
import { type Connectivity, parseServiceNetworks, type ServiceNetworkDefinition } from "./mapping.ts";

/**
 * Options of {@linkcode NetworkManagerDriver}.
 *
 * @example
 * ```ts
 * import type { NetworkManagerDriverOptions } from "@netsession/linux";
 * const o: NetworkManagerDriverOptions = { busAddress: "unix:path=/run/dbus/system_bus_socket" };
 * ```
 */
export interface NetworkManagerDriverOptions {
  /** D-Bus address of the system bus; default `DBUS_SYSTEM_BUS_ADDRESS`, else the standard system bus socket. */
  readonly busAddress?: string;
  /**
   * Path of a JSON file of user-defined service networks:
   * `{ "serviceNetworks": [{ "id", "name", "members": [connection UUID, ...] }] }` (members highest priority first).
   */
  readonly serviceNetworks?: string;
  /** How often NetworkManager refreshes device byte counters (`RefreshRateMs`), in ms. Default 1000. */
  readonly statisticsRefreshMs?: number;
  /** Time-out of each D-Bus call, in ms. Default 25000. */
  readonly callTimeout?: number;
  /** Milliseconds allowed for a deactivation to complete. Default 15000. */
  readonly deactivateTimeout?: number;
  /** Reconnection back-off after the bus connection drops: first and largest delay in ms. Default 100 / 5000. */
  readonly reconnectDelay?: {
    readonly initial?: number;
    readonly max?: number;
  };
}

const CAPABILITIES: readonly Capability[] = [
  "can-start-and-stop-interfaces",
  "direct-connection-routing",
  "data-statistics",
  "forced-roaming",
  "application-level-roaming",
];

function defaultBusAddress(): string {
  let env: string | undefined;
  try {
    env = Deno.env.get("DBUS_SYSTEM_BUS_ADDRESS");
  } catch { /* no env permission */ }
  return env || "unix:path=/var/run/dbus/system_bus_socket";
}

/** Reads and validates the service-networks file; DriverError `invalid-configuration` on any problem. */
async function readServiceNetworks(path: string): Promise<ServiceNetworkDefinition[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new DriverError(
      "invalid-configuration",
      `cannot read the service-networks file ${path}: ${e}`,
    );
  }
  try {
    return parseServiceNetworks(text, path);
  } catch (e) {
    throw new DriverError("invalid-configuration", (e as Error).message);
  }
}

/**
 * The NetworkManager driver. Configuration identifiers are NetworkManager connection UUIDs; service networks
 * are NetworkManager's autoconnect connections (`networkmanager-autoconnect`, by autoconnect priority) and
 * those of the `serviceNetworks` file.
 *
 * @example
 * ```ts ignore
 * import { NetworkConfigurationManager } from "@netsession/core";
 * import { NetworkManagerDriver } from "@netsession/linux";
 *
 * const driver = new NetworkManagerDriver();
 * const manager = await NetworkConfigurationManager.create(driver);
 * for (const c of manager.allConfigurations()) console.log(c.name, c.bearerType, c.state);
 * console.log("connectivity:", driver.connectivity);
 * await manager.close();
 * ```
 */
export class NetworkManagerDriver implements NetworkDriver {
  /** Always `"networkmanager"`. */
  readonly name = "networkmanager";
  readonly #options: NetworkManagerDriverOptions;
  readonly #waiters = new Waiters();
  readonly #connection: NetworkManagerConnection;
  readonly #activations: Activations;
  readonly #reporter = new Reporter();
  #view: View | undefined;
  #connectivity: Connectivity = "unknown";
  #connectivityListeners = new Set<(c: Connectivity) => void>();
  #sink: DriverEventSink | undefined;
  #serviceNetworks: ServiceNetworkDefinition[] = [];
  #recomputeQueued = false;
  #started = false;
  #closed = false;

  /**
   * Creates the driver; nothing happens until {@linkcode NetworkManagerDriver.start}.
   *
   * @param options bus address, service-networks file, tuning
   */
  constructor(options: NetworkManagerDriverOptions = {}) {
    this.#options = options;
    this.#connection = new NetworkManagerConnection(options.busAddress ?? defaultBusAddress(), options, {
      changed: () => this.#scheduleRecompute(),
      resynced: () => this.#recompute(),
      lost: (e) => {
        this.#waiters.failAll(e);
        this.#setConnectivity("unknown");
      },
      activeStateChanged: (path, state, reason) => {
        this.#activations.stateChanged(path, state, reason);
        this.#losingOnDeactivation(path, state);
      },
    }, this.#waiters);
    this.#activations = new Activations({
      waiters: this.#waiters,
      mirror: this.#connection.mirror,
      require: (what) => this.#requireConnection(what),
      bus: () => this.#connection.bus,
      view: () => this.#view,
      reported: (identifier) => this.#reporter.has(identifier),
      callTimeout: options.callTimeout,
      deactivateTimeout: options.deactivateTimeout,
    });
  }

  /** The D-Bus address this driver talks to. */
  get busAddress(): string {
    return this.#connection.address;
  }

  /** NetworkManager's current connectivity (`unknown` before `start()` or while NetworkManager is away). */
  get connectivity(): Connectivity {
    return this.#connectivity;
  }

  /** Whether the driver is connected to the bus and NetworkManager is on it. */
  get connected(): boolean {
    const bus = this.#connection.bus;
    return !!bus && !bus.closed && this.#connection.owner !== "";
  }

  /**
   * Calls `listener` whenever {@linkcode NetworkManagerDriver.connectivity} changes.
   *
   * @example
   * ```ts ignore
   * using sub = driver.onConnectivityChanged((c) => console.log("connectivity", c));
   * ```
   */
  onConnectivityChanged(
    listener: (connectivity: Connectivity) => void,
  ): Subscription {
    this.#connectivityListeners.add(listener);
    const unsubscribe = () => void this.#connectivityListeners.delete(listener);
    return { unsubscribe, [Symbol.dispose]: unsubscribe };
  }

  /** Asks NetworkManager to check connectivity now; resolves to the result. */
  async checkConnectivity(): Promise<Connectivity> {
    const what = "checking connectivity";
    const conn = this.#requireConnection(what);
    await checkConnectivityNow(conn, this.#connection.mirror, undefined, what, this.#options.callTimeout);
    this.#recompute();
    return this.#connectivity;
  }

  /**
   * How far an access point's link reaches, checked now: NetworkManager's `CheckConnectivity` re-runs its
   * connectivity checks, then the device's connectivity is read back and mapped (as
   * `reachabilityFromConnectivity` of this package does). A service network answers for its active member. Resolves to
   * `"disconnected"` when the link is not active. A `DriverError` saying what to do when the check fails, or
   * (`operation-not-supported`) when connectivity checking is disabled in NetworkManager's configuration.
   */
  async checkReachability(identifier: string): Promise<Reachability> {
    const conn = this.#requireConnection(`checking the reachability of ${identifier}`);
    const c = requireConfiguration(this.#view, identifier);
    const what = `checking the reachability of '${c.name}' (${identifier})`;
    const ap = c.type === "service-network"
      ? c.children?.map((id) => findConfiguration(this.#view, id)).find((m) => m?.state === "active")
      : c;
    if (!ap || ap.state !== "active") return "disconnected";
    if (!connectivityChecked(this.#connection.mirror.get(NM_PATH, IFACE.nm) ?? {})) {
      throw checkingDisabledError(what);
    }
    const device = this.#view?.devicePaths.get(ap.identifier);
    await checkConnectivityNow(conn, this.#connection.mirror, device, what, this.#options.callTimeout);
    this.#recompute();
    const now = findConfiguration(this.#view, ap.identifier);
    return now?.state === "active" ? now.reachability ?? "unknown" : "disconnected";
  }

  /** Connects to the bus, reads NetworkManager's state and returns the snapshot. */
  async start(sink: DriverEventSink): Promise<DriverSnapshot> {
    if (this.#closed) {
      throw new DriverError(
        "unknown",
        "the NetworkManager driver was closed; create a new one",
      );
    }
    if (this.#started) {
      throw new DriverError(
        "unknown",
        "the NetworkManager driver is already started",
      );
    }
    if (this.#options.serviceNetworks) {
      this.#serviceNetworks = await readServiceNetworks(this.#options.serviceNetworks);
    }
    this.#started = true;
    try {
      await this.#connection.connect();
      const present = await this.#connection.sync();
      if (!present) {
        throw new DriverError(
          "unknown",
          `NetworkManager is not running on the bus ${this.busAddress} (org.freedesktop.NetworkManager has no ` +
            `owner); start it (systemctl start NetworkManager) or pass busAddress`,
        );
      }
      await this.#connection.waitForStartupComplete(10000);
    } catch (e) {
      this.#started = false;
      this.#connection.drop();
      throw toDriverError(e, "starting the NetworkManager driver");
    }
    const view = this.#computeView();
    this.#view = view;
    this.#reporter.adopt(view);
    this.#setConnectivity(view.connectivity);
    this.#sink = sink;
    return {
      configurations: view.configurations,
      capabilities: CAPABILITIES,
      usagePolicies: view.usagePolicies,
      ...(view.defaultConfiguration !== undefined ? { defaultConfiguration: view.defaultConfiguration } : {}),
    };
  }

  /** Asks wireless devices to scan, re-reads NetworkManager's state and reports what changed. */
  async scan(): Promise<void> {
    const conn = this.#requireConnection("scanning");
    await Promise.all(
      [...this.#connection.mirror.withInterface(IFACE.wireless)].map(([path]) =>
        conn.call({
          path,
          interface: IFACE.wireless,
          member: "RequestScan",
          signature: "a{sv}",
          body: [{}],
        }, { timeout: this.#options.callTimeout }).catch(() => {})
      ),
    );
    try {
      await this.#connection.sync();
    } catch (e) {
      throw toDriverError(e, "re-reading NetworkManager's state");
    }
    this.#recompute();
  }

  /**
   * Activates a connection (`ActivateConnection`) and resolves once NetworkManager reports it ACTIVATED.
   * Resolves at once if it is already active (then it is not ours: a later non-forced deactivate keeps it up).
   */
  activate(identifier: string, options: ActivateOptions = {}): Promise<void> {
    return this.#activations.activate(identifier, options);
  }

  /**
   * Deactivates a connection (`DeactivateConnection`) if this driver activated it or `force` is set, and
   * resolves once it is down. A connection someone else brought up is left up unless forced.
   */
  deactivate(identifier: string, options: DeactivateOptions = {}): Promise<void> {
    return this.#activations.deactivate(identifier, options);
  }

  /** Byte counters of the device carrying an active connection (NetworkManager's Statistics interface). */
  statistics(identifier: string): DriverStatistics | undefined {
    const device = this.#view?.devicePaths.get(identifier);
    if (!device || findConfiguration(this.#view, identifier)?.state !== "active") {
      return undefined;
    }
    return deviceStatistics(this.#connection.mirror, device);
  }

  /** Stops reporting, fails pending operations and closes the bus connection. Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#sink = undefined;
    this.#waiters.failAll(
      new DriverError(
        "session-aborted",
        "the NetworkManager driver was closed",
      ),
    );
    this.#connection.close();
    this.#connectivityListeners.clear();
    return Promise.resolve();
  }

  /** Same as {@linkcode NetworkManagerDriver.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- internals ----

  #requireConnection(what: string): BusConnection {
    if (this.#closed) {
      throw new DriverError(
        "unknown",
        `${what}: the NetworkManager driver was closed`,
      );
    }
    if (!this.#started) {
      throw new DriverError(
        "unknown",
        `${what}: the NetworkManager driver is not started`,
      );
    }
    const bus = this.#connection.bus;
    if (!bus || bus.closed) {
      throw new DriverError(
        "unknown",
        `${what}: not connected to the D-Bus system bus (reconnecting)`,
      );
    }
    if (!this.#connection.owner) {
      throw new DriverError(
        "unknown",
        `${what}: NetworkManager is not running on the bus ${this.busAddress}`,
      );
    }
    return bus;
  }

  #scheduleRecompute() {
    if (this.#recomputeQueued) return;
    this.#recomputeQueued = true;
    queueMicrotask(() => {
      this.#recomputeQueued = false;
      this.#recompute();
    });
  }

  #computeView(): View {
    return computeView(this.#connection.mirror, {
      serviceNetworks: this.#serviceNetworks,
      ifindex: interfaceIndexes(this.#connection.pid),
    });
  }

  #recompute() {
    const connection = this.#connection;
    if (
      this.#closed || connection.syncing || connection.startingUp ||
      !this.#started
    ) {
      if (connection.startingUp) this.#waiters.kick(); // the start-up waiter
      return;
    }
    if (!connection.owner) return; // NetworkManager away: keep the last known state until it is back
    const view = this.#computeView();
    this.#view = view;
    this.#activations.prune(view);
    if (this.#sink) {
      // A Wi-Fi connection fading below the core's WEAK_SIGNAL: `losing` before the change that shows it.
      for (const e of signalLosing((id) => this.#reporter.reported(id), view)) this.#emit(e);
      this.#reporter.report(view, this.#sink);
    }
    this.#setConnectivity(view.connectivity);
    this.#waiters.kick();
  }

  /**
   * An active connection's `StateChanged` signal, before the mirror takes it: a connection reported `active`
   * that NetworkManager starts deactivating, not at our request, is `losing` before the change that ends it.
   */
  #losingOnDeactivation(path: string, state: number) {
    if (!this.#sink) return;
    const e = deactivationLosing(this.#connection.mirror, path, state, {
      reportedActive: (uuid) => this.#reporter.reported(uuid)?.state === "active",
      ours: (p) => this.#activations.ownDeactivation(p),
    });
    if (e) this.#emit(e);
  }

  #emit(e: DriverEvent) {
    try {
      this.#sink?.(e);
    } catch { /* a listener's failure is not ours */ }
  }

  #setConnectivity(c: Connectivity) {
    if (c === this.#connectivity) return;
    this.#connectivity = c;
    for (const l of [...this.#connectivityListeners]) {
      try {
        l(c);
      } catch { /* a listener's failure is not ours */ }
    }
  }
}
