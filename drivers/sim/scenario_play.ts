/**
 * Playing scenarios: {@linkcode applyWorldStep} applies one world change (the
 * daemon uses it too), `playScenario` (behind {@linkcode SimWorld.play}) builds
 * a scenario's world, processes and sessions, runs its timeline on the virtual
 * clock and checks its expectations.
 *
 * @module
 */

import { NetworkConfigurationManager, type NetworkSession, type ReachabilityChange } from "@netsession/core";
import { show } from "./_checks.ts";
import { SimDriver } from "./driver.ts";
import { SimError } from "./errors.ts";
import { parseForPlay } from "./scenario_parse.ts";
import {
  SCENARIO_ACTIONS,
  type SESSION_ACTIONS,
  type SimExpectation,
  type SimFailure,
  type SimPlayOptions,
  type SimPlayResult,
  type SimProcessStep,
  type SimScenario,
  type SimScenarioSession,
  type SimTimelineEntry,
  type SimWorldStep,
  WORLD_STEP_FIELDS,
} from "./scenario_types.ts";
import type { SimWorld } from "./world.ts";

type Obj = Record<string, unknown>;

/** {@linkcode VirtualClock}'s advance without real macrotasks (a symbol method, not part of its API). */
const ADVANCE_IN_TURNS = Symbol.for("netsession.sim.advanceInTurns");

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
  applyCheckedWorldStep(world, step);
}

/** A step's fields without its `at` and `action`: the options of an add. */
// deno-lint-ignore no-explicit-any
function options(step: Obj): any {
  const { at: _at, action: _action, ...rest } = step;
  return rest;
}

/** Applies a world step whose action and fields are known to be right (parsed); the world methods check the values. */
function applyCheckedWorldStep(world: SimWorld, step: SimWorldStep): void {
  // deno-lint-ignore no-explicit-any
  const a = step as any;
  switch (a.action as typeof SCENARIO_ACTIONS[number]) {
    case "addAccessPoint":
      world.addAccessPoint(options(a));
      return;
    case "addServiceNetwork":
      world.addServiceNetwork(options(a));
      return;
    case "addUserChoice":
      world.addUserChoice(options(a));
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
    case "setReachability":
      return world.setReachability(a.id, a.reachability, { captivePortal: a.captivePortal });
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

/** The detail of a `newConfigurationActivated` entry: `online`, `local,captive-portal`, … */
function reachDetail(link: ReachabilityChange): string {
  return link.reachability + (link.behindCaptivePortal ? ",captive-portal" : "");
}

/** Whether a logged event is the expected one; an expected event without its detail matches any detail. */
function eventMatches(expected: string, actual: string): boolean {
  return actual === expected || (!expected.includes(":") && actual.startsWith(`${expected}:`));
}

/** The state of one play: the world, the processes' managers, the sessions and what was recorded. */
interface Play {
  readonly world: SimWorld;
  readonly options: SimPlayOptions;
  readonly start: number;
  readonly timeline: SimTimelineEntry[];
  readonly failures: SimFailure[];
  readonly processes: Map<string, NetworkConfigurationManager>;
  readonly sessions: Map<string, NetworkSession>;
  /** The manager (process) of each session. */
  readonly managerOf: Map<string, NetworkConfigurationManager>;
  /** Each session's events since its last events check (only for sessions whose events are checked). */
  readonly pending: Map<string, string[]>;
  /** The sessions some expectation checks the events of: only they keep an event log. */
  readonly logged: ReadonlySet<string>;
  /** Session events delivered so far. */
  events: number;
}

function record(play: Play, source: string, event: string, detail?: string): void {
  const keep = play.timeline.length < (play.options.timelineLimit ?? 100_000);
  if (!keep && play.options.onEvent === undefined) return;
  const entry: SimTimelineEntry = { at: play.world.clock.now() - play.start, source, event, detail };
  if (keep) play.timeline.push(entry);
  play.options.onEvent?.(entry);
}

function buildWorld(world: SimWorld, w: NonNullable<SimScenario["world"]>): void {
  if (w.capabilities) world.setCapabilities(w.capabilities);
  for (const ap of w.accessPoints ?? []) world.addAccessPoint(ap);
  for (const sn of w.serviceNetworks ?? []) world.addServiceNetwork(sn);
  for (const uc of w.userChoices ?? []) world.addUserChoice(uc);
  if (w.default !== undefined) world.setDefault(w.default);
  if (w.policies) world.setUsagePolicies(w.policies);
}

async function startProcesses(play: Play, scenario: SimScenario): Promise<void> {
  for (const p of scenario.processes ?? [{ id: "main" }]) {
    play.processes.set(
      p.id,
      await NetworkConfigurationManager.create(new SimDriver(play.world), {
        clock: play.world.clock,
        forcedRoaming: "forcedRoaming" in p ? p.forcedRoaming : undefined,
        lingerMs: "lingerMs" in p ? p.lingerMs : undefined,
        onListenerError: (error, event) => record(play, "scenario", "listener-error", `${event}: ${error}`),
      }),
    );
  }
}

/** Creates a scenario session and records its events (answering offers as `auto` says). */
function startSession(play: Play, def: SimScenarioSession): void {
  const manager = play.processes.get(def.process ?? [...play.processes.keys()][0])!;
  const session = manager.createSession(
    def.need ? manager.configurationFor(def.need) : manager.configurationFromIdentifier(def.configuration!),
  );
  play.managerOf.set(def.id, manager);
  for (const [k, v] of Object.entries(def.properties ?? {})) session.setSessionProperty(k, v);
  const log: string[] | undefined = play.logged.has(def.id) ? [] : undefined;
  if (log !== undefined) play.pending.set(def.id, log);
  const note = (event: string, detail?: string) => {
    play.events++;
    log?.push(detail === undefined ? event : `${event}:${detail}`);
    record(play, def.id, event, detail);
  };
  session.on("stateChanged", (s) => note("stateChanged", s));
  session.on("opened", () => note("opened"));
  session.on("closed", () => note("closed"));
  session.on("error", (e) => note("error", e));
  session.on("usagePoliciesChanged", (p) => note("usagePoliciesChanged", p.join(",") || "none"));
  session.on("losing", (e) => note("losing", String(e.msToLive)));
  session.on(
    "dataBudget",
    (e) => note("dataBudget", `${e.used}/${e.bytes}${e.exhausted ? ":exhausted" : ""}`),
  );
  session.on("newConfigurationActivated", (link) => {
    note("newConfigurationActivated", reachDetail(link));
    if (def.auto?.activated) session[def.auto.activated]();
  });
  if (def.alr) {
    session.on("preferredConfigurationChanged", ({ configuration, isSeamless }) => {
      note("preferredConfigurationChanged", configuration.identifier + (isSeamless ? ":seamless" : ""));
      if (def.auto?.preferred) session[def.auto.preferred]();
    });
  }
  play.sessions.set(def.id, session);
}

/** Session counters per access point, summed over the processes. */
function holders(play: Play): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of play.processes.values()) {
    for (const [id, n] of m.holdCounts()) out[id] = (out[id] ?? 0) + n;
  }
  return out;
}

