import assert from "node:assert/strict";
import { applyWorldStep, simErrorCode, SimWorld, type SimWorldStep } from "./mod.ts";

function codeOf(world: SimWorld, step: unknown): string | undefined {
  try {
    applyWorldStep(world, step as SimWorldStep);
  } catch (error) {
    return simErrorCode(error);
  }
  return undefined;
}

Deno.test("applyWorldStep applies one world change now, ignoring at", () => {
  const world = new SimWorld();
  applyWorldStep(world, {
    at: 5000,
    action: "addAccessPoint",
    id: "wlan",
    device: "wlan0",
    connectTimeout: 900,
  });
  applyWorldStep(world, { action: "addServiceNetwork", id: "sn", members: ["wlan"] });
  applyWorldStep(world, { action: "setDefault", id: "sn" });
  applyWorldStep(world, { action: "activateExternally", id: "wlan" });
  applyWorldStep(world, { action: "traffic", id: "wlan", rx: 10 });
  applyWorldStep(world, { action: "setUsagePolicies", policies: ["no-background-traffic"] });
  assert.equal(world.clock.now(), 0);
  assert.equal(world.defaultConfiguration, "sn");
  assert.equal(world.accessPoint("wlan").bytesReceived, 10);
  assert.equal(world.accessPoint("wlan").connectTimeout, 900);
  assert.deepEqual(world.usagePolicies, ["no-background-traffic"]);
  applyWorldStep(world, { action: "setSignal", id: "wlan", signal: 0 });
  assert.equal(world.isUp("wlan"), false);
});

Deno.test("applyWorldStep errors carry codes: unknown action or field invalid, unknown id not-found", () => {
  const world = new SimWorld();
  world.addAccessPoint({ id: "wlan" });
  assert.equal(codeOf(world, { action: "setSignl", id: "wlan", signal: 1 }), "invalid");
  assert.equal(codeOf(world, { action: "setSignal", id: "wlan", signal: 1, colour: "red" }), "invalid");
  assert.equal(codeOf(world, "setSignal"), "invalid");
  assert.equal(codeOf(world, { action: "setSignal", id: "wlan", signal: 200 }), "invalid");
  assert.equal(codeOf(world, { action: "setSignal", id: "nope", signal: 1 }), "not-found");
  assert.equal(codeOf(world, { action: "traffic", id: "wlan", rx: 1 }), "conflict");
  assert.equal(codeOf(world, { action: "addAccessPoint", id: "wlan" }), "conflict");
  assert.equal(codeOf(world, { action: "setSignal", id: "wlan", signal: 3 }), undefined);
});
