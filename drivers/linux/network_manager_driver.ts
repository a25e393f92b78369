/**
 * {@linkcode NetworkManagerDriver}: netsession's driver for NetworkManager over D-Bus (dbus-next, client side
 * only). It mirrors NetworkManager's objects (ObjectManager + PropertiesChanged signals, no polling) and derives
 * configurations from the saved connections.
 *
 * @module
 */
import {
  type ActivateOptions,
  type Capability,
  type DeactivateOptions,
  type DriverConfiguration,
  DriverError,
  type DriverEventSink,
  type DriverSnapshot,
  type DriverStatistics,
  type NetworkDriver,
  type Subscription,
  type UsagePolicy,
} from "@netsession/core";
import { BusCallError, BusConnection, type BusMessage, NM, toDriverError, unwrap, variant } from "./_dbus.ts";
import { computeView, IFACE, Mirror, NM_PATH, type View } from "./_model.ts";
import { type Connectivity, parseServiceNetworks, type ServiceNetworkDefinition } from "./mapping.ts";
import { NMActiveConnectionState, NMActiveConnectionStateReason } from "./nm_enums.ts";

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

/** ModemManager's bus name and object manager path. */
const MM = "org.freedesktop.ModemManager1";
const MM_PATH = "/org/freedesktop/ModemManager1";

const CAPABILITIES: readonly Capability[] = [
  "can-start-and-stop-interfaces",
  "direct-connection-routing",
  "data-statistics",
  "forced-roaming",
  "application-level-roaming",
];

const R = NMActiveConnectionStateReason;
/** What an active connection's `StateChanged` reason means, for activation failure messages. */
const AC_REASONS: Record<number, string> = {
  [R.USER_DISCONNECTED]: "disconnected by a user",
  [R.DEVICE_DISCONNECTED]: "the device disconnected",
  [R.SERVICE_STOPPED]: "the VPN service stopped",
  [R.IP_CONFIG_INVALID]: "the IP configuration was invalid",
  [R.CONNECT_TIMEOUT]: "the connection attempt timed out",
  [R.SERVICE_START_TIMEOUT]: "the VPN service did not start in time",
  [R.SERVICE_START_FAILED]: "the VPN service failed to start",
  [R.NO_SECRETS]: "secrets were required but not provided",
  [R.LOGIN_FAILED]: "authentication failed",
  [R.CONNECTION_REMOVED]: "the connection was removed",
  [R.DEPENDENCY_FAILED]: "a connection it depends on failed",
  [R.DEVICE_REALIZE_FAILED]: "the device could not be realized",
  [R.DEVICE_REMOVED]: "the device was removed",
};

interface Waiter {
  check(): void;
  fail(e: DriverError): void;
}

function defaultBusAddress(): string {
  let env: string | undefined;
  try {
    env = Deno.env.get("DBUS_SYSTEM_BUS_ADDRESS");
  } catch { /* no env permission */ }
  return env || "unix:path=/var/run/dbus/system_bus_socket";
}

