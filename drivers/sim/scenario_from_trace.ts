/**
 * {@linkcode scenarioFromTrace}: turns a recorded {@linkcode DriverTrace}
 * into a scenario to edit: the world from the snapshot, world steps from the
 * events, and notes on what a scenario cannot express.
 *
 * @module
 */

import type { DriverConfiguration, DriverTrace, TraceEntry } from "@netsession/core";
import type { SimAccessPointOptions } from "./access_point_options.ts";
import type { SimScenario, SimScenarioStep } from "./scenario_types.ts";
import type { SimServiceNetworkOptions } from "./service_network_options.ts";

/**
 * What {@linkcode scenarioFromTrace} returns: the scenario and what it
 * dropped or changed, one note a line (also in the scenario's `description`).
 *
 * @example
 * ```ts
 * import type { TraceScenario } from "@netsession/sim";
 * const show = (r: TraceScenario) => `${r.scenario.steps.length} steps, ${r.notes.length} notes`;
 * ```
 */
export interface TraceScenario {
  /** A scenario (version 1) with the recorded world and its changes; it has no sessions yet. */
  readonly scenario: SimScenario;
  /** What could not be expressed and was dropped, and the application's recorded calls. */
  readonly notes: readonly string[];
}

type CallEntry = Extract<TraceEntry, { call: string }>;

/**
 * Turns a trace into a scenario:
 *
 * - `world`: access points (with `activationMs` / `deactivationMs` from their
 *   first successful recorded activate / deactivate, reachability and captive
 *   portal from the first time their link was up), service networks, user
 *   choices, the default, policies and capabilities from the snapshot; access
 *   points active in the snapshot are brought up by `activateExternally` at 0.
 * - steps from the events: an access point going out of range or coming back
 *   → `setSignal` (0, or its signal, 100 when unknown); a signal change →
 *   `setSignal`; a link going up or down while no recorded call of the
 *   application was under way → `activateExternally` / `deactivateExternally`
 *   (out of range: `setSignal` 0); a change of reachability or captive portal
 *   → `setReachability`; added / removed configurations, policies, default and
 *   capabilities → their world actions; a failed activation (other than
 *   `session-aborted` and `invalid-configuration`, which the world produces
 *   itself) → `failNextActivation` with the recorded message (its code becomes
 *   `unknown`).
 * - dropped, with a note: state changes the application's own calls caused
 *   (the scenario's sessions make them again), service-network states (the
 *   world derives them), `losing` (the world warns itself), changes of other
 *   fields (name, metered, purpose, interface, members).
 *
 * The trace does not say which sessions the application had: the notes list
 * its calls, so that you can add `sessions` and their steps.
 *
 * @example
 * ```ts
 * import { scenarioFromTrace, SimWorld } from "@netsession/sim";
 * const wlan = { identifier: "wlan", name: "wlan", type: "internet-access-point" as const, state: "discovered" as const,
 *   purpose: "unknown" as const, bearerType: "wlan" as const, metered: false, signal: 70 };
 * const { scenario, notes } = scenarioFromTrace({
 *   version: 1, driver: "networkmanager",
 *   snapshot: { configurations: [wlan], capabilities: [], usagePolicies: [] },
 *   entries: [{ at: 5000, event: { type: "configuration-changed", configuration: { ...wlan, state: "defined", signal: 0 } } }],
 * });
 * console.log(scenario.steps); // [{ at: 5000, action: "setSignal", id: "wlan", signal: 0 }]
 * console.log((await new SimWorld().play(scenario)).passed, notes.length); // true 0
 * ```
 */
