// The driver conformance suite through RemoteDriver, against an in-process daemon on a real loopback socket
// (port 0) whose simulated world's virtual clock is advanced by the test (no real-time ticking).
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { SimWorld } from "../../drivers/sim/mod.ts";
import { RemoteDriver, serve } from "../../server/mod.ts";
import { type ConformanceHarness, runConformance } from "./suite.ts";

const realTick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

runConformance("remote", async (): Promise<ConformanceHarness> => {
  const world = new SimWorld({ seed: 5 });
  world.addAccessPoint({ id: "ap-a", name: "A", bearer: "wlan", activationMs: 100, deactivationMs: 50 });
  world.addAccessPoint({ id: "ap-b", name: "B", bearer: "lte", activationMs: 150, deactivationMs: 50 });
  const dir = await Deno.makeTempDir({ prefix: "netsession-remote-" });
  const server = await serve({
    world,
    port: 0,
    tokenFile: `${dir}/token`,
    realtime: false,
    lively: false,
    log: () => {},
  });
  const daemon = server.daemon;
  const driver = new RemoteDriver({ url: server.url, token: server.token, clientId: "conformance" });
  const manager = await NetworkConfigurationManager.create(driver);
  // Lets virtual time pass in small steps, giving the sockets real turns in between.
  const until = async (condition: () => boolean, what: string) => {
    for (let i = 0; i < 4000; i++) {
      if (condition()) return;
      await daemon.advance(10);
      await realTick();
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const whileAdvancing = async <T>(work: Promise<T>): Promise<T> => {
    let done = false;
    work.then(() => done = true, () => done = true);
    await until(() => done, "the operation to finish");
    return work;
  };
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
    close: async () => {
      await whileAdvancing(manager.close());
      await whileAdvancing(server.shutdown());
      await Deno.remove(dir, { recursive: true });
    },
  };
}, { sanitize: false });
