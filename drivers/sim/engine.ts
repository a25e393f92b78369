/**
 * {@linkcode SimEngine}: the state of a simulated world and the mechanics of
 * its links, behind the {@linkcode SimWorld} facade; {@linkcode SimDriver}
 * talks to it directly (through {@linkcode engineOf}), so the driver does not
 * depend on the world or on the scenario player. Every change of a link's
 * phase goes through {@linkcode linkTransition} (`link.ts`); this module
 * carries out the effects. Not re-exported by `mod.ts`.
 *
 * @module
 */

import {
  type Capability,
  type DriverConfiguration,
  DriverError,
  type DriverEvent,
  type DriverEventSink,
  type DriverSnapshot,
  type Reachability,
  USAGE_POLICIES,
  type UsagePolicy,
  WEAK_SIGNAL,
} from "@netsession/core";
import {
  checkBytes,
  checkCapabilities,
  checkId,
  checkName,
  checkOneOf,
  checkSignal,
  invalidType,
} from "./_checks.ts";
import {
  accessPointSnapshot,
  type ApRecord,
  configurationOf,
  type Entry,
  EXTERNAL,
  KIND_NAMES,
  newAccessPoint,
  newServiceNetwork,
  type SnRecord,
  snState,
  type UcRecord,
} from "./_records.ts";
import { SIM_REACHABILITIES, type SimAccessPointOptions } from "./access_point_options.ts";
import { SimError } from "./errors.ts";
import { isLinkUp } from "./link.ts";
import { LinkRunner, outOfRange } from "./link_runner.ts";
import type { SimRandom } from "./random.ts";
import type { SimServiceNetworkOptions } from "./service_network_options.ts";
import type { VirtualClock } from "./virtual_clock.ts";
import type {
  SimAccessPoint,
  SimHolders,
  SimReachabilityOptions,
  SimTraffic,
  SimUserChoiceOptions,
} from "./world_types.ts";

/** The device of an access point that names none (a Set, as every device is: one kind to iterate). */
const NO_RECORDS: ReadonlySet<ApRecord> = new Set();

const engines = new WeakMap<object, SimEngine>();

/**
 * The engine behind a world (made by `new SimWorld()`), for {@linkcode SimDriver}.
 *
 * @param world a SimWorld
 */
export function engineOf(world: object): SimEngine {
  const engine = engines.get(world);
  if (engine === undefined) throw invalidType("SimDriver needs a SimWorld: new SimDriver(new SimWorld())");
  return engine;
}

/** The state of a simulated world and the mechanics of its links. */
export class SimEngine {
  readonly clock: VirtualClock;
  readonly random: SimRandom;
  /** The mechanics of the links: every phase change goes through `links.send`. */
  readonly links: LinkRunner;
  readonly #entries = new Map<string, Entry>();
  /** An access point using each interface name (several of one device share it): adding one is O(1). */
  readonly #byInterface = new Map<string, ApRecord>();
  /** The service networks of each access point (in order of creation): a change reports only those. */
  readonly #parents = new Map<string, Set<SnRecord>>();
  /** The access points of each device: taking a device over looks only at them. */
  readonly #byDevice = new Map<string, Set<ApRecord>>();
  readonly #sinks = new Set<DriverEventSink>();
  /** The sinks as a list, made anew on each change of {@linkcode SimEngine.#sinks} (a report copies nothing). */
  #sinkList: readonly DriverEventSink[] = [];
  #capabilities: readonly Capability[];
  #policies: readonly UsagePolicy[] = [];
  #default: string | undefined;
  #apCount = 0;
  #snCount = 0;

