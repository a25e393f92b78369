/**
 * JSON scenarios (format version 1): a simulated world, the sessions of one or
 * more application "processes", and a timeline of world changes, session
 * actions and expectations, played on the world's virtual clock with
 * {@linkcode SimWorld.play}. A scenario is checked completely before anything
 * runs ({@linkcode parseScenario}); a malformed one is rejected with a
 * {@linkcode ScenarioError} naming the step, the field and what is expected.
 * The JSON Schema is `scenario.schema.json` beside this file.
 *
 * @module
 */

import {
  CAPABILITIES,
  type Capability,
  CONFIGURATION_STATES,
  type ConfigurationState,
  NetworkConfigurationManager,
  type NetworkSession,
  SESSION_ERRORS,
  SESSION_STATES,
  type SessionError,
  type SessionState,
  USAGE_POLICIES,
  type UsagePolicy,
} from "@netsession/core";
import { SimDriver } from "./driver.ts";
import { type FieldError, show } from "./_checks.ts";
import {
  ACCESS_POINT_OPTION_FIELDS,
  parseAccessPointOptions,
  type SimAccessPointOptions,
} from "./access_point_options.ts";
import { SimError } from "./errors.ts";
import {
  parseServiceNetworkOptions,
  SERVICE_NETWORK_OPTION_FIELDS,
  type SimServiceNetworkOptions,
} from "./service_network_options.ts";
import type { SimUserChoiceOptions, SimWorld } from "./world.ts";

/**
 * One world change: the {@linkcode SimWorld} method named by `action`, with
 * the other fields as its arguments; `at` (its time in a scenario) is ignored
 * by {@linkcode applyWorldStep}.
 *
 * @example
 * ```ts
 * import type { SimWorldStep } from "@netsession/sim";
 * const steps: SimWorldStep[] = [
 *   { action: "addAccessPoint", id: "wlan", signal: 80 },
 *   { action: "setSignal", id: "wlan", signal: 0 },
 * ];
 * ```
 */
