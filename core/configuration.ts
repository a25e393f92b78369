/**
 * {@linkcode NetworkConfiguration}: a live, read-only view of one
 * configuration. The manager keeps one object per identifier and updates it in
 * place, so a reference held by the application always shows the current
 * state.
 *
 * @module
 */

import type { DataBudget } from "./data_budgets.ts";
import type { DriverConfiguration } from "./driver.ts";
import type { BearerType, ConfigurationState, ConfigurationType, Purpose, Reachability } from "./types.ts";
import { CONFIGURATION_STATES } from "./types.ts";

const BEARER_NAMES: Record<BearerType, string> = {
  unknown: "",
  ethernet: "Ethernet",
  wlan: "WLAN",
  "2g": "2G",
  cdma2000: "CDMA2000",
  wcdma: "WCDMA",
  hspa: "HSPA",
  bluetooth: "Bluetooth",
  wimax: "WiMAX",
  evdo: "EVDO",
  lte: "LTE",
  "3g": "3G",
  "4g": "4G",
  "5g": "5G",
};

/**
 * A human-readable bearer name (Qt's `bearerTypeName`): `"WLAN"`, `"LTE"`, `""` for unknown.
 *
 * @example
 * ```ts
 * import { bearerTypeName } from "@netsession/core";
 * console.log(bearerTypeName("wlan")); // "WLAN"
 * ```
 */
export function bearerTypeName(bearer: BearerType): string {
  return BEARER_NAMES[bearer] ?? "";
}

/** Internal link between configurations and their manager. */
export interface ConfigurationRegistry {
  /** The live view of an identifier, if known. */
  lookup(identifier: string): NetworkConfiguration | undefined;
  /** The data budget of an access point, if it has one. */
  dataBudget?(identifier: string): DataBudget | undefined;
  /** A number that moves on every change of any configuration (lets views cache what they derive). */
  readonly generation?: number;
}

/** Default connect time-out in milliseconds. */
export const DEFAULT_CONNECT_TIMEOUT = 30000;

/**
 * Rank of a configuration state (`undefined` 0 … `active` 3), for comparing cumulative states.
 *
 * @example
 * ```ts
 * import { stateRank } from "@netsession/core";
 * console.log(stateRank("active") > stateRank("discovered")); // true
 * ```
 */
export function stateRank(state: ConfigurationState): number {
  switch (state) {
    case "undefined":
      return 0;
    case "defined":
      return 1;
    case "discovered":
      return 2;
    case "active":
      return 3;
    default:
      return -1;
  }
}

/**
 * A network configuration: an access point, a service network (several
 * access points in priority order) or a user choice. Obtain them from a
 * `NetworkConfigurationManager`; the same identifier always gives the same
 * object, which is updated in place.
 *
 * @example
 * ```ts ignore
 * const ap = manager.configurationFromIdentifier("home-wlan");
 * console.log(ap.name, ap.type, ap.state, ap.bearerTypeName, ap.isValid);
 * ```
 */
export class NetworkConfiguration {
  #data: DriverConfiguration | undefined;
  /** A service network's state as derived at registry generation `#stateAt` (-1: not cached). */
  #state: ConfigurationState = "undefined";
  #stateAt = -1;
  #registry: ConfigurationRegistry;
  /** @internal the manager that owns this view (used by `new NetworkSession(configuration)`). */
  readonly owner: object;

  /** @internal made by the manager only. */
  constructor(registry: ConfigurationRegistry, owner: object, data?: DriverConfiguration) {
    this.#registry = registry;
    this.owner = owner;
    this.#data = data;
  }

  /** @internal replaces the snapshot (same identifier) or invalidates (undefined: removed). */
  update(data: DriverConfiguration | undefined): void {
    this.#data = data;
    this.#stateAt = -1;
  }

  /**
   * The driver's record of this configuration as last reported (read-only:
   * signal, interface, seamless, children as identifiers …); undefined for the
   * invalid configuration and once removed. Daemons forward it to clients.
   *
   * @example
   * ```ts ignore
   * const ap = manager.configurationFromIdentifier("wlan");
   * console.log(ap.data?.signal); // 80
   * ```
   */
  get data(): Readonly<DriverConfiguration> | undefined {
    return this.#data;
  }

  /** Unique identifier; `""` for the invalid configuration. */
  get identifier(): string {
    return this.#data?.identifier ?? "";
  }

  /** Human-readable name. */
  get name(): string {
    return this.#data?.name ?? "";
  }

  /** The kind of configuration; `invalid` when unknown or removed. */
  get type(): ConfigurationType {
    return this.#data?.type ?? "invalid";
  }

