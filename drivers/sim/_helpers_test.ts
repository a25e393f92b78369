// Shared test helpers (a *_test.ts file so that it is not published).
import type { DriverEvent } from "@netsession/core";
import { SimDriver } from "./driver.ts";
import { SimWorld } from "./world.ts";
import type { SimWorldOptions } from "./world_types.ts";

/** A world, a started driver, and the events it received. */
export async function setup(options: SimWorldOptions = {}) {
  const world = new SimWorld(options);
  const events: DriverEvent[] = [];
  const driver = new SimDriver(world);
  await driver.start((e) => events.push(e));
  return { world, driver, events };
}

/** Compact event descriptions: "changed:wlan:active", "removed:wlan", … */
export function describe(events: readonly DriverEvent[]): string[] {
  return events.map((e) => {
    switch (e.type) {
      case "configuration-added":
        return `added:${e.configuration.identifier}:${e.configuration.state}`;
      case "configuration-changed":
        return `changed:${e.configuration.identifier}:${e.configuration.state}`;
      case "configuration-removed":
        return `removed:${e.identifier}`;
      case "default-changed":
        return `default:${e.identifier}`;
      case "usage-policies-changed":
        return `policies:${e.policies.join(",")}`;
      case "capabilities-changed":
        return `capabilities:${e.capabilities.length}`;
      case "losing":
        return `losing:${e.identifier}:${e.msToLive}`;
    }
  });
}

/** Tracks a promise's outcome without awaiting it. */
export function track<T>(p: Promise<T>) {
  const t: { done: boolean; value?: T; error?: unknown } = { done: false };
  p.then((v) => {
    t.done = true;
    t.value = v;
  }, (e) => {
    t.done = true;
    t.error = e;
  });
  return t;
}