export type SimWorldStep =
  & {
    /** Milliseconds after the start of a play (ignored when the step is applied alone). */
    readonly at?: number;
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
 * A world change in a scenario's timeline: a {@linkcode SimWorldStep} at its time.
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
export type SimScenarioStep = SimWorldStep & {
  /** Milliseconds after the start of the play; steps are in non-decreasing order. */
  readonly at: number;
};

/**
 * Every world action a scenario step may use.
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

/** The fields of each world action besides `at` and `action`. */
const WORLD_STEP_FIELDS: Readonly<Record<typeof SCENARIO_ACTIONS[number], readonly string[]>> = {
  addAccessPoint: ACCESS_POINT_OPTION_FIELDS,
  addServiceNetwork: SERVICE_NETWORK_OPTION_FIELDS,
  addUserChoice: ["id", "name"],
  removeAccessPoint: ["id"],
  removeConfiguration: ["id"],
  setDefault: ["id"],
  setSignal: ["id", "signal"],
  setUsagePolicies: ["policies"],
  setCapabilities: ["capabilities"],
  failNextActivation: ["id", "reason"],
  traffic: ["id", "rx", "tx"],
  activateExternally: ["id"],
  deactivateExternally: ["id"],
  releaseExternally: ["id"],
};

/**
 * Every session action (`{ "session": "app", "do": "migrate" }`).
 *
 * @example
 * ```ts
 * import { SESSION_ACTIONS } from "@netsession/sim";
 * console.log(SESSION_ACTIONS.includes("accept")); // true
 * ```
 */
export const SESSION_ACTIONS = ["open", "close", "stop", "migrate", "ignore", "accept", "reject"] as const;

/**
 * A session action step.
 *
 * @example
 * ```ts
 * import type { SimSessionStep } from "@netsession/sim";
 * const s: SimSessionStep = { at: 1000, session: "app", do: "open" };
 * ```
 */
export interface SimSessionStep {
  /** Milliseconds after the start. */
  readonly at: number;
  /** The session's id (from `sessions`). */
  readonly session: string;
  /** What to call on it. */
  readonly do: typeof SESSION_ACTIONS[number];
}

/**
 * What an `expect` step checks; every field is optional.
 *
 * @example
 * ```ts
 * import type { SimExpectation } from "@netsession/sim";
 * const e: SimExpectation = { session: "app", state: "connected", activeConfiguration: "wlan" };
 * ```
 */
export interface SimExpectation {
  /** The session the session fields are about. */
  readonly session?: string;
  /** Its state. */
  readonly state?: SessionState;
  /** Whether it is open. */
  readonly isOpen?: boolean;
  /** Its `ActiveConfiguration` property (`""` when not open). */
  readonly activeConfiguration?: string;
  /** Its last error (`null`: none). */
  readonly error?: SessionError | null;
  /** Its usage policies. */
  readonly usagePolicies?: readonly UsagePolicy[];
  /** Its interface's addresses (`[]`: no interface). */
  readonly interfaceAddresses?: readonly string[];
  /**
   * Exactly the session's events since the previous `expect` that checked events on it:
   * `stateChanged:<state>`, `opened`, `closed`, `error:<error>`, `newConfigurationActivated`,
   * `preferredConfigurationChanged:<id>` (`:seamless` appended when seamless),
   * `usagePoliciesChanged:<p,…>` (`none` when empty).
   */
  readonly events?: readonly string[];
  /** Events that must be among those since the previous events check (in this order, others may come between). */
  readonly eventsInclude?: readonly string[];
  /** The state of a configuration (as the first process's manager sees it). */
  readonly configuration?: { readonly id: string; readonly state: ConfigurationState };
  /** Session counters (holders) per access point, summed over the processes; unlisted ones are not checked. */
  readonly holders?: Readonly<Record<string, number>>;
  /** Whether each access point is up in the world. */
  readonly up?: Readonly<Record<string, boolean>>;
  /** Lower and upper bounds of the number of session events recorded so far (all sessions). */
  readonly totalEvents?: { readonly min?: number; readonly max?: number };
}

/**
 * An `expect` step.
 *
 * @example
 * ```ts
 * import type { SimExpectStep } from "@netsession/sim";
 * const s: SimExpectStep = { at: 2000, expect: { session: "app", isOpen: true } };
 * ```
 */
export interface SimExpectStep {
  /** Milliseconds after the start. */
  readonly at: number;
  /** What must hold at that moment. */
  readonly expect: SimExpectation;
}

/**
 * A `repeat` step: `steps` (with `at` relative to each repetition) run `times` times, `every` ms apart.
 *
 * @example
 * ```ts
 * import type { SimRepeatStep } from "@netsession/sim";
 * const flap: SimRepeatStep = {
 *   at: 0,
 *   repeat: { every: 2000, times: 3, steps: [{ at: 0, action: "setSignal", id: "wlan", signal: 0 }, { at: 1000, action: "setSignal", id: "wlan", signal: 80 }] },
 * };
 * ```
 */
export interface SimRepeatStep {
  /** Start of the first repetition. */
  readonly at: number;
  /** The repetition. */
  readonly repeat: {
    readonly every: number;
    readonly times: number;
    readonly steps: readonly (SimScenarioStep | SimSessionStep | SimExpectStep)[];
  };
}

/**
 * Any step of a scenario.
 *
 * @example
 * ```ts
 * import type { SimStep } from "@netsession/sim";
 * const s: SimStep = { at: 0, session: "app", do: "open" };
 * ```
 */
export type SimStep = SimScenarioStep | SimSessionStep | SimExpectStep | SimRepeatStep;

/**
 * A session of a scenario.
 *
 * @example
 * ```ts
 * import type { SimScenarioSession } from "@netsession/sim";
 * const s: SimScenarioSession = { id: "app", configuration: "any", alr: true, auto: { preferred: "migrate", activated: "accept" } };
 * ```
 */
export interface SimScenarioSession {
  /** The id steps use. */
  readonly id: string;
  /** The configuration identifier it is created on. */
  readonly configuration: string;
  /** The process (manager) it belongs to (default: the first). */
  readonly process?: string;
  /** Listen to `preferredConfigurationChanged`: an application-level-roaming stakeholder. */
  readonly alr?: boolean;
  /** Answers given automatically, as an application would in its listeners. */
  readonly auto?: { readonly preferred?: "migrate" | "ignore"; readonly activated?: "accept" | "reject" };
  /** Session properties set before anything runs (e.g. `ConnectInBackground`). */
  readonly properties?: Readonly<Record<string, unknown>>;
}

/**
 * A scenario (format version 1). `world` builds the world before the
 * timeline; every part but `steps` is optional, so a list of world changes is
 * a scenario too.
 *
 * @example
 * ```ts
 * import type { SimScenario } from "@netsession/sim";
 * const upgrade: SimScenario = {
 *   version: 1,
 *   name: "WLAN upgrade over LTE",
 *   world: {
 *     accessPoints: [{ id: "lte", bearer: "lte", metered: true }, { id: "wlan", bearer: "wlan", signal: 0 }],
 *     serviceNetworks: [{ id: "any", members: ["wlan", "lte"] }],
 *   },
 *   sessions: [{ id: "app", configuration: "any", alr: true, auto: { preferred: "migrate", activated: "accept" } }],
 *   steps: [
 *     { at: 0, session: "app", do: "open" },
 *     { at: 1000, action: "setSignal", id: "wlan", signal: 90 },
 *     { at: 2000, expect: { session: "app", activeConfiguration: "wlan", usagePolicies: [] } },
 *   ],
 * };
 * ```
 */
export interface SimScenario {
  /** Format version; 1 (the default when absent). */
  readonly version?: 1;
  /** A name for messages. */
  readonly name?: string;
  /** Free text. */
  readonly description?: string;
  /** The world built before the timeline. */
  readonly world?: {
    readonly accessPoints?: readonly SimAccessPointOptions[];
    readonly serviceNetworks?: readonly SimServiceNetworkOptions[];
    readonly userChoices?: readonly SimUserChoiceOptions[];
    readonly default?: string;
    readonly policies?: readonly UsagePolicy[];
    readonly capabilities?: readonly Capability[];
  };
  /** Application processes, each a manager on its own driver (default: one, `"main"`). */
  readonly processes?: readonly {
    readonly id: string;
    readonly forcedRoaming?: "on-loss" | "on-loss-or-better";
  }[];
  /** The sessions steps refer to. */
  readonly sessions?: readonly SimScenarioSession[];
  /** The timeline. */
  readonly steps: readonly SimStep[];
  /** Milliseconds after the start at which the play ends (default: the last step's `at`). */
  readonly duration?: number;
}

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

/**
 * One entry of a play's timeline.
 *
 * @example
 * ```ts
 * import type { SimTimelineEntry } from "@netsession/sim";
 * const e: SimTimelineEntry = { at: 1200, source: "app", event: "stateChanged", detail: "roaming" };
 * ```
 */
export interface SimTimelineEntry {
  /** Virtual milliseconds since the start of the play. */
  readonly at: number;
  /** A session id, `world`, or `expect`. */
  readonly source: string;
  /** The event or action. */
  readonly event: string;
  /** Its argument, if any. */
  readonly detail?: string;
}

/**
 * A failed expectation or step.
 *
 * @example
 * ```ts
 * import type { SimFailure } from "@netsession/sim";
 * const f: SimFailure = { step: 4, at: 2000, message: "app: state: expected connected, got roaming" };
 * ```
 */
export interface SimFailure {
  /** Index of the step in the expanded timeline's source (`steps[i]`). */
  readonly step: number;
  /** Its virtual time. */
  readonly at: number;
  /** Expected against actual. */
  readonly message: string;
}

/**
 * What {@linkcode SimWorld.play} returns.
 *
 * @example
 * ```ts
 * import type { SimPlayResult } from "@netsession/sim";
 * const summary = (r: SimPlayResult) => `${r.passed ? "passed" : "FAILED"}: ${r.steps} steps, ${r.events} events`;
 * ```
 */
export interface SimPlayResult {
  /** No expectation or step failed. */
  readonly passed: boolean;
  /** What failed. */
  readonly failures: readonly SimFailure[];
  /** Every session event and step, in order (bounded by `timelineLimit`). */
  readonly timeline: readonly SimTimelineEntry[];
  /** Steps run (after expanding `repeat`). */
  readonly steps: number;
  /** Session events delivered. */
  readonly events: number;
  /** Virtual milliseconds played. */
  readonly durationMs: number;
  /** Session counters left at the end, per access point (summed over processes). */
  readonly holders: Readonly<Record<string, number>>;
}

/**
 * Options of {@linkcode SimWorld.play}.
 *
 * @example
 * ```ts
 * import type { SimPlayOptions } from "@netsession/sim";
 * const o: SimPlayOptions = { stopOnFailure: true, onEvent: (e) => console.log(e.at, e.source, e.event) };
 * ```
 */
export interface SimPlayOptions {
  /** Called with each timeline entry as it happens. */
  readonly onEvent?: (entry: SimTimelineEntry) => void;
  /** Called after each step with the number done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Stop at the first failure (default: play on). */
  readonly stopOnFailure?: boolean;
  /** Entries kept in `timeline` (default 100,000; later ones are only counted). */
  readonly timelineLimit?: number;
}

// ------------------------------------------------------------------ validation

type Json = unknown;
type Obj = Record<string, Json>;
const MAX_STEPS = 2_000_000;

class Checker {
  constructor(readonly known: Set<string>, readonly aps: Set<string>) {}
  step?: number;
  at?: number;

  fail(path: string, message: string): never {
    throw new ScenarioError(path, message, this.step, this.at);
  }
  obj(v: Json, path: string): Obj {
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      this.fail(path, `expected an object, got ${show(v)}`);
    }
    return v as Obj;
  }
  str(v: Json, path: string, optional = false): string | undefined {
    if (v === undefined && optional) return undefined;
    if (typeof v !== "string" || v === "") this.fail(path, `expected a non-empty string, got ${show(v)}`);
    return v;
  }
  num(v: Json, path: string, lo: number, hi: number, optional = false): number | undefined {
    if (v === undefined && optional) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi) {
      this.fail(path, `expected a number ${lo}..${hi === Infinity ? "" : hi}, got ${show(v)}`);
    }
    return v;
  }
  bool(v: Json, path: string): void {
    if (v !== undefined && typeof v !== "boolean") this.fail(path, `expected true or false, got ${show(v)}`);
  }
  oneOf(v: Json, allowed: readonly string[], path: string, optional = false): void {
    if (v === undefined && optional) return;
    if (typeof v !== "string" || !allowed.includes(v)) {
      this.fail(path, `expected one of ${allowed.join(", ")}, got ${show(v)}`);
    }
  }
  listOf(v: Json, allowed: readonly string[], path: string, optional = false): void {
    if (v === undefined && optional) return;
    if (!Array.isArray(v)) this.fail(path, `expected an array of ${allowed.join(" | ")}, got ${show(v)}`);
    v.forEach((x, i) => this.oneOf(x, allowed, `${path}[${i}]`));
  }
  only(o: Obj, fields: readonly string[], path: string): void {
    for (const k of Object.keys(o)) {
      if (!fields.includes(k)) {
        this.fail(`${path}.${k}`, `unknown field; expected one of ${fields.join(", ")}`);
      }
    }
  }
  knownId(v: Json, path: string, accessPointOnly = false): string {
    const id = this.str(v, path)!;
    const set = accessPointOnly ? this.aps : this.known;
    if (!set.has(id)) {
      this.fail(
        path,
        `unknown ${accessPointOnly ? "access point" : "configuration"} '${id}'; known: ${
          [...set].join(", ") || "none"
        }`,
      );
    }
    return id;
  }
  newId(v: Json, path: string): string {
    const id = this.str(v, path)!;
    if (this.known.has(id)) this.fail(path, `'${id}' already exists; pick another id`);
    return id;
  }
}

