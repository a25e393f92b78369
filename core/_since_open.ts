/**
 * A session's own byte counters since it opened (`bytesReceivedSinceOpen`,
 * `bytesWrittenSinceOpen`): the traffic of each link while it was the
 * session's, added up, so they never go down — unlike the seed's
 * `bytesReceived`, which reads the interfaces in use now.
 *
 * @module
 */

import type { DriverStatistics } from "./driver.ts";

/** Monotonic counters over the links a session used. */
export class SinceOpen {
  /** Bytes received since open. */
  received = 0;
  /** Bytes sent since open. */
  written = 0;
  /** The last counters of the first link sampled (most sessions use one), then of the others. */
  #firstId: string | undefined;
  #first: Counters | undefined;
  #others: Map<string, Counters> | undefined;

  /** Back to zero (the session is not open). */
  reset(): void {
    this.received = 0;
    this.written = 0;
    this.#firstId = this.#first = this.#others = undefined;
  }

  /**
   * Counts the traffic of `identifier` since its last sample; `stats` are its
   * counters now (undefined: not up, so its next counters start from zero).
   * The first sample of a link only sets where counting starts.
   */
  sample(identifier: string, stats: DriverStatistics | undefined): void {
    let last = identifier === this.#firstId ? this.#first : this.#others?.get(identifier);
    if (last === undefined) {
      last = { bytesReceived: 0, bytesWritten: 0 };
      if (this.#firstId === undefined) {
        this.#firstId = identifier;
        this.#first = last;
      } else (this.#others ??= new Map()).set(identifier, last);
      if (!stats) return;
    } else if (stats) {
      const reset = stats.bytesReceived < last.bytesReceived || stats.bytesWritten < last.bytesWritten;
      this.received += reset ? stats.bytesReceived : stats.bytesReceived - last.bytesReceived;
      this.written += reset ? stats.bytesWritten : stats.bytesWritten - last.bytesWritten;
    }
    last.bytesReceived = stats?.bytesReceived ?? 0;
    last.bytesWritten = stats?.bytesWritten ?? 0;
  }
}

/** A link's counters at its last sample (kept by the session, changed in place). */
interface Counters {
  bytesReceived: number;
  bytesWritten: number;
}
