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

/** The manager events derived from the online state and the default route. */
const DERIVED_EVENTS: readonly (keyof ManagerEvents)[] = [
  "onlineStateChanged",
  "reachabilityChanged",
  "behindCaptivePortalChanged",
  "transportMediumChanged",
  "isMeteredChanged",
];

/**
 * Whether some link is up and the view of the default route, kept for a
 * manager. While someone listens to their events they are derived after each
 * change (and the events emitted); while nobody does, a change only marks them
 * stale and they are derived when read.
 */
export class RouteWatch {
  #emitter: Emitter<ManagerEvents>;
  #anyActive: () => boolean;
  #routeAccessPoint: () => NetworkConfiguration | undefined;
  #online = false;
  #route: RouteView = NO_ROUTE;
  #watched = false;
  #stale = false;

  constructor(
    emitter: Emitter<ManagerEvents>,
    anyActive: () => boolean,
    routeAccessPoint: () => NetworkConfiguration | undefined,
  ) {
    this.#emitter = emitter;
    this.#anyActive = anyActive;
    this.#routeAccessPoint = routeAccessPoint;
  }

  /** Whether some access point is active. */
  get online(): boolean {
    if (this.#stale) this.refresh(false);
    return this.#online;
  }

  /** The default route's view. */
  get route(): RouteView {
    if (this.#stale) this.refresh(false);
    return this.#route;
  }

  /** The manager's listeners of `event` changed (called by its emitter). */
  listenersChanged(event: keyof ManagerEvents): void {
    if (!DERIVED_EVENTS.includes(event)) return;
    this.#watched = DERIVED_EVENTS.some((e) => this.#emitter.count(e) > 0);
    // a new listener compares against the present, not against a value left stale while nobody listened
    if (this.#stale) this.refresh(false);
  }

  /** After a change: derives now (emitting what changed) if someone listens, else marks stale. */
  afterChange(): void {
    if (this.#watched) this.refresh(true);
    else this.#stale = true;
  }

  /** Derives both now; `announce`: emits the events of what changed. */
  refresh(announce: boolean): void {
    this.#stale = false;
    const online = this.#anyActive();
    if (online !== this.#online) {
      this.#online = online;
      if (announce) this.#emitter.emit("onlineStateChanged", online);
    }
    const before = this.#route;
    this.#route = routeOf(this.#routeAccessPoint());
    if (announce) announceRoute(before, this.#route, this.#emitter);
  }
}