function checkSession(play: Play, e: SimExpectation, cmp: Compare, fail: (message: string) => void): void {
  const s = play.sessions.get(e.session!)!;
  cmp("state", e.state, s.state);
  cmp("isOpen", e.isOpen, s.isOpen);
  cmp("activeConfiguration", e.activeConfiguration, s.sessionProperty("ActiveConfiguration"));
  cmp("error", e.error, s.error ?? null);
  cmp("usagePolicies", e.usagePolicies, s.usagePolicies);
  cmp("interfaceAddresses", e.interfaceAddresses, s.interface?.addresses ?? []);
  cmp("reachability", e.reachability, s.reachability);
  cmp("behindCaptivePortal", e.behindCaptivePortal, s.behindCaptivePortal);
  cmp("bytesReceivedSinceOpen", e.bytesReceivedSinceOpen, s.bytesReceivedSinceOpen);
  if (e.events === undefined && e.eventsInclude === undefined) return;
  const log = play.pending.get(e.session!)!;
  if (e.events && !(e.events.length === log.length && e.events.every((ev, i) => eventMatches(ev, log[i])))) {
    fail(`${e.session}: events: expected ${JSON.stringify(e.events)}, got ${JSON.stringify(log)}`);
  }
  if (e.eventsInclude) {
    let k = 0;
    for (const ev of log) if (k < e.eventsInclude.length && eventMatches(e.eventsInclude[k], ev)) k++;
    if (k < e.eventsInclude.length) {
      fail(
        `${e.session}: eventsInclude: '${e.eventsInclude[k]}' not found in order among ${
          JSON.stringify(log)
        }`,
      );
    }
  }
  log.length = 0;
}

type Compare = (field: string, expected: unknown, actual: unknown) => void;

