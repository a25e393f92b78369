// Internal: the ModemManager follower. Cellular connections take their bearer from the modem's current access
// technology (`AccessTechnologies` of ModemManager's Modem object, the `Udi` of NetworkManager's modem device).
// This keeps the mirror's `modems` in step with ModemManager, when it runs: read at (re)sync and on its
// (re)start, then followed from its signals. It never starts ModemManager (no activation by name).
import { type BusConnection, type BusMessage, unwrap } from "./_dbus.ts";
import { IFACE, type Mirror } from "./_model.ts";

/** ModemManager's bus name and object manager path. */
const MM = "org.freedesktop.ModemManager1";
const MM_PATH = "/org/freedesktop/ModemManager1";

type Props = Record<string, unknown>;

/** Follows ModemManager's modems into `mirror.modems`; `changed` is called when they may have changed. */
export class ModemManagerFollower {
  /** The match rules for ModemManager's signals and its name owner changes (optional: absent on most machines). */
  static readonly matchRules: readonly string[] = [
    `type='signal',sender='${MM}'`,
    `type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',member='NameOwnerChanged',` +
    `arg0='${MM}'`,
  ];
  readonly #mirror: Mirror;
  readonly #changed: () => void;
  readonly #callTimeout: number | undefined;
  #owner = "";

  constructor(mirror: Mirror, changed: () => void, callTimeout?: number) {
    this.#mirror = mirror;
    this.#changed = changed;
    this.#callTimeout = callTimeout;
  }

  /** Reads ModemManager's modems, if ModemManager runs. */
  async sync(conn: BusConnection): Promise<void> {
    try {
      this.#owner = String((await conn.busCall("GetNameOwner", "s", [MM])).body[0]);
    } catch {
      this.#owner = ""; // NameHasNoOwner: no ModemManager
    }
    const modems = new Map<string, Props>();
    if (this.#owner) {
      try {
        const reply = await conn.call({
          destination: MM,
          path: MM_PATH,
          interface: "org.freedesktop.DBus.ObjectManager",
          member: "GetManagedObjects",
        }, { timeout: this.#callTimeout });
        const managed = unwrap(reply.body[0]) as Record<string, Record<string, Props>>;
        for (const [path, ifaces] of Object.entries(managed)) {
          if (ifaces[IFACE.mmModem]) modems.set(path, { ...ifaces[IFACE.mmModem] });
        }
      } catch { /* ModemManager went away or refused: no access technologies */ }
    }
    this.#mirror.modems = modems;
  }

  /**
   * Takes the message if it is ModemManager's (its name owner changing, or a signal it sent): resolves to true
   * then, false for every other message.
   */
  handle(conn: BusConnection, msg: BusMessage): boolean {
    if (msg.interface === "org.freedesktop.DBus" && msg.member === "NameOwnerChanged") {
      const [name, , owner] = msg.body as string[];
      if (name !== MM) return false;
      // ModemManager (re)started or left: re-read its modems.
      this.#owner = owner;
      void this.sync(conn).then(() => this.#changed());
      return true;
    }
    if (!this.#owner || msg.sender !== this.#owner) return false;
    if (this.#onSignal(msg)) this.#changed();
    return true;
  }

  /** A signal from ModemManager: modems added, removed or changed. True when the modems changed. */
  #onSignal(msg: BusMessage): boolean {
    const modems = this.#mirror.modems;
    switch (`${msg.interface}.${msg.member}`) {
      case "org.freedesktop.DBus.Properties.PropertiesChanged": {
        const [iface, changed] = msg.body as [string, Props];
        const props = modems.get(msg.path ?? "");
        if (iface !== IFACE.mmModem || !props) return false;
        Object.assign(props, unwrap(changed) as Props);
        return true;
      }
      case "org.freedesktop.DBus.ObjectManager.InterfacesAdded": {
        const [path, ifaces] = msg.body as [string, Props];
        const added = unwrap(ifaces) as Record<string, Props>;
        if (!added[IFACE.mmModem]) return false;
        modems.set(path, { ...added[IFACE.mmModem] });
        return true;
      }
      case "org.freedesktop.DBus.ObjectManager.InterfacesRemoved": {
        const [path, ifaces] = msg.body as [string, string[]];
        return ifaces.includes(IFACE.mmModem) && modems.delete(path);
      }
      default:
        return false;
    }
  }
}
