// Internal: the D-Bus connection to NetworkManager. Connects and subscribes to the signals, follows
// NetworkManager's bus name (it stopping, it restarting: resync once its start-up is complete, so connections it
// re-assumes are not reported lost), and reconnects with back-off when the bus connection drops.
import { DriverError } from "@netsession/core";
import { BusCallError, BusConnection, type BusMessage, NM } from "./_dbus.ts";
import { IFACE, type Mirror, NM_PATH } from "./_model.ts";
import { ModemManagerFollower } from "./_modem_manager.ts";
import { MirrorSync } from "./_mirror_sync.ts";
import type { Waiters } from "./_waiters.ts";

/** What the connection tells the driver. */
export interface ConnectionEvents {
  /** The mirror changed: recompute soon. */
  changed(): void;
  /** A resync after NetworkManager's restart or a reconnection is complete: recompute now. */
  resynced(): void;
  /** NetworkManager left the bus, or the bus connection dropped (a reconnection follows). */
  lost(error: DriverError): void;
  /** An active connection's `StateChanged` signal. */
  activeStateChanged(path: string, state: number, reason: number): void;
}

/** Options of {@linkcode NetworkManagerConnection}. */
export interface ConnectionOptions {
  readonly callTimeout?: number;
  readonly statisticsRefreshMs?: number;
  readonly reconnectDelay?: { readonly initial?: number; readonly max?: number };
}

/** The bus connection, NetworkManager's presence on it, and the mirror of its objects. */
export class NetworkManagerConnection {
  readonly address: string;
  readonly #sync: MirrorSync;
  readonly #options: ConnectionOptions;
  readonly #events: ConnectionEvents;
  readonly #waiters: Waiters;
  #conn: BusConnection | undefined;
  #owner = "";
  #pid = 0;
  #syncing = 0;
  #holdForStartup = false;
  #closed = false;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnecting: Promise<void> | undefined;

  constructor(address: string, options: ConnectionOptions, events: ConnectionEvents, waiters: Waiters) {
    this.address = address;
    this.#options = options;
    this.#events = events;
    this.#waiters = waiters;
    this.#sync = new MirrorSync(() => this.#conn, {
      changed: () => events.changed(),
      startupFinished: () => {
        if (this.#holdForStartup) this.#holdForStartup = false;
      },
      activeStateChanged: (path, state, reason) => events.activeStateChanged(path, state, reason),
    }, options);
  }

  /** The mirror of NetworkManager's objects. */
  get mirror(): Mirror {
    return this.#sync.mirror;
  }

  /** The bus connection, while there is one. */
  get bus(): BusConnection | undefined {
    return this.#conn;
  }

  /** NetworkManager's unique bus name; empty while it is not on the bus. */
  get owner(): string {
    return this.#owner;
  }

  /** NetworkManager's pid (0 when unknown). */
  get pid(): number {
    return this.#pid;
  }

  /** Whether a full re-read is under way (the mirror is not consistent meanwhile). */
  get syncing(): boolean {
    return this.#syncing > 0;
  }

  /** Whether NetworkManager is still starting up (its intermediate states are not reported). */
  get startingUp(): boolean {
    return this.#holdForStartup;
  }

  /** Connects to the bus and subscribes to NetworkManager's (and ModemManager's) signals. */
  async connect(): Promise<void> {
    let conn: BusConnection | undefined = undefined;
    conn = await BusConnection.connect(
      this.address,
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
      ...ModemManagerFollower.matchRules,
    ];
    for (const rule of rules) await conn.busCall("AddMatch", "s", [rule]);
  }

  /** Closes the bus connection without closing this object (a failed start, a failed reconnection). */
  drop(): void {
    this.#conn?.close();
    this.#conn = undefined;
  }

  /** Closes for good: no more signals, no reconnection. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.drop();
  }

  /** Re-reads everything. Resolves to false when NetworkManager is not on the bus. */
  async sync(): Promise<boolean> {
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
      this.#owner = owner;
      if (!owner) return false;
      try {
        this.#pid = Number(
          (await conn.busCall("GetConnectionUnixProcessID", "s", [owner]))
            .body[0],
        ) || 0;
      } catch {
        this.#pid = 0;
      }
      await this.#sync.read(conn);
      return true;
    } finally {
      this.#syncing--;
    }
  }

  /** Resolves once NetworkManager's start-up is complete (at most `ms`), holding reports back meanwhile. */
  async waitForStartupComplete(ms: number): Promise<void> {
    if (this.mirror.get(NM_PATH, IFACE.nm)?.Startup !== true) {
      this.#holdForStartup = false;
      return;
    }
    this.#holdForStartup = true;
    const done = this.#waiters.waitFor(
      "NetworkManager start-up",
      ms,
      undefined,
      () => !this.#holdForStartup,
    );
    await done.promise.catch(() => {});
    this.#holdForStartup = false;
  }

  #onSignal(conn: BusConnection, msg: BusMessage) {
    if (conn !== this.#conn || this.#closed) return;
    if (this.#sync.modems.handle(conn, msg)) return;
    if (
      msg.interface === "org.freedesktop.DBus" &&
      msg.member === "NameOwnerChanged"
    ) {
      const [name, , owner] = msg.body as string[];
      if (name !== NM) return;
      this.#owner = owner;
      if (!owner) {
        this.#events.lost(
          new DriverError(
            "unknown",
            "NetworkManager stopped (it left the bus)",
          ),
        );
      } else {
        // NetworkManager (re)started: re-read everything once it has finished starting (it re-assumes the
        // connections that are still up; reporting the intermediate states would look like links lost).
        this.#holdForStartup = true;
        this.#resync();
      }
      return;
    }
    if (!this.#owner || msg.sender !== this.#owner || !msg.path) return;
    if (this.#sync.apply(msg as BusMessage & { path: string })) this.#events.changed();
  }

  #resync() {
    this.sync().then((present) => {
      if (present) return this.waitForStartupComplete(30000);
    }).then(() => {
      this.#holdForStartup = false;
      this.#events.resynced();
    }).catch(() => {
      // NetworkManager went away again or the bus dropped: the next NameOwnerChanged / reconnect resyncs.
      this.#holdForStartup = false;
    });
  }

  #onBusLost(conn: BusConnection, why: string) {
    if (conn !== this.#conn || this.#closed) return;
    this.#conn = undefined;
    this.#owner = "";
    this.#events.lost(
      new DriverError(
        "unknown",
        `lost the D-Bus connection to ${this.address} (${why})`,
      ),
    );
    this.#scheduleReconnect(this.#options.reconnectDelay?.initial ?? 100);
  }

  #scheduleReconnect(delay: number) {
    if (this.#closed || this.#reconnecting) return;
    const max = this.#options.reconnectDelay?.max ?? 5000;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnecting = (async () => {
        try {
          await this.connect();
          if (await this.sync()) await this.waitForStartupComplete(30000);
          this.#events.resynced();
        } catch {
          this.drop();
          this.#reconnecting = undefined;
          this.#scheduleReconnect(Math.min(max, delay * 2));
          return;
        }
        this.#reconnecting = undefined;
      })();
    }, delay);
  }
}
