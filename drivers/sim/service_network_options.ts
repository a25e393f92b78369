/**
 * The options of a simulated service network ({@linkcode SimServiceNetworkOptions}),
 * their field list and their validator, used by {@linkcode SimWorld.addServiceNetwork}
 * and the scenario reader.
 *
 * @module
 */

import { type Purpose, PURPOSES } from "@netsession/core";
import { OptionReader } from "./_checks.ts";

/**
 * Options of {@linkcode SimWorld.addServiceNetwork}.
 *
 * @example
 * ```ts
 * import type { SimServiceNetworkOptions } from "@netsession/sim";
 * const sn: SimServiceNetworkOptions = { id: "internet", members: ["wlan", "lte"], seamless: true };
 * ```
 */
export interface SimServiceNetworkOptions {
  /** Identifier, unique in the world. */
  readonly id: string;
  /** Human-readable name (default: the id). */
  readonly name?: string;
  /** Member access-point identifiers, highest priority first; each must exist. */
  readonly members: readonly string[];
  /** Whether a handover keeps the session's address (default false); seamless networks get a virtual address. */
  readonly seamless?: boolean;
  /** Whether sessions may roam between members (default true). */
  readonly roamingAvailable?: boolean;
  /** What the network is for (default `"unknown"`). */
  readonly purpose?: Purpose;
  /** Reported `connectTimeout` in milliseconds (default: none). */
  readonly connectTimeout?: number;
}

/**
 * The field names of {@linkcode SimServiceNetworkOptions}.
 *
 * @example
 * ```ts
 * import { SERVICE_NETWORK_OPTION_FIELDS } from "@netsession/sim";
 * console.log(SERVICE_NETWORK_OPTION_FIELDS.includes("members")); // true
 * ```
 */
export const SERVICE_NETWORK_OPTION_FIELDS: readonly (keyof SimServiceNetworkOptions)[] = Object.freeze([
  "id",
  "name",
  "members",
  "seamless",
  "roamingAvailable",
  "purpose",
  "connectTimeout",
]);

/**
 * Checks service-network options: the type and range of every field (members
 * an array of ids, none twice) and no field but
 * {@linkcode SERVICE_NETWORK_OPTION_FIELDS}. Returns a frozen copy of the
 * fields given. Throws a `TypeError` or `RangeError` with code `"invalid"`
 * naming the field. Whether the members exist and are access points depends on
 * the world: {@linkcode SimWorld.addServiceNetwork} checks that.
 *
 * @example
 * ```ts
 * import { parseServiceNetworkOptions } from "@netsession/sim";
 * console.log(parseServiceNetworkOptions({ id: "any", members: ["wlan", "lte"] }).members); // ["wlan", "lte"]
 * ```
 *
 * @param value the options, typically parsed JSON
 * @param where where they come from, for messages (default: messages name the service network)
 */
export function parseServiceNetworkOptions(value: unknown, where?: string): SimServiceNetworkOptions {
  const r = new OptionReader(
    value,
    "addServiceNetwork()",
    "{ id: 'internet', members: ['wlan'] }",
    SERVICE_NETWORK_OPTION_FIELDS,
    where,
  );
  const options: SimServiceNetworkOptions = {
    id: r.id,
    name: r.string("name"),
    members: Object.freeze(r.ids("members", "access-point")),
    seamless: r.boolean("seamless"),
    roamingAvailable: r.boolean("roamingAvailable"),
    purpose: r.oneOf("purpose", PURPOSES),
    connectTimeout: r.duration("connectTimeout", true),
  };
  return Object.freeze(
    Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  ) as SimServiceNetworkOptions;
}
