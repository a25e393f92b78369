import assert from "node:assert/strict";
import { parseTrace } from "../core/mod.ts";
import {
  parseScenario,
  scenarioFromTrace,
  type SimScenario,
  type SimStep,
  SimWorld,
} from "../drivers/sim/mod.ts";

const fixture = async () =>
  parseTrace(await Deno.readTextFile(new URL("./traces/sim_roaming.jsonl", import.meta.url)));

Deno.test("scenarioFromTrace: the world from the snapshot, world steps from the events; it validates and plays", async () => {
  const { scenario, notes } = scenarioFromTrace(await fixture());
  parseScenario(JSON.parse(JSON.stringify(scenario))); // validates as a file would
  assert.deepEqual(scenario.world?.accessPoints, [
    { id: "wlan", bearer: "wlan", signal: 0, activationMs: 200, deactivationMs: 50, reachability: "online" },
    {
      id: "lte",
      bearer: "lte",
      signal: 100,
      metered: true,
      activationMs: 400,
      deactivationMs: 50,
      reachability: "online",
    },
  ]);
  assert.deepEqual(scenario.world?.serviceNetworks, [{ id: "internet", members: ["wlan", "lte"] }]);
  assert.equal(scenario.world?.default, "internet");
  // The application's own activations and deactivations are not world steps: only what happened to it.
  assert.deepEqual(scenario.steps, [
    { at: 1000, action: "deactivateExternally", id: "lte" },
    { at: 3000, action: "setSignal", id: "wlan", signal: 80 },
    { at: 5000, action: "setSignal", id: "wlan", signal: 0 },
    { at: 7000, action: "setSignal", id: "wlan", signal: 80 },
  ]);
  assert.equal(scenario.duration, 9050);
  assert.match(notes[0], /^0 ms: the application called activate\('lte'\): ok after 400 ms$/);
  assert.equal(notes.length, 8);
  assert.match(scenario.description!, /add the application's sessions/);
  // With the application's session added, playing it gives the recorded session events again.
  const withSession: SimScenario = {
    ...scenario,
    sessions: [{
      id: "app",
      configuration: "internet",
      alr: true,
      auto: { preferred: "migrate", activated: "accept" },
    }],
    steps: ([
      { at: 0, session: "app", do: "open" },
      ...scenario.steps,
      { at: 2000, session: "app", do: "open" },
      { at: 4000, expect: { session: "app", activeConfiguration: "wlan" } },
      { at: 9000, session: "app", do: "close" },
      { at: 9050, expect: { session: "app", isOpen: false, up: { wlan: false, lte: false } } },
    ] as SimStep[]).sort((a, b) => a.at - b.at),
  };
  const result = await new SimWorld().play(withSession);
  assert.deepEqual(result.failures, []);
});

Deno.test("scenarioFromTrace: added and removed configurations, policies, failures, reachability; notes on what is dropped", async () => {
  const ap = {
    identifier: "hotspot",
    name: "Hotspot",
    type: "internet-access-point" as const,
    state: "discovered" as const,
    purpose: "public" as const,
    bearerType: "wlan" as const,
    metered: false,
    signal: 55,
  };
  const { scenario, notes } = scenarioFromTrace({
    version: 1,
    driver: "networkmanager",
    recordedAt: "2025-01-01T00:00:00.000Z",
    snapshot: { configurations: [], capabilities: ["data-statistics"], usagePolicies: [] },
    entries: [
      { at: 10, event: { type: "configuration-added", configuration: ap } },
      {
        at: 100,
        call: "activate",
        identifier: "hotspot",
        ms: 40,
        outcome: { ok: false, error: "unknown", message: "secrets were required" },
      },
      { at: 200, call: "activate", identifier: "hotspot", ms: 300, outcome: { ok: true } },
      {
        at: 500,
        event: {
          type: "configuration-changed",
          configuration: { ...ap, state: "active", reachability: "local", captivePortal: true },
        },
      },
      {
        at: 900,
        event: {
          type: "configuration-changed",
          configuration: { ...ap, name: "Hotspot 2", state: "active", reachability: "online" },
        },
      },
      { at: 950, event: { type: "losing", identifier: "hotspot", msToLive: 100 } },
      { at: 1000, event: { type: "configuration-changed", configuration: { ...ap, signal: 40 } } },
      { at: 1100, event: { type: "usage-policies-changed", policies: ["no-background-traffic"] } },
      { at: 1200, event: { type: "default-changed", identifier: "hotspot" } },
      { at: 1300, event: { type: "configuration-removed", identifier: "hotspot" } },
    ],
  });
  assert.equal(scenario.name, "from a networkmanager trace recorded 2025-01-01T00:00:00.000Z");
  assert.deepEqual(scenario.steps, [
    {
      at: 10,
      action: "addAccessPoint",
      id: "hotspot",
      name: "Hotspot",
      bearer: "wlan",
      signal: 55,
      purpose: "public",
      activationMs: 300,
      reachability: "local",
      captivePortal: true,
    },
    { at: 100, action: "failNextActivation", id: "hotspot", reason: "secrets were required" },
    { at: 900, action: "setReachability", id: "hotspot", reachability: "online", captivePortal: false },
    { at: 1000, action: "deactivateExternally", id: "hotspot" },
    { at: 1100, action: "setUsagePolicies", policies: ["no-background-traffic"] },
    { at: 1200, action: "setDefault", id: "hotspot" },
    { at: 1300, action: "removeAccessPoint", id: "hotspot" },
  ]);
  assert.ok(notes.includes("900 ms: 'hotspot' changed name: dropped"), notes.join("\n"));
  parseScenario(JSON.parse(JSON.stringify(scenario)));
  const result = await new SimWorld().play(scenario);
  assert.deepEqual(result.failures, []);
});
