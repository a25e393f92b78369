/**
 * JSON scenarios: a timeline of {@linkcode SimWorld} calls, played on the
 * world's virtual clock with {@linkcode SimWorld.play}.
 *
 * @module
 */

import type { Capability, UsagePolicy } from "@netsession/core";
import type {
  SimAccessPointOptions,
  SimServiceNetworkOptions,
  SimUserChoiceOptions,
  SimWorld,
} from "./world.ts";

/**
 * One step of a {@linkcode SimScenario}: at `at` milliseconds after the start
 * of the play, call the world method named by `action` with the other fields.
 *
 * @example
 * ```ts
 * import type { SimScenarioStep } from "@netsession/sim";
 * const steps: SimScenarioStep[] = [
 *   { at: 0, action: "addAccessPoint", id: "wlan", signal: 80 },
 *   { at: 5000, action: "setSignal", id: "wlan", signal: 0 },
 * ];
 * ```
 */
export type SimScenarioStep =
  & {
    /** Milliseconds after the start of the play; steps are in non-decreasing order. */
    readonly at: number;
  }
  & (
    | ({ readonly action: "addAccessPoint" } & SimAccessPointOptions)
    | ({ readonly action: "addServiceNetwork" } & SimServiceNetworkOptions)
    | ({ readonly action: "addUserChoice" } & SimUserChoiceOptions)
    | {
      readonly action:
        | "removeAccessPoint"
        | "removeConfiguration"
        | "activateExternally"
        | "deactivateExternally"
        | "releaseExternally";
      readonly id: string;
    }
    | { readonly action: "setDefault"; readonly id?: string }
    | { readonly action: "setSignal"; readonly id: string; readonly signal: number }
    | { readonly action: "setUsagePolicies"; readonly policies: readonly UsagePolicy[] }
    | { readonly action: "setCapabilities"; readonly capabilities: readonly Capability[] }
    | { readonly action: "failNextActivation"; readonly id: string; readonly reason?: string }
    | { readonly action: "traffic"; readonly id: string; readonly rx?: number; readonly tx?: number }
  );

/**
 * A scenario: a timeline of world changes, JSON-friendly.
 *
 * @example
 * ```ts
 * import type { SimScenario } from "@netsession/sim";
 * const walkOut: SimScenario = {
 *   name: "walk out of the office",
 *   steps: [
 *     { at: 0, action: "addAccessPoint", id: "office", bearer: "wlan" },
 *     { at: 0, action: "addAccessPoint", id: "lte", bearer: "lte", metered: true },
 *     { at: 10_000, action: "setSignal", id: "office", signal: 20 },
 *     { at: 15_000, action: "setSignal", id: "office", signal: 0 },
 *   ],
 *   duration: 20_000,
 * };
 * ```
 */
export interface SimScenario {
  /** A name for messages. */
  readonly name?: string;
  /** Free text. */
  readonly description?: string;
  /** The timeline. */
  readonly steps: readonly SimScenarioStep[];
  /** Milliseconds after the start at which the play ends (default: the last step's `at`). */
  readonly duration?: number;
}

/**
 * Every step action a scenario may use.
 *
 * @example
 * ```ts
 * import { SCENARIO_ACTIONS } from "@netsession/sim";
 * console.log(SCENARIO_ACTIONS.includes("setSignal")); // true
 * ```
 */
export const SCENARIO_ACTIONS = [
  "addAccessPoint",
  "addServiceNetwork",
  "addUserChoice",
  "removeAccessPoint",
  "removeConfiguration",
  "setDefault",
  "setSignal",
  "setUsagePolicies",
  "setCapabilities",
  "failNextActivation",
  "traffic",
  "activateExternally",
  "deactivateExternally",
  "releaseExternally",
] as const;

function fail(where: string, message: string): never {
  throw new Error(`${where}: ${message}`);
}

