import assert from "node:assert/strict";
import fc from "fast-check";
import { ap, FakeDriver, ManualClock, settle, sn } from "./_fake_driver.ts";
import { sessionLog } from "./_session_log.ts";
import { NetworkConfigurationManager } from "./manager.ts";
import type { NetworkSession } from "./network_session.ts";
import { carrierVerdict, reaches, transportMediumOf } from "./reachability.ts";
import type { ReachabilityChange } from "./session_events.ts";
import { REACHABILITIES, type Reachability } from "./types.ts";

async function world(options: { forced?: boolean } = {}) {
  const driver = new FakeDriver([
    ap("wlan", { state: "defined" }),
    ap("lte", { bearerType: "lte", metered: true }),
    sn("any", ["wlan", "lte"]),
  ]);
  driver.setReach("lte", "online");
  const clock = new ManualClock();
  const manager = await NetworkConfigurationManager.create(driver, {
    clock,
    onListenerError: (e) => {
      throw e;
    },
  });
  const s = manager.createSession(manager.configurationFromIdentifier("any"));
  const log = sessionLog(s, ["stateChanged", "closed", "error", "newConfigurationActivated"]);
  if (!options.forced) s.on("preferredConfigurationChanged", () => s.migrate());
  assert.equal(await s.open(), true);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
  log.length = 0;
  return { driver, clock, manager, s, log };
}

Deno.test("reachability: 'disconnected' while not active, 'unknown' when the driver cannot tell, else the driver's", async () => {
  const driver = new FakeDriver([ap("a"), ap("b"), sn("any", ["a", "b"])]);
  const manager = await NetworkConfigurationManager.create(driver);
  const a = manager.configurationFromIdentifier("a");
  assert.deepEqual([a.reachability, a.behindCaptivePortal], ["disconnected", false]);
  driver.up("a");
  assert.equal(a.reachability, "unknown");
  driver.setReach("a", "local", true);
  assert.deepEqual([a.reachability, a.behindCaptivePortal], ["local", true]);
  const any = manager.configurationFromIdentifier("any");
  assert.deepEqual(
    [any.reachability, any.behindCaptivePortal],
    ["local", true],
    "a service network: its active member's",
  );
  assert.equal(manager.configurationFromIdentifier("nope").reachability, "disconnected");
  assert.deepEqual(
    [a.toJSON().reachability, a.toJSON().behindCaptivePortal],
    ["local", true],
  );
});

Deno.test("session: reachability follows its link and reachabilityChanged fires on a change while it stays up", async () => {
  const { driver, s } = await world();
  const changes: ReachabilityChange[] = [];
  s.on("reachabilityChanged", (c) => changes.push(c));
  assert.deepEqual([s.reachability, s.behindCaptivePortal], ["online", false]);
  driver.setReach("lte", "local"); // the upstream is lost; the link stays up
  assert.equal(s.state, "connected");
  assert.deepEqual([s.reachability, ...changes], ["local", {
    reachability: "local",
    behindCaptivePortal: false,
  }]);
  driver.setReach("lte", "local", true);
  assert.deepEqual(changes.at(-1), { reachability: "local", behindCaptivePortal: true });
  driver.setReach("lte", "local", true); // no change, no event
  assert.equal(changes.length, 2);
  s.close();
  await settle();
  assert.equal(s.reachability, "disconnected");
});

Deno.test("checkReachability() asks the driver for the session's link; 'disconnected' without one", async () => {
  const { driver, s } = await world();
  driver.configs.set("lte", { ...driver.configs.get("lte")!, reachability: "site" }); // the driver learns more
  assert.equal(await s.checkReachability(), "site");
  assert.ok(driver.calls.includes("check lte"));
  s.close();
  await settle();
  assert.equal(await s.checkReachability(), "disconnected");
});

