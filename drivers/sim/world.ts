/**
 * {@linkcode SimWorld}: the facade of a scriptable world of access points,
 * service networks and links, on a {@linkcode VirtualClock}. Its state and the
 * mechanics of its links are in the engine (`engine.ts`), which
 * {@linkcode SimDriver}s talk to; scenarios are played by `scenario_play.ts`.
 *
 * @module
 */

import type { Capability, DriverConfiguration, Reachability, UsagePolicy } from "@netsession/core";
import { parseAccessPointOptions, type SimAccessPointOptions } from "./access_point_options.ts";
import { SimEngine } from "./engine.ts";
import { SimRandom } from "./random.ts";
import { playScenario } from "./scenario_play.ts";
import type { SimPlayOptions, SimPlayResult, SimScenario } from "./scenario_types.ts";
import { parseServiceNetworkOptions, type SimServiceNetworkOptions } from "./service_network_options.ts";
import { VirtualClock } from "./virtual_clock.ts";
import {
  DEFAULT_SIM_CAPABILITIES,
  type SimAccessPoint,
  type SimHolders,
  type SimReachabilityOptions,
  type SimTraffic,
  type SimUserChoiceOptions,
  type SimWorldOptions,
} from "./world_types.ts";

/**
 * A simulated world of access points, service networks and links on a virtual
 * clock. Script it (add access points, change signals, fail activations, add
 * traffic), attach one or more {@linkcode SimDriver}s, and move time with
 * {@linkcode SimWorld.advance}. Every change is pushed synchronously to every
 * attached driver's sink. Every mutation validates its input and throws an
 * `Error` saying what is wrong and what to do.
 *
 * @example
 * ```ts
 * import { SimDriver, SimWorld } from "@netsession/sim";
 * const world = new SimWorld({ seed: 1 });
 * world.addAccessPoint({ id: "wlan", signal: 80, activationMs: 200 });
 * const driver = new SimDriver(world);
 * await driver.start((event) => console.log(event.type));
 * const up = driver.activate("wlan");
 * await world.advance(200); // "configuration-changed"
 * await up;
 * console.log(world.isUp("wlan")); // true
 * ```
 */
export class SimWorld {
  /** The virtual clock; pass it to the core (`{ clock: world.clock }`). */
  readonly clock: VirtualClock;
  /** The seeded random source of this world. */
  readonly random: SimRandom;

  readonly #engine: SimEngine;

