/**
 * {@linkcode VirtualClock}: a {@linkcode Clock} whose time moves only when a
 * test or scenario says so. Nothing in it waits on the wall clock.
 *
 * @module
 */

import type { Clock } from "@netsession/core";
import { heapPop, heapPush } from "./_heap.ts";

interface VirtualTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** How many real zero-delay macrotasks {@linkcode VirtualClock.advance} yields after each timer. */
const DRAIN_ROUNDS = 2;
/**
 * In a scenario's playback, pending promise work settles in microtask turns
 * (about 25 ns each, against 2 µs for a real macrotask): the drain ends after
 * this many turns in a row in which nothing used the clock. The longest such
 * run that was still followed by a use of the clock, over every shipped
 * scenario and test, is 3 turns (`LONGEST_QUIET`, checked by
 * `scenario_settle_test.ts`): 8 leaves more than twice that.
 */
const QUIET_TURNS = 8;

/** The key of the longest run of quiet turns a drain saw before the clock was used again (tests read it). */
const LONGEST_QUIET = Symbol.for("netsession.sim.longestQuiet");
/** A drain that is still busy after this many microtask turns falls back to real macrotasks. */
const MAX_TURNS = 2_000;

/** The key of {@linkcode VirtualClock}'s advance for the scenario player (shared by name, not exported). */
const ADVANCE_IN_TURNS = Symbol.for("netsession.sim.advanceInTurns");

/** A settled promise: awaiting it takes one microtask turn, as `await undefined` does, and allocates less. */
const SETTLED: Promise<void> = Promise.resolve();

type Immediate = (fn: () => void) => unknown;
const setImmediateIfAny = (globalThis as { setImmediate?: Immediate }).setImmediate;

/**
 * One real macrotask: every pending microtask (promise reaction) runs before it
 * ends. `setImmediate` (Deno 2, Node, Bun) where present, because `setTimeout(0)`
 * is clamped to about 4 ms once nested; `setTimeout(0)` elsewhere.
 */
function realTick(): Promise<void> {
  return new Promise((resolve) => {
    if (setImmediateIfAny !== undefined) setImmediateIfAny(resolve);
    else setTimeout(resolve, 0);
  });
}

/**
 * A {@linkcode Clock} driven by hand. {@linkcode VirtualClock.advance} runs the
 * timers that fall due in time order (ties in creation order), setting
 * {@linkcode VirtualClock.now} to each timer's time before calling it, and lets
 * pending promise work settle after each one, so that promise chains started by
 * a timer (including ones that set new virtual timers) run before the next timer.
 * `advance()` yields two real macrotasks before, after each timer and at the
 * end, so that real I/O gets its turns too; a scenario's playback lets the work
 * settle in microtask turns instead (until 8 turns in a row pass without the
 * clock being used) and yields real macrotasks only before expectations.
 *
 * @example
 * ```ts
 * import { VirtualClock } from "@netsession/sim";
 * const clock = new VirtualClock();
 * const seen: number[] = [];
 * clock.setTimeout(() => seen.push(clock.now()), 250);
 * await clock.advance(1000);
 * console.log(seen, clock.now()); // [250] 1000
 * ```
 */
export class VirtualClock implements Clock {
  #now: number;
  /** Live timers by id (a cleared timer leaves the heap lazily). */
  #timers = new Map<number, VirtualTimer>();
  /** A binary min-heap on (at, id): O(log K) to add or take the next timer. */
  #heap: VirtualTimer[] = [];
  #nextId = 1;
  #advancing = false;
  /** Counts uses of the clock (now, setTimeout, clearTimeout): a drain goes on while it moves. */
  #activity = 0;
  /** The longest run of quiet turns after which the clock was used again (see {@linkcode QUIET_TURNS}). */
  #longestQuiet = 0;

