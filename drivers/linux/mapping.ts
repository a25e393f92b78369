/**
 * Pure mappings from NetworkManager values to netsession values (no D-Bus here).
 *
 * @module
 */
import type { BearerType, Reachability } from "@netsession/core";
import { NMConnectivityState, NMMetered } from "./nm_enums.ts";

/** ModemManager's `MMModemAccessTechnology` bits (of its `AccessTechnologies` property), the ones mapped here. */
const MMModemAccessTechnology = {
  GSM: 1 << 1,
  GSM_COMPACT: 1 << 2,
  GPRS: 1 << 3,
  EDGE: 1 << 4,
  UMTS: 1 << 5,
  HSDPA: 1 << 6,
  HSUPA: 1 << 7,
  HSPA: 1 << 8,
  HSPA_PLUS: 1 << 9,
  "1XRTT": 1 << 10,
  EVDO0: 1 << 11,
  EVDOA: 1 << 12,
  EVDOB: 1 << 13,
  LTE: 1 << 14,
  "5GNR": 1 << 15,
} as const;

const T = MMModemAccessTechnology;
/** Access technologies, highest first, with the bearer each maps to. */
const ACCESS_TECHNOLOGIES: readonly (readonly [number, BearerType])[] = [
  [T["5GNR"], "5g"],
  [T.LTE, "lte"],
  [T.HSDPA | T.HSUPA | T.HSPA | T.HSPA_PLUS, "hspa"],
  [T.UMTS, "wcdma"],
  [T.EVDO0 | T.EVDOA | T.EVDOB, "evdo"],
  [T["1XRTT"], "cdma2000"],
  [T.GSM | T.GSM_COMPACT | T.GPRS | T.EDGE, "2g"],
];

/**
 * The bearer of a NetworkManager connection, from its `connection.type` and, for cellular connections, the
 * modem's current access technologies (ModemManager `AccessTechnologies` bits) when known.
 *
 * @param connectionType the `connection.type` setting (`802-3-ethernet`, `802-11-wireless`, `gsm`, ...)
 * @param accessTechnologies ModemManager access-technology bits of the modem, if known
 * @returns the bearer; `unknown` for virtual and VPN types
 *
 * @example
 * ```ts
 * import { bearerTypeFromConnectionType } from "@netsession/linux";
 * console.log(bearerTypeFromConnectionType("802-11-wireless")); // "wlan"
 * console.log(bearerTypeFromConnectionType("gsm")); // "2g"
 * console.log(bearerTypeFromConnectionType("gsm", 1 << 14)); // "lte"
 * ```
 */
export function bearerTypeFromConnectionType(
  connectionType: string,
  accessTechnologies?: number,
): BearerType {
  switch (connectionType) {
    case "802-3-ethernet":
    case "ethernet":
    case "veth":
    case "pppoe":
      return "ethernet";
    case "802-11-wireless":
    case "wifi":
    case "wifi-p2p":
    case "olpc-mesh":
      return "wlan";
    case "gsm":
    case "cdma": {
      if (accessTechnologies) {
        for (const [bits, bearer] of ACCESS_TECHNOLOGIES) {
          if (accessTechnologies & bits) return bearer;
        }
      }
      return connectionType === "gsm" ? "2g" : "cdma2000";
    }
    case "bluetooth":
      return "bluetooth";
    case "wimax":
      return "wimax";
    default:
      return "unknown";
  }
}

/**
 * Connectivity as NetworkManager reports it (`NMConnectivityState`).
 *
 * @example
 * ```ts
 * import type { Connectivity } from "@netsession/linux";
 * const c: Connectivity = "portal";
 * ```
 */
export type Connectivity = "unknown" | "none" | "portal" | "limited" | "full";

/**
 * Maps NetworkManager's `Connectivity` number (`NMConnectivityState`) to a {@linkcode Connectivity}.
 *
 * @example
 * ```ts
 * import { connectivityFromNetworkManager } from "@netsession/linux";
 * console.log(connectivityFromNetworkManager(4)); // "full"
 * ```
 */
export function connectivityFromNetworkManager(value: unknown): Connectivity {
  switch (Number(value)) {
    case NMConnectivityState.NONE:
      return "none";
    case NMConnectivityState.PORTAL:
      return "portal";
    case NMConnectivityState.LIMITED:
      return "limited";
    case NMConnectivityState.FULL:
      return "full";
    default:
      return "unknown";
  }
}

