import assert from "node:assert/strict";
import { ap, FakeDriver, settle, sn } from "./_fake_driver.ts";
import { NetworkConfigurationManager } from "./manager.ts";
import type { NetworkSession } from "./network_session.ts";
import { DEFAULT_LOGGED, sessionLog } from "./_session_log.ts";

async function world(options: { seamless?: boolean; forcedRoaming?: "on-loss" | "on-loss-or-better" } = {}) {
  const driver = new FakeDriver([
    ap("wlan", { state: "defined" }),
    ap("lte", { bearerType: "lte", metered: true }),
    sn("any", ["wlan", "lte"], {
      seamless: options.seamless,
      virtualAddresses: options.seamless ? ["10.200.0.1/32"] : undefined,
    }),
  ]);
  const manager = await NetworkConfigurationManager.create(driver, {
    onListenerError: (e) => {
      throw e;
    },
    forcedRoaming: options.forcedRoaming,
  });
  return { driver, manager };
}

const trace = (s: NetworkSession) =>
  sessionLog(s, [...DEFAULT_LOGGED, "newConfigurationActivated", "usagePoliciesChanged"]);

async function openOnLte() {
  const w = await world();
  const s = w.manager.createSession(w.manager.configurationFromIdentifier("any"));
  const offers: string[] = [];
  s.on("preferredConfigurationChanged", (e) => offers.push(`${e.configuration.identifier}:${e.isSeamless}`));
  assert.equal(await s.open(), true);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
  return { ...w, s, offers };
}

Deno.test("a service-network session opens on the best member in range and names it in ActiveConfiguration", async () => {
  const { s, manager } = await openOnLte();
  assert.equal(manager.configurationFromIdentifier("any").state, "active");
  assert.equal(s.state, "connected");
  assert.equal(s.interface?.name, "if-lte");
  assert.notEqual(s.sessionProperty("ActiveConfiguration"), "any");
});

Deno.test("ALR: a better member in range is offered; migrate, newConfigurationActivated, accept releases the old one", async () => {
  const { s, driver, manager, offers } = await openOnLte();
  const log = trace(s);
  driver.set("wlan", { state: "discovered" });
  assert.deepEqual(offers, ["wlan:false"]);
  assert.equal(s.state, "connected"); // nothing happens until the application decides
  s.migrate();
  assert.equal(s.state, "roaming");
  await settle();
  assert.ok(log.includes("activated"));
  assert.equal(manager.configurationFromIdentifier("lte").state, "active"); // the old one stays up
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
  s.accept();
  await settle();
  assert.equal(s.state, "connected");
  assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan");
  assert.equal(s.interface?.name, "if-wlan");
  assert.equal(manager.configurationFromIdentifier("lte").state, "discovered");
  assert.equal(manager.leases.count("lte"), 0);
  assert.deepEqual(driver.calls, ["activate lte", "activate wlan", "deactivate lte"]);
  assert.deepEqual(log, ["state:roaming", "activated", "state:connected", "policies:"]);
});

Deno.test("ALR: reject returns to the previous access point and releases the new one", async () => {
  const { s, driver, manager, offers } = await openOnLte();
  driver.set("wlan", { state: "discovered" });
  s.migrate();
  await settle();
  s.reject();
  await settle();
  assert.equal(s.state, "connected");
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
  assert.equal(manager.configurationFromIdentifier("wlan").state, "discovered");
  assert.equal(manager.leases.count("wlan"), 0);
  // the rejected candidate is not offered again while nothing changes
  driver.set("lte", { signal: 90 });
  assert.deepEqual(offers, ["wlan:false"]);
});

Deno.test("ALR: ignore keeps the current access point; the candidate is offered again after it comes back", async () => {
  const { s, driver, offers } = await openOnLte();
  driver.set("wlan", { state: "discovered" });
  s.ignore();
  driver.set("wlan", { signal: 80 });
  assert.deepEqual(offers, ["wlan:false"]);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
  driver.set("wlan", { state: "defined" });
  driver.set("wlan", { state: "discovered" });
  assert.deepEqual(offers, ["wlan:false", "wlan:false"]);
});

