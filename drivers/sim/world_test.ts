import assert from "node:assert/strict";
import type { BearerType, UsagePolicy } from "@netsession/core";
import { SimWorld } from "./world.ts";
import { describe, setup } from "./_helpers_test.ts";

Deno.test("addAccessPoint applies defaults: wlan, signal 100, discovered, sim<n>, 100+n, own subnet", () => {
  const world = new SimWorld();
  world.addAccessPoint({ id: "a" });
  world.addAccessPoint({
    id: "b",
    bearer: "lte",
    signal: 0,
    metered: true,
    purpose: "public",
    interface: "wwan0",
  });
  world.addAccessPoint({ id: "c" });
  const a = world.accessPoint("a"), b = world.accessPoint("b"), c = world.accessPoint("c");
  assert.deepEqual(
    [
      a.bearer,
      a.signal,
      a.state,
      a.interfaceName,
      a.index,
      a.address,
      a.activationMs,
      a.deactivationMs,
      a.name,
    ],
    ["wlan", 100, "discovered", "sim0", 100, "10.77.0.2/24", 100, 50, "a"],
  );
  assert.deepEqual([b.bearer, b.state, b.interfaceName, b.index, b.address, b.metered, b.purpose], [
    "lte",
    "defined",
    "wwan0",
    101,
    "10.77.1.2/24",
    true,
    "public",
  ]);
  assert.deepEqual([c.interfaceName, c.index, c.address], ["sim2", 102, "10.77.2.2/24"]);
  assert.match(a.hardwareAddress, /^02(:[0-9a-f]{2}){5}$/);
  assert.notEqual(a.hardwareAddress, c.hardwareAddress);
  const conf = world.configuration("a");
  assert.equal(conf.type, "internet-access-point");
  assert.equal(conf.interface, undefined, "no interface while down");
});

Deno.test("mutations reject bad input with messages that name the thing and what to do", () => {
  const world = new SimWorld();
  world.addAccessPoint({ id: "wlan" });
  assert.throws(
    () => world.setSignal("x", 10),
    /unknown access point 'x': add it with addAccessPoint\(\) first/,
  );
  assert.throws(() => world.addAccessPoint({ id: "wlan" }), /configuration 'wlan' already exists/);
  assert.throws(() => world.addAccessPoint({ id: "" }), /non-empty string id/);
  assert.throws(
    () => world.addAccessPoint({ id: "z", signal: 150 }),
    /signal of 'z' must be a number from 0/,
  );
  assert.throws(() => world.setSignal("wlan", -1), /signal of 'wlan'/);
  assert.throws(
    () => world.addAccessPoint({ id: "z", bearer: "carrier-pigeon" as BearerType }),
    /bearer of 'z' must be one of/,
  );
  assert.throws(() => world.addAccessPoint({ id: "z", activationMs: -5 }), /activationMs of 'z'/);
  assert.throws(
    () => world.addAccessPoint({ id: "z", interface: "sim0" }),
    /already used by access point 'wlan'/,
  );
  assert.throws(
    () => world.addServiceNetwork({ id: "sn", members: ["wlan", "ghost"] }),
    /member 'ghost' of service network 'sn' is unknown: add it with addAccessPoint\(\) first/,
  );
  assert.throws(() => world.addServiceNetwork({ id: "sn", members: ["wlan", "wlan"] }), /member twice/);
  world.addUserChoice({ id: "ask" });
  assert.throws(
    () => world.addServiceNetwork({ id: "sn", members: ["ask"] }),
    /members must be access points/,
  );
  assert.throws(() => world.setSignal("ask", 3), /'ask' is a user-choice configuration, not an access point/);
  assert.throws(() => world.setDefault("nope"), /unknown configuration 'nope'/);
  assert.throws(() => world.traffic("wlan", { rx: 1 }), /not active: traffic needs an active link/);
  world.activateExternally("wlan");
  assert.throws(() => world.traffic("wlan", { rx: -1 }), /non-negative integer/);
  assert.throws(() => world.setUsagePolicies(["be-nice" as UsagePolicy]), /usage policy must be one of/);
  world.setSignal("wlan", 0);
  assert.throws(() => world.activateExternally("wlan"), /out of range \(signal 0\): setSignal/);
  // nothing invalid was added on the way
  assert.deepEqual(world.configurations().map((c) => c.identifier), ["wlan", "ask"]);
});

