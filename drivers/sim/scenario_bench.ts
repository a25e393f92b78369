// deno bench -A drivers/sim/scenario_bench.ts
// Scenario playback throughput for a 100,000-step scenario (steps and delivered session events per second of real
// time), against a bare loop of the same world calls on the virtual clock, measured in the same run; and the
// cost of one roam (migrate to accept) against a plain open+close.
import { NetworkConfigurationManager } from "@netsession/core";
import { SimDriver } from "./driver.ts";
import type { SimScenario } from "./scenario_types.ts";
import { SimWorld } from "./world.ts";

const STEPS = 100_000;
const world = {
  accessPoints: [{ id: "lte", bearer: "lte" as const }, { id: "wlan", bearer: "wlan" as const }],
  serviceNetworks: [{ id: "any", members: ["wlan", "lte"] }],
};
const flapping: SimScenario = {
  version: 1,
  world,
  sessions: [{
    id: "app",
    configuration: "any",
    alr: true,
    auto: { preferred: "migrate", activated: "accept" },
  }],
  steps: [
    { at: 0, session: "app", do: "open" },
    {
      at: 1000,
      repeat: {
        every: 2000,
        times: STEPS / 2,
        steps: [{ at: 0, action: "setSignal", id: "wlan", signal: 0 }, {
          at: 1000,
          action: "setSignal",
          id: "wlan",
          signal: 90,
        }],
      },
    },
  ],
};

let last = { steps: 0, events: 0, ms: 0 };
Deno.bench({
  name: "baseline: 100,000 setSignal calls on the virtual clock, no scenario",
  group: "playback",
  baseline: true,
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
        } events/s`,
    );
  }
});