  constructor(world: object, clock: VirtualClock, random: SimRandom, capabilities: readonly Capability[]) {
    this.clock = clock;
    this.random = random;
    this.#capabilities = Object.freeze(checkCapabilities(capabilities));
    this.links = new LinkRunner(clock, (ap) => this.#sameDevice(ap), (ap) => this.changed(ap));
    engines.set(world, this);
  }

  // ------------------------------------------------------------------ building

  addAccessPoint(o: SimAccessPointOptions): DriverConfiguration {
    this.#checkFree(o.id);
    const ap = newAccessPoint(o, this.#apCount, (name) => this.#byInterface.get(name), this.random);
    this.#apCount++;
    if (!this.#byInterface.has(ap.interfaceName)) this.#byInterface.set(ap.interfaceName, ap);
    if (ap.device !== undefined) {
      let same = this.#byDevice.get(ap.device);
      if (same === undefined) this.#byDevice.set(ap.device, same = new Set());
      same.add(ap);
    }
    return this.#added(ap);
  }

  addServiceNetwork(o: SimServiceNetworkOptions): DriverConfiguration {
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
    const sn = newServiceNetwork(o, members, this.#snCount++);
    for (const m of members) {
      let parents = this.#parents.get(m);
      if (parents === undefined) this.#parents.set(m, parents = new Set());
      parents.add(sn);
    }
    sn.lastState = snState(sn, this.#entries);
    return this.#added(sn);
  }

  addUserChoice(options: SimUserChoiceOptions): DriverConfiguration {
    if (options === null || typeof options !== "object") {
      throw invalidType("addUserChoice() needs an options object such as { id: 'ask' }");
    }
    const { id } = options;
    checkId(id, "addUserChoice()");
    this.#checkFree(id);
    checkName(options.name, id);
    const uc: UcRecord = { kind: "uc", id, name: options.name ?? id };
    return this.#added(uc);
  }

  #added(e: Entry): DriverConfiguration {
    this.#entries.set(e.id, e);
    const configuration = configurationOf(e, this.#entries);
    this.emit({ type: "configuration-added", configuration });
    return configuration;
  }

  removeConfiguration(id: string): void {
    const entry = this.entry(id);
    const changed: SnRecord[] = [];
    if (entry.kind === "ap") {
      if (entry.phase === "up") this.#losing(entry, entry.deactivationMs);
      if (entry.activation !== undefined) {
        this.links.failActivation(
          entry,
          new DriverError(
            "invalid-configuration",
            `access point '${id}' was removed while it was being activated`,
          ),
        );
      }
      this.links.send(entry, "remove");
      for (const sn of this.#parents.get(id) ?? []) {
        sn.members = sn.members.filter((m) => m !== id);
        changed.push(sn);
      }
      this.#parents.delete(id);
      if (entry.device !== undefined) this.#byDevice.get(entry.device)?.delete(entry);
    } else if (entry.kind === "sn") {
      for (const m of entry.members) this.#parents.get(m)?.delete(entry);
    }
    this.#entries.delete(id);
    if (entry.kind === "ap" && this.#byInterface.get(entry.interfaceName) === entry) {
      // Another access point of the same device may still use the name.
      this.#byInterface.delete(entry.interfaceName);
      for (const other of this.aps()) {
        if (other.interfaceName === entry.interfaceName) {
          this.#byInterface.set(other.interfaceName, other);
          break;
        }
      }
    }
    this.emit({ type: "configuration-removed", identifier: id });
    for (const sn of changed) {
      sn.lastState = snState(sn, this.#entries);
      this.emit({ type: "configuration-changed", configuration: configurationOf(sn, this.#entries) });
    }
    if (this.#default === id) {
      this.#default = undefined;
      this.emit({ type: "default-changed", identifier: undefined });
    }
  }

  // ------------------------------------------------------------------ scripting

  setDefault(id: string | undefined): void {
    if (id !== undefined) this.entry(id);
    if (this.#default === id) return;
    this.#default = id;
    this.emit({ type: "default-changed", identifier: id });
  }

  get defaultConfiguration(): string | undefined {
    return this.#default;
  }

  setSignal(id: string, signal: number): void {
    const ap = this.ap(id);
    const value = checkSignal(signal, id);
    if (value === ap.signal) return;
    ap.signal = value;
    if (value >= WEAK_SIGNAL) ap.fading = false;
    else if (value > 0 && ap.phase === "up" && !ap.fading) {
      ap.fading = true;
      this.#losing(ap, ap.fadeMs);
    }
    if (value === 0) {
      if (ap.activation !== undefined) this.links.failActivation(ap, outOfRange(ap));
      if (isLinkUp(ap.phase)) {
        this.links.send(ap, "go-down");
        return;
      }
    }
    this.changed(ap);
  }

  /** Sets how far a link reaches (and its captive portal); reported at once while it is up. */
  setReachability(id: string, reachability: Reachability, options: SimReachabilityOptions = {}): void {
    const ap = this.ap(id);
    const value = checkOneOf(reachability, SIM_REACHABILITIES, `reachability of '${id}'`);
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw invalidType(
        `setReachability('${id}', reachability, options): options must be an object such as { captivePortal: true }`,
      );
    }
    const captive = options.captivePortal ?? false;
    if (typeof captive !== "boolean") {
      throw invalidType(`captivePortal of '${id}' must be true or false, got ${JSON.stringify(captive)}`);
    }
    if (value === ap.reachability && captive === ap.captivePortal) return;
    ap.reachability = value;
    ap.captivePortal = captive;
    if (isLinkUp(ap.phase)) this.changed(ap);
  }

  setUsagePolicies(policies: readonly UsagePolicy[]): void {
    if (!Array.isArray(policies)) {
      throw invalidType(`setUsagePolicies() needs an array such as ["no-background-traffic"] or []`);
    }
    const next = [...new Set(policies.map((p) => checkOneOf(p, USAGE_POLICIES, "usage policy")))];
    if (next.length === this.#policies.length && next.every((p) => this.#policies.includes(p))) return;
    this.#policies = Object.freeze(next);
    this.emit({ type: "usage-policies-changed", policies: this.#policies });
  }

  get usagePolicies(): readonly UsagePolicy[] {
    return this.#policies;
  }

  setCapabilities(capabilities: readonly Capability[]): void {
    this.#capabilities = Object.freeze(checkCapabilities(capabilities));
    this.emit({ type: "capabilities-changed", capabilities: this.#capabilities });
  }

  get capabilities(): readonly Capability[] {
    return this.#capabilities;
  }

  failNextActivation(id: string, reason?: string): void {
    const ap = this.ap(id);
    if (reason !== undefined && (typeof reason !== "string" || reason.length === 0)) {
      throw invalidType(`failNextActivation('${id}', reason): reason must be a non-empty string when given`);
    }
    ap.failures.push(reason ?? `activation of '${id}' failed (simulated with failNextActivation())`);
  }

  traffic(id: string, bytes: SimTraffic): void {
    const ap = this.ap(id);
    if (bytes === null || typeof bytes !== "object") {
      throw invalidType(`traffic('${id}', bytes) needs an object such as { rx: 1000, tx: 200 }`);
    }
    const rx = checkBytes(bytes.rx, `traffic rx of '${id}'`);
    const tx = checkBytes(bytes.tx, `traffic tx of '${id}'`);
    if (!isLinkUp(ap.phase)) {
      throw new SimError(
        "conflict",
        `access point '${id}' is not active: traffic needs an active link (activate it first)`,
      );
    }
    ap.rx += rx;
    ap.tx += tx;
  }

  activateExternally(id: string): void {
    const ap = this.ap(id);
    if (ap.signal === 0) {
      throw new SimError(
        "conflict",
        `access point '${id}' is out of range (signal 0): setSignal('${id}', n) above 0 first`,
      );
    }
    // an activation under way (or queued behind a deactivation) completes now
    const activation = ap.activation;
    ap.activation = undefined;
    if (activation !== undefined) this.links.clearTimer(activation);
    this.links.send(ap, "bring-up", { holder: EXTERNAL, activation });
    if (activation !== undefined) this.links.settle(activation, undefined);
  }

  deactivateExternally(id: string): void {
    const ap = this.ap(id);
    if (ap.phase === "activating") {
      this.links.failActivation(
        ap,
        new DriverError("session-aborted", `activation of '${id}' was cancelled by another program`),
      );
      return;
    }
    if (ap.phase === "up") this.#losing(ap, ap.deactivationMs);
    this.links.send(ap, "go-down");
  }

  releaseExternally(id: string): void {
    const ap = this.ap(id);
    if (!ap.holders.delete(EXTERNAL)) return;
    if (ap.holders.size === 0) this.links.send(ap, "release");
  }

  // ------------------------------------------------------------------ reading

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  accessPoint(id: string): SimAccessPoint {
    return accessPointSnapshot(this.ap(id));
  }

  isUp(id: string): boolean {
    return isLinkUp(this.ap(id).phase);
  }

  holders(id: string): SimHolders {
    const ap = this.ap(id);
    const external = ap.holders.has(EXTERNAL);
    return Object.freeze({ external, drivers: ap.holders.size - (external ? 1 : 0) });
  }

  configuration(id: string): DriverConfiguration {
    return configurationOf(this.entry(id), this.#entries);
  }

  configurations(): DriverConfiguration[] {
    return [...this.#entries.values()].map((e) => configurationOf(e, this.#entries));
  }

  /** Attaches a driver's sink; returns the function that detaches it. */
  attach(sink: DriverEventSink): () => void {
    this.#sinks.add(sink);
    this.#sinkList = [...this.#sinks];
    return () => {
      const had = this.#sinks.delete(sink);
      this.#sinkList = [...this.#sinks];
      return had;
    };
  }

  snapshot(): DriverSnapshot {
    return {
      configurations: this.configurations(),
      capabilities: this.#capabilities,
      usagePolicies: this.#policies,
      ...(this.#default === undefined ? {} : { defaultConfiguration: this.#default }),
    };
  }

  // ------------------------------------------------------------------ lookups

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

  entry(id: string): Entry {
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

  ap(id: string): ApRecord {
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

  entryOrUndefined(id: string): Entry | undefined {
    return this.#entries.get(id);
  }

  *aps(): Generator<ApRecord> {
    for (const e of this.#entries.values()) if (e.kind === "ap") yield e;
  }

  /** The access points of `ap`'s device, `ap` among them (none when it names no device). */
  #sameDevice(ap: ApRecord): Iterable<ApRecord> {
    return ap.device === undefined ? NO_RECORDS : this.#byDevice.get(ap.device) ?? NO_RECORDS;
  }

  // ------------------------------------------------------------------ reporting

  /** Delivers an event to every sink; a throwing sink does not stop the others. */
  emit(event: DriverEvent): void {
    const sinks = this.#sinkList;
    if (sinks.length === 0) return;
    let failed = false;
    let first: unknown;
    // The list is replaced, never changed, when a sink comes or goes: one attached meanwhile is not called.
    for (const sink of sinks) {
      try {
        sink(event);
      } catch (error) {
        if (!failed) first = error;
        failed = true;
      }
    }
    if (failed) throw first;
  }

  /** Warns the drivers that `ap`'s link is expected to go within `msToLive` (before the report that ends it). */
  #losing(ap: ApRecord, msToLive: number): void {
    this.emit({ type: "losing", identifier: ap.id, msToLive });
  }

  /** Reports an access point and the service networks whose state it changed. */
  changed(ap: ApRecord): void {
    this.emit({ type: "configuration-changed", configuration: configurationOf(ap, this.#entries) });
    const parents = this.#parents.get(ap.id);
    if (parents === undefined) return;
    for (const sn of parents) {
      const s = snState(sn, this.#entries);
      if (s === sn.lastState) continue;
      sn.lastState = s;
      this.emit({ type: "configuration-changed", configuration: configurationOf(sn, this.#entries) });
    }
  }
}
