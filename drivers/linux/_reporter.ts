// Internal: turns successive views into driver events. It remembers what was last reported (each configuration,
// the default, the usage policies) and emits only the differences: access points before service networks when
// added or changed, service networks first when removed, so that a service network never names an unknown member.
import type { DriverConfiguration, DriverEventSink, UsagePolicy } from "@netsession/core";
import type { View } from "./_model.ts";

function stable(c: DriverConfiguration): string {
  return JSON.stringify(c);
}

/** What was reported, and the differences of a new view. */
export class Reporter {
  #emitted = new Map<string, string>();
  #default: string | undefined;
  #policies: UsagePolicy[] = [];

  /** Whether the configuration was reported (and not removed since). */
  has(identifier: string): boolean {
    return this.#emitted.has(identifier);
  }

  /** The configuration as last reported, if it was (and was not removed since). */
  reported(identifier: string): DriverConfiguration | undefined {
    const json = this.#emitted.get(identifier);
    return json === undefined ? undefined : JSON.parse(json) as DriverConfiguration;
  }

  /** Takes a view as reported without emitting (the start snapshot). */
  adopt(view: View): void {
    this.#emitted = new Map(
      view.configurations.map((c) => [c.identifier, stable(c)]),
    );
    this.#default = view.defaultConfiguration;
    this.#policies = view.usagePolicies;
  }

  /** Emits what changed since the last view to `sink` (a listener's failure is not ours). */
  report(view: View, sink: DriverEventSink): void {
    const emit = (e: Parameters<DriverEventSink>[0]) => {
      try {
        sink(e);
      } catch { /* a listener's failure is not ours */ }
    };
    const next = new Map(view.configurations.map((c) => [c.identifier, c]));
    const ordered = [
      ...view.configurations.filter((c) => c.type === "internet-access-point"),
      ...view.configurations.filter((c) => c.type !== "internet-access-point"),
    ];
    for (const c of ordered) {
      const key = stable(c);
      const prev = this.#emitted.get(c.identifier);
      if (prev === key) continue;
      this.#emitted.set(c.identifier, key);
      emit({
        type: prev === undefined ? "configuration-added" : "configuration-changed",
        configuration: c,
      });
    }
    const removed = [...this.#emitted.keys()].filter((id) => !next.has(id));
    const isSn = (id: string) =>
      (JSON.parse(this.#emitted.get(id)!) as DriverConfiguration).type !==
        "internet-access-point";
    for (
      const id of [
        ...removed.filter(isSn),
        ...removed.filter((id) => !isSn(id)),
      ]
    ) {
      this.#emitted.delete(id);
      emit({ type: "configuration-removed", identifier: id });
    }
    if (view.defaultConfiguration !== this.#default) {
      this.#default = view.defaultConfiguration;
      emit({
        type: "default-changed",
        identifier: view.defaultConfiguration,
      });
    }
    if (view.usagePolicies.join() !== this.#policies.join()) {
      this.#policies = view.usagePolicies;
      emit({ type: "usage-policies-changed", policies: view.usagePolicies });
    }
  }
}