Deno.test("manager: the default route's reachability, captive portal, transport medium and metering, with events", async () => {
  const driver = new FakeDriver([
    ap("eth", { bearerType: "ethernet" }),
    ap("lte", { bearerType: "lte", metered: true }),
  ]);
  const manager = await NetworkConfigurationManager.create(driver);
  const seen: string[] = [];
  manager.on("reachabilityChanged", (r) => seen.push(`reach:${r}`));
  manager.on("behindCaptivePortalChanged", (b) => seen.push(`portal:${b}`));
  manager.on("transportMediumChanged", (t) => seen.push(`medium:${t}`));
  manager.on("isMeteredChanged", (m) => seen.push(`metered:${m}`));
  assert.deepEqual(
    [manager.reachability, manager.behindCaptivePortal, manager.transportMedium, manager.isMetered],
    ["disconnected", false, "unknown", false],
  );
  driver.setReach("lte", "online", true);
  driver.up("lte");
  assert.deepEqual(
    [manager.reachability, manager.behindCaptivePortal, manager.transportMedium, manager.isMetered],
    ["online", true, "cellular", true],
  );
  driver.setReach("eth", "site");
  driver.up("eth"); // Ethernet over cellular: the default route moves
  assert.deepEqual([manager.reachability, manager.transportMedium, manager.isMetered], [
    "site",
    "ethernet",
    false,
  ]);
  driver.down("eth");
  driver.down("lte");
  assert.deepEqual(seen, [
    "reach:online",
    "portal:true",
    "medium:cellular",
    "metered:true",
    "reach:site",
    "portal:false",
    "medium:ethernet",
    "metered:false",
    "reach:online",
    "portal:true",
    "medium:cellular",
    "metered:true",
    "reach:disconnected",
    "portal:false",
    "medium:unknown",
    "metered:false",
  ]);
});

Deno.test("ALR: newConfigurationActivated tells the application how far the new access point reaches", async () => {
  const { driver, s } = await world();
  const got: ReachabilityChange[] = [];
  s.on("newConfigurationActivated", (link) => got.push(link));
  driver.setReach("wlan", "local", true);
  driver.set("wlan", { state: "discovered" });
  await settle();
  assert.deepEqual(got, [{ reachability: "local", behindCaptivePortal: true }]);
  s.reject(); // the application tested the carrier and said no
  await settle();
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
});

Deno.test("forced roaming: a better member that reaches as far is taken at once", async () => {
  const { driver, s, log } = await world({ forced: true });
  driver.setReach("wlan", "online");
  driver.set("wlan", { state: "discovered" });
  await settle();
  assert.deepEqual(log, ["state:roaming", "state:connected", "activated"]);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan");
  assert.ok(driver.calls.includes("deactivate lte"));
});

Deno.test("forced roaming never moves a session onto a captive portal it did not have: it stays, and does not retry", async () => {
  const { driver, s, log, manager } = await world({ forced: true });
  driver.setReach("wlan", "online", true);
  driver.set("wlan", { state: "discovered" });
  await settle();
  assert.deepEqual(log, ["state:roaming", "state:connected", "error:roaming"]);
  assert.match(s.errorString, /'wlan' is behind a captive portal: the session stays on 'lte'/);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
  assert.deepEqual([manager.holdCount("wlan"), manager.configurationFromIdentifier("wlan").state], [
    0,
    "discovered",
  ]);
  driver.set("wlan", { signal: 90 }); // any change: the refused member is not tried again
  await settle();
  assert.equal(driver.calls.filter((c) => c === "activate wlan").length, 1);
});

Deno.test("forced roaming: a member that reaches less waits for its carrier test, and commits when it reaches far enough", async () => {
  const { driver, s, log, clock } = await world({ forced: true });
  driver.setReach("wlan", "local");
  driver.set("wlan", { state: "discovered" });
  await settle();
  assert.deepEqual([s.state, s.sessionProperty("ActiveConfiguration")], ["roaming", "lte"]);
  clock.advance(10_000);
  driver.setReach("wlan", "online"); // the connectivity check passed
  await settle();
  assert.deepEqual(log, ["state:roaming", "state:connected", "activated"]);
  assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan");
  clock.advance(60_000); // the carrier test's time-out was cancelled
  assert.equal(s.error, undefined);
});

Deno.test("forced roaming: a member that never reaches as far goes back within its connect time-out, as reject() does", async () => {
  const { driver, s, log, clock, manager } = await world({ forced: true });
  driver.setReach("wlan", "local");
  driver.set("wlan", { state: "discovered" });
  await settle();
  clock.advance(29_999);
  assert.equal(s.state, "roaming");
  clock.advance(1);
  await settle();
  assert.deepEqual(log, ["state:roaming", "state:connected", "error:roaming"]);
  assert.match(s.errorString, /'wlan' did not reach online within its connect time-out/);
  assert.deepEqual([s.sessionProperty("ActiveConfiguration"), manager.holdCount("wlan")], ["lte", 0]);
  assert.equal(manager.configurationFromIdentifier("wlan").state, "discovered");
});

