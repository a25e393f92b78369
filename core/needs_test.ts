import assert from "node:assert/strict";
import fc from "fast-check";
import { ap, FakeDriver, ManualClock, settle } from "./_fake_driver.ts";
import { sessionLog } from "./_session_log.ts";
import { NetworkConfigurationManager } from "./manager.ts";
import { describeNeed, needMatches } from "./needs.ts";

async function setup() {
  const driver = new FakeDriver([
    ap("lte", { bearerType: "lte", metered: true, signal: 70 }),
    ap("wlan-weak", { signal: 30 }),
    ap("wlan", { signal: 80 }),
    ap("eth", { bearerType: "ethernet", state: "defined" }),
  ]);
  const clock = new ManualClock();
  const manager = await NetworkConfigurationManager.create(driver, { clock });
  return { driver, clock, manager };
}

Deno.test("configurationFor: a live service network of the matches, best first, that follows the world", async () => {
  const { driver, manager } = await setup();
  const free = manager.configurationFor({ notMetered: true, reachability: "online" });
  assert.equal(free.type, "service-network");
  assert.equal(free.name, "not metered, online");
  assert.deepEqual(free.children.map((c) => c.identifier), ["wlan", "wlan-weak"]);
  assert.equal(manager.configurationFromIdentifier(free.identifier), free);
  assert.equal(manager.allConfigurations().includes(free), false, "not one of the platform's configurations");
  driver.set("eth", { state: "discovered" }); // cable plugged in
  assert.deepEqual(free.children.map((c) => c.identifier), ["eth", "wlan", "wlan-weak"]);
  driver.set("wlan", { signal: 0, state: "defined" }); // out of range: not a child
  driver.set("wlan-weak", { metered: true }); // now charged by volume
  assert.deepEqual(free.children.map((c) => c.identifier), ["eth"]);
  const cellular = manager.configurationFor({ bearers: ["lte", "wlan"], minSignal: 50, name: "mobile" });
  assert.deepEqual([cellular.name, cellular.children.map((c) => c.identifier)], ["mobile", ["lte"]]);
});

Deno.test("open() on a need with no match waits for one and opens on it", async () => {
  const { driver, clock, manager } = await setup();
  const wired = manager.configurationFor({ bearers: ["ethernet"], timeoutMs: 5000 });
  const s = manager.createSession(wired);
  const log = sessionLog(s);
  const opened = s.open();
  const early = s.waitForOpened(100);
  clock.advance(100);
  assert.equal(await early, false, "nothing yet");
  clock.advance(2900);
  driver.set("eth", { state: "discovered" });
  await settle();
  assert.equal(await opened, true);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "eth");
  // not-available while nothing meets the need, disconnected once Ethernet is in range, then the link comes up
  assert.deepEqual(log, ["state:disconnected", "state:connecting", "state:connected", "opened"]);
});

Deno.test("open() on a need that nothing meets fails after timeoutMs with invalid-configuration naming the need", async () => {
  const { clock, manager } = await setup();
  const s = manager.createSession(manager.configurationFor({ bearers: ["5g"], timeoutMs: 2000 }));
  let result: boolean | undefined;
  s.open().then((r) => result = r);
  clock.advance(1999);
  await settle();
  assert.equal(result, undefined, "still waiting");
  clock.advance(1);
  await settle();
  assert.equal(result, false);
  assert.equal(s.error, "invalid-configuration");
  assert.match(s.errorString, /no access point met the need '5g' \(5g\) within 2000 ms/);
});

Deno.test("a need's reachability is judged once the link is up: one below it is let go and the next match tried", async () => {
  const { driver, clock, manager } = await setup();
  driver.setReach("wlan", "local");
  driver.setReach("wlan-weak", "online");
  const s = manager.createSession(manager.configurationFor({ notMetered: true, reachability: "online" }));
  const opened = s.open();
  await settle();
  assert.equal(s.state, "connecting", "wlan is up but reaches only its link: its carrier test waits");
  clock.advance(30_000); // wlan's connect time-out
  assert.equal(await opened, true);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan-weak");
  assert.deepEqual(driver.calls.slice(0, 3), ["activate wlan", "deactivate wlan", "activate wlan-weak"]);
  assert.equal(manager.holdCount("wlan"), 0);
});

