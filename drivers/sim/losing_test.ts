// The simulator's `losing` warnings: a fading signal and a deactivation under way, always before the loss.
import assert from "node:assert/strict";
import { NetworkConfigurationManager, WEAK_SIGNAL } from "@netsession/core";
import { SimDriver } from "./driver.ts";
import { describe, setup } from "./_helpers_test.ts";

Deno.test("fading: an active link set below WEAK_SIGNAL (above 0) warns with fadeMs, once per fade", async () => {
  const { world, events } = await setup();
  world.addAccessPoint({ id: "wlan", signal: 80 });
  world.addAccessPoint({ id: "edge", signal: 80, fadeMs: 2500 });
  world.activateExternally("wlan");
  world.activateExternally("edge");
  events.length = 0;
  world.setSignal("wlan", WEAK_SIGNAL); // at the threshold: not fading
  world.setSignal("wlan", WEAK_SIGNAL - 1);
  world.setSignal("wlan", 5); // the same fade: no second warning
  world.setSignal("edge", 10);
  assert.deepEqual(describe(events), [
    "changed:wlan:active",
    "losing:wlan:10000",
    "changed:wlan:active",
    "changed:wlan:active",
    "losing:edge:2500",
    "changed:edge:active",
  ]);
  events.length = 0;
  world.setSignal("wlan", 60); // back: the next fade warns again
  world.setSignal("wlan", 3);
  assert.deepEqual(describe(events), ["changed:wlan:active", "losing:wlan:10000", "changed:wlan:active"]);
  events.length = 0;
  world.setSignal("wlan", 0); // the fade ends the link: the warning came first, none now
  assert.deepEqual(describe(events), ["changed:wlan:defined"]);
});

Deno.test("fading: no warning for a link that is down; a new link's fade is warned afresh", async () => {
  const { world, events } = await setup();
  world.addAccessPoint({ id: "wlan", signal: 80 });
  events.length = 0;
  world.setSignal("wlan", 10); // down: nothing to lose
  assert.deepEqual(describe(events), ["changed:wlan:discovered"]);
  world.activateExternally("wlan");
  world.setSignal("wlan", 8);
  world.deactivateExternally("wlan");
  world.activateExternally("wlan");
  events.length = 0;
  world.setSignal("wlan", 6);
  assert.deepEqual(describe(events), ["losing:wlan:10000", "changed:wlan:active"]);
});

Deno.test("deactivateExternally warns with deactivationMs before the link goes; not on a link that is down", async () => {
  const { world, events } = await setup();
  world.addAccessPoint({ id: "wlan", deactivationMs: 300 });
  world.addServiceNetwork({ id: "any", members: ["wlan"] });
  world.deactivateExternally("wlan");
  world.activateExternally("wlan");
  events.length = 0;
  world.deactivateExternally("wlan");
  assert.deepEqual(describe(events), [
    "losing:wlan:300",
    "changed:wlan:discovered",
    "changed:any:discovered",
  ]);
  events.length = 0;
  world.deactivateExternally("wlan");
  assert.deepEqual(events, []);
});

Deno.test("removing an active access point warns with deactivationMs before configuration-removed", async () => {
  const { world, events } = await setup();
  world.addAccessPoint({ id: "wlan", deactivationMs: 120 });
  world.addAccessPoint({ id: "idle" });
  world.activateExternally("wlan");
  events.length = 0;
  world.removeAccessPoint("wlan");
  world.removeAccessPoint("idle");
  assert.deepEqual(describe(events), ["losing:wlan:120", "removed:wlan", "removed:idle"]);
});

Deno.test("the core hears losing before the loss: a session's losing event comes before its error", async () => {
  const { world } = await setup();
  world.addAccessPoint({ id: "wlan", signal: 80, fadeMs: 7000 });
  const manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
  const s = manager.createSession(manager.configurationFromIdentifier("wlan"));
  const log: string[] = [];
  s.on("losing", (e) => log.push(`losing:${e.msToLive}`));
  s.on("error", (e) => log.push(`error:${e}`));
  const opening = s.open();
  await world.advance(100);
  assert.equal(await opening, true);
  world.setSignal("wlan", 15);
  world.setSignal("wlan", 0);
  await world.advance(0);
  assert.deepEqual(log, ["losing:7000", "error:session-aborted"]);
  await manager.close();
});
