/**
 * A session's own byte counters since it opened (`bytesReceivedSinceOpen`,
 * `bytesWrittenSinceOpen`): the traffic of each link while it was the
 * session's, added up, so they never go down — unlike the seed's
 * `bytesReceived`, which reads the interfaces in use now.
 *
 * @module
 */

import type { DriverStatistics } from "./driver.ts";

const ZERO: DriverStatistics = { bytesReceived: 0, bytesWritten: 0 };

/** Monotonic counters over the links a session used. */
export class SinceOpen {
  /** Bytes received since open. */
  received = 0;
  /** Bytes sent since open. */
  written = 0;
  /** Created with the first sample. */
  #last: Map<string, DriverStatistics> | undefined;

  /** Back to zero (the session is not open). */
  reset(): void {
    this.received = 0;
    this.written = 0;
    this.#last = undefined;
  }

  /**
   * Counts the traffic of `identifier` since its last sample; `stats` are its
   * counters now (undefined: not up, so its next counters start from zero).
   * The first sample of a link only sets where counting starts.
   */
  sample(identifier: string, stats: DriverStatistics | undefined): void {
    const lasts = this.#last ??= new Map();
    const last = lasts.get(identifier);
    if (!stats) {
      lasts.set(identifier, ZERO);
      return;
    }
    if (last) {
      const reset = stats.bytesReceived < last.bytesReceived || stats.bytesWritten < last.bytesWritten;
      this.received += reset ? stats.bytesReceived : stats.bytesReceived - last.bytesReceived;
      this.written += reset ? stats.bytesWritten : stats.bytesWritten - last.bytesWritten;
    }
    lasts.set(identifier, { bytesReceived: stats.bytesReceived, bytesWritten: stats.bytesWritten });
  }
}
