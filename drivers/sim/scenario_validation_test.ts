import assert from "node:assert/strict";
import { parseScenario } from "./scenario_parse.ts";
import { ScenarioError } from "./scenario_error.ts";
import type { SimScenario } from "./scenario_types.ts";
import { SimWorld } from "./world.ts";

const base: SimScenario = {
  version: 1,
  name: "base",
  world: {
    accessPoints: [{ id: "lte", bearer: "lte", metered: true }, { id: "wlan", signal: 0 }],
    serviceNetworks: [{ id: "any", members: ["wlan", "lte"] }],
  },
  sessions: [{ id: "app", configuration: "any", alr: true }],
  steps: [
    { at: 0, session: "app", do: "open" },
    { at: 1000, action: "setSignal", id: "wlan", signal: 90 },
    { at: 2000, expect: { session: "app", state: "connected" } },
  ],
};

function rejects(mutate: (s: Record<string, unknown>) => void, pattern: RegExp, path?: string) {
  const copy = structuredClone(base) as unknown as Record<string, unknown>;
  mutate(copy);
  let error: unknown;
  try {
    parseScenario(copy);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ScenarioError, `expected a ScenarioError for ${pattern}`);
  assert.match(error.message, pattern);
  if (path) assert.equal(error.path, path);
}

// deno-lint-ignore no-explicit-any
type Any = any;

Deno.test("the base scenario is valid and expands into a time-ordered flat list", () => {
  const parsed = parseScenario(base);
  assert.deepEqual(parsed.flat.map((f) => f.at), [0, 1000, 2000]);
  assert.equal(parsed.end, 2000);
});

Deno.test("malformed scenarios are rejected with the step, the field and what is expected", () => {
  rejects((s) => s.version = 2, /^version: expected 1/, "version");
  rejects(
    (s) => (s.steps as Any)[1].signal = 120,
    /^steps\[1\] \(at 1000\) \.signal: expected a number 0\.\.100, got 120$/,
  );
  rejects((s) => (s.steps as Any)[1].id = "nope", /\.id: unknown access point 'nope'; known: lte, wlan/);
  rejects((s) => (s.steps as Any)[1].action = "setSignl", /\.action: expected one of .*got "setSignl"/);
  rejects(
    (s) => (s.steps as Any)[2].at = 500,
    /steps\[2\] \(at 500\) \.at: 500 is before the previous step's 1000/,
  );
  rejects((s) => (s.steps as Any)[2].expect.session = "ghost", /\.expect\.session: unknown session 'ghost'/);
  rejects(
    (s) => (s.steps as Any)[2].expect.state = "flying",
    /\.expect\.state: expected one of invalid, .*got "flying"/,
  );
  rejects((s) => (s.steps as Any)[0].do = "dance", /steps\[0\] \(at 0\) \.do: expected one of open, close/);
  rejects((s) => (s.steps as Any)[0].session = "nobody", /\.session: unknown session 'nobody'/);
  rejects(
    (s) => (s.world as Any).accessPoints[0].bearer = "carrier-pigeon",
    /world\.accessPoints\[0\]\.bearer: expected one of/,
  );
  rejects(
    (s) => (s.world as Any).serviceNetworks[0].members = ["wlan", "x"],
    /world\.serviceNetworks\[0\]\.members\[1\]: unknown access point 'x'/,
  );
  rejects(
    (s) => (s.world as Any).accessPoints.push({ id: "lte" }),
    /world\.accessPoints\[2\]\.id: 'lte' already exists/,
  );
  rejects(
    (s) => (s.sessions as Any)[0].auto = { preferred: "dance" },
    /sessions\[0\]\.auto\.preferred: expected one of migrate, ignore/,
  );
  rejects((s) => (s.sessions as Any)[0].colour = "red", /sessions\[0\]\.colour: unknown field/);
  rejects((s) => (s.steps as Any)[1] = { at: 1000 }, /steps\[1\] \(at 1000\) : a step needs one of "action"/);
  rejects(
    (s) => (s.steps as Any)[1] = { at: -1, action: "setSignal", id: "wlan", signal: 3 },
    /\.at: expected a number 0\.\./,
  );
  rejects((s) => s.duration = 10, /^duration: expected a number 2000\.\./);
  rejects(
    (s) => (s.steps as Any).push({ at: 3000, repeat: { every: 0, times: 2, steps: [] } }),
    /\.repeat\.every: expected a number 1\.\./,
  );
  rejects(
    (s) =>
      (s.steps as Any).push({
        at: 3000,
        repeat: { every: 100, times: 2, steps: [{ at: 150, action: "setSignal", id: "wlan", signal: 1 }] },
      }),
    /\.repeat\.steps\[0\]\.at: expected a number 0\.\.99/,
  );
  assert.throws(() => parseScenario("{not json"), /not valid JSON/);
});