function stable(c: DriverConfiguration): string {
  return JSON.stringify(c);
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
  readonly #address: string;
  #conn: BusConnection | undefined;
  #mirror = new Mirror();
  #view: View | undefined;
  #emitted = new Map<string, string>();
  #default: string | undefined;
  #policies: UsagePolicy[] = [];
  #connectivity: Connectivity = "unknown";
  #connectivityListeners = new Set<(c: Connectivity) => void>();
  #sink: DriverEventSink | undefined;
  #serviceNetworks: ServiceNetworkDefinition[] = [];
  #nmOwner = "";
  #mmOwner = "";
  #nmPid = 0;
  #ours = new Set<string>();
  #waiters = new Set<Waiter>();
  #acReasons = new Map<string, number>();
  #syncing = 0;
  #holdForStartup = false;
  #recomputeQueued = false;
  #started = false;
  #closed = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnecting: Promise<void> | undefined;
  #ifindexCache: Map<string, number> | undefined;

  /**
   * Creates the driver; nothing happens until {@linkcode NetworkManagerDriver.start}.
   *
   * @param options bus address, service-networks file, tuning
   */
  constructor(options: NetworkManagerDriverOptions = {}) {
    this.#options = options;
    this.#address = options.busAddress ?? defaultBusAddress();
  }

  /** The D-Bus address this driver talks to. */
  get busAddress(): string {
    return this.#address;
  }

  /** NetworkManager's current connectivity (`unknown` before `start()` or while NetworkManager is away). */
  get connectivity(): Connectivity {
    return this.#connectivity;
  }

  /** Whether the driver is connected to the bus and NetworkManager is on it. */
  get connected(): boolean {
    return !!this.#conn && !this.#conn.closed && this.#nmOwner !== "";
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
    const conn = this.#requireConnection("checking connectivity");
    try {
      await conn.call({
        path: NM_PATH,
        interface: IFACE.nm,
        member: "CheckConnectivity",
      }, {
        timeout: this.#options.callTimeout,
      });
    } catch (e) {
      throw toDriverError(e, "checking connectivity");
    }
    // The Connectivity property changes (signal) before the reply; the mirror has it.
    this.#recompute();
    return this.#connectivity;
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
      const path = this.#options.serviceNetworks;
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
        this.#serviceNetworks = parseServiceNetworks(text, path);
      } catch (e) {
        throw new DriverError("invalid-configuration", (e as Error).message);
      }
    }
    this.#started = true;
    try {
      await this.#connect();
      const present = await this.#sync();
      if (!present) {
        throw new DriverError(
          "unknown",
          `NetworkManager is not running on the bus ${this.#address} (org.freedesktop.NetworkManager has no ` +
            `owner); start it (systemctl start NetworkManager) or pass busAddress`,
        );
      }
      await this.#waitForStartupComplete(10000);
    } catch (e) {
      this.#started = false;
      this.#conn?.close();
      this.#conn = undefined;
      throw toDriverError(e, "starting the NetworkManager driver");
    }
    const view = this.#computeView();
    this.#adopt(view);
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
      [...this.#mirror.withInterface(IFACE.wireless)].map(([path]) =>
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
      await this.#sync();
    } catch (e) {
      throw toDriverError(e, "re-reading NetworkManager's state");
    }
    this.#recompute();
  }

  /**
   * Activates a connection (`ActivateConnection`) and resolves once NetworkManager reports it ACTIVATED.
   * Resolves at once if it is already active (then it is not ours: a later non-forced deactivate keeps it up).
   */
  async activate(
    identifier: string,
    options: ActivateOptions = {},
  ): Promise<void> {
    const conn = this.#requireConnection(`activating ${identifier}`);
    const conf = this.#configuration(identifier);
    if (conf.type !== "internet-access-point") {
      throw new DriverError(
        "invalid-configuration",
        `'${conf.name}' (${identifier}) is a service network; activate one of its members (${conf.children})`,
      );
    }
    if (conf.state === "active") return;
    const what = `activation of '${conf.name}' (${identifier})`;
    if (options.signal?.aborted) {
      throw new DriverError(
        "session-aborted",
        `${what} was aborted before it started`,
      );
    }
    const settingsPath = this.#view!.connectionPaths.get(identifier)!;
    let acPath: string | undefined;
    let seen = false;
    const done = this.#waitFor(
      what,
      options.timeout ?? 30000,
      options.signal,
      () => {
        if (
          this.#emitted.has(identifier) &&
          this.#current(identifier)?.state === "active"
        ) return true;
        if (!acPath) return false;
        const ac = this.#mirror.get(acPath, IFACE.active);
        if (ac) {
          seen = true;
          if (Number(ac.State) === NMActiveConnectionState.DEACTIVATED) {
            return this.#activationFailure(
              conf,
              acPath,
            );
          }
        } else if (seen) {
          return this.#activationFailure(conf, acPath);
        }
        return false;
      },
    );
    try {
      const reply = await conn.call({
        path: NM_PATH,
        interface: IFACE.nm,
        member: "ActivateConnection",
        signature: "ooo",
        body: [settingsPath, "/", "/"],
      }, { timeout: this.#options.callTimeout });
      acPath = String(reply.body[0]);
      this.#ours.add(identifier);
      this.#kick();
    } catch (e) {
      done.cancel();
      throw toDriverError(e, what);
    }
    try {
      await done.promise;
    } catch (e) {
      // Timed out or aborted: do not leave a half-made activation behind.
      if (
        this.#current(identifier)?.state !== "active" && acPath && this.#conn &&
        !this.#conn.closed
      ) {
        await this.#conn.call({
          path: NM_PATH,
          interface: IFACE.nm,
          member: "DeactivateConnection",
          signature: "o",
          body: [acPath],
        }, { timeout: 5000 }).catch(() => {});
      }
      this.#ours.delete(identifier);
      throw e;
    }
  }

  /**
   * Deactivates a connection (`DeactivateConnection`) if this driver activated it or `force` is set, and
   * resolves once it is down. A connection someone else brought up is left up unless forced.
   */
  async deactivate(
    identifier: string,
    options: DeactivateOptions = {},
  ): Promise<void> {
    const conn = this.#requireConnection(`deactivating ${identifier}`);
    const conf = this.#configuration(identifier);
    if (conf.type !== "internet-access-point") return;
    const acPath = this.#view?.activePaths.get(identifier);
    if (!acPath) {
      this.#ours.delete(identifier);
      return;
    }
    if (!options.force && !this.#ours.has(identifier)) return;
    const what = `deactivation of '${conf.name}' (${identifier})`;
    const done = this.#waitFor(
      what,
      this.#options.deactivateTimeout ?? 15000,
      options.signal,
      () =>
        !this.#view?.activePaths.has(identifier) &&
        this.#current(identifier)?.state !== "active",
    );
    try {
      await conn.call({
        path: NM_PATH,
        interface: IFACE.nm,
        member: "DeactivateConnection",
        signature: "o",
        body: [acPath],
      }, { timeout: this.#options.callTimeout });
    } catch (e) {
      if (
        !(e instanceof BusCallError &&
          e.dbusName === "org.freedesktop.NetworkManager.ConnectionNotActive")
      ) {
        done.cancel();
        throw toDriverError(e, what);
      }
      this.#kick();
    }
    await done.promise;
    this.#ours.delete(identifier);
  }

  /** Byte counters of the device carrying an active connection (NetworkManager's Statistics interface). */
  statistics(identifier: string): DriverStatistics | undefined {
    const device = this.#view?.devicePaths.get(identifier);
    if (!device || this.#current(identifier)?.state !== "active") {
      return undefined;
    }
    const s = this.#mirror.get(device, IFACE.statistics);
    if (!s) return undefined;
    return {
      bytesReceived: Number(s.RxBytes ?? 0),
      bytesWritten: Number(s.TxBytes ?? 0),
    };
  }

  /** Stops reporting, fails pending operations and closes the bus connection. Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#sink = undefined;
    clearTimeout(this.#reconnectTimer);
    this.#failWaiters(
      new DriverError(
        "session-aborted",
        "the NetworkManager driver was closed",
      ),
    );
    this.#conn?.close();
    this.#conn = undefined;
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
    if (!this.#conn || this.#conn.closed) {
      throw new DriverError(
        "unknown",
        `${what}: not connected to the D-Bus system bus (reconnecting)`,
      );
    }
    if (!this.#nmOwner) {
      throw new DriverError(
        "unknown",
        `${what}: NetworkManager is not running on the bus ${this.#address}`,
      );
    }
    return this.#conn;
  }

  #current(identifier: string): DriverConfiguration | undefined {
    return this.#view?.configurations.find((c) => c.identifier === identifier);
  }

  #configuration(identifier: string): DriverConfiguration {
    const c = this.#current(identifier);
    if (!c) {
      const known = this.#view?.configurations.map((x) => `'${x.name}' ${x.identifier}`).join(", ") || "none";
      throw new DriverError(
        "invalid-configuration",
        `no NetworkManager connection with UUID "${identifier}" (known: ${known})`,
      );
    }
    return c;
  }

  #activationFailure(conf: DriverConfiguration, acPath: string): DriverError {
    const reason = this.#acReasons.get(acPath);
    const text = reason !== undefined && AC_REASONS[reason] ? AC_REASONS[reason] : "NetworkManager gave up";
    return new DriverError(
      "unknown",
      `activation of '${conf.name}' (${conf.identifier}) failed: ${text}`,
    );
  }

  /** A promise settled by `check` (true: done, DriverError: failed) re-run after every change. */
  #waitFor(
    what: string,
    timeout: number,
    signal: AbortSignal | undefined,
    check: () => boolean | DriverError,
  ): { promise: Promise<void>; cancel(): void } {
    let resolve!: () => void, reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may await it (cancelled early): never an unhandled rejection.
    promise.catch(() => {});
    const onAbort = () => finish(new DriverError("session-aborted", `${what} was aborted`));
    const finish = (e?: DriverError) => {
      if (!this.#waiters.delete(waiter)) return;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (e) reject(e);
      else resolve();
    };
    const waiter: Waiter = {
      check: () => {
        let r: boolean | DriverError;
        try {
          r = check();
        } catch (e) {
          r = toDriverError(e, what);
        }
        if (r === true) finish();
        else if (r instanceof DriverError) finish(r);
      },
      fail: (e) => finish(e),
    };
    this.#waiters.add(waiter);
    const timer = setTimeout(
      () =>
        finish(
          new DriverError("unknown", `${what} timed out after ${timeout} ms`),
        ),
      Math.max(0, timeout),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    return { promise, cancel: () => finish() };
  }

  #kick() {
    for (const w of [...this.#waiters]) w.check();
  }

  #failWaiters(e: DriverError) {
    for (const w of [...this.#waiters]) w.fail(e);
  }

  async #connect(): Promise<void> {
    let conn: BusConnection | undefined = undefined;
    conn = await BusConnection.connect(
      this.#address,
      (msg) => conn && this.#onSignal(conn, msg),
      (why) => conn && this.#onBusLost(conn, why),
      this.#options.callTimeout ?? 5000,
    );
    this.#conn = conn;
    const rules = [
      `type='signal',sender='${NM}'`,
      `type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',` +
      `arg0='${NM}'`,
      // ModemManager, for the access technology of cellular connections (optional: absent on most machines).
      `type='signal',sender='${MM}'`,
      `type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',` +
      `arg0='${MM}'`,
    ];
    for (const rule of rules) await conn.busCall("AddMatch", "s", [rule]);
  }

  /** Re-reads everything. Resolves to false when NetworkManager is not on the bus. */
  async #sync(): Promise<boolean> {
    const conn = this.#conn;
    if (!conn) return false;
    this.#syncing++;
    try {
      let owner = "";
      try {
        owner = String((await conn.busCall("GetNameOwner", "s", [NM])).body[0]);
      } catch (e) {
        if (
          e instanceof BusCallError &&
          e.dbusName === "org.freedesktop.DBus.Error.NameHasNoOwner"
        ) owner = "";
        else throw e;
      }
      this.#nmOwner = owner;
      if (!owner) return false;
      try {
        this.#nmPid = Number(
          (await conn.busCall("GetConnectionUnixProcessID", "s", [owner]))
            .body[0],
        ) || 0;
      } catch {
        this.#nmPid = 0;
      }
      await conn.call({
        path: "/org/freedesktop",
        interface: "org.freedesktop.DBus.ObjectManager",
        member: "GetManagedObjects",
      }, {
        timeout: this.#options.callTimeout,
        applySync: (msg) => {
          this.#mirror.settings.clear();
          this.#mirror.reset(
            unwrap(msg.body[0]) as Record<
              string,
              Record<string, Record<string, unknown>>
            >,
          );
        },
      });
      const paths = [...this.#mirror.withInterface(IFACE.settingsConnection)]
        .map(([p]) => p);
      await Promise.all(paths.map((p) => this.#fetchSettings(p)));
      for (const [path] of this.#mirror.withInterface(IFACE.statistics)) {
        this.#ensureRefreshRate(path);
      }
      await this.#syncModems();
      return true;
    } finally {
      this.#syncing--;
    }
  }

  /** Reads ModemManager's modems, if ModemManager runs (never starts it: no activation by name). */
  async #syncModems(): Promise<void> {
    const conn = this.#conn;
    if (!conn) return;
    try {
      this.#mmOwner = String((await conn.busCall("GetNameOwner", "s", [MM])).body[0]);
    } catch {
      this.#mmOwner = ""; // NameHasNoOwner: no ModemManager
    }
    const modems = new Map<string, Record<string, unknown>>();
    if (this.#mmOwner) {
      try {
        const reply = await conn.call({
          destination: MM,
          path: MM_PATH,
          interface: "org.freedesktop.DBus.ObjectManager",
          member: "GetManagedObjects",
        }, { timeout: this.#options.callTimeout });
        const managed = unwrap(reply.body[0]) as Record<string, Record<string, Record<string, unknown>>>;
        for (const [path, ifaces] of Object.entries(managed)) {
          if (ifaces[IFACE.mmModem]) modems.set(path, { ...ifaces[IFACE.mmModem] });
        }
      } catch { /* ModemManager went away or refused: no access technologies */ }
    }
    this.#mirror.modems = modems;
  }

  /** A signal from ModemManager: modems added, removed or changed. */
  #onModemManagerSignal(msg: BusMessage) {
    const modems = this.#mirror.modems;
    switch (`${msg.interface}.${msg.member}`) {
      case "org.freedesktop.DBus.Properties.PropertiesChanged": {
        const [iface, changed] = msg.body as [string, Record<string, unknown>];
        const props = modems.get(msg.path ?? "");
        if (iface !== IFACE.mmModem || !props) return;
        Object.assign(props, unwrap(changed) as Record<string, unknown>);
        break;
      }
      case "org.freedesktop.DBus.ObjectManager.InterfacesAdded": {
        const [path, ifaces] = msg.body as [string, Record<string, unknown>];
        const added = unwrap(ifaces) as Record<string, Record<string, unknown>>;
        if (!added[IFACE.mmModem]) return;
        modems.set(path, { ...added[IFACE.mmModem] });
        break;
      }
      case "org.freedesktop.DBus.ObjectManager.InterfacesRemoved": {
        const [path, ifaces] = msg.body as [string, string[]];
        if (!ifaces.includes(IFACE.mmModem) || !modems.delete(path)) return;
        break;
      }
      default:
        return;
    }
    this.#scheduleRecompute();
  }

  #fetchSettings(path: string): Promise<void> {
    const conn = this.#conn;
    if (!conn) return Promise.resolve();
    return conn.call({
      path,
      interface: IFACE.settingsConnection,
      member: "GetSettings",
    }, {
      timeout: this.#options.callTimeout,
      applySync: (msg) => {
        if (this.#mirror.objects.get(path)?.has(IFACE.settingsConnection)) {
          this.#mirror.settings.set(
            path,
            unwrap(msg.body[0]) as Record<string, Record<string, unknown>>,
          );
        }
        this.#scheduleRecompute();
      },
    }).then(() => {}, () => {
      // Removed meanwhile, or NetworkManager went away: the next signal or resync tells.
    });
  }

  #ensureRefreshRate(path: string) {
    const want = this.#options.statisticsRefreshMs ?? 1000;
    const s = this.#mirror.get(path, IFACE.statistics);
    if (!s || !this.#conn) return;
    const have = Number(s.RefreshRateMs ?? 0);
    if (have !== 0 && have <= want) return;
    this.#conn.call({
      path,
      interface: "org.freedesktop.DBus.Properties",
      member: "Set",
      signature: "ssv",
      body: [IFACE.statistics, "RefreshRateMs", variant("u", want)],
    }, { timeout: this.#options.callTimeout }).catch(() => {});
  }

  #onSignal(conn: BusConnection, msg: BusMessage) {
    if (conn !== this.#conn || this.#closed) return;
    if (
      msg.interface === "org.freedesktop.DBus" &&
      msg.member === "NameOwnerChanged"
    ) {
      const [name, , owner] = msg.body as string[];
      if (name === MM) {
        // ModemManager (re)started or left: re-read its modems.
        this.#mmOwner = owner;
        void this.#syncModems().then(() => this.#scheduleRecompute());
        return;
      }
      if (name !== NM) return;
      this.#nmOwner = owner;
      if (!owner) {
        this.#failWaiters(
          new DriverError(
            "unknown",
            "NetworkManager stopped (it left the bus)",
          ),
        );
        this.#setConnectivity("unknown");
      } else {
        // NetworkManager (re)started: re-read everything once it has finished starting (it re-assumes the
        // connections that are still up; reporting the intermediate states would look like links lost).
        this.#holdForStartup = true;
        this.#resync();
      }
      return;
    }
    if (this.#mmOwner && msg.sender === this.#mmOwner) return this.#onModemManagerSignal(msg);
    if (!this.#nmOwner || msg.sender !== this.#nmOwner || !msg.path) return;
    const path = msg.path;
    let recompute = true;
    switch (`${msg.interface}.${msg.member}`) {
      case "org.freedesktop.DBus.Properties.PropertiesChanged": {
        const [iface, changed] = msg.body as [string, Record<string, unknown>];
        const props = unwrap(changed) as Record<string, unknown>;
        this.#mirror.changeProperties(path, iface, props);
        if (iface === IFACE.statistics) recompute = false;
        if (
          iface === IFACE.nm && props.Startup === false && this.#holdForStartup
        ) this.#holdForStartup = false;
        break;
      }
      case "org.freedesktop.DBus.ObjectManager.InterfacesAdded": {
        const [objPath, ifaces] = msg.body as [string, Record<string, unknown>];
        const added = unwrap(ifaces) as Record<string, Record<string, unknown>>;
        this.#mirror.addInterfaces(objPath, added);
        if (added[IFACE.settingsConnection]) void this.#fetchSettings(objPath);
        if (added[IFACE.statistics]) this.#ensureRefreshRate(objPath);
        break;
      }
      case "org.freedesktop.DBus.ObjectManager.InterfacesRemoved": {
        const [objPath, ifaces] = msg.body as [string, string[]];
        this.#mirror.removeInterfaces(objPath, ifaces);
        break;
      }
      case `${IFACE.settingsConnection}.Updated`:
        void this.#fetchSettings(path);
        recompute = false;
        break;
      case `${IFACE.active}.StateChanged`: {
        // NetworkManager sends this signal at once but batches PropertiesChanged on its idle loop: taking the
        // state from the signal tells sessions a few milliseconds sooner (the properties follow in wire order).
        const [state, reason] = msg.body as [number, number];
        if (Number(state) === NMActiveConnectionState.DEACTIVATED) this.#acReasons.set(path, Number(reason));
        if (this.#mirror.get(path, IFACE.active)) {
          this.#mirror.changeProperties(path, IFACE.active, { State: Number(state) });
        } else recompute = false;
        break;
      }
      default:
        recompute = false;
    }
    if (recompute) this.#scheduleRecompute();
  }

  #resync() {
    this.#sync().then((present) => {
      if (present) return this.#waitForStartupComplete(30000);
    }).then(() => {
      this.#holdForStartup = false;
      this.#recompute();
    }).catch(() => {
      // NetworkManager went away again or the bus dropped: the next NameOwnerChanged / reconnect resyncs.
      this.#holdForStartup = false;
    });
  }

  async #waitForStartupComplete(ms: number): Promise<void> {
    if (this.#mirror.get(NM_PATH, IFACE.nm)?.Startup !== true) {
      this.#holdForStartup = false;
      return;
    }
    this.#holdForStartup = true;
    const done = this.#waitFor(
      "NetworkManager start-up",
      ms,
      undefined,
      () => !this.#holdForStartup,
    );
    await done.promise.catch(() => {});
    this.#holdForStartup = false;
  }

  #onBusLost(conn: BusConnection, why: string) {
    if (conn !== this.#conn || this.#closed) return;
    this.#conn = undefined;
    this.#nmOwner = "";
    this.#failWaiters(
      new DriverError(
        "unknown",
        `lost the D-Bus connection to ${this.#address} (${why})`,
      ),
    );
    this.#setConnectivity("unknown");
    this.#scheduleReconnect(this.#options.reconnectDelay?.initial ?? 100);
  }

  #scheduleReconnect(delay: number) {
    if (this.#closed || this.#reconnecting) return;
    const max = this.#options.reconnectDelay?.max ?? 5000;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnecting = (async () => {
        try {
          await this.#connect();
          if (await this.#sync()) await this.#waitForStartupComplete(30000);
          this.#recompute();
        } catch {
          this.#conn?.close();
          this.#conn = undefined;
          this.#reconnecting = undefined;
          this.#scheduleReconnect(Math.min(max, delay * 2));
          return;
        }
        this.#reconnecting = undefined;
      })();
    }, delay);
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
    this.#ifindexCache = undefined;
    return computeView(this.#mirror, {
      serviceNetworks: this.#serviceNetworks,
      ifindex: (name) => this.#ifindex(name),
    });
  }

  /** Takes a view as the reported state without emitting (the start snapshot). */
  #adopt(view: View) {
    this.#view = view;
    this.#emitted = new Map(
      view.configurations.map((c) => [c.identifier, stable(c)]),
    );
    this.#default = view.defaultConfiguration;
    this.#policies = view.usagePolicies;
    this.#setConnectivity(view.connectivity);
  }

  #recompute() {
    if (
      this.#closed || this.#syncing > 0 || this.#holdForStartup ||
      !this.#started
    ) {
      if (this.#holdForStartup) this.#kick(); // the start-up waiter
      return;
    }
    if (!this.#nmOwner) return; // NetworkManager away: keep the last known state until it is back
    const view = this.#computeView();
    this.#view = view;
    for (const id of [...this.#ours]) {
      if (!view.activePaths.has(id)) this.#ours.delete(id);
    }
    for (const path of [...this.#acReasons.keys()]) {
      if (!this.#mirror.objects.has(path)) this.#acReasons.delete(path);
    }
    const sink = this.#sink;
    if (sink) {
      const emit = (e: Parameters<DriverEventSink>[0]) => {
        try {
          sink(e);
        } catch { /* a listener's failure is not ours */ }
      };
      const next = new Map(view.configurations.map((c) => [c.identifier, c]));
      const ordered = [
        ...view.configurations.filter((c) => c.type === "internet-access-point"),
        ...view.configurations.filter((c) => c.type !== "internet-access-point"),
      ];
      for (const c of ordered) {
        const key = stable(c);
        const prev = this.#emitted.get(c.identifier);
        if (prev === key) continue;
        this.#emitted.set(c.identifier, key);
        emit({
          type: prev === undefined ? "configuration-added" : "configuration-changed",
          configuration: c,
        });
      }
      const removed = [...this.#emitted.keys()].filter((id) => !next.has(id));
      const isSn = (id: string) =>
        (JSON.parse(this.#emitted.get(id)!) as DriverConfiguration).type !==
          "internet-access-point";
      for (
        const id of [
          ...removed.filter(isSn),
          ...removed.filter((id) => !isSn(id)),
        ]
      ) {
        this.#emitted.delete(id);
        emit({ type: "configuration-removed", identifier: id });
      }
      if (view.defaultConfiguration !== this.#default) {
        this.#default = view.defaultConfiguration;
        emit({
          type: "default-changed",
          identifier: view.defaultConfiguration,
        });
      }
      if (view.usagePolicies.join() !== this.#policies.join()) {
        this.#policies = view.usagePolicies;
        emit({ type: "usage-policies-changed", policies: view.usagePolicies });
      }
    }
    this.#setConnectivity(view.connectivity);
    this.#kick();
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

  /**
   * Kernel index of an interface of NetworkManager's network namespace: from `/proc/<NetworkManager pid>/net/igmp`
   * (right even when NetworkManager runs in another namespace), else `/sys/class/net` when it shares ours.
   */
  #ifindex(name: string): number {
    if (!this.#ifindexCache) {
      const cache = new Map<string, number>();
      if (this.#nmPid) {
        try {
          const text = Deno.readTextFileSync(`/proc/${this.#nmPid}/net/igmp`);
          for (const m of text.matchAll(/^(\d+)\s+(\S+)\s*:/gm)) {
            cache.set(m[2], Number(m[1]));
          }
        } catch { /* no permission or not Linux */ }
      }
      this.#ifindexCache = cache;
    }
    const known = this.#ifindexCache.get(name);
    if (known !== undefined) return known;
    try {
      const same = !this.#nmPid ||
        Deno.readLinkSync("/proc/self/ns/net") ===
          Deno.readLinkSync(`/proc/${this.#nmPid}/ns/net`);
      if (same) {
        const n = Number(
          Deno.readTextFileSync(`/sys/class/net/${name}/ifindex`).trim(),
        ) || 0;
        this.#ifindexCache.set(name, n);
        return n;
      }
    } catch { /* unknown */ }
    return 0;
  }
}
