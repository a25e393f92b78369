/**
 * The live service networks of `manager.configurationFor(need)`: one view per
 * need whose members are the access points that meet it now (best first),
 * refreshed on every change of the world, and the `open()` calls waiting for
 * a first match.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { type ConfigurationRegistry, NetworkConfiguration } from "./configuration.ts";
import type { DriverConfiguration } from "./driver.ts";
import { reaches } from "./reachability.ts";
import { checkNeed, describeNeed, needMatches, type NetworkNeed } from "./needs.ts";

interface NeedEntry {
  readonly need: NetworkNeed;
  readonly view: NetworkConfiguration;
  waiters: Set<() => void>;
  /**
   * Access points seen up and judged against the need's reachability: a link that came up below it stays out
   * of the members after it went down again (else a forced roam would go straight back to it), until it goes
   * out of range or is seen up meeting the need.
   */
  judged: Map<string, boolean>;
}

/** The need views of one manager. */
export class NeedViews {
  #entries = new Map<string, NeedEntry>();
  #count = 0;

  /** A new view for `need`, its members taken from `records`. */
  create(
    need: NetworkNeed,
    registry: ConfigurationRegistry,
    owner: object,
    records: Iterable<DriverConfiguration>,
  ): NetworkConfiguration {
    checkNeed(need);
    const identifier = `need:${++this.#count}`;
    const data: DriverConfiguration = {
      identifier,
      name: need.name ?? describeNeed(need),
      type: "service-network",
      state: "defined",
      purpose: "unknown",
      bearerType: "unknown",
      metered: false,
      roamingAvailable: true,
      children: needMatches(records, need),
      ...(need.timeoutMs === undefined ? {} : { connectTimeout: Math.max(1, need.timeoutMs) }),
    };
    const view = new NetworkConfiguration(registry, owner, data);
    this.#entries.set(identifier, { need: { ...need }, view, waiters: new Set(), judged: new Map() });
    return view;
  }

  /** The view of a need identifier. */
  view(identifier: string): NetworkConfiguration | undefined {
    return this.#entries.get(identifier)?.view;
  }

  /** The need behind a view. */
  need(identifier: string): NetworkNeed | undefined {
    const need = this.#entries.get(identifier)?.need;
    return need && { ...need };
  }

  /** Recomputes every view's members from the `store`'s records; wakes the opens waiting for a match. */
  refresh(store: { records(): Iterable<DriverConfiguration> }): void {
    if (this.#entries.size === 0) return;
    for (const e of this.#entries.values()) {
      const data = e.view.data!;
      if (e.need.reachability) judge(e, store.records());
      const children = needMatches(store.records(), e.need).filter((id) => e.judged.get(id) !== false);
      const same = children.length === data.children!.length &&
        children.every((c, i) => c === data.children![i]);
      if (!same) e.view.update({ ...data, children });
      if (children.length > 0 && e.waiters.size > 0) { for (const wake of [...e.waiters]) wake(); }
    }
  }

  /**
   * Resolves true as soon as the view `identifier` has a member, false after
   * `ms` on `clock` (`never` for a view that has one already: true at once).
   */
  whenMatched(identifier: string, ms: number, clock: Clock): Promise<boolean> {
    const e = this.#entries.get(identifier);
    if (!e) return Promise.resolve(false);
    if (e.view.children.length > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        e.waiters.delete(wake);
        clock.clearTimeout(timer);
        resolve(value);
      };
      const wake = () => done(true);
      const timer = clock.setTimeout(() => done(false), ms);
      e.waiters.add(wake);
    });
  }
}

/** Updates what is known of each access point against the need's reachability (see `NeedEntry.judged`). */
function judge(e: NeedEntry, records: Iterable<DriverConfiguration>): void {
  for (const c of records) {
    if (c.type !== "internet-access-point") continue;
    if (c.state !== "discovered" && c.state !== "active") e.judged.delete(c.identifier);
    else if (c.state === "active" && c.reachability !== undefined && c.reachability !== "unknown") {
      e.judged.set(c.identifier, !c.captivePortal && reaches(c.reachability, e.need.reachability!));
    }
  }
}
