/**
 * Data budgets per access point: how many bytes a link may carry before
 * sessions on it are told (`dataBudget` at the warning level and at
 * exhaustion) and `no-background-traffic` is in force. The manager owns one
 * {@linkcode DataBudgets}; usage is measured from the driver's byte counters,
 * sampled on the manager's clock and on every change of the link.
 *
 * @module
 */

import type { DriverStatistics } from "./driver.ts";

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

interface Entry {
  bytes: number;
  warnAt: number;
  used: number;
  /** The counters at the last sample; undefined until the link is first seen up. */
  last: DriverStatistics | undefined;
  /** The level already announced: 0 none, 1 warned, 2 exhausted. */
  level: 0 | 1 | 2;
}

/** Checks budget options; throws a TypeError naming the field. */
export function checkBudget(identifier: string, options: DataBudgetOptions): Required<DataBudgetOptions> {
  const where = `setDataBudget("${identifier}")`;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${where}: expected { bytes, warnAt? } or undefined to remove the budget`);
  }
  if (typeof options.bytes !== "number" || !Number.isFinite(options.bytes) || options.bytes <= 0) {
    throw new TypeError(`${where}: bytes must be a positive number, got ${JSON.stringify(options.bytes)}`);
  }
  const warnAt = options.warnAt ?? 0.8;
  if (typeof warnAt !== "number" || !(warnAt >= 0 && warnAt <= 1)) {
    throw new TypeError(
      `${where}: warnAt must be a number from 0 to 1, got ${JSON.stringify(options.warnAt)}`,
    );
  }
  return { bytes: options.bytes, warnAt };
}

/** The budgets of one manager and their usage. */
export class DataBudgets {
  #entries = new Map<string, Entry>();

  /** Sets (or with undefined, removes) the budget of `identifier`; usage starts from 0. */
  set(identifier: string, options: DataBudgetOptions | undefined, now: DriverStatistics | undefined): void {
    if (options === undefined) {
      this.#entries.delete(identifier);
      return;
    }
    const { bytes, warnAt } = checkBudget(identifier, options);
    this.#entries.set(identifier, { bytes, warnAt, used: 0, last: now, level: 0 });
  }

  /** Whether any budget is set. */
  get size(): number {
    return this.#entries.size;
  }

  /** The access points with a budget. */
  identifiers(): IterableIterator<string> {
    return this.#entries.keys();
  }

  /** The budget of `identifier` and its usage, if it has one. */
  get(identifier: string): DataBudget | undefined {
    const e = this.#entries.get(identifier);
    return e && { bytes: e.bytes, used: e.used, warnAt: e.warnAt };
  }

  /** Whether the budget of `identifier` is used up. */
  exhausted(identifier: string): boolean {
    const e = this.#entries.get(identifier);
    return e !== undefined && e.used >= e.bytes;
  }

  /**
   * Counts the traffic since the last sample: `stats` are the link's counters
   * now (undefined: the link is not up; the next counters start from zero).
   * Returns the event to announce when a level was crossed.
   */
  sample(identifier: string, stats: DriverStatistics | undefined): DataBudgetEvent | undefined {
    const e = this.#entries.get(identifier);
    if (!e) return undefined;
    if (!stats) {
      e.last = { bytesReceived: 0, bytesWritten: 0 };
      return undefined;
    }
    const last = e.last;
    if (last) {
      // Counters that went down belong to a new link: all of them are new traffic.
      const reset = stats.bytesReceived < last.bytesReceived || stats.bytesWritten < last.bytesWritten;
      e.used += reset
        ? stats.bytesReceived + stats.bytesWritten
        : stats.bytesReceived - last.bytesReceived + stats.bytesWritten - last.bytesWritten;
    }
    e.last = { bytesReceived: stats.bytesReceived, bytesWritten: stats.bytesWritten };
    const level = e.used >= e.bytes ? 2 : e.used >= e.bytes * e.warnAt ? 1 : 0;
    if (level <= e.level) return undefined;
    e.level = level;
    return { identifier, used: e.used, bytes: e.bytes, exhausted: level === 2 };
  }
}
