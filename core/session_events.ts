/**
 * The events of a {@linkcode NetworkSession} ({@linkcode SessionEvents}),
 * their payloads and the session property keys.
 *
 * @module
 */

import type { NetworkConfiguration } from "./configuration.ts";
import type { SessionError, SessionState, UsagePolicy } from "./types.ts";

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
  /** A roam finished: the new access point is up. Call `accept()` or `reject()`. */
  newConfigurationActivated: () => void;
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
