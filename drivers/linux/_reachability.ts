// Internal: a fresh reachability check of one link. NetworkManager's `CheckConnectivity` re-runs every device's
// connectivity check and replies with the global state; the device's own values (`Ip4Connectivity`,
// `Ip6Connectivity`) are then read back into the mirror in wire order, so the view computed next has them even
// when their PropertiesChanged signal is still queued on NetworkManager's idle loop.
import { DriverError } from "@netsession/core";
import { BusCallError, type BusConnection, toDriverError, unwrap } from "./_dbus.ts";
import { IFACE, type Mirror, NM_PATH } from "./_model.ts";

/** What the failure of a connectivity check means, and what to do about it. */
export function connectivityCheckError(e: unknown, what: string): DriverError {
  const base = toDriverError(e, what);
  const name = e instanceof BusCallError ? e.dbusName : "";
  if (e instanceof DriverError || name.endsWith(".NoReply") || name.endsWith(".Disconnected")) return base;
  return new DriverError(
    base.code,
    `${base.message}. NetworkManager refused or failed its connectivity check: check that connectivity checking ` +
      `is configured and enabled (${ENABLE_CHECKING}) and that this client may ask for a check (polkit ` +
      `org.freedesktop.NetworkManager.network-control)`,
    { cause: e },
  );
}

const ENABLE_CHECKING = "a [connectivity] section with uri= and response= in NetworkManager.conf, see " +
  "`man NetworkManager.conf`; `nmcli general` shows it";

/** The DriverError of a check asked while NetworkManager does not check connectivity at all. */
export function checkingDisabledError(what: string): DriverError {
  return new DriverError(
    "operation-not-supported",
    `${what}: connectivity checking is disabled in NetworkManager's configuration, so it cannot tell how far a ` +
      `link reaches; enable it (${ENABLE_CHECKING}; ConnectivityCheckEnabled must be true)`,
  );
}

/**
 * Asks NetworkManager to check connectivity now, then re-reads the connectivity of `devicePath` (when given)
 * into the mirror. Rejects with a DriverError saying what failed and what to do.
 */
export async function checkConnectivityNow(
  conn: BusConnection,
  mirror: Mirror,
  devicePath: string | undefined,
  what: string,
  timeout?: number,
): Promise<void> {
  try {
    await conn.call({ path: NM_PATH, interface: IFACE.nm, member: "CheckConnectivity" }, {
      timeout,
      // The reply carries the global state: keep it even if its PropertiesChanged comes later.
      applySync: (msg) =>
        void mirror.changeProperties(NM_PATH, IFACE.nm, { Connectivity: Number(msg.body[0]) }),
    });
  } catch (e) {
    throw connectivityCheckError(e, what);
  }
  if (!devicePath) return;
  await Promise.all(["Ip4Connectivity", "Ip6Connectivity"].map((property) =>
    conn.call({
      path: devicePath,
      interface: "org.freedesktop.DBus.Properties",
      member: "Get",
      signature: "ss",
      body: [IFACE.device, property],
    }, {
      timeout,
      applySync: (msg) =>
        void mirror.changeProperties(devicePath, IFACE.device, { [property]: unwrap(msg.body[0]) }),
    }).catch(() => {
      // The device went away meanwhile (or this NetworkManager predates per-device connectivity): the view says.
    })
  ));
}
