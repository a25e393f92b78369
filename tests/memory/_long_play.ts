// Run by long_play_test.ts with --expose-gc: plays the benchmarks' flapping scenario (a session roaming on
// every step) and prints, as JSON, the heap held (after full collections) before the play and at a few steps.
import { SimWorld } from "../../drivers/sim/mod.ts";
import { flappingScenario } from "../../drivers/sim/_bench_scenarios.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");
const steps = Number(Deno.args[0] ?? 200_000);
const marks = [Math.round(steps / 10), steps + 1]; // the play's last step is the scenario's open plus its steps
const held: Record<string, number> = {};
const scenario = flappingScenario(steps);
await new SimWorld().play(flappingScenario(1000), { timelineLimit: 0 }); // the code compiled before measuring
gc();
gc();
held.before = Deno.memoryUsage().heapUsed;
await new SimWorld().play(scenario, {
  timelineLimit: 0,
  onProgress: (done) => {
    if (!marks.includes(done)) return;
    gc();
    gc();
    held[done] = Deno.memoryUsage().heapUsed;
  },
});
console.log(JSON.stringify({ steps, held }));
