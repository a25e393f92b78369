// The scenario the playback benchmarks play (drivers/sim/scenario_bench.ts, scripts/bench/scale.ts): an ALR
// session on a service network of LTE and WLAN, roaming on every step as WLAN's signal goes to 0 and back.
import type { SimScenario } from "./scenario_types.ts";
import { SimWorld } from "./world.ts";

/** A play of `steps` steps (even), each a roam of the session `app`. */
export function flappingScenario(steps: number): SimScenario {
  return {
    version: 1,
    world: {
      accessPoints: [{ id: "lte", bearer: "lte" }, { id: "wlan", bearer: "wlan" }],
      serviceNetworks: [{ id: "any", members: ["wlan", "lte"] }],
    },
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
          times: steps / 2,
          steps: [
            { at: 0, action: "setSignal", id: "wlan", signal: 0 },
            { at: 1000, action: "setSignal", id: "wlan", signal: 90 },
          ],
        },
      },
    ],
  };
}

/**
 * The heap a flapping play of `steps` steps holds at each step of `marks` (bytes, after full collections,
 * against the heap just before the play, once a short play compiled the code); needs `--expose-gc`. Used by
 * `scripts/bench/scale.ts` and `tests/memory/long_play_test.ts`. The play's last step is its `steps + 1`th.
 */
export async function heapHeldDuringPlay(
  steps: number,
  marks: readonly number[],
): Promise<Map<number, number>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("heapHeldDuringPlay needs --v8-flags=--expose-gc");
  const scenario = flappingScenario(steps);
  await new SimWorld().play(flappingScenario(1000), { timelineLimit: 0 });
  gc();
  gc();
  const before = Deno.memoryUsage().heapUsed;
  const held = new Map<number, number>();
  await new SimWorld().play(scenario, {
    timelineLimit: 0,
    onProgress: (done) => {
      if (!marks.includes(done)) return;
      gc();
      gc();
      held.set(done, Deno.memoryUsage().heapUsed - before);
    },
  });
  return held;
}
