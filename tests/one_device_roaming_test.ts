// Roaming between two access points on one device (two WLAN profiles on one radio): starting the new one takes
// the old one down, so application-level roaming cannot keep both up. The application still decides: accept
// keeps the new one; reject starts the old one again, then lets the new one go; a reject that cannot go back
// leaves the session on the new one with error `roaming`. Simulated (virtual time), with `device` shared.
import assert from "node:assert/strict";
import { NetworkConfigurationManager, type NetworkSession } from "../core/mod.ts";
import { SimDriver, SimWorld } from "../drivers/sim/mod.ts";
import { sessionLog } from "../core/_session_log.ts";

async function radio(options: { forced?: boolean } = {}) {
  const world = new SimWorld();
  world.addAccessPoint({ id: "home", bearer: "wlan", device: "wlan0", activationMs: 200 });
  world.addAccessPoint({ id: "office", bearer: "wlan", device: "wlan0", signal: 0, activationMs: 200 });
  world.addServiceNetwork({ id: "any", members: ["office", "home"] });
  const manager = await NetworkConfigurationManager.create(new SimDriver(world), {
    clock: world.clock,
    onListenerError: (e) => {
      throw e;
    },
  });
  const s = manager.createSession(manager.configurationFromIdentifier("any"));
  const log = sessionLog(s, ["stateChanged", "error", "closed", "newConfigurationActivated"]);
  if (!options.forced) {
    s.on("preferredConfigurationChanged", (e) => {
      log.push(`preferred:${e.configuration.identifier}`);
      s.migrate();
    });
  }
  s.open();
  await world.advance(500);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "home");
  assert.equal(s.interface?.name, "wlan0");
  log.length = 0;
  return { world, manager, s, log };
}

/** The office comes into range; the session migrates; starting it takes home down. */
async function roamed(world: SimWorld, s: NetworkSession, log: string[]) {
  world.setSignal("office", 90);
  await world.advance(500);
  assert.deepEqual(log, ["preferred:office", "state:roaming", "activated"]);
  assert.equal(world.isUp("home"), false, "one radio: home went down when office started");
  assert.equal(world.isUp("office"), true);
  // Waiting for the application's decision; the traffic already runs over the new access point.
  assert.equal(s.state, "roaming");
  assert.equal(s.sessionProperty("ActiveConfiguration"), "office");
  assert.equal(s.interface?.name, "wlan0");
  log.length = 0;
}

Deno.test("one device: a simulated device runs one access point at a time", async () => {
  const world = new SimWorld();
  world.addAccessPoint({ id: "a", device: "wlan0" });
  world.addAccessPoint({ id: "b", device: "wlan0" });
  world.addAccessPoint({ id: "c" });
  assert.equal(world.accessPoint("a").interfaceName, "wlan0");
  assert.equal(world.accessPoint("b").device, "wlan0");
  world.activateExternally("a");
  world.activateExternally("c");
  await world.advance(200);
  world.activateExternally("b");
  await world.advance(200);
  assert.deepEqual([world.isUp("a"), world.isUp("b"), world.isUp("c")], [false, true, true]);
  assert.throws(
    () => world.addAccessPoint({ id: "d", device: "" }),
    /device of 'd' must be a non-empty string/,
  );
  assert.throws(
    () => world.addAccessPoint({ id: "e", device: "sim2" }),
    /already the interface of access point 'c'/,
  );
});

Deno.test("one device: ALR accept keeps the new access point; the old one stays down", async () => {
  const { world, manager, s, log } = await radio();
  await roamed(world, s, log);
  s.accept();
  await world.advance(500);
  assert.deepEqual(log, ["state:connected"]);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "office");
  assert.deepEqual([world.isUp("home"), world.isUp("office")], [false, true]);
  assert.deepEqual([manager.holdCount("home"), manager.holdCount("office")], [0, 1]);
  s.close();
  await world.advance(500);
  assert.equal(world.isUp("office"), false);
});

