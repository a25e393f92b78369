/**
 * The daemon's JSON of a configuration: the core's view (`toJSON()`) and what the daemon knows of it
 * (signal, interface, holds, daemon sessions, byte counters, the default, the data budget, a need view's
 * need), made of plain values. A list is made in one pass: the default and the session counts are looked up
 * once, not per item.
 *
 * @module
 */

import type { ConfigurationState, NetworkConfiguration, NetworkConfigurationManager } from "@netsession/core";
import type { AccessPointStatistics } from "./protocol_events.ts";

/** Where the daemon's part of a configuration's JSON comes from. */
export interface ConfigurationFacts {
  readonly manager: NetworkConfigurationManager;
  /** The last statistics sample of an access point, if it was active then. */
  statistics(identifier: string): AccessPointStatistics | undefined;
  /** Unfinished daemon sessions on `identifier`. */
  sessionsOn(identifier: string): number;
  /** Unfinished daemon sessions by configuration (one pass over the sessions). */
  sessionCounts(): ReadonlyMap<string, number>;
}

/**
 * A copy of a driver record's value made of plain objects and arrays. Drivers may freeze their records (the
 * simulator does), and V8's fast JSON.stringify gives up on a whole answer at one frozen object: measured,
 * the list of 10,000 configurations took twice as long because of the frozen interfaces of 10 active links.
 */
function plain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(plain) as T;
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = plain(v);
  return out as T;
}

/** One valid configuration as JSON, given the default's identifier and its daemon sessions. */
function configurationJson(
  facts: ConfigurationFacts,
  c: NetworkConfiguration,
  defaultIdentifier: string,
  sessions: number,
): Record<string, unknown> {
  const identifier = c.identifier;
  const data = c.data!;
  const stats = facts.statistics(identifier);
  return {
    ...c.toJSON(),
    signal: data.signal ?? null,
    interface: data.interface === undefined ? null : plain(data.interface),
    seamless: data.seamless ?? false,
    holds: facts.manager.holdCount(identifier),
    sessions,
    bytesReceived: stats?.bytesReceived ?? 0,
    bytesWritten: stats?.bytesWritten ?? 0,
    rxRate: stats?.rxRate ?? 0,
    txRate: stats?.txRate ?? 0,
    isDefault: defaultIdentifier === identifier,
    dataBudget: c.dataBudget ?? null,
    ...(identifier.startsWith("need:") ? { need: plain(facts.manager.needOf(identifier) ?? null) } : {}),
  };
}

/** A configuration as JSON, or undefined when there is none of that identifier. */
export function configurationInfo(
  facts: ConfigurationFacts,
  identifier: string,
): Record<string, unknown> | undefined {
  const c = facts.manager.configurationFromIdentifier(identifier);
  if (!c.isValid) return undefined;
  const defaultIdentifier = facts.manager.defaultConfiguration().identifier;
  return configurationJson(facts, c, defaultIdentifier, facts.sessionsOn(identifier));
}

/** Every configuration (optionally those at least in `filter` state) as JSON, in one pass. */
export function configurationList(
  facts: ConfigurationFacts,
  filter?: ConfigurationState,
): Record<string, unknown>[] {
  const defaultIdentifier = facts.manager.defaultConfiguration().identifier;
  const counts = facts.sessionCounts();
  return facts.manager.allConfigurations(filter).map((c) =>
    configurationJson(facts, c, defaultIdentifier, counts.get(c.identifier) ?? 0)
  );
}