/** Runs an option validator and re-words its error as a ScenarioError at `path`. */
function checkOptions<T>(c: Checker, parse: (value: unknown) => T, o: Obj, path: string): T {
  const { at: _at, action: _action, ...options } = o;
  try {
    return parse(options);
  } catch (error) {
    const { field, reason } = error as Partial<FieldError>;
    if (field === undefined || reason === undefined) throw error;
    return c.fail(field === "(root)" ? path : `${path}.${field}`, reason);
  }
}

function checkAccessPoint(c: Checker, o: Obj, path: string): void {
  checkOptions(c, parseAccessPointOptions, o, path);
  const id = c.newId(o.id, `${path}.id`);
  c.known.add(id);
  c.aps.add(id);
}

function checkServiceNetwork(c: Checker, o: Obj, path: string): void {
  const { members } = checkOptions(c, parseServiceNetworkOptions, o, path);
  const id = c.newId(o.id, `${path}.id`);
  if (members.length === 0) {
    c.fail(`${path}.members`, `expected a non-empty array of access point ids, got ${show(o.members)}`);
  }
  members.forEach((m, i) => c.knownId(m, `${path}.members[${i}]`, true));
  c.known.add(id);
}

function checkWorldStep(c: Checker, s: Obj, path: string): void {
  const action = s.action;
  c.oneOf(action, SCENARIO_ACTIONS, `${path}.action`);
  const fields = () =>
    c.only(s, ["at", "action", ...WORLD_STEP_FIELDS[action as typeof SCENARIO_ACTIONS[number]]], path);
  switch (action as typeof SCENARIO_ACTIONS[number]) {
    case "addAccessPoint":
      return checkAccessPoint(c, s, path);
    case "addServiceNetwork":
      return checkServiceNetwork(c, s, path);
    case "addUserChoice":
      fields();
      c.known.add(c.newId(s.id, `${path}.id`));
      return;
    case "removeAccessPoint": {
      fields();
      const id = c.knownId(s.id, `${path}.id`, true);
      c.known.delete(id);
      c.aps.delete(id);
      return;
    }
    case "removeConfiguration": {
      fields();
      const id = c.knownId(s.id, `${path}.id`);
      c.known.delete(id);
      c.aps.delete(id);
      return;
    }
    case "activateExternally":
    case "deactivateExternally":
    case "releaseExternally":
      fields();
      c.knownId(s.id, `${path}.id`, true);
      return;
    case "setDefault":
      fields();
      if (s.id !== undefined) c.knownId(s.id, `${path}.id`);
      return;
    case "setSignal":
      fields();
      c.knownId(s.id, `${path}.id`, true);
      c.num(s.signal, `${path}.signal`, 0, 100);
      return;
    case "setUsagePolicies":
      fields();
      c.listOf(s.policies, USAGE_POLICIES, `${path}.policies`);
      return;
    case "setCapabilities":
      fields();
      c.listOf(s.capabilities, CAPABILITIES, `${path}.capabilities`);
      return;
    case "failNextActivation":
      fields();
      c.knownId(s.id, `${path}.id`, true);
      c.str(s.reason, `${path}.reason`, true);
      return;
    case "traffic":
      fields();
      c.knownId(s.id, `${path}.id`, true);
      c.num(s.rx, `${path}.rx`, 0, Infinity, true);
      c.num(s.tx, `${path}.tx`, 0, Infinity, true);
      return;
  }
}

