import assert from "node:assert/strict";
import { DriverError, type DriverEvent } from "@netsession/core";
import { SimDriver } from "./driver.ts";
import { SimWorld } from "./world.ts";
import { describe, setup, track } from "./_helpers_test.ts";

function isDriverError(code: string, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof DriverError, `expected a DriverError, got ${e}`);
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  };
}

Deno.test("start returns the snapshot with the default capabilities and attaches the sink", async () => {
  const world = new SimWorld();
  world.addAccessPoint({ id: "wlan" });
  world.setDefault("wlan");
  world.setUsagePolicies(["no-background-traffic"]);
  const driver = new SimDriver(world);
  assert.equal(driver.name, "sim");
  const events: DriverEvent[] = [];
  const snap = await driver.start((e) => events.push(e));
  assert.deepEqual(snap.configurations.map((c) => c.identifier), ["wlan"]);
  assert.equal(snap.defaultConfiguration, "wlan");
  assert.deepEqual(snap.usagePolicies, ["no-background-traffic"]);
  assert.deepEqual([...snap.capabilities].sort(), [
    "application-level-roaming",
    "can-start-and-stop-interfaces",
    "data-statistics",
    "direct-connection-routing",
    "forced-roaming",
  ]);
  await assert.rejects(driver.start(() => {}), /already started/);
  world.addAccessPoint({ id: "lte" });
  assert.deepEqual(describe(events), ["added:lte:discovered"]);
  await driver.close();
  world.addAccessPoint({ id: "gone" });
  assert.equal(events.length, 1, "no events after close()");
  await driver.scan();
});

Deno.test("activation takes activationMs of virtual time, then reports active with an interface", async () => {
  const { world, driver, events } = await setup();
  world.addAccessPoint({ id: "wlan", activationMs: 300 });
  world.setDefault("wlan");
  events.length = 0;
  const up = track(driver.activate("wlan"));
  await world.advance(299);
  assert.equal(up.done, false);
  assert.equal(world.accessPoint("wlan").phase, "activating");
  assert.equal(world.configuration("wlan").state, "discovered");
  assert.deepEqual(events, []);
  await world.advance(1);
  assert.equal(up.done, true);
  assert.equal(up.error, undefined);
  assert.deepEqual(describe(events), ["changed:wlan:active"]);
  const c = (events[0] as { configuration: { interface?: unknown } }).configuration;
  assert.deepEqual(c.interface, {
    name: "sim0",
    index: 100,
    addresses: ["10.77.0.2/24"],
    hardwareAddress: world.accessPoint("wlan").hardwareAddress,
  });
  assert.equal(driver.holds("wlan"), true);
  // activating an active access point resolves at once
  const again = track(driver.activate("wlan"));
  await world.advance(0);
  assert.equal(again.done, true);
  assert.equal(world.clock.now(), 300);
});

Deno.test("concurrent activations join one pending activation", async () => {
  const { world, driver, events } = await setup();
  world.addAccessPoint({ id: "wlan", activationMs: 100 });
  events.length = 0;
  const first = track(driver.activate("wlan"));
  await world.advance(60);
  const second = track(driver.activate("wlan"));
  await world.advance(40);
  assert.equal(first.done && second.done, true);
  assert.equal(first.error ?? second.error, undefined);
  assert.deepEqual(describe(events), ["changed:wlan:active"], "one activation, one event");
});

Deno.test("activate rejects unknown ids, non access points and out-of-range access points with invalid-configuration", async () => {
  const { world, driver } = await setup();
  world.addAccessPoint({ id: "far", signal: 0 });
  world.addServiceNetwork({ id: "sn", members: ["far"] });
  await assert.rejects(
    driver.activate("nope"),
    isDriverError("invalid-configuration", /unknown configuration 'nope'/),
  );
  await assert.rejects(
    driver.activate("sn"),
    isDriverError("invalid-configuration", /service network, not an access point/),
  );
  await assert.rejects(driver.activate("far"), isDriverError("invalid-configuration", /out of range/));
  await assert.rejects(driver.deactivate("nope"), isDriverError("invalid-configuration"));
});

