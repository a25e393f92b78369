// Internal: keeps the mirror of NetworkManager's objects in step with NetworkManager. `read` re-reads everything
// (ObjectManager `GetManagedObjects`, the settings of every connection, ModemManager's modems); `apply` applies one
// signal from NetworkManager (PropertiesChanged, InterfacesAdded/Removed, settings Updated, StateChanged).
import { type BusConnection, type BusMessage, unwrap } from "./_dbus.ts";
import { IFACE, Mirror, type Settings } from "./_model.ts";
import { ModemManagerFollower } from "./_modem_manager.ts";
import { ensureRefreshRate } from "./_statistics.ts";

type Props = Record<string, unknown>;

/** What the mirror tells its owner. */
export interface MirrorEvents {
  /** The mirror changed outside a signal being applied (a settings reply, ModemManager): recompute soon. */
  changed(): void;
  /** NetworkManager reported that its start-up is complete (`Startup` became false). */
  startupFinished(): void;
  /** An active connection's `StateChanged` signal (state and reason as numbers). */
  activeStateChanged(path: string, state: number, reason: number): void;
}

/** Options of {@linkcode MirrorSync}. */
export interface MirrorSyncOptions {
  readonly callTimeout?: number;
  readonly statisticsRefreshMs?: number;
}

/** The mirror and what keeps it in step. */
export class MirrorSync {
  readonly mirror: Mirror = new Mirror();
  /** The ModemManager follower (it fills `mirror.modems`). */
  readonly modems: ModemManagerFollower;
  readonly #connection: () => BusConnection | undefined;
  readonly #events: MirrorEvents;
  readonly #options: MirrorSyncOptions;

  /**
   * @param connection the current bus connection (undefined while there is none)
   * @param events what the mirror tells its owner
   */
  constructor(connection: () => BusConnection | undefined, events: MirrorEvents, options: MirrorSyncOptions) {
    this.#connection = connection;
    this.#events = events;
    this.#options = options;
    this.modems = new ModemManagerFollower(this.mirror, () => events.changed(), options.callTimeout);
  }

  /** Re-reads all of NetworkManager's objects and settings over `conn`, then ModemManager's modems. */
  async read(conn: BusConnection): Promise<void> {
    await conn.call({
      path: "/org/freedesktop",
      interface: "org.freedesktop.DBus.ObjectManager",
      member: "GetManagedObjects",
    }, {
      timeout: this.#options.callTimeout,
      applySync: (msg) => {
        this.mirror.settings.clear();
        this.mirror.reset(
          unwrap(msg.body[0]) as Record<string, Record<string, Props>>,
        );
      },
    });
    const paths = [...this.mirror.withInterface(IFACE.settingsConnection)]
      .map(([p]) => p);
    await Promise.all(paths.map((p) => this.#fetchSettings(p)));
    for (const [path] of this.mirror.withInterface(IFACE.statistics)) {
      this.#ensureRefreshRate(path);
    }
    const current = this.#connection();
    if (current) await this.modems.sync(current);
  }

  /** Applies a signal NetworkManager sent. Resolves to whether the configurations may have changed. */
  apply(msg: BusMessage & { path: string }): boolean {
    const path = msg.path;
    switch (`${msg.interface}.${msg.member}`) {
      case "org.freedesktop.DBus.Properties.PropertiesChanged": {
        const [iface, changed] = msg.body as [string, Props];
        const props = unwrap(changed) as Props;
        this.mirror.changeProperties(path, iface, props);
        if (iface === IFACE.nm && props.Startup === false) this.#events.startupFinished();
        return iface !== IFACE.statistics;
      }
      case "org.freedesktop.DBus.ObjectManager.InterfacesAdded": {
        const [objPath, ifaces] = msg.body as [string, Props];
        const added = unwrap(ifaces) as Record<string, Props>;
        this.mirror.addInterfaces(objPath, added);
        if (added[IFACE.settingsConnection]) void this.#fetchSettings(objPath);
        if (added[IFACE.statistics]) this.#ensureRefreshRate(objPath);
        return true;
      }
      case "org.freedesktop.DBus.ObjectManager.InterfacesRemoved": {
        const [objPath, ifaces] = msg.body as [string, string[]];
        this.mirror.removeInterfaces(objPath, ifaces);
        return true;
      }
      case `${IFACE.settingsConnection}.Updated`:
        void this.#fetchSettings(path);
        return false;
      case `${IFACE.active}.StateChanged`: {
        // NetworkManager sends this signal at once but batches PropertiesChanged on its idle loop: taking the
        // state from the signal tells sessions a few milliseconds sooner (the properties follow in wire order).
        const [state, reason] = msg.body as [number, number];
        this.#events.activeStateChanged(path, Number(state), Number(reason));
        if (!this.mirror.get(path, IFACE.active)) return false;
        this.mirror.changeProperties(path, IFACE.active, { State: Number(state) });
        return true;
      }
      default:
        return false;
    }
  }

  #fetchSettings(path: string): Promise<void> {
    const conn = this.#connection();
    if (!conn) return Promise.resolve();
    return conn.call({
      path,
      interface: IFACE.settingsConnection,
      member: "GetSettings",
    }, {
      timeout: this.#options.callTimeout,
      applySync: (msg) => {
        if (this.mirror.objects.get(path)?.has(IFACE.settingsConnection)) {
          this.mirror.settings.set(path, unwrap(msg.body[0]) as Settings);
        }
        this.#events.changed();
      },
    }).then(() => {}, () => {
      // Removed meanwhile, or NetworkManager went away: the next signal or resync tells.
    });
  }

  #ensureRefreshRate(path: string): void {
    ensureRefreshRate(
      this.#connection(),
      this.mirror,
      path,
      this.#options.statisticsRefreshMs ?? 1000,
      this.#options.callTimeout,
    );
  }
}
