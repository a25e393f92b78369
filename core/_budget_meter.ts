/**
 * The meter of the data budgets of one manager: usage measured from the
 * driver's byte counters (counters that go down belong to a new link), and
 * the warning / exhaustion levels, each announced once.
 *
 * @module
 */

import type { DataBudget, DataBudgetEvent, DataBudgetOptions } from "./data_budgets.ts";
import type { Clock } from "./clock.ts";
import type { DriverStatistics } from "./driver.ts";

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
function checkBudget(identifier: string, options: DataBudgetOptions): Required<DataBudgetOptions> {
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

  /** Whether `identifier` has a budget. */
  has(identifier: string): boolean {
    return this.#entries.has(identifier);
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

/** How often the traffic of budgeted links is sampled (manager clock). */
const SAMPLE_MS = 1000;

/** What a {@linkcode BudgetWatch} needs of its manager. */
export interface BudgetHooks {
  /** The counters of an access point while it is up, else undefined. */
  counters(identifier: string): DriverStatistics | undefined;
  /** Tells the sessions that a budget crossed a level. */
  announce(event: DataBudgetEvent): void;
  /** Something changed that policies depend on (a budget ran out). */
  changed(): void;
}

/** The budgets of a manager, sampled every second on its clock while any is set. */
export class BudgetWatch {
  #meter = new DataBudgets();
  #clock: Clock;
  #hooks: BudgetHooks;
  #timer: unknown;
  #stopped = false;

  constructor(clock: Clock, hooks: BudgetHooks) {
    this.#clock = clock;
    this.#hooks = hooks;
  }

  /** Sets or removes a budget (see `manager.setDataBudget`). */
  set(identifier: string, budget: DataBudgetOptions | undefined): void {
    this.#meter.set(identifier, budget, this.#hooks.counters(identifier));
    this.#schedule();
  }

  /** How many access points have a budget. */
  get size(): number {
    return this.#meter.size;
  }

  /** The budget of an access point and its usage. */
  get(identifier: string): DataBudget | undefined {
    return this.#meter.get(identifier);
  }

  /** Counts the traffic of one budgeted link, or all; announces the levels crossed; true if one was. */
  sample(only?: string): boolean {
    if (only !== undefined && !this.#meter.has(only)) return false; // most links have no budget
    let crossed = false;
    for (const id of only === undefined ? [...this.#meter.identifiers()] : [only]) {
      const event = this.#meter.sample(id, this.#hooks.counters(id));
      if (!event) continue;
      crossed = true;
      this.#hooks.announce(event);
    }
    return crossed;
  }

  /** Stops sampling (the manager closes). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#meter.size === 0 || this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.sample()) this.#hooks.changed();
      this.#schedule();
    }, SAMPLE_MS);
  }
}