Deno.test("a timeout shorter than the activation rejects with unknown and the access point stays down", async () => {
  const { world, driver, events } = await setup();
  world.addAccessPoint({ id: "slow", activationMs: 5000 });
  events.length = 0;
  const up = track(driver.activate("slow", { timeout: 1000 }));
  await world.advance(999);
  assert.equal(up.done, false);
  await world.advance(1);
  assert.equal(up.done, true);
  assert.ok(up.error instanceof DriverError);
  assert.equal(up.error.code, "unknown");
  assert.equal(up.error.message, "activation of 'slow' timed out after 1000 ms");
  await world.advance(10_000);
  assert.equal(world.isUp("slow"), false);
  assert.equal(world.accessPoint("slow").phase, "down");
  assert.deepEqual(events, []);
  assert.equal(world.clock.pendingTimers, 0);
});

Deno.test("a timeout longer than the activation is cleared when the activation succeeds", async () => {
  const { world, driver } = await setup();
  world.addAccessPoint({ id: "wlan", activationMs: 100 });
  const up = track(driver.activate("wlan", { timeout: 100 }));
  await world.advance(100);
  assert.equal(up.done, true);
  assert.equal(up.error, undefined, "the activation wins a tie with the time-out");
  assert.equal(world.clock.pendingTimers, 0);
});

Deno.test("aborting cancels the pending activation: session-aborted, the access point stays down", async () => {
  const { world, driver, events } = await setup();
  world.addAccessPoint({ id: "wlan", activationMs: 100 });
  events.length = 0;
  const ac = new AbortController();
  const up = track(driver.activate("wlan", { signal: ac.signal }));
  await world.advance(50);
  ac.abort();
  await world.advance(0);
  assert.ok(up.error instanceof DriverError);
  assert.equal(up.error.code, "session-aborted");
  await world.advance(500);
  assert.equal(world.isUp("wlan"), false);
  assert.deepEqual(events, []);
  // an already aborted signal rejects at once
  await assert.rejects(
    driver.activate("wlan", { signal: AbortSignal.abort() }),
    isDriverError("session-aborted"),
  );
  assert.equal(world.accessPoint("wlan").phase, "down");
});

Deno.test("aborting one of two joined activations leaves the other running", async () => {
  const { world, driver } = await setup();
  const other = new SimDriver(world);
  await other.start(() => {});
  world.addAccessPoint({ id: "wlan", activationMs: 100 });
  const ac = new AbortController();
  const a = track(driver.activate("wlan", { signal: ac.signal }));
  const b = track(other.activate("wlan"));
  await world.advance(10);
  ac.abort();
  await world.advance(90);
  assert.equal((a.error as DriverError).code, "session-aborted");
  assert.equal(b.done && b.error === undefined, true);
  assert.equal(world.isUp("wlan"), true);
  assert.deepEqual([driver.holds("wlan"), other.holds("wlan")], [false, true]);
});

Deno.test("failNextActivation fails the next activation after activationMs with unknown and the reason", async () => {
  const { world, driver, events } = await setup();
  world.addAccessPoint({ id: "wlan", activationMs: 200 });
  world.failNextActivation("wlan", "wrong passphrase");
  events.length = 0;
  const first = track(driver.activate("wlan"));
  await world.advance(199);
  assert.equal(first.done, false);
  await world.advance(1);
  assert.ok(first.error instanceof DriverError);
  assert.equal(first.error.code, "unknown");
  assert.equal(first.error.message, "wrong passphrase");
  assert.equal(world.isUp("wlan"), false);
  assert.deepEqual(events, []);
  assert.equal(driver.holds("wlan"), false);
  // only the next one: the one after succeeds; a default message exists
  const second = track(driver.activate("wlan"));
  await world.advance(200);
  assert.equal(second.error, undefined);
  assert.equal(world.isUp("wlan"), true);
  world.deactivateExternally("wlan");
  world.failNextActivation("wlan");
  const third = assert.rejects(
    driver.activate("wlan"),
    isDriverError("unknown", /activation of 'wlan' failed/),
  );
  await world.advance(200);
  await third;
});

Deno.test("deactivate takes the link down after deactivationMs: discovered, no interface, counters reset", async () => {
  const { world, driver, events } = await setup();
  world.addAccessPoint({ id: "wlan", activationMs: 10, deactivationMs: 70 });
  const up = driver.activate("wlan");
  await world.advance(10);
  await up;
  world.traffic("wlan", { rx: 10, tx: 5 });
  events.length = 0;
  const down = track(driver.deactivate("wlan"));
  await world.advance(69);
  assert.equal(down.done, false);
  assert.equal(world.configuration("wlan").state, "active", "still up while going down");
  await world.advance(1);
  assert.equal(down.done, true);
  assert.deepEqual(describe(events), ["changed:wlan:discovered"]);
  assert.equal(world.configuration("wlan").interface, undefined);
  assert.deepEqual(driver.statistics("wlan"), { bytesReceived: 0, bytesWritten: 0 });
  // deactivating a down access point resolves at once
  const again = track(driver.deactivate("wlan"));
  await world.advance(0);
  assert.equal(again.done, true);
  assert.equal(world.clock.now(), 80);
});