Deno.test("a need's reachability: a link still checking is waited for; with nothing else left, open() fails", async () => {
  const { driver, clock, manager } = await setup();
  const s = manager.createSession(
    manager.configurationFor({ bearers: ["wlan"], minSignal: 60, reachability: "online" }),
  );
  let result: boolean | undefined;
  s.open().then((r) => result = r);
  await settle();
  assert.equal(s.state, "connecting", "up, but its reachability is not known yet");
  clock.advance(30_000);
  await settle();
  assert.equal(result, false);
  assert.equal(s.error, "invalid-configuration");
  assert.match(s.errorString, /'wlan' did not reach far enough within its connect time-out, and no other/);
  assert.equal(driver.configs.get("wlan")!.state, "discovered");
  const again = manager.createSession(
    manager.configurationFor({ bearers: ["wlan"], minSignal: 60, reachability: "online" }),
  );
  const p = again.open();
  await settle();
  driver.setReach("wlan", "online"); // the check passes this time
  assert.equal(await p, true);
});

Deno.test("a session on a need roams among the matches: a better one appears, the session moves by force", async () => {
  const { driver, manager } = await setup();
  const s = manager.createSession(manager.configurationFor({ notMetered: true }));
  assert.equal(await s.open(), true);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan");
  driver.set("eth", { state: "discovered" });
  await settle();
  assert.equal(s.sessionProperty("ActiveConfiguration"), "eth");
  assert.equal(driver.configs.get("wlan")!.state, "discovered");
});

Deno.test("needs: descriptions, order, and bad needs refused with the field", async () => {
  const { manager } = await setup();
  assert.equal(describeNeed({}), "any network");
  assert.deepEqual(
    needMatches([{ ...ap("w"), signal: 10 }, { ...ap("e", { bearerType: "ethernet" }) }, {
      ...ap("w2"),
      signal: 90,
    }], {}),
    ["e", "w2", "w"],
  );
  assert.throws(
    () => manager.configurationFor({ minSignal: 300 }),
    /minSignal must be a number from 0 to 100/,
  );
  assert.throws(() => manager.configurationFor({ bearers: ["wifi" as "wlan"] }), /bearers must be a list of/);
  assert.throws(
    () => manager.configurationFor({ reachability: "great" as "online" }),
    /reachability must be one of/,
  );
});

Deno.test("property: every open() on a need settles by its time-out", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          at: fc.integer({ min: 0, max: 6000 }),
          id: fc.constantFrom("lte", "wlan", "eth"),
          up: fc.boolean(),
        }),
        { maxLength: 8 },
      ),
      fc.integer({ min: 1, max: 5000 }),
      async (changes, timeoutMs) => {
        const { driver, clock, manager } = await setup();
        for (const id of ["lte", "wlan", "wlan-weak"]) driver.set(id, { state: "defined" });
        const s = manager.createSession(manager.configurationFor({ notMetered: true, timeoutMs }));
        let result: boolean | undefined;
        s.open().then((r) => result = r);
        let t = 0;
        for (const c of [...changes].sort((a, b) => a.at - b.at)) {
          clock.advance(c.at - t);
          t = c.at;
          driver.set(c.id, { state: c.up ? "discovered" : "defined" });
          await settle();
        }
        clock.advance(Math.max(0, timeoutMs - t) + 1);
        await settle();
        assert.notEqual(result, undefined, "settled by the time-out");
        if (result === false) assert.equal(s.error, "invalid-configuration");
        await manager.close();
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("close() while open() waits for a need's match gives the open up: false, session-aborted, nothing comes up", async () => {
  const { driver, clock, manager } = await setup();
  const s = manager.createSession(manager.configurationFor({ bearers: ["ethernet"], timeoutMs: 5000 }));
  const opened = s.open();
  clock.advance(1000);
  s.close();
  assert.equal(await opened, false);
  assert.equal(s.error, "session-aborted");
  driver.set("eth", { state: "discovered" }); // a match arrives after all
  await settle();
  clock.advance(10_000);
  assert.deepEqual([s.isOpen, driver.calls], [false, []]);
});

Deno.test("a link let go for failing a need's reachability is not roamed back to once it is down", async () => {
  const { driver, manager } = await setup();
  driver.setReach("wlan", "site", true); // behind a captive portal
  driver.setReach("wlan-weak", "online");
  const s = manager.createSession(manager.configurationFor({ notMetered: true, reachability: "online" }));
  const need = s.configuration;
  assert.equal(await s.open(), true);
  await settle();
  assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan-weak");
  assert.deepEqual(
    need.children.map((c) => c.identifier),
    ["wlan-weak"],
    "the portal stays out while in range",
  );
  assert.equal(driver.calls.filter((c) => c === "activate wlan").length, 1, "tried once");
  assert.equal(s.error, undefined);
  driver.set("wlan", { state: "defined" }); // out of range and back: judged afresh
  driver.set("wlan", { state: "discovered" });
  assert.deepEqual(need.children.map((c) => c.identifier), ["wlan", "wlan-weak"]);
});
