import assert from "node:assert/strict";
import { parseScenario, ScenarioError, SimError, simErrorCode, SimWorld } from "./mod.ts";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return simErrorCode(error);
  }
  assert.fail("expected a throw");
}

Deno.test("world errors carry a code: not-found, conflict or invalid", () => {
  const world = new SimWorld();
  world.addAccessPoint({ id: "wlan", device: "wlan0" });
  world.addServiceNetwork({ id: "sn", members: ["wlan"] });
  assert.equal(codeOf(() => world.setSignal("nope", 1)), "not-found");
  assert.equal(codeOf(() => world.setDefault("nope")), "not-found");
  assert.equal(codeOf(() => world.addServiceNetwork({ id: "x", members: ["ghost"] })), "not-found");
  assert.equal(codeOf(() => world.addAccessPoint({ id: "wlan" })), "conflict");
  assert.equal(codeOf(() => world.addAccessPoint({ id: "b", interface: "wlan0" })), "conflict");
  assert.equal(codeOf(() => world.traffic("wlan", { rx: 1 })), "conflict");
  assert.equal(codeOf(() => world.setSignal("sn", 1)), "conflict");
  assert.equal(codeOf(() => world.addServiceNetwork({ id: "x", members: ["sn"] })), "conflict");
  world.setSignal("wlan", 0);
  assert.equal(codeOf(() => world.activateExternally("wlan")), "conflict");
  assert.equal(codeOf(() => world.setSignal("wlan", 101)), "invalid");
  assert.equal(codeOf(() => world.addAccessPoint({ id: "" })), "invalid");
  assert.equal(codeOf(() => world.addServiceNetwork({ id: "x", members: ["wlan", "wlan"] })), "invalid");
  assert.equal(codeOf(() => world.setUsagePolicies(["be-nice" as never])), "invalid");
});

Deno.test("a malformed value stays a TypeError or RangeError, and carries code invalid", () => {
  const world = new SimWorld();
  try {
    world.addAccessPoint({ id: "a", signal: 150 });
    assert.fail("expected a throw");
  } catch (error) {
    assert.ok(error instanceof RangeError);
    assert.equal(simErrorCode(error), "invalid");
  }
  try {
    world.addAccessPoint({ id: "a", metered: "yes" as never });
    assert.fail("expected a throw");
  } catch (error) {
    assert.ok(error instanceof TypeError);
    assert.equal(simErrorCode(error), "invalid");
  }
});

Deno.test("ScenarioError has code invalid; other errors have no sim code", () => {
  try {
    parseScenario({ steps: [{ at: 0, action: "setSignal", id: "x", signal: 1 }] });
    assert.fail("expected a throw");
  } catch (error) {
    assert.ok(error instanceof ScenarioError);
    assert.equal(simErrorCode(error), "invalid");
  }
  assert.equal(simErrorCode(new Error("x")), undefined);
  assert.equal(simErrorCode({ code: "conflict" }), undefined, "only errors");
  assert.equal(simErrorCode(new SimError("conflict", "x")), "conflict");
});
