/**
 * What a session last told its listeners about its link — the usage
 * policies in force and how far the link reaches — and the change events
 * when either moves. `NetworkSession` refreshes it after every transition
 * and every observed change.
 *
 * @module
 */

import { linkPolicies, linkReach, reachChange, samePolicies } from "./_session_link.ts";
import type { NetworkConfiguration } from "./configuration.ts";
import type { DataBudget } from "./data_budgets.ts";
import type { Emitter } from "./emitter.ts";
import type { LinkReach } from "./reachability.ts";
import type { SessionEvents } from "./session_events.ts";
import type { UsagePolicy } from "./types.ts";

/** The session's policies and reach as last reported (the runner holds them). */
export interface LinkState {
  /** The usage policies in force. */
  policies: readonly UsagePolicy[];
  /** How far the link reached at the last refresh (before a loss: what it had). */
  reach: LinkReach;
}

/** The emitting side of a session, as the link watch needs it. */
export interface LinkListeners {
  /** The session's listeners, if it has any (no event is made for a session that has none). */
  readonly emitter: Emitter<SessionEvents> | undefined;
}

/**
 * Recomputes `state` from `system` policies and the access point in use `ap`
 * (`opening`: the link is not the session's yet, so its own policies do not
 * apply; `budget`: its data budget, if any); emits the changes when `notify`. The reach is recomputed only
 * with `reach` (a caller that knows the link's record did not change leaves it).
 */
export function refreshLink(
  state: LinkState,
  system: readonly UsagePolicy[],
  ap: NetworkConfiguration | undefined,
  opening: boolean,
  budget: DataBudget | undefined,
  notify: boolean,
  out: LinkListeners,
  reach = true,
): void {
  const policies = opening ? linkPolicies(system, undefined, undefined) : linkPolicies(system, ap, budget);
  if (!samePolicies(policies, state.policies)) {
    state.policies = policies;
    if (notify) out.emitter?.emit("usagePoliciesChanged", policies);
  }
  if (!reach) return;
  const now = linkReach(ap);
  if (now.reachability !== state.reach.reachability || now.captivePortal !== state.reach.captivePortal) {
    state.reach = now;
    if (notify) out.emitter?.emit("reachabilityChanged", reachChange(now));
  }
}