export function scenarioFromTrace(trace: DriverTrace): TraceScenario {
  const notes: string[] = [];
  const calls = trace.entries.filter((e): e is CallEntry => "call" in e);
  const configs = new Map<string, DriverConfiguration>();
  for (const c of trace.snapshot.configurations) configs.set(c.identifier, c);
  const timing = (id: string, call: "activate" | "deactivate") =>
    calls.find((c) => c.call === call && c.identifier === id && c.outcome.ok)?.ms;
  const firstUp = (id: string) =>
    trace.entries.find((e) =>
      "event" in e && e.event.type === "configuration-changed" && e.event.configuration.identifier === id &&
      e.event.configuration.state === "active"
    ) as { event: { configuration: DriverConfiguration } } | undefined;
  const accessPoint = (given: DriverConfiguration): SimAccessPointOptions => {
    // Reachability is reported only while up: take it from the first time the link was up.
    const up = given.state === "active" ? given : firstUp(given.identifier)?.event.configuration;
    const c = { ...given, reachability: up?.reachability, captivePortal: up?.captivePortal };
    const activationMs = timing(c.identifier, "activate");
    const deactivationMs = timing(c.identifier, "deactivate");
    return {
      id: c.identifier,
      ...(c.name !== c.identifier ? { name: c.name } : {}),
      bearer: c.bearerType,
      signal: signalOf(c),
      ...(c.metered ? { metered: true } : {}),
      ...(c.purpose !== "unknown" ? { purpose: c.purpose } : {}),
      ...(activationMs !== undefined ? { activationMs } : {}),
      ...(deactivationMs !== undefined ? { deactivationMs } : {}),
      ...(c.connectTimeout !== undefined ? { connectTimeout: c.connectTimeout } : {}),
      ...(c.reachability !== undefined ? { reachability: c.reachability } : {}),
      ...(c.captivePortal ? { captivePortal: true } : {}),
    };
  };
  const serviceNetwork = (c: DriverConfiguration): SimServiceNetworkOptions => ({
    id: c.identifier,
    ...(c.name !== c.identifier ? { name: c.name } : {}),
    members: [...(c.children ?? [])],
    ...(c.seamless ? { seamless: true } : {}),
    ...(c.roamingAvailable === false ? { roamingAvailable: false } : {}),
    ...(c.purpose !== "unknown" ? { purpose: c.purpose } : {}),
    ...(c.connectTimeout !== undefined ? { connectTimeout: c.connectTimeout } : {}),
  });
  const of = (type: DriverConfiguration["type"]) =>
    trace.snapshot.configurations.filter((c) => c.type === type);
  const steps: SimScenarioStep[] = of("internet-access-point").filter((c) => c.state === "active").map((
    c,
  ) => ({
    at: 0,
    action: "activateExternally",
    id: c.identifier,
  }));
  const during = (id: string, call: "activate" | "deactivate", at: number) =>
    calls.some((c) => c.call === call && c.identifier === id && c.at <= at && at <= c.at + c.ms);
  for (const c of calls) {
    if (c.call === "activate" && !c.outcome.ok && !NATURAL.has(c.outcome.error)) {
      steps.push({ at: c.at, action: "failNextActivation", id: c.identifier!, reason: c.outcome.message });
      if (c.outcome.error !== "unknown") {
        notes.push(
          `${c.at} ms: activate('${c.identifier}') failed with ${c.outcome.error}; the world fails it as unknown`,
        );
      }
    }
  }
  for (const e of trace.entries) {
    if (!("event" in e)) continue;
    const { at, event } = e;
    switch (event.type) {
      case "configuration-added": {
        const c = event.configuration;
        configs.set(c.identifier, c);
        if (c.type === "internet-access-point") {
          steps.push({ at, action: "addAccessPoint", ...accessPoint(c) });
        } else if (c.type === "service-network") {
          steps.push({ at, action: "addServiceNetwork", ...serviceNetwork(c) });
        } else {steps.push({
            at,
            action: "addUserChoice",
            id: c.identifier,
            ...(c.name ? { name: c.name } : {}),
          });}
        break;
      }
      case "configuration-removed": {
        const c = configs.get(event.identifier);
        configs.delete(event.identifier);
        const action = c?.type === "internet-access-point" ? "removeAccessPoint" : "removeConfiguration";
        steps.push({ at, action, id: event.identifier });
        break;
      }
      case "configuration-changed": {
        const next = event.configuration;
        const prev = configs.get(next.identifier);
        configs.set(next.identifier, next);
        if (!prev || next.type !== "internet-access-point") break; // service networks: the world derives them
        steps.push(...changeSteps(at, prev, next, during, notes));
        break;
      }
      case "usage-policies-changed":
        steps.push({ at, action: "setUsagePolicies", policies: [...event.policies] });
        break;
      case "default-changed":
        steps.push({ at, action: "setDefault", ...(event.identifier ? { id: event.identifier } : {}) });
        break;
      case "capabilities-changed":
        steps.push({ at, action: "setCapabilities", capabilities: [...event.capabilities] });
        break;
      case "losing":
        break; // the world warns of a fade or a deactivation itself
    }
  }
  steps.sort((a, b) => a.at - b.at); // stable: same-time steps keep their order
  for (const c of calls) {
    notes.push(
      `${c.at} ms: the application called ${c.call}(${c.identifier ? `'${c.identifier}'` : ""})${
        c.force ? " (forced)" : ""
      }: ${c.outcome.ok ? "ok" : `${c.outcome.error}: ${c.outcome.message}`} after ${c.ms} ms`,
    );
  }
  const end = trace.entries.reduce((m, e) => Math.max(m, e.at + ("call" in e ? e.ms : 0)), 0);
  const s = trace.snapshot;
  const scenario: SimScenario = {
    version: 1,
    name: `from a ${trace.driver} trace${trace.recordedAt ? ` recorded ${trace.recordedAt}` : ""}`,
    description: [
      ...(trace.note ? [trace.note] : []),
      "Made by scenarioFromTrace: add the application's sessions and their steps (see the notes).",
      ...notes,
    ].join("\n"),
    world: {
      accessPoints: of("internet-access-point").map(accessPoint),
      serviceNetworks: of("service-network").map(serviceNetwork),
      userChoices: of("user-choice").map((c) => ({ id: c.identifier, ...(c.name ? { name: c.name } : {}) })),
      ...(s.defaultConfiguration ? { default: s.defaultConfiguration } : {}),
      policies: [...s.usagePolicies],
      capabilities: [...s.capabilities],
    },
    steps,
    duration: end,
  };
  return { scenario, notes };
}

