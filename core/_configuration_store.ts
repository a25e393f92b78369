/**
 * The configurations a manager knows, by identifier, and what is derived
 * from them and cached until the next change: the default configuration,
 * the best active access point, whether any is active, and which service
 * networks list each access point. The manager puts and removes records as
 * the driver reports them.
 *
 * @module
 */

import { compareConfigurations } from "./_ranking.ts";
import { parentsOf } from "./_session_index.ts";
import { type ConfigurationRegistry, NetworkConfiguration } from "./configuration.ts";
import type { DriverConfiguration } from "./driver.ts";

/** The live views of one manager. */
export class ConfigurationStore {
  readonly views = new Map<string, NetworkConfiguration>();
  /** The platform's default configuration, if it names one. */
  platformDefault: string | undefined;
  /** Moves on every change (see {@linkcode ConfigurationRegistry.generation}). */
  generation = 0;
  #registry: ConfigurationRegistry;
  #owner: object;
  #invalid: NetworkConfiguration;
  #default: NetworkConfiguration | undefined;
  #parents: Map<string, string[]> | undefined;

  constructor(registry: ConfigurationRegistry, owner: object, invalid: NetworkConfiguration) {
    this.#registry = registry;
    this.#owner = owner;
    this.#invalid = invalid;
  }

  /** Adds or updates the view of a driver record. */
  put(data: DriverConfiguration): NetworkConfiguration {
    let view = this.views.get(data.identifier);
    const before = view?.data;
    // the parents change only with a service network's members (not with its state, reported far more often)
    this.changed(
      (data.type === "service-network" || before?.type === "service-network") &&
        !sameList(data.children, before?.children),
    );
    if (view) view.update(data);
    else this.views.set(data.identifier, view = new NetworkConfiguration(this.#registry, this.#owner, data));
    return view;
  }

  /** Removes a view (it becomes invalid); returns it and the record it had. */
  remove(
    identifier: string,
  ): { view: NetworkConfiguration; data: DriverConfiguration | undefined } | undefined {
    const view = this.views.get(identifier);
    if (!view) return undefined;
    const data = view.data;
    view.update(undefined);
    this.views.delete(identifier);
    this.changed(true);
    return { view, data };
  }

  /** Forgets what was derived (`structure`: a service network changed, so the parents too). */
  changed(structure = false): void {
    this.generation++;
    this.#default = undefined;
    if (structure) this.#parents = undefined;
  }

  /** The driver records of every view. */
  *records(): Iterable<DriverConfiguration> {
    for (const v of this.views.values()) if (v.data) yield v.data;
  }

  /** The default configuration (cached between changes; one pass, no sort). */
  defaultConfiguration(): NetworkConfiguration {
    return this.#default ??= this.#computeDefault();
  }

  #computeDefault(): NetworkConfiguration {
    if (this.platformDefault !== undefined) {
      const d = this.views.get(this.platformDefault);
      if (d?.isValid) return d;
    }
    return this.#best((c) => c.type !== "user-choice") ?? this.#invalid;
  }

  /** The best active access point, if any. */
  bestActiveAccessPoint(): NetworkConfiguration | undefined {
    return this.#best((c) => c.type === "internet-access-point" && c.state === "active");
  }

  #best(keep: (c: NetworkConfiguration) => boolean): NetworkConfiguration | undefined {
    let best: NetworkConfiguration | undefined;
    for (const c of this.views.values()) {
      if (keep(c) && (!best || compareConfigurations(c, best) < 0)) best = c;
    }
    return best;
  }

  /** Whether some access point is active. */
  anyActive(): boolean {
    for (const v of this.views.values()) {
      if (v.type === "internet-access-point" && v.state === "active") return true;
    }
    return false;
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
