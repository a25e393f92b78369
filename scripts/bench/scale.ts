// deno task bench:scale — the cost of each operation at two sizes 10–100x apart, in one run. A cost that
// grows with the size shows as a growth ratio far above 1 (linear growth would show the size ratio);
// per-item costs (per timer, per access point) should stay near 1. No assertion: these machines are noisy.
import { ap, FakeDriver } from "../../core/_fake_driver.ts";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { SimWorld, VirtualClock } from "../../drivers/sim/mod.ts";
import { flappingScenario, heapHeldDuringPlay } from "../../drivers/sim/_bench_scenarios.ts";

/** Median microseconds of `fn` over `runs` runs (after one warm-up). */
async function time(fn: () => unknown, runs = 7): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) * 1000);
  }
  return samples.sort((a, b) => a - b)[runs >> 1];
}

const rows: [string, string, number, string, number, number][] = [];
function row(what: string, small: string, a: number, large: string, b: number, sizeRatio: number) {
  rows.push([what, small, a, large, b, sizeRatio]);
}

// 1. The virtual clock: one timer set, found and run, with K others pending (per timer).
async function clockCost(pending: number): Promise<number> {
  const clock = new VirtualClock();
  for (let i = 0; i < pending; i++) clock.setTimeout(() => {}, 1e9 + i);
  const n = 2000;
  return await time(async () => {
    for (let i = 0; i < n; i++) clock.setTimeout(() => {}, 1);
    await clock.advance(1);
  }, 3) / n;
}
row(
  "virtual clock, per timer (µs)",
  "1k pending",
  await clockCost(1_000),
  "50k pending",
  await clockCost(50_000),
  50,
);

// 2. A world change that concerns none of N open sessions (they are on another access point).
async function changeCost(sessions: number): Promise<number> {
  const driver = new FakeDriver([ap("busy"), ap("quiet")]);
  const manager = await NetworkConfigurationManager.create(driver);
  const busy = manager.configurationFromIdentifier("busy");
  const all = Array.from({ length: sessions }, () => manager.createSession(busy));
  await Promise.all(all.map((s) => s.open()));
  let signal = 50;
  const cost = await time(() => {
    for (let i = 0; i < 100; i++) driver.set("quiet", { signal: signal = signal === 50 ? 60 : 50 });
  }) / 100;
  await manager.close();
  return cost;
}
row(
  "world change concerning no session (µs)",
  "1k sessions",
  await changeCost(1_000),
  "100k sessions",
  await changeCost(100_000),
  100,
);

// 3. defaultConfiguration() between changes, with C configurations.
async function defaultCost(count: number): Promise<number> {
  const driver = new FakeDriver(Array.from({ length: count }, (_, i) => ap(`ap${i}`, { signal: i % 100 })));
  const manager = await NetworkConfigurationManager.create(driver);
  manager.defaultConfiguration();
  const n = 10_000;
  return await time(() => {
    for (let i = 0; i < n; i++) manager.defaultConfiguration();
  }) / n;
}
row(
  "defaultConfiguration() between changes (µs)",
  "100 configs",
  await defaultCost(100),
  "10k configs",
  await defaultCost(10_000),
  100,
);

// 3b. A world change (a member's signal, then its link up and down) with C configurations while someone
// listens to the online state and the route (as the daemon does), per change.
async function routedChangeCost(count: number): Promise<number> {
  const configs = Array.from({ length: count }, (_, i) => ap(`ap${i}`, { signal: i % 100 }));
  const driver = new FakeDriver(configs);
  const manager = await NetworkConfigurationManager.create(driver);
  let heard = 0;
  manager.on("onlineStateChanged", () => heard++);
  manager.on("reachabilityChanged", () => heard++);
  const n = 300;
  const cost = await time(() => {
    for (let i = 0; i < n; i++) {
      driver.set("ap7", { signal: 40 + (i % 2) });
      driver.set("ap7", { state: i % 2 === 0 ? "active" : "discovered" });
    }
  }) / (2 * n);
  await manager.close();
  if (heard < 0) console.log(heard);
  return cost;
}
row(
  "world change with a route listener (µs)",
  "100 configs",
  await routedChangeCost(100),
  "10k configs",
  await routedChangeCost(10_000),
  100,
);

