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
  /** In the order they were filed. */
  #all = new Set<NetworkSession>();
  #needSessions = new Set<NetworkSession>();

  /** Every registered session. */
  get all(): Iterable<NetworkSession> {
    return this.#all;
  }

  /** Files `session` under `key` (again, when the configuration it acts on changed). */
  add(session: NetworkSession, key: string): void {
    const was = session.indexKey;
    if (was === key) return;
    if (was !== undefined) this.remove(session);
    session.indexKey = key;
    this.#all.add(session);
    let set = this.#byKey.get(key);
    if (!set) this.#byKey.set(key, set = new Set());
    set.add(session);
    if (key.startsWith("need:")) this.#needSessions.add(session);
  }

  /** Forgets `session`. */
  remove(session: NetworkSession): void {
    const key = session.indexKey;
    if (key === undefined) return;
    session.indexKey = undefined;
    this.#all.delete(session);
    if (key.startsWith("need:")) this.#needSessions.delete(session);
    const set = this.#byKey.get(key)!;
    set.delete(session);
    if (set.size === 0) this.#byKey.delete(key);
  }

  /** Whether `session` is filed. */
  has(session: NetworkSession): boolean {
    return session.indexKey !== undefined;
  }

  /**
   * The sessions a change of `identifier` concerns: filed under it or under
   * one of its `parents` (service networks), on need views, or among its `holders`.
   */
  concerned(
    identifier: string,
    parents: readonly string[],
    holders: Iterable<object>,
    moreParents: readonly string[] = NO_KEYS,
  ): NetworkSession[] {
    // A session is filed under one key: the sets of distinct keys are disjoint, and a holder is only added
    // when its key was not taken already (a session on a service network holds the member that changed).
    // Most changes concern one session or none: the list is made with its first session (no room to grow).
    let out = this.#push(identifier, undefined);
    for (let i = 0; i < parents.length; i++) {
      const p = parents[i];
      if (p !== identifier && parents.indexOf(p) === i) out = this.#push(p, out);
    }
    for (let i = 0; i < moreParents.length; i++) {
      const p = moreParents[i];
      if (p !== identifier && !parents.includes(p) && moreParents.indexOf(p) === i) out = this.#push(p, out);
    }
    for (const s of this.#needSessions) {
      if (!isTaken(s.indexKey!, identifier, parents, moreParents)) out = with1(out, s);
    }
    for (const h of holders) {
      const key = (h as NetworkSession).indexKey;
      if (
        key !== undefined && !isTaken(key, identifier, parents, moreParents) &&
        !this.#needSessions.has(h as NetworkSession)
      ) {
        out = with1(out, h as NetworkSession);
      }
    }
    return out ?? NO_SESSIONS;
  }

  /** `out` with the sessions filed under `key` added. */
  #push(key: string, out: NetworkSession[] | undefined): NetworkSession[] | undefined {
    const set = this.#byKey.get(key);
    if (set !== undefined) { for (const s of set) out = with1(out, s); }
    return out;
  }
}

/** `out` with `s` added (made with it when there is none yet). */
function with1(out: NetworkSession[] | undefined, s: NetworkSession): NetworkSession[] {
  if (out === undefined) return [s];
  out.push(s);
  return out;
}

/** No session is concerned (frozen: shared by every such answer; empty, so iterating it costs nothing). */
const NO_SESSIONS = Object.freeze([]) as unknown as NetworkSession[];

const NO_KEYS: readonly string[] = Object.freeze([]);

/** Whether sessions filed under `key` were taken already: `identifier`, or one of its parents. */
function isTaken(
  key: string,
  identifier: string,
  parents: readonly string[],
  moreParents: readonly string[],
): boolean {
  return key === identifier || parents.includes(key) || moreParents.includes(key);
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
