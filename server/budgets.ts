/**
 * Data budgets through the daemon: `PUT`/`DELETE /v1/configurations/:id/budget`
 * set or remove the daemon manager's budget of an access point
 * (`manager.setDataBudget`), and the budgets in force with their usage for
 * the configuration JSON's cache and `/metrics`. The daemon sessions' own
 * `dataBudget` events become `session-data-budget` (`daemon_sessions.ts`).
 *
 * @module
 */

import type { DataBudget, DataBudgetOptions, NetworkConfigurationManager } from "@netsession/core";
import { DaemonError, unknownConfiguration } from "./errors.ts";
import type { DataBudgetAnswer } from "./protocol.ts";

/**
 * Sets (`budget`) or removes (undefined) the data budget of access point
 * `identifier` on the daemon's manager: 404 for an unknown identifier, 400
 * for a service network (budgets are per access point) or a budget the core refuses.
 */
export function setBudget(
  manager: NetworkConfigurationManager,
  identifier: string,
  budget: DataBudgetOptions | undefined,
  seq: () => number,
): DataBudgetAnswer {
  const c = manager.configurationFromIdentifier(identifier);
  if (!c.isValid) {
    throw unknownConfiguration(identifier);
  }
  if (c.type !== "internet-access-point") {
    throw new DaemonError(
      400,
      "bad-request",
      `'${identifier}' is a ${c.type}: budgets are per access point; set one on its members (${
        c.children.map((x) => x.identifier).join(", ") || "none"
      })`,
      "id",
    );
  }
  try {
    manager.setDataBudget(identifier, budget);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new DaemonError(400, "bad-request", error.message, "body");
  }
  if (budget !== undefined) noteBudget(manager, identifier);
  return { identifier, dataBudget: c.dataBudget ?? null, seq: seq() };
}

/**
 * The access points known to have a budget on a manager: those set through {@linkcode setBudget}, and those a
 * full pass over the configurations found ({@linkcode noteBudget}). The manager has no list of its budgets,
 * and the cached configuration list must not look at every configuration to learn whether one moved.
 */
const budgeted = new WeakMap<NetworkConfigurationManager, Set<string>>();

/** Remembers that access point `identifier` has a budget on `manager` (see {@linkcode budgetKey}). */
export function noteBudget(manager: NetworkConfigurationManager, identifier: string): void {
  let set = budgeted.get(manager);
  if (set === undefined) budgeted.set(manager, set = new Set());
  set.add(identifier);
}

/** The access points with a budget, and their budgets and usage now. */
export function budgetsInForce(manager: NetworkConfigurationManager): [string, DataBudget][] {
  const out: [string, DataBudget][] = [];
  for (const c of manager.allConfigurations()) {
    const b = c.type === "internet-access-point" ? c.dataBudget : undefined;
    if (b) out.push([c.identifier, b]);
  }
  return out;
}

/**
 * A key that changes whenever a budget or its usage does (`""` with none): the configuration list is cached
 * per event `seq`, and usage moves without events. It costs the number of budgets, not of configurations:
 * it looks at the access points with a budget set through the daemon ({@linkcode setBudget}) or seen by the
 * last full list ({@linkcode noteBudget}); a budget set on the daemon's manager directly, bypassing the
 * daemon, shows from the next event on.
 */
export function budgetKey(manager: NetworkConfigurationManager): string {
  const set = budgeted.get(manager);
  if (set === undefined || set.size === 0) return "";
  let key = "";
  for (const identifier of set) {
    const b = manager.configurationFromIdentifier(identifier).dataBudget;
    if (b === undefined) set.delete(identifier); // removed, or the access point is gone
    else key += JSON.stringify([identifier, b.bytes, b.used, b.warnAt]);
  }
  return key;
}
