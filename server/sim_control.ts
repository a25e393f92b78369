/**
 * Simulator control: the simulated world's virtual clock (serialised
 * advances, the real-time ticker) and scenario runs, each timed step run when
 * its time has come.
 *
 * @module
 */

import { applyWorldStep, type SimWorld, type SimWorldStep } from "@netsession/sim";

/** Virtual time one turn of a stepwise scenario advances at most, ms. */
const SLICE_MS = 1000;
/** Due steps one turn runs at most. */
const STEPS_PER_TURN = 16;
/** Lets the other requests and timers have a turn. */
const turn = () => new Promise<void>((r) => setTimeout(r, 0));

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
        .then(async () => {
          while (await this.exclusive(() => this.#runDueSteps())) await turn();
        })
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
    if (this.#realtime === undefined) return this.#playStepwise(world, scenario);
    const run: ScenarioRun = { left: scenario.steps.length, failed: false, ...Promise.withResolvers<void>() };
    if (run.left === 0) run.resolve();
    const start = world.clock.now();
    for (const [index, step] of scenario.steps.entries()) {
      this.#steps.push({ due: start + (step.at as number), index, step, run });
    }
    this.#steps.sort((a, b) => a.due - b.due);
    return run.promise;
  }

  /**
   * Without the real-time ticker: the scenario on the virtual clock, one slice (at most 1 s of virtual time or
   * one step) per turn of the clock, yielding between them, so that the other routes and the clock never wait
   * for the whole scenario.
   */
  async #playStepwise(world: SimWorld, scenario: WorldScenario): Promise<void> {
    const start = world.clock.now();
    const to = async (due: number) => {
      while (world.clock.now() < due) {
        await this.exclusive(() => world.advance(Math.min(SLICE_MS, due - world.clock.now())));
        await turn();
      }
    };
    for (const [index, step] of scenario.steps.entries()) {
      await to(start + (step.at as number));
      await this.exclusive(() => {
        try {
          applyWorldStep(world, step as SimWorldStep);
        } catch (error) {
          throw new Error(`steps[${index}] (at ${step.at}): ${(error as Error).message}`, { cause: error });
        }
      });
      await turn();
    }
    const duration = (scenario as { duration?: unknown }).duration;
    if (typeof duration === "number") await to(start + duration);
  }

  /** Runs the steps that are due, at most {@linkcode STEPS_PER_TURN}; true when more are due. */
  #runDueSteps(): boolean {
    const world = this.world!;
    let ran = 0;
    while (this.#steps.length > 0 && this.#steps[0].due <= world.clock.now()) {
      if (ran++ >= STEPS_PER_TURN) return true;
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
    return false;
  }
}
