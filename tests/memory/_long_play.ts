// Run by long_play_test.ts with --expose-gc: plays the benchmarks' flapping scenario (a session roaming on
// every step) and prints, as JSON, the heap held (after full collections, against the heap before the play)
// at its tenth of the steps and at its last.
import { heapHeldDuringPlay } from "../../drivers/sim/_bench_scenarios.ts";

const steps = Number(Deno.args[0] ?? 200_000);
const held = await heapHeldDuringPlay(steps, [Math.round(steps / 10), steps + 1]);
console.log(JSON.stringify({ steps, held: Object.fromEntries(held) }));
