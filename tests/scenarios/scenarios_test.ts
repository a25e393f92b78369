// Every scenario shipped in tests/scenarios is valid (for the player's validator and for the JSON Schema), plays
// to the end with every expectation met, and is not vacuous: each of its expectations, altered, makes it fail.
import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parseScenario, type SimScenario, SimWorld } from "../../drivers/sim/mod.ts";

const dir = new URL("./", import.meta.url);
const files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".json")).map((e) => e.name).sort();
const schema = JSON.parse(
  await Deno.readTextFile(new URL("../../drivers/sim/scenario.schema.json", import.meta.url)),
);
// deno-lint-ignore no-explicit-any
const validate = new (Ajv2020 as any)({ allErrors: true, strict: false }).compile(schema);

// deno-lint-ignore no-explicit-any
type Any = any;

/** Alters one field of an expectation (the first it has, or `only`) so that it no longer holds. */
function alter(e: Any, only?: string): string {
  const flip: [string, (v: Any) => Any][] = [
    ["reachability", (v) => v === "online" ? "local" : "online"],
    ["behindCaptivePortal", (v) => !v],
    ["state", (v) => v === "invalid" ? "connected" : "invalid"],
    ["activeConfiguration", (v) => `${v}-elsewhere`],
    ["isOpen", (v) => !v],
    ["error", (v) => v === null ? "unknown" : null],
    ["usagePolicies", (v) => v.length ? [] : ["no-background-traffic"]],
    ["interfaceAddresses", (v) => [...v, "192.0.2.1/32"]],
    ["bytesReceivedSinceOpen", (v) => v + 1],
    ["events", (v) => [...v, "closed"]],
    ["eventsInclude", (v) => [...v, "never-happens"]],
    ["holders", (v) => Object.fromEntries(Object.entries(v).map(([k, n]) => [k, (n as number) + 1]))],
    ["up", (v) => Object.fromEntries(Object.entries(v).map(([k, b]) => [k, !b]))],
    [
      "dataBudget",
      (v) =>
        Object.fromEntries(
          Object.entries(v).map(([k, b]: [string, Any]) => [k, b === null ? { used: 0 } : null]),
        ),
    ],
    ["totalEvents", (v) => v.max !== undefined ? { max: 0 } : { min: 1e9 }],
  ];
  for (const [field, change] of flip) {
    if (field in e && (only === undefined || field === only)) {
      e[field] = change(e[field]);
      return field;
    }
  }
  throw new Error(`no field to alter in ${JSON.stringify(e)}`);
}

assert.ok(files.length >= 13, `the scenario library has ${files.length} files`);

/** The events lists of a scenario's expectations that name the reachability of a new link. */
function activatedWithDetail(scenario: Any): { step: number; list: string[]; k: number }[] {
  const found: { step: number; list: string[]; k: number }[] = [];
  scenario.steps.forEach((s: Any, step: number) => {
    for (const field of ["events", "eventsInclude"]) {
      const list: string[] | undefined = s.expect?.[field];
      list?.forEach((e, k) => e.startsWith("newConfigurationActivated:") && found.push({ step, list, k }));
    }
  });
  return found;
}

for (const file of files) {
  const text = await Deno.readTextFile(new URL(file, dir));
  const scenario = JSON.parse(text) as SimScenario;

  Deno.test(`scenario ${file}: valid for the player and the JSON Schema`, () => {
    parseScenario(scenario);
    const ok = validate(scenario);
    assert.ok(ok, JSON.stringify(validate.errors, null, 2));
  });

  Deno.test(`scenario ${file}: plays with every expectation met`, async () => {
    const result = await new SimWorld({ seed: 1 }).play(text);
    assert.deepEqual(result.failures, []);
    assert.equal(result.passed, true);
    assert.ok(result.steps > 0 && result.events > 0);
  });

  const expects = scenario.steps.map((s, i) => ["expect" in s ? i : -1]).flat().filter((i) => i >= 0);
  Deno.test(`scenario ${file}: each of its ${expects.length} expectations, altered, fails the play`, async () => {
    assert.ok(expects.length > 0);
    for (const i of expects) {
      const broken = structuredClone(scenario) as Any;
      const field = alter(broken.steps[i].expect);
      const result = await new SimWorld({ seed: 1 }).play(broken, { timelineLimit: 0 });
      assert.equal(result.passed, false, `altering steps[${i}].expect.${field} went unnoticed`);
      assert.ok(result.failures.some((f) => f.step === i), `the failure names steps[${i}]`);
    }
  });
}

