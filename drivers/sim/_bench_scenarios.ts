// The scenario the playback benchmarks play (drivers/sim/scenario_bench.ts, scripts/bench/scale.ts): an ALR
// session on a service network of LTE and WLAN, roaming on every step as WLAN's signal goes to 0 and back.
import type { SimScenario } from "./scenario_types.ts";

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
