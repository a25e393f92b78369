/**
 * The clock side of a forced roam's carrier test: the connect time-out
 * within which the new link must reach as far as the old one did. The verdict
 * itself is `carrierVerdict` (`reachability.ts`); the decisions are the state
 * machine's (`validating` in `session_machine.ts`).
 *
 * @module
 */

import type { Clock } from "./clock.ts";

/** At most one running carrier-test time-out. */
export class CarrierTimer {
  #clock: Clock;
  #timer: unknown;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Calls `onTimeout` after `ms` unless stopped first (replaces a running one). */
  start(ms: number, onTimeout: () => void): void {
    this.stop();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      onTimeout();
    }, ms);
  }

  /** Stops the running time-out, if any. */
  stop(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
