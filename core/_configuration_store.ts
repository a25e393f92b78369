/**
 * The configurations a manager knows, by identifier, and what is derived
 * from them and cached until the next change: the default configuration,
 * the best active access point, whether any is active, and which service
 * networks list each access point. The manager puts and removes records as
 * the driver reports them.
 *
 * @module
 */

import { isActiveAccessPointRank, RankIndex } from "./_rank_index.ts";
import { rankOf } from "./_ranking.ts";
import { parentsOf } from "./_session_index.ts";
import { type ConfigurationRegistry, NetworkConfiguration } from "./configuration.ts";
import type { DriverConfiguration } from "./driver.ts";

function isActiveAccessPoint(d: DriverConfiguration | undefined): boolean {
  return d?.type === "internet-access-point" && d.state === "active";
}

/**
 * The live views of one manager. What is derived follows each change at the
 * cost of the views it touches (the one changed and the service networks
 * that list it): active access points are counted, and views are filed by
 * rank (`_rank_index.ts`), so that the default configuration and the best
 * active access point are found without a scan of every view. A change only
 * marks the views it touches; they are filed when the best is next asked for
 * (most changes in a play are never followed by that question).
 */
export class ConfigurationStore {
  readonly views = new Map<string, NetworkConfiguration>();
  /** Moves on every change (see {@linkcode ConfigurationRegistry.generation}). */
  generation = 0;
  #registry: ConfigurationRegistry;
  #owner: object;
  #invalid: NetworkConfiguration;
  #platformDefault: string | undefined;
  /** The views by rank (user choices are never the default: not filed). */
  #ranks = new RankIndex();
  /** Views whose rank may have moved since they were last filed: filed when the best is asked for. */
  #unfiled = new Set<NetworkConfiguration>();
  /** When each view was added: among equals, the first added is the best (as a scan in order finds it). */
  #order = new Map<NetworkConfiguration, number>();
  #added = 0;
  #activeCount = 0;
  /** The default configuration and best active access point as found at generation `at`. */
  #found:
    | { at: number; default: NetworkConfiguration; bestActive: NetworkConfiguration | undefined }
    | undefined;
  #parents: Map<string, string[]> | undefined;

  constructor(registry: ConfigurationRegistry, owner: object, invalid: NetworkConfiguration) {
    this.#registry = registry;
    this.#owner = owner;
    this.#invalid = invalid;
  }

  /** The platform's default configuration, if it names one. */
  get platformDefault(): string | undefined {
    return this.#platformDefault;
  }

  set platformDefault(identifier: string | undefined) {
    this.#platformDefault = identifier;
    this.changed();
  }

  /** Adds or updates the view of a driver record. */
  put(data: DriverConfiguration): NetworkConfiguration {
    let view = this.views.get(data.identifier);
    const before = view?.data;
    if (isActiveAccessPoint(before)) this.#activeCount--;
    if (isActiveAccessPoint(data)) this.#activeCount++;
    // the views whose rank this change can move: the view and the service networks listing it
    const parents = this.parentsOf(data.identifier);
    if (view) view.update(data);
    else {
      this.views.set(data.identifier, view = new NetworkConfiguration(this.#registry, this.#owner, data));
      this.#order.set(view, this.#added++);
    }
    // the parents change only with a service network's members (not with its state, reported far more often)
    const structure = (data.type === "service-network" || before?.type === "service-network") &&
      !sameList(data.children, before?.children);
    this.changed(structure);
    this.#unfiled.add(view);
    for (const p of parents) this.#markUnfiled(p);
    return view;
  }

  /**
   * Keeps a service network's record when it differs from the one held only in its reported `state` (which the
   * core derives from the members, whose own reports moved it): nothing derived changes, so the store does not
   * count it as a change. Returns the view, or undefined (a real change: {@linkcode put} it).
   */
  keepReportedState(data: DriverConfiguration): NetworkConfiguration | undefined {
    const view = this.views.get(data.identifier);
    const before = view?.data;
    if (before === undefined || data.type !== "service-network" || before.type !== "service-network") {
      return undefined;
    }
    if (!sameButState(before, data)) return undefined;
    view!.update(data);
    return view;
  }

  #markUnfiled(identifier: string): void {
    const view = this.views.get(identifier);
    if (view !== undefined) this.#unfiled.add(view);
  }

  /** Files a view at its rank now. */
  #file(view: NetworkConfiguration | undefined): void {
    if (view === undefined) return;
    if (view.type === "user-choice" || !view.isValid) this.#ranks.drop(view);
    else this.#ranks.place(view, rankOf(view), this.#order.get(view)!);
  }

