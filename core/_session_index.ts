/**
 * Which sessions a change concerns, so that a change of one access point
 * costs what it concerns and not the number of sessions: sessions are filed
 * under the configuration they act on (an access point, a service network, a
 * need view, a user choice or what it resolved to); a change of access point
 * X reaches the sessions filed under X, under the service networks that list
 * X, under need views (any change can change their members), and the
 * sessions holding X.
 *
 * @module
 */

import type { NetworkConfiguration } from "./configuration.ts";
import type { NetworkSession } from "./network_session.ts";

/** The registered sessions of a manager, filed by the configuration they act on. */
export class SessionIndex {
  #byKey = new Map<string, Set<NetworkSession>>();
  #keyOf = new Map<NetworkSession, string>();
  #needSessions = new Set<NetworkSession>();

  /** Every registered session. */
  get all(): Iterable<NetworkSession> {
    return this.#keyOf.keys();
  }

  /** Files `session` under `key` (again, when the configuration it acts on changed). */
  add(session: NetworkSession, key: string): void {
    this.remove(session);
    this.#keyOf.set(session, key);
    let set = this.#byKey.get(key);
    if (!set) this.#byKey.set(key, set = new Set());
    set.add(session);
    if (key.startsWith("need:")) this.#needSessions.add(session);
  }

  /** Forgets `session`. */
  remove(session: NetworkSession): void {
    const key = this.#keyOf.get(session);
    if (key === undefined) return;
    this.#keyOf.delete(session);
    this.#needSessions.delete(session);
    const set = this.#byKey.get(key)!;
    set.delete(session);
    if (set.size === 0) this.#byKey.delete(key);
  }

  /** Whether `session` is filed. */
  has(session: NetworkSession): boolean {
    return this.#keyOf.has(session);
  }

  /**
   * The sessions a change of `identifier` concerns: filed under it or under
   * one of its `parents` (service networks), on need views, or among its `holders`.
   */
  concerned(
    identifier: string,
    parents: Iterable<string>,
    holders: Iterable<object>,
    moreParents: Iterable<string> = [],
  ): NetworkSession[] {
    // A session is filed under one key: the sets of distinct keys are disjoint, and a holder is only added
    // when its key was not taken already (a session on a service network holds the member that changed).
    const out: NetworkSession[] = [];
    const taken: string[] = [identifier];
    for (const p of parents) if (!taken.includes(p)) taken.push(p);
    for (const p of moreParents) if (!taken.includes(p)) taken.push(p);
    for (const key of taken) {
      const set = this.#byKey.get(key);
      if (set !== undefined) { for (const s of set) out.push(s); }
    }
    for (const s of this.#needSessions) if (!taken.includes(this.#keyOf.get(s)!)) out.push(s);
    for (const h of holders) {
      const key = this.#keyOf.get(h as NetworkSession);
      if (key !== undefined && !taken.includes(key) && !this.#needSessions.has(h as NetworkSession)) {
        out.push(h as NetworkSession);
      }
    }
    return out;
  }
}

/** For each access point, the service networks that list it. */
export function parentsOf(views: Iterable<NetworkConfiguration>): Map<string, string[]> {
  const parents = new Map<string, string[]>();
  for (const v of views) {
    if (v.data?.type !== "service-network") continue;
    for (const child of v.data.children ?? []) {
      const list = parents.get(child);
      if (list) list.push(v.identifier);
      else parents.set(child, [v.identifier]);
    }
  }
  return parents;
}
