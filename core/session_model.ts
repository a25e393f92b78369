/**
 * The types of the session state machine (`session_machine.ts`): its model
 * ({@linkcode SessionModel}, {@linkcode RoamModel}), its inputs
 * ({@linkcode SessionInput}: API calls and what the manager observed) and its
 * effects ({@linkcode SessionEffect}), each a discriminated union.
 *
 * @module
 */

import type { CarrierVerdict, LinkReach } from "./reachability.ts";
import type { SessionError, SessionState } from "./types.ts";

/**
 * Where a session is in its lifecycle.
 *
 * @example
 * ```ts
 * import type { SessionPhase } from "@netsession/core";
 * const p: SessionPhase = "open";
 * ```
 */
export type SessionPhase = "idle" | "opening" | "open" | "closing";

/**
 * A roam in progress.
 *
 * @example
 * ```ts
 * import type { RoamModel } from "@netsession/core";
 * const r: RoamModel = { from: "lte", to: "wlan", seamless: false, forced: false, step: "offered", fromLost: false };
 * ```
 */
export interface RoamModel {
  /** The access point the session is leaving. */
  readonly from: string;
  /** The access point the session is moving to. */
  readonly to: string;
  /** Whether the handover keeps the session's address. */
  readonly seamless: boolean;
  /** Forced roaming: the system decides, no application consent. */
  readonly forced: boolean;
  /**
   * `offered`, `migrating`, `activated`, `validating` (a forced roam's new
   * access point is up and its carrier test waits for it to reach far enough)
   * or `returning` (a reject restarting the old access point).
   */
  readonly step: "offered" | "migrating" | "activated" | "validating" | "returning";
  /** How far the old link reached when the roam began: a forced roam's new link must reach as far. */
  readonly required?: LinkReach;
  /** The old access point went down (its lease went with it). */
  readonly fromLost: boolean;
  /** The old access point went down while the new one was being started (displaced by it). */
  readonly displaced?: boolean;
  /** In `returning`: the new access point went down meanwhile (displaced by the old one coming back). */
  readonly toLost?: boolean;
}

/**
 * The machine's state.
 *
 * @example
 * ```ts
 * import { initialSessionModel } from "@netsession/core";
 * console.log(initialSessionModel("disconnected").phase); // "idle"
 * ```
 */
export interface SessionModel {
  /** The public session state. */
  readonly state: SessionState;
  /** Lifecycle phase. */
  readonly phase: SessionPhase;
  /** The access point this session holds a lease on (while opening, open or closing). */
  readonly accessPoint?: string;
  /** The roam in progress, if any. */
  readonly roam?: RoamModel;
  /** An access point the application ignored or rejected; not offered again until something changes. */
  readonly ignored?: string;
  /** In `closing`: whether `closed` is emitted when done (the session was open). */
  readonly closeEmits?: boolean;
  /** In `opening`: the link is up and its carrier test (a need's reachability) runs. */
  readonly validating?: boolean;
}

/**
 * What the machine reacts to: API calls and observations made by the manager.
 * `restingState` is the state the session would have if it held nothing
 * (derived from its configuration's state).
 *
 * @example
 * ```ts
 * import type { SessionInput } from "@netsession/core";
 * const i: SessionInput = { type: "close", lastHolder: true, restingState: "connected" };
 * ```
 */
export type SessionInput =
  | {
    readonly type: "open";
    readonly target?: string;
    readonly targetActive: boolean;
    readonly failure?: string;
  }
  | {
    readonly type: "activated";
    readonly identifier: string;
    /** Whether the roam's old access point could be started again now (in range, still configured). */
    readonly fromAvailable?: boolean;
    /**
     * A roam target: how it fares in the carrier test against the roam's `required`; an opening link: against
     * the need's reachability (omitted: `ok`).
     */
    readonly carrier?: CarrierVerdict;
    /** Opening: the next match to try when this link fails its carrier test. */
    readonly next?: string;
    /** The state the session would have if it held nothing. */
    readonly restingState?: SessionState;
  }
  | {
    /** News of a forced roam's carrier test (`timeout`: the connect time-out ran out). */
    readonly type: "carrier";
    readonly identifier: string;
    readonly verdict: CarrierVerdict | "timeout";
    readonly fromAvailable?: boolean;
    /** Opening: the next match to try when this link fails. */
    readonly next?: string;
    readonly restingState: SessionState;
  }
  | {
    readonly type: "activation-failed";
    readonly identifier: string;
    readonly error: SessionError;
    readonly message: string;
    readonly restingState: SessionState;
  }
  | { readonly type: "close"; readonly lastHolder: boolean; readonly restingState: SessionState }
  | { readonly type: "stop"; readonly target?: string; readonly restingState: SessionState }
  | { readonly type: "released"; readonly restingState: SessionState }
  | {
    readonly type: "lost";
    readonly identifier: string;
    readonly message: string;
    readonly restingState: SessionState;
    readonly next?: { readonly identifier: string; readonly seamless: boolean; readonly alr: boolean };
    /** How far the lost link reached while it was up. */
    readonly fromReach?: LinkReach;
  }
  | { readonly type: "observed"; readonly restingState: SessionState }
  | { readonly type: "removed"; readonly message: string }
  | {
    readonly type: "preferred";
    readonly identifier: string;
    readonly seamless: boolean;
    readonly alr: boolean;
    /** How far the current link reaches. */
    readonly fromReach?: LinkReach;
  }
  | { readonly type: "migrate" }
  | { readonly type: "ignore"; readonly restingState: SessionState }
  | { readonly type: "accept" }
  | { readonly type: "reject"; readonly fromAvailable?: boolean };

/**
 * What the session class must do after a transition, in order.
 *
 * @example
 * ```ts
 * import type { SessionEffect } from "@netsession/core";
 * const e: SessionEffect = { type: "acquire", identifier: "wlan" };
 * ```
 */
export type SessionEffect =
  | { readonly type: "acquire"; readonly identifier: string }
  | { readonly type: "release"; readonly identifier: string }
  | { readonly type: "stop"; readonly identifier: string }
  | { readonly type: "state"; readonly state: SessionState }
  | {
    readonly type: "emit";
    readonly event: "opened" | "closed" | "newConfigurationActivated";
    /** `newConfigurationActivated`: the new access point. */
    readonly identifier?: string;
  }
  /** Start a forced roam's carrier test of `identifier`: report `carrier` inputs, `timeout` after its connect time-out. */
  | { readonly type: "validate"; readonly identifier: string }
  | { readonly type: "error"; readonly error: SessionError; readonly message: string }
  | { readonly type: "preferred"; readonly identifier: string; readonly seamless: boolean }
  | { readonly type: "settle"; readonly opened: boolean };

/**
 * The result of {@linkcode transition}.
 *
 * @example
 * ```ts
 * import { initialSessionModel, transition } from "@netsession/core";
 * const { model, effects } = transition(initialSessionModel("disconnected"), { type: "open", target: "a", targetActive: false });
 * console.log(model.state, effects.map((e) => e.type)); // "connecting" ["state", "acquire"]
 * ```
 */
export interface Transition {
  /** The next model. */
  readonly model: SessionModel;
  /** Effects to carry out, in order. */
  readonly effects: readonly SessionEffect[];
}