Deno.test("an external hold keeps the link up on deactivate; force takes it down whoever holds it", async () => {
  const { world, driver, events } = await setup();
  world.addAccessPoint({ id: "wlan" });
  world.activateExternally("wlan");
  assert.deepEqual(world.holders("wlan"), { external: true, drivers: 0 });
  await driver.activate("wlan"); // already active: resolves at once and holds
  assert.deepEqual(world.holders("wlan"), { external: true, drivers: 1 });
  events.length = 0;
  await driver.deactivate("wlan");
  assert.equal(world.isUp("wlan"), true, "another program still holds it");
  assert.deepEqual(world.holders("wlan"), { external: true, drivers: 0 });
  assert.deepEqual(events, []);
  await driver.activate("wlan");
  const down = track(driver.deactivate("wlan", { force: true }));
  await world.advance(50);
  assert.equal(down.done, true);
  assert.equal(world.isUp("wlan"), false);
  assert.deepEqual(world.holders("wlan"), { external: false, drivers: 0 });
  assert.deepEqual(describe(events), ["changed:wlan:discovered"]);
});

Deno.test("deactivateExternally takes the link down at once; releaseExternally lets it go when nobody holds it", async () => {
  const { world, driver, events } = await setup();
  world.addAccessPoint({ id: "wlan" });
  const up = driver.activate("wlan");
  await world.advance(100);
  await up;
  events.length = 0;
  world.deactivateExternally("wlan");
  assert.deepEqual(describe(events), ["losing:wlan:50", "changed:wlan:discovered"], "warned first");
  assert.equal(driver.holds("wlan"), false);
  world.activateExternally("wlan");
  world.releaseExternally("wlan");
  await world.advance(50);
  assert.equal(world.isUp("wlan"), false);
});

Deno.test("losing range while active drops the link at once: defined, counters reset, holds gone", async () => {
  const { world, driver, events } = await setup();
  world.addAccessPoint({ id: "wlan" });
  const up = driver.activate("wlan");
  await world.advance(100);
  await up;
  world.traffic("wlan", { rx: 100, tx: 100 });
  events.length = 0;
  world.setSignal("wlan", 0);
  assert.deepEqual(describe(events), ["changed:wlan:defined"]);
  assert.equal(world.isUp("wlan"), false);
  assert.equal(world.configuration("wlan").interface, undefined);
  assert.deepEqual(driver.statistics("wlan"), { bytesReceived: 0, bytesWritten: 0 });
  assert.deepEqual(world.holders("wlan"), { external: false, drivers: 0 });
});

Deno.test("losing range or being removed while activating rejects with invalid-configuration", async () => {
  const { world, driver } = await setup();
  world.addAccessPoint({ id: "a" });
  world.addAccessPoint({ id: "b" });
  const a = track(driver.activate("a"));
  const b = track(driver.activate("b"));
  await world.advance(30);
  world.setSignal("a", 0);
  world.removeAccessPoint("b");
  await world.advance(0);
  assert.ok(a.error instanceof DriverError && b.error instanceof DriverError);
  assert.equal(a.error.code, "invalid-configuration");
  assert.match(a.error.message, /'a' went out of range while it was being activated/);
  assert.equal(b.error.code, "invalid-configuration");
  assert.match(b.error.message, /'b' was removed/);
  await world.advance(500);
  assert.equal(world.isUp("a"), false);
  assert.equal(world.clock.pendingTimers, 0);
});

Deno.test("removing an active access point reports its removal and ends pending deactivations", async () => {
  const { world, driver, events } = await setup();
  world.addAccessPoint({ id: "wlan" });
  const up = driver.activate("wlan");
  await world.advance(100);
  await up;
  const down = track(driver.deactivate("wlan"));
  events.length = 0;
  world.removeAccessPoint("wlan");
  await world.advance(0);
  assert.equal(down.done, true);
  assert.deepEqual(describe(events), ["removed:wlan"], "going down already, held by nobody: no warning");
  assert.equal(driver.statistics("wlan"), undefined);
});

