/**
 * Networks by need: what an application says it needs ({@linkcode NetworkNeed}
 * — bearers in preference order, not metered, a reachability, a signal) and
 * the pure rules of which access points meet it and in what order. The
 * manager keeps one live service network per need
 * (`manager.configurationFor(need)`) whose members are the matches, best first.
 *
 * @module
 */

import { BEARER_PREFERENCE } from "./_ranking.ts";
import type { DriverConfiguration } from "./driver.ts";
import { reaches } from "./reachability.ts";
import { BEARER_TYPES, type BearerType, REACHABILITIES, type Reachability } from "./types.ts";

/**
 * What an application needs of a network (Android's `NetworkRequest`).
 *
 * @example
 * ```ts
 * import type { NetworkNeed } from "@netsession/core";
 * const need: NetworkNeed = { bearers: ["ethernet", "wlan"], notMetered: true, reachability: "online", timeoutMs: 5000 };
 * ```
 */
export interface NetworkNeed {
  /** Acceptable bearers in preference order; omitted: any. */
  readonly bearers?: readonly BearerType[];
  /** Only links that are not charged by volume. */
  readonly notMetered?: boolean;
  /** At least this reachability, judged once a link is up (one below it is let go and the next match tried). */
  readonly reachability?: Reachability;
  /** At least this signal, 0..100 (links without a signal count as 100). */
  readonly minSignal?: number;
  /** How long `open()` waits for a match (default: the connect time-out, 30000 ms). */
  readonly timeoutMs?: number;
  /** A name for the configuration (default: a description of the need). */
  readonly name?: string;
}

/**
 * Checks a need; throws a TypeError that names the field and what to do.
 *
 * @example
 * ```ts
 * import { checkNeed } from "@netsession/core";
 * checkNeed({ bearers: ["wlan"], minSignal: 30 }); // fine
 * try { checkNeed({ minSignal: 300 }); } catch (e) { console.log((e as Error).message); }
 * ```
 */
export function checkNeed(need: NetworkNeed): void {
  const bad = (field: string, what: string, value: unknown) => {
    throw new TypeError(`configurationFor(need): ${field} must be ${what}, got ${JSON.stringify(value)}`);
  };
  if (typeof need !== "object" || need === null) {
    bad("the need", "an object such as { notMetered: true }", need);
  }
  const { bearers, notMetered, reachability, minSignal, timeoutMs, name } = need;
  if (bearers !== undefined) {
    if (!Array.isArray(bearers) || bearers.some((b) => !(BEARER_TYPES as readonly string[]).includes(b))) {
      bad("bearers", `a list of ${BEARER_TYPES.join(", ")}`, bearers);
    }
  }
  if (notMetered !== undefined && typeof notMetered !== "boolean") {
    bad("notMetered", "true or false", notMetered);
  }
  if (reachability !== undefined && !(REACHABILITIES as readonly string[]).includes(reachability)) {
    bad("reachability", `one of ${REACHABILITIES.join(", ")}`, reachability);
  }
  if (minSignal !== undefined && !(typeof minSignal === "number" && minSignal >= 0 && minSignal <= 100)) {
    bad("minSignal", "a number from 0 to 100", minSignal);
  }
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs >= 0)) {
    bad("timeoutMs", "a whole number of milliseconds ≥ 0", timeoutMs);
  }
  if (name !== undefined && typeof name !== "string") bad("name", "a string", name);
}

/**
 * A short description of a need, for names and error messages.
 *
 * @example
 * ```ts
 * import { describeNeed } from "@netsession/core";
 * console.log(describeNeed({ bearers: ["wlan", "ethernet"], notMetered: true, reachability: "online" }));
 * // "wlan or ethernet, not metered, online"
 * ```
 */
export function describeNeed(need: NetworkNeed): string {
  const parts: string[] = [];
  if (need.bearers?.length) parts.push(need.bearers.join(" or "));
  if (need.notMetered) parts.push("not metered");
  if (need.reachability) parts.push(need.reachability);
  if (need.minSignal !== undefined) parts.push(`signal ≥ ${need.minSignal}`);
  return parts.join(", ") || "any network";
}

/**
 * Whether access point `c` (a driver record) meets `need` now: in range,
 * bearer, metering and signal; and, once it is up and its reachability is
 * known, at least the needed reachability.
 *
 * @example
 * ```ts
 * import { meetsNeed } from "@netsession/core";
 * const lte = { identifier: "lte", name: "LTE", type: "internet-access-point", state: "discovered",
 *   purpose: "public", bearerType: "lte", metered: true } as const;
 * console.log(meetsNeed(lte, { notMetered: true }), meetsNeed(lte, { bearers: ["lte"] })); // false true
 * ```
 */
export function meetsNeed(c: DriverConfiguration, need: NetworkNeed): boolean {
  if (c.type !== "internet-access-point" || (c.state !== "discovered" && c.state !== "active")) return false;
  if (c.signal === 0) return false;
  if (need.bearers?.length && !need.bearers.includes(c.bearerType)) return false;
  if (need.notMetered && c.metered) return false;
  if (need.minSignal !== undefined && (c.signal ?? 100) < need.minSignal) return false;
  if (need.reachability && c.state === "active") {
    const known = c.reachability !== undefined && c.reachability !== "unknown";
    if (known && !reaches(c.reachability!, need.reachability)) return false;
    if (c.captivePortal) return false; // a sign-in page reaches nothing an application needs
  }
  return true;
}

/**
 * The matches of `need` among `candidates`, best first: bearer preference
 * (the need's order, else Ethernet over WLAN over cellular), then signal.
 *
 * @example
 * ```ts
 * import { needMatches } from "@netsession/core";
 * const ap = (identifier: string, bearerType: "wlan" | "ethernet", signal: number) =>
 *   ({ identifier, name: identifier, type: "internet-access-point", state: "discovered", purpose: "private",
 *     bearerType, metered: false, signal }) as const;
 * console.log(needMatches([ap("w1", "wlan", 40), ap("e", "ethernet", 100), ap("w2", "wlan", 90)], {}));
 * // ["e", "w2", "w1"]
 * ```
 */
export function needMatches(candidates: Iterable<DriverConfiguration>, need: NetworkNeed): string[] {
  const order = need.bearers?.length ? need.bearers : BEARER_PREFERENCE;
  return [...candidates].filter((c) => meetsNeed(c, need))
    .sort((a, b) =>
      order.indexOf(a.bearerType) - order.indexOf(b.bearerType) || (b.signal ?? 100) - (a.signal ?? 100)
    )
    .map((c) => c.identifier);
}
