/**
 * What a session last told its listeners about its link — the usage
 * policies in force and how far the link reaches — and the change events
 * when either moves. `NetworkSession` refreshes it after every transition
 * and every observed change.
 *
 * @module
 */

import { linkPolicies, linkReach, NO_REACH, reachChange, samePolicies } from "./_session_link.ts";
import type { NetworkConfiguration } from "./configuration.ts";
import type { Emitter } from "./emitter.ts";
import type { LinkReach } from "./reachability.ts";
import type { SessionEvents } from "./session_events.ts";
import type { UsagePolicy } from "./types.ts";

/** The session's policies and reach as last reported. */
export class LinkWatch {
  /** The usage policies in force. */
  policies: readonly UsagePolicy[] = [];
  /** How far the link reached at the last refresh (before a loss: what it had). */
  reach: LinkReach = NO_REACH;
  #emitter: Emitter<SessionEvents>;

  constructor(emitter: Emitter<SessionEvents>) {
    this.#emitter = emitter;
  }

  /**
   * Recomputes both from `system` policies and the access point in use `ap`
   * (`opening`: the link is not the session's yet, so its own policies do not
   * apply); emits the changes when `notify`.
   */
  refresh(
    system: readonly UsagePolicy[],
    ap: NetworkConfiguration | undefined,
    opening: boolean,
    notify: boolean,
  ): void {
    const policies = linkPolicies(system, opening ? undefined : ap);
    if (!samePolicies(policies, this.policies)) {
      this.policies = policies;
      if (notify) this.#emitter.emit("usagePoliciesChanged", policies);
    }
    const reach = linkReach(ap);
    if (reach.reachability !== this.reach.reachability || reach.captivePortal !== this.reach.captivePortal) {
      this.reach = reach;
      if (notify) {
        this.#emitter.emit("reachabilityChanged", reachChange(reach));
      }
    }
  }
}