Deno.test("forced roaming on loss: a captive portal as the only way ends the session; a short link is kept with an error", async () => {
  for (const captive of [true, false]) {
    const { driver, s, log, clock } = await world({ forced: true });
    driver.setReach("wlan", "local", captive);
    driver.set("wlan", { state: "discovered", signal: 10 }); // weak: no roam to it while LTE is fine
    await settle();
    assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
    driver.down("lte");
    driver.set("lte", { state: "defined" });
    await settle();
    if (captive) {
      assert.deepEqual(log, [
        "state:roaming",
        "state:connected",
        "error:session-aborted",
        "closed",
        "state:disconnected",
      ]);
      assert.equal(driver.configs.get("wlan")!.state, "discovered", "the portal is let go");
    } else {
      clock.advance(30_000);
      await settle();
      assert.deepEqual(log, ["state:roaming", "state:connected", "error:roaming", "activated"]);
      assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan");
    }
  }
});

Deno.test("reachability rules: ranks in Qt 6 order, carrier verdicts, transport media", () => {
  assert.deepEqual(REACHABILITIES, ["unknown", "disconnected", "local", "site", "online"]);
  assert.equal(reaches("site", "local"), true);
  assert.equal(reaches("unknown", "local"), false);
  assert.equal(
    carrierVerdict({ reachability: "online", captivePortal: true }, {
      reachability: "local",
      captivePortal: true,
    }),
    "ok",
  );
  assert.deepEqual(
    (["ethernet", "wlan", "5g", "bluetooth", "unknown"] as const).map(transportMediumOf),
    ["ethernet", "wifi", "cellular", "bluetooth", "unknown"],
  );
});

const reach = fc.constantFrom<Reachability>("unknown", "local", "site", "online");
type Action =
  | { kind: "reach"; ap: string; reachability: Reachability; captive: boolean }
  | { kind: "inRange" | "outOfRange"; ap: string }
  | { kind: "tick"; ms: number };
const ids = ["a", "b", "c"];
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({
    kind: fc.constant("reach" as const),
    ap: fc.constantFrom(...ids),
    reachability: reach,
    captive: fc.boolean(),
  }),
  fc.record({
    kind: fc.constantFrom("inRange" as const, "outOfRange" as const),
    ap: fc.constantFrom(...ids),
  }),
  fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 40_000 }) }),
);

Deno.test("property: a forced roam never lowers reachability nor lands on a new captive portal while the old link is up", async () => {
  let commits = 0, refusals = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 40 }), async (actions) => {
      const driver = new FakeDriver([
        ...ids.map((id) => ap(id, { state: id === "c" ? "discovered" : "defined" })),
        sn("any", ids),
      ]);
      const clock = new ManualClock();
      const manager = await NetworkConfigurationManager.create(driver, { clock, onListenerError: () => {} });
      const s: NetworkSession = manager.createSession(manager.configurationFromIdentifier("any"));
      let before: { ap: string; reach: ReachabilityChange } | undefined;
      s.on("stateChanged", (state) => {
        // A roam starts: remember how far the link being left reaches.
        const from = String(s.sessionProperty("ActiveConfiguration"));
        if (state === "roaming") {
          const c = manager.configurationFromIdentifier(from);
          before = {
            ap: from,
            reach: { reachability: c.reachability, behindCaptivePortal: c.behindCaptivePortal },
          };
        }
      });
      s.on("newConfigurationActivated", (link) => {
        commits++;
        if (!before || manager.configurationFromIdentifier(before.ap).state !== "active") return;
        assert.ok(
          reaches(link.reachability, before.reach.reachability),
          `${link.reachability} < ${before.reach.reachability}`,
        );
        assert.ok(!link.behindCaptivePortal || before.reach.behindCaptivePortal, "onto a new captive portal");
      });
      s.on("error", (e) => e === "roaming" && refusals++);
      await s.open();
      for (const a of actions) {
        if (a.kind === "reach") driver.setReach(a.ap, a.reachability, a.captive);
        else if (a.kind === "inRange") {
          if (driver.configs.get(a.ap)!.state === "defined") driver.set(a.ap, { state: "discovered" });
        } else if (a.kind === "outOfRange") driver.set(a.ap, { state: "defined", interface: undefined });
        else if (a.kind === "tick") clock.advance(a.ms);
        await settle();
        if (s.isOpen) assert.ok(s.state === "connected" || s.state === "roaming", s.state);
      }
      await manager.close();
    }),
    { numRuns: 400 },
  );
  assert.ok(
    commits > 50 && refusals > 10,
    `the generator exercises roams (${commits} commits, ${refusals} refusals)`,
  );
});
