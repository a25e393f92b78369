/**
 * The options of a simulated access point ({@linkcode SimAccessPointOptions}),
 * their one field list and their one validator, used by
 * {@linkcode SimWorld.addAccessPoint}, the scenario reader and the daemon's
 * world routes.
 *
 * @module
 */

import {
  BEARER_TYPES,
  type BearerType,
  type Purpose,
  PURPOSES,
  REACHABILITIES,
  type Reachability,
} from "@netsession/core";
import { OptionReader } from "./_checks.ts";

/**
 * How far a simulated link may reach while it is up: every
 * {@linkcode Reachability} but `"disconnected"` (what the core shows for a
 * link that is down).
 *
 * @example
 * ```ts
 * import { SIM_REACHABILITIES } from "@netsession/sim";
 * console.log(SIM_REACHABILITIES); // ["unknown", "local", "site", "online"]
 * ```
 */
export const SIM_REACHABILITIES: readonly Reachability[] = Object.freeze(
  REACHABILITIES.filter((r) => r !== "disconnected"),
);

/**
 * Options of {@linkcode SimWorld.addAccessPoint}.
 *
 * @example
 * ```ts
 * import type { SimAccessPointOptions } from "@netsession/sim";
 * const lte: SimAccessPointOptions = { id: "lte", bearer: "lte", signal: 60, metered: true, activationMs: 800 };
 * const hotspot: SimAccessPointOptions = { id: "hotspot", reachability: "local", captivePortal: true };
 * const edge: SimAccessPointOptions = { id: "edge", signal: 30, fadeMs: 5000 }; // fading: "losing" in 5 s
 * ```
 */
export interface SimAccessPointOptions {
  /** Identifier, unique in the world. */
  readonly id: string;
  /** Human-readable name (default: the id). */
  readonly name?: string;
  /** Link technology (default `"wlan"`). */
  readonly bearer?: BearerType;
  /** Link quality 0..100 (default 100); 0 means out of range (state `defined`). */
  readonly signal?: number;
  /** Whether traffic is charged by volume (default false). */
  readonly metered?: boolean;
  /** What the access point is for (default `"unknown"`). */
  readonly purpose?: Purpose;
  /** Virtual milliseconds an activation takes (default 100). */
  readonly activationMs?: number;
  /** Virtual milliseconds a deactivation takes (default 50). */
  readonly deactivationMs?: number;
  /** Interface name while active (default: the `device`, else `sim0`, `sim1`, … in order of creation). */
  readonly interface?: string;
  /** Reported `connectTimeout` in milliseconds (default: none, the core uses 30000). */
  readonly connectTimeout?: number;
  /**
   * A device (radio) shared with other access points: at most one of them is up at a time, and starting one
   * takes the others down first, as NetworkManager does with two WLAN profiles on one radio. Default: a
   * device of its own.
   */
  readonly device?: string;
  /**
   * How far the link reaches while it is up (default `"online"`: the simulator knows, so it says `"unknown"`
   * only when told); one of {@linkcode SIM_REACHABILITIES}. Change it with {@linkcode SimWorld.setReachability}.
   */
  readonly reachability?: Reachability;
  /** Whether the link is behind a captive portal (a sign-in page) while it is up (default false). */
  readonly captivePortal?: boolean;
  /**
   * How long a fading link is expected to live, in virtual milliseconds (default 10000): when the signal of
   * an active access point is set below the core's `WEAK_SIGNAL` (20) but above 0, drivers report
   * `{ type: "losing", msToLive: fadeMs }`, once per fade (again only after the signal rose back to 20 or more).
   */
  readonly fadeMs?: number;
}

/**
 * The field names of {@linkcode SimAccessPointOptions}, in documentation order.
 *
 * @example
 * ```ts
 * import { ACCESS_POINT_OPTION_FIELDS } from "@netsession/sim";
 * console.log(ACCESS_POINT_OPTION_FIELDS.includes("device")); // true
 * ```
 */
export const ACCESS_POINT_OPTION_FIELDS: readonly (keyof SimAccessPointOptions)[] = Object.freeze([
  "id",
  "name",
  "bearer",
  "signal",
  "metered",
  "purpose",
  "activationMs",
  "deactivationMs",
  "interface",
  "connectTimeout",
  "device",
  "reachability",
  "captivePortal",
  "fadeMs",
]);

/**
 * Checks access-point options: the type and range of every field, and no
 * field but {@linkcode ACCESS_POINT_OPTION_FIELDS}. Returns a frozen copy of
 * the fields given (defaults are applied by the world). Throws a `TypeError`
 * or `RangeError` with code `"invalid"` ({@linkcode simErrorCode}) that names
 * the field: `signal of 'x' must be a number from 0 (out of range) to 100, got 120`,
 * or with `where` (say `"body"`) `body.signal: expected a number from 0 (out of range) to 100, got 120`.
 * Whether the id is free and the interface or device not taken depends on the
 * world: {@linkcode SimWorld.addAccessPoint} checks that.
 *
 * @example
 * ```ts
 * import { parseAccessPointOptions, simErrorCode } from "@netsession/sim";
 * console.log(parseAccessPointOptions({ id: "lte", bearer: "lte", connectTimeout: 5000 }).bearer); // "lte"
 * try {
 *   parseAccessPointOptions({ id: "lte", signal: 120 }, "body");
 * } catch (e) {
 *   console.log(simErrorCode(e), (e as Error).message); // "invalid" "body.signal: expected a number from 0 …"
 * }
 * ```
 *
 * @param value the options, typically parsed JSON
 * @param where where they come from, for messages (default: messages name the access point)
 */
export function parseAccessPointOptions(value: unknown, where?: string): SimAccessPointOptions {
  const r = new OptionReader(
    value,
    "addAccessPoint()",
    "{ id: 'wlan' }",
    ACCESS_POINT_OPTION_FIELDS,
    where,
  );
  const options: SimAccessPointOptions = {
    id: r.id,
    name: r.string("name"),
    bearer: r.oneOf("bearer", BEARER_TYPES),
    signal: r.number("signal", "a number from 0 (out of range) to 100", 0, 100),
    metered: r.boolean("metered"),
    purpose: r.oneOf("purpose", PURPOSES),
    activationMs: r.duration("activationMs"),
    deactivationMs: r.duration("deactivationMs"),
    interface: r.string("interface", true),
    connectTimeout: r.duration("connectTimeout", true),
    device: r.string("device", true, 'a non-empty string such as "wlan0"'),
    reachability: r.oneOf("reachability", SIM_REACHABILITIES),
    captivePortal: r.boolean("captivePortal"),
    fadeMs: r.duration("fadeMs"),
  };
  return Object.freeze(
    Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  ) as SimAccessPointOptions;
}
