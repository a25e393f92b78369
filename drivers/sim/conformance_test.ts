// The driver conformance suite (tests/conformance) run against the simulator,
// through the real core.
import { NetworkConfigurationManager } from "@netsession/core";
import { runConformance } from "../../tests/conformance/suite.ts";
import { SimDriver } from "./driver.ts";
import { SimWorld } from "./world.ts";

runConformance("sim", async () => {
  const world = new SimWorld({ seed: 3 });
  world.addAccessPoint({ id: "wlan", bearer: "wlan", activationMs: 120, deactivationMs: 40 });
  world.addAccessPoint({ id: "lte", bearer: "lte", metered: true, activationMs: 400, deactivationMs: 80 });
  const manager = await NetworkConfigurationManager.create(new SimDriver(world), { clock: world.clock });
  return {
    manager,
    accessPoints: ["wlan", "lte"],
    async until(condition, what) {
      for (let waited = 0; !condition(); waited += 10) {
        if (waited > 120_000) throw new Error(`gave up after 120 s of virtual time waiting for ${what}`);
        await world.advance(10);
      }
    },
    externalDown: (id) => Promise.resolve(world.deactivateExternally(id)),
    traffic: (id) => Promise.resolve(world.traffic(id, { rx: 4096, tx: 512 })),
    failNextActivation: (id) => Promise.resolve(world.failNextActivation(id)),
    remove: (id) => Promise.resolve(world.removeAccessPoint(id)),
    setReachability: (id, reach) =>
      Promise.resolve(
        world.setReachability(id, reach === "online" ? "online" : "site", {
          captivePortal: reach === "portal",
        }),
      ),
    close: () => manager.close(),
  };
});
