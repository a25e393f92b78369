/**
 * What a session sees of its link, as pure functions of the session's
 * configuration, its machine model and the live views: its resting state, the
 * access point in use, the interface, the usage policies and the statistics.
 * `NetworkSession` calls them; they keep no state.
 *
 * @module
 */

import { type ConfigurationRegistry, type NetworkConfiguration, stateRank } from "./configuration.ts";
import type { DataBudget } from "./data_budgets.ts";
import type { LinkReach } from "./reachability.ts";
import type { RoamCandidate, RoamSituation } from "./roaming_policy.ts";
import type { ReachabilityChange } from "./session_events.ts";
import type { SessionHost } from "./session_host.ts";
import type { SessionModel } from "./session_model.ts";
import type { NetworkInterface, Reachability, SessionState, UsagePolicy } from "./types.ts";

/** The state of a session that is not open, from its configuration (and what a user choice resolved to). */
export function restingState(
  configuration: NetworkConfiguration,
  effective: NetworkConfiguration | undefined,
): SessionState {
  if (!configuration.isValid) return "invalid";
  const c = effective ?? configuration;
  if (!c.isValid) return "invalid";
  switch (c.state) {
    case "active":
      return "connected";
    case "discovered":
      return "disconnected";
    case "defined":
      return "not-available";
    default:
      return "invalid";
  }
}

/** The access point the session's traffic uses: the new one once the old one was displaced by a roam. */
export function accessPointInUse(m: SessionModel): string | undefined {
  const r = m.roam;
  return r?.fromLost && r.step === "activated" ? r.to : m.accessPoint;
}

/** The access point in use: the held one while not idle, else the one observed on `effective`. */
export function currentAccessPoint(
  m: SessionModel,
  effective: NetworkConfiguration | undefined,
  views: ConfigurationRegistry,
): NetworkConfiguration | undefined {
  const held = accessPointInUse(m);
  if (held !== undefined && m.phase !== "idle") return views.lookup(held);
  if (effective?.type === "internet-access-point") return effective;
  if (effective?.type === "service-network") return effective.activeMember();
  return undefined;
}

/** The interface of `ap` while it is active; a seamless service network's virtual addresses replace its own. */
export function linkInterface(
  ap: NetworkConfiguration | undefined,
  serviceNetwork: NetworkConfiguration | undefined,
): NetworkInterface | undefined {
  const data = ap?.data;
  if (!data?.interface || ap!.state !== "active") return undefined;
  const sn = serviceNetwork?.data;
  if (sn?.seamless && sn.virtualAddresses?.length) {
    return { ...data.interface, addresses: [...sn.virtualAddresses] };
  }
  return data.interface;
}

/**
 * System-wide policies plus `no-background-traffic` while `ap` is active and metered or its data `budget` is used
 * up; sorted.
 */
export function linkPolicies(
  system: readonly UsagePolicy[],
  ap: NetworkConfiguration | undefined,
  budget: DataBudget | undefined,
): readonly UsagePolicy[] {
  const link = (ap?.metered && ap.state === "active") ||
    (budget !== undefined && budget.used >= budget.bytes);
  if (!link) return system.length === 0 ? NO_POLICIES : sortedPolicies(system, false);
  return sortedPolicies(system, true);
}

/** The sorted policy lists made from a system list (which is replaced, never changed), with and without the link's. */
type Policies = readonly UsagePolicy[];
const SORTED = new WeakMap<Policies, (Policies | undefined)[]>();
function sortedPolicies(system: readonly UsagePolicy[], link: boolean): readonly UsagePolicy[] {
  let made = SORTED.get(system);
  if (made === undefined) SORTED.set(system, made = []);
  const k = link ? 1 : 0;
  let out = made[k];
  if (out === undefined) {
    const policies = new Set<UsagePolicy>(system);
    if (link) policies.add("no-background-traffic");
    out = made[k] = Object.freeze([...policies].sort());
  }
  return out;
}

/** No policy in force (shared: most sessions have none). */
export const NO_POLICIES: readonly UsagePolicy[] = Object.freeze([]);

/** Whether two policy lists are the same. */
export function samePolicies(a: readonly UsagePolicy[], b: readonly UsagePolicy[]): boolean {
  return a === b || a.length === b.length && a.every((p, i) => p === b[i]);
}

