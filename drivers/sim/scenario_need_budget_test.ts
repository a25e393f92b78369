// The scenario fields of networks by need, linger and data budgets: validation names the step and the field.
import assert from "node:assert/strict";
import { parseScenario } from "./scenario_parse.ts";
import { ScenarioError } from "./scenario_error.ts";
import { applyWorldStep } from "./scenario_play.ts";
import { SimWorld } from "./world.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const base = () => ({
  world: { accessPoints: [{ id: "lte", bearer: "lte", metered: true }, { id: "wlan" }] },
  processes: [{ id: "main", lingerMs: 1000 }],
  sessions: [{ id: "app", need: { bearers: ["wlan"], notMetered: true, reachability: "online" } }] as Any[],
  steps: [
    { at: 0, session: "app", do: "open" },
    { at: 100, action: "setDataBudget", id: "wlan", bytes: 5000, warnAt: 0.5 },
    { at: 200, expect: { session: "app", bytesReceivedSinceOpen: 0, dataBudget: { wlan: { used: 0 } } } },
  ] as Any[],
});

function rejects(mutate: (s: Any) => void, message: RegExp, path: string) {
  const s = base();
  mutate(s);
  assert.throws(() => parseScenario(s), (e) => {
    assert.ok(e instanceof ScenarioError);
    assert.match(e.message, message);
    assert.equal(e.path, path);
    return true;
  });
}

Deno.test("need, lingerMs, setDataBudget and the new expectations are read", () => {
  assert.equal(parseScenario(base()).flat.length, 3);
});

Deno.test("a session names exactly one of configuration and need; the need's fields are checked", () => {
  rejects(
    (s) => s.sessions[0].configuration = "wlan",
    /exactly one of "configuration".*and "need"/,
    "sessions[0]",
  );
  rejects((s) => delete s.sessions[0].need, /exactly one of/, "sessions[0]");
  rejects(
    (s) => s.sessions[0].need.minSignal = 120,
    /expected a number 0\.\.100, got 120/,
    "sessions[0].need.minSignal",
  );
  rejects(
    (s) => s.sessions[0].need.bearers = ["pigeon"],
    /expected one of unknown, ethernet/,
    "sessions[0].need.bearers[0]",
  );
  rejects((s) => s.sessions[0].need.notMetered = "yes", /true or false/, "sessions[0].need.notMetered");
  rejects((s) => s.sessions[0].need.reachability = "far", /expected one of/, "sessions[0].need.reachability");
  rejects(
    (s) => s.sessions[0].need.timeoutMs = 1.5,
    /whole number of milliseconds/,
    "sessions[0].need.timeoutMs",
  );
  rejects((s) => s.sessions[0].need.colour = "red", /unknown field/, "sessions[0].need.colour");
  rejects((s) => s.sessions[0].need = [], /expected an object/, "sessions[0].need");
});

Deno.test("lingerMs and setDataBudget are checked with the step and the field", () => {
  rejects(
    (s) => s.processes[0].lingerMs = -1,
    /whole number of milliseconds ≥ 0, got -1/,
    "processes[0].lingerMs",
  );
  rejects(
    (s) => s.steps[1].bytes = 0,
    /^steps\[1\] \(at 100\) \.bytes: expected a positive number of bytes/,
    "steps[1].bytes",
  );
  rejects((s) => s.steps[1].warnAt = 2, /expected a number 0\.\.1, got 2/, "steps[1].warnAt");
  rejects((s) => s.steps[1].id = "nope", /unknown access point 'nope'/, "steps[1].id");
  rejects((s) => s.steps[1].process = "other", /unknown process 'other'/, "steps[1].process");
  rejects((s) => Object.assign(s.steps[1], { bytes: null }), /no warning level/, "steps[1].warnAt");
  rejects((s) => s.steps[1].colour = 1, /unknown field/, "steps[1].colour");
  rejects(
    (s) => s.steps[2].expect.bytesReceivedSinceOpen = -1,
    /expected a number 0\.\./,
    "steps[2].expect.bytesReceivedSinceOpen",
  );
  rejects(
    (s) => s.steps[2].expect.dataBudget = { nope: null },
    /unknown access point/,
    "steps[2].expect.dataBudget.nope",
  );
  rejects(
    (s) => s.steps[2].expect.dataBudget.wlan.spent = 1,
    /unknown field/,
    "steps[2].expect.dataBudget.wlan.spent",
  );
});

Deno.test("setDataBudget is a process step: the world's applyWorldStep does not take it", () => {
  const world = new SimWorld();
  world.addAccessPoint({ id: "wlan" });
  assert.throws(
    () => applyWorldStep(world, { action: "setDataBudget", id: "wlan" } as Any),
    /action must be one of/,
  );
});

Deno.test("a budget set in one process is that process's: the other one sees none", async () => {
  const result = await new SimWorld().play({
    world: { accessPoints: [{ id: "wlan" }] },
    processes: [{ id: "a" }, { id: "b" }],
    sessions: [{ id: "x", configuration: "wlan", process: "a" }, {
      id: "y",
      configuration: "wlan",
      process: "b",
    }],
    steps: [
      { at: 0, action: "setDataBudget", process: "b", id: "wlan", bytes: 100 },
      { at: 10, expect: { session: "x", dataBudget: { wlan: null } } },
      { at: 10, expect: { session: "y", dataBudget: { wlan: { bytes: 100, used: 0, warnAt: 0.8 } } } },
    ],
  });
  assert.deepEqual(result.failures, []);
});
