/**
 * Reading scenarios: {@linkcode parseScenario} checks a scenario completely
 * before anything runs (ids that exist at that point of the timeline, declared
 * sessions, time order) and expands `repeat`; a malformed one is rejected with
 * a {@linkcode ScenarioError} naming the step, the field and what is expected.
 *
 * @module
 */

import {
  CAPABILITIES,
  CONFIGURATION_STATES,
  REACHABILITIES,
  SESSION_ERRORS,
  SESSION_STATES,
  USAGE_POLICIES,
} from "@netsession/core";
import { type FieldError, show } from "./_checks.ts";
import { type RepeatRun, type TimedStep, Timeline } from "./_scenario_timeline.ts";
import { parseAccessPointOptions, SIM_REACHABILITIES } from "./access_point_options.ts";
import {
  Checker,
  checkNeed,
  checkProcessStep,
  type Json,
  MAX_STEPS,
  type Obj,
  scenarioError,
  syntaxError,
  TooMany,
} from "./_scenario_checker.ts";
import { ScenarioError } from "./scenario_error.ts";
import { parseServiceNetworkOptions } from "./service_network_options.ts";
import {
  SCENARIO_ACTIONS,
  SCENARIO_PROCESS_ACTIONS,
  SESSION_ACTIONS,
  type SimScenario,
  WORLD_STEP_FIELDS,
} from "./scenario_types.ts";

