/**
 * Public value types of netsession: string unions exported both as types and
 * as readonly arrays, so that they can be validated at run time.
 *
 * @module
 */

/**
 * Every state a {@linkcode NetworkSession} can be in.
 *
 * @example Validate a string
 * ```ts
 * import { SESSION_STATES } from "@netsession/core";
 * console.log(SESSION_STATES.includes("connected")); // true
 * ```
 */
export const SESSION_STATES = [
  "invalid",
  "not-available",
  "connecting",
  "connected",
  "closing",
  "disconnected",
  "roaming",
] as const;
/**
 * The connectivity state of a session (Qt's `QNetworkSession::State`).
 *
 * @example
 * ```ts
 * import type { SessionState } from "@netsession/core";
 * const s: SessionState = "connected";
 * ```
 */
export type SessionState = typeof SESSION_STATES[number];

/**
 * Every error a session can report.
 *
 * @example
 * ```ts
 * import { SESSION_ERRORS } from "@netsession/core";
 * console.log(SESSION_ERRORS.length); // 5
 * ```
 */
export const SESSION_ERRORS = [
  "unknown",
  "session-aborted",
  "roaming",
  "operation-not-supported",
  "invalid-configuration",
] as const;
/**
 * A session error (Qt's `QNetworkSession::SessionError`).
 *
 * @example
 * ```ts
 * import type { SessionError } from "@netsession/core";
 * const e: SessionError = "session-aborted";
 * ```
 */
export type SessionError = typeof SESSION_ERRORS[number];

/**
 * Every usage policy. An empty list means "no policy".
 *
 * @example
 * ```ts
 * import { USAGE_POLICIES } from "@netsession/core";
 * console.log(USAGE_POLICIES[0]); // "no-background-traffic"
 * ```
 */
export const USAGE_POLICIES = ["no-background-traffic"] as const;
/**
 * A network usage restriction in force.
 *
 * @example
 * ```ts
 * import type { UsagePolicy } from "@netsession/core";
 * const p: UsagePolicy = "no-background-traffic";
 * ```
 */
export type UsagePolicy = typeof USAGE_POLICIES[number];

/**
 * Every configuration type.
 *
 * @example
 * ```ts
 * import { CONFIGURATION_TYPES } from "@netsession/core";
 * console.log(CONFIGURATION_TYPES.includes("service-network")); // true
 * ```
 */
export const CONFIGURATION_TYPES = [
  "internet-access-point",
  "service-network",
  "user-choice",
  "invalid",
] as const;
/**
 * The kind of a {@linkcode NetworkConfiguration}.
 *
 * @example
 * ```ts
 * import type { ConfigurationType } from "@netsession/core";
 * const t: ConfigurationType = "internet-access-point";
 * ```
 */
export type ConfigurationType = typeof CONFIGURATION_TYPES[number];

/**
 * Every configuration state, weakest first. States are cumulative:
 * `active` implies `discovered` implies `defined`.
 *
 * @example
 * ```ts
 * import { CONFIGURATION_STATES } from "@netsession/core";
 * console.log(CONFIGURATION_STATES.indexOf("active") > CONFIGURATION_STATES.indexOf("discovered")); // true
 * ```
 */
export const CONFIGURATION_STATES = [
  "undefined",
  "defined",
  "discovered",
  "active",
] as const;
/**
 * The state of a configuration: `defined` (known), `discovered` (in range and
 * usable now), `active` (up).
 *
 * @example
 * ```ts
 * import type { ConfigurationState } from "@netsession/core";
 * const s: ConfigurationState = "discovered";
 * ```
 */
export type ConfigurationState = typeof CONFIGURATION_STATES[number];

/**
 * Every configuration purpose.
 *
 * @example
 * ```ts
 * import { PURPOSES } from "@netsession/core";
 * console.log(PURPOSES[0]); // "unknown"
 * ```
 */
export const PURPOSES = [
  "unknown",
  "public",
  "private",
  "service-specific",
] as const;
/**
 * What a configuration is meant for.
 *
 * @example
 * ```ts
 * import type { Purpose } from "@netsession/core";
 * const p: Purpose = "private";
 * ```
 */
export type Purpose = typeof PURPOSES[number];