/**
 * NetworkManager's connectivity values for one active connection: its device's `Ip4Connectivity` and
 * `Ip6Connectivity`, NetworkManager's global `Connectivity` (all `NMConnectivityState` numbers; missing means
 * unknown) and whether the connection is NetworkManager's `PrimaryConnection`.
 *
 * @example
 * ```ts
 * import { type ConnectivityValues, NMConnectivityState } from "@netsession/linux";
 * const v: ConnectivityValues = { ip4: NMConnectivityState.FULL, ip6: NMConnectivityState.NONE };
 * ```
 */
export interface ConnectivityValues {
  /** The device's `Ip4Connectivity`. */
  readonly ip4?: unknown;
  /** The device's `Ip6Connectivity`. */
  readonly ip6?: unknown;
  /** NetworkManager's global `Connectivity` (it applies where the device's own values are unknown and `primary`). */
  readonly global?: unknown;
  /** Whether the device carries NetworkManager's primary connection. */
  readonly primary?: boolean;
  /**
   * Whether NetworkManager checks connectivity at all (`ConnectivityCheckAvailable` and
   * `ConnectivityCheckEnabled`). When it does not, its values are its own guess (FULL wherever there is a default
   * route), so the link's reachability is `"unknown"`. Default true.
   */
  readonly checking?: boolean;
}

/**
 * How far a link reaches and whether it is behind a captive portal.
 *
 * @example
 * ```ts
 * import type { LinkReachability } from "@netsession/linux";
 * const r: LinkReachability = { reachability: "site", captivePortal: true };
 * ```
 */
export interface LinkReachability {
  /** How far the link reaches. */
  readonly reachability: Reachability;
  /** Whether it is behind a captive portal. */
  readonly captivePortal: boolean;
}

/** An `NMConnectivityState` number, anything else as `UNKNOWN`. */
function connectivityState(value: unknown): number {
  const n = Number(value ?? NMConnectivityState.UNKNOWN);
  return Object.values(NMConnectivityState).includes(n as never) ? n : NMConnectivityState.UNKNOWN;
}

/** NetworkManager's own order (`nm_connectivity_state_cmp`): by value, except that PORTAL beats LIMITED. */
function rank(state: number): number {
  if (state === NMConnectivityState.PORTAL) return NMConnectivityState.LIMITED + 0.5;
  return state;
}

/**
 * How far an active connection reaches, from NetworkManager's connectivity values: the better of the device's
 * IPv4 and IPv6 connectivity (NetworkManager's order, in which PORTAL beats LIMITED); where both are unknown and
 * the device carries the primary connection, the global `Connectivity`; `"unknown"` when NetworkManager does not
 * check connectivity (its values are then guesses). `UNKNOWN` → `"unknown"`, `NONE` →
 * `"local"` (the link is up but reaches nothing beyond it), `PORTAL` → `"site"` behind a captive portal,
 * `LIMITED` → `"site"`, `FULL` → `"online"`. For active connections only: an inactive one is `"disconnected"`.
 *
 * @param values the device's and NetworkManager's connectivity values
 * @returns the reachability and whether the link is behind a captive portal
 *
 * @example
 * ```ts
 * import { NMConnectivityState as C, reachabilityFromConnectivity } from "@netsession/linux";
 * console.log(reachabilityFromConnectivity({ ip4: C.FULL, ip6: C.NONE })); // { reachability: "online", captivePortal: false }
 * console.log(reachabilityFromConnectivity({ ip4: C.PORTAL, ip6: C.LIMITED })); // { reachability: "site", captivePortal: true }
 * console.log(reachabilityFromConnectivity({ global: C.LIMITED, primary: true })); // { reachability: "site", captivePortal: false }
 * console.log(reachabilityFromConnectivity({ global: C.FULL, primary: false })); // { reachability: "unknown", captivePortal: false }
 * console.log(reachabilityFromConnectivity({ ip4: C.FULL, checking: false })); // { reachability: "unknown", captivePortal: false }
 * ```
 */
export function reachabilityFromConnectivity(values: ConnectivityValues): LinkReachability {
  if (values.checking === false) return { reachability: "unknown", captivePortal: false };
  const ip4 = connectivityState(values.ip4), ip6 = connectivityState(values.ip6);
  let state = rank(ip6) > rank(ip4) ? ip6 : ip4;
  if (state === NMConnectivityState.UNKNOWN && values.primary) state = connectivityState(values.global);
  switch (state) {
    case NMConnectivityState.NONE:
      return { reachability: "local", captivePortal: false };
    case NMConnectivityState.PORTAL:
      return { reachability: "site", captivePortal: true };
    case NMConnectivityState.LIMITED:
      return { reachability: "site", captivePortal: false };
    case NMConnectivityState.FULL:
      return { reachability: "online", captivePortal: false };
    default:
      return { reachability: "unknown", captivePortal: false };
  }
}

