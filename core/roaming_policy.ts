/**
 * The roaming policy, pure: which roaming mode a session is in
 * (application-level or forced), which member of a service network it
 * prefers, and when it roams — on a better member appearing
 * ({@linkcode decideOnChange}) or on the loss of its member
 * ({@linkcode decideOnLoss}). `NetworkSession` asks these functions and hands
 * the answer to the session state machine (`session_machine.ts`) as a
 * `preferred` or `lost` input; nothing here does I/O or keeps state.
 *
 * @module
 */

import type { Capability, ConfigurationState } from "./types.ts";

/** Link signal below which a member counts as degraded for roaming decisions. */
export const WEAK_SIGNAL = 20;

/**
 * How a session roams: `"alr"` (application-level: it is asked, `migrate()` /
 * `ignore()`, then `accept()` / `reject()`), `"forced"` (it is moved without
 * being asked) or `"none"` (the platform roams no one).
 *
 * @example
 * ```ts
 * import type { RoamMode } from "@netsession/core";
 * const mode: RoamMode = "forced";
 * ```
 */
export type RoamMode = "alr" | "forced" | "none";

/**
 * When forced roaming moves a session: only when its access point is lost
 * (`"on-loss"`), or also when a better member appears (`"on-loss-or-better"`).
 *
 * @example
 * ```ts
 * import type { ForcedRoamingPolicy } from "@netsession/core";
 * const policy: ForcedRoamingPolicy = "on-loss";
 * ```
 */
export type ForcedRoamingPolicy = "on-loss" | "on-loss-or-better";

/**
 * What the policy needs to know of a service-network member.
 *
 * @example
 * ```ts
 * import type { RoamCandidate } from "@netsession/core";
 * const wlan: RoamCandidate = { identifier: "wlan", state: "discovered", signal: 80 };
 * ```
 */
export interface RoamCandidate {
  /** The access point's identifier. */
  readonly identifier: string;
  /** Its configuration state (`discovered` or `active` = in range). */
  readonly state: ConfigurationState;
  /** Its signal 0..100, when the driver reports one (none counts as full). */
  readonly signal?: number;
}

/**
 * The policy's answer: roam (or offer a roam) to `identifier`.
 *
 * @example
 * ```ts
 * import type { RoamDecision } from "@netsession/core";
 * const d: RoamDecision = { identifier: "wlan", seamless: false, alr: true };
 * ```
 */
export interface RoamDecision {
  /** The member to move to. */
  readonly identifier: string;
  /** Whether the service network keeps the session's address across the move. */
  readonly seamless: boolean;
  /** True: offer it (application-level roaming); false: move by force. */
  readonly alr: boolean;
}

/**
 * The situation of one open session on a service network, as the policy sees it.
 *
 * @example
 * ```ts
 * import type { RoamSituation } from "@netsession/core";
 * const s: RoamSituation = {
 *   capabilities: ["forced-roaming"],
 *   alrWanted: false,
 *   forcedRoaming: "on-loss-or-better",
 *   members: [{ identifier: "wlan", state: "discovered" }, { identifier: "lte", state: "active" }],
 *   current: "lte",
 *   seamless: false,
 * };
 * ```
 */
export interface RoamSituation {
  /** The platform's capabilities (`application-level-roaming`, `forced-roaming`). */
  readonly capabilities: readonly Capability[];
  /** Whether the application listens to `preferredConfigurationChanged`. */
  readonly alrWanted: boolean;
  /** When forced roaming moves the session. */
  readonly forcedRoaming: ForcedRoamingPolicy;
  /** The service network's members in priority order, highest first. */
  readonly members: readonly RoamCandidate[];
  /** The member the session is on. */
  readonly current: string;
  /** A member the application declined with `ignore()` (not offered again). */
  readonly ignored?: string;
  /** Whether the service network is seamless. */
  readonly seamless: boolean;
}

