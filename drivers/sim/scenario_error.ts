/**
 * {@linkcode ScenarioError}: a malformed scenario, with the field and the step at fault.
 *
 * @module
 */

/**
 * A malformed scenario (code `"invalid"`). `path` names the field
 * (`steps[3].signal`), `step` the index of the step, when the problem is in one.
 *
 * @example
 * ```ts
 * import { parseScenario, ScenarioError } from "@netsession/sim";
 * try {
 *   parseScenario({ steps: [{ at: 0, action: "setSignal", id: "x", signal: 1 }] });
 * } catch (e) {
 *   if (e instanceof ScenarioError) console.log(e.path); // "steps[0].id"
 * }
 * ```
 */
export class ScenarioError extends Error {
  /** Always `"invalid"`: a malformed scenario (see {@linkcode simErrorCode}). */
  readonly code: "invalid" = "invalid";
  /** The field, as a path from the scenario's root. */
  readonly path: string;
  /** The index of the step at fault, if any. */
  readonly step: number | undefined;
  /**
   * Creates the error.
   *
   * @param path the field, as a path from the scenario's root
   * @param message what is expected
   * @param step the index of the step at fault
   * @param at that step's time
   */
  constructor(path: string, message: string, step?: number, at?: number) {
    const where = step === undefined
      ? path
      : `steps[${step}] (at ${at ?? "?"}) ${path.replace(/^steps\[\d+\]/, "")}`;
    super(`${where}: ${message}`);
    this.name = "ScenarioError";
    this.path = path;
    this.step = step;
  }
}
