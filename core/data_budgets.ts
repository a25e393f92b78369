/**
 * Data budgets per access point: how many bytes a link may carry before
 * sessions on it are told (`dataBudget` at the warning level and at
 * exhaustion) and `no-background-traffic` is in force. The types of
 * `manager.setDataBudget()`, `configuration.dataBudget` and the session's
 * `dataBudget` event; the meter itself is `_budget_meter.ts`.
 *
 * @module
 */

/**
 * A budget as set with `manager.setDataBudget()`.
 *
 * @example
 * ```ts
 * import type { DataBudgetOptions } from "@netsession/core";
 * const monthly: DataBudgetOptions = { bytes: 5e9, warnAt: 0.9 };
 * ```
 */
export interface DataBudgetOptions {
  /** Bytes (received plus sent) the access point may carry. */
  readonly bytes: number;
  /** The share of `bytes` at which sessions are warned, 0..1 (default 0.8). */
  readonly warnAt?: number;
}

/**
 * A configuration's budget and what it has used (`configuration.dataBudget`).
 *
 * @example
 * ```ts
 * import type { DataBudget } from "@netsession/core";
 * const b: DataBudget = { bytes: 1000, used: 850, warnAt: 0.8 };
 * console.log(b.used >= b.bytes * b.warnAt); // true
 * ```
 */
export interface DataBudget {
  /** Bytes the access point may carry. */
  readonly bytes: number;
  /** Bytes it carried since the budget was set. */
  readonly used: number;
  /** The warning level, 0..1. */
  readonly warnAt: number;
}

/**
 * Payload of a session's `dataBudget` event: the budget of its access point
 * reached the warning level (`exhausted` false) or ran out (`exhausted` true).
 *
 * @example
 * ```ts
 * import type { DataBudgetEvent } from "@netsession/core";
 * const e: DataBudgetEvent = { identifier: "lte", used: 1000, bytes: 1000, exhausted: true };
 * ```
 */
export interface DataBudgetEvent {
  /** The access point. */
  readonly identifier: string;
  /** Bytes used. */
  readonly used: number;
  /** The budget. */
  readonly bytes: number;
  /** Whether it is used up. */
  readonly exhausted: boolean;
}