const STEP_ACTIONS: readonly string[] = [...SCENARIO_ACTIONS, ...SCENARIO_PROCESS_ACTIONS];

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
  const id = c.guard(() => c.newId(o.id, `${path}.id`));
  if (id !== undefined) {
    c.known.add(id);
    c.aps.add(id);
  }
  checkOptions(c, parseAccessPointOptions, o, path);
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
  c.oneOf(action, STEP_ACTIONS, `${path}.action`);
  if ((SCENARIO_PROCESS_ACTIONS as readonly string[]).includes(action as string)) {
    return checkProcessStep(c, s, path);
  }
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
    case "setReachability":
      fields();
      c.knownId(s.id, `${path}.id`, true);
      c.oneOf(s.reachability, SIM_REACHABILITIES, `${path}.reachability`);
      c.bool(s.captivePortal, `${path}.captivePortal`);
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
  "reachability",
  "behindCaptivePortal",
  "events",
  "eventsInclude",
  "bytesReceivedSinceOpen",
];
const EXPECT_FIELDS = [
  "session",
  ...SESSION_EXPECT_FIELDS,
  "configuration",
  "holders",
  "up",
  "dataBudget",
  "totalEvents",
];

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
  c.oneOf(e.reachability, REACHABILITIES, `${path}.reachability`, true);
  c.bool(e.behindCaptivePortal, `${path}.behindCaptivePortal`);
  c.num(e.bytesReceivedSinceOpen, `${path}.bytesReceivedSinceOpen`, 0, Infinity, true);
  if (e.dataBudget !== undefined) {
    for (const [k, v] of Object.entries(c.obj(e.dataBudget, `${path}.dataBudget`))) {
      const p = `${path}.dataBudget.${k}`;
      c.knownId(k, p, true);
      if (v === null) continue;
      const b = c.obj(v, p);
      c.only(b, ["bytes", "used", "warnAt"], p);
      c.num(b.bytes, `${p}.bytes`, 0, Infinity, true);
      c.num(b.used, `${p}.used`, 0, Infinity, true);
      c.num(b.warnAt, `${p}.warnAt`, 0, 1, true);
    }
  }
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
 * A scenario checked and ready to play: the input, and (when asked for) `repeat` expanded into a flat,
 * time-ordered list. A play does not make that list: it takes the steps in the same order as it reaches them.
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
  /** Every step at its absolute time, ordered by time (ties in source order); made on first access. */
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
 *   console.log((e as Error).message); // "steps[0] (at 0) .signal: expected a number from 0 (out of range) to 100, got 120"
 * }
 * ```
 */
export function parseScenario(
  input: unknown,
  existing: { accessPoints?: Iterable<string>; configurations?: Iterable<string> } = {},
): ParsedScenario {
  return parseForPlay(input, existing).parsed;
}

/**
 * {@linkcode parseScenario}, with the timeline a play goes through (the steps made as it reaches them). Not
 * re-exported by `mod.ts`.
 */
export function parseForPlay(
  input: unknown,
  existing: { accessPoints?: Iterable<string>; configurations?: Iterable<string> } = {},
): Checked {
  let raw: unknown = input;
  const text = typeof input === "string" ? input : undefined;
  if (text !== undefined) {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw syntaxError(text, error as Error);
    }
  }
  const aps = new Set(existing.accessPoints ?? []);
  const c: Checker = new Checker(new Set([...aps, ...(existing.configurations ?? [])]), aps);
  for (const id of c.known) c.ever.add(id);
  let checked: Checked | undefined;
  try {
    checked = check(c, raw);
  } catch (error) {
    if (!(error instanceof ScenarioError) && !(error instanceof TooMany)) throw error;
  }
  if (c.issues.length === 0 && checked) return checked;
  throw scenarioError(c.issues, text);
}

/** A checked scenario and its timeline. */
interface Checked {
  readonly parsed: ParsedScenario;
  readonly timeline: Timeline;
}

/** Checks everything, each part on its own: every problem is recorded in `c`. */
function check(c: Checker, raw: Json): Checked {
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
    c.note("version", `expected 1 (the only format version), got ${show(root.version)}`);
  }
  c.guard(() => c.str(root.name, "name", true));
  if (root.description !== undefined && typeof root.description !== "string") {
    c.note("description", `expected a string, got ${show(root.description)}`);
  }
  if (root.world !== undefined) c.guard(() => checkWorld(c, root.world));
  const processes = c.guard(() => checkProcesses(c, root.processes)) ?? new Set<string>();
  const sessions = checkSessions(c, root.sessions, processes);
  if (!Array.isArray(root.steps)) c.fail("steps", `expected an array of steps, got ${show(root.steps)}`);
  const plain: TimedStep[] = [];
  const repeats: RepeatRun[] = [];
  let count = 0;
  let last = 0;
  root.steps.forEach((s, i) => {
    c.step = undefined;
    c.at = undefined;
    c.guard(() => {
      const o = c.obj(s, `steps[${i}]`);
      c.step = i;
      c.at = typeof o.at === "number" ? o.at : undefined;
      c.num(o.at, `steps[${i}].at`, 0, Infinity);
      if ((o.at as number) < last) {
        c.note(`steps[${i}].at`, `${o.at} is before the previous step's ${last}: keep steps in time order`);
      }
      last = Math.max(last, o.at as number);
      checkStep(c, o, `steps[${i}]`, sessions.ids, false);
      if ("repeat" in o) {
        const r = o.repeat as { every: number; times: number; steps: Obj[] };
        if (count + r.times * r.steps.length > MAX_STEPS) {
          c.fail(`steps[${i}].repeat.times`, `expands past ${MAX_STEPS} steps; make the scenario shorter`);
        }
        count += r.times * r.steps.length;
        repeats.push({ source: i, at: o.at as number, every: r.every, times: r.times, steps: r.steps });
      } else {
        count++;
        plain.push({ at: o.at as number, source: i, step: o });
      }
    });
  });
  c.step = undefined;
  c.at = undefined;
  for (const [p, id] of sessions.configurations) {
    if (!c.ever.has(id)) {
      c.note(
        p,
        `unknown configuration '${id}'; known: ${
          [...c.ever].join(", ") || "none"
        } (the world's, and those its steps add)`,
      );
    }
  }
  const timeline = new Timeline(plain, repeats);
  const lastAt = timeline.lastAt;
  if (root.duration !== undefined) c.guard(() => c.num(root.duration, "duration", lastAt, Infinity));
  let flat: TimedStep[] | undefined;
  const parsed: ParsedScenario = {
    scenario: root as unknown as SimScenario,
    get flat() {
      return flat ??= [...timeline]; // made when asked: a play goes through the timeline itself
    },
    end: (root.duration as number | undefined) ?? lastAt,
  };
  return { parsed, timeline };
}