Deno.test("one device: ALR reject starts the old access point again and releases the new one", async () => {
  const { world, manager, s, log } = await radio();
  await roamed(world, s, log);
  s.reject();
  assert.equal(s.state, "roaming"); // going back takes the activation time
  await world.advance(500);
  assert.deepEqual(log, ["state:connected"]);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "home");
  assert.equal(s.interface?.name, "wlan0");
  assert.deepEqual([world.isUp("home"), world.isUp("office")], [true, false]);
  assert.deepEqual([manager.holdCount("home"), manager.holdCount("office")], [1, 0]);
  // The rejected access point is not offered again while nothing changes.
  world.setSignal("home", 80);
  await world.advance(500);
  assert.deepEqual(log, ["state:connected"]);
  s.close();
  await world.advance(500);
  assert.deepEqual([world.isUp("home"), world.isUp("office")], [false, false]);
  assert.deepEqual(world.holders("home"), { external: false, drivers: 0 });
});

Deno.test("one device: a reject whose old access point fails to start leaves nothing up: the session ends", async () => {
  const { world, manager, s, log } = await radio();
  await roamed(world, s, log);
  world.failNextActivation("home", "association rejected");
  s.reject();
  await world.advance(1000);
  // Starting home took office down; home failed: the radio has nothing left to give.
  assert.equal(s.isOpen, false);
  assert.ok(log.includes("error:session-aborted") && log.includes("closed"), log.join(","));
  assert.match(s.errorString, /could not return to the previous access point: association rejected/);
  assert.deepEqual([world.isUp("home"), world.isUp("office")], [false, false]);
  assert.deepEqual([manager.holdCount("home"), manager.holdCount("office")], [0, 0]);
});

Deno.test("two devices: the old access point taken down mid-roam by another program; reject starts it again", async () => {
  const world = new SimWorld();
  world.addAccessPoint({ id: "lte", bearer: "lte" });
  world.addAccessPoint({ id: "wlan", signal: 0, activationMs: 300 });
  world.addServiceNetwork({ id: "any", members: ["wlan", "lte"] });
  const manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
  const s = manager.createSession(manager.configurationFromIdentifier("any"));
  s.on("preferredConfigurationChanged", () => s.migrate());
  const errors: string[] = [];
  s.on("error", (e) => errors.push(e));
  s.open();
  await world.advance(500);
  world.setSignal("wlan", 90);
  await world.advance(100); // migrating
  world.deactivateExternally("lte"); // still in range: it could come back
  await world.advance(500);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan");
  s.reject();
  await world.advance(500);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
  assert.deepEqual([world.isUp("lte"), world.isUp("wlan")], [true, false]);
  assert.deepEqual(errors, []);
  // And when going back fails, the session stays on the new access point with error roaming.
  world.setSignal("wlan", 0); // out of range and back: offered again
  await world.advance(10);
  world.setSignal("wlan", 90);
  await world.advance(100);
  world.deactivateExternally("lte");
  await world.advance(500);
  world.failNextActivation("lte", "no carrier");
  s.reject();
  await world.advance(500);
  assert.deepEqual(errors, ["roaming"]);
  assert.equal(s.state, "connected");
  assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan");
  assert.deepEqual([manager.holdCount("lte"), manager.holdCount("wlan")], [0, 1]);
});

Deno.test("one device: a reject after the old access point went out of range stays on the new one", async () => {
  const { world, s, log } = await radio();
  await roamed(world, s, log);
  world.setSignal("home", 0);
  await world.advance(100);
  s.reject();
  await world.advance(500);
  assert.equal(s.state, "connected");
  assert.deepEqual(log, ["state:connected", "error:roaming"]);
  assert.match(s.errorString, /the previous access point is gone/);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "office");
});

Deno.test("one device: the new access point lost while waiting for the decision ends the session", async () => {
  const { world, manager, s, log } = await radio();
  await roamed(world, s, log);
  world.setSignal("office", 0);
  await world.advance(500);
  assert.equal(s.isOpen, false);
  assert.ok(log.includes("error:session-aborted") && log.includes("closed"), log.join(","));
  assert.deepEqual([manager.holdCount("home"), manager.holdCount("office")], [0, 0]);
  assert.deepEqual([world.isUp("home"), world.isUp("office")], [false, false]);
});

Deno.test("one device: forced roaming moves to the better access point by itself", async () => {
  const { world, manager, s, log } = await radio({ forced: true });
  world.setSignal("office", 90);
  await world.advance(1000);
  assert.equal(s.state, "connected");
  assert.equal(s.sessionProperty("ActiveConfiguration"), "office");
  assert.deepEqual(log, ["state:roaming", "state:connected", "activated"]);
  assert.deepEqual([manager.holdCount("home"), manager.holdCount("office")], [0, 1]);
});
