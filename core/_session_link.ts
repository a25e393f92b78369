/**
 * What a session sees of its link, as pure functions of the session's
 * configuration, its machine model and the live views: its resting state, the
 * access point in use, the interface, the usage policies and the statistics.
 * `NetworkSession` calls them; they keep no state.
 *
 * @module
 */

import type { NetworkConfiguration } from "./configuration.ts";
import type { RoamCandidate, RoamSituation } from "./roaming_policy.ts";
import type { SessionHost } from "./session_host.ts";
import type { SessionModel } from "./session_machine.ts";
import type { NetworkInterface, SessionState, UsagePolicy } from "./types.ts";

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
  lookup: (identifier: string) => NetworkConfiguration | undefined,
): NetworkConfiguration | undefined {
  const held = accessPointInUse(m);
  if (held !== undefined && m.phase !== "idle") return lookup(held);
  if (effective?.type === "internet-access-point") return effective;
  if (effective?.type === "service-network") return effective.children.find((c) => c.state === "active");
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

/** System-wide policies plus `no-background-traffic` while `ap` is active and metered; sorted. */
export function linkPolicies(
  system: readonly UsagePolicy[],
  ap: NetworkConfiguration | undefined,
): readonly UsagePolicy[] {
  const policies = new Set<UsagePolicy>(system);
  if (ap?.metered && ap.state === "active") policies.add("no-background-traffic");
  return [...policies].sort();
}

/** Whether two policy lists are the same. */
export function samePolicies(a: readonly UsagePolicy[], b: readonly UsagePolicy[]): boolean {
  return a.length === b.length && a.every((p, i) => p === b[i]);
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
export function roamCandidates(sn: NetworkConfiguration): (RoamCandidate & { view: NetworkConfiguration })[] {
  return sn.children.map((view) => ({
    identifier: view.identifier,
    state: view.state,
    signal: view.data?.signal,
    view,
  }));
}

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
    members: roamCandidates(sn),
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
    return effective.children.find((c) => c.state === "active")?.identifier;
  }
  return undefined;
}
