/**
 * {@linkcode ReplayDriver}: plays a recorded {@linkcode DriverTrace} back as
 * a {@linkcode NetworkDriver} on a {@linkcode VirtualClock}, so that a bug
 * seen on a device becomes a deterministic test.
 *
 * @module
 */

import {
  type ActivateOptions,
  type DeactivateOptions,
  type DriverConfiguration,
  DriverError,
  type DriverEvent,
  type DriverEventSink,
  type DriverSnapshot,
  type DriverStatistics,
  type DriverTrace,
  type NetworkDriver,
  type Reachability,
  type TraceEntry,
} from "@netsession/core";
import type { VirtualClock } from "./virtual_clock.ts";

/**
 * Options of {@linkcode ReplayDriver}.
 *
 * @example
 * ```ts
 * import { type ReplayOptions, VirtualClock } from "@netsession/sim";
 * const o: ReplayOptions = { clock: new VirtualClock() };
 * ```
 */
export interface ReplayOptions {
  /** The virtual clock the trace plays on (a `SimWorld`'s clock works); pass it to the core too. */
  readonly clock: VirtualClock;
}

type CallEntry = Extract<TraceEntry, { call: string }>;
type EventEntry = Extract<TraceEntry, { event: DriverEvent }>;

interface Pending {
  readonly timer: unknown;
  readonly settle: (error?: DriverError) => void;
}

/**
 * A {@linkcode NetworkDriver} that replays a trace made by `RecordingDriver`:
 *
 * - `start()` returns the trace's snapshot; the recorded events are pushed at
 *   their offsets (from `start()`) as the virtual clock advances. Events with
 *   the same offset and no call between them in the trace are pushed together;
 *   a recorded call between them lets the core react first.
 * - `activate(id)`, `deactivate(id)` and `scan()` are answered from the trace:
 *   the next recorded call of that kind and identifier, in order, resolves or
 *   rejects (`DriverError` with the recorded code and message) after its
 *   recorded duration (a call made a moment earlier than live also waits
 *   for the events recorded before its answer: they are pushed first). A call the
 *   trace has no answer for rejects at once with `operation-not-supported`.
 *   An aborted activation rejects at once with `session-aborted`.
 * - `statistics()` returns undefined: traces hold no counters (the core then
 *   counts 0 bytes).
 * - `checkReachability(id)` answers from the replayed state: the access
 *   point's recorded `reachability` (`"unknown"` when the trace has none) while
 *   it is active, `"disconnected"` otherwise.
 *
 * @example
 * ```ts
 * import { NetworkConfigurationManager, RecordingDriver } from "@netsession/core";
 * import { ReplayDriver, SimDriver, SimWorld, VirtualClock } from "@netsession/sim";
 * // Record …
 * const world = new SimWorld();
 * world.addAccessPoint({ id: "wlan", activationMs: 200 });
 * const recording = new RecordingDriver(new SimDriver(world), { clock: world.clock });
 * const recorded = await NetworkConfigurationManager.create(recording, { clock: world.clock });
 * recorded.createSession(recorded.configurationFromIdentifier("wlan")).open();
 * await world.advance(1000);
 * await recorded.close();
 * // … and replay: the same answers at the same virtual times.
 * const clock = new VirtualClock();
 * const manager = await NetworkConfigurationManager.create(new ReplayDriver(recording.trace, { clock }), { clock });
 * const session = manager.createSession(manager.configurationFromIdentifier("wlan"));
 * const opened = session.open();
 * await clock.advance(200);
 * console.log(await opened, session.state); // true "connected"
 * await manager.close();
 * ```
 */
export class ReplayDriver implements NetworkDriver {
  /** The recorded driver's name, prefixed: `"replay:sim"`. */
  readonly name: string;
  /** The trace being replayed. */
  readonly trace: DriverTrace;
  #clock: VirtualClock;
  #groups: EventEntry[][];
  #next = 0;
  #calls = new Map<string, CallEntry[]>();
  #recorded = new Map<string, number>();
  #configs = new Map<string, DriverConfiguration>();
  #sink: DriverEventSink | undefined;
  #start = 0;
  #timer: unknown;
  #pending = new Set<Pending>();

