/**
 * The options of {@linkcode NetworkConfigurationManager.create}
 * ({@linkcode ManagerOptions}) and the manager's events
 * ({@linkcode ManagerEvents}).
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import type { NetworkConfiguration } from "./configuration.ts";
import type { ListenerErrorHandler } from "./emitter.ts";
import type { ForcedRoamingPolicy } from "./roaming_policy.ts";
import type { UserChoiceResolver } from "./session_host.ts";
import type { Reachability, TransportMedium } from "./types.ts";

/**
 * Options of {@linkcode NetworkConfigurationManager.create}.
 *
 * @example
 * ```ts
 * import { type ManagerOptions, systemClock } from "@netsession/core";
 * const options: ManagerOptions = { clock: systemClock, forcedRoaming: "on-loss" };
 * ```
 */
export interface ManagerOptions {
  /** Time source for time-outs and `activeTime`; the simulator passes its virtual clock. */
  readonly clock?: Clock;
  /**
   * Milliseconds a link stays up after its last session closed (default 0, the seed's behaviour): an `open()`
   * meanwhile takes it back without a flap. `stop()` does not linger.
   */
  readonly lingerMs?: number;
  /** Receives errors thrown by event listeners (default: `console.error`). */
  readonly onListenerError?: ListenerErrorHandler;
  /** Resolves `user-choice` configurations on `open()`; default: `defaultConfiguration()`. */
  readonly userChoice?: UserChoiceResolver;
  /**
   * When forced roaming moves a session: only when its access point is lost
   * (`"on-loss"`), or also when a better member appears (`"on-loss-or-better"`, default).
   */
  readonly forcedRoaming?: ForcedRoamingPolicy;
}

/**
 * Listener signatures of {@linkcode NetworkConfigurationManager} events.
 *
 * @example
 * ```ts
 * import type { ManagerEvents } from "@netsession/core";
 * const onOnline: ManagerEvents["onlineStateChanged"] = (online) => console.log(online);
 * ```
 */
export interface ManagerEvents {
  /** A configuration appeared. */
  configurationAdded: (configuration: NetworkConfiguration) => void;
  /** A configuration disappeared (its view is now invalid). */
  configurationRemoved: (configuration: NetworkConfiguration) => void;
  /** A configuration's state or properties changed. */
  configurationChanged: (configuration: NetworkConfiguration) => void;
  /** `isOnline()` changed. */
  onlineStateChanged: (online: boolean) => void;
  /** `updateConfigurations()` finished. */
  updateCompleted: () => void;
  /** How far the default route reaches changed (`"disconnected"` with no active link). */
  reachabilityChanged: (reachability: Reachability) => void;
  /** Whether the default route is behind a captive portal changed. */
  behindCaptivePortalChanged: (behindCaptivePortal: boolean) => void;
  /** The default route's transport medium changed (`"unknown"` with no active link). */
  transportMediumChanged: (transportMedium: TransportMedium) => void;
  /** Whether the default route is metered changed. */
  isMeteredChanged: (isMetered: boolean) => void;
}