/**
 * Every bearer type.
 *
 * @example
 * ```ts
 * import { BEARER_TYPES } from "@netsession/core";
 * console.log(BEARER_TYPES.includes("wlan")); // true
 * ```
 */
export const BEARER_TYPES = [
  "unknown",
  "ethernet",
  "wlan",
  "2g",
  "cdma2000",
  "wcdma",
  "hspa",
  "bluetooth",
  "wimax",
  "evdo",
  "lte",
  "3g",
  "4g",
  "5g",
] as const;
/**
 * The link technology of an access point.
 *
 * @example
 * ```ts
 * import type { BearerType } from "@netsession/core";
 * const b: BearerType = "lte";
 * ```
 */
export type BearerType = typeof BEARER_TYPES[number];

/**
 * Every capability a driver may report.
 *
 * @example
 * ```ts
 * import { CAPABILITIES } from "@netsession/core";
 * console.log(CAPABILITIES.includes("forced-roaming")); // true
 * ```
 */
export const CAPABILITIES = [
  "can-start-and-stop-interfaces",
  "direct-connection-routing",
  "system-session-support",
  "application-level-roaming",
  "forced-roaming",
  "data-statistics",
  "network-session-required",
] as const;
/**
 * A feature of the platform (Qt's `QNetworkConfigurationManager::Capability`).
 *
 * @example
 * ```ts
 * import type { Capability } from "@netsession/core";
 * const c: Capability = "data-statistics";
 * ```
 */
export type Capability = typeof CAPABILITIES[number];

/**
 * How far a link reaches, in Qt 6's `QNetworkInformation::Reachability`
 * order: each level includes the previous (`unknown` below all: the driver
 * cannot tell).
 *
 * @example
 * ```ts
 * import { REACHABILITIES } from "@netsession/core";
 * console.log(REACHABILITIES.indexOf("online") > REACHABILITIES.indexOf("local")); // true
 * ```
 */
export const REACHABILITIES = ["unknown", "disconnected", "local", "site", "online"] as const;
/**
 * How far a link reaches: `unknown` (the driver cannot tell), `disconnected`
 * (not up), `local` (the link only), `site` (beyond the link, not the
 * internet), `online` (the internet).
 *
 * @example
 * ```ts
 * import type { Reachability } from "@netsession/core";
 * const r: Reachability = "online";
 * ```
 */
export type Reachability = typeof REACHABILITIES[number];

/**
 * Every transport medium (Qt 6's `QNetworkInformation::TransportMedium`).
 *
 * @example
 * ```ts
 * import { TRANSPORT_MEDIA } from "@netsession/core";
 * console.log(TRANSPORT_MEDIA.includes("wifi")); // true
 * ```
 */
export const TRANSPORT_MEDIA = ["unknown", "ethernet", "cellular", "wifi", "bluetooth"] as const;
/**
 * The kind of link the default route runs over.
 *
 * @example
 * ```ts
 * import type { TransportMedium } from "@netsession/core";
 * const t: TransportMedium = "cellular";
 * ```
 */
export type TransportMedium = typeof TRANSPORT_MEDIA[number];

/**
 * A network interface used by a connected session.
 *
 * @example
 * ```ts
 * import type { NetworkInterface } from "@netsession/core";
 * const i: NetworkInterface = { name: "wlan0", index: 3, addresses: ["10.0.0.2/24"] };
 * ```
 */
export interface NetworkInterface {
  /** Interface name, for example `wlan0`. */
  readonly name: string;
  /** Kernel interface index (0 when unknown). */
  readonly index: number;
  /** Addresses in CIDR notation. */
  readonly addresses: readonly string[];
  /** MAC address, when known. */
  readonly hardwareAddress?: string;
}

/**
 * A handle to an event listener; `unsubscribe()` or dispose it (`using`) to stop listening.
 *
 * @example
 * ```ts
 * import type { Subscription } from "@netsession/core";
 * function stop(s: Subscription) { s.unsubscribe(); }
 * ```
 */
export interface Subscription {
  /** Stops the listener. Calling it twice is harmless. */
  unsubscribe(): void;
  /** Same as {@linkcode Subscription.unsubscribe}. */
  [Symbol.dispose](): void;
}
