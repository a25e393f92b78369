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
  /** Tells the session's listeners. */
  emit<K extends keyof SessionEvents>(event: K, ...args: Parameters<SessionEvents[K]>): void;
}

/**
 * Recomputes `state` from `system` policies and the access point in use `ap`
 * (`opening`: the link is not the session's yet, so its own policies do not
 * apply); emits the changes when `notify`.
 */
export function refreshLink(
  state: LinkState,
  system: readonly UsagePolicy[],
  ap: NetworkConfiguration | undefined,
  opening: boolean,
  notify: boolean,
  out: LinkListeners,
): void {
  const policies = linkPolicies(system, opening ? undefined : ap);
  if (!samePolicies(policies, state.policies)) {
    state.policies = policies;
    if (notify) out.emit("usagePoliciesChanged", policies);
  }
  const reach = linkReach(ap);
  if (reach.reachability !== state.reach.reachability || reach.captivePortal !== state.reach.captivePortal) {
    state.reach = reach;
    if (notify) out.emit("reachabilityChanged", reachChange(reach));
  }
}