Deno.test("traffic adds to the counters of an active access point; statistics reads them", async () => {
  const { world, driver } = await setup();
  world.addAccessPoint({ id: "wlan" });
  assert.deepEqual(driver.statistics("wlan"), { bytesReceived: 0, bytesWritten: 0 });
  assert.equal(driver.statistics("nope"), undefined);
  const up = driver.activate("wlan");
  await world.advance(100);
  await up;
  world.traffic("wlan", { rx: 1000, tx: 10 });
  world.traffic("wlan", { rx: 24 });
  assert.deepEqual(driver.statistics("wlan"), { bytesReceived: 1024, bytesWritten: 10 });
  // counters start from 0 on the next activation
  world.deactivateExternally("wlan");
  const again = driver.activate("wlan");
  await world.advance(100);
  await again;
  assert.deepEqual(driver.statistics("wlan"), { bytesReceived: 0, bytesWritten: 0 });
});

Deno.test("two attached drivers both get every event; each holds the link, the last to let go takes it down", async () => {
  const world = new SimWorld();
  world.addAccessPoint({ id: "wlan" });
  const one = new SimDriver(world), two = new SimDriver(world);
  const ev1: DriverEvent[] = [], ev2: DriverEvent[] = [];
  await one.start((e) => ev1.push(e));
  await two.start((e) => ev2.push(e));
  const up = one.activate("wlan");
  await world.advance(100);
  await up;
  await two.activate("wlan"); // already up
  assert.deepEqual(world.holders("wlan"), { external: false, drivers: 2 });
  await one.deactivate("wlan");
  assert.equal(world.isUp("wlan"), true, "the other driver still holds it");
  const down = two.deactivate("wlan");
  await world.advance(50);
  await down;
  assert.equal(world.isUp("wlan"), false);
  assert.deepEqual(describe(ev1), ["changed:wlan:active", "changed:wlan:discovered"]);
  assert.deepEqual(describe(ev2), describe(ev1));
  // force from one driver takes the link down under the other
  const again = one.activate("wlan");
  await world.advance(100);
  await again;
  await two.activate("wlan");
  const forced = two.deactivate("wlan", { force: true });
  await world.advance(50);
  await forced;
  assert.equal(world.isUp("wlan"), false);
  assert.equal(one.holds("wlan"), false);
});

Deno.test("activating while the link goes down waits for it to be down, then brings it up again", async () => {
  const { world, driver, events } = await setup();
  world.addAccessPoint({ id: "wlan", activationMs: 100, deactivationMs: 50 });
  const up = driver.activate("wlan");
  await world.advance(100);
  await up;
  events.length = 0;
  const down = track(driver.deactivate("wlan"));
  await world.advance(20);
  const again = track(driver.activate("wlan"));
  await world.advance(30);
  assert.equal(down.done, true);
  assert.equal(again.done, false);
  await world.advance(100);
  assert.equal(again.done, true);
  assert.equal(again.error, undefined);
  assert.deepEqual(describe(events), ["changed:wlan:discovered", "changed:wlan:active"]);
  assert.equal(world.clock.now(), 250);
});

Deno.test("close() drops the driver's holds and fails its pending activations", async () => {
  const { world, driver } = await setup();
  world.addAccessPoint({ id: "a" });
  world.addAccessPoint({ id: "b" });
  const a = driver.activate("a");
  await world.advance(100);
  await a;
  const b = track(driver.activate("b"));
  await driver.close();
  await world.advance(0);
  assert.equal((b.error as DriverError).code, "session-aborted");
  assert.deepEqual(world.holders("a"), { external: false, drivers: 0 });
  assert.equal(world.isUp("a"), true, "a process exiting leaves the link up");
  await world.advance(500);
  assert.equal(world.isUp("b"), false);
});

Deno.test("the same seed and script give the same event log", async () => {
  const run = async (seed: number) => {
    const { world, driver, events } = await setup({ seed });
    for (let i = 0; i < 4; i++) {
      world.addAccessPoint({
        id: `ap${i}`,
        activationMs: world.random.int(10, 500),
        signal: world.random.int(1, 100),
      });
    }
    const log: string[] = [];
    for (let i = 0; i < 4; i++) {
      driver.activate(`ap${i}`).then(() => log.push(`up ap${i} @${world.clock.now()}`));
    }
    await world.advance(1000);
    return [
      ...log,
      ...events.map((e) => JSON.stringify(e)),
    ];
  };
  const a = await run(99), b = await run(99), c = await run(100);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});
