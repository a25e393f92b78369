// Internal: a mirror of NetworkManager's D-Bus objects and the pure computation of netsession configurations
// from it. Everything here is synchronous and free of I/O, so it is unit-tested without a bus.
import {
  type DriverConfiguration,
  type DriverEvent,
  type NetworkInterface,
  type UsagePolicy,
  WEAK_SIGNAL,
} from "@netsession/core";
import {
  bearerTypeFromConnectionType,
  type Connectivity,
  connectivityFromNetworkManager,
  isMetered,
  reachabilityFromConnectivity,
  type ServiceNetworkDefinition,
} from "./mapping.ts";
import { NMActiveConnectionState, NMDeviceState, NMDeviceType } from "./nm_enums.ts";

export const IFACE = {
  nm: "org.freedesktop.NetworkManager",
  device: "org.freedesktop.NetworkManager.Device",
  wireless: "org.freedesktop.NetworkManager.Device.Wireless",
  statistics: "org.freedesktop.NetworkManager.Device.Statistics",
  active: "org.freedesktop.NetworkManager.Connection.Active",
  settingsConnection: "org.freedesktop.NetworkManager.Settings.Connection",
  ip4: "org.freedesktop.NetworkManager.IP4Config",
  ip6: "org.freedesktop.NetworkManager.IP6Config",
  accessPoint: "org.freedesktop.NetworkManager.AccessPoint",
  /** ModemManager's modem interface (another service: `org.freedesktop.ModemManager1`). */
  mmModem: "org.freedesktop.ModemManager1.Modem",
} as const;

export const NM_PATH = "/org/freedesktop/NetworkManager";
/** Identifier of the service network made of NetworkManager's autoconnect connections. */
export const AUTO_SERVICE_NETWORK = "networkmanager-autoconnect";

type Props = Record<string, unknown>;
/** Connection settings as GetSettings returns them (unwrapped). */
export type Settings = Record<string, Record<string, unknown>>;

/** NetworkManager's objects: path -> interface -> properties; plus the settings of each connection path. */
export class Mirror {
  objects = new Map<string, Map<string, Props>>();
  settings = new Map<string, Settings>();
  /** ModemManager's modems (their `Modem` properties) by object path, the `Udi` of NetworkManager's modem devices. */
  modems = new Map<string, Props>();

  /** Replaces everything with a GetManagedObjects result. */
  reset(managed: Record<string, Record<string, Props>>): void {
    this.objects.clear();
    for (const [path, ifaces] of Object.entries(managed)) {
      this.addInterfaces(path, ifaces);
    }
    for (const path of [...this.settings.keys()]) {
      if (!this.objects.get(path)?.has(IFACE.settingsConnection)) {
        this.settings.delete(path);
      }
    }
  }

  addInterfaces(path: string, ifaces: Record<string, Props>): void {
    let obj = this.objects.get(path);
    if (!obj) this.objects.set(path, obj = new Map());
    for (const [iface, props] of Object.entries(ifaces)) {
      obj.set(iface, { ...props });
    }
  }

  removeInterfaces(path: string, ifaces: readonly string[]): void {
    const obj = this.objects.get(path);
    if (!obj) return;
    for (const i of ifaces) obj.delete(i);
    if (obj.size === 0) this.objects.delete(path);
    if (!obj.has(IFACE.settingsConnection)) this.settings.delete(path);
  }

  /** Applies a PropertiesChanged signal; ignored for objects we do not know. */
  changeProperties(path: string, iface: string, changed: Props): boolean {
    const props = this.objects.get(path)?.get(iface);
    if (!props) return false;
    Object.assign(props, changed);
    return true;
  }

  get(path: unknown, iface: string): Props | undefined {
    return typeof path === "string" ? this.objects.get(path)?.get(iface) : undefined;
  }

  /** Every object path having `iface`. */
  *withInterface(iface: string): Generator<[string, Props]> {
    for (const [path, obj] of this.objects) {
      const p = obj.get(iface);
      if (p) yield [path, p];
    }
  }
}

/** What {@linkcode computeView} derives from a mirror. */
export interface View {
  configurations: DriverConfiguration[];
  defaultConfiguration: string | undefined;
  usagePolicies: UsagePolicy[];
  connectivity: Connectivity;
  /** Settings path of each access point's connection, by UUID. */
  connectionPaths: Map<string, string>;
  /** The active-connection path of each active (or activating) UUID. */
  activePaths: Map<string, string>;
  /** The device path carrying each active UUID. */
  devicePaths: Map<string, string>;
}

