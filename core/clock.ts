/**
 * Injectable time. The core never reads the wall clock directly: every time-out
 * and duration goes through a {@linkcode Clock}, so a simulator can supply a
 * virtual one and tests never sleep.
 *
 * @module
 */

/**
 * A source of time and timers.
 *
 * @example A clock that delegates to the platform
 * ```ts
 * import { systemClock } from "@netsession/core";
 * const t0 = systemClock.now();
 * const h = systemClock.setTimeout(() => console.log(systemClock.now() - t0), 1);
 * systemClock.clearTimeout(h);
 * ```
 */
export interface Clock {
  /** Milliseconds since an arbitrary epoch; never goes backwards. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds of this clock's time. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer made by {@linkcode Clock.setTimeout}; unknown handles are ignored. */
  clearTimeout(handle: unknown): void;
}

/**
 * The real clock: `performance.now()` and the platform timers.
 *
 * @example
 * ```ts
 * import { systemClock } from "@netsession/core";
 * console.log(typeof systemClock.now()); // "number"
 * ```
 */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as number),
};