/** Checks the shape of a scenario; the world checks each step's arguments when it runs. */
function validate(input: unknown): SimScenario {
  const scenario = typeof input === "string" ? JSON.parse(input) as unknown : input;
  if (scenario === null || typeof scenario !== "object" || !Array.isArray((scenario as SimScenario).steps)) {
    throw new Error(
      'a scenario must be an object with a \'steps\' array: { "steps": [{ "at": 0, "action": ... }] }',
    );
  }
  const s = scenario as SimScenario;
  const label = s.name === undefined ? "scenario" : `scenario '${s.name}'`;
  let last = 0;
  s.steps.forEach((step, i) => {
    const where = `${label} step ${i + 1}`;
    if (step === null || typeof step !== "object") fail(where, "a step must be an object");
    if (typeof step.at !== "number" || !Number.isFinite(step.at) || step.at < 0) {
      fail(where, `'at' must be a non-negative number of milliseconds, got ${JSON.stringify(step.at)}`);
    }
    if (step.at < last) {
      fail(where, `'at' ${step.at} is before the previous step's ${last}: keep steps in time order`);
    }
    last = step.at;
    if (!(SCENARIO_ACTIONS as readonly string[]).includes(step.action)) {
      fail(where, `unknown action ${JSON.stringify(step.action)}; use one of ${SCENARIO_ACTIONS.join(", ")}`);
    }
  });
  if (s.duration !== undefined && (typeof s.duration !== "number" || !(s.duration >= last))) {
    throw new Error(
      `${label}: 'duration' must be a number of milliseconds at or after the last step (${last})`,
    );
  }
  return s;
}

function apply(world: SimWorld, step: SimScenarioStep): void {
  const { at: _at, action: _action, ...args } = step as SimScenarioStep & Record<string, unknown>;
  switch (step.action) {
    case "addAccessPoint":
      world.addAccessPoint(args as unknown as SimAccessPointOptions);
      return;
    case "addServiceNetwork":
      world.addServiceNetwork(args as unknown as SimServiceNetworkOptions);
      return;
    case "addUserChoice":
      world.addUserChoice(args as unknown as SimUserChoiceOptions);
      return;
    case "removeAccessPoint":
      return world.removeAccessPoint(step.id);
    case "removeConfiguration":
      return world.removeConfiguration(step.id);
    case "activateExternally":
      return world.activateExternally(step.id);
    case "deactivateExternally":
      return world.deactivateExternally(step.id);
    case "releaseExternally":
      return world.releaseExternally(step.id);
    case "setDefault":
      return world.setDefault(step.id);
    case "setSignal":
      return world.setSignal(step.id, step.signal);
    case "setUsagePolicies":
      return world.setUsagePolicies(step.policies);
    case "setCapabilities":
      return world.setCapabilities(step.capabilities);
    case "failNextActivation":
      return world.failNextActivation(step.id, step.reason);
    case "traffic":
      return world.traffic(step.id, { rx: step.rx, tx: step.tx });
  }
}

/**
 * Plays a scenario (an object or its JSON text) on `world`: the shape is
 * checked first, then each step runs at its time on the virtual clock. A step
 * that fails stops the play with an error naming the step.
 *
 * @internal use {@linkcode SimWorld.play}
 */
export async function playScenario(world: SimWorld, input: SimScenario | string): Promise<void> {
  const scenario = validate(input);
  const label = scenario.name === undefined ? "scenario" : `scenario '${scenario.name}'`;
  const start = world.clock.now();
  for (const [i, step] of scenario.steps.entries()) {
    const wait = start + step.at - world.clock.now();
    if (wait > 0) await world.advance(wait);
    try {
      apply(world, step);
    } catch (error) {
      throw new Error(
        `${label} step ${i + 1} (${step.action} at ${step.at} ms): ${(error as Error).message ?? error}`,
        { cause: error },
      );
    }
  }
  const end = start + (scenario.duration ?? 0) - world.clock.now();
  await world.advance(end > 0 ? end : 0);
}
