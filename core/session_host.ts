/**
 * {@linkcode SessionHost}: what a {@linkcode NetworkSession} needs of the
 * manager that owns its configuration, and the {@linkcode UserChoiceResolver}
 * an application may give the manager.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import type { NetworkConfiguration } from "./configuration.ts";
import type { ListenerErrorHandler } from "./emitter.ts";
import type { LeaseTable } from "./leases.ts";
import type { NetworkSession } from "./network_session.ts";
import type { NetworkNeed } from "./needs.ts";
import type { ForcedRoamingPolicy } from "./roaming_policy.ts";
import type { Capability, ConfigurationState, Reachability, UsagePolicy } from "./types.ts";

/**
 * Chooses the configuration a `user-choice` session resolves to (a prompt in
 * an application). Return undefined to cancel.
 *
 * @example
 * ```ts
 * import type { UserChoiceResolver } from "@netsession/core";
 * const pickFirst: UserChoiceResolver = ({ candidates }) => candidates[0];
 * ```
 */
export type UserChoiceResolver = (request: {
  /** The session being opened. */
  readonly session: NetworkSession;
  /** Discovered access points and service networks, best first. */
  readonly candidates: readonly NetworkConfiguration[];
}) => NetworkConfiguration | undefined | Promise<NetworkConfiguration | undefined>;

/**
 * What a session needs of the manager that owns its configuration. The
 * {@linkcode NetworkConfigurationManager} implements it; a session talks to
 * nothing else (so the session never imports the manager).
 *
 * @example
 * ```ts ignore
 * import type { SessionHost } from "@netsession/core";
 * const host: SessionHost = manager; // a NetworkConfigurationManager is one
 * console.log(host.holdCount("wlan"));
 * ```
 */
export interface SessionHost {
  /** Time source of time-outs and `activeTime`. */
  readonly clock: Clock;
  /** Receives errors thrown by session listeners. */
  readonly onListenerError: ListenerErrorHandler;
  /** When forced roaming moves a session. */
  readonly forcedRoaming: ForcedRoamingPolicy;
  /** Resolves `user-choice` configurations, if the application gave a resolver. */
  readonly userChoice: UserChoiceResolver | undefined;
  /** A number that moves on every change of a configuration (lets sessions cache what they derive). */
  readonly generation?: number;
  /** The live view of an identifier. */
  lookup(identifier: string): NetworkConfiguration | undefined;
  /** Every valid configuration at least in `filter` state. */
  allConfigurations(filter?: ConfigurationState): NetworkConfiguration[];
  /** The configuration to use when the application has no preference. */
  defaultConfiguration(): NetworkConfiguration;
  /** What the platform supports. */
  capabilities(): readonly Capability[];
  /** Whether any access point has a data budget. */
  readonly budgeted: boolean;
  /** System-wide usage policies in force. */
  usagePolicies(): readonly UsagePolicy[];
  /** Statistics of an access point, or undefined without `data-statistics`. */
  statistics(identifier: string): { bytesReceived: number; bytesWritten: number } | undefined;
  /** Tests now how far an active access point reaches (the driver's check, else what it last reported). */
  checkReachability(identifier: string): Promise<Reachability>;
  /** The need behind a `configurationFor()` view, if `identifier` is one. */
  needOf(identifier: string): NetworkNeed | undefined;
  /** Resolves true once the need view `identifier` has a match, false after `ms`. */
  whenMatched(identifier: string, ms: number): Promise<boolean>;
  /** Whether a link stays up a while (lingers) after its last holder closes. */
  readonly lingers: boolean;
  /** The session counter of an access point. */
  holdCount(identifier: string): number;
  /**
   * The session counter: `acquire` / `release` (activating the link for its first holder, deactivating it after
   * its last), and `acquireIfUp` / `releaseIfShared` when there is nothing to wait for.
   */
  readonly leases: Pick<LeaseTable, "acquire" | "acquireIfUp" | "release" | "releaseIfShared">;
  /** Forces the link down; the other holders get `closed` + `session-aborted`. */
  stopAccessPoint(identifier: string, by: NetworkSession): Promise<void>;
  /** The session wants events from the manager (open, or listened to). */
  register(session: NetworkSession): void;
  /** The session no longer needs events. */
  unregister(session: NetworkSession): void;
}