  /**
   * Makes a replay of `trace` on `options.clock`; nothing plays before {@linkcode ReplayDriver.start}.
   *
   * @param trace a trace (from `RecordingDriver.trace` or `parseTrace`)
   * @param options the virtual clock
   */
  constructor(trace: DriverTrace, options: ReplayOptions) {
    if (typeof options?.clock?.setTimeout !== "function" || typeof options.clock.advance !== "function") {
      throw new TypeError(
        "new ReplayDriver(trace, { clock }): clock must be a VirtualClock (world.clock works)",
      );
    }
    this.trace = trace;
    this.name = `replay:${trace.driver}`;
    this.#clock = options.clock;
    this.#groups = [];
    let open = false; // whether the last group may take more events
    for (const e of trace.entries) {
      if ("event" in e) {
        const last = this.#groups.at(-1);
        if (open && last && last[0].at === e.at) last.push(e);
        else this.#groups.push([e]);
        open = true;
      } else {
        const key = callKey(e.call, e.identifier);
        const queue = this.#calls.get(key) ?? [];
        queue.push(e);
        this.#calls.set(key, queue);
        this.#recorded.set(key, queue.length);
        open = false;
      }
    }
  }

  /**
   * Attaches `sink`, returns the trace's snapshot and starts pushing the
   * recorded events on the clock. Throws if already started.
   *
   * @example
   * ```ts
   * import { ReplayDriver, VirtualClock } from "@netsession/sim";
   * const trace = { version: 1, driver: "sim", snapshot: { configurations: [], capabilities: [], usagePolicies: [] }, entries: [{ at: 50, event: { type: "default-changed" as const, identifier: undefined } }] };
   * const clock = new VirtualClock();
   * await new ReplayDriver(trace, { clock }).start((e) => console.log(clock.now(), e.type));
   * await clock.advance(100); // 50 "default-changed"
   * ```
   */
  start(sink: DriverEventSink): Promise<DriverSnapshot> {
    if (typeof sink !== "function") {
      return Promise.reject(new TypeError("ReplayDriver.start() needs an event sink function"));
    }
    if (this.#sink) {
      return Promise.reject(
        new Error("this ReplayDriver is already started: make another one to replay again"),
      );
    }
    this.#sink = sink;
    this.#start = this.#clock.now();
    const snapshot = structuredClone(this.trace.snapshot) as DriverSnapshot;
    for (const c of snapshot.configurations) this.#configs.set(c.identifier, c);
    this.#arm();
    return Promise.resolve(snapshot);
  }