  /**
   * Makes a clock standing at `start`.
   *
   * @param start the initial time in milliseconds (default 0)
   */
  constructor(start = 0) {
    if (!Number.isFinite(start)) {
      throw new RangeError(`VirtualClock start time must be a finite number of milliseconds, got ${start}`);
    }
    this.#now = start;
  }

  /**
   * The current virtual time in milliseconds.
   *
   * @example
   * ```ts
   * import { VirtualClock } from "@netsession/sim";
   * console.log(new VirtualClock(5).now()); // 5
   * ```
   */
  now(): number {
    this.#activity++;
    return this.#now;
  }

  /**
   * Calls `fn` once when the virtual time reaches `now() + ms`. Negative or
   * non-numeric delays count as 0, as with the platform timer.
   *
   * @example
   * ```ts
   * import { VirtualClock } from "@netsession/sim";
   * const clock = new VirtualClock();
   * clock.setTimeout(() => console.log("fired at", clock.now()), 10);
   * await clock.advance(10); // fired at 10
   * ```
   */
  setTimeout(fn: () => void, ms: number): number {
    if (typeof fn !== "function") {
      throw new TypeError("VirtualClock.setTimeout needs a function as its first argument");
    }
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.#activity++;
    const id = this.#nextId++;
    const timer = { id, at: this.#now + delay, fn };
    this.#timers.set(id, timer);
    heapPush(this.#heap, timer, before);
    return id;
  }

  /**
   * Cancels a timer; unknown or already-run handles are ignored.
   *
   * @example
   * ```ts
   * import { VirtualClock } from "@netsession/sim";
   * const clock = new VirtualClock();
   * const h = clock.setTimeout(() => console.log("never"), 10);
   * clock.clearTimeout(h);
   * await clock.advance(20);
   * ```
   */
  clearTimeout(handle: unknown): void {
    this.#activity++;
    if (typeof handle !== "number" || !this.#timers.delete(handle)) return;
    // Cleared timers leave the heap when they reach its top; rebuild it when they are most of it.
    if (this.#heap.length > 64 && this.#heap.length > 2 * this.#timers.size) {
      this.#heap = [];
      for (const t of this.#timers.values()) heapPush(this.#heap, t, before);
    }
  }

  /**
   * How many timers are waiting.
   *
   * @example
   * ```ts
   * import { VirtualClock } from "@netsession/sim";
   * const clock = new VirtualClock();
   * clock.setTimeout(() => {}, 10);
   * console.log(clock.pendingTimers); // 1
   * ```
   */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /**
   * The virtual time of the next timer, or undefined when none is waiting.
   *
   * @example
   * ```ts
   * import { VirtualClock } from "@netsession/sim";
   * const clock = new VirtualClock();
   * clock.setTimeout(() => {}, 40);
   * console.log(clock.nextTimerAt()); // 40
   * ```
   */
  nextTimerAt(): number | undefined {
    return this.#next(Infinity)?.at;
  }

  /**
   * Moves the virtual time forward by `ms`, running every timer that falls due
   * on the way (also timers created meanwhile), then lets pending promise work
   * settle. `advance(0)` only lets pending work settle. If timers throw, the
   * remaining timers still run and the first error (or an `AggregateError`)
   * is thrown at the end.
   *
   * @example
   * ```ts
   * import { VirtualClock } from "@netsession/sim";
   * const clock = new VirtualClock();
   * clock.setTimeout(() => clock.setTimeout(() => console.log("nested at", clock.now()), 5), 5);
   * await clock.advance(10); // nested at 10
   * ```
   */
  async advance(ms: number): Promise<void> {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`advance() needs a finite, non-negative number of milliseconds, got ${ms}`);
    }
    await this.#run(this.#now + ms, Infinity);
  }

  /**
   * Runs timers until none is left, advancing the time to each. Throws if more
   * than `limit` timers run (a timer that keeps re-arming itself).
   *
   * @example
   * ```ts
   * import { VirtualClock } from "@netsession/sim";
   * const clock = new VirtualClock();
   * clock.setTimeout(() => {}, 3000);
   * await clock.runAll();
   * console.log(clock.now()); // 3000
   * ```
   */
  async runAll(limit = 10_000): Promise<void> {
    await this.#run(Infinity, limit);
  }

  #next(until: number): VirtualTimer | undefined {
    const heap = this.#heap;
    while (heap.length > 0 && !this.#timers.has(heap[0].id)) heapPop(heap, before); // cleared meanwhile
    const first = heap[0];
    return first !== undefined && first.at <= until ? first : undefined;
  }

  /** @internal the longest run of quiet microtask turns a drain saw before the clock was used again. */
  get [LONGEST_QUIET](): number {
    return this.#longestQuiet;
  }

  /**
   * @internal the scenario player's advance: the timers due within `ms`, pending work settling after each in
   * microtask turns only (no real macrotask: a loop of awaits).
   */
  async [ADVANCE_IN_TURNS](ms: number): Promise<void> {
    if (this.#advancing) {
      throw new Error("the virtual clock is already advancing: await the running advance()/runAll() first");
    }
    this.#advancing = true;
    const target = this.#now + ms;
    const errors: unknown[] = [];
    try {
      // One loop, one await of a settled promise a microtask turn (no promise is made for it, as one is for
      // `await undefined`; a `queueMicrotask` callback costs more still): pending work has settled after
      // QUIET_TURNS turns in a row without the clock being used (real macrotasks past MAX_TURNS); then the next
      // timer runs.
      let seen = this.#activity, quiet = 0, turns = 0;
      for (;;) {
        await SETTLED;
        if (this.#activity === seen) quiet++;
        else {
          seen = this.#activity;
          if (quiet > this.#longestQuiet) this.#longestQuiet = quiet;
          quiet = 0;
        }
        if (quiet < QUIET_TURNS) {
          if (++turns < MAX_TURNS) continue;
          await realRounds();
        }
        const timer = this.#next(target);
        if (timer === undefined) break;
        this.#fire(timer, errors);
        seen = this.#activity;
        quiet = 0;
        turns = 0;
      }
      if (target > this.#now) this.#now = target;
    } finally {
      this.#advancing = false;
    }
    throwIfAny(errors);
  }

  /** Takes `timer` (the next one) off the queue and runs it at its time; what it throws goes to `errors`. */
  #fire(timer: VirtualTimer, errors: unknown[]): void {
    this.#timers.delete(timer.id);
    heapPop(this.#heap, before);
    if (timer.at > this.#now) this.#now = timer.at;
    try {
      timer.fn();
    } catch (error) {
      errors.push(error);
    }
  }

  /**
   * Runs the timers due by `target`, with real macrotask rounds before, after each timer and at the end.
   */
  async #run(target: number, limit: number): Promise<void> {
    if (this.#advancing) {
      throw new Error("the virtual clock is already advancing: await the running advance()/runAll() first");
    }
    this.#advancing = true;
    const errors: unknown[] = [];
    let ran = 0;
    try {
      await realRounds();
      for (;;) {
        const timer = this.#next(target);
        if (timer === undefined) break;
        if (++ran > limit) {
          throw new Error(
            `runAll() stopped after ${limit} timers: some timer keeps re-arming itself; use advance(ms) instead`,
          );
        }
        this.#fire(timer, errors);
        await realRounds();
      }
      if (Number.isFinite(target) && target > this.#now) this.#now = target;
      await realRounds();
    } finally {
      this.#advancing = false;
    }
    throwIfAny(errors);
  }
}

/** Throws what the timers of an advance threw: the one error, or an `AggregateError` of several. */
function throwIfAny(errors: readonly unknown[]): void {
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} virtual timers threw`);
}

/** The real macrotask rounds {@linkcode VirtualClock.advance} yields around its timers. */
async function realRounds(): Promise<void> {
  for (let i = 0; i < DRAIN_ROUNDS; i++) await realTick();
}

function before(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.id < b.id);
}