Deno.test("ALR: a migration whose target fails gives error roaming and stays on the old access point", async () => {
  const { s, driver, manager } = await openOnLte();
  const log = trace(s);
  driver.auto = false;
  driver.set("wlan", { state: "discovered" });
  s.migrate();
  await settle();
  driver.fail("wlan", "association refused");
  await settle();
  assert.deepEqual(log, ["state:roaming", "state:connected", "error:roaming"]);
  assert.equal(s.isOpen, true);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
  assert.equal(manager.leases.count("wlan"), 0);
});

Deno.test("ALR: the target vanishing mid-roam gives error roaming and keeps the session on the old access point", async () => {
  const { s, driver } = await openOnLte();
  driver.set("wlan", { state: "discovered" });
  s.migrate();
  await settle();
  const log = trace(s);
  driver.down("wlan");
  assert.deepEqual(log, ["state:connected", "error:roaming"]);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
});

Deno.test("out-of-order roaming calls are harmless", async () => {
  const { s } = await openOnLte();
  const log = trace(s);
  s.accept();
  s.reject();
  s.migrate();
  s.ignore();
  assert.deepEqual(log, []);
  assert.equal(s.state, "connected");
});

Deno.test("forced roaming: without a listener the session moves to a better member by itself", async () => {
  const { driver, manager } = await world();
  const s = manager.createSession(manager.configurationFromIdentifier("any"));
  assert.equal(await s.open(), true);
  const log = trace(s);
  driver.set("wlan", { state: "discovered" });
  await settle();
  assert.deepEqual(log.filter((l) => l.startsWith("state")), ["state:roaming", "state:connected"]);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan");
  assert.equal(manager.configurationFromIdentifier("lte").state, "discovered");
});

Deno.test("forced roaming: when the last preferredConfigurationChanged listener unsubscribes the session roams by itself", async () => {
  const { driver, manager } = await world();
  const s = manager.createSession(manager.configurationFromIdentifier("any"));
  const sub = s.on("preferredConfigurationChanged", () => {});
  await s.open();
  sub.unsubscribe();
  driver.set("wlan", { state: "discovered" });
  await settle();
  assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan");
});

Deno.test("forced roaming on loss: the current member is lost and the session moves to the next one", async () => {
  const { driver, manager } = await world({ forcedRoaming: "on-loss" });
  driver.set("wlan", { state: "discovered" });
  const s = manager.createSession(manager.configurationFromIdentifier("any"));
  await s.open();
  assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan");
  const log = trace(s);
  const before = s.interface!.addresses;
  driver.set("wlan", { state: "defined", interface: undefined });
  await settle();
  assert.equal(s.isOpen, true);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
  assert.deepEqual(log.filter((l) => l.startsWith("state")), ["state:roaming", "state:connected"]);
  assert.notDeepEqual(s.interface!.addresses, before); // not seamless: the address changed
});

Deno.test("forced roaming 'on-loss' does not move to a better member while the current one works", async () => {
  const { driver, manager } = await world({ forcedRoaming: "on-loss" });
  const s = manager.createSession(manager.configurationFromIdentifier("any"));
  await s.open();
  driver.set("wlan", { state: "discovered" });
  await settle();
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
});

Deno.test("seamless service network: isSeamless true and the session keeps its address across members", async () => {
  const { driver, manager } = await world({ seamless: true });
  const s = manager.createSession(manager.configurationFromIdentifier("any"));
  const offers: boolean[] = [];
  s.on("preferredConfigurationChanged", (e) => offers.push(e.isSeamless));
  await s.open();
  const before = s.interface!.addresses;
  driver.set("wlan", { state: "discovered" });
  s.migrate();
  await settle();
  s.accept();
  await settle();
  assert.deepEqual(offers, [true]);
  assert.deepEqual(s.interface!.addresses, before);
  assert.deepEqual(before, ["10.200.0.1/32"]);
});