Deno.test("the reachability in a newConfigurationActivated expectation bites: another one fails the play", async () => {
  let checked = 0;
  for (const file of files) {
    const scenario = JSON.parse(await Deno.readTextFile(new URL(file, dir)));
    for (const { step, k } of activatedWithDetail(scenario)) {
      const broken = structuredClone(scenario);
      const list = broken.steps[step].expect.events ?? broken.steps[step].expect.eventsInclude;
      list[k] = list[k].endsWith(":online")
        ? "newConfigurationActivated:site"
        : "newConfigurationActivated:online";
      const result = await new SimWorld({ seed: 1 }).play(broken, { timelineLimit: 0 });
      assert.equal(result.passed, false, `${file}: steps[${step}] ${list[k]} went unnoticed`);
      checked++;
    }
  }
  assert.ok(checked >= 2, `${checked} detailed newConfigurationActivated expectations`);
});

Deno.test("the JSON Schema rejects what the player rejects (a few malformed steps)", () => {
  const bad = [
    { steps: [{ at: 0, action: "setSignal", id: "a", signal: 120 }] },
    { steps: [{ at: 0, action: "explode" }] },
    { version: 2, steps: [] },
    { steps: [{ at: 0, session: "app", do: "dance" }] },
    { steps: [{ at: 0, expect: { state: "flying" } }] },
    {
      steps: [{ at: 0, action: "addAccessPoint", id: "a" }, {
        at: 0,
        action: "setReachability",
        id: "a",
        reachability: "disconnected",
      }],
    },
    { steps: [{ at: 0, action: "addAccessPoint", id: "a", captivePortal: "yes" }] },
    {
      sessions: [{ id: "s", configuration: "a" }],
      steps: [{ at: 0, expect: { session: "s", reachability: "far" } }],
    },
    { sessions: [{ id: "s", configuration: "a", need: { notMetered: true } }], steps: [] },
    { sessions: [{ id: "s" }], steps: [] },
    { sessions: [{ id: "s", need: { minSignal: 120 } }], steps: [] },
    { sessions: [{ id: "s", need: { bearers: ["pigeon"] } }], steps: [] },
    { processes: [{ id: "p", lingerMs: -1 }], steps: [] },
    {
      steps: [{ at: 0, action: "addAccessPoint", id: "a" }, {
        at: 0,
        action: "setDataBudget",
        id: "a",
        bytes: 0,
      }],
    },
    { steps: [{ at: 0, action: "addAccessPoint", id: "a", fadeMs: -1 }] },
  ];
  for (const s of bad) {
    assert.equal(validate(s), false, JSON.stringify(s));
    assert.throws(() => parseScenario(s));
  }
});

Deno.test("the newer expectation fields bite on their own: bytesReceivedSinceOpen, dataBudget", async () => {
  const checked: string[] = [];
  for (const file of files) {
    const scenario = JSON.parse(await Deno.readTextFile(new URL(file, dir)));
    for (const [i, s] of (scenario.steps as Any[]).entries()) {
      for (const field of ["bytesReceivedSinceOpen", "dataBudget"]) {
        if (!(field in (s.expect ?? {}))) continue;
        const broken = structuredClone(scenario);
        alter(broken.steps[i].expect, field);
        const result = await new SimWorld({ seed: 1 }).play(broken, { timelineLimit: 0 });
        assert.equal(result.passed, false, `${file}: altering steps[${i}].expect.${field} went unnoticed`);
        checked.push(field);
      }
    }
  }
  assert.ok(checked.includes("bytesReceivedSinceOpen") && checked.includes("dataBudget"), checked.join());
});

Deno.test("losing and dataBudget events bite: another detail, or the event left out, fails the play", async () => {
  let checked = 0;
  for (const file of files) {
    const scenario = JSON.parse(await Deno.readTextFile(new URL(file, dir)));
    for (const [i, s] of (scenario.steps as Any[]).entries()) {
      for (const [k, ev] of ((s.expect?.events ?? []) as string[]).entries()) {
        if (!ev.startsWith("losing:") && !ev.startsWith("dataBudget:")) continue;
        for (const change of ["detail", "drop"]) {
          const broken = structuredClone(scenario);
          const list: string[] = broken.steps[i].expect.events;
          if (change === "drop") list.splice(k, 1);
          else {list[k] = ev.startsWith("losing:")
              ? "losing:1"
              : ev.replace(/^dataBudget:\d+/, "dataBudget:1");}
          const result = await new SimWorld({ seed: 1 }).play(broken, { timelineLimit: 0 });
          assert.equal(result.passed, false, `${file}: steps[${i}] ${change} of ${ev} went unnoticed`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked >= 8, `${checked} altered losing/dataBudget events`);
});
