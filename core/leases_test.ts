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

Deno.test("a link's holders stay in the order they came, few or many, through releases, re-takes and stop()", async () => {
  const driver = new FakeDriver([ap("a")]);
  const leases = new LeaseTable(driver, () => undefined);
  const holders = Array.from({ length: 12 }, (_, i) => ({ i }));
  const order = () => [...leases.holdersOf("a")].map((h) => (h as { i: number }).i);
  await leases.acquire("a", holders[0]);
  for (const h of holders.slice(1, 4)) assert.equal(leases.acquireIfUp("a", h), true);
  assert.equal(leases.acquireIfUp("a", holders[1]), true, "a holder taking it again");
  assert.deepEqual([order(), leases.count("a")], [[0, 1, 2, 3], 4], "held once each");
  assert.equal(leases.releaseIfShared("a", holders[1]), true); // from the middle
  assert.deepEqual(order(), [0, 2, 3]);
  assert.equal(leases.releaseIfShared("a", holders[3]), true); // the last
  assert.deepEqual(order(), [0, 2]);
  assert.equal(leases.releaseIfShared("a", holders[5]), true, "one that does not hold it: nothing to do");
  for (const h of holders.slice(1)) leases.acquireIfUp("a", h); // past a few: kept all the same
  assert.deepEqual(order(), [0, 2, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual([leases.count("a"), leases.holds("a", holders[11]), leases.holds("a", {})], [
    12,
    true,
    false,
  ]);
  assert.equal(leases.releaseIfShared("a", holders[4]), true);
  assert.deepEqual([leases.count("a"), leases.holds("a", holders[4])], [11, false]);
  const { holders: stopped, done } = leases.stop("a");
  await done;
  assert.deepEqual(stopped.map((h) => (h as { i: number }).i), [0, 2, 1, 3, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual([leases.count("a"), order()], [0, []]);
});