/** The access points whose counters a session's statistics add up: every active member of a service network. */
export function statisticsLinks(
  effective: NetworkConfiguration | undefined,
  current: NetworkConfiguration | undefined,
): NetworkConfiguration[] {
  if (effective?.type === "service-network") return effective.children.filter((c) => c.state === "active");
  return current ? [current] : [];
}

/** The members of a service network as the roaming policy sees them, each with its view. */
export function roamCandidates(
  sn: NetworkConfiguration,
  generation?: number,
): readonly (RoamCandidate & { view: NetworkConfiguration })[] {
  // `generation` (the host's, moving on every change): the list is made once per change and record of `sn`
  const cached = generation === undefined ? undefined : CANDIDATES.get(sn);
  if (cached !== undefined && cached.generation === generation && cached.data === sn.data) {
    return cached.members;
  }
  const members = sn.children.map((view) => ({
    identifier: view.identifier,
    state: view.state,
    signal: view.data?.signal,
    view,
  }));
  if (generation !== undefined) CANDIDATES.set(sn, { generation, data: sn.data, members });
  return members;
}

/** The last candidate list made for each service network, with what it was made from. */
const CANDIDATES = new WeakMap<NetworkConfiguration, {
  generation: number;
  data: unknown;
  members: readonly (RoamCandidate & { view: NetworkConfiguration })[];
}>();

/** What the roaming policy needs of a session open on a roaming-capable service network, else undefined. */
export function roamSituation(
  m: SessionModel,
  sn: NetworkConfiguration | undefined,
  host: SessionHost,
  alrWanted: boolean,
): RoamSituation | undefined {
  if (!sn || !sn.isRoamingAvailable || m.accessPoint === undefined) return undefined;
  return {
    capabilities: host.capabilities(),
    alrWanted,
    forcedRoaming: host.forcedRoaming,
    members: roamCandidates(sn, host.generation),
    current: m.accessPoint,
    ignored: m.ignored,
    seamless: sn.data?.seamless ?? false,
  };
}

/** The access point `stop()` takes down: the active one the session acts on. */
export function stopTarget(effective: NetworkConfiguration | undefined): string | undefined {
  if (effective?.type === "internet-access-point") {
    return effective.state === "active" ? effective.identifier : undefined;
  }
  if (effective?.type === "service-network") {
    return effective.activeMember()?.identifier;
  }
  return undefined;
}

/** How far `ap` reaches while active (`disconnected` otherwise). */
export function linkReach(ap: NetworkConfiguration | undefined): LinkReach {
  if (!ap || ap.state !== "active") return NO_REACH;
  return reachOf(ap.reachability, ap.behindCaptivePortal);
}

/** One frozen {@linkcode LinkReach} per pair (a refresh allocates nothing). */
const REACHES = new Map<Reachability, readonly [LinkReach, LinkReach]>();
function reachOf(reachability: Reachability, captivePortal: boolean): LinkReach {
  let pair = REACHES.get(reachability);
  if (pair === undefined) {
    pair = [
      Object.freeze({ reachability, captivePortal: false }),
      Object.freeze({ reachability, captivePortal: true }),
    ];
    REACHES.set(reachability, pair);
  }
  return pair[captivePortal ? 1 : 0];
}

/** The reach of no link. */
export const NO_REACH: LinkReach = reachOf("disconnected", false);

/** The public form of a link's reach (the payload of `reachabilityChanged` and `newConfigurationActivated`). */
export function reachChange(reach: LinkReach): ReachabilityChange {
  return { reachability: reach.reachability, behindCaptivePortal: reach.captivePortal };
}

/** The byte counters of `links` added up (those without statistics count 0). */
export function sumStatistics(
  links: readonly NetworkConfiguration[],
  statistics: (identifier: string) => { bytesReceived: number; bytesWritten: number } | undefined,
): { bytesReceived: number; bytesWritten: number } {
  let bytesReceived = 0, bytesWritten = 0;
  for (const ap of links) {
    const s = statistics(ap.identifier);
    if (s) {
      bytesReceived += s.bytesReceived;
      bytesWritten += s.bytesWritten;
    }
  }
  return { bytesReceived, bytesWritten };
}

/** Whether the access point a roam is leaving could be started (again) now: in range and still configured. */
export function roamFromAvailable(m: SessionModel, views: ConfigurationRegistry): boolean {
  const from = m.roam?.from;
  const c = from === undefined ? undefined : views.lookup(from);
  return c !== undefined && stateRank(c.state) >= stateRank("discovered");
}
