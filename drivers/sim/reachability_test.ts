// Per access point reachability and captive portal: the options, world.setReachability and
// SimDriver.checkReachability.
import assert from "node:assert/strict";
import { DriverError, type Reachability } from "@netsession/core";
import { simErrorCode } from "./errors.ts";
import { describe, setup } from "./_helpers_test.ts";
import { SimWorld } from "./world.ts";

Deno.test("an access point reaches 'online' without a captive portal by default; drivers report it only while up", async () => {
  const { world, driver } = await setup();
  world.addAccessPoint({ id: "wlan", activationMs: 10 });
  world.addAccessPoint({ id: "hotspot", reachability: "local", captivePortal: true });
  assert.deepEqual(
    [world.accessPoint("wlan").reachability, world.accessPoint("wlan").captivePortal],
    ["online", false],
  );
  const down = world.configuration("hotspot");
  assert.ok(!("reachability" in down) && !("captivePortal" in down), "nothing while down");
  const up = driver.activate("hotspot");
  await world.advance(100);
  await up;
  const c = world.configurations().find((c) => c.identifier === "hotspot")!;
  assert.deepEqual([c.state, c.reachability, c.captivePortal], ["active", "local", true]);
  assert.deepEqual(
    [world.accessPoint("hotspot").reachability, world.accessPoint("hotspot").captivePortal],
    ["local", true],
  );
  const unknown = new SimWorld();
  unknown.addAccessPoint({ id: "x", reachability: "unknown" });
  unknown.activateExternally("x");
  assert.equal(unknown.configuration("x").reachability, "unknown", "'unknown' only when told");
});

Deno.test("setReachability while up is reported at once, the link stays up; an unchanged value reports nothing", async () => {
  const { world, events } = await setup();
  world.addAccessPoint({ id: "lte", bearer: "lte" });
  world.addServiceNetwork({ id: "any", members: ["lte"] });
  world.activateExternally("lte");
  events.length = 0;
  world.setReachability("lte", "local");
  assert.deepEqual(
    describe(events),
    ["changed:lte:active"],
    "the access point only: the network's state holds",
  );
  const e = events[0];
  assert.ok(e.type === "configuration-changed");
  assert.deepEqual([e.configuration.reachability, e.configuration.captivePortal], ["local", false]);
  assert.equal(world.isUp("lte"), true);
  world.setReachability("lte", "local", { captivePortal: false });
  assert.equal(events.length, 1, "no change, no event");
  world.setReachability("lte", "site", { captivePortal: true });
  world.setReachability("lte", "site"); // each call says both: the portal is gone
  assert.deepEqual(
    events.map((e) =>
      e.type === "configuration-changed" && [e.configuration.reachability, e.configuration.captivePortal]
    ),
    [["local", false], ["site", true], ["site", false]],
  );
});

Deno.test("setReachability while down reports nothing and applies on every later activation", async () => {
  const { world, driver, events } = await setup();
  world.addAccessPoint({ id: "wlan", activationMs: 10, deactivationMs: 10 });
  events.length = 0;
  world.setReachability("wlan", "local", { captivePortal: true });
  assert.deepEqual(events, []);
  for (let round = 0; round < 2; round++) {
    const up = driver.activate("wlan");
    await world.advance(10);
    await up;
    const c = world.configuration("wlan");
    assert.deepEqual([c.reachability, c.captivePortal], ["local", true], `activation ${round + 1}`);
    const down = driver.deactivate("wlan");
    await world.advance(10);
    await down;
    assert.equal(world.configuration("wlan").reachability, undefined);
  }
});

Deno.test("setReachability rejects unknown ids, other configurations and malformed values with codes", () => {
  const world = new SimWorld();
  world.addAccessPoint({ id: "wlan" });
  world.addUserChoice({ id: "ask" });
  const bad: [() => void, string, RegExp][] = [
    [() => world.setReachability("nope", "local"), "not-found", /unknown access point 'nope'/],
    [() => world.setReachability("ask", "local"), "conflict", /'ask' is a user-choice configuration/],
    [
      () => world.setReachability("wlan", "far" as Reachability),
      "invalid",
      /reachability of 'wlan' must be one of "unknown", "local", "site", "online", got "far"/,
    ],
    [() => world.setReachability("wlan", "disconnected"), "invalid", /reachability of 'wlan' must be one of/],
    [
      () => world.setReachability("wlan", "local", { captivePortal: "yes" as unknown as boolean }),
      "invalid",
      /captivePortal of 'wlan' must be true or false, got "yes"/,
    ],
    [
      () => world.setReachability("wlan", "local", null as unknown as { captivePortal?: boolean }),
      "invalid",
      /options must be an object/,
    ],
  ];
  for (const [call, code, message] of bad) {
    assert.throws(call, (e: Error) => {
      assert.match(e.message, message);
      assert.equal(simErrorCode(e), code);
      return true;
    });
  }
  assert.equal(world.accessPoint("wlan").reachability, "online", "a rejected call changes nothing");
});

Deno.test("checkReachability: the link's reachability while up, 'disconnected' while down; pushes nothing", async () => {
  const { world, driver, events } = await setup();
  world.addAccessPoint({ id: "wlan", reachability: "site" });
  world.addServiceNetwork({ id: "any", members: ["wlan"] });
  assert.equal(await driver.checkReachability("wlan"), "disconnected");
  world.activateExternally("wlan");
  assert.equal(await driver.checkReachability("wlan"), "site");
  world.setReachability("wlan", "online");
  events.length = 0;
  assert.equal(await driver.checkReachability("wlan"), "online");
  assert.deepEqual(events, [], "the world already reported the change");
  for (const id of ["nope", "any"]) {
    await assert.rejects(driver.checkReachability(id), (e: unknown) => {
      assert.ok(e instanceof DriverError);
      assert.equal(e.code, "invalid-configuration");
      assert.match(e.message, new RegExp(`checkReachability\\('${id}'\\)`));
      return true;
    });
  }
});
