import assert from "node:assert/strict";
import { ap, FakeDriver, settle, sn } from "./_fake_driver.ts";
import { NetworkConfigurationManager } from "./manager.ts";

Deno.test("allConfigurations(filter) is cumulative: discovered includes active ones", async () => {
  const d = new FakeDriver([ap("a"), ap("b", { state: "defined" }), ap("c", { state: "active" })]);
  const m = await NetworkConfigurationManager.create(d);
  assert.deepEqual(m.allConfigurations().map((c) => c.identifier), ["a", "b", "c"]);
  assert.deepEqual(m.allConfigurations("defined").map((c) => c.identifier), ["a", "b", "c"]);
  assert.deepEqual(m.allConfigurations("discovered").map((c) => c.identifier), ["a", "c"]);
  assert.deepEqual(m.allConfigurations("active").map((c) => c.identifier), ["c"]);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => m.allConfigurations("bogus" as any), /unknown state/);
});

Deno.test("configurationFromIdentifier returns the same live object, invalid when unknown", async () => {
  const d = new FakeDriver([ap("a")]);
  const m = await NetworkConfigurationManager.create(d);
  const a = m.configurationFromIdentifier("a");
  assert.equal(a, m.configurationFromIdentifier("a"));
  assert.equal(a.state, "discovered");
  d.up("a");
  assert.equal(a.state, "active");
  const bad = m.configurationFromIdentifier("zzz");
  assert.equal(bad.isValid, false);
  assert.equal(bad.type, "invalid");
  assert.equal(bad.identifier, "");
  assert.equal(bad.state, "undefined");
});

Deno.test("defaultConfiguration prefers active, then discovered, Ethernet over WLAN over cellular", async () => {
  const d = new FakeDriver([
    ap("cell", { bearerType: "lte" }),
    ap("wifi", { bearerType: "wlan" }),
    ap("wire", { bearerType: "ethernet", state: "defined" }),
  ]);
  const m = await NetworkConfigurationManager.create(d);
  assert.equal(m.defaultConfiguration().identifier, "wifi"); // ethernet is out of range
  d.set("wire", { state: "discovered" });
  assert.equal(m.defaultConfiguration().identifier, "wire");
  d.up("cell");
  assert.equal(m.defaultConfiguration().identifier, "cell"); // active beats everything
});

Deno.test("defaultConfiguration follows the driver's default and is invalid when nothing exists", async () => {
  const empty = await NetworkConfigurationManager.create(new FakeDriver([]));
  assert.equal(empty.defaultConfiguration().isValid, false);
  const d = new FakeDriver([ap("a"), ap("b", { bearerType: "ethernet" })]);
  d.defaultId = "a";
  const m = await NetworkConfigurationManager.create(d);
  assert.equal(m.defaultConfiguration().identifier, "a");
  d.sink!({ type: "default-changed", identifier: undefined });
  assert.equal(m.defaultConfiguration().identifier, "b");
});

Deno.test("isOnline and onlineStateChanged follow active access points", async () => {
  const d = new FakeDriver([ap("a")]);
  const m = await NetworkConfigurationManager.create(d);
  const seen: boolean[] = [];
  m.on("onlineStateChanged", (o) => seen.push(o));
  assert.equal(m.isOnline(), false);
  d.up("a");
  assert.equal(m.isOnline(), true);
  d.down("a");
  assert.deepEqual(seen, [true, false]);
});

Deno.test("online and route read while nobody listens are current; a late listener hears changes from the present", async () => {
  const d = new FakeDriver([ap("a", { bearerType: "wlan" }), ap("b", { bearerType: "lte", metered: true })]);
  const m = await NetworkConfigurationManager.create(d);
  // nobody listens: the derived state is computed when read, and is right
  d.up("b");
  assert.equal(m.isOnline(), true);
  assert.equal(m.transportMedium, "cellular");
  assert.equal(m.isMetered, true);
  d.up("a");
  d.down("b");
  d.down("a");
  // left stale by the changes above, then a listener comes: it must compare against "offline" now
  const online: boolean[] = [];
  const media: string[] = [];
  m.on("onlineStateChanged", (o) => online.push(o));
  m.on("transportMediumChanged", (t) => media.push(t));
  d.up("a");
  d.down("a");
  assert.deepEqual(online, [true, false]);
  assert.deepEqual(media, ["wifi", "unknown"]);
  assert.equal(m.isOnline(), false);
});

Deno.test("configuration added, changed and removed events carry the live view", async () => {
  const d = new FakeDriver([ap("a")]);
  const m = await NetworkConfigurationManager.create(d);
  const log: string[] = [];
  m.on("configurationAdded", (c) => log.push(`added ${c.identifier}`));
  m.on("configurationChanged", (c) => log.push(`changed ${c.identifier} ${c.state}`));
  m.on("configurationRemoved", (c) => log.push(`removed ${c.isValid}`));
  d.add(ap("b"));
  d.up("b");
  d.remove("b");
  assert.deepEqual(log, ["added b", "changed b active", "removed false"]);
  assert.equal(m.configurationFromIdentifier("b").isValid, false);
});

Deno.test("updateConfigurations rescans and emits updateCompleted", async () => {
  const m = await NetworkConfigurationManager.create(new FakeDriver([]));
  let n = 0;
  m.on("updateCompleted", () => n++);
  await m.updateConfigurations();
  assert.equal(n, 1);
});