Deno.test("no roaming when the configuration does not allow it", async () => {
  const driver = new FakeDriver([
    ap("wlan", { state: "defined" }),
    ap("lte", { bearerType: "lte" }),
    sn("any", ["wlan", "lte"], { roamingAvailable: false }),
  ]);
  const manager = await NetworkConfigurationManager.create(driver);
  const s = manager.createSession(manager.configurationFromIdentifier("any"));
  let offered = 0;
  s.on("preferredConfigurationChanged", () => offered++);
  await s.open();
  driver.set("wlan", { state: "discovered" });
  await settle();
  assert.equal(offered, 0);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
  assert.equal(manager.configurationFromIdentifier("any").isRoamingAvailable, false);
});

Deno.test("no forced roaming when the driver supports neither kind", async () => {
  const driver = new FakeDriver([ap("wlan", { state: "defined" }), ap("lte"), sn("any", ["wlan", "lte"])]);
  driver.capabilities = ["can-start-and-stop-interfaces"];
  const manager = await NetworkConfigurationManager.create(driver);
  const s = manager.createSession(manager.configurationFromIdentifier("any"));
  await s.open();
  driver.set("wlan", { state: "discovered" });
  await settle();
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
});

Deno.test("a roam from an unmetered to a metered link changes the usage policies", async () => {
  const { driver, manager } = await world();
  driver.set("wlan", { state: "discovered" });
  const s = manager.createSession(manager.configurationFromIdentifier("any"));
  const seen: string[] = [];
  s.on("usagePoliciesChanged", (p) => seen.push(p.join(",") || "none"));
  await s.open();
  assert.deepEqual(s.usagePolicies, []);
  driver.set("wlan", { state: "defined", interface: undefined }); // lost: forced roam to LTE (metered)
  await settle();
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
  assert.deepEqual(s.usagePolicies, ["no-background-traffic"]);
  assert.deepEqual(seen, ["no-background-traffic"]);
});

Deno.test("ALR on loss: the application is offered the next member; ignore closes the session", async () => {
  const { driver, manager } = await world();
  driver.set("wlan", { state: "discovered" });
  const s = manager.createSession(manager.configurationFromIdentifier("any"));
  const offers: string[] = [];
  s.on("preferredConfigurationChanged", (e) => offers.push(e.configuration.identifier));
  await s.open();
  const log = trace(s);
  driver.set("wlan", { state: "defined", interface: undefined });
  assert.deepEqual(offers, ["lte"]);
  assert.equal(s.state, "roaming");
  s.ignore();
  assert.equal(s.isOpen, false);
  assert.ok(log.includes("closed"));
  assert.ok(log.includes("error:session-aborted"));
});

Deno.test("two sessions on one service network, one ALR and one forced: each has its own access point and counters hold", async () => {
  const { driver, manager } = await world();
  const alr = manager.createSession(manager.configurationFromIdentifier("any"));
  alr.on("preferredConfigurationChanged", () => {}); // ALR stakeholder that never migrates
  const forced = manager.createSession(manager.configurationFromIdentifier("any"));
  await alr.open();
  await forced.open();
  assert.equal(manager.leases.count("lte"), 2);
  driver.set("wlan", { state: "discovered" });
  await settle();
  assert.equal(forced.sessionProperty("ActiveConfiguration"), "wlan");
  assert.equal(alr.sessionProperty("ActiveConfiguration"), "lte");
  assert.equal(manager.leases.count("lte"), 1);
  assert.equal(manager.leases.count("wlan"), 1);
  alr.close();
  await settle();
  assert.equal(manager.configurationFromIdentifier("lte").state, "discovered"); // no holder left
  assert.equal(manager.configurationFromIdentifier("wlan").state, "active"); // still held
});

