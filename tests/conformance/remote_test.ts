// The driver conformance suite through RemoteDriver, against an in-process daemon over its Unix socket (the
// default transport; no token) whose simulated world's virtual clock is advanced by the test (no real-time
// ticking).
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { SimWorld } from "../../drivers/sim/mod.ts";
import { RemoteDriver } from "../../server/mod.ts";
import { drive, startDaemon, until as untilAdvancing } from "../server/_helpers.ts";
import { type ConformanceHarness, runConformance } from "./suite.ts";

runConformance("remote", async (): Promise<ConformanceHarness> => {
  const world = new SimWorld({ seed: 5 });
  world.addAccessPoint({ id: "ap-a", name: "A", bearer: "wlan", activationMs: 100, deactivationMs: 50 });
  world.addAccessPoint({ id: "ap-b", name: "B", bearer: "lte", activationMs: 150, deactivationMs: 50 });
  const d = await startDaemon({ world });
  const server = d.server;
  const daemon = server.daemon;
  const driver = new RemoteDriver({ socket: server.socket, clientId: "conformance" });
  const manager = await NetworkConfigurationManager.create(driver);
  // Lets virtual time pass in small steps, giving the sockets real turns in between.
  const until = (condition: () => boolean, what: string) => untilAdvancing(condition, what, [d], 4000);
  return {
    manager,
    accessPoints: ["ap-a", "ap-b"],
    until,
    externalDown: (id) => daemon.exclusive(() => world.deactivateExternally(id)),
    traffic: async (id) => {
      await daemon.exclusive(() => world.traffic(id, { rx: 1500, tx: 700 }));
      daemon.publishStatistics();
    },
    failNextActivation: (id) => daemon.exclusive(() => world.failNextActivation(id, "simulated failure")),
    remove: (id) => daemon.exclusive(() => world.removeAccessPoint(id)),
    setReachability: (id, reach) =>
      daemon.exclusive(() =>
        world.setReachability(id, reach === "online" ? "online" : "site", {
          captivePortal: reach === "portal",
        })
      ),
    close: async () => {
      await drive(manager.close(), [d], 4000);
      await d.stop();
    },
  };
}, { sanitize: false });