Deno.test("service networks summarise their members' state and list children in priority order", async () => {
  const d = new FakeDriver([
    ap("wlan"),
    ap("lte", { bearerType: "lte", state: "defined" }),
    sn("any", ["wlan", "lte"]),
  ]);
  const m = await NetworkConfigurationManager.create(d);
  const s = m.configurationFromIdentifier("any");
  assert.equal(s.type, "service-network");
  assert.deepEqual(s.children.map((c) => c.identifier), ["wlan", "lte"]);
  assert.equal(s.state, "discovered");
  assert.equal(s.isRoamingAvailable, true);
  d.up("wlan");
  assert.equal(s.state, "active");
  assert.equal(s.bearerType, "wlan");
  d.down("wlan");
  d.set("wlan", { state: "defined" });
  assert.equal(s.state, "defined");
});

Deno.test("capabilities come from the driver", async () => {
  const d = new FakeDriver([]);
  d.capabilities = ["data-statistics"];
  const m = await NetworkConfigurationManager.create(d);
  assert.deepEqual(m.capabilities(), ["data-statistics"]);
});

Deno.test("close() closes open sessions and stops the driver", async () => {
  const d = new FakeDriver([ap("a")]);
  const m = await NetworkConfigurationManager.create(d);
  const s = m.createSession(m.configurationFromIdentifier("a"));
  await s.open();
  await m.close();
  await settle();
  assert.equal(s.isOpen, false);
  assert.equal(d.sink, undefined);
  assert.deepEqual(d.calls, ["activate a", "deactivate a"]);
});

Deno.test("usage policies: system-wide ones plus no-background-traffic on a metered link", async () => {
  const d = new FakeDriver([ap("a", { metered: true }), ap("b")]);
  const m = await NetworkConfigurationManager.create(d);
  const s = m.createSession(m.configurationFromIdentifier("a"));
  const seen: (readonly string[])[] = [];
  s.on("usagePoliciesChanged", (p) => seen.push(p));
  assert.deepEqual(s.usagePolicies, []);
  await s.open();
  assert.deepEqual(s.usagePolicies, ["no-background-traffic"]);
  const t = m.createSession(m.configurationFromIdentifier("b"));
  const seenT: (readonly string[])[] = [];
  t.on("usagePoliciesChanged", (p) => seenT.push(p));
  d.sink!({ type: "usage-policies-changed", policies: ["no-background-traffic"] });
  assert.deepEqual(t.usagePolicies, ["no-background-traffic"]);
  d.sink!({ type: "usage-policies-changed", policies: [] });
  assert.deepEqual(t.usagePolicies, []);
  assert.deepEqual(seen, [["no-background-traffic"]]);
  assert.deepEqual(seenT, [["no-background-traffic"], []]);
});

Deno.test("an idle session nobody listens to reports the usage policies in force when read, not those at its creation", async () => {
  const d = new FakeDriver([ap("a", { metered: true, state: "active" }), ap("b")]);
  const m = await NetworkConfigurationManager.create(d);
  const idle = m.createSession(m.configurationFromIdentifier("b"));
  const observing = m.createSession(m.configurationFromIdentifier("a")); // not open: observes the active link
  assert.deepEqual(idle.usagePolicies, []);
  assert.deepEqual(observing.usagePolicies, ["no-background-traffic"]);
  d.sink!({ type: "usage-policies-changed", policies: ["no-background-traffic"] });
  assert.deepEqual(idle.usagePolicies, ["no-background-traffic"]);
  d.set("a", { metered: false });
  d.sink!({ type: "usage-policies-changed", policies: [] });
  assert.deepEqual(idle.usagePolicies, []);
  assert.deepEqual(observing.usagePolicies, []);
});

Deno.test("a service network reported again with only its state moved tells no session again; configurationChanged still comes", async () => {
  const d = new FakeDriver([ap("a"), ap("b"), sn("s", ["a", "b"])]);
  const m = await NetworkConfigurationManager.create(d);
  const s = m.createSession(m.configurationFromIdentifier("s"));
  s.on("stateChanged", () => {}); // a listener registers the idle session: it observes the world
  const told: string[] = [];
  const observed = s.notifyObserved.bind(s);
  s.notifyObserved = () => {
    told.push("observed");
    observed();
  };
  const changed: string[] = [];
  m.on("configurationChanged", (c) => changed.push(`${c.identifier}:${c.state}`));
  const view = m.configurationFromIdentifier("s");

  d.set("a", { state: "active" }); // the member: the session hears of it
  assert.deepEqual(told, ["observed"]);
  d.set("s", { state: "active" }); // the network's own report of the same change: kept, nobody told again
  assert.deepEqual(told, ["observed"]);
  assert.deepEqual(changed, ["a:active", "s:active"]);
  assert.equal(view.data?.state, "active", "the record is the one reported last");

  d.set("s", { name: "Anything" }); // another field: a change like any other
  assert.deepEqual(told, ["observed", "observed"]);
  assert.equal(view.name, "Anything");
  d.set("s", { children: ["b"] }); // its members: too
  assert.deepEqual(told, ["observed", "observed", "observed"]);
  assert.equal(view.state, "discovered", "derived from b alone");
  s[Symbol.dispose]();
});
