/**
 * The manager's view of the default route (Qt 6's `QNetworkInformation`):
 * how far it reaches, whether it is behind a captive portal, its transport
 * medium and whether it is metered, and the events when any of them changes.
 *
 * @module
 */

import type { NetworkConfiguration } from "./configuration.ts";
import type { Emitter } from "./emitter.ts";
import type { ManagerEvents } from "./manager_types.ts";
import { transportMediumOf } from "./reachability.ts";
import type { Reachability, TransportMedium } from "./types.ts";

/** The manager's view of the default route (Qt 6's `QNetworkInformation`). */
export interface RouteView {
  reachability: Reachability;
  behindCaptivePortal: boolean;
  transportMedium: TransportMedium;
  isMetered: boolean;
}

export const NO_ROUTE: RouteView = {
  reachability: "disconnected",
  behindCaptivePortal: false,
  transportMedium: "unknown",
  isMetered: false,
};

/** The view of the route through access point `ap` (none: no active link). */
export function routeOf(ap: NetworkConfiguration | undefined): RouteView {
  if (!ap) return NO_ROUTE;
  return {
    reachability: ap.reachability,
    behindCaptivePortal: ap.behindCaptivePortal,
    transportMedium: transportMediumOf(ap.bearerType),
    isMetered: ap.metered,
  };
}

/** Emits the manager events of what changed from `before` to `after`. */
export function announceRoute(before: RouteView, after: RouteView, e: Emitter<ManagerEvents>): void {
  if (before.reachability !== after.reachability) e.emit("reachabilityChanged", after.reachability);
  if (before.behindCaptivePortal !== after.behindCaptivePortal) {
    e.emit("behindCaptivePortalChanged", after.behindCaptivePortal);
  }
  if (before.transportMedium !== after.transportMedium) {
    e.emit("transportMediumChanged", after.transportMedium);
  }
  if (before.isMetered !== after.isMetered) e.emit("isMeteredChanged", after.isMetered);
}
