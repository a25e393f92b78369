/**
 * The events of a {@linkcode NetworkSession} ({@linkcode SessionEvents}),
 * their payloads and the session property keys.
 *
 * @module
 */

import type { NetworkConfiguration } from "./configuration.ts";
import type { DataBudgetEvent } from "./data_budgets.ts";
import type { Reachability, SessionError, SessionState, UsagePolicy } from "./types.ts";

/**
 * Listener signatures of {@linkcode NetworkSession} events.
 *
 * @example
 * ```ts
 * import type { SessionEvents } from "@netsession/core";
 * const onState: SessionEvents["stateChanged"] = (s) => console.log(s);
 * ```
 */
export interface SessionEvents {
  /** The session opened (`isOpen` became true). */
  opened: () => void;
  /** The session closed (by `close()`, `stop()`, or because the link went). */
  closed: () => void;
  /**
   * A roam finished: the new access point is up; `link` says how far it
   * reaches (the seed's "the application may now test the carrier"). Call
   * `accept()` or `reject()`.
   */
  newConfigurationActivated: (link: ReachabilityChange) => void;
  /**
   * The session's link is expected to go within `msToLive` milliseconds (a fading signal, a deactivation under
   * way, a linger running out); it comes before the `closed` or the roam that follows, whenever the driver can
   * tell.
   */
  losing: (event: { readonly msToLive: number }) => void;
  /** The data budget of the session's access point reached its warning level, or ran out. */
  dataBudget: (event: DataBudgetEvent) => void;
  /** How far the session's link reaches, or whether it is behind a captive portal, changed. */
  reachabilityChanged: (change: ReachabilityChange) => void;
  /** `state` changed. */
  stateChanged: (state: SessionState) => void;
  /** An error occurred; see `error` and `errorString`. */
  error: (error: SessionError) => void;
  /** A better access point is available: call `migrate()` or `ignore()`. Listening makes the session an ALR stakeholder. */
  preferredConfigurationChanged: (event: PreferredConfigurationChange) => void;
  /** The usage policies in force changed. */
  usagePoliciesChanged: (policies: readonly UsagePolicy[]) => void;
}

/**
 * Payload of `preferredConfigurationChanged`.
 *
 * @example
 * ```ts
 * import type { PreferredConfigurationChange } from "@netsession/core";
 * const show = (e: PreferredConfigurationChange) => `${e.configuration.name} seamless=${e.isSeamless}`;
 * ```
 */
export interface PreferredConfigurationChange {
  /** The access point the session could move to. */
  readonly configuration: NetworkConfiguration;
  /** Whether moving keeps the session's address. */
  readonly isSeamless: boolean;
}

/**
 * Payload of `reachabilityChanged` and `newConfigurationActivated`: how far a link reaches.
 *
 * @example
 * ```ts
 * import type { ReachabilityChange } from "@netsession/core";
 * const portal: ReachabilityChange = { reachability: "local", behindCaptivePortal: true };
 * ```
 */
export interface ReachabilityChange {
  /** How far the link reaches (`"disconnected"` when it is not up). */
  readonly reachability: Reachability;
  /** Whether it is behind a captive portal. */
  readonly behindCaptivePortal: boolean;
}

/**
 * Session property keys with a defined meaning.
 *
 * @example
 * ```ts
 * import type { SessionPropertyKey } from "@netsession/core";
 * const k: SessionPropertyKey = "ActiveConfiguration";
 * ```
 */
export type SessionPropertyKey =
  | "ActiveConfiguration"
  | "UserChoiceConfiguration"
  | "ConnectInBackground"
  | "AutoCloseSessionTimeout";
