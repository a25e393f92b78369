/**
 * Statistics sampling: the byte counters of the active access points, read
 * from the driver every interval on the manager clock, with rates, published
 * as a `statistics` event when they change.
 *
 * @module
 */

import type { Clock, NetworkConfigurationManager, NetworkDriver } from "@netsession/core";
import type { EventBus } from "./event_bus.ts";
import type { DaemonEventBody } from "./protocol.ts";
import type { AccessPointStatistics, ByteCounters } from "./protocol_events.ts";

/** Samples the driver's counters and publishes `statistics` events. */
export class StatisticsSampler {
  #driver: NetworkDriver;
  #manager: NetworkConfigurationManager;
  #bus: EventBus<DaemonEventBody>;
  #clock: Clock;
  #stats = new Map<string, AccessPointStatistics>();
  #timer: unknown;
  #stopped = false;

  constructor(
    driver: NetworkDriver,
    manager: NetworkConfigurationManager,
    bus: EventBus<DaemonEventBody>,
    clock: Clock,
  ) {
    this.#driver = driver;
    this.#manager = manager;
    this.#bus = bus;
    this.#clock = clock;
  }

  /** The last sample of an access point, if it was active then. */
  get(identifier: string): AccessPointStatistics | undefined {
    return this.#stats.get(identifier);
  }

  /** Forgets an access point that is gone. */
  delete(identifier: string): void {
    this.#stats.delete(identifier);
  }

  /** The counters of the active access points now (with `data-statistics`). */
  *current(): Generator<[string, ByteCounters]> {
    if (!this.#manager.capabilities().includes("data-statistics")) return;
    for (const c of this.#manager.allConfigurations("active")) {
      if (c.type !== "internet-access-point") continue;
      const s = this.#driver.statistics(c.identifier);
      if (s) yield [c.identifier, { bytesReceived: s.bytesReceived, bytesWritten: s.bytesWritten }];
    }
  }

  /** Samples every `every` ms of the clock until {@linkcode StatisticsSampler.stop} (0 = never). */
  start(every: number): void {
    if (every <= 0 || this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.publish(every);
      this.start(every);
    }, every);
  }

  /** Stops sampling for good. */
  stop(): void {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
  }

  /** Publishes a `statistics` event with the counters (and rates over `intervalMs`), if any changed. */
  publish(intervalMs = 1000): void {
    if (this.#stopped) return;
    const next = new Map<string, AccessPointStatistics>();
    let changed = false;
    for (const [id, s] of this.current()) {
      const prev = this.#stats.get(id);
      const rxRate = rate(prev?.bytesReceived, s.bytesReceived, intervalMs);
      const txRate = rate(prev?.bytesWritten, s.bytesWritten, intervalMs);
      next.set(id, { ...s, rxRate, txRate });
      if (
        !prev || prev.bytesReceived !== s.bytesReceived || prev.bytesWritten !== s.bytesWritten ||
        prev.rxRate !== rxRate || prev.txRate !== txRate
      ) changed = true;
    }
    if (next.size !== this.#stats.size) changed = true;
    this.#stats = next;
    if (!changed) return;
    this.#bus.publish({ type: "statistics", statistics: Object.fromEntries(next) });
  }
}

/** Bytes a second from `before` to `now` over `intervalMs` (0 without a previous sample or after a reset). */
function rate(before: number | undefined, now: number, intervalMs: number): number {
  return before !== undefined && now >= before ? Math.round((now - before) * 1000 / intervalMs) : 0;
}