Deno.test("service networks list members in priority order, compute their state, seamless ones get a virtual address", async () => {
  const { world, events } = await setup();
  world.addAccessPoint({ id: "wlan", signal: 0 });
  world.addAccessPoint({ id: "lte" });
  const plain = world.addServiceNetwork({ id: "plain", members: ["wlan", "lte"] });
  const sn = world.addServiceNetwork({
    id: "sn",
    members: ["lte", "wlan"],
    seamless: true,
    roamingAvailable: false,
  });
  assert.deepEqual(plain.children, ["wlan", "lte"]);
  assert.equal(plain.seamless, false);
  assert.equal(plain.virtualAddresses, undefined);
  assert.equal(plain.roamingAvailable, true);
  assert.equal(plain.state, "discovered");
  assert.deepEqual(sn.virtualAddresses, ["10.200.1.1/32"]);
  assert.equal(sn.roamingAvailable, false);
  assert.equal(sn.type, "service-network");
  events.length = 0;
  world.activateExternally("lte");
  assert.deepEqual(describe(events), ["changed:lte:active", "changed:plain:active", "changed:sn:active"]);
  const uc = world.addUserChoice({ id: "ask", name: "Ask" });
  assert.deepEqual([uc.type, uc.state, uc.name], ["user-choice", "discovered", "Ask"]);
});

Deno.test("signal changes are reported; crossing 0 moves between defined and discovered", async () => {
  const { world, events } = await setup();
  world.addAccessPoint({ id: "wlan", signal: 40 });
  events.length = 0;
  world.setSignal("wlan", 40); // no change, no event
  world.setSignal("wlan", 70);
  world.setSignal("wlan", 0);
  world.setSignal("wlan", 5);
  assert.deepEqual(describe(events), [
    "changed:wlan:discovered",
    "changed:wlan:defined",
    "changed:wlan:discovered",
  ]);
  assert.equal(world.configuration("wlan").signal, 5);
});

Deno.test("removeAccessPoint reports removal, drops it from service networks and from default", async () => {
  const { world, events } = await setup();
  world.addAccessPoint({ id: "a" });
  world.addAccessPoint({ id: "b" });
  world.addServiceNetwork({ id: "sn", members: ["a", "b"] });
  world.setDefault("a");
  events.length = 0;
  world.removeAccessPoint("a");
  assert.deepEqual(describe(events), ["removed:a", "changed:sn:discovered", "default:undefined"]);
  assert.deepEqual(world.configuration("sn").children, ["b"]);
  assert.equal(world.has("a"), false);
  assert.throws(() => world.removeAccessPoint("a"), /unknown access point 'a'/);
  assert.throws(() => world.removeAccessPoint("sn"), /not an access point/);
  world.addAccessPoint({ id: "a" }); // the id is free again
});

Deno.test("default, usage policies and capabilities changes are reported once per change", async () => {
  const { world, events, driver } = await setup({ capabilities: ["forced-roaming", "data-statistics"] });
  world.addAccessPoint({ id: "a" });
  events.length = 0;
  world.setDefault("a");
  world.setDefault("a");
  world.setUsagePolicies(["no-background-traffic"]);
  world.setUsagePolicies(["no-background-traffic"]);
  world.setUsagePolicies([]);
  world.setCapabilities(["forced-roaming"]);
  assert.deepEqual(describe(events), [
    "default:a",
    "policies:no-background-traffic",
    "policies:",
    "capabilities:1",
  ]);
  assert.equal(driver.statistics("a"), undefined, "no statistics without data-statistics");
  world.setDefault(undefined);
  assert.equal(world.defaultConfiguration, undefined);
});

Deno.test("the same seed builds the same world; another seed different hardware addresses", () => {
  const build = (seed: number) => {
    const w = new SimWorld({ seed });
    for (const id of ["a", "b", "c"]) w.addAccessPoint({ id });
    return [...["a", "b", "c"].map((id) => w.accessPoint(id).hardwareAddress), w.random.next()];
  };
  assert.deepEqual(build(7), build(7));
  assert.notDeepEqual(build(7), build(8));
});

Deno.test("world.advance moves the virtual clock only", async () => {
  const world = new SimWorld({ startTime: 1000 });
  await world.advance(60_000);
  assert.equal(world.clock.now(), 61_000);
});
