// Reachability in scenarios: the setReachability step, the reachability / captivePortal access-point options,
// the reachability / behindCaptivePortal expectations and the detail of newConfigurationActivated.
import assert from "node:assert/strict";
import {
  applyWorldStep,
  parseScenario,
  simErrorCode,
  type SimScenario,
  SimWorld,
  type SimWorldStep,
} from "./mod.ts";

const world: SimScenario["world"] = {
  accessPoints: [
    { id: "lte", bearer: "lte" },
    { id: "hotspot", signal: 0, reachability: "local", captivePortal: true },
  ],
  serviceNetworks: [{ id: "any", members: ["hotspot", "lte"] }],
};

Deno.test("parseScenario: setReachability, the access-point options and the expectations are checked by step and field", () => {
  const ok: SimScenario = {
    world,
    sessions: [{ id: "app", configuration: "lte" }],
    steps: [
      { at: 0, action: "setReachability", id: "lte", reachability: "site", captivePortal: true },
      { at: 0, action: "addAccessPoint", id: "cafe", reachability: "unknown" },
      { at: 1, expect: { session: "app", reachability: "disconnected", behindCaptivePortal: false } },
    ],
  };
  assert.equal(parseScenario(ok).flat.length, 3);
  const bad: [unknown, RegExp][] = [
    [
      { at: 5, action: "setReachability", id: "lte", reachability: "far" },
      /^steps\[0\] \(at 5\) \.reachability: expected one of unknown, local, site, online, got "far"/,
    ],
    [
      { at: 5, action: "setReachability", id: "lte", reachability: "local", captivePortal: 1 },
      /^steps\[0\] \(at 5\) \.captivePortal: expected true or false, got 1/,
    ],
    [
      { at: 5, action: "setReachability", id: "any", reachability: "local" },
      /^steps\[0\] \(at 5\) \.id: unknown access point 'any'/,
    ],
    [
      { at: 5, action: "setReachability", id: "lte" },
      /^steps\[0\] \(at 5\) \.reachability: expected one of/,
    ],
    [
      { at: 5, action: "setReachability", id: "lte", reachability: "local", signal: 3 },
      /^steps\[0\] \(at 5\) \.signal: unknown field; expected one of at, action, id, reachability, captivePortal/,
    ],
    [
      { at: 5, action: "addAccessPoint", id: "x", reachability: "disconnected" },
      /^steps\[0\] \(at 5\) \.reachability: expected one of "unknown", "local", "site", "online"/,
    ],
    [
      { at: 5, expect: { session: "app", reachability: "everywhere" } },
      /^steps\[0\] \(at 5\) \.expect\.reachability: expected one of unknown, disconnected, local, site, online/,
    ],
    [
      { at: 5, expect: { session: "app", behindCaptivePortal: "no" } },
      /^steps\[0\] \(at 5\) \.expect\.behindCaptivePortal: expected true or false/,
    ],
    [{ at: 5, expect: { reachability: "local" } }, /\.expect\.reachability: needs "session"/],
  ];
  for (const [step, message] of bad) {
    const scenario = { world, sessions: [{ id: "app", configuration: "lte" }], steps: [step] };
    assert.throws(() => parseScenario(scenario), (e: Error) => {
      assert.match(e.message, message);
      assert.equal(simErrorCode(e), "invalid");
      return true;
    });
  }
  assert.throws(
    () => parseScenario({ world: { accessPoints: [{ id: "x", captivePortal: "yes" }] }, steps: [] }),
    /world\.accessPoints\[0\]\.captivePortal: expected true or false/,
  );
});

Deno.test("applyWorldStep setReachability: the world call, its codes, and captivePortal false unless given", () => {
  const w = new SimWorld();
  w.addAccessPoint({ id: "lte" });
  applyWorldStep(w, { action: "setReachability", id: "lte", reachability: "local", captivePortal: true });
  assert.deepEqual([w.accessPoint("lte").reachability, w.accessPoint("lte").captivePortal], ["local", true]);
  applyWorldStep(w, { at: 9, action: "setReachability", id: "lte", reachability: "site" });
  assert.deepEqual([w.accessPoint("lte").reachability, w.accessPoint("lte").captivePortal], ["site", false]);
  const codeOf = (step: unknown) => {
    try {
      applyWorldStep(w, step as SimWorldStep);
    } catch (error) {
      return simErrorCode(error);
    }
  };
  assert.equal(codeOf({ action: "setReachability", id: "nope", reachability: "local" }), "not-found");
  assert.equal(codeOf({ action: "setReachability", id: "lte", reachability: "nowhere" }), "invalid");
  assert.equal(codeOf({ action: "setReachability", id: "lte", reachability: "local", x: 1 }), "invalid");
});