/**
 * The roaming mode a platform with `capabilities` gives a session: ALR when
 * the application wants it and the platform supports it, else forced when
 * the platform supports that, else none.
 *
 * @example
 * ```ts
 * import { roamingMode } from "@netsession/core";
 * console.log(roamingMode(["forced-roaming"], true)); // "forced"
 * console.log(roamingMode(["application-level-roaming", "forced-roaming"], true)); // "alr"
 * ```
 */
export function roamingMode(capabilities: readonly Capability[], alrWanted: boolean): RoamMode {
  if (alrWanted && capabilities.includes("application-level-roaming")) return "alr";
  if (capabilities.includes("forced-roaming")) return "forced";
  return "none";
}

/**
 * The member a session should be on: the highest-priority one in range
 * (discovered or active) whose signal is at least {@linkcode WEAK_SIGNAL},
 * else the highest-priority one in range at all; `exclude` is skipped.
 *
 * @example
 * ```ts
 * import { preferredMember } from "@netsession/core";
 * const members = [
 *   { identifier: "wlan", state: "discovered" as const, signal: 10 },
 *   { identifier: "lte", state: "active" as const },
 * ];
 * console.log(preferredMember(members)?.identifier); // "lte": the WLAN is weak
 * console.log(preferredMember(members, "lte")?.identifier); // "wlan": weak, but in range
 * ```
 */
export function preferredMember<T extends RoamCandidate>(
  members: readonly T[],
  exclude?: string,
): T | undefined {
  let firstInRange: T | undefined;
  for (const c of members) {
    if (c.identifier === exclude || (c.state !== "discovered" && c.state !== "active")) continue;
    if ((c.signal ?? 100) >= WEAK_SIGNAL) return c;
    firstInRange ??= c;
  }
  return firstInRange;
}

/**
 * After the world changed: whether an open session should be offered (ALR)
 * or moved to (forced) a better member. Undefined when the preferred member
 * is the current one or the ignored one, when the platform roams no one, or
 * when forced roaming is `"on-loss"` only.
 *
 * @example
 * ```ts
 * import { decideOnChange } from "@netsession/core";
 * const d = decideOnChange({
 *   capabilities: ["application-level-roaming", "forced-roaming"],
 *   alrWanted: true,
 *   forcedRoaming: "on-loss-or-better",
 *   members: [{ identifier: "wlan", state: "discovered" }, { identifier: "lte", state: "active" }],
 *   current: "lte",
 *   seamless: false,
 * });
 * console.log(d); // { identifier: "wlan", seamless: false, alr: true }
 * ```
 */
export function decideOnChange(s: RoamSituation): RoamDecision | undefined {
  const best = preferredMember(s.members);
  if (!best || best.identifier === s.current || best.identifier === s.ignored) return undefined;
  const mode = roamingMode(s.capabilities, s.alrWanted);
  if (mode === "none") return undefined;
  if (mode === "forced" && s.forcedRoaming === "on-loss") return undefined;
  return { identifier: best.identifier, seamless: s.seamless, alr: mode === "alr" };
}

/**
 * The session's member `lost` went down by itself: the member to roam to
 * (offered as a finished roam under ALR, moved to under forced roaming), or
 * undefined when the lost one is not the session's, nothing else is in range,
 * or the platform roams no one — the session then closes.
 *
 * @example
 * ```ts
 * import { decideOnLoss } from "@netsession/core";
 * const d = decideOnLoss({
 *   capabilities: ["forced-roaming"],
 *   alrWanted: false,
 *   forcedRoaming: "on-loss",
 *   members: [{ identifier: "wlan", state: "defined" }, { identifier: "lte", state: "discovered" }],
 *   current: "wlan",
 *   seamless: false,
 * }, "wlan");
 * console.log(d); // { identifier: "lte", seamless: false, alr: false }
 * ```
 */
export function decideOnLoss(s: RoamSituation, lost: string): RoamDecision | undefined {
  if (lost !== s.current) return undefined;
  const mode = roamingMode(s.capabilities, s.alrWanted);
  if (mode === "none") return undefined;
  const member = preferredMember(s.members, lost);
  return member && { identifier: member.identifier, seamless: s.seamless, alr: mode === "alr" };
}