Deno.test("an invalid scenario runs nothing: the world is untouched and the clock does not move", async () => {
  const world = new SimWorld();
  const bad = structuredClone(base) as Any;
  bad.steps.push({ at: 5000, expect: { session: "app", isOpen: "yes" } });
  await assert.rejects(world.play(bad), /steps\[3\] \(at 5000\) \.expect\.isOpen: expected true or false/);
  assert.equal(world.configurations().length, 0);
  assert.equal(world.clock.now(), 0);
});

Deno.test("repeat expands relative steps and ids added by steps are known to later steps", () => {
  const parsed = parseScenario({
    steps: [
      { at: 0, action: "addAccessPoint", id: "x" },
      {
        at: 100,
        repeat: {
          every: 1000,
          times: 3,
          steps: [{ at: 0, action: "setSignal", id: "x", signal: 0 }, {
            at: 500,
            action: "setSignal",
            id: "x",
            signal: 50,
          }],
        },
      },
      { at: 1200, action: "removeAccessPoint", id: "x" },
    ],
  });
  assert.deepEqual(parsed.flat.map((f) => f.at), [0, 100, 600, 1100, 1200, 1600, 2100, 2600]);
});

Deno.test("every problem is reported, each with its path; from text with its line:column", () => {
  const text = `{
  "world": { "accessPoints": [{ "id": "wlan", "signal": 500 }] },
  "sessions": [{ "id": "app", "configuration": "wlna", "colour": 1 }],
  "steps": [
    { "at": 0, "session": "app", "do": "open" },
    { "at": 10, "action": "setSignl", "id": "wlan" },
    { "at": 20, "action": "setSignal", "id": "wlan", "signal": 101 }
  ]
}`;
  let error: unknown;
  try {
    parseScenario(text);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ScenarioError);
  assert.deepEqual(error.issues.map((i) => [i.path, i.line, i.column]), [
    ["world.accessPoints[0].signal", 2, 57],
    ["sessions[0].colour", 3, 66],
    ["steps[1].action", 6, 27],
    ["steps[2].signal", 7, 64],
    ["sessions[0].configuration", 3, 48],
  ]);
  assert.equal(error.path, "world.accessPoints[0].signal");
  assert.match(
    error.message,
    /^3:48: sessions\[0\]\.configuration: unknown configuration 'wlna'; known: wlan/m,
  );
  assert.match(error.message, /^7:64: steps\[2\] \(at 20\) \.signal: expected a number 0\.\.100, got 101$/m);
});

Deno.test("a session's configuration must exist in the world or be added by a step", () => {
  rejects(
    (s) => (s.sessions as Any)[0].configuration = "wlna",
    /^sessions\[0\]\.configuration: unknown configuration 'wlna'; known: lte, wlan, any/,
    "sessions[0].configuration",
  );
  const later = structuredClone(base) as Any;
  later.sessions[0].configuration = "cafe";
  later.steps.unshift({ at: 0, action: "addAccessPoint", id: "cafe" });
  parseScenario(later);
});

Deno.test("bad JSON is reported with its line:column", () => {
  for (
    const [text, line, column, what] of [
      ['{\n  "steps": [\n    { "at": 0, }\n  ]\n}', 3, 16, /expected a string, got "}"/],
      ['{ "steps": [1 2] }', 1, 15, /expected ',' or '\]'/],
      ['{ "steps": "unterminated }', 1, 12, /unterminated string/],
      ["", 1, 1, /unexpected end/],
    ] as const
  ) {
    let error: unknown;
    try {
      parseScenario(text);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof ScenarioError, text);
    assert.deepEqual([error.issues[0].line, error.issues[0].column], [line, column], text);
    assert.match(error.message, what);
    assert.match(error.message, /^\d+:\d+: \(root\): not valid JSON: /);
  }
});