/** Hooks for what is not in the mirror. */
export interface ViewOptions {
  serviceNetworks?: readonly ServiceNetworkDefinition[];
  /** Kernel index of an interface (0 when unknown). */
  ifindex?: (name: string) => number;
}

const SKIPPED_TYPES = new Set(["loopback"]);

function activated(ac: Props): boolean {
  return Number(ac.State) === NMActiveConnectionState.ACTIVATED;
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function cidrs(config: Props | undefined): string[] {
  const data = config?.AddressData;
  if (!Array.isArray(data)) return [];
  return data
    .map((a) => a as { address?: unknown; prefix?: unknown })
    .filter((a) => typeof a.address === "string")
    .map((a) => `${a.address}/${Number(a.prefix ?? 0)}`);
}

function ssidOf(settings: Settings): string | undefined {
  const ssid = settings["802-11-wireless"]?.ssid;
  if (ssid instanceof Uint8Array) return Array.from(ssid).join(",");
  if (Array.isArray(ssid)) return ssid.join(",");
  return undefined;
}

/** Derives configurations, default, policies and connectivity from the mirror. Pure. */
export function computeView(m: Mirror, options: ViewOptions = {}): View {
  const nm = m.get(NM_PATH, IFACE.nm) ?? {};
  const configurations: DriverConfiguration[] = [];
  const connectionPaths = new Map<string, string>();
  const activePaths = new Map<string, string>();
  const devicePaths = new Map<string, string>();
  const byUuid = new Map<string, DriverConfiguration>();

  // Active connections by UUID (prefer an ACTIVATED one when there are several).
  const actives = new Map<string, [string, Props]>();
  for (const [path, ac] of m.withInterface(IFACE.active)) {
    const uuid = str(ac.Uuid);
    const prev = actives.get(uuid);
    if (!prev || (!activated(prev[1]) && activated(ac))) {
      actives.set(uuid, [path, ac]);
    }
  }
  const devices = [...m.withInterface(IFACE.device)];
  const autoconnect: {
    uuid: string;
    priority: number;
    timestamp: number;
    name: string;
  }[] = [];

  const settingsList = [...m.settings.entries()].sort((a, b) => pathNumber(a[0]) - pathNumber(b[0]));
  for (const [path, s] of settingsList) {
    const c = s.connection ?? {};
    const uuid = str(c.uuid);
    const type = str(c.type);
    if (!uuid || SKIPPED_TYPES.has(type)) continue;
    connectionPaths.set(uuid, path);
    const active = actives.get(uuid);
    const acState = active ? Number(active[1].State) : NMActiveConnectionState.UNKNOWN;
    let device: Props | undefined;
    let devicePath: string | undefined;
    if (
      active &&
      (acState === NMActiveConnectionState.ACTIVATING || acState === NMActiveConnectionState.ACTIVATED)
    ) {
      activePaths.set(uuid, active[0]);
      const dp = (active[1].Devices as string[] | undefined)?.[0];
      device = m.get(dp, IFACE.device);
      if (device && dp) {
        devicePath = dp;
        devicePaths.set(uuid, dp);
      }
    }
    // A managed device, able to carry it now (NetworkManager lists it as available, carrier/in range).
    const carrier = devices.find(([, d]) =>
      d.Managed !== false && Number(d.State) >= NMDeviceState.DISCONNECTED &&
      Array.isArray(d.AvailableConnections) &&
      (d.AvailableConnections as string[]).includes(path)
    );
    const state: DriverConfiguration["state"] = acState === NMActiveConnectionState.ACTIVATED
      ? "active"
      : carrier
      ? "discovered"
      : "defined";
    const meterDevice = device ?? carrier?.[1];
    // Cellular: the modem's current access technology (ModemManager).
    const access = type === "gsm" || type === "cdma"
      ? accessTechnologies(m, devices, device ?? carrier?.[1])
      : undefined;
    const bearerType = bearerTypeFromConnectionType(type, access);
    const iface = state === "active" && device
      ? interfaceOf(m, active![1], device, options.ifindex)
      : undefined;
    let signal: number | undefined;
    if (bearerType === "wlan") signal = wifiStrength(m, s, device, devicePath);
    // How far it reaches: the device's connectivity (the global value where the device's is unknown).
    const reach = state === "active"
      ? reachabilityFromConnectivity({
        ip4: device?.Ip4Connectivity,
        ip6: device?.Ip6Connectivity,
        global: nm.Connectivity,
        primary: active![0] === nm.PrimaryConnection,
        checking: connectivityChecked(nm),
      })
      : undefined;
    const name = str(c.id) || uuid;
    const configuration: DriverConfiguration = {
      identifier: uuid,
      name,
      type: "internet-access-point",
      state,
      purpose: type === "vpn" || type === "wireguard" ? "private" : "unknown",
      bearerType,
      metered: isMetered(c.metered, meterDevice?.Metered),
      ...(iface ? { interface: iface } : {}),
      ...(signal !== undefined ? { signal } : {}),
      ...(reach ? { reachability: reach.reachability, captivePortal: reach.captivePortal } : {}),
    };
    configurations.push(configuration);
    byUuid.set(uuid, configuration);
    if (c.autoconnect !== false) {
      autoconnect.push({
        uuid,
        priority: Number(c["autoconnect-priority"] ?? 0),
        timestamp: Number(c.timestamp ?? 0),
        name,
      });
    }
  }

  // Service networks: NetworkManager's autoconnect order, then the user's.
  const serviceNetwork = (id: string, name: string, members: string[]) =>
    serviceNetworkOf(byUuid, id, name, members);
  autoconnect.sort((a, b) =>
    b.priority - a.priority || b.timestamp - a.timestamp ||
    a.name.localeCompare(b.name)
  );
  if (autoconnect.length > 0) {
    configurations.push(
      serviceNetwork(
        AUTO_SERVICE_NETWORK,
        "Automatic (NetworkManager autoconnect)",
        autoconnect.map((a) => a.uuid),
      ),
    );
  }
  for (const sn of options.serviceNetworks ?? []) {
    if (byUuid.has(sn.id) || sn.id === AUTO_SERVICE_NETWORK) continue;
    configurations.push(
      serviceNetwork(sn.id, sn.name, sn.members.filter((u) => byUuid.has(u))),
    );
  }

  // Default: NetworkManager's primary connection, else the autoconnect service network.
  const primary = m.get(nm.PrimaryConnection, IFACE.active);
  const primaryUuid = primary ? str(primary.Uuid) : "";
  const defaultConfiguration = byUuid.get(primaryUuid)?.state === "active"
    ? primaryUuid
    : autoconnect.length > 0
    ? AUTO_SERVICE_NETWORK
    : undefined;
  const usagePolicies: UsagePolicy[] = primary && isMetered(nm.Metered) ? ["no-background-traffic"] : [];
  return {
    configurations,
    defaultConfiguration,
    usagePolicies,
    connectivity: connectivityFromNetworkManager(nm.Connectivity),
    connectionPaths,
    activePaths,
    devicePaths,
  };
}

/** Whether NetworkManager checks connectivity (else its connectivity values are guesses); true when it does not say. */
export function connectivityChecked(nm: Props): boolean {
  return nm.ConnectivityCheckAvailable !== false && nm.ConnectivityCheckEnabled !== false;
}

/** A service network of these members (connection UUIDs, highest priority first). */
function serviceNetworkOf(
  byUuid: ReadonlyMap<string, DriverConfiguration>,
  id: string,
  name: string,
  members: string[],
): DriverConfiguration {
  return {
    identifier: id,
    name,
    type: "service-network",
    state: members.some((u) => byUuid.get(u)?.state === "active")
      ? "active"
      : members.some((u) => byUuid.get(u)?.state === "discovered")
      ? "discovered"
      : "defined",
    purpose: "unknown",
    bearerType: "unknown",
    metered: members.length > 0 && members.every((u) => byUuid.get(u)?.metered),
    children: members,
    roamingAvailable: members.length > 1,
  };
}

/**
 * Cellular: the modem's current access technology bits (ModemManager), from the device carrying or able to carry
 * the connection, else the only modem device there is.
 */
function accessTechnologies(
  m: Mirror,
  devices: readonly [string, Props][],
  device: Props | undefined,
): number | undefined {
  const modems = devices.filter(([, d]) => Number(d.DeviceType) === NMDeviceType.MODEM);
  const modem = device ?? (modems.length === 1 ? modems[0][1] : undefined);
  return Number(m.modems.get(str(modem?.Udi))?.AccessTechnologies ?? 0) || undefined;
}

/** The interface of an active connection on its device: name, index, addresses, MAC. */
function interfaceOf(
  m: Mirror,
  active: Props,
  device: Props,
  ifindex: ((name: string) => number) | undefined,
): NetworkInterface {
  const name = str(device.IpInterface) || str(device.Interface);
  const ip4 = m.get(active.Ip4Config, IFACE.ip4) ??
    m.get(device.Ip4Config, IFACE.ip4);
  const ip6 = m.get(active.Ip6Config, IFACE.ip6) ??
    m.get(device.Ip6Config, IFACE.ip6);
  const hw = str(device.HwAddress);
  return {
    name,
    index: ifindex?.(name) ?? 0,
    addresses: [...cidrs(ip4), ...cidrs(ip6)],
    ...(hw ? { hardwareAddress: hw } : {}),
  };
}

function pathNumber(path: string): number {
  const n = Number(path.slice(path.lastIndexOf("/") + 1));
  return Number.isFinite(n) ? n : 0;
}

function wifiStrength(
  m: Mirror,
  s: Settings,
  device?: Props,
  devicePath?: string,
): number | undefined {
  if (devicePath) {
    const ap = m.get(
      m.get(devicePath, IFACE.wireless)?.ActiveAccessPoint,
      IFACE.accessPoint,
    );
    if (ap) return Number(ap.Strength ?? 0);
  }
  void device;
  const ssid = ssidOf(s);
  if (ssid === undefined) return undefined;
  let best: number | undefined;
  for (const [, ap] of m.withInterface(IFACE.accessPoint)) {
    const apSsid = ap.Ssid instanceof Uint8Array || Array.isArray(ap.Ssid)
      ? Array.from(ap.Ssid as ArrayLike<number>).join(",")
      : undefined;
    if (apSsid === ssid) best = Math.max(best ?? 0, Number(ap.Strength ?? 0));
  }
  return best ?? 0;
}

// ---- losing: the link is expected to go ----

/**
 * `msToLive` of the `losing` sent when NetworkManager starts deactivating an active connection that is up
 * (DEACTIVATING): NetworkManager gives no deadline and is already tearing the link down (DEACTIVATED follows
 * 35–40 ms later in the lab), so the driver says 0, "now".
 */
export const DEACTIVATING_MS_TO_LIVE = 0;

/**
 * `msToLive` of the `losing` sent when the access point of an active Wi-Fi connection fades below the core's
 * `WEAK_SIGNAL`: NetworkManager gives no deadline either; an estimate of how long a fading Wi-Fi link usually
 * lasts before the supplicant gives up on it (several missed beacons, then a rescan).
 */
export const WEAK_SIGNAL_MS_TO_LIVE = 10_000;

/** What {@linkcode deactivationLosing} needs to know beyond the mirror. */
export interface DeactivationContext {
  /** Whether the connection (UUID) was last reported to the core as `active`. */
  reportedActive(uuid: string): boolean;
  /** Whether the deactivation of this active-connection path is this driver's own doing. */
  ours(path: string): boolean;
}

/**
 * The `losing` event for an active connection's `StateChanged` signal, if any: a connection reported `active`
 * entering DEACTIVATING not at this driver's request (`nmcli connection down`, a device disconnecting). Called
 * with the signal before the mirror takes the new state (the mirror still knows the connection's UUID).
 */
export function deactivationLosing(
  m: Mirror,
  path: string,
  state: number,
  ctx: DeactivationContext,
): DriverEvent | undefined {
  if (state !== NMActiveConnectionState.DEACTIVATING) return undefined;
  const ac = m.get(path, IFACE.active);
  const uuid = str(ac?.Uuid);
  if (!uuid) return undefined;
  if (!ctx.reportedActive(uuid) || ctx.ours(path)) return undefined;
  return { type: "losing", identifier: uuid, msToLive: DEACTIVATING_MS_TO_LIVE };
}

/**
 * Whether an active Wi-Fi connection's signal has just faded below the core's `WEAK_SIGNAL`: `previous` (as last
 * reported) was active at `WEAK_SIGNAL` or more and `next` is still active below it. Once per fall: it is armed
 * again when the signal is back at `WEAK_SIGNAL` or more (NetworkManager updates an access point's `Strength`
 * every few seconds at most, so a signal hovering at the threshold does not flood).
 */
export function fadedBelowWeakSignal(
  previous: DriverConfiguration | undefined,
  next: DriverConfiguration,
): boolean {
  const up = (c: DriverConfiguration | undefined): c is DriverConfiguration =>
    c?.type === "internet-access-point" && c.bearerType === "wlan" && c.state === "active" &&
    c.signal !== undefined;
  return up(previous) && up(next) && previous.signal! >= WEAK_SIGNAL && next.signal! < WEAK_SIGNAL;
}

/** The `losing` events of Wi-Fi connections fading between what was reported (`previous`) and `next`. */
export function signalLosing(
  previous: (identifier: string) => DriverConfiguration | undefined,
  next: View,
): DriverEvent[] {
  return next.configurations
    .filter((c) =>
      c.bearerType === "wlan" && c.state === "active" && fadedBelowWeakSignal(previous(c.identifier), c)
    )
    .map((c) => ({ type: "losing", identifier: c.identifier, msToLive: WEAK_SIGNAL_MS_TO_LIVE }));
}
