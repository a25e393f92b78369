/**
 * {@linkcode SimWorld}: a scriptable world of access points, service networks
 * and links, on a {@linkcode VirtualClock}. {@linkcode SimDriver}s attach to a
 * world and report it to the core.
 *
 * @module
 */

import {
  type BearerType,
  CAPABILITIES,
  type Capability,
  CONFIGURATION_STATES,
  type ConfigurationState,
  type DriverConfiguration,
  DriverError,
  type DriverEvent,
  type DriverEventSink,
  type DriverSnapshot,
  type DriverStatistics,
  type Purpose,
  USAGE_POLICIES,
  type UsagePolicy,
} from "@netsession/core";
import { checkBytes, checkId, checkName, checkOneOf, checkSignal, invalidType } from "./_checks.ts";
import { parseAccessPointOptions, type SimAccessPointOptions } from "./access_point_options.ts";
import { SimError } from "./errors.ts";
import { parseServiceNetworkOptions, type SimServiceNetworkOptions } from "./service_network_options.ts";
import { SimRandom } from "./random.ts";
import { playScenario } from "./scenario_play.ts";
import type { SimPlayOptions, SimPlayResult, SimScenario } from "./scenario_types.ts";
import { VirtualClock } from "./virtual_clock.ts";
import type { SimLinkPhase } from "./link.ts";
import {
  DEFAULT_SIM_CAPABILITIES,
  type SimAccessPoint,
  type SimHolders,
  type SimTraffic,
  type SimUserChoiceOptions,
  type SimWorldOptions,
} from "./world_types.ts";

// ---------------------------------------------------------------------------
// internal records

interface Waiter {
  readonly holder: object;
  readonly resolve: () => void;
  readonly reject: (error: DriverError) => void;
  cleanup: () => void;
}

interface Activation {
  readonly waiters: Set<Waiter>;
  timer: unknown;
}

interface Deactivation {
  readonly waiters: Set<Waiter>;
  readonly timer: unknown;
}

interface ApRecord {
  readonly kind: "ap";
  readonly id: string;
  readonly ordinal: number;
  name: string;
  bearer: BearerType;
  signal: number;
  metered: boolean;
  purpose: Purpose;
  activationMs: number;
  deactivationMs: number;
  connectTimeout: number | undefined;
  readonly device: string | undefined;
  readonly interfaceName: string;
  readonly index: number;
  readonly hardwareAddress: string;
  readonly address: string;
  phase: SimLinkPhase;
  rx: number;
  tx: number;
  readonly holders: Set<object>;
  activation: Activation | undefined;
  deactivation: Deactivation | undefined;
  readonly failures: string[];
}

interface SnRecord {
  readonly kind: "sn";
  readonly id: string;
  name: string;
  members: string[];
  seamless: boolean;
  roamingAvailable: boolean;
  purpose: Purpose;
  connectTimeout: number | undefined;
  readonly virtualAddresses: readonly string[] | undefined;
  lastState: ConfigurationState;
}

interface UcRecord {
  readonly kind: "uc";
  readonly id: string;
  name: string;
}

type Entry = ApRecord | SnRecord | UcRecord;

/** The holder token of "another program". */
const EXTERNAL: object = Object.freeze({ external: true });

const KIND_NAMES = {
  ap: "an access point",
  sn: "a service network",
  uc: "a user-choice configuration",
} as const;

/**
 * What a {@linkcode SimDriver} uses of a world. Not part of the public API.
 * @internal
 */
export interface SimEngine {
  attach(sink: DriverEventSink): () => void;
  snapshot(): DriverSnapshot;
  activate(holder: object, id: string, options: EngineActivateOptions): Promise<void>;
  deactivate(holder: object, id: string, options: EngineDeactivateOptions): Promise<void>;
  statistics(id: string): DriverStatistics | undefined;
  release(holder: object): void;
  holds(holder: object, id: string): boolean;
}

/** @internal */
export interface EngineActivateOptions {
  readonly signal?: AbortSignal;
  readonly timeout?: number;
}

/** @internal */
export interface EngineDeactivateOptions {
  readonly force?: boolean;
  readonly signal?: AbortSignal;
}

const engines = new WeakMap<SimWorld, SimEngine>();

/**
 * The engine behind a world, for {@linkcode SimDriver}. Not re-exported by `mod.ts`.
 * @internal
 */