/**
 * Whether traffic is charged, from a connection's `connection.metered` setting and the device's `Metered`
 * property (both `NMMetered`: 0 unknown, 1 yes, 2 no, 3 guess-yes, 4 guess-no). The connection's explicit
 * setting wins; when it is unknown the device's guess decides.
 *
 * @example
 * ```ts
 * import { isMetered } from "@netsession/linux";
 * console.log(isMetered(1, 0), isMetered(0, 3), isMetered(2, 1)); // true true false
 * ```
 */
export function isMetered(
  connectionMetered: unknown,
  deviceMetered?: unknown,
): boolean {
  const c = Number(connectionMetered ?? NMMetered.UNKNOWN);
  if (c === NMMetered.YES || c === NMMetered.GUESS_YES) return true;
  if (c === NMMetered.NO || c === NMMetered.GUESS_NO) return false;
  const d = Number(deviceMetered ?? NMMetered.UNKNOWN);
  return d === NMMetered.YES || d === NMMetered.GUESS_YES;
}

/**
 * A user-defined service network: an ordered list of connection UUIDs (highest priority first).
 *
 * @example
 * ```ts
 * import type { ServiceNetworkDefinition } from "@netsession/linux";
 * const sn: ServiceNetworkDefinition = { id: "office", name: "Office", members: ["uuid-1", "uuid-2"] };
 * ```
 */
export interface ServiceNetworkDefinition {
  /** Identifier of the service network (must not be a connection UUID). */
  readonly id: string;
  /** Human-readable name; defaults to the id. */
  readonly name: string;
  /** Connection UUIDs, highest priority first. */
  readonly members: readonly string[];
}

/**
 * Parses and validates the JSON of a service-networks file:
 * `{ "serviceNetworks": [{ "id", "name"?, "members": [uuid, ...] }] }`. Throws a `TypeError` naming the
 * offending entry (and `source`, when given) on any mistake.
 *
 * @param text the file's text
 * @param source where the text came from, for messages
 *
 * @example
 * ```ts
 * import { parseServiceNetworks } from "@netsession/linux";
 * const nets = parseServiceNetworks('{"serviceNetworks":[{"id":"office","members":["a","b"]}]}');
 * console.log(nets[0].name, nets[0].members); // "office" ["a", "b"]
 * ```
 */
export function parseServiceNetworks(
  text: string,
  source = "service networks",
): ServiceNetworkDefinition[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new TypeError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  const list = (data as { serviceNetworks?: unknown } | null)?.serviceNetworks;
  if (
    typeof data !== "object" || data === null || Array.isArray(data) ||
    !Array.isArray(list)
  ) {
    throw new TypeError(
      `${source}: expected an object {"serviceNetworks": [...]}`,
    );
  }
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const where = `${source}: serviceNetworks[${i}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new TypeError(
        `${where}: expected an object {"id", "name", "members"}`,
      );
    }
    const { id, name, members } = entry as Record<string, unknown>;
    if (typeof id !== "string" || id.trim() === "") {
      throw new TypeError(`${where}: "id" must be a non-empty string`);
    }
    if (seen.has(id)) throw new TypeError(`${where}: duplicate id "${id}"`);
    seen.add(id);
    if (name !== undefined && typeof name !== "string") {
      throw new TypeError(`${where} ("${id}"): "name" must be a string`);
    }
    if (!Array.isArray(members) || members.length === 0) {
      throw new TypeError(
        `${where} ("${id}"): "members" must be a non-empty array of connection UUIDs`,
      );
    }
    for (const [j, m] of members.entries()) {
      if (typeof m !== "string" || m === "") {
        throw new TypeError(
          `${where} ("${id}"): members[${j}] must be a connection UUID string`,
        );
      }
    }
    if (new Set(members).size !== members.length) {
      throw new TypeError(
        `${where} ("${id}"): "members" lists a connection twice`,
      );
    }
    const extra = Object.keys(entry).filter((k) => !["id", "name", "members"].includes(k));
    if (extra.length) {
      throw new TypeError(
        `${where} ("${id}"): unknown field(s) ${extra.map((k) => `"${k}"`).join(", ")}`,
      );
    }
    return { id, name: name ?? id, members: members as string[] };
  });
}
