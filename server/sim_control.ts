/**
 * Simulator control: the simulated world's virtual clock (serialised
 * advances, the real-time ticker) and scenario runs, each timed step run when
 * its time has come.
 *
 * @module
 */

import {
  applyWorldStep,
  type SimPlayResult,
  type SimScenario,
  type SimWorld,
  type SimWorldStep,
} from "@netsession/sim";

interface ScenarioRun {
  left: number;
  failed: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
  promise: Promise<void>;
}

/**
 * A scenario as the daemon plays it (`SimWorld.play` format): world changes only.
 *
 * @example
 * ```ts
 * import type { WorldScenario } from "@netsession/server";
 * const s: WorldScenario = { steps: [{ at: 0, action: "setSignal", id: "lte", signal: 5 }] };
 * ```
 */
export interface WorldScenario {
  /** A name for logs. */
  readonly name?: string;
  /** The steps `{at, action, ...}`, in time order. */
  readonly steps: readonly Record<string, unknown>[];
}

/** Drives the simulated world's clock for the daemon. */
export class SimControl {
  readonly world: SimWorld | undefined;
  #advancing: Promise<void> = Promise.resolve();
  #realtime: ReturnType<typeof setInterval> | undefined;
  #steps: { due: number; index: number; step: Record<string, unknown>; run: ScenarioRun }[] = [];

  constructor(world: SimWorld | undefined) {
    this.world = world;
  }

  /** Runs the virtual clock forward by `ms` (serialised); nothing without a world. */
  advance(ms: number): Promise<void> {
    return this.exclusive(() => this.world?.advance(ms));
  }

  /** Runs `fn` when no other `advance()`/`exclusive()` is running (the virtual clock is single-use). */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.#advancing.then(fn);
    this.#advancing = run.then(() => {}, () => {});
    return run;
  }

  /** Advances the virtual clock in real time, every `intervalMs` by the real time elapsed, until stopped. */
  startRealtime(intervalMs: number): void {
    if (!this.world || this.#realtime !== undefined) return;
    let last = performance.now();
    let busy = false;
    this.#realtime = setInterval(() => {
      if (busy) return;
      const now = performance.now();
      const elapsed = Math.max(0, Math.round(now - last));
      last = now;
      busy = true;
      this.advance(elapsed)
        .then(() => this.exclusive(() => this.#runDueSteps()))
        .catch((error) => console.error("netsession daemon: the simulated world failed:", error))
        .finally(() => busy = false);
    }, intervalMs);
  }

  /** Stops the real-time ticker. */
  stopRealtime(): void {
    if (this.#realtime !== undefined) clearInterval(this.#realtime);
    this.#realtime = undefined;
  }

  /**
   * Plays a scenario of world changes: with the real-time ticker, each step
   * when its time has come; without it, all at once on the virtual clock.
   * Resolves when the last step ran; rejects naming the step that failed.
   */
  play(scenario: WorldScenario): Promise<void> {
    const world = this.world;
    if (!world) return Promise.reject(new Error("there is no simulated world to play a scenario on"));
    const other = scenario.steps.findIndex((s) => typeof s.action !== "string");
    if (other >= 0 || "sessions" in scenario || "world" in scenario) {
      return Promise.reject(
        new Error(
          `the daemon plays world changes only (steps with "action")${
            other >= 0 ? `; steps[${other}] is not one` : ""
          }: play scenarios with sessions, expectations or a world of their own with 'netsession sim run FILE'`,
        ),
      );
    }
    if (this.#realtime === undefined) {
      return this.exclusive(() => world.play(scenario as SimScenario).then(passed));
    }
    const run: ScenarioRun = { left: scenario.steps.length, failed: false, ...Promise.withResolvers<void>() };
    if (run.left === 0) run.resolve();
    const start = world.clock.now();
    for (const [index, step] of scenario.steps.entries()) {
      this.#steps.push({ due: start + (step.at as number), index, step, run });
    }
    this.#steps.sort((a, b) => a.due - b.due);
    return run.promise;
  }

  #runDueSteps(): void {
    const world = this.world!;
    while (this.#steps.length > 0 && this.#steps[0].due <= world.clock.now()) {
      const { index, step, run } = this.#steps.shift()!;
      if (run.failed) continue;
      try {
        // The step's fields are checked by applyWorldStep (unknown action or field: a SimError).
        applyWorldStep(world, step as SimWorldStep);
        if (--run.left === 0) run.resolve();
      } catch (error) {
        run.failed = true;
        run.reject(
          new Error(`steps[${index}] (at ${step.at}): ${(error as Error).message}`, { cause: error }),
        );
      }
    }
  }
}

/** Turns a scenario play with failures into a rejection that names them. */
function passed(result: SimPlayResult): void {
  if (!result.passed) {
    throw new Error(result.failures.map((f) => `steps[${f.step}] (at ${f.at}): ${f.message}`).join("; "));
  }
}
