import assert from "node:assert/strict";
import fc from "fast-check";
import { ap, FakeDriver, ManualClock, settle } from "./_fake_driver.ts";
import { sessionLog } from "./_session_log.ts";
import { NetworkConfigurationManager } from "./manager.ts";

async function setup(lingerMs: number) {
  const driver = new FakeDriver([ap("wlan")]);
  const clock = new ManualClock();
  const manager = await NetworkConfigurationManager.create(driver, { clock, lingerMs });
  const wlan = manager.configurationFromIdentifier("wlan");
  return { driver, clock, manager, wlan };
}

Deno.test("linger: the link stays up lingerMs after the last close, then goes down; losing warns first", async () => {
  const { driver, clock, manager, wlan } = await setup(5000);
  const s = manager.createSession(wlan);
  assert.equal(await s.open(), true);
  const log = sessionLog(s, ["stateChanged", "closed"]);
  const losing: number[] = [];
  s.on("losing", (e) => losing.push(e.msToLive));
  s.close();
  await settle();
  assert.deepEqual(log, ["closed"], "closed at once, no closing state: the link stays");
  assert.deepEqual([wlan.state, s.state, manager.holdCount("wlan")], ["active", "connected", 0]);
  assert.deepEqual(losing, [5000], "the observer hears that the link goes in 5 s");
  clock.advance(4999);
  await settle();
  assert.equal(wlan.state, "active");
  clock.advance(1);
  await settle();
  assert.equal(wlan.state, "discovered");
  assert.deepEqual(driver.calls, ["activate wlan", "deactivate wlan"]);
  assert.deepEqual(log, ["closed", "state:disconnected"]);
});

Deno.test("linger: an open() during the linger takes the link back without a state flap", async () => {
  const { driver, clock, manager, wlan } = await setup(5000);
  const a = manager.createSession(wlan);
  assert.equal(await a.open(), true);
  a.close();
  await settle();
  clock.advance(3000);
  const b = manager.createSession(wlan);
  const log = sessionLog(b, ["stateChanged", "opened", "closed"]);
  assert.equal(await b.open(), true);
  assert.deepEqual(log, ["opened"], "connected all along");
  clock.advance(10_000);
  await settle();
  assert.deepEqual([wlan.state, b.state, manager.holdCount("wlan")], ["active", "connected", 1]);
  assert.deepEqual(driver.calls, ["activate wlan"], "never taken down");
});

Deno.test("linger: stop() does not linger; closing the manager ends a linger", async () => {
  const { driver, manager, wlan } = await setup(60_000);
  const s = manager.createSession(wlan);
  assert.equal(await s.open(), true);
  s.stop();
  await settle();
  assert.deepEqual([wlan.state, driver.calls.at(-1)], ["discovered", "deactivate wlan force"]);
  assert.equal(await s.open(), true);
  s.close();
  await settle();
  assert.equal(wlan.state, "active");
  await manager.close();
  assert.equal(driver.configs.get("wlan")!.state, "discovered");
});

Deno.test("linger 0 (the default) keeps the seed's behaviour: the last close takes the link down at once", async () => {
  const { manager, wlan } = await setup(0);
  const s = manager.createSession(wlan);
  assert.equal(await s.open(), true);
  const log = sessionLog(s, ["stateChanged", "closed"]);
  s.close();
  await settle();
  assert.deepEqual(log, ["state:closing", "state:disconnected", "closed"]);
});

Deno.test("losing: a driver's warning reaches the sessions on that link before the loss", async () => {
  const { driver, manager, wlan } = await setup(0);
  const s = manager.createSession(wlan);
  const other = manager.createSession(manager.configurationFromIdentifier("nope"));
  assert.equal(await s.open(), true);
  const log = sessionLog(s, ["closed", "error"]);
  s.on("losing", (e) => log.push(`losing:${e.msToLive}`));
  other.on("losing", () => log.push("other"));
  driver.sink!({ type: "losing", identifier: "wlan", msToLive: 1200 });
  driver.externalDown("wlan");
  await settle();
  assert.deepEqual(log, ["losing:1200", "error:session-aborted", "closed"]);
});

Deno.test("property: with linger the counter holds its invariants; a link is down only after lingerMs without a holder", async () => {
  type Act = { kind: "open" | "close" | "stop"; session: number } | { kind: "tick"; ms: number };
  const act: fc.Arbitrary<Act> = fc.oneof(
    fc.record({
      kind: fc.constantFrom("open" as const, "close" as const, "stop" as const),
      session: fc.nat(2),
    }),
    fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 3000 }) }),
  );
  let lingered = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(act, { minLength: 5, maxLength: 40 }), async (acts) => {
      const { driver, clock, manager, wlan } = await setup(2000);
      const sessions = [0, 1, 2].map(() => manager.createSession(wlan));
      let emptySince: number | undefined; // when the last holder left without stop()
      for (const a of acts) {
        if (a.kind === "tick") clock.advance(a.ms);
        else {
          const s = sessions[a.session];
          if (a.kind === "open") void s.open();
          else s[a.kind]();
        }
        await settle();
        const open = sessions.filter((s) => s.isOpen).length;
        assert.equal(manager.holdCount("wlan"), open, "the counter counts the open sessions");
        const up = driver.configs.get("wlan")!.state === "active";
        if (open > 0) {
          assert.ok(up, "up under a holder");
          emptySince = undefined;
        } else if (up) {
          emptySince ??= clock.now();
          lingered++;
          assert.ok(clock.now() - emptySince < 2000, "never up longer than the linger without a holder");
        }
        if (!up) emptySince = undefined;
        if (a.kind === "stop") emptySince = undefined;
      }
      await manager.close();
    }),
    { numRuns: 300 },
  );
  assert.ok(lingered > 50, `the generator exercises lingers (${lingered})`);
});