/** Checks an expectation now; each mismatch is passed to `fail`. */
function checkExpectation(play: Play, e: SimExpectation, fail: (message: string) => void): void {
  const who = e.session ?? "world";
  const cmp: Compare = (field, expected, actual) => {
    if (expected !== undefined && !same(expected, actual)) {
      fail(`${who}: ${field}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
  };
  if (e.session !== undefined) checkSession(play, e, cmp, fail);
  if (e.configuration) {
    const first = play.processes.values().next().value!;
    cmp(
      `configuration ${e.configuration.id}`,
      e.configuration.state,
      first.configurationFromIdentifier(e.configuration.id).state,
    );
  }
  if (e.holders) {
    const h = holders(play);
    for (const [id, n] of Object.entries(e.holders)) cmp(`holders of ${id}`, n, h[id] ?? 0);
  }
  if (e.dataBudget) {
    const manager = play.managerOf.get(e.session ?? "") ?? play.processes.values().next().value!;
    for (const [id, want] of Object.entries(e.dataBudget)) {
      const got = manager.configurationFromIdentifier(id).dataBudget ?? null;
      const picked = want === null || got === null
        ? got
        : Object.fromEntries(Object.keys(want).map((k) => [k, got[k as keyof typeof got]]));
      cmp(`dataBudget of ${id}`, want, picked);
    }
  }
  if (e.up) {
    for (const [id, up] of Object.entries(e.up)) {
      cmp(`${id} up`, up, play.world.has(id) && play.world.isUp(id));
    }
  }
  if (e.totalEvents) {
    if (e.totalEvents.min !== undefined && play.events < e.totalEvents.min) {
      fail(`totalEvents: expected at least ${e.totalEvents.min}, got ${play.events}`);
    }
    if (e.totalEvents.max !== undefined && play.events > e.totalEvents.max) {
      fail(`totalEvents: expected at most ${e.totalEvents.max}, got ${play.events}`);
    }
  }
}

/** Runs one step of the timeline now; a step that throws is a failure. */
function runStep(play: Play, s: Obj, fail: (message: string) => void): void {
  try {
    if ("expect" in s) {
      checkExpectation(play, s.expect as SimExpectation, fail);
    } else if ("do" in s) {
      record(play, String(s.session), String(s.do));
      const session = play.sessions.get(String(s.session))!;
      const action = s.do as typeof SESSION_ACTIONS[number];
      if (action === "open") session.open();
      else session[action]();
    } else if (s.action === "setDataBudget") {
      const step = s as unknown as SimProcessStep;
      record(play, step.process ?? "world", step.action, step.id);
      const manager = step.process === undefined
        ? play.processes.values().next().value!
        : play.processes.get(step.process)!;
      manager.setDataBudget(
        step.id,
        step.bytes === null
          ? undefined
          : { bytes: step.bytes, ...(step.warnAt === undefined ? {} : { warnAt: step.warnAt }) },
      );
    } else {
      record(play, "world", String(s.action), "id" in s ? String(s.id) : undefined);
      applyCheckedWorldStep(play.world, s as unknown as SimWorldStep); // parsed: action and fields are right
    }
  } catch (error) {
    fail(`step failed: ${(error as Error).message ?? error}`);
  }
}

/** The sessions whose events an expectation reads (their events are kept; the others' only counted). */
function loggedSessions(scenario: SimScenario): Set<string> {
  const out = new Set<string>();
  const look = (steps: readonly unknown[]) => {
    for (const step of steps as readonly Obj[]) {
      const e = step.expect as SimExpectation | undefined;
      if (e?.session !== undefined && (e.events !== undefined || e.eventsInclude !== undefined)) {
        out.add(e.session);
      }
      const r = step.repeat as { steps?: unknown[] } | undefined;
      if (r?.steps) look(r.steps);
    }
  };
  look(scenario.steps ?? []);
  return out;
}

/**
 * Plays a scenario on `world`; {@linkcode SimWorld.play} documents it. Not
 * re-exported by `mod.ts`.
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
  const { parsed: { scenario, end }, timeline } = parseForPlay(input, { accessPoints, configurations });
  const play: Play = {
    world,
    options,
    start: world.clock.now(),
    timeline: [],
    failures: [],
    processes: new Map(),
    sessions: new Map(),
    managerOf: new Map(),
    pending: new Map(),
    logged: loggedSessions(scenario),
    events: 0,
  };
  buildWorld(world, scenario.world ?? {});
  await startProcesses(play, scenario);
  for (const def of scenario.sessions ?? []) startSession(play, def);

  let done = 0;
  const clock = world.clock as unknown as Record<symbol, (ms: number) => Promise<void>>;
  for (const f of timeline) {
    const wait = play.start + f.at - world.clock.now();
    // Between world changes, promise work settles in microtask turns; an expectation (and every
    // 256th step, so that a daemon's I/O goes on) waits for real macrotasks, as advance() does.
    if ("expect" in f.step || done % 256 === 255) await world.advance(wait > 0 ? wait : 0);
    else if (wait > 0) await clock[ADVANCE_IN_TURNS](wait);
    runStep(play, f.step, (message) => {
      play.failures.push({ step: f.source, at: f.at, message });
      record(play, "expect", "failed", message);
    });
    done++;
    options.onProgress?.(done, timeline.count);
    if (options.stopOnFailure && play.failures.length > 0) break;
  }
  if (!(options.stopOnFailure && play.failures.length > 0)) {
    const rest = play.start + end - world.clock.now();
    await world.advance(rest > 0 ? rest : 0);
  }
  const left = holders(play);
  for (const s of play.sessions.values()) s[Symbol.dispose]();
  for (const m of play.processes.values()) await m.close();
  return {
    passed: play.failures.length === 0,
    failures: play.failures,
    timeline: play.timeline,
    steps: done,
    events: play.events,
    durationMs: world.clock.now() - play.start,
    holders: left,
  };
}