/** Expectations about one session: they need `"session"`. */
const SESSION_EXPECT_FIELDS = [
  "state",
  "isOpen",
  "activeConfiguration",
  "error",
  "usagePolicies",
  "interfaceAddresses",
  "events",
  "eventsInclude",
];
const EXPECT_FIELDS = ["session", ...SESSION_EXPECT_FIELDS, "configuration", "holders", "up", "totalEvents"];

function checkExpect(c: Checker, e: Obj, path: string, sessions: Set<string>): void {
  c.only(e, EXPECT_FIELDS, path);
  if (e.session !== undefined) {
    const id = c.str(e.session, `${path}.session`)!;
    if (!sessions.has(id)) c.fail(`${path}.session`, `unknown session '${id}'; declare it in "sessions"`);
  } else {
    for (const f of SESSION_EXPECT_FIELDS) {
      if (e[f] !== undefined) c.fail(`${path}.${f}`, `needs "session": which session to check`);
    }
  }
  c.oneOf(e.state, SESSION_STATES, `${path}.state`, true);
  c.bool(e.isOpen, `${path}.isOpen`);
  if (e.activeConfiguration !== undefined && typeof e.activeConfiguration !== "string") {
    c.fail(`${path}.activeConfiguration`, `expected a string, got ${show(e.activeConfiguration)}`);
  }
  if (e.error !== undefined && e.error !== null) c.oneOf(e.error, SESSION_ERRORS, `${path}.error`);
  c.listOf(e.usagePolicies, USAGE_POLICIES, `${path}.usagePolicies`, true);
  for (const f of ["interfaceAddresses", "events", "eventsInclude"]) {
    const v = e[f];
    if (v === undefined) continue;
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
      c.fail(`${path}.${f}`, `expected an array of strings, got ${show(v)}`);
    }
  }
  if (e.configuration !== undefined) {
    const conf = c.obj(e.configuration, `${path}.configuration`);
    c.only(conf, ["id", "state"], `${path}.configuration`);
    c.str(conf.id, `${path}.configuration.id`);
    c.oneOf(conf.state, CONFIGURATION_STATES, `${path}.configuration.state`);
  }
  for (const f of ["holders", "up"]) {
    if (e[f] === undefined) continue;
    const map = c.obj(e[f], `${path}.${f}`);
    for (const [k, v] of Object.entries(map)) {
      if (f === "holders") c.num(v, `${path}.${f}.${k}`, 0, Infinity);
      else c.bool(v, `${path}.${f}.${k}`);
    }
  }
  if (e.totalEvents !== undefined) {
    const t = c.obj(e.totalEvents, `${path}.totalEvents`);
    c.only(t, ["min", "max"], `${path}.totalEvents`);
    c.num(t.min, `${path}.totalEvents.min`, 0, Infinity, true);
    c.num(t.max, `${path}.totalEvents.max`, 0, Infinity, true);
  }
}

