/**
 * Comparing reachability levels and naming a link's transport medium: the
 * pure rules behind `configuration.reachability`, the manager's view of the
 * default route and the carrier test of a forced roam.
 *
 * @module
 */

import {
  BEARER_TYPES,
  type BearerType,
  REACHABILITIES,
  type Reachability,
  type TransportMedium,
} from "./types.ts";

/**
 * Rank of a reachability (`unknown` 0 … `online` 4), for "at least" comparisons.
 *
 * @example
 * ```ts
 * import { reachabilityRank } from "@netsession/core";
 * console.log(reachabilityRank("online") > reachabilityRank("local")); // true
 * ```
 */
export function reachabilityRank(r: Reachability): number {
  return REACHABILITIES.indexOf(r);
}

/**
 * Whether `have` reaches at least as far as `need`.
 *
 * @example
 * ```ts
 * import { reaches } from "@netsession/core";
 * console.log(reaches("online", "site"), reaches("local", "online")); // true false
 * ```
 */
export function reaches(have: Reachability, need: Reachability): boolean {
  return reachabilityRank(have) >= reachabilityRank(need);
}

/** Every bearer but these is a cellular one. */
const NOT_CELLULAR: readonly BearerType[] = ["unknown", "ethernet", "wlan", "bluetooth"];
const CELLULAR: ReadonlySet<BearerType> = new Set(BEARER_TYPES.filter((b) => !NOT_CELLULAR.includes(b)));

/**
 * The transport medium of a bearer (Qt 6's vocabulary).
 *
 * @example
 * ```ts
 * import { transportMediumOf } from "@netsession/core";
 * console.log(transportMediumOf("lte"), transportMediumOf("wlan")); // "cellular" "wifi"
 * ```
 */
export function transportMediumOf(bearer: BearerType): TransportMedium {
  if (bearer === "ethernet") return "ethernet";
  if (bearer === "wlan") return "wifi";
  if (bearer === "bluetooth") return "bluetooth";
  return CELLULAR.has(bearer) ? "cellular" : "unknown";
}

/**
 * How a link fares in the carrier test of a roam: `"ok"` (it reaches at
 * least `required` and is not behind a captive portal the old link was not
 * behind), `"captive"` (a captive portal the old link did not have: never
 * roam onto it by force), or `"short"` (it does not reach far enough, yet:
 * wait for the driver to tell more, within the connect time-out).
 *
 * @example
 * ```ts
 * import { carrierVerdict } from "@netsession/core";
 * console.log(carrierVerdict({ reachability: "online", captivePortal: false }, { reachability: "online", captivePortal: false })); // "ok"
 * console.log(carrierVerdict({ reachability: "online", captivePortal: true }, { reachability: "online", captivePortal: false })); // "captive"
 * console.log(carrierVerdict({ reachability: "local", captivePortal: false }, { reachability: "online", captivePortal: false })); // "short"
 * ```
 */
export function carrierVerdict(link: LinkReach, required: LinkReach): CarrierVerdict {
  if (link.captivePortal && !required.captivePortal) return "captive";
  return reaches(link.reachability, required.reachability) ? "ok" : "short";
}

/**
 * The result of a carrier test: see {@linkcode carrierVerdict}.
 *
 * @example
 * ```ts
 * import type { CarrierVerdict } from "@netsession/core";
 * const v: CarrierVerdict = "captive";
 * ```
 */
export type CarrierVerdict = "ok" | "captive" | "short";

/**
 * How far one link reaches, and whether it is behind a captive portal.
 *
 * @example
 * ```ts
 * import type { LinkReach } from "@netsession/core";
 * const r: LinkReach = { reachability: "site", captivePortal: false };
 * ```
 */
export interface LinkReach {
  /** How far the link reaches. */
  readonly reachability: Reachability;
  /** Whether it is behind a captive portal. */
  readonly captivePortal: boolean;
}
