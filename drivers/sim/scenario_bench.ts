// deno bench -A drivers/sim/scenario_bench.ts
// Scenario playback throughput for a 100,000-step scenario (steps and delivered session events per second of real
// time), against a plain-JS loop doing the same world changes and callbacks with a binary-heap timer queue (the
// honest baseline), measured in the same run, the same loop through the driver contract's promises and the drain's
// quiet turns (the floor the contract sets), and the same world calls on the virtual clock without a scenario;
// and the cost of one roam (migrate to accept) against a plain open+close.
import { NetworkConfigurationManager } from "@netsession/core";
import { SimDriver } from "./driver.ts";
import type { SimScenario } from "./scenario_types.ts";
import { SimWorld } from "./world.ts";
import { asyncFloorLoop, bareLoop, flappingScenario } from "./_bench_scenarios.ts";

const STEPS = 100_000;
const world = {
  accessPoints: [{ id: "lte", bearer: "lte" as const }, { id: "wlan", bearer: "wlan" as const }],
  serviceNetworks: [{ id: "any", members: ["wlan", "lte"] }],
};
const flapping: SimScenario = flappingScenario(STEPS);

let last = { steps: 0, events: 0, ms: 0 };
let bare = { steps: 0, events: 0, ms: 0 };
let floor = { steps: 0, events: 0, ms: 0 };
Deno.bench({
  name: "baseline: the same world changes and callbacks in plain JS (binary-heap timers, no framework)",
  group: "playback",
  baseline: true,
  n: 3,
  warmup: 1,
  fn() {
    const t0 = performance.now();
    const events = bareLoop(STEPS);
    bare = { steps: STEPS, events, ms: performance.now() - t0 };
  },
});
Deno.bench({
  name: "floor: the same loop through the contract's promises and the drain's quiet microtask turns",
  group: "playback",
  n: 3,
  warmup: 1,
  async fn() {
    const t0 = performance.now();
    const events = await asyncFloorLoop(STEPS);
    floor = { steps: STEPS, events, ms: performance.now() - t0 };
  },
});
Deno.bench({
  name: "100,000 setSignal calls on the virtual clock, no scenario",
  group: "playback",
  n: 3,
  warmup: 1,
  async fn() {
    const w = new SimWorld();
    w.addAccessPoint(world.accessPoints[0]);
    w.addAccessPoint(world.accessPoints[1]);
    w.addServiceNetwork(world.serviceNetworks[0]);
    for (let i = 0; i < STEPS; i++) {
      await w.advance(1000);
      w.setSignal("wlan", i % 2 === 0 ? 0 : 90);
    }
  },
});
Deno.bench({
  name: "play a 100,000-step scenario (ALR session roaming on every step)",
  group: "playback",
  n: 3,
  warmup: 1,
  async fn() {
    const t0 = performance.now();
    const r = await new SimWorld().play(flapping, { timelineLimit: 0 });
    last = { steps: r.steps, events: r.events, ms: performance.now() - t0 };
  },
});

const w = new SimWorld();
w.addAccessPoint({ id: "lte", bearer: "lte", activationMs: 0, deactivationMs: 0 });
w.addAccessPoint({ id: "wlan", bearer: "wlan", signal: 0, activationMs: 0, deactivationMs: 0 });
w.addServiceNetwork({ id: "any", members: ["wlan", "lte"] });
const manager = await NetworkConfigurationManager.create(new SimDriver(w), { clock: w.clock });
Deno.bench({
  name: "baseline: open() + close() of a session on one access point",
  group: "roam",
  baseline: true,
  async fn() {
    const s = manager.createSession(manager.configurationFromIdentifier("lte"));
    const p = s.open();
    await w.advance(0);
    await p;
    s.close();
    await w.advance(0);
  },
});
const roamer = manager.createSession(manager.configurationFromIdentifier("any"));
const activated = { resolve: () => {} };
roamer.on("preferredConfigurationChanged", () => roamer.migrate());
roamer.on("newConfigurationActivated", () => {
  roamer.accept();
  activated.resolve();
});
{
  const p = roamer.open();
  await w.advance(0);
  await p;
}
let toWlan = true;
Deno.bench({
  name: "one roam: offer, migrate, newConfigurationActivated, accept",
  group: "roam",
  async fn() {
    const done = new Promise<void>((r) => activated.resolve = r);
    if (toWlan) w.setSignal("wlan", 90);
    else w.setSignal("wlan", 0);
    toWlan = !toWlan;
    await w.advance(0);
    await done;
    await w.advance(0);
  },
});

globalThis.addEventListener("unload", () => {
  if (last.ms > 0) {
    console.log(
      `scenario playback: ${last.steps} steps, ${last.events} session events in ${last.ms.toFixed(0)} ms: ` +
        `${Math.round(last.steps / (last.ms / 1000))} steps/s, ${
          Math.round(last.events / (last.ms / 1000))
        } events/s; ${(last.ms / bare.ms).toFixed(1)}x the plain-JS loop (${
          (bare.ms * 1000 / bare.steps).toFixed(2)
        } µs a step and ${bare.events} events, against ${(last.ms * 1000 / last.steps).toFixed(2)} µs); ${
          (last.ms / floor.ms).toFixed(1)
        }x the contract's floor (${(floor.ms * 1000 / floor.steps).toFixed(2)} µs a step, itself ${
          (floor.ms / bare.ms).toFixed(1)
        }x the loop)`,
    );
  }
});
