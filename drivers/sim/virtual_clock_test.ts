import assert from "node:assert/strict";
import { VirtualClock } from "./virtual_clock.ts";

Deno.test("advance runs due timers in time order and sets now() to each timer's time", async () => {
  const clock = new VirtualClock();
  const seen: Array<[string, number]> = [];
  clock.setTimeout(() => seen.push(["c", clock.now()]), 300);
  clock.setTimeout(() => seen.push(["a", clock.now()]), 100);
  clock.setTimeout(() => seen.push(["b", clock.now()]), 200);
  clock.setTimeout(() => seen.push(["late", clock.now()]), 1001);
  await clock.advance(1000);
  assert.deepEqual(seen, [["a", 100], ["b", 200], ["c", 300]]);
  assert.equal(clock.now(), 1000);
  assert.equal(clock.pendingTimers, 1);
  await clock.advance(1);
  assert.deepEqual(seen.at(-1), ["late", 1001]);
});

Deno.test("timers due at the same time run in creation order", async () => {
  const clock = new VirtualClock();
  const seen: number[] = [];
  for (let i = 0; i < 5; i++) clock.setTimeout(() => seen.push(i), 50);
  clock.setTimeout(() => seen.push(-1), 49);
  await clock.advance(50);
  assert.deepEqual(seen, [-1, 0, 1, 2, 3, 4]);
});

Deno.test("timers created during advance inside the window also run, in order", async () => {
  const clock = new VirtualClock();
  const seen: Array<[string, number]> = [];
  clock.setTimeout(() => {
    seen.push(["outer", clock.now()]);
    clock.setTimeout(() => seen.push(["nested", clock.now()]), 30);
    clock.setTimeout(() => seen.push(["beyond", clock.now()]), 500);
  }, 10);
  clock.setTimeout(() => seen.push(["second", clock.now()]), 20);
  await clock.advance(100);
  assert.deepEqual(seen, [["outer", 10], ["second", 20], ["nested", 40]]);
  assert.equal(clock.pendingTimers, 1);
  assert.equal(clock.nextTimerAt(), 510);
});

Deno.test("promise chains started by a timer run before the next timer, even when they set timers", async () => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  const sleep = (ms: number) => new Promise<void>((r) => clock.setTimeout(r, ms));
  clock.setTimeout(() => {
    (async () => {
      await Promise.resolve();
      await Promise.resolve();
      seen.push(`chain ${clock.now()}`);
      await sleep(5); // a virtual timer set from promise work
      seen.push(`after sleep ${clock.now()}`);
    })();
  }, 10);
  clock.setTimeout(() => seen.push(`next ${clock.now()}`), 10);
  clock.setTimeout(() => seen.push(`later ${clock.now()}`), 20);
  await clock.advance(20);
  assert.deepEqual(seen, ["chain 10", "next 10", "after sleep 15", "later 20"]);
});

Deno.test("clearTimeout cancels a timer, also from inside another timer; unknown handles are ignored", async () => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  const b = clock.setTimeout(() => seen.push("b"), 20);
  clock.setTimeout(() => {
    seen.push("a");
    clock.clearTimeout(b);
  }, 10);
  const c = clock.setTimeout(() => seen.push("c"), 30);
  clock.clearTimeout(c);
  clock.clearTimeout("nonsense");
  clock.clearTimeout(undefined);
  await clock.advance(100);
  assert.deepEqual(seen, ["a"]);
  assert.equal(clock.pendingTimers, 0);
});

Deno.test("advance(0) only lets pending promise work settle", async () => {
  const clock = new VirtualClock(500);
  let settled = false;
  Promise.resolve().then(() => Promise.resolve()).then(() => settled = true);
  clock.setTimeout(() => assert.fail("must not run"), 1);
  await clock.advance(0);
  assert.equal(settled, true);
  assert.equal(clock.now(), 500);
  assert.equal(clock.pendingTimers, 1);
});

Deno.test("a zero or negative delay fires at the current time on the next advance", async () => {
  const clock = new VirtualClock();
  let at = -1;
  clock.setTimeout(() => at = clock.now(), -5);
  await clock.advance(0);
  assert.equal(at, 0);
});

Deno.test("advance rejects bad durations and concurrent use", async () => {
  const clock = new VirtualClock();
  await assert.rejects(clock.advance(-1), /non-negative/);
  await assert.rejects(clock.advance(NaN), /non-negative/);
  const running = clock.advance(10);
  await assert.rejects(clock.advance(10), /already advancing/);
  await running;
  assert.equal(clock.now(), 10);
});

Deno.test("a throwing timer does not stop the others; its error is thrown after advance", async () => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  clock.setTimeout(() => {
    throw new Error("boom");
  }, 1);
  clock.setTimeout(() => seen.push("after"), 2);
  await assert.rejects(clock.advance(5), /boom/);
  assert.deepEqual(seen, ["after"]);
  assert.equal(clock.now(), 5);
});

Deno.test("runAll runs every timer and stops a timer that keeps re-arming itself", async () => {
  const clock = new VirtualClock();
  clock.setTimeout(() => clock.setTimeout(() => {}, 1000), 2000);
  await clock.runAll();
  assert.equal(clock.now(), 3000);
  const rearm = () => clock.setTimeout(rearm, 10);
  rearm();
  await assert.rejects(clock.runAll(50), /re-arming/);
});

Deno.test("advance never waits on the wall clock", async () => {
  const clock = new VirtualClock();
  for (let i = 1; i <= 200; i++) clock.setTimeout(() => {}, i * 60_000);
  const t0 = performance.now();
  await clock.advance(24 * 3600_000);
  assert.equal(clock.now(), 24 * 3600_000);
  assert.ok(performance.now() - t0 < 5000, "200 virtual hours-apart timers must not take real time");
});

Deno.test("promise chains of many turns settle before the next timer, also while they use the clock", async () => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  clock.setTimeout(() => {
    (async () => {
      for (let i = 0; i < 20; i++) await Promise.resolve(); // quiet turns below the drain's window
      for (let i = 0; i < 500; i++) {
        clock.now(); // a chain that keeps using the clock keeps the drain going
        await Promise.resolve();
      }
      seen.push(`chain ${clock.now()}`);
    })();
  }, 10);
  clock.setTimeout(() => seen.push(`next ${clock.now()}`), 10);
  await clock.advance(10);
  assert.deepEqual(seen, ["chain 10", "next 10"]);
});