  /** Removes a view (it becomes invalid); returns it and the record it had. */
  remove(
    identifier: string,
  ): { view: NetworkConfiguration; data: DriverConfiguration | undefined } | undefined {
    const view = this.views.get(identifier);
    if (!view) return undefined;
    const data = view.data;
    if (isActiveAccessPoint(data)) this.#activeCount--;
    const parents = this.parentsOf(identifier);
    view.update(undefined);
    this.views.delete(identifier);
    this.#order.delete(view);
    this.#ranks.drop(view);
    this.#unfiled.delete(view);
    this.changed(true);
    for (const p of parents) this.#markUnfiled(p);
    return { view, data };
  }

  /** Forgets what was derived (`structure`: a service network changed, so the parents too). */
  changed(structure = false): void {
    this.generation++;
    if (structure) this.#parents = undefined;
  }

  /** The driver records of every view. */
  *records(): Iterable<DriverConfiguration> {
    for (const v of this.views.values()) if (v.data) yield v.data;
  }

  /** The default configuration: the platform's if it names a known one, else the best (cached between changes). */
  defaultConfiguration(): NetworkConfiguration {
    return this.#derived().default;
  }

  /** The best active access point, if any. */
  bestActiveAccessPoint(): NetworkConfiguration | undefined {
    return this.#derived().bestActive;
  }

  #derived(): { default: NetworkConfiguration; bestActive: NetworkConfiguration | undefined } {
    if (this.#found?.at === this.generation) return this.#found;
    if (this.#unfiled.size > 0) {
      for (const view of this.#unfiled) this.#file(view);
      this.#unfiled.clear();
    }
    const platform = this.#platformDefault === undefined ? undefined : this.views.get(this.#platformDefault);
    const found = {
      at: this.generation,
      default: platform?.isValid ? platform : this.#ranks.best() ?? this.#invalid,
      bestActive: this.#ranks.best(isActiveAccessPointRank),
    };
    this.#found = found;
    return found;
  }

  /** Whether some access point is active. */
  anyActive(): boolean {
    return this.#activeCount > 0;
  }

  /** The service networks that list `identifier`. */
  parentsOf(identifier: string): readonly string[] {
    return (this.#parents ??= parentsOf(this.views.values())).get(identifier) ?? [];
  }
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Every field of {@linkcode DriverConfiguration} but `state`, and how {@linkcode sameButState} compares it: a
 * field added to the record without a line here does not compile, and `configuration_store_fields_test.ts`
 * holds `sameButState` to this list (a field listed here that it does not compare fails the test).
 */
export const COMPARED: Readonly<Record<Exclude<keyof DriverConfiguration, "state">, "value" | "items">> = {
  identifier: "value",
  name: "value",
  type: "value",
  purpose: "value",
  bearerType: "value",
  bearerTypeName: "value",
  metered: "value",
  connectTimeout: "value",
  children: "items",
  roamingAvailable: "value",
  seamless: "value",
  virtualAddresses: "items",
  interface: "value",
  signal: "value",
  reachability: "value",
  captivePortal: "value",
};

/**
 * Whether two records are the same in every field but `state` (lists item by item). Each field is read by
 * name: a loop over the field names reads them with keyed loads, about 9x slower (a service network's
 * state is reported on most changes of its members).
 */
export function sameButState(a: DriverConfiguration, b: DriverConfiguration): boolean {
  return a.identifier === b.identifier && a.name === b.name && a.type === b.type && a.purpose === b.purpose &&
    a.bearerType === b.bearerType && a.bearerTypeName === b.bearerTypeName && a.metered === b.metered &&
    a.connectTimeout === b.connectTimeout && a.signal === b.signal && sameList(a.children, b.children) &&
    a.roamingAvailable === b.roamingAvailable && a.seamless === b.seamless && a.interface === b.interface &&
    sameList(a.virtualAddresses, b.virtualAddresses) && a.reachability === b.reachability &&
    a.captivePortal === b.captivePortal;
}
