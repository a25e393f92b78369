import assert from "node:assert/strict";
import { ap, FakeDriver, ManualClock, settle, sn } from "./_fake_driver.ts";
import { NetworkConfigurationManager } from "./manager.ts";
import type { DataBudgetEvent } from "./data_budgets.ts";

async function setup() {
  const driver = new FakeDriver([ap("lte", { bearerType: "lte" }), ap("wlan"), sn("any", ["wlan", "lte"])]);
  const clock = new ManualClock();
  const manager = await NetworkConfigurationManager.create(driver, { clock });
  const traffic = (id: string, rx: number, tx = 0) => {
    const s = driver.stats.get(id) ?? { bytesReceived: 0, bytesWritten: 0 };
    driver.stats.set(id, { bytesReceived: s.bytesReceived + rx, bytesWritten: s.bytesWritten + tx });
  };
  return { driver, clock, manager, traffic };
}

Deno.test("data budget: warning and exhaustion events, no-background-traffic while used up", async () => {
  const { clock, manager, traffic } = await setup();
  const s = manager.createSession(manager.configurationFromIdentifier("lte"));
  assert.equal(await s.open(), true);
  const events: DataBudgetEvent[] = [];
  s.on("dataBudget", (e) => events.push(e));
  const policies: string[] = [];
  s.on("usagePoliciesChanged", (p) => policies.push(p.join(",") || "none"));
  traffic("lte", 100); // before the budget: not counted
  manager.setDataBudget("lte", { bytes: 1000 });
  assert.deepEqual(manager.configurationFromIdentifier("lte").dataBudget, {
    bytes: 1000,
    used: 0,
    warnAt: 0.8,
  });
  traffic("lte", 500, 300);
  clock.advance(1000);
  assert.deepEqual(events, [{ identifier: "lte", used: 800, bytes: 1000, exhausted: false }]);
  assert.deepEqual(s.usagePolicies, []);
  traffic("lte", 150);
  clock.advance(1000);
  assert.equal(events.length, 1, "each level is announced once");
  traffic("lte", 60);
  clock.advance(1000);
  assert.deepEqual(events[1], { identifier: "lte", used: 1010, bytes: 1000, exhausted: true });
  assert.deepEqual(s.usagePolicies, ["no-background-traffic"]);
  assert.deepEqual(policies, ["no-background-traffic"]);
  manager.setDataBudget("lte", undefined);
  assert.deepEqual([s.usagePolicies, manager.configurationFromIdentifier("lte").dataBudget], [[], undefined]);
});

Deno.test("data budget: usage survives the link going down and up (new counters count in full)", async () => {
  const { driver, clock, manager, traffic } = await setup();
  manager.setDataBudget("lte", { bytes: 10_000, warnAt: 0.5 });
  const s = manager.createSession(manager.configurationFromIdentifier("lte"));
  assert.equal(await s.open(), true);
  traffic("lte", 3000);
  clock.advance(1000);
  s.close();
  await settle();
  driver.stats.set("lte", { bytesReceived: 0, bytesWritten: 0 }); // a new link starts from zero
  assert.equal(await s.open(), true);
  traffic("lte", 1500);
  clock.advance(1000);
  assert.equal(manager.configurationFromIdentifier("lte").dataBudget?.used, 4500);
});

Deno.test("data budget: only access points have budgets; bad budgets are refused with the field", async () => {
  const { manager } = await setup();
  assert.throws(
    () => manager.setDataBudget("any", { bytes: 1 }),
    /'any' is a service-network; budgets are per access point/,
  );
  assert.throws(() => manager.setDataBudget("nope", { bytes: 1 }), /unknown configuration/);
  assert.throws(() => manager.setDataBudget("lte", { bytes: -1 }), /bytes must be a positive number/);
  assert.throws(
    () => manager.setDataBudget("lte", { bytes: 1, warnAt: 2 }),
    /warnAt must be a number from 0 to 1/,
  );
});

Deno.test("bytesReceivedSinceOpen / bytesWrittenSinceOpen count this session's own links and never go down", async () => {
  const { driver, manager, traffic } = await setup();
  driver.up("wlan");
  traffic("wlan", 5000, 50); // before the session: not its traffic
  const s = manager.createSession(manager.configurationFromIdentifier("any"));
  s.on("preferredConfigurationChanged", () => s.migrate());
  s.on("newConfigurationActivated", () => s.accept());
  assert.equal(await s.open(), true);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan");
  traffic("wlan", 1000, 100);
  assert.deepEqual([s.bytesReceivedSinceOpen, s.bytesWrittenSinceOpen], [1000, 100]);
  assert.equal(s.bytesReceived, 6000, "the seed's counter: the whole interface");
  driver.externalDown("wlan"); // roams to LTE (forced by loss, offered to ALR: the session accepts)
  driver.stats.delete("wlan");
  await settle();
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
  const before = s.bytesReceivedSinceOpen;
  assert.ok(before >= 1000, "what was counted on wlan stays");
  assert.ok(s.bytesReceived < before, "the seed's counter went down with the member");
  traffic("lte", 700, 7);
  assert.deepEqual([s.bytesReceivedSinceOpen, s.bytesWrittenSinceOpen], [before + 700, 107]);
  s.close();
  await settle();
  assert.deepEqual([s.bytesReceivedSinceOpen, s.bytesWrittenSinceOpen], [0, 0]);
});
