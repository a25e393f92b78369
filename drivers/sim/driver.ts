/**
 * {@linkcode SimDriver}: the {@linkcode NetworkDriver} that reports a
 * {@linkcode SimWorld} to the core.
 *
 * @module
 */

import type {
  ActivateOptions,
  DeactivateOptions,
  DriverEventSink,
  DriverSnapshot,
  DriverStatistics,
  NetworkDriver,
  Reachability,
} from "@netsession/core";
import { engineOf, type SimEngine } from "./engine.ts";
import {
  activateLink,
  deactivateLink,
  holdsLink,
  linkReachability,
  linkStatistics,
  releaseHolder,
} from "./engine_driver.ts";
import type { SimWorld } from "./world.ts";

/**
 * A {@linkcode NetworkDriver} over a {@linkcode SimWorld}. Several drivers may
 * attach to one world (think of two processes); each holds the links it
 * activated, so a non-forced deactivation by one leaves a link up while another
 * driver (or "another program", {@linkcode SimWorld.activateExternally}) holds it.
 *
 * - `activate(id)` takes the access point's `activationMs` of virtual time;
 *   it joins an activation already under way and resolves at once on an active
 *   link. It rejects with `DriverError` `invalid-configuration` (unknown id, not
 *   an access point, out of range, lost or removed meanwhile), `unknown`
 *   (time-out, {@linkcode SimWorld.failNextActivation}) or `session-aborted`
 *   (the abort signal). When the activation and the time-out fall due at the
 *   same virtual time, the activation wins.
 * - `deactivate(id)` drops this driver's hold; the link goes down after
 *   `deactivationMs` when nobody else holds it, or whoever holds it with `force`.
 *
 * @example
 * ```ts
 * import { SimDriver, SimWorld } from "@netsession/sim";
 * const world = new SimWorld();
 * world.addAccessPoint({ id: "wlan", activationMs: 300 });
 * const driver = new SimDriver(world);
 * const snapshot = await driver.start((event) => console.log(event.type));
 * console.log(snapshot.configurations.length); // 1
 * const up = driver.activate("wlan", { timeout: 1000 });
 * await world.advance(300);
 * await up;
 * world.traffic("wlan", { rx: 512 });
 * console.log(driver.statistics("wlan")); // { bytesReceived: 512, bytesWritten: 0 }
 * const down = driver.deactivate("wlan");
 * await world.advance(50);
 * await down;
 * await driver.close();
 * ```
 */
export class SimDriver implements NetworkDriver {
  /** Always `"sim"`. */
  readonly name = "sim";
  /** The world this driver reports. */
  readonly world: SimWorld;
  #engine: SimEngine;
  #detach: (() => void) | undefined;

  /**
   * Makes a driver for `world`; nothing is attached until {@linkcode SimDriver.start}.
   *
   * @param world the simulated world to report
   */
  constructor(world: SimWorld) {
    this.#engine = engineOf(world);
    this.world = world;
  }

  /**
   * Attaches `sink` and returns the world's snapshot; every later change is
   * pushed to `sink` synchronously. Throws if already started.
   *
   * @example
   * ```ts
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * world.setDefault("wlan");
   * const snap = await new SimDriver(world).start(() => {});
   * console.log(snap.defaultConfiguration); // "wlan"
   * ```
   */
  start(sink: DriverEventSink): Promise<DriverSnapshot> {
    if (typeof sink !== "function") {
      return Promise.reject(new TypeError("SimDriver.start() needs an event sink function"));
    }
    if (this.#detach !== undefined) {
      return Promise.reject(
        new Error("this SimDriver is already started: close() it first, or make another one"),
      );
    }
    this.#detach = this.#engine.attach(sink);
    return Promise.resolve(this.#engine.snapshot());
  }

  /**
   * Resolves at once: the simulated world is always current.
   *
   * @example
   * ```ts
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * await new SimDriver(new SimWorld()).scan();
   * ```
   */
  scan(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Brings an access point up; see the class documentation for the rules.
   *
   * @example
   * ```ts
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan", activationMs: 100 });
   * const driver = new SimDriver(world);
   * await driver.start(() => {});
   * const up = driver.activate("wlan");
   * await world.advance(100);
   * await up;
   * ```
   */
  activate(identifier: string, options: ActivateOptions = {}): Promise<void> {
    return activateLink(this.#engine, this, identifier, options);
  }

  /**
   * Lets an access point go down; see the class documentation for the rules.
   *
   * @example
   * ```ts
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * world.activateExternally("wlan");
   * const driver = new SimDriver(world);
   * await driver.start(() => {});
   * const down = driver.deactivate("wlan", { force: true });
   * await world.advance(50);
   * await down;
   * console.log(world.isUp("wlan")); // false
   * ```
   */
  deactivate(identifier: string, options: DeactivateOptions = {}): Promise<void> {
    return deactivateLink(this.#engine, this, identifier, { force: options.force, signal: options.signal });
  }

  /**
   * Counters of an access point: live while active, zeros while down,
   * undefined for unknown ids, non-access points, or without the
   * `data-statistics` capability.
   *
   * @example
   * ```ts
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * console.log(new SimDriver(world).statistics("wlan")); // { bytesReceived: 0, bytesWritten: 0 }
   * ```
   */
  statistics(identifier: string): DriverStatistics | undefined {
    if (!this.#engine.capabilities.includes("data-statistics")) return undefined;
    return linkStatistics(this.#engine, identifier);
  }

  /**
   * The connectivity check: resolves with how far an access point's link
   * reaches now ({@linkcode SimWorld.setReachability}; default `"online"`),
   * `"disconnected"` while it is down. The world reports every change as it
   * happens, so the check finds nothing new to push. Rejects with
   * `DriverError` `invalid-configuration` for an unknown id or a configuration
   * that is not an access point.
   *
   * @example
   * ```ts
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "hotspot", reachability: "local", captivePortal: true });
   * const driver = new SimDriver(world);
   * await driver.start(() => {});
   * console.log(await driver.checkReachability("hotspot")); // "disconnected"
   * world.activateExternally("hotspot");
   * console.log(await driver.checkReachability("hotspot")); // "local"
   * ```
   */
  checkReachability(identifier: string): Promise<Reachability> {
    return linkReachability(this.#engine, identifier);
  }

  /**
   * Whether this driver holds an access point's link up.
   *
   * @example
   * ```ts
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * console.log(new SimDriver(world).holds("wlan")); // false
   * ```
   */
  holds(identifier: string): boolean {
    return holdsLink(this.#engine, this, identifier);
  }

  /**
   * Detaches from the world: no more events; this driver's holds are dropped
   * (links stay up) and its pending activations fail with `session-aborted`.
   *
   * @example
   * ```ts
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const driver = new SimDriver(new SimWorld());
   * await driver.start(() => {});
   * await driver.close();
   * ```
   */
  close(): Promise<void> {
    this.#detach?.();
    this.#detach = undefined;
    releaseHolder(this.#engine, this);
    return Promise.resolve();
  }
}