Deno.test("user-choice: open() resolves through the resolver and reports UserChoiceConfiguration", async () => {
  const driver = new FakeDriver([
    ap("a"),
    ap("b", { bearerType: "ethernet" }),
    { ...ap("choice"), type: "user-choice", bearerType: "unknown" },
  ]);
  const asked: string[][] = [];
  const manager = await NetworkConfigurationManager.create(driver, {
    userChoice: ({ candidates }) => {
      asked.push(candidates.map((c) => c.identifier));
      return candidates.find((c) => c.identifier === "a");
    },
  });
  const s = manager.createSession(manager.configurationFromIdentifier("choice"));
  assert.equal(s.sessionProperty("UserChoiceConfiguration"), "");
  assert.equal(await s.open(), true);
  assert.deepEqual(asked, [["a", "b"]]);
  assert.equal(s.sessionProperty("UserChoiceConfiguration"), "a");
  assert.equal(s.sessionProperty("ActiveConfiguration"), "a");
});

Deno.test("user-choice with ConnectInBackground never consults the resolver and uses the default", async () => {
  const driver = new FakeDriver([ap("a"), ap("b", { bearerType: "ethernet" }), {
    ...ap("choice"),
    type: "user-choice",
  }]);
  let asked = 0;
  const manager = await NetworkConfigurationManager.create(driver, {
    userChoice: () => {
      asked++;
      return undefined;
    },
  });
  const s = manager.createSession(manager.configurationFromIdentifier("choice"));
  s.setSessionProperty("ConnectInBackground", true);
  assert.equal(await s.open(), true);
  assert.equal(asked, 0);
  assert.equal(s.sessionProperty("UserChoiceConfiguration"), "b");
});

Deno.test("user-choice with ConnectInBackground fails clearly when nothing can connect", async () => {
  const driver = new FakeDriver([ap("a", { state: "defined" }), { ...ap("choice"), type: "user-choice" }]);
  const manager = await NetworkConfigurationManager.create(driver);
  const s = manager.createSession(manager.configurationFromIdentifier("choice"));
  s.setSessionProperty("ConnectInBackground", true);
  assert.equal(await s.open(), false);
  assert.equal(s.error, "invalid-configuration");
  assert.match(s.errorString, /ConnectInBackground is set and no configuration is in range/);
});

Deno.test("user-choice: a cancelled choice fails the open", async () => {
  const driver = new FakeDriver([ap("a"), { ...ap("choice"), type: "user-choice" }]);
  const manager = await NetworkConfigurationManager.create(driver, { userChoice: () => undefined });
  const s = manager.createSession(manager.configurationFromIdentifier("choice"));
  assert.equal(await s.open(), false);
  assert.match(s.errorString, /cancelled/);
});

Deno.test("user-choice: a session on the platform default 'ask' opens on the best configuration in range; waitForOpened waits for it", async () => {
  const driver = new FakeDriver([
    ap("a", { bearerType: "lte" }),
    ap("b", { bearerType: "ethernet" }),
    { ...ap("ask"), type: "user-choice", bearerType: "unknown" },
  ]);
  driver.defaultId = "ask";
  driver.auto = false;
  const manager = await NetworkConfigurationManager.create(driver);
  const d = manager.defaultConfiguration();
  assert.equal(d.identifier, "ask");
  const s = manager.createSession(d);
  const opened = s.open();
  const waited = s.waitForOpened(1000);
  const again = s.open(); // a second open() while the choice resolves starts nothing new
  await settle();
  assert.deepEqual(driver.calls, ["activate b"], "Ethernet over LTE, activated once");
  driver.complete("b");
  assert.deepEqual([await opened, await waited, await again], [true, true, true]);
  assert.equal(s.sessionProperty("UserChoiceConfiguration"), "b");
  assert.equal(s.sessionProperty("ActiveConfiguration"), "b");
});

Deno.test("a member added to a service network later is watched: its coming in range is offered to the session", async () => {
  const { s, driver, manager, offers } = await openOnLte();
  driver.add(ap("hotel", { state: "defined" }));
  driver.set("any", { state: "discovered" }); // a state report alone does not change who the members are
  driver.set("any", { children: ["hotel", "wlan", "lte"] });
  assert.deepEqual(manager.configurationFromIdentifier("any").children.map((c) => c.identifier), [
    "hotel",
    "wlan",
    "lte",
  ]);
  driver.set("hotel", { state: "discovered" });
  assert.deepEqual(offers, ["hotel:false"]);
  assert.equal(s.state, "connected");
});
