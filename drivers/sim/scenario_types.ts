/**
 * The types of JSON scenarios (format version 1): a simulated world, the
 * sessions of one or more application "processes", and a timeline of world
 * changes, session actions and expectations. The JSON Schema is
 * `scenario.schema.json` beside this file; {@linkcode parseScenario} reads a
 * scenario, {@linkcode SimWorld.play} plays one.
 *
 * @module
 */

import type {
  Capability,
  ConfigurationState,
  NetworkNeed,
  Reachability,
  SessionError,
  SessionState,
  UsagePolicy,
} from "@netsession/core";
import { ACCESS_POINT_OPTION_FIELDS, type SimAccessPointOptions } from "./access_point_options.ts";
import { SERVICE_NETWORK_OPTION_FIELDS, type SimServiceNetworkOptions } from "./service_network_options.ts";
import type { SimUserChoiceOptions } from "./world_types.ts";

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
 *   { action: "setReachability", id: "wlan", reachability: "local", captivePortal: true },
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
    | {
      readonly action: "setReachability";
      readonly id: string;
      readonly reachability: Reachability;
      readonly captivePortal?: boolean;
    }
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
  "setReachability",
  "setUsagePolicies",
  "setCapabilities",
  "failNextActivation",
  "traffic",
  "activateExternally",
  "deactivateExternally",
  "releaseExternally",
] as const;

/** The fields of each world action besides `at` and `action` (for the reader and applyWorldStep; not re-exported by `mod.ts`). */
export const WORLD_STEP_FIELDS: Readonly<Record<typeof SCENARIO_ACTIONS[number], readonly string[]>> = {
  addAccessPoint: ACCESS_POINT_OPTION_FIELDS,
  addServiceNetwork: SERVICE_NETWORK_OPTION_FIELDS,
  addUserChoice: ["id", "name"],
  removeAccessPoint: ["id"],
  removeConfiguration: ["id"],
  setDefault: ["id"],
  setSignal: ["id", "signal"],
  setReachability: ["id", "reachability", "captivePortal"],
  setUsagePolicies: ["policies"],
  setCapabilities: ["capabilities"],
  failNextActivation: ["id", "reason"],
  traffic: ["id", "rx", "tx"],
  activateExternally: ["id"],
  deactivateExternally: ["id"],
  releaseExternally: ["id"],
};

/**
 * The scenario actions that act on a process's manager rather than on the
 * world (so {@linkcode applyWorldStep} does not take them): `setDataBudget`
 * calls `manager.setDataBudget()`.
 *
 * @example
 * ```ts
 * import { SCENARIO_PROCESS_ACTIONS } from "@netsession/sim";
 * console.log(SCENARIO_PROCESS_ACTIONS); // ["setDataBudget"]
 * ```
 */
export const SCENARIO_PROCESS_ACTIONS = ["setDataBudget"] as const;

/**
 * A step that sets (or, with `bytes: null`, removes) the data budget of an
 * access point in one process's manager (`manager.setDataBudget(id, { bytes, warnAt })`).
 *
 * @example
 * ```ts
 * import type { SimProcessStep } from "@netsession/sim";
 * const budget: SimProcessStep = { at: 0, action: "setDataBudget", id: "lte", bytes: 1_000_000, warnAt: 0.9 };
 * const none: SimProcessStep = { at: 9000, action: "setDataBudget", id: "lte", bytes: null };
 * ```
 */
export interface SimProcessStep {
  /** Milliseconds after the start. */
  readonly at: number;
  /** What to do. */
  readonly action: typeof SCENARIO_PROCESS_ACTIONS[number];
  /** The process whose manager it calls (default: the first). */
  readonly process?: string;
  /** The access point. */
  readonly id: string;
  /** The budget in bytes (positive), or `null` to remove it. */
  readonly bytes: number | null;
  /** The share of `bytes` at which the warning comes, 0..1 (default 0.8). */
  readonly warnAt?: number;
}

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
 * const portal: SimExpectation = { session: "app", reachability: "local", behindCaptivePortal: true };
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
  /** How far its link reaches (`session.reachability`; `"disconnected"` without a link). */
  readonly reachability?: Reachability;
  /** Whether its link is behind a captive portal (`session.behindCaptivePortal`). */
  readonly behindCaptivePortal?: boolean;
  /**
   * Exactly the session's events since the previous `expect` that checked events on it:
   * `stateChanged:<state>`, `opened`, `closed`, `error:<error>`,
   * `newConfigurationActivated:<reachability>` (`,captive-portal` appended behind one),
   * `preferredConfigurationChanged:<id>` (`:seamless` appended when seamless),
   * `usagePoliciesChanged:<p,…>` (`none` when empty), `losing:<msToLive>`,
   * `dataBudget:<used>/<bytes>` (`:exhausted` appended once used up). An expected event given without its detail
   * (`newConfigurationActivated`) matches that event with any detail.
   */
  readonly events?: readonly string[];
  /** Events that must be among those since the previous events check (in this order, others may come between). */
  readonly eventsInclude?: readonly string[];
  /** The session's `bytesReceivedSinceOpen` (bytes received on its own links since it opened). */
  readonly bytesReceivedSinceOpen?: number;
  /**
   * The data budget of each access point listed, as the manager of the session's process (without
   * `session`: the first process) sees it (`configuration.dataBudget`); only the fields given are checked,
   * `null`: no budget.
   */
  readonly dataBudget?: Readonly<
    Record<string, { readonly bytes?: number; readonly used?: number; readonly warnAt?: number } | null>
  >;
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
    readonly steps: readonly (SimScenarioStep | SimProcessStep | SimSessionStep | SimExpectStep)[];
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
export type SimStep = SimScenarioStep | SimProcessStep | SimSessionStep | SimExpectStep | SimRepeatStep;

/**
 * A session of a scenario.
 *
 * @example
 * ```ts
 * import type { SimScenarioSession } from "@netsession/sim";
 * const s: SimScenarioSession = { id: "app", configuration: "any", alr: true, auto: { preferred: "migrate", activated: "accept" } };
 * const byNeed: SimScenarioSession = { id: "sync", need: { notMetered: true, reachability: "online" } };
 * ```
 */
export interface SimScenarioSession {
  /** The id steps use. */
  readonly id: string;
  /** The configuration identifier it is created on (exactly one of `configuration` and `need`). */
  readonly configuration?: string;
  /** What it needs: it is created on `manager.configurationFor(need)` (exactly one of `configuration` and `need`). */
  readonly need?: NetworkNeed;
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
    /** The manager's `lingerMs`: a link stays up this long after its last session closed (default 0). */
    readonly lingerMs?: number;
  }[];
  /** The sessions steps refer to. */
  readonly sessions?: readonly SimScenarioSession[];
  /** The timeline. */
  readonly steps: readonly SimStep[];
  /** Milliseconds after the start at which the play ends (default: the last step's `at`). */
  readonly duration?: number;
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