/** A step after expansion of `repeat`, with its absolute time and the index of its source step. */
interface Flat {
  readonly at: number;
  readonly source: number;
  readonly step: Obj;
}

function checkStep(
  c: Checker,
  s: Obj,
  path: string,
  sessions: Set<string>,
  inRepeat: boolean,
): void {
  if ("repeat" in s) {
    if (inRepeat) c.fail(`${path}.repeat`, "a repeat cannot contain another repeat");
    c.only(s, ["at", "repeat"], path);
    const r = c.obj(s.repeat, `${path}.repeat`);
    c.only(r, ["every", "times", "steps"], `${path}.repeat`);
    c.num(r.every, `${path}.repeat.every`, 1, Infinity);
    c.num(r.times, `${path}.repeat.times`, 1, MAX_STEPS);
    if (!Array.isArray(r.steps) || r.steps.length === 0) {
      c.fail(`${path}.repeat.steps`, `expected a non-empty array of steps, got ${show(r.steps)}`);
    }
    let last = 0;
    r.steps.forEach((inner, j) => {
      const p = `${path}.repeat.steps[${j}]`;
      const o = c.obj(inner, p);
      c.num(o.at, `${p}.at`, 0, (r.every as number) - 1);
      if ((o.at as number) < last) {
        c.fail(`${p}.at`, `${o.at} is before the previous step's ${last}: keep steps in time order`);
      }
      last = o.at as number;
      checkStep(c, o, p, sessions, true);
    });
    return;
  }
  if ("expect" in s) {
    c.only(s, ["at", "expect"], path);
    checkExpect(c, c.obj(s.expect, `${path}.expect`), `${path}.expect`, sessions);
    return;
  }
  if ("session" in s || "do" in s) {
    c.only(s, ["at", "session", "do"], path);
    const id = c.str(s.session, `${path}.session`)!;
    if (!sessions.has(id)) c.fail(`${path}.session`, `unknown session '${id}'; declare it in "sessions"`);
    c.oneOf(s.do, SESSION_ACTIONS, `${path}.do`);
    return;
  }
  if ("action" in s) return checkWorldStep(c, s, path);
  c.fail(path, 'a step needs one of "action" (world), "session"+"do", "expect" or "repeat"');
}

/**
 * A scenario checked and ready to play: the input with `repeat` expanded into a flat, time-ordered list.
 *
 * @example
 * ```ts
 * import { parseScenario } from "@netsession/sim";
 * const parsed = parseScenario({ steps: [{ at: 0, action: "addAccessPoint", id: "a" }] });
 * console.log(parsed.flat.length); // 1
 * ```
 */
export interface ParsedScenario {
  /** The scenario as given. */
  readonly scenario: SimScenario;
  /** Every step at its absolute time, ordered by time (ties in source order). */
  readonly flat: readonly {
    readonly at: number;
    readonly source: number;
    readonly step: Readonly<Record<string, unknown>>;
  }[];
  /** Where the play ends. */
  readonly end: number;
}

/**
 * Checks a scenario (an object or JSON text) completely, without running
 * anything. `existing` lists identifiers a world already has (access points
 * and other configurations) that steps may refer to.
 *
 * @example
 * ```ts
 * import { parseScenario } from "@netsession/sim";
 * try {
 *   parseScenario({ version: 1, steps: [{ at: 0, action: "addAccessPoint", id: "a", signal: 120 }] });
 * } catch (e) {
 *   console.log((e as Error).message); // "steps[0] (at 0) .signal: expected a number 0..100, got 120"
 * }
 * ```
 */