// 4. Building a simulated world (per access point).
function buildCost(count: number): Promise<number> {
  return time(() => {
    const world = new SimWorld();
    for (let i = 0; i < count; i++) world.addAccessPoint({ id: `ap${i}`, bearer: "wlan", signal: 50 });
  }, 3).then((us) => us / count);
}
row(
  "building a world, per access point (µs)",
  "1k APs",
  await buildCost(1_000),
  "10k APs",
  await buildCost(10_000),
  10,
);

// 5. A simulated world change (one access point's signal) with N other access points, each in a service network.
function simChangeCost(count: number): Promise<number> {
  const world = new SimWorld();
  for (let i = 0; i < count; i++) {
    world.addAccessPoint({ id: `ap${i}`, bearer: "wlan", signal: 50 });
    world.addServiceNetwork({ id: `sn${i}`, members: [`ap${i}`] });
  }
  let signal = 50;
  return time(() => {
    for (let i = 0; i < 1000; i++) world.setSignal("ap0", signal = signal === 50 ? 60 : 50);
  }).then((us) => us / 1000);
}
row(
  "sim world change, per setSignal (µs)",
  "100 APs+SNs",
  await simChangeCost(100),
  "10k APs+SNs",
  await simChangeCost(10_000),
  100,
);

// 6. Scenario playback, per step, of a short and a long play (an ALR session roaming on every step).
async function playCost(steps: number): Promise<number> {
  const scenario = flappingScenario(steps);
  return await time(() => new SimWorld().play(scenario, { timelineLimit: 0 }), 3) / steps;
}
row(
  "scenario playback, per step (µs)",
  "10k steps",
  await playCost(10_000),
  "100k steps",
  await playCost(100_000),
  10,
);

// 6b. Heap held by a play (after full collections, against the heap before it), per step played, at its
// 10,000th and its 100,000th step: the steps are made as the play reaches them, the session's events are
// counted, not kept, unless an expectation reads them, and the timeline is off here (its cap is
// `timelineLimit`). What a play holds does not grow with its length, so the cost per step falls with it (a
// list of the steps made up front held about 50 B a step). tests/memory/long_play_test.ts holds it to a bound.
{
  const gc = (globalThis as { gc?: () => void }).gc;
  const held = gc === undefined
    ? new Map<number, number>()
    : await heapHeldDuringPlay(100_000, [10_000, 100_001]);
  row(
    "heap held by a play, per step played (B)",
    "at step 10k",
    (held.get(10_000) ?? NaN) / 10_000,
    "at step 100k",
    (held.get(100_001) ?? NaN) / 100_001,
    10,
  );
}

// 7. open() + close() of one session with N others open on the same access point (per session).
async function openCloseCost(others: number): Promise<number> {
  const driver = new FakeDriver([ap("a")]);
  const manager = await NetworkConfigurationManager.create(driver);
  const config = manager.configurationFromIdentifier("a");
  const open = Array.from({ length: others }, () => manager.createSession(config));
  await Promise.all(open.map((s) => s.open()));
  const n = 2000;
  const cost = await time(async () => {
    for (let i = 0; i < n; i++) {
      const s = manager.createSession(config);
      await s.open();
      s.close();
    }
  }) / n;
  await manager.close();
  return cost;
}
row(
  "open() + close() with N sessions open (µs)",
  "1k open",
  await openCloseCost(1_000),
  "100k open",
  await openCloseCost(100_000),
  100,
);

// 8. Heap per idle session (needs --expose-gc; the task passes it).
async function idleBytes(count: number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return NaN;
  const manager = await NetworkConfigurationManager.create(new FakeDriver([ap("a")]));
  const config = manager.configurationFromIdentifier("a");
  gc();
  gc();
  const before = Deno.memoryUsage().heapUsed;
  const kept = Array.from({ length: count }, () => manager.createSession(config));
  gc();
  gc();
  const bytes = (Deno.memoryUsage().heapUsed - before) / kept.length;
  await manager.close();
  return bytes;
}
row(
  "heap per idle session (bytes)",
  "1k sessions",
  await idleBytes(1_000),
  "100k sessions",
  await idleBytes(100_000),
  100,
);

console.log("| what | small | cost | large | cost | growth | size ratio |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const [what, small, a, large, b, sizeRatio] of rows) {
  console.log(
    `| ${what} | ${small} | ${a.toFixed(2)} | ${large} | ${b.toFixed(2)} | ${
      (b / a).toFixed(2)
    }x | ${sizeRatio}x |`,
  );
}