Deno.test("play: reachability expectations, and newConfigurationActivated carries the new link's reach as detail", async () => {
  const entries: string[] = [];
  const scenario: SimScenario = {
    world,
    sessions: [{
      id: "app",
      configuration: "any",
      alr: true,
      auto: { preferred: "migrate", activated: "reject" },
    }],
    steps: [
      { at: 0, session: "app", do: "open" },
      { at: 500, expect: { session: "app", reachability: "online", behindCaptivePortal: false } },
      { at: 1000, action: "setSignal", id: "hotspot", signal: 90 },
      {
        at: 1500,
        expect: {
          session: "app",
          activeConfiguration: "lte",
          eventsInclude: ["stateChanged:roaming", "newConfigurationActivated:local,captive-portal"],
        },
      },
      { at: 2000, action: "setReachability", id: "lte", reachability: "local", captivePortal: true },
      { at: 2000, expect: { session: "app", reachability: "local", behindCaptivePortal: true } },
    ],
  };
  const result = await new SimWorld().play(scenario, {
    onEvent: (e) => e.event === "newConfigurationActivated" && entries.push(`${e.at} ${e.detail}`),
  });
  assert.deepEqual(result.failures, []);
  assert.deepEqual(entries, ["1100 local,captive-portal"]);

  const failed = await new SimWorld().play({
    ...scenario,
    steps: [
      ...scenario.steps.slice(0, 3),
      { at: 1500, expect: { session: "app", eventsInclude: ["newConfigurationActivated:online"] } },
      { at: 2000, expect: { session: "app", reachability: "site", behindCaptivePortal: true } },
    ],
  });
  assert.deepEqual(failed.failures.map((f) => [f.step, f.message]), [
    [
      3,
      `app: eventsInclude: 'newConfigurationActivated:online' not found in order among ${
        JSON.stringify([
          "stateChanged:connecting",
          "stateChanged:connected",
          "opened",
          "preferredConfigurationChanged:hotspot",
          "stateChanged:roaming",
          "newConfigurationActivated:local,captive-portal",
          "stateChanged:connected",
        ])
      }`,
    ],
    [4, 'app: reachability: expected "site", got "online"'],
    [4, "app: behindCaptivePortal: expected true, got false"],
  ]);
});

Deno.test("events: an expected event without its detail matches any detail; with one, only that detail", async () => {
  const play = (events: string[]) =>
    new SimWorld().play({
      world,
      sessions: [{
        id: "app",
        configuration: "any",
        alr: true,
        auto: { preferred: "migrate", activated: "accept" },
      }],
      steps: [
        { at: 0, session: "app", do: "open" },
        { at: 500, expect: { session: "app", eventsInclude: ["opened"] } },
        { at: 1000, action: "setSignal", id: "hotspot", signal: 90 },
        { at: 1500, expect: { session: "app", events } },
      ],
    });
  const seen = [
    "preferredConfigurationChanged:hotspot",
    "stateChanged:roaming",
    "newConfigurationActivated:local,captive-portal",
    "stateChanged:connected",
  ];
  assert.equal((await play(seen)).passed, true);
  const bare = seen.map((e) => e.startsWith("newConfigurationActivated") ? "newConfigurationActivated" : e);
  assert.equal((await play(bare)).passed, true, "as scenarios written before the detail say it");
  const wrong = seen.map((e) =>
    e.startsWith("newConfigurationActivated") ? "newConfigurationActivated:local" : e
  );
  const failed = await play(wrong);
  assert.equal(failed.passed, false);
  assert.match(
    failed.failures[0].message,
    /^app: events: expected .*"newConfigurationActivated:local".*, got .*captive-portal/,
  );
});
