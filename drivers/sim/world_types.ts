/**
 * The public types of {@linkcode SimWorld}: its options, the snapshots it
 * returns, and the capabilities it reports by default.
 *
 * @module
 */

import type { BearerType, Capability, ConfigurationState, Purpose, Reachability } from "@netsession/core";
import type { SimLinkPhase } from "./link.ts";

/**
 * The capabilities a {@linkcode SimWorld} reports unless told otherwise
 * (everything but `system-session-support` and `network-session-required`).
 *
 * @example
 * ```ts
 * import { DEFAULT_SIM_CAPABILITIES } from "@netsession/sim";
 * console.log(DEFAULT_SIM_CAPABILITIES.includes("data-statistics")); // true
 * ```
 */
export const DEFAULT_SIM_CAPABILITIES: readonly Capability[] = Object.freeze([
  "can-start-and-stop-interfaces",
  "direct-connection-routing",
  "application-level-roaming",
  "forced-roaming",
  "data-statistics",
]);

/**
 * Options of {@linkcode SimWorld}.
 *
 * @example
 * ```ts
 * import { type SimWorldOptions, SimWorld } from "@netsession/sim";
 * const options: SimWorldOptions = { seed: 7, capabilities: ["forced-roaming"] };
 * const world = new SimWorld(options);
 * ```
 */
export interface SimWorldOptions {
  /** Seed of {@linkcode SimWorld.random} (default 1): the same seed gives the same world. */
  readonly seed?: number;
  /** Capabilities reported by drivers (default {@linkcode DEFAULT_SIM_CAPABILITIES}). */
  readonly capabilities?: readonly Capability[];
  /** Start time of the virtual clock in milliseconds (default 0). */
  readonly startTime?: number;
}

/**
 * Options of {@linkcode SimWorld.addUserChoice}.
 *
 * @example
 * ```ts
 * import type { SimUserChoiceOptions } from "@netsession/sim";
 * const uc: SimUserChoiceOptions = { id: "ask", name: "Ask every time" };
 * ```
 */
export interface SimUserChoiceOptions {
  /** Identifier, unique in the world. */
  readonly id: string;
  /** Human-readable name (default: the id). */
  readonly name?: string;
}

/**
 * A read-only snapshot of an access point, from {@linkcode SimWorld.accessPoint}.
 *
 * @example
 * ```ts
 * import { SimWorld } from "@netsession/sim";
 * const world = new SimWorld();
 * world.addAccessPoint({ id: "wlan" });
 * const ap = world.accessPoint("wlan");
 * console.log(ap.interfaceName, ap.address, ap.state); // "sim0" "10.77.0.2/24" "discovered"
 * console.log(ap.reachability, ap.captivePortal); // "online" false
 * ```
 */
export interface SimAccessPoint {
  /** Identifier. */
  readonly id: string;
  /** Human-readable name. */
  readonly name: string;
  /** Link technology. */
  readonly bearer: BearerType;
  /** Link quality 0..100 (0 = out of range). */
  readonly signal: number;
  /** Whether traffic is charged by volume. */
  readonly metered: boolean;
  /** What the access point is for. */
  readonly purpose: Purpose;
  /** Virtual milliseconds an activation takes. */
  readonly activationMs: number;
  /** Virtual milliseconds a deactivation takes. */
  readonly deactivationMs: number;
  /** Reported `connectTimeout`, if any. */
  readonly connectTimeout?: number;
  /** The device shared with other access points, if any. */
  readonly device?: string;
  /** How far the link reaches while it is up (drivers report it only then). */
  readonly reachability: Reachability;
  /** Whether the link is behind a captive portal while it is up. */
  readonly captivePortal: boolean;
  /** The `msToLive` of the `losing` event when the link fades (signal below 20, above 0). */
  readonly fadeMs: number;
  /** Interface name while active. */
  readonly interfaceName: string;
  /** Interface index (100 + creation order). */
  readonly index: number;
  /** MAC address (locally administered, drawn from the world's seed). */
  readonly hardwareAddress: string;
  /** The interface's address in CIDR notation. */
  readonly address: string;
  /** Reported configuration state. */
  readonly state: ConfigurationState;
  /** Where the link is. */
  readonly phase: SimLinkPhase;
  /** Bytes received since the link came up. */
  readonly bytesReceived: number;
  /** Bytes sent since the link came up. */
  readonly bytesWritten: number;
  /** Activations that will fail (from {@linkcode SimWorld.failNextActivation}). */
  readonly pendingFailures: number;
}

/**
 * Who keeps an access point up, from {@linkcode SimWorld.holders}.
 *
 * @example
 * ```ts
 * import { SimWorld } from "@netsession/sim";
 * const world = new SimWorld();
 * world.addAccessPoint({ id: "wlan" });
 * world.activateExternally("wlan");
 * console.log(world.holders("wlan")); // { external: true, drivers: 0 }
 * ```
 */
export interface SimHolders {
  /** Whether "another program" holds the link ({@linkcode SimWorld.activateExternally}). */
  readonly external: boolean;
  /** How many attached drivers hold the link. */
  readonly drivers: number;
}

/**
 * Bytes to add to an active access point's counters, for {@linkcode SimWorld.traffic}.
 *
 * @example
 * ```ts
 * import type { SimTraffic } from "@netsession/sim";
 * const t: SimTraffic = { rx: 1500, tx: 40 };
 * ```
 */
export interface SimTraffic {
  /** Bytes received (default 0). */
  readonly rx?: number;
  /** Bytes sent (default 0). */
  readonly tx?: number;
}

/**
 * Options of {@linkcode SimWorld.setReachability}.
 *
 * @example
 * ```ts
 * import type { SimReachabilityOptions } from "@netsession/sim";
 * const portal: SimReachabilityOptions = { captivePortal: true };
 * ```
 */
export interface SimReachabilityOptions {
  /** Whether the link is behind a captive portal (default false: each call says both). */
  readonly captivePortal?: boolean;
}