  /**
   * Makes an empty world at virtual time `startTime` (default 0).
   *
   * @param options seed, capabilities and start time
   */
  constructor(options: SimWorldOptions = {}) {
    this.random = new SimRandom(options.seed ?? 1);
    this.clock = new VirtualClock(options.startTime ?? 0);
    this.#engine = new SimEngine(
      this,
      this.clock,
      this.random,
      options.capabilities ?? DEFAULT_SIM_CAPABILITIES,
    );
  }

  // -------------------------------------------------------------------------
  // building the world

  /**
   * Adds an access point, in range (`discovered`) unless `signal` is 0.
   * Returns its configuration as drivers report it.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * const c = world.addAccessPoint({ id: "office", bearer: "ethernet", purpose: "private" });
   * console.log(c.state); // "discovered"
   * ```
   */
  addAccessPoint(options: SimAccessPointOptions): DriverConfiguration {
    return this.#engine.addAccessPoint(parseAccessPointOptions(options));
  }

  /**
   * Adds a service network over existing access points (highest priority first).
   * Its state is the highest of its members'. Seamless networks get a virtual
   * address (`10.200.<k>.1/32`).
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * world.addAccessPoint({ id: "lte", bearer: "lte" });
   * const sn = world.addServiceNetwork({ id: "internet", members: ["wlan", "lte"], seamless: true });
   * console.log(sn.children, sn.virtualAddresses); // ["wlan", "lte"] ["10.200.0.1/32"]
   * ```
   */
  addServiceNetwork(options: SimServiceNetworkOptions): DriverConfiguration {
    return this.#engine.addServiceNetwork(parseServiceNetworkOptions(options));
  }

  /**
   * Adds a `user-choice` configuration (state `discovered`).
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * console.log(world.addUserChoice({ id: "ask" }).type); // "user-choice"
   * ```
   */
  addUserChoice(options: SimUserChoiceOptions): DriverConfiguration {
    return this.#engine.addUserChoice(options);
  }

  /**
   * Removes an access point. An active one first warns the drivers
   * (`{ type: "losing", msToLive: deactivationMs }`, before the
   * `configuration-removed`); a pending activation of it fails with
   * `invalid-configuration`; it is dropped from every service network (which
   * then report `configuration-changed`) and stops being the default.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "cafe" });
   * world.removeAccessPoint("cafe");
   * console.log(world.has("cafe")); // false
   * ```
   */
  removeAccessPoint(id: string): void {
    this.#engine.ap(id);
    this.#engine.removeConfiguration(id);
  }

  /**
   * Removes any configuration (access point, service network or user choice).
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addUserChoice({ id: "ask" });
   * world.removeConfiguration("ask");
   * ```
   */
  removeConfiguration(id: string): void {
    this.#engine.removeConfiguration(id);
  }

  /**
   * Makes a configuration the platform default (`undefined` clears it).
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * world.setDefault("wlan");
   * console.log(world.defaultConfiguration); // "wlan"
   * ```
   */
  setDefault(id: string | undefined): void {
    this.#engine.setDefault(id);
  }

  /**
   * The identifier of the default configuration, if any.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * console.log(new SimWorld().defaultConfiguration); // undefined
   * ```
   */
  get defaultConfiguration(): string | undefined {
    return this.#engine.defaultConfiguration;
  }

  /**
   * Changes an access point's signal (0..100). Going to 0 puts it out of range
   * (`defined`): an active link is lost at once (counters reset, interface gone,
   * every hold dropped), and a pending activation fails with
   * `invalid-configuration`. Coming back above 0 makes it `discovered`.
   * Fading: an active link set below `WEAK_SIGNAL` (20) but above 0 is
   * reported `{ type: "losing", msToLive: fadeMs }` first (once per fade:
   * again only after the signal was back at 20 or more).
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * world.setSignal("wlan", 0);
   * console.log(world.accessPoint("wlan").state); // "defined"
   * ```
   */
  setSignal(id: string, signal: number): void {
    this.#engine.setSignal(id, signal);
  }

  /**
   * Sets how far an access point's link reaches (one of
   * {@linkcode SIM_REACHABILITIES}) and whether it is behind a captive portal
   * (`captivePortal`, default false: each call says both). Drivers report both
   * only while the link is up: a change while it is up is reported at once as
   * `configuration-changed` (the link stays up); otherwise it applies from the
   * next activation on, and every later one. Throws with code `not-found`
   * (unknown id), `conflict` (not an access point) or `invalid`.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "lte", bearer: "lte" });
   * world.activateExternally("lte");
   * world.setReachability("lte", "local"); // the upstream is lost, the link stays up
   * console.log(world.configuration("lte").reachability); // "local"
   * world.setReachability("lte", "online", { captivePortal: true });
   * console.log(world.accessPoint("lte").captivePortal); // true
   * ```
   */
  setReachability(id: string, reachability: Reachability, options?: SimReachabilityOptions): void {
    this.#engine.setReachability(id, reachability, options);
  }

  /**
   * Sets the system-wide usage policies (`[]` = none); drivers report the change.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.setUsagePolicies(["no-background-traffic"]);
   * ```
   */
  setUsagePolicies(policies: readonly UsagePolicy[]): void {
    this.#engine.setUsagePolicies(policies);
  }

  /**
   * The usage policies in force.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * console.log(new SimWorld().usagePolicies); // []
   * ```
   */
  get usagePolicies(): readonly UsagePolicy[] {
    return this.#engine.usagePolicies;
  }

  /**
   * Replaces the reported capabilities; drivers report the change.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.setCapabilities(["forced-roaming"]);
   * console.log(world.capabilities); // ["forced-roaming"]
   * ```
   */
  setCapabilities(capabilities: readonly Capability[]): void {
    this.#engine.setCapabilities(capabilities);
  }

  /**
   * The capabilities drivers report.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * console.log(new SimWorld().capabilities.includes("system-session-support")); // false
   * ```
   */
  get capabilities(): readonly Capability[] {
    return this.#engine.capabilities;
  }

  /**
   * Makes the next activation of an access point to complete (including one
   * already under way) fail after its `activationMs` with
   * `DriverError("unknown", reason)`. Calls queue up: two calls fail two
   * activations.
   *
   * @example
   * ```ts
   * import { SimDriver, SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * world.failNextActivation("wlan", "wrong passphrase");
   * const driver = new SimDriver(world);
   * await driver.start(() => {});
   * const p = driver.activate("wlan").catch((e) => e.message);
   * await world.advance(100);
   * console.log(await p); // "wrong passphrase"
   * ```
   */
  failNextActivation(id: string, reason?: string): void {
    this.#engine.failNextActivation(id, reason);
  }

  /**
   * Adds bytes to an active access point's counters. Throws if it is not active.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * world.activateExternally("wlan");
   * world.traffic("wlan", { rx: 1000, tx: 10 });
   * console.log(world.accessPoint("wlan").bytesReceived); // 1000
   * ```
   */
  traffic(id: string, bytes: SimTraffic): void {
    this.#engine.traffic(id, bytes);
  }

  /**
   * "Another program" brings the link up at once and holds it, so that a
   * driver's non-forced deactivation leaves it up. On an active link it only
   * adds the hold; on an activating one it completes the activation now.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * world.activateExternally("wlan");
   * console.log(world.isUp("wlan")); // true
   * ```
   */
  activateExternally(id: string): void {
    this.#engine.activateExternally(id);
  }

  /**
   * "Another program" takes the link down at once, whoever holds it (drivers
   * get `{ type: "losing", msToLive: deactivationMs }`, then see the link
   * lost); a pending activation fails with `session-aborted`. Does nothing on
   * a link that is down.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * world.activateExternally("wlan");
   * world.deactivateExternally("wlan");
   * console.log(world.isUp("wlan")); // false
   * ```
   */
  deactivateExternally(id: string): void {
    this.#engine.deactivateExternally(id);
  }

  /**
   * "Another program" lets go of its hold (from {@linkcode SimWorld.activateExternally});
   * when nobody else holds the link, it goes down after `deactivationMs`.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan", deactivationMs: 50 });
   * world.activateExternally("wlan");
   * world.releaseExternally("wlan");
   * await world.advance(50);
   * console.log(world.isUp("wlan")); // false
   * ```
   */
  releaseExternally(id: string): void {
    this.#engine.releaseExternally(id);
  }

  // -------------------------------------------------------------------------
  // reading the world

  /**
   * Whether a configuration with this identifier exists.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * console.log(new SimWorld().has("wlan")); // false
   * ```
   */
  has(id: string): boolean {
    return this.#engine.has(id);
  }

  /**
   * A snapshot of an access point. Throws for unknown ids.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan", interface: "wlp2s0" });
   * console.log(world.accessPoint("wlan").interfaceName); // "wlp2s0"
   * ```
   */
  accessPoint(id: string): SimAccessPoint {
    return this.#engine.accessPoint(id);
  }

  /**
   * Whether an access point's link is up (also while it is going down).
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * console.log(world.isUp("wlan")); // false
   * ```
   */
  isUp(id: string): boolean {
    return this.#engine.isUp(id);
  }

  /**
   * Who holds an access point's link up.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * console.log(world.holders("wlan")); // { external: false, drivers: 0 }
   * ```
   */
  holders(id: string): SimHolders {
    return this.#engine.holders(id);
  }

  /**
   * A configuration as drivers report it. Throws for unknown ids.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * console.log(world.configuration("wlan").bearerType); // "wlan"
   * ```
   */
  configuration(id: string): DriverConfiguration {
    return this.#engine.configuration(id);
  }

  /**
   * Every configuration as drivers report it, in order of creation.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * world.addAccessPoint({ id: "wlan" });
   * console.log(world.configurations().map((c) => c.identifier)); // ["wlan"]
   * ```
   */
  configurations(): DriverConfiguration[] {
    return this.#engine.configurations();
  }

  /**
   * Runs the virtual clock forward by `ms`, delivering the events of
   * everything that falls due. Nothing waits on the wall clock.
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * await world.advance(1000);
   * console.log(world.clock.now()); // 1000
   * ```
   */
  advance(ms: number): Promise<void> {
    return this.clock.advance(ms);
  }

  /**
   * Plays a scenario (an object or its JSON text, format version 1): builds
   * its world, creates its processes' managers and sessions, then runs each
   * step at its virtual time (world changes, session actions, expectations),
   * and the clock on to `duration`. The whole scenario is checked before
   * anything runs: a malformed one rejects with a `ScenarioError` naming the
   * step and field. Failed expectations and failed steps do not reject: they
   * are in the result (`passed: false`).
   *
   * @example
   * ```ts
   * import { SimWorld } from "@netsession/sim";
   * const world = new SimWorld();
   * const result = await world.play({
   *   steps: [
   *     { at: 0, action: "addAccessPoint", id: "wlan" },
   *     { at: 1000, action: "setSignal", id: "wlan", signal: 0 },
   *   ],
   * });
   * console.log(result.passed, world.clock.now(), world.accessPoint("wlan").state); // true 1000 "defined"
   * ```
   */
  play(scenario: SimScenario | string, options?: SimPlayOptions): Promise<SimPlayResult> {
    return playScenario(this, scenario, options);
  }
}
