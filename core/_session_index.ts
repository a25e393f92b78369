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

/**
 * Where a filed session sits in its index's two lists, every session and those of its key (made when the session
 * is first filed, kept for the next filing). Lists linked through the sessions rather than Sets: filing a fresh
 * session in a Set hashes it and, as sessions come and go, rebuilds the Set's table; a link costs two stores.
 */
export interface IndexLinks {
  prev: NetworkSession | undefined;
  next: NetworkSession | undefined;
  keyPrev: NetworkSession | undefined;
  keyNext: NetworkSession | undefined;
}

/** The sessions filed under one key, in the order they were filed. */
class KeyList {
  first: NetworkSession | undefined = undefined;
  last: NetworkSession | undefined = undefined;
}

/** The links of a filed session. */
const linksOf = (s: NetworkSession): IndexLinks => s.indexLinks!;

/** Whether `key` is a need view's (`need:N`). */
const isNeedKey = (key: string) =>
  key.length > 5 && key.charCodeAt(4) === 58 /* ":" */ && key.startsWith("need:");

/** The registered sessions of a manager, filed by the configuration they act on. */
export class SessionIndex {
  #byKey = new Map<string, KeyList>();
  /** Every filed session, in the order they were filed. */
  #first: NetworkSession | undefined;
  #last: NetworkSession | undefined;
  #needSessions = new Set<NetworkSession>();

  /** Every registered session, in the order they were filed (a fresh list). */
  list(): NetworkSession[] {
    const out: NetworkSession[] = [];
    for (let s = this.#first; s !== undefined; s = linksOf(s).next) out.push(s);
    return out;
  }

  /** Files `session` under `key` (again, when the configuration it acts on changed). */
  add(session: NetworkSession, key: string): void {
    const was = session.indexKey;
    if (was === key) return;
    if (was !== undefined) this.remove(session);
    session.indexKey = key;
    const links = session.indexLinks ??= {
      prev: undefined,
      next: undefined,
      keyPrev: undefined,
      keyNext: undefined,
    };
    const last = this.#last;
    links.prev = last;
    links.next = undefined;
    if (last === undefined) this.#first = session;
    else linksOf(last).next = session;
    this.#last = session;
    let list = this.#byKey.get(key);
    if (list === undefined) this.#byKey.set(key, list = new KeyList());
    const keyLast = list.last;
    links.keyPrev = keyLast;
    links.keyNext = undefined;
    if (keyLast === undefined) list.first = session;
    else linksOf(keyLast).keyNext = session;
    list.last = session;
    if (isNeedKey(key)) this.#needSessions.add(session);
  }

  /** Forgets `session`. */
  remove(session: NetworkSession): void {
    const key = session.indexKey;
    if (key === undefined) return;
    session.indexKey = undefined;
    const links = linksOf(session);
    const { prev, next, keyPrev, keyNext } = links;
    if (prev === undefined) this.#first = next;
    else linksOf(prev).next = next;
    if (next === undefined) this.#last = prev;
    else linksOf(next).prev = prev;
    if (isNeedKey(key)) this.#needSessions.delete(session);
    const list = this.#byKey.get(key)!;
    if (keyPrev === undefined) list.first = keyNext;
    else linksOf(keyPrev).keyNext = keyNext;
    if (keyNext === undefined) list.last = keyPrev;
    else linksOf(keyNext).keyPrev = keyPrev;
    links.prev =
      links.next =
      links.keyPrev =
      links.keyNext =
        undefined;
    if (list.first === undefined) this.#byKey.delete(key);
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
    const list = this.#byKey.get(key);
    if (list === undefined) return out;
    for (let s = list.first; s !== undefined; s = linksOf(s).keyNext) out = with1(out, s);
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