  /** Schedules the next group of events. */
  #arm(): void {
    const group = this.#groups[this.#next];
    if (!group || !this.#sink) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#push(this.#next++);
      this.#arm();
    }, this.#start + group[0].at - this.#clock.now());
  }

  #push(index: number): void {
    for (const { event } of this.#groups[index]) {
      if (event.type === "configuration-added" || event.type === "configuration-changed") {
        this.#configs.set(event.configuration.identifier, event.configuration);
      } else if (event.type === "configuration-removed") this.#configs.delete(event.identifier);
      this.#sink?.(structuredClone(event) as DriverEvent);
    }
  }

  /** Pushes every event due by now (before a call's answer, as a driver delivers its event first). */
  #flush(): void {
    const now = this.#clock.now() - this.#start;
    let pushed = false;
    while (this.#groups[this.#next] && this.#groups[this.#next][0].at <= now) {
      this.#push(this.#next++);
      pushed = true;
    }
    if (pushed) {
      this.#clock.clearTimeout(this.#timer);
      this.#arm();
    }
  }

  /**
   * Answered from the trace (the next recorded scan).
   *
   * @example
   * ```ts
   * import { ReplayDriver, VirtualClock } from "@netsession/sim";
   * const trace = { version: 1, driver: "sim", snapshot: { configurations: [], capabilities: [], usagePolicies: [] }, entries: [] };
   * await new ReplayDriver(trace, { clock: new VirtualClock() }).scan().catch((e) => console.log(e.code)); // "operation-not-supported"
   * ```
   */
  scan(): Promise<void> {
    return this.#answer("scan", undefined, undefined);
  }

  /**
   * Answered from the trace: the next recorded activation of `identifier`,
   * after its recorded duration.
   *
   * @example
   * ```ts
   * import { ReplayDriver, VirtualClock } from "@netsession/sim";
   * const trace = { version: 1, driver: "sim", snapshot: { configurations: [], capabilities: [], usagePolicies: [] },
   *   entries: [{ at: 0, call: "activate" as const, identifier: "lte", ms: 300, outcome: { ok: false as const, error: "unknown" as const, message: "no carrier" } }] };
   * const clock = new VirtualClock();
   * const driver = new ReplayDriver(trace, { clock });
   * await driver.start(() => {});
   * const up = driver.activate("lte").catch((e) => console.log(clock.now(), e.code, e.message));
   * await clock.advance(300);
   * await up; // 300 "unknown" "no carrier"
   * ```
   */
  activate(identifier: string, options: ActivateOptions = {}): Promise<void> {
    return this.#answer("activate", identifier, options.signal);
  }

  /**
   * Answered from the trace: the next recorded deactivation of `identifier`.
   *
   * @example
   * ```ts
   * import { ReplayDriver, VirtualClock } from "@netsession/sim";
   * const trace = { version: 1, driver: "sim", snapshot: { configurations: [], capabilities: [], usagePolicies: [] },
   *   entries: [{ at: 0, call: "deactivate" as const, identifier: "wlan", ms: 50, outcome: { ok: true as const } }] };
   * const clock = new VirtualClock();
   * const driver = new ReplayDriver(trace, { clock });
   * await driver.start(() => {});
   * const down = driver.deactivate("wlan");
   * await clock.advance(50);
   * await down;
   * ```
   */
  deactivate(identifier: string, options: DeactivateOptions = {}): Promise<void> {
    return this.#answer("deactivate", identifier, options.signal);
  }

  /**
   * Always undefined: a trace holds no byte counters.
   *
   * @example
   * ```ts
   * import { ReplayDriver, VirtualClock } from "@netsession/sim";
   * const trace = { version: 1, driver: "sim", snapshot: { configurations: [], capabilities: [], usagePolicies: [] }, entries: [] };
   * console.log(new ReplayDriver(trace, { clock: new VirtualClock() }).statistics("wlan")); // undefined
   * ```
   */
  statistics(_identifier: string): DriverStatistics | undefined {
    return undefined;
  }

  /**
   * How far an access point reaches in the replayed state: its recorded
   * `reachability` while active (`"unknown"` when none was recorded),
   * `"disconnected"` otherwise. Rejects with `invalid-configuration` for an
   * identifier the replay does not know.
   *
   * @example
   * ```ts
   * import { ReplayDriver, VirtualClock } from "@netsession/sim";
   * const wlan = { identifier: "wlan", name: "wlan", type: "internet-access-point" as const, state: "active" as const,
   *   purpose: "unknown" as const, bearerType: "wlan" as const, metered: false, reachability: "local" as const };
   * const trace = { version: 1, driver: "sim", snapshot: { configurations: [wlan], capabilities: [], usagePolicies: [] }, entries: [] };
   * const driver = new ReplayDriver(trace, { clock: new VirtualClock() });
   * await driver.start(() => {});
   * console.log(await driver.checkReachability("wlan")); // "local"
   * ```
   */
  checkReachability(identifier: string): Promise<Reachability> {
    const c = this.#configs.get(identifier);
    if (!c) {
      return Promise.reject(
        new DriverError(
          "invalid-configuration",
          `replay: no configuration '${identifier}' at this point of the trace`,
        ),
      );
    }
    return Promise.resolve(c.state === "active" ? c.reachability ?? "unknown" : "disconnected");
  }

  /**
   * Stops the replay: no more events; pending calls reject with `session-aborted`.
   *
   * @example
   * ```ts
   * import { ReplayDriver, VirtualClock } from "@netsession/sim";
   * const trace = { version: 1, driver: "sim", snapshot: { configurations: [], capabilities: [], usagePolicies: [] }, entries: [] };
   * const driver = new ReplayDriver(trace, { clock: new VirtualClock() });
   * await driver.start(() => {});
   * await driver.close();
   * ```
   */
  close(): Promise<void> {
    this.#sink = undefined;
    this.#clock.clearTimeout(this.#timer);
    for (const p of [...this.#pending]) {
      this.#clock.clearTimeout(p.timer);
      p.settle(new DriverError("session-aborted", "replay: the driver was closed"));
    }
    return Promise.resolve();
  }

  /**
   * Virtual milliseconds from `start()` to the end of the trace's last entry (a call's end included).
   *
   * @example
   * ```ts
   * import { ReplayDriver, VirtualClock } from "@netsession/sim";
   * const trace = { version: 1, driver: "sim", snapshot: { configurations: [], capabilities: [], usagePolicies: [] },
   *   entries: [{ at: 100, call: "scan" as const, ms: 20, outcome: { ok: true as const } }] };
   * console.log(new ReplayDriver(trace, { clock: new VirtualClock() }).durationMs); // 120
   * ```
   */
  get durationMs(): number {
    let end = 0;
    for (const e of this.trace.entries) end = Math.max(end, e.at + ("call" in e ? e.ms : 0));
    return end;
  }

  /**
   * How long the answer to the recorded call `entry` waits: its recorded duration; and when the application
   * made the call a moment earlier than it did live (it reacts at once on the virtual clock, live it took some
   * milliseconds, more on a loaded machine), at least until the events recorded before the answer are pushed
   * (`#flush` pushes those due first), so that the answer does not overtake an event that came before it live.
   * A call made much earlier than recorded (a different moment of the application) waits its duration only.
   */
  #answerDelay(entry: CallEntry): number {
    const early = this.#start + entry.at - this.#clock.now();
    if (early <= 0 || early > SAME_MOMENT_MS) return entry.ms;
    const end = entry.at + entry.ms;
    // the last group of events not pushed yet that was recorded before the answer (groups are in time order)
    let lo = this.#next, hi = this.#groups.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#groups[mid][0].at < end) lo = mid + 1;
      else hi = mid;
    }
    const before = lo > this.#next ? this.#groups[lo - 1][0].at : undefined;
    return before === undefined ? entry.ms : Math.max(entry.ms, this.#start + before - this.#clock.now());
  }

  #answer(
    call: CallEntry["call"],
    identifier: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const key = callKey(call, identifier);
    const entry = this.#calls.get(key)?.shift();
    const what = identifier === undefined ? `${call}()` : `${call}('${identifier}')`;
    if (!entry) {
      const n = this.#recorded.get(key) ?? 0;
      return Promise.reject(
        new DriverError(
          "operation-not-supported",
          `replay: the trace has no answer for ${what} (it recorded ${n} such call${n === 1 ? "" : "s"}, ` +
            `all used); record a trace that includes it`,
        ),
      );
    }
    if (signal?.aborted) return Promise.reject(aborted(what));
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const onAbort = () => {
      this.#clock.clearTimeout(pending.timer);
      pending.settle(aborted(what));
    };
    const pending: Pending = {
      timer: this.#clock.setTimeout(() => {
        this.#flush();
        const o = entry.outcome;
        pending.settle(o.ok ? undefined : new DriverError(o.error, o.message));
      }, this.#answerDelay(entry)),
      settle: (error) => {
        this.#pending.delete(pending);
        signal?.removeEventListener("abort", onAbort);
        if (error) reject(error);
        else resolve();
      },
    };
    this.#pending.add(pending);
    signal?.addEventListener("abort", onAbort, { once: true });
    return promise;
  }
}

function callKey(call: string, identifier: string | undefined): string {
  return `${call}\0${identifier ?? ""}`;
}

/**
 * How much earlier than live a replayed call may come and still be taken for the same moment of the application
 * (live, its reaction to the event before took this long at most: 6 ms was seen on a loaded machine).
 */
const SAME_MOMENT_MS = 50;

function aborted(what: string): DriverError {
  return new DriverError("session-aborted", `replay: ${what} was aborted`);
}