export function engineOf(world: SimWorld): SimEngine {
  const engine = engines.get(world);
  if (engine === undefined) throw invalidType("SimDriver needs a SimWorld: new SimDriver(new SimWorld())");
  return engine;
}

function stateRank(s: ConfigurationState): number {
  return CONFIGURATION_STATES.indexOf(s);
}

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

  #entries = new Map<string, Entry>();
  #sinks = new Set<DriverEventSink>();
  #capabilities: readonly Capability[];
  #policies: readonly UsagePolicy[] = [];
  #default: string | undefined;
  #apCount = 0;
  #snCount = 0;

  /**
   * Makes an empty world at virtual time `startTime` (default 0).
   *
   * @param options seed, capabilities and start time
   */
  constructor(options: SimWorldOptions = {}) {
    this.random = new SimRandom(options.seed ?? 1);
    this.clock = new VirtualClock(options.startTime ?? 0);
    this.#capabilities = Object.freeze(
      options.capabilities === undefined
        ? [...DEFAULT_SIM_CAPABILITIES]
        : this.#checkCapabilities(options.capabilities),
    );
    engines.set(this, this.#engine());
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
    const o = parseAccessPointOptions(options);
    const { id } = o;
    this.#checkFree(id);
    const bearer = o.bearer ?? "wlan";
    const purpose = o.purpose ?? "unknown";
    const signal = o.signal ?? 100;
    const metered = o.metered ?? false;
    const activationMs = o.activationMs ?? 100;
    const deactivationMs = o.deactivationMs ?? 50;
    const connectTimeout = o.connectTimeout;
    const ordinal = this.#apCount;
    const device = o.device;
    // Access points of one device share its interface name.
    const usedNames = new Set(
      [...this.#aps()].filter((ap) => device === undefined || ap.device !== device).map((ap) =>
        ap.interfaceName
      ),
    );
    let interfaceName: string;
    if (o.interface === undefined && device !== undefined) {
      if (usedNames.has(device)) {
        const owner = [...this.#aps()].find((ap) => ap.interfaceName === device)!.id;
        throw new SimError(
          "conflict",
          `device '${device}' of '${id}' is already the interface of access point '${owner}'`,
        );
      }
      interfaceName = device;
    } else if (o.interface !== undefined) {
      if (usedNames.has(o.interface)) {
        const owner = [...this.#aps()].find((ap) => ap.interfaceName === o.interface)!.id;
        throw new SimError(
          "conflict",
          `interface '${o.interface}' of '${id}' is already used by access point '${owner}': pick another name`,
        );
      }
      interfaceName = o.interface;
    } else {
      let k = ordinal;
      while (usedNames.has(`sim${k}`)) k++;
      interfaceName = `sim${k}`;
    }
    const mac = [
      "02",
      ...Array.from({ length: 5 }, () => this.random.int(0, 255).toString(16).padStart(2, "0")),
    ]
      .join(":");
    this.#apCount++;
    const ap: ApRecord = {
      kind: "ap",
      id,
      ordinal,
      name: o.name ?? id,
      bearer,
      signal,
      metered,
      purpose,
      activationMs,
      deactivationMs,
      connectTimeout,
      device,
      interfaceName,
      index: 100 + ordinal,
      hardwareAddress: mac,
      address: `10.${77 + Math.floor(ordinal / 256)}.${ordinal % 256}.2/24`,
      phase: "down",
      rx: 0,
      tx: 0,
      holders: new Set(),
      activation: undefined,
      deactivation: undefined,
      failures: [],
    };
    this.#entries.set(id, ap);
    const configuration = this.#config(ap);
    this.#emit({ type: "configuration-added", configuration });
    return configuration;
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
    const o = parseServiceNetworkOptions(options);
    const { id } = o;
    this.#checkFree(id);
    const members = [...o.members];
    for (const m of members) {
      const e = this.#entries.get(m);
      if (e === undefined) {
        throw new SimError(
          "not-found",
          `member '${m}' of service network '${id}' is unknown: add it with addAccessPoint() first`,
        );
      }
      if (e.kind !== "ap") {
        throw new SimError(
          "conflict",
          `member '${m}' of service network '${id}' is ${KIND_NAMES[e.kind]}: members must be access points`,
        );
      }
    }
    const seamless = o.seamless ?? false;
    const roamingAvailable = o.roamingAvailable ?? true;
    const purpose = o.purpose ?? "unknown";
    const connectTimeout = o.connectTimeout;
    const k = this.#snCount++;
    const sn: SnRecord = {
      kind: "sn",
      id,
      name: o.name ?? id,
      members,
      seamless,
      roamingAvailable,
      purpose,
      connectTimeout,
      virtualAddresses: seamless ? Object.freeze([`10.200.${k % 256}.1/32`]) : undefined,
      lastState: "defined",
    };
    sn.lastState = this.#snState(sn);
    this.#entries.set(id, sn);
    const configuration = this.#config(sn);
    this.#emit({ type: "configuration-added", configuration });
    return configuration;
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
    if (options === null || typeof options !== "object") {
      throw invalidType("addUserChoice() needs an options object such as { id: 'ask' }");
    }
    const { id } = options;
    checkId(id, "addUserChoice()");
    this.#checkFree(id);
    checkName(options.name, id);
    const uc: UcRecord = { kind: "uc", id, name: options.name ?? id };
    this.#entries.set(id, uc);
    const configuration = this.#config(uc);
    this.#emit({ type: "configuration-added", configuration });
    return configuration;
  }

  /**
   * Removes an access point. A pending activation of it fails with
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
    this.#ap(id);
    this.removeConfiguration(id);
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
    const entry = this.#entry(id);
    const changed: SnRecord[] = [];
    if (entry.kind === "ap") {
      this.#failActivation(
        entry,
        new DriverError(
          "invalid-configuration",
          `access point '${id}' was removed while it was being activated`,
        ),
      );
      this.#finishDeactivation(entry);
      entry.phase = "down";
      entry.holders.clear();
      for (const sn of this.#sns()) {
        const i = sn.members.indexOf(id);
        if (i >= 0) {
          sn.members = sn.members.filter((m) => m !== id);
          changed.push(sn);
        }
      }
    }
    this.#entries.delete(id);
    this.#emit({ type: "configuration-removed", identifier: id });
    for (const sn of changed) {
      sn.lastState = this.#snState(sn);
      this.#emit({ type: "configuration-changed", configuration: this.#config(sn) });
    }
    if (this.#default === id) {
      this.#default = undefined;
      this.#emit({ type: "default-changed", identifier: undefined });
    }
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
    if (id !== undefined) this.#entry(id);
    if (this.#default === id) return;
    this.#default = id;
    this.#emit({ type: "default-changed", identifier: id });
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
    return this.#default;
  }

  /**
   * Changes an access point's signal (0..100). Going to 0 puts it out of range
   * (`defined`): an active link is lost at once (counters reset, interface gone,
   * every hold dropped), and a pending activation fails with
   * `invalid-configuration`. Coming back above 0 makes it `discovered`.
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
    const ap = this.#ap(id);
    const value = checkSignal(signal, id);
    if (value === ap.signal) return;
    ap.signal = value;
    if (value === 0) {
      this.#failActivation(
        ap,
        new DriverError(
          "invalid-configuration",
          `access point '${id}' went out of range while it was being activated`,
        ),
      );
      if (ap.phase === "up" || ap.phase === "deactivating") {
        this.#linkDown(ap);
        return;
      }
    }
    this.#changed(ap);
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
    if (!Array.isArray(policies)) {
      throw invalidType(`setUsagePolicies() needs an array such as ["no-background-traffic"] or []`);
    }
    const next = [...new Set(policies.map((p) => checkOneOf(p, USAGE_POLICIES, "usage policy")))];
    if (next.length === this.#policies.length && next.every((p) => this.#policies.includes(p))) return;
    this.#policies = Object.freeze(next);
    this.#emit({ type: "usage-policies-changed", policies: this.#policies });
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
    return this.#policies;
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
    this.#capabilities = Object.freeze(this.#checkCapabilities(capabilities));
    this.#emit({ type: "capabilities-changed", capabilities: this.#capabilities });
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
    return this.#capabilities;
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
    const ap = this.#ap(id);
    if (reason !== undefined && (typeof reason !== "string" || reason.length === 0)) {
      throw invalidType(
        `failNextActivation('${id}', reason): reason must be a non-empty string when given`,
      );
    }
    ap.failures.push(reason ?? `activation of '${id}' failed (simulated with failNextActivation())`);
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
    const ap = this.#ap(id);
    if (bytes === null || typeof bytes !== "object") {
      throw invalidType(`traffic('${id}', bytes) needs an object such as { rx: 1000, tx: 200 }`);
    }
    const rx = checkBytes(bytes.rx, `traffic rx of '${id}'`);
    const tx = checkBytes(bytes.tx, `traffic tx of '${id}'`);
    if (!this.#isUp(ap)) {
      throw new SimError(
        "conflict",
        `access point '${id}' is not active: traffic needs an active link (activate it first)`,
      );
    }
    ap.rx += rx;
    ap.tx += tx;
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
    const ap = this.#ap(id);
    if (ap.signal === 0) {
      throw new SimError(
        "conflict",
        `access point '${id}' is out of range (signal 0): setSignal('${id}', n) above 0 first`,
      );
    }
    switch (ap.phase) {
      case "up":
        ap.holders.add(EXTERNAL);
        return;
      case "deactivating": {
        this.#finishDeactivation(ap);
        ap.phase = "up";
        ap.holders.add(EXTERNAL);
        const act = ap.activation;
        if (act !== undefined) {
          ap.activation = undefined;
          this.#clearTimer(act);
          for (const w of act.waiters) ap.holders.add(w.holder);
          this.#settle(act, undefined);
        }
        return;
      }
      case "down":
      case "activating": {
        const act = ap.activation;
        ap.activation = undefined;
        if (act !== undefined) this.#clearTimer(act);
        this.#displaceOthers(ap);
        ap.phase = "up";
        ap.rx = 0;
        ap.tx = 0;
        ap.holders.add(EXTERNAL);
        for (const w of act?.waiters ?? []) ap.holders.add(w.holder);
        this.#changed(ap);
        if (act !== undefined) this.#settle(act, undefined);
        return;
      }
    }
  }

  /**
   * "Another program" takes the link down at once, whoever holds it (drivers
   * see the link lost); a pending activation fails with `session-aborted`.
   * Does nothing on a link that is down.
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
    const ap = this.#ap(id);
    if (ap.phase === "activating") {
      this.#failActivation(
        ap,
        new DriverError("session-aborted", `activation of '${id}' was cancelled by another program`),
      );
      return;
    }
    if (this.#isUp(ap)) this.#linkDown(ap);
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
    const ap = this.#ap(id);
    if (!ap.holders.delete(EXTERNAL)) return;
    if (ap.phase === "up" && ap.holders.size === 0) this.#startDeactivation(ap);
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
    return this.#entries.has(id);
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
    const ap = this.#ap(id);
    return Object.freeze({
      id: ap.id,
      name: ap.name,
      bearer: ap.bearer,
      signal: ap.signal,
      metered: ap.metered,
      purpose: ap.purpose,
      activationMs: ap.activationMs,
      deactivationMs: ap.deactivationMs,
      ...(ap.connectTimeout === undefined ? {} : { connectTimeout: ap.connectTimeout }),
      ...(ap.device === undefined ? {} : { device: ap.device }),
      interfaceName: ap.interfaceName,
      index: ap.index,
      hardwareAddress: ap.hardwareAddress,
      address: ap.address,
      state: this.#apState(ap),
      phase: ap.phase,
      bytesReceived: ap.rx,
      bytesWritten: ap.tx,
      pendingFailures: ap.failures.length,
    });
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
    return this.#isUp(this.#ap(id));
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
    const ap = this.#ap(id);
    const external = ap.holders.has(EXTERNAL);
    return Object.freeze({ external, drivers: ap.holders.size - (external ? 1 : 0) });
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
    return this.#config(this.#entry(id));
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
    return [...this.#entries.values()].map((e) => this.#config(e));
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

  // -------------------------------------------------------------------------
  // internals

  #checkCapabilities(capabilities: readonly Capability[]): Capability[] {
    if (!Array.isArray(capabilities)) {
      throw invalidType(`capabilities must be an array such as ["forced-roaming"]`);
    }
    return [...new Set(capabilities.map((c) => checkOneOf(c, CAPABILITIES, "capability")))];
  }

  #checkFree(id: string): void {
    const e = this.#entries.get(id);
    if (e !== undefined) {
      throw new SimError(
        "conflict",
        `configuration '${id}' already exists (${
          KIND_NAMES[e.kind]
        }): identifiers must be unique; pick another id or removeConfiguration('${id}') first`,
      );
    }
  }

  #entry(id: string): Entry {
    checkId(id, "this call");
    const e = this.#entries.get(id);
    if (e === undefined) {
      throw new SimError(
        "not-found",
        `unknown configuration '${id}': add it with addAccessPoint(), addServiceNetwork() or addUserChoice() first`,
      );
    }
    return e;
  }

  #ap(id: string): ApRecord {
    if (typeof id !== "string" || id.length === 0) {
      throw invalidType(`an access-point id must be a non-empty string, got ${JSON.stringify(id)}`);
    }
    const e = this.#entries.get(id);
    if (e === undefined) {
      throw new SimError("not-found", `unknown access point '${id}': add it with addAccessPoint() first`);
    }
    if (e.kind !== "ap") {
      throw new SimError("conflict", `'${id}' is ${KIND_NAMES[e.kind]}, not an access point`);
    }
    return e;
  }

  *#aps(): Generator<ApRecord> {
    for (const e of this.#entries.values()) if (e.kind === "ap") yield e;
  }

  *#sns(): Generator<SnRecord> {
    for (const e of this.#entries.values()) if (e.kind === "sn") yield e;
  }

  #isUp(ap: ApRecord): boolean {
    return ap.phase === "up" || ap.phase === "deactivating";
  }

  #apState(ap: ApRecord): ConfigurationState {
    if (this.#isUp(ap)) return "active";
    return ap.signal > 0 ? "discovered" : "defined";
  }

  #snState(sn: SnRecord): ConfigurationState {
    let best: ConfigurationState = "defined";
    for (const m of sn.members) {
      const e = this.#entries.get(m);
      if (e?.kind !== "ap") continue;
      const s = this.#apState(e);
      if (stateRank(s) > stateRank(best)) best = s;
    }
    return best;
  }

  #config(e: Entry): DriverConfiguration {
    switch (e.kind) {
      case "ap": {
        const up = this.#isUp(e);
        return Object.freeze({
          identifier: e.id,
          name: e.name,
          type: "internet-access-point",
          state: this.#apState(e),
          purpose: e.purpose,
          bearerType: e.bearer,
          metered: e.metered,
          signal: e.signal,
          ...(e.connectTimeout === undefined ? {} : { connectTimeout: e.connectTimeout }),
          ...(up
            ? {
              interface: Object.freeze({
                name: e.interfaceName,
                index: e.index,
                addresses: Object.freeze([e.address]),
                hardwareAddress: e.hardwareAddress,
              }),
            }
            : {}),
        });
      }
      case "sn":
        return Object.freeze({
          identifier: e.id,
          name: e.name,
          type: "service-network",
          state: this.#snState(e),
          purpose: e.purpose,
          bearerType: "unknown",
          metered: e.members.some((m) => {
            const ap = this.#entries.get(m);
            return ap?.kind === "ap" && ap.metered;
          }),
          children: Object.freeze([...e.members]),
          roamingAvailable: e.roamingAvailable,
          seamless: e.seamless,
          ...(e.virtualAddresses === undefined ? {} : { virtualAddresses: e.virtualAddresses }),
          ...(e.connectTimeout === undefined ? {} : { connectTimeout: e.connectTimeout }),
        });
      case "uc":
        return Object.freeze({
          identifier: e.id,
          name: e.name,
          type: "user-choice",
          state: "discovered",
          purpose: "unknown",
          bearerType: "unknown",
          metered: false,
        });
    }
  }

  /** Delivers an event to every sink; a throwing sink does not stop the others. */
  #emit(event: DriverEvent): void {
    const errors: unknown[] = [];
    for (const sink of [...this.#sinks]) {
      try {
        sink(event);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }

  /** Reports an access point and the service networks whose state it changed. */
  #changed(ap: ApRecord): void {
    this.#emit({ type: "configuration-changed", configuration: this.#config(ap) });
    for (const sn of this.#sns()) {
      if (!sn.members.includes(ap.id)) continue;
      const s = this.#snState(sn);
      if (s === sn.lastState) continue;
      sn.lastState = s;
      this.#emit({ type: "configuration-changed", configuration: this.#config(sn) });
    }
  }

  #clearTimer(act: Activation): void {
    if (act.timer !== undefined) this.clock.clearTimeout(act.timer);
    act.timer = undefined;
  }

  /** Settles every waiter of an activation (resolve when `error` is undefined). */
  #settle(act: Activation, error: DriverError | undefined): void {
    const waiters = [...act.waiters];
    act.waiters.clear();
    for (const w of waiters) {
      w.cleanup();
      if (error === undefined) w.resolve();
      else w.reject(error);
    }
  }

  /** Cancels a pending activation (any phase), rejecting its waiters. */
  #failActivation(ap: ApRecord, error: DriverError): void {
    const act = ap.activation;
    if (act === undefined) return;
    ap.activation = undefined;
    this.#clearTimer(act);
    if (ap.phase === "activating") ap.phase = "down";
    this.#settle(act, error);
  }

  #startActivation(ap: ApRecord, act: Activation): void {
    this.#displaceOthers(ap);
    ap.phase = "activating";
    act.timer = this.clock.setTimeout(() => this.#completeActivation(ap, act), ap.activationMs);
  }

  /** One device, one link: whatever else runs on `ap`'s device goes down first (as NetworkManager does). */
  #displaceOthers(ap: ApRecord): void {
    if (ap.device === undefined) return;
    for (const other of this.#aps()) {
      if (other === ap || other.device !== ap.device) continue;
      if (other.phase === "activating") {
        this.#failActivation(
          other,
          new DriverError(
            "session-aborted",
            `activation of '${other.id}' was cancelled: '${ap.id}' took device '${ap.device}'`,
          ),
        );
      } else if (other.phase === "up" || other.phase === "deactivating") this.#linkDown(other);
    }
  }

  #completeActivation(ap: ApRecord, act: Activation): void {
    if (ap.activation !== act) return;
    ap.activation = undefined;
    act.timer = undefined;
    const failure = ap.failures.shift();
    if (failure !== undefined) {
      ap.phase = "down";
      this.#settle(act, new DriverError("unknown", failure));
      return;
    }
    ap.phase = "up";
    ap.rx = 0;
    ap.tx = 0;
    for (const w of act.waiters) ap.holders.add(w.holder);
    this.#changed(ap);
    this.#settle(act, undefined);
  }

  /** Drops one waiter; the activation is cancelled when none is left. */
  #dropWaiter(ap: ApRecord, waiter: Waiter, error: DriverError): void {
    const act = ap.activation;
    if (act === undefined || !act.waiters.delete(waiter)) return;
    waiter.cleanup();
    waiter.reject(error);
    if (act.waiters.size === 0) {
      ap.activation = undefined;
      this.#clearTimer(act);
      if (ap.phase === "activating") ap.phase = "down";
    }
  }

  #startDeactivation(ap: ApRecord): void {
    ap.phase = "deactivating";
    const deact: Deactivation = {
      waiters: new Set(),
      timer: this.clock.setTimeout(() => {
        if (ap.deactivation === deact) this.#linkDown(ap);
      }, ap.deactivationMs),
    };
    ap.deactivation = deact;
  }

  /** Resolves the waiters of a pending deactivation and cancels its timer. */
  #finishDeactivation(ap: ApRecord): void {
    const deact = ap.deactivation;
    if (deact === undefined) return;
    ap.deactivation = undefined;
    this.clock.clearTimeout(deact.timer);
    for (const w of deact.waiters) {
      w.cleanup();
      w.resolve();
    }
    deact.waiters.clear();
  }

  /** The link goes down now: counters reset, holds dropped, event; then a queued activation starts. */
  #linkDown(ap: ApRecord): void {
    ap.phase = "down";
    ap.rx = 0;
    ap.tx = 0;
    ap.holders.clear();
    this.#finishDeactivation(ap);
    this.#changed(ap);
    const queued = ap.activation;
    if (queued !== undefined && ap.phase === "down" && queued.timer === undefined) {
      if (ap.signal > 0) this.#startActivation(ap, queued);
      else {
        this.#failActivation(
          ap,
          new DriverError(
            "invalid-configuration",
            `access point '${ap.id}' went out of range while it was being activated`,
          ),
        );
      }
    }
  }

  #engine(): SimEngine {
    return {
      attach: (sink) => {
        this.#sinks.add(sink);
        return () => this.#sinks.delete(sink);
      },
      snapshot: () => ({
        configurations: this.configurations(),
        capabilities: this.#capabilities,
        usagePolicies: this.#policies,
        ...(this.#default === undefined ? {} : { defaultConfiguration: this.#default }),
      }),
      activate: (holder, id, options) => this.#activate(holder, id, options),
      deactivate: (holder, id, options) => this.#deactivate(holder, id, options),
      statistics: (id) => {
        const e = this.#entries.get(id);
        if (e?.kind !== "ap") return undefined;
        return this.#isUp(e)
          ? { bytesReceived: e.rx, bytesWritten: e.tx }
          : { bytesReceived: 0, bytesWritten: 0 };
      },
      release: (holder) => {
        for (const ap of this.#aps()) {
          ap.holders.delete(holder);
          const act = ap.activation;
          if (act === undefined) continue;
          for (const w of [...act.waiters]) {
            if (w.holder === holder) {
              this.#dropWaiter(
                ap,
                w,
                new DriverError(
                  "session-aborted",
                  `activation of '${ap.id}' was aborted: the driver was closed`,
                ),
              );
            }
          }
        }
      },
      holds: (holder, id) => {
        const e = this.#entries.get(id);
        return e?.kind === "ap" && e.holders.has(holder);
      },
    };
  }

  #lookupForDriver(id: string): ApRecord {
    const e = typeof id === "string" ? this.#entries.get(id) : undefined;
    if (e === undefined) {
      throw new DriverError(
        "invalid-configuration",
        `unknown configuration '${id}': the simulated world has no such access point`,
      );
    }
    if (e.kind !== "ap") {
      throw new DriverError(
        "invalid-configuration",
        `'${id}' is ${KIND_NAMES[e.kind]}, not an access point: only access points can be activated`,
      );
    }
    return e;
  }

  #activate(holder: object, id: string, options: EngineActivateOptions): Promise<void> {
    let ap: ApRecord;
    try {
      ap = this.#lookupForDriver(id);
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal, timeout } = options;
    if (signal?.aborted) {
      return Promise.reject(
        new DriverError("session-aborted", `activation of '${id}' was aborted before it started`),
      );
    }
    if (ap.phase === "up") {
      ap.holders.add(holder);
      return Promise.resolve();
    }
    if (ap.signal === 0) {
      return Promise.reject(
        new DriverError(
          "invalid-configuration",
          `access point '${id}' is out of range (signal 0): it cannot be activated now`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      let act = ap.activation;
      if (act === undefined) {
        act = { waiters: new Set(), timer: undefined };
        ap.activation = act;
        if (ap.phase === "down") this.#startActivation(ap, act);
        // while deactivating, the activation starts when the link is down (#linkDown)
      }
      const waiter: Waiter = { holder, resolve, reject, cleanup: () => {} };
      act.waiters.add(waiter);
      let timer: unknown;
      if (timeout !== undefined && Number.isFinite(timeout) && timeout >= 0) {
        timer = this.clock.setTimeout(
          () =>
            this.#dropWaiter(
              ap,
              waiter,
              new DriverError("unknown", `activation of '${id}' timed out after ${timeout} ms`),
            ),
          timeout,
        );
      }
      const onAbort = () =>
        this.#dropWaiter(ap, waiter, new DriverError("session-aborted", `activation of '${id}' was aborted`));
      signal?.addEventListener("abort", onAbort, { once: true });
      waiter.cleanup = () => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
    });
  }

  #deactivate(holder: object, id: string, options: EngineDeactivateOptions): Promise<void> {
    let ap: ApRecord;
    try {
      ap = this.#lookupForDriver(id);
    } catch (error) {
      return Promise.reject(error);
    }
    const force = options.force === true;
    // a pending activation requested by this driver (or by anyone, when forced) is cancelled
    const act = ap.activation;
    if (act !== undefined) {
      const error = new DriverError(
        "session-aborted",
        `activation of '${id}' was cancelled by a deactivation`,
      );
      if (force) this.#failActivation(ap, error);
      else for (const w of [...act.waiters]) if (w.holder === holder) this.#dropWaiter(ap, w, error);
    }
    if (ap.phase === "down" || ap.phase === "activating") return Promise.resolve();
    if (force) ap.holders.clear();
    else ap.holders.delete(holder);
    if (ap.phase === "up") {
      if (ap.holders.size > 0) return Promise.resolve();
      this.#startDeactivation(ap);
    }
    const deact = ap.deactivation!;
    const { signal } = options;
    if (signal?.aborted) {
      return Promise.reject(new DriverError("session-aborted", `waiting for '${id}' to go down was aborted`));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { holder, resolve, reject, cleanup: () => {} };
      const onAbort = () => {
        if (!deact.waiters.delete(waiter)) return;
        waiter.cleanup();
        reject(new DriverError("session-aborted", `waiting for '${id}' to go down was aborted`));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      waiter.cleanup = () => signal?.removeEventListener("abort", onAbort);
      deact.waiters.add(waiter);
    });
  }
}