export function parseScenario(
  input: unknown,
  existing: { accessPoints?: Iterable<string>; configurations?: Iterable<string> } = {},
): ParsedScenario {
  let raw: unknown = input;
  if (typeof input === "string") {
    try {
      raw = JSON.parse(input);
    } catch (error) {
      throw new ScenarioError("(root)", `not valid JSON: ${(error as Error).message}`);
    }
  }
  const aps = new Set(existing.accessPoints ?? []);
  const c: Checker = new Checker(new Set([...aps, ...(existing.configurations ?? [])]), aps);
  const root = c.obj(raw, "(root)");
  c.only(
    root,
    [
      "$schema",
      "version",
      "name",
      "description",
      "seed",
      "world",
      "processes",
      "sessions",
      "steps",
      "duration",
    ],
    "(root)",
  );
  if (root.version !== undefined && root.version !== 1) {
    c.fail("version", `expected 1 (the only format version), got ${show(root.version)}`);
  }
  c.str(root.name, "name", true);
  if (root.description !== undefined && typeof root.description !== "string") {
    c.fail("description", `expected a string, got ${show(root.description)}`);
  }
  if (root.world !== undefined) {
    const w = c.obj(root.world, "world");
    c.only(
      w,
      ["accessPoints", "serviceNetworks", "userChoices", "default", "policies", "capabilities"],
      "world",
    );
    const arr = (v: Json, path: string): Json[] => {
      if (v === undefined) return [];
      if (!Array.isArray(v)) c.fail(path, `expected an array, got ${show(v)}`);
      return v;
    };
    arr(w.accessPoints, "world.accessPoints").forEach((a, i) =>
      checkAccessPoint(c, c.obj(a, `world.accessPoints[${i}]`), `world.accessPoints[${i}]`)
    );
    arr(w.serviceNetworks, "world.serviceNetworks").forEach((a, i) =>
      checkServiceNetwork(c, c.obj(a, `world.serviceNetworks[${i}]`), `world.serviceNetworks[${i}]`)
    );
    arr(w.userChoices, "world.userChoices").forEach((a, i) => {
      const o = c.obj(a, `world.userChoices[${i}]`);
      c.only(o, ["id", "name"], `world.userChoices[${i}]`);
      c.known.add(c.newId(o.id, `world.userChoices[${i}].id`));
    });
    if (w.default !== undefined) c.knownId(w.default, "world.default");
    c.listOf(w.policies, USAGE_POLICIES, "world.policies", true);
    c.listOf(w.capabilities, CAPABILITIES, "world.capabilities", true);
  }
  const processes = new Set<string>();
  if (root.processes !== undefined) {
    if (!Array.isArray(root.processes) || root.processes.length === 0) {
      c.fail("processes", `expected a non-empty array of { "id" }, got ${show(root.processes)}`);
    }
    root.processes.forEach((p, i) => {
      const o = c.obj(p, `processes[${i}]`);
      c.only(o, ["id", "forcedRoaming"], `processes[${i}]`);
      const id = c.str(o.id, `processes[${i}].id`)!;
      if (processes.has(id)) c.fail(`processes[${i}].id`, `duplicate process '${id}'`);
      processes.add(id);
      c.oneOf(o.forcedRoaming, ["on-loss", "on-loss-or-better"], `processes[${i}].forcedRoaming`, true);
    });
  }
  const sessions = new Set<string>();
  if (root.sessions !== undefined) {
    if (!Array.isArray(root.sessions)) c.fail("sessions", `expected an array, got ${show(root.sessions)}`);
    root.sessions.forEach((s, i) => {
      const p = `sessions[${i}]`;
      const o = c.obj(s, p);
      c.only(o, ["id", "configuration", "process", "alr", "auto", "properties"], p);
      const id = c.str(o.id, `${p}.id`)!;
      if (sessions.has(id)) c.fail(`${p}.id`, `duplicate session '${id}'`);
      sessions.add(id);
      c.str(o.configuration, `${p}.configuration`); // may name a configuration added later, or an invalid one
      if (o.process !== undefined) {
        const proc = c.str(o.process, `${p}.process`)!;
        if (!processes.has(proc)) {
          c.fail(`${p}.process`, `unknown process '${proc}'; declare it in "processes"`);
        }
      }
      c.bool(o.alr, `${p}.alr`);
      if (o.auto !== undefined) {
        const a = c.obj(o.auto, `${p}.auto`);
        c.only(a, ["preferred", "activated"], `${p}.auto`);
        c.oneOf(a.preferred, ["migrate", "ignore"], `${p}.auto.preferred`, true);
        c.oneOf(a.activated, ["accept", "reject"], `${p}.auto.activated`, true);
        if (a.preferred !== undefined && o.alr !== true) {
          c.fail(`${p}.auto.preferred`, 'answers offers, which only ALR sessions get: set "alr": true');
        }
      }
      if (o.properties !== undefined) c.obj(o.properties, `${p}.properties`);
    });
  }
  if (!Array.isArray(root.steps)) c.fail("steps", `expected an array of steps, got ${show(root.steps)}`);
  const flat: Flat[] = [];
  let last = 0;
  root.steps.forEach((s, i) => {
    c.step = undefined;
    const o = c.obj(s, `steps[${i}]`);
    c.step = i;
    c.at = typeof o.at === "number" ? o.at : undefined;
    c.num(o.at, `steps[${i}].at`, 0, Infinity);
    if ((o.at as number) < last) {
      c.fail(`steps[${i}].at`, `${o.at} is before the previous step's ${last}: keep steps in time order`);
    }
    last = o.at as number;
    checkStep(c, o, `steps[${i}]`, sessions, false);
    if ("repeat" in o) {
      const r = o.repeat as { every: number; times: number; steps: Obj[] };
      if (flat.length + r.times * r.steps.length > MAX_STEPS) {
        c.fail(`steps[${i}].repeat.times`, `expands past ${MAX_STEPS} steps; make the scenario shorter`);
      }
      for (let k = 0; k < r.times; k++) {
        for (const inner of r.steps) {
          flat.push({ at: (o.at as number) + k * r.every + (inner.at as number), source: i, step: inner });
        }
      }
    } else {
      flat.push({ at: o.at as number, source: i, step: o });
    }
  });
  c.step = undefined;
  const lastAt = flat.reduce((m, f) => Math.max(m, f.at), 0);
  if (root.duration !== undefined) c.num(root.duration, "duration", lastAt, Infinity);
  flat.sort((a, b) => a.at - b.at || a.source - b.source);
  return {
    scenario: root as unknown as SimScenario,
    flat,
    end: (root.duration as number | undefined) ?? lastAt,
  };
}

