// deno task bench:alloc — the bytes allocated by a scenario's play step and by an open()+close(), against the
// plain-JS baselines their speed is measured against (drivers/sim/scenario_bench.ts, core/session_bench.ts),
// in one run. Garbage is most of what these operations cost beyond their work (the collector's share of a
// profile, and the making of the objects), and unlike time it does not move with the machine's load.
import { ap, FakeDriver } from "../../core/_fake_driver.ts";
import { standInOpenClose } from "../../core/_bench_baselines.ts";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { SimWorld } from "../../drivers/sim/mod.ts";
import { bareLoop, flappingScenario } from "../../drivers/sim/_bench_scenarios.ts";
import { bytesAllocated } from "./_allocation.ts";

const STEPS = 20_000;
const play = (steps: number) => new SimWorld().play(flappingScenario(steps), { timelineLimit: 0 });
await play(2_000);
bareLoop(2_000);
const playBytes = await bytesAllocated(() => play(STEPS)) / (STEPS + 1);
const loopBytes = await bytesAllocated(() => bareLoop(STEPS)) / STEPS;

const manager = await NetworkConfigurationManager.create(new FakeDriver([ap("a")]));
const config = manager.configurationFromIdentifier("a");
await manager.createSession(config).open(); // the link stays up: an open+close, not an activation
const openClose = async (n: number) => {
  for (let i = 0; i < n; i++) {
    const s = manager.createSession(config);
    await s.open();
    s.close();
  }
};
const standIn = async (n: number) => {
  for (let i = 0; i < n; i++) await standInOpenClose();
};
const N = 20_000;
await openClose(2_000);
await standIn(2_000);
const openCloseBytes = await bytesAllocated(() => openClose(N)) / N;
const standInBytes = await bytesAllocated(() => standIn(N)) / N;
await manager.close();

const kb = (bytes: number) => bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes.toFixed(0)} B`;
console.log("| allocated                     | measured  | baseline (same run)           | ratio |");
console.log("| ----------------------------- | --------- | ----------------------------- | ----- |");
console.log(
  `| a play step (flapping roam)   | ${kb(playBytes).padEnd(9)} | ${
    `${kb(loopBytes)} the plain-JS loop`.padEnd(29)
  } | ${(playBytes / loopBytes).toFixed(0).padStart(4)}x |`,
);
console.log(
  `| open() + close()              | ${kb(openCloseBytes).padEnd(9)} | ${
    `${kb(standInBytes)} the bare stand-in`.padEnd(29)
  } | ${(openCloseBytes / standInBytes).toFixed(0).padStart(4)}x |`,
);