function checkWorld(c: Checker, world: Json): void {
  const w = c.obj(world, "world");
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
    c.guard(() => checkAccessPoint(c, c.obj(a, `world.accessPoints[${i}]`), `world.accessPoints[${i}]`))
  );
  arr(w.serviceNetworks, "world.serviceNetworks").forEach((a, i) =>
    c.guard(() =>
      checkServiceNetwork(c, c.obj(a, `world.serviceNetworks[${i}]`), `world.serviceNetworks[${i}]`)
    )
  );
  arr(w.userChoices, "world.userChoices").forEach((a, i) =>
    c.guard(() => {
      const o = c.obj(a, `world.userChoices[${i}]`);
      c.only(o, ["id", "name"], `world.userChoices[${i}]`);
      c.known.add(c.newId(o.id, `world.userChoices[${i}].id`));
    })
  );
  if (w.default !== undefined) c.guard(() => c.knownId(w.default, "world.default"));
  c.guard(() => c.listOf(w.policies, USAGE_POLICIES, "world.policies", true));
  c.guard(() => c.listOf(w.capabilities, CAPABILITIES, "world.capabilities", true));
}

function checkProcesses(c: Checker, list: Json): Set<string> {
  const processes = new Set<string>();
  if (list !== undefined) {
    if (!Array.isArray(list) || list.length === 0) {
      c.fail("processes", `expected a non-empty array of { "id" }, got ${show(list)}`);
    }
    list.forEach((p, i) => {
      const o = c.obj(p, `processes[${i}]`);
      c.only(o, ["id", "forcedRoaming", "lingerMs"], `processes[${i}]`);
      const id = c.str(o.id, `processes[${i}].id`)!;
      if (processes.has(id)) c.fail(`processes[${i}].id`, `duplicate process '${id}'`);
      processes.add(id);
      c.oneOf(o.forcedRoaming, ["on-loss", "on-loss-or-better"], `processes[${i}].forcedRoaming`, true);
      c.ms(o.lingerMs, `processes[${i}].lingerMs`);
    });
  }
  c.processes = processes;
  return processes;
}

function checkSessions(
  c: Checker,
  list: Json,
  processes: Set<string>,
): { ids: Set<string>; configurations: [string, string][] } {
  const sessions = new Set<string>();
  const configurations: [string, string][] = [];
  if (list !== undefined && !Array.isArray(list)) c.note("sessions", `expected an array, got ${show(list)}`);
  else if (list !== undefined) {
    list.forEach((s, i) =>
      c.guard(() => {
        const p = `sessions[${i}]`;
        const o = c.obj(s, p);
        c.only(o, ["id", "configuration", "need", "process", "alr", "auto", "properties"], p);
        const id = c.str(o.id, `${p}.id`)!;
        if (sessions.has(id)) c.fail(`${p}.id`, `duplicate session '${id}'`);
        sessions.add(id);
        if ((o.configuration === undefined) === (o.need === undefined)) {
          c.fail(p, 'expected exactly one of "configuration" (an identifier) and "need" (what it needs)');
        }
        if (o.need !== undefined) checkNeed(c, o.need, `${p}.need`);
        else if (o.configuration !== undefined) {
          configurations.push([`${p}.configuration`, c.str(o.configuration, `${p}.configuration`)!]);
        } // may name a configuration added later
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
      })
    );
  }
  return { ids: sessions, configurations };
}