// ------------------------------------------------------------------ playing

/**
 * Applies one world change to `world` now, as a scenario step does: the
 * {@linkcode SimWorld} method named by `step.action` with the step's other
 * fields (`at` is ignored). Throws what that method throws (errors with a
 * {@linkcode SimErrorCode}: `not-found`, `conflict`, `invalid`), and a
 * `SimError` with code `invalid` for an unknown action or a field the action
 * does not take. Synchronous: the world reports the change to its drivers
 * before it returns.
 *
 * @example
 * ```ts
 * import { applyWorldStep, SimWorld } from "@netsession/sim";
 * const world = new SimWorld();
 * applyWorldStep(world, { action: "addAccessPoint", id: "wlan" });
 * applyWorldStep(world, { action: "setSignal", id: "wlan", signal: 0 });
 * console.log(world.accessPoint("wlan").state); // "defined"
 * ```
 *
 * @param world the world to change
 * @param step the change, typically parsed JSON
 */
export function applyWorldStep(world: SimWorld, step: SimWorldStep): void {
  if (step === null || typeof step !== "object" || Array.isArray(step)) {
    throw new SimError("invalid", `a world step must be an object such as { "action": "setSignal", ... }`);
  }
  const { at: _at, action, ...args } = step as Obj;
  if (typeof action !== "string" || !(SCENARIO_ACTIONS as readonly string[]).includes(action)) {
    throw new SimError(
      "invalid",
      `action must be one of ${SCENARIO_ACTIONS.join(", ")}, got ${show(action)}`,
    );
  }
  const known = WORLD_STEP_FIELDS[action as typeof SCENARIO_ACTIONS[number]];
  const extra = Object.keys(args).find((k) => !known.includes(k));
  if (extra !== undefined) {
    throw new SimError(
      "invalid",
      `'${extra}' is not a field of action ${action}; its fields are ${known.join(", ")}`,
    );
  }
  // The world methods check their arguments themselves.
  // deno-lint-ignore no-explicit-any
  const a = args as any;
  switch (action as typeof SCENARIO_ACTIONS[number]) {
    case "addAccessPoint":
      world.addAccessPoint(a);
      return;
    case "addServiceNetwork":
      world.addServiceNetwork(a);
      return;
    case "addUserChoice":
      world.addUserChoice(a);
      return;
    case "removeAccessPoint":
      return world.removeAccessPoint(a.id);
    case "removeConfiguration":
      return world.removeConfiguration(a.id);
    case "activateExternally":
      return world.activateExternally(a.id);
    case "deactivateExternally":
      return world.deactivateExternally(a.id);
    case "releaseExternally":
      return world.releaseExternally(a.id);
    case "setDefault":
      return world.setDefault(a.id);
    case "setSignal":
      return world.setSignal(a.id, a.signal);
    case "setUsagePolicies":
      return world.setUsagePolicies(a.policies);
    case "setCapabilities":
      return world.setCapabilities(a.capabilities);
    case "failNextActivation":
      return world.failNextActivation(a.id, a.reason);
    case "traffic":
      return world.traffic(a.id, { rx: a.rx, tx: a.tx });
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Plays a scenario on `world`. Use {@linkcode SimWorld.play}.
 *
 * @internal
 */
export async function playScenario(
  world: SimWorld,
  input: SimScenario | string,
  options: SimPlayOptions = {},
): Promise<SimPlayResult> {
  const configurations = world.configurations().map((c) => c.identifier);
  const accessPoints = world.configurations().filter((c) => c.type === "internet-access-point").map((c) =>
    c.identifier
  );
  const { scenario, flat, end } = parseScenario(input, { accessPoints, configurations });
  const limit = options.timelineLimit ?? 100_000;
  const timeline: SimTimelineEntry[] = [];
  const failures: SimFailure[] = [];
  const start = world.clock.now();
  let events = 0;
  const record = (source: string, event: string, detail?: string) => {
    const entry: SimTimelineEntry = { at: world.clock.now() - start, source, event, detail };
    if (timeline.length < limit) timeline.push(entry);
    options.onEvent?.(entry);
  };

  // The world.
  const w = scenario.world ?? {};
  if (w.capabilities) world.setCapabilities(w.capabilities);
  for (const ap of w.accessPoints ?? []) world.addAccessPoint(ap);
  for (const sn of w.serviceNetworks ?? []) world.addServiceNetwork(sn);
  for (const uc of w.userChoices ?? []) world.addUserChoice(uc);
  if (w.default !== undefined) world.setDefault(w.default);
  if (w.policies) world.setUsagePolicies(w.policies);

  // The processes and their sessions.
  const processes = new Map<string, NetworkConfigurationManager>();
  const drivers: SimDriver[] = [];
  for (const p of scenario.processes ?? [{ id: "main" }]) {
    const driver = new SimDriver(world);
    drivers.push(driver);
    processes.set(
      p.id,
      await NetworkConfigurationManager.create(driver, {
        clock: world.clock,
        forcedRoaming: "forcedRoaming" in p ? p.forcedRoaming : undefined,
        onListenerError: (error, event) => record("scenario", "listener-error", `${event}: ${error}`),
      }),
    );
  }
  const firstManager = processes.values().next().value!;
  const sessions = new Map<string, NetworkSession>();
  const pending = new Map<string, string[]>();
  for (const def of scenario.sessions ?? []) {
    const manager = processes.get(def.process ?? [...processes.keys()][0])!;
    const session = manager.createSession(manager.configurationFromIdentifier(def.configuration));
    for (const [k, v] of Object.entries(def.properties ?? {})) session.setSessionProperty(k, v);
    const log: string[] = [];
    pending.set(def.id, log);
    const note = (event: string, detail?: string) => {
      events++;
      log.push(detail === undefined ? event : `${event}:${detail}`);
      record(def.id, event, detail);
    };
    session.on("stateChanged", (s) => note("stateChanged", s));
    session.on("opened", () => note("opened"));
    session.on("closed", () => note("closed"));
    session.on("error", (e) => note("error", e));
    session.on("usagePoliciesChanged", (p) => note("usagePoliciesChanged", p.join(",") || "none"));
    session.on("newConfigurationActivated", () => {
      note("newConfigurationActivated");
      if (def.auto?.activated) session[def.auto.activated]();
    });
    if (def.alr) {
      session.on("preferredConfigurationChanged", ({ configuration, isSeamless }) => {
        note("preferredConfigurationChanged", configuration.identifier + (isSeamless ? ":seamless" : ""));
        if (def.auto?.preferred) session[def.auto.preferred]();
      });
    }
    sessions.set(def.id, session);
  }

  const holders = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const m of processes.values()) {
      for (const [id, n] of m.holdCounts()) out[id] = (out[id] ?? 0) + n;
    }
    return out;
  };

  const check = (e: SimExpectation, fail: (message: string) => void) => {
    const s = e.session === undefined ? undefined : sessions.get(e.session)!;
    const who = e.session ?? "world";
    const cmp = (field: string, expected: unknown, actual: unknown) => {
      if (expected !== undefined && !same(expected, actual)) {
        fail(`${who}: ${field}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
      }
    };
    if (s) {
      cmp("state", e.state, s.state);
      cmp("isOpen", e.isOpen, s.isOpen);
      cmp("activeConfiguration", e.activeConfiguration, s.sessionProperty("ActiveConfiguration"));
      cmp("error", e.error, s.error ?? null);
      cmp("usagePolicies", e.usagePolicies, s.usagePolicies);
      cmp("interfaceAddresses", e.interfaceAddresses, s.interface?.addresses ?? []);
      const log = pending.get(e.session!)!;
      if (e.events !== undefined || e.eventsInclude !== undefined) {
        cmp("events", e.events, log);
        if (e.eventsInclude) {
          let k = 0;
          for (const ev of log) if (ev === e.eventsInclude[k]) k++;
          if (k < e.eventsInclude.length) {
            fail(
              `${who}: eventsInclude: '${e.eventsInclude[k]}' not found in order among ${
                JSON.stringify(log)
              }`,
            );
          }
        }
        log.length = 0;
      }
    }
    if (e.configuration) {
      cmp(
        `configuration ${e.configuration.id}`,
        e.configuration.state,
        firstManager.configurationFromIdentifier(e.configuration.id).state,
      );
    }
    if (e.holders) {
      const h = holders();
      for (const [id, n] of Object.entries(e.holders)) cmp(`holders of ${id}`, n, h[id] ?? 0);
    }
    if (e.up) {
      for (const [id, up] of Object.entries(e.up)) cmp(`${id} up`, up, world.has(id) && world.isUp(id));
    }
    if (e.totalEvents) {
      if (e.totalEvents.min !== undefined && events < e.totalEvents.min) {
        fail(`totalEvents: expected at least ${e.totalEvents.min}, got ${events}`);
      }
      if (e.totalEvents.max !== undefined && events > e.totalEvents.max) {
        fail(`totalEvents: expected at most ${e.totalEvents.max}, got ${events}`);
      }
    }
  };

  let done = 0;
  for (const f of flat) {
    const wait = start + f.at - world.clock.now();
    if (wait > 0) await world.advance(wait);
    const fail = (message: string) => {
      failures.push({ step: f.source, at: f.at, message });
      record("expect", "failed", message);
    };
    const s = f.step;
    try {
      if ("expect" in s) {
        check(s.expect as SimExpectation, fail);
      } else if ("do" in s) {
        record(String(s.session), String(s.do));
        const session = sessions.get(String(s.session))!;
        const action = s.do as typeof SESSION_ACTIONS[number];
        if (action === "open") session.open();
        else session[action]();
      } else {
        record("world", String(s.action), "id" in s ? String(s.id) : undefined);
        applyWorldStep(world, s as unknown as SimWorldStep);
      }
    } catch (error) {
      fail(`step failed: ${(error as Error).message ?? error}`);
    }
    done++;
    options.onProgress?.(done, flat.length);
    if (options.stopOnFailure && failures.length > 0) break;
  }
  if (!(options.stopOnFailure && failures.length > 0)) {
    const rest = start + end - world.clock.now();
    await world.advance(rest > 0 ? rest : 0);
  }
  const left = holders();
  for (const s of sessions.values()) s[Symbol.dispose]();
  for (const m of processes.values()) await m.close();
  return {
    passed: failures.length === 0,
    failures,
    timeline,
    steps: done,
    events,
    durationMs: world.clock.now() - start,
    holders: left,
  };
}
