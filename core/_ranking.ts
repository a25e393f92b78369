/**
 * How configurations rank for "the best one": state first (active over
 * discovered over defined), then bearer (Ethernet over WLAN over cellular),
 * then a plain access point over a service network. Used for the default
 * configuration and the default route.
 *
 * @module
 */

import { type NetworkConfiguration, stateRank } from "./configuration.ts";
import type { BearerType } from "./types.ts";

/** Bearers from most to least preferred. */
export const BEARER_PREFERENCE: readonly BearerType[] = [
  "ethernet",
  "wlan",
  "5g",
  "lte",
  "4g",
  "wimax",
  "hspa",
  "wcdma",
  "3g",
  "evdo",
  "cdma2000",
  "2g",
  "bluetooth",
  "unknown",
];

/** Sorts better configurations first. */
export function compareConfigurations(a: NetworkConfiguration, b: NetworkConfiguration): number {
  const byState = stateRank(b.state) - stateRank(a.state);
  if (byState !== 0) return byState;
  const byBearer = BEARER_PREFERENCE.indexOf(a.bearerType) - BEARER_PREFERENCE.indexOf(b.bearerType);
  if (byBearer !== 0) return byBearer;
  // Among equals a plain access point comes before a service network.
  return Number(a.type === "service-network") - Number(b.type === "service-network");
}

/**
 * The order of {@linkcode compareConfigurations} as one number (lower is better), for filing views by rank:
 * state, then bearer, then a plain access point before a service network. The store's property test holds the
 * two to the same answers.
 */
export function rankOf(v: NetworkConfiguration): number {
  return (3 - stateRank(v.state)) * 64 + BEARER_PREFERENCE.indexOf(v.bearerType) * 2 +
    (v.type === "service-network" ? 1 : 0);
}
