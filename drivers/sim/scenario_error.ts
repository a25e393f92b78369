/**
 * {@linkcode ScenarioError}: a malformed scenario, with every field at fault.
 *
 * @module
 */

/**
 * One problem of a scenario: the field, what is expected, and where it is in the text.
 *
 * @example
 * ```ts
 * import type { ScenarioIssue } from "@netsession/sim";
 * const i: ScenarioIssue = { path: "steps[3].signal", message: "expected a number 0..100, got 500", line: 12, column: 19 };
 * ```
 */
export interface ScenarioIssue {
  /** The field, as a path from the scenario's root (`steps[3].signal`). */
  readonly path: string;
  /** What is wrong and what is expected. */
  readonly message: string;
  /** The index of the step at fault, if any. */
  readonly step?: number;
  /** That step's time, if known. */
  readonly at?: number;
  /** 1-based line in the scenario's text (when it was read from text). */
  readonly line?: number;
  /** 1-based column in the scenario's text (when it was read from text). */
  readonly column?: number;
}

/** The text of one issue: `line:column: ` (from text), the field (with its step and time), the message. */
export function formatIssue(i: ScenarioIssue): string {
  const where = i.step === undefined
    ? i.path
    : `steps[${i.step}] (at ${i.at ?? "?"}) ${i.path.replace(/^steps\[\d+\]/, "")}`;
  return `${i.line === undefined ? "" : `${i.line}:${i.column}: `}${where}: ${i.message}`;
}

/**
 * A malformed scenario (code `"invalid"`). `path` names the first field at
 * fault (`steps[3].signal`), `step` the index of its step; `issues` lists
 * every problem found (the message has one line each), with its line and
 * column when the scenario was JSON text.
 *
 * @example
 * ```ts
 * import { parseScenario, ScenarioError } from "@netsession/sim";
 * try {
 *   parseScenario({ steps: [{ at: 0, action: "setSignal", id: "x", signal: 1 }] });
 * } catch (e) {
 *   if (e instanceof ScenarioError) console.log(e.path, e.issues.length); // "steps[0].id" 1
 * }
 * ```
 */
export class ScenarioError extends Error {
  /** Always `"invalid"`: a malformed scenario (see {@linkcode simErrorCode}). */
  readonly code: "invalid" = "invalid";
  /** The first field at fault, as a path from the scenario's root. */
  readonly path: string;
  /** The index of the first step at fault, if any. */
  readonly step: number | undefined;
  /** Every problem found, in the order of the scenario. */
  readonly issues: readonly ScenarioIssue[];
  /**
   * Creates the error.
   *
   * @param path the field, as a path from the scenario's root
   * @param message what is expected
   * @param step the index of the step at fault
   * @param at that step's time
   * @param issues every problem (default: this one)
   */
  constructor(
    path: string,
    message: string,
    step?: number,
    at?: number,
    issues?: readonly ScenarioIssue[],
  ) {
    const all = issues?.length ? issues : [{ path, message, step, at }];
    super(all.map(formatIssue).join("\n"));
    this.name = "ScenarioError";
    this.path = all[0].path;
    this.step = all[0].step;
    this.issues = all;
  }
}
