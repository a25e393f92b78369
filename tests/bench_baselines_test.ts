// The benchmarks' baselines do the work they stand for: the plain loop and the contract's floor deliver the
// session events the scenario's play does (a step more plays as many events more), and the open+close
// baselines hear their two events. A baseline that skipped work would flatter every ratio printed against it.
import assert from "node:assert/strict";
import { leastOpenClose, standInOpenClose } from "../core/_bench_baselines.ts";
import { asyncFloorLoop, bareLoop, flappingScenario } from "../drivers/sim/_bench_scenarios.ts";
import { SimWorld } from "../drivers/sim/mod.ts";

const played = async (steps: number) =>
  (await new SimWorld().play(flappingScenario(steps), { timelineLimit: 0 })).events;

Deno.test("bench baselines: the plain loop and the contract's floor deliver the play's events, step for step", async () => {
  for (const steps of [100, 1000]) {
    assert.equal(bareLoop(steps), 4 * steps - 4, `the plain loop's events over ${steps} steps`);
    assert.equal(await asyncFloorLoop(steps), bareLoop(steps), `the floor's events over ${steps} steps`);
  }
  // the play also opens its session (its first events): what each further step adds is the loop's four
  assert.equal((await played(1000)) - (await played(100)), bareLoop(1000) - bareLoop(100));
});

Deno.test("bench baselines: each open+close baseline hears an event on open and one on close", async () => {
  for (const baseline of [standInOpenClose, leastOpenClose]) {
    const before = await baseline();
    assert.equal(await baseline(), before + 2, baseline.name);
  }
});
