/**
 * {@linkcode RecordingDriver}: wraps any driver and records what it reports
 * and how it answers, with time offsets on a clock, as a
 * {@linkcode DriverTrace}. The application sees the wrapped driver
 * unchanged.
 *
 * @module
 */

import { type Clock, systemClock } from "./clock.ts";
import {
  type ActivateOptions,
  type DeactivateOptions,
  DriverError,
  type DriverEventSink,
  type DriverSnapshot,
  type DriverStatistics,
  type NetworkDriver,
} from "./driver.ts";
import { type DriverTrace, TRACE_VERSION, type TraceEntry } from "./trace.ts";
import type { Reachability } from "./types.ts";

/**
 * Options of {@linkcode RecordingDriver}.
 *
 * @example
 * ```ts
 * import { type RecordingOptions, systemClock } from "@netsession/core";
 * const o: RecordingOptions = { clock: systemClock, note: "walked out of the office" };
 * ```
 */
export interface RecordingOptions {
  /** The clock of the time offsets (the manager's; the simulator's virtual clock in simulated tests). */
  readonly clock?: Clock;
  /** A note kept in the trace. */
  readonly note?: string;
  /** Called with each entry as it is recorded (a call when it ends; in `trace` it stands where it began). */
  readonly onEntry?: (entry: TraceEntry) => void;
}

/**
 * A driver that records another one.
 *
 * @example
 * ```ts
 * import { NetworkConfigurationManager, RecordingDriver, formatTrace } from "@netsession/core";
 * import { SimDriver, SimWorld } from "@netsession/sim";
 * const world = new SimWorld();
 * world.addAccessPoint({ id: "wlan" });
 * const recording = new RecordingDriver(new SimDriver(world), { clock: world.clock });
 * const manager = await NetworkConfigurationManager.create(recording, { clock: world.clock });
 * const session = manager.createSession(manager.configurationFromIdentifier("wlan"));
 * session.open();
 * await world.advance(1000);
 * await manager.close();
 * console.log(formatTrace(recording.trace).split("\n")[1]); // the first entry: the activate call
 * ```
 */
export class RecordingDriver implements NetworkDriver {
  /** The recorded driver's name. */
  readonly name: string;
  #inner: NetworkDriver;
  #clock: Clock;
  #options: RecordingOptions;
  #start = 0;
  #snapshot: DriverSnapshot | undefined;
  #entries: (TraceEntry | undefined)[] = [];
  #recordedAt: string | undefined;

  /** Records `inner`. */
  constructor(inner: NetworkDriver, options: RecordingOptions = {}) {
    this.#inner = inner;
    this.name = inner.name;
    this.#clock = options.clock ?? systemClock;
    this.#options = options;
    if (inner.checkReachability) {
      this.checkReachability = (identifier) => inner.checkReachability!(identifier);
    }
  }

  /** The trace so far (complete once the manager closed). */
  get trace(): DriverTrace {
    if (!this.#snapshot) throw new Error("RecordingDriver: nothing recorded yet; the driver was not started");
    return {
      version: TRACE_VERSION,
      driver: this.#inner.name,
      ...(this.#recordedAt ? { recordedAt: this.#recordedAt } : {}),
      ...(this.#options.note ? { note: this.#options.note } : {}),
      snapshot: this.#snapshot,
      // A call takes its place when it begins; calls still under way are left out.
      entries: this.#entries.filter((e): e is TraceEntry => e !== undefined),
    };
  }

  #at(): number {
    return this.#clock.now() - this.#start;
  }

  #record(entry: TraceEntry): void {
    this.#entries.push(entry);
    this.#options.onEntry?.(entry);
  }

  /** Starts the recorded driver; its snapshot and every event it pushes are recorded. */
  async start(sink: DriverEventSink): Promise<DriverSnapshot> {
    this.#start = this.#clock.now();
    this.#recordedAt = new Date().toISOString();
    const snapshot = await this.#inner.start((event) => {
      this.#record({ at: this.#at(), event: structuredClone(event) });
      sink(event);
    });
    this.#snapshot = structuredClone(snapshot);
    return snapshot;
  }

  /** Rescans (recorded as a call). */
  scan(): Promise<void> {
    return this.#call("scan", undefined, undefined, () => this.#inner.scan());
  }

  /** Activates (recorded with its outcome and duration). */
  activate(identifier: string, options?: ActivateOptions): Promise<void> {
    return this.#call("activate", identifier, undefined, () => this.#inner.activate(identifier, options));
  }

  /** Deactivates (recorded with its outcome and duration). */
  deactivate(identifier: string, options?: DeactivateOptions): Promise<void> {
    return this.#call(
      "deactivate",
      identifier,
      options?.force,
      () => this.#inner.deactivate(identifier, options),
    );
  }

  /** The recorded driver's counters (not recorded). */
  statistics(identifier: string): DriverStatistics | undefined {
    return this.#inner.statistics(identifier);
  }

  /** Present when the recorded driver has it. */
  checkReachability?: (identifier: string) => Promise<Reachability>;

  /** Closes the recorded driver. */
  close(): Promise<void> {
    return this.#inner.close();
  }

  async #call(
    call: "activate" | "deactivate" | "scan",
    identifier: string | undefined,
    force: boolean | undefined,
    run: () => Promise<void>,
  ): Promise<void> {
    const at = this.#at();
    const base = {
      at,
      call,
      ...(identifier === undefined ? {} : { identifier }),
      ...(force ? { force } : {}),
    };
    const slot = this.#entries.push(undefined) - 1; // the call's place: before what it causes
    const done = (entry: TraceEntry) => {
      this.#entries[slot] = entry;
      this.#options.onEntry?.(entry);
    };
    try {
      await run();
      done({ ...base, ms: this.#at() - at, outcome: { ok: true } });
    } catch (error) {
      const e = error instanceof DriverError ? error : new DriverError("unknown", String(error));
      done({ ...base, ms: this.#at() - at, outcome: { ok: false, error: e.code, message: e.message } });
      throw error;
    }
  }
}
