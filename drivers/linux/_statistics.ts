// Internal: byte counters from NetworkManager's device `Statistics` interface. NetworkManager refreshes them only
// when a client asks (`RefreshRateMs`, 0 = never): `ensureRefreshRate` sets it when it is 0 or slower than wanted,
// and the driver leaves it set, because the setting is per device and shared by every client.
import type { DriverStatistics } from "@netsession/core";
import { type BusConnection, variant } from "./_dbus.ts";
import { IFACE, type Mirror } from "./_model.ts";

/** Asks NetworkManager to refresh the counters of the device at `path` at least every `wantMs` ms. */
export function ensureRefreshRate(
  conn: BusConnection | undefined,
  mirror: Mirror,
  path: string,
  wantMs: number,
  callTimeout: number | undefined,
): void {
  const s = mirror.get(path, IFACE.statistics);
  if (!s || !conn) return;
  const have = Number(s.RefreshRateMs ?? 0);
  if (have !== 0 && have <= wantMs) return;
  conn.call({
    path,
    interface: "org.freedesktop.DBus.Properties",
    member: "Set",
    signature: "ssv",
    body: [IFACE.statistics, "RefreshRateMs", variant("u", wantMs)],
  }, { timeout: callTimeout }).catch(() => {});
}

/** The byte counters of the device at `devicePath`, as the mirror last saw them. */
export function deviceStatistics(mirror: Mirror, devicePath: string): DriverStatistics | undefined {
  const s = mirror.get(devicePath, IFACE.statistics);
  if (!s) return undefined;
  return {
    bytesReceived: Number(s.RxBytes ?? 0),
    bytesWritten: Number(s.TxBytes ?? 0),
  };
}