/** Activation failures the simulated world produces on its own. */
const NATURAL = new Set(["session-aborted", "invalid-configuration"]);

function signalOf(c: DriverConfiguration): number {
  if (c.state === "defined") return 0;
  return c.signal !== undefined && c.signal > 0 ? Math.min(100, Math.round(c.signal)) : 100;
}

const OTHER_FIELDS = ["name", "metered", "purpose", "bearerType", "connectTimeout"] as const;

function changeSteps(
  at: number,
  prev: DriverConfiguration,
  next: DriverConfiguration,
  during: (id: string, call: "activate" | "deactivate", at: number) => boolean,
  notes: string[],
): SimScenarioStep[] {
  const id = next.identifier;
  const out: SimScenarioStep[] = [];
  const wasUp = prev.state === "active";
  const isUp = next.state === "active";
  if (wasUp && !isUp) {
    if (next.state === "defined") out.push({ at, action: "setSignal", id, signal: 0 });
    else if (!during(id, "deactivate", at)) out.push({ at, action: "deactivateExternally", id });
  } else if (!wasUp && isUp) {
    if (prev.state === "defined") out.push({ at, action: "setSignal", id, signal: signalOf(next) });
    if (!during(id, "activate", at)) out.push({ at, action: "activateExternally", id });
  } else if (prev.state !== next.state) {
    out.push({ at, action: "setSignal", id, signal: signalOf(next) }); // in or out of range
  } else if (next.signal !== undefined && next.signal !== prev.signal && next.state !== "defined") {
    out.push({ at, action: "setSignal", id, signal: signalOf(next) });
  }
  if (
    isUp && wasUp &&
    (next.reachability !== prev.reachability || !!next.captivePortal !== !!prev.captivePortal)
  ) {
    out.push({
      at,
      action: "setReachability",
      id,
      reachability: next.reachability ?? "unknown",
      captivePortal: !!next.captivePortal,
    });
  }
  const changed = OTHER_FIELDS.filter((f) => prev[f] !== next[f]);
  if (changed.length > 0) notes.push(`${at} ms: '${id}' changed ${changed.join(", ")}: dropped`);
  return out;
}
