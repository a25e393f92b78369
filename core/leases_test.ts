import assert from "node:assert/strict";
import { ap, FakeDriver, ManualClock, settle } from "./_fake_driver.ts";
import { LeaseTable } from "./leases.ts";
import { NetworkConfigurationManager } from "./manager.ts";

Deno.test("acquireIfUp: takes a lease only on a link that is up (or lingering), else changes nothing", async () => {
  const driver = new FakeDriver([ap("a")]);
  const clock = new ManualClock();
  const lingered: string[] = [];
  const leases = new LeaseTable(driver, () => undefined, undefined, {
    ms: 1000,
    clock,
    onLinger: (id) => lingered.push(id),
  });
  const first = {}, second = {}, third = {};
  assert.equal(leases.acquireIfUp("a", first), false, "down: nothing to join");
  assert.equal(leases.count("a"), 0);
  const activating = leases.acquire("a", first);
  assert.equal(leases.acquireIfUp("a", second), false, "activating: the caller must wait for it");
  assert.equal(leases.holds("a", second), false);
  await activating;
  assert.equal(leases.acquireIfUp("a", second), true);
  assert.equal(leases.count("a"), 2);
  await leases.release("a", first);
  await leases.release("a", second);
  assert.deepEqual([lingered, leases.isLingering("a")], [["a"], true]);
  assert.equal(leases.acquireIfUp("a", third), true, "a lingering link is taken back");
  assert.deepEqual([leases.isLingering("a"), leases.isUp("a"), leases.count("a")], [false, true, 1]);
  clock.advance(5000);
  assert.deepEqual(
    driver.calls,
    ["activate a"],
    "taken back: no deactivation when the linger would have run out",
  );
});

Deno.test("open() on a link already up joins it without an activation, and still settles after open() returned", async () => {
  const driver = new FakeDriver([ap("a")]);
  const manager = await NetworkConfigurationManager.create(driver);
  const a = manager.configurationFromIdentifier("a");
  const keeper = manager.createSession(a);
  assert.equal(await keeper.open(), true);
  const s = manager.createSession(a);
  const events: string[] = [];
  const opened = s.open();
  // listeners added right after open() hear it open: the answer is never given inside open()
  s.on("opened", () => events.push("opened"));
  s.on("stateChanged", (state) => events.push(state));
  assert.equal(s.isOpen, false);
  assert.equal(await opened, true);
  assert.deepEqual(events, ["opened"], "the state was connected all along");
  assert.deepEqual([manager.holdCount("a"), driver.calls], [2, ["activate a"]]);
  s.close();
  keeper.close();
  await settle();
  assert.deepEqual([manager.holdCount("a"), driver.calls], [0, ["activate a", "deactivate a"]]);
});

Deno.test("releaseIfShared: drops a lease another holder keeps, never the last one (that one goes through release)", async () => {
  const driver = new FakeDriver([ap("a")]);
  const leases = new LeaseTable(driver, () => undefined);
  const first = {}, second = {}, stranger = {};
  await leases.acquire("a", first);
  await leases.acquire("a", second);
  assert.equal(leases.releaseIfShared("a", stranger), true, "not held: nothing to do");
  assert.equal(leases.releaseIfShared("a", first), true);
  assert.deepEqual([leases.count("a"), leases.holds("a", first)], [1, false]);
  assert.equal(leases.releaseIfShared("a", second), false, "the last holder: the link must be taken down");
  assert.deepEqual([leases.count("a"), driver.calls], [1, ["activate a"]]);
  await leases.release("a", second);
  assert.deepEqual([leases.count("a"), driver.calls], [0, ["activate a", "deactivate a"]]);
});