  /**
   * The current state. Service networks summarise their members: `active` if
   * any member is, else `discovered` if any is, else `defined`.
   */
  get state(): ConfigurationState {
    const d = this.#data;
    if (!d) return "undefined";
    if (d.type !== "service-network") return d.state;
    const generation = this.#registry.generation;
    if (generation !== undefined && generation === this.#stateAt) return this.#state;
    let best = 1; // a service network with no reachable member is still defined
    for (const id of d.children ?? []) {
      const c = this.#registry.lookup(id);
      if (c?.isValid) best = Math.max(best, stateRank(c.state));
    }
    this.#state = CONFIGURATION_STATES[best];
    this.#stateAt = generation ?? -1;
    return this.#state;
  }

  /** What the configuration is meant for. */
  get purpose(): Purpose {
    return this.#data?.purpose ?? "unknown";
  }

  /**
   * Link technology. For service networks: the bearer of the highest-priority
   * active member, else `unknown`.
   */
  get bearerType(): BearerType {
    const d = this.#data;
    if (!d) return "unknown";
    if (d.type === "service-network") {
      return this.activeMember()?.bearerType ?? "unknown";
    }
    return d.bearerType;
  }

  /** Bearer name such as `"WLAN"` or `"LTE"`; `""` when unknown. */
  get bearerTypeName(): string {
    const d = this.#data;
    if (d?.bearerTypeName && d.type !== "service-network") return d.bearerTypeName;
    return bearerTypeName(this.bearerType);
  }

  /** False for the invalid configuration and for removed ones. */
  get isValid(): boolean {
    return this.#data !== undefined;
  }

  /** Whether sessions on it may roam between access points (service networks with roaming). */
  get isRoamingAvailable(): boolean {
    const d = this.#data;
    return d?.type === "service-network" && (d.roamingAvailable ?? true) && (d.children?.length ?? 0) > 1;
  }

  /** Service networks: member access points in priority order, highest first. Empty otherwise. */
  get children(): NetworkConfiguration[] {
    const ids = this.#data?.children ?? [];
    const out: NetworkConfiguration[] = [];
    for (const id of ids) {
      const c = this.#registry.lookup(id);
      if (c?.isValid) out.push(c);
    }
    return out;
  }

  /** Milliseconds `open()` waits for activation (default 30000). */
  get connectTimeout(): number {
    return this.#data?.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
  }

  /** Whether traffic is charged by volume (service networks: the active member's). */
  get metered(): boolean {
    const d = this.#data;
    if (d?.type === "service-network") {
      return this.activeMember()?.metered ?? false;
    }
    return d?.metered ?? false;
  }

  /**
   * How far the link reaches: `"disconnected"` while not active, `"unknown"`
   * while active when the driver cannot tell. Service networks: their active
   * member's (the highest-priority one).
   */
  get reachability(): Reachability {
    const ap = this.#activeAccessPoint();
    if (!ap) return "disconnected";
    return ap.data?.reachability ?? "unknown";
  }

  /** Whether the active link is behind a captive portal (service networks: their active member's). */
  get behindCaptivePortal(): boolean {
    return this.#activeAccessPoint()?.data?.captivePortal === true;
  }

  #activeAccessPoint(): NetworkConfiguration | undefined {
    const d = this.#data;
    if (d?.type === "service-network") return this.activeMember();
    return d?.type === "internet-access-point" && d.state === "active" ? this : undefined;
  }

  /**
   * @internal a service network's highest-priority active member (what `children.find(active)` gives, without
   * building {@linkcode children}); undefined for other configurations.
   */
  activeMember(): NetworkConfiguration | undefined {
    for (const id of this.#data?.children ?? []) {
      const c = this.#registry.lookup(id);
      if (c?.isValid && c.state === "active") return c;
    }
    return undefined;
  }

  /** Access points: the data budget set with `manager.setDataBudget()` and what it has used; else undefined. */
  get dataBudget(): DataBudget | undefined {
    return this.isValid ? this.#registry.dataBudget?.(this.identifier) : undefined;
  }

  /** Whether two views are of the same configuration. */
  equals(other: NetworkConfiguration): boolean {
    return other === this ||
      (this.isValid && other.identifier === this.identifier && other.owner === this.owner);
  }

  /** A plain JSON form (for logs and the daemon). */
  toJSON(): Record<string, unknown> {
    return {
      identifier: this.identifier,
      name: this.name,
      type: this.type,
      state: this.state,
      purpose: this.purpose,
      bearerType: this.bearerType,
      bearerTypeName: this.bearerTypeName,
      isRoamingAvailable: this.isRoamingAvailable,
      children: this.children.map((c) => c.identifier),
      connectTimeout: this.connectTimeout,
      metered: this.metered,
      reachability: this.reachability,
      behindCaptivePortal: this.behindCaptivePortal,
    };
  }
}
