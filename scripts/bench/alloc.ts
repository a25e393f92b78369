// deno task bench:alloc — the bytes allocated and the function calls made by a scenario's play step and by an
// open()+close(), against the plain-JS baselines their speed is measured against (drivers/sim/scenario_bench.ts,
// core/session_bench.ts), in one run. Garbage is most of what these operations cost beyond their work (the
// collector's share of a profile, and the making of the objects), the calls count the work; unlike time, neither
// moves with the machine's load.
import { ap, FakeDriver } from "../../core/_fake_driver.ts";
import { standInOpenClose } from "../../core/_bench_baselines.ts";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { SimWorld } from "../../drivers/sim/mod.ts";
import { bareLoop, flappingScenario } from "../../drivers/sim/_bench_scenarios.ts";
import { bytesAllocated } from "./_allocation.ts";
import { callsMade } from "./_calls.ts";

const STEPS = 20_000;
const play = (steps: number) => new SimWorld().play(flappingScenario(steps), { timelineLimit: 0 });
await play(2_000);
bareLoop(2_000);
const playBytes = await bytesAllocated(() => play(STEPS)) / (STEPS + 1);
const loopBytes = await bytesAllocated(() => bareLoop(STEPS)) / STEPS;
const playCalls = await callsMade(() => play(STEPS), import.meta.url) / (STEPS + 1);
const loopCalls = await callsMade(() => bareLoop(STEPS), import.meta.url) / STEPS;

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
const openCloseCalls = await callsMade(() => openClose(N), import.meta.url) / N;
const standInCalls = await callsMade(() => standIn(N), import.meta.url) / N;
await manager.close();

const kb = (bytes: number) => bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${bytes.toFixed(0)} B`;
const rows = [
  ["a play step (flapping roam)", kb(playBytes), `${kb(loopBytes)} the plain-JS loop`, playBytes / loopBytes],
  [
    "open() + close()",
    kb(openCloseBytes),
    `${kb(standInBytes)} the bare stand-in`,
    openCloseBytes / standInBytes,
  ],
  [
    "calls a play step",
    playCalls.toFixed(0),
    `${loopCalls.toFixed(0)} the plain-JS loop`,
    playCalls / loopCalls,
  ],
  [
    "calls an open() + close()",
    openCloseCalls.toFixed(0),
    `${standInCalls.toFixed(0)} the bare stand-in`,
    openCloseCalls / standInCalls,
  ],
] as const;
console.log("| measured                      | this      | baseline (same run)           | ratio |");
console.log("| ----------------------------- | --------- | ----------------------------- | ----- |");
for (const [what, value, baseline, ratio] of rows) {
  const times = ratio < 10 ? ratio.toFixed(1) : ratio.toFixed(0);
  console.log(`| ${what.padEnd(29)} | ${value.padEnd(9)} | ${baseline.padEnd(29)} | ${times.padStart(4)}x |`);
}
