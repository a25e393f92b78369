/**
 * The daemon's driver events: the daemon's driver is wrapped so that what it
 * reports is published on the bus, in order, before the manager reacts to it;
 * the platform's default configuration is tracked on the way.
 *
 * @module
 */

import type { DriverEvent, DriverEventSink, NetworkDriver } from "@netsession/core";
import type { EventBus } from "./event_bus.ts";
import { withSystemSessions } from "./_capabilities.ts";
import type { DaemonEventBody } from "./protocol.ts";

/** Publishes the events of one driver on a daemon's bus. */
export class DriverEventPublisher {
  /** The identifier of the platform's default configuration, if it has one. */
  platformDefault: string | undefined;
  #bus: EventBus<DaemonEventBody>;
  #early: DriverEvent[] | undefined = [];
  #removed: (identifier: string) => void = () => {};

  constructor(bus: EventBus<DaemonEventBody>) {
    this.#bus = bus;
  }

  /** `inner` with its events tapped: each is published before the manager's sink gets it. */
  wrap(inner: NetworkDriver): NetworkDriver {
    return {
      name: inner.name,
      start: async (sink: DriverEventSink) => {
        const snap = await inner.start((event) => {
          this.#tap(event);
          sink(event);
        });
        this.platformDefault = snap.defaultConfiguration;
        return snap;
      },
      scan: () => inner.scan(),
      activate: (id, o) => inner.activate(id, o),
      deactivate: (id, o) => inner.deactivate(id, o),
      statistics: (id) => inner.statistics(id),
      // Only when the driver has one: the manager falls back to what the driver reported otherwise.
      ...(inner.checkReachability ? { checkReachability: (id: string) => inner.checkReachability!(id) } : {}),
      close: () => inner.close(),
    };
  }

  /**
   * Starts publishing: the events reported until now (while the manager started) are published first.
   * `removed` hears of every configuration removed, before its event is published.
   */
  attach(removed: (identifier: string) => void): void {
    this.#removed = removed;
    const early = this.#early ?? [];
    this.#early = undefined;
    for (const e of early) this.#publish(e);
  }

  #tap(event: DriverEvent): void {
    if (this.#early) this.#early.push(event);
    else this.#publish(event);
  }

  #publish(event: DriverEvent): void {
    const bus = this.#bus;
    switch (event.type) {
      case "configuration-added":
      case "configuration-changed":
        bus.publish({ type: event.type, configuration: event.configuration });
        break;
      case "configuration-removed":
        this.#removed(event.identifier);
        bus.publish({ type: event.type, identifier: event.identifier });
        break;
      case "usage-policies-changed":
        bus.publish({ type: event.type, policies: event.policies });
        break;
      case "default-changed":
        this.platformDefault = event.identifier;
        bus.publish({ type: event.type, identifier: event.identifier ?? null });
        break;
      case "capabilities-changed":
        bus.publish({ type: event.type, capabilities: withSystemSessions(event.capabilities) });
        break;
      case "losing":
        bus.publish({ type: event.type, identifier: event.identifier, msToLive: event.msToLive });
        break;
      default: {
        const unhandled: never = event; // a new driver event kind is a compile error here
        void unhandled;
      }
    }
  }
}
