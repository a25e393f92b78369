// The driver conformance suite, unchanged, against NetworkManagerDriver and a real private NetworkManager over veth
// links (scripts/lab). Each test gets a fresh lab. Skipped with the reason printed only when the lab cannot start
// on this machine; under CI=true it runs (and fails if the lab cannot start).
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { NetworkManagerDriver } from "../../drivers/linux/mod.ts";
import { labSkipReason, startLab } from "../../scripts/lab/lab.ts";
import { until } from "../linux/_helpers.ts";
import { type ConformanceHarness, runConformance } from "./suite.ts";

const skip = await labSkipReason("tests/conformance/linux_test.ts");

runConformance("linux", async (): Promise<ConformanceHarness> => {
  const lab = await startLab({ accessPoints: 2 });
  try {
    const driver = new NetworkManagerDriver({ busAddress: lab.busAddress, statisticsRefreshMs: 100 });
    const manager = await NetworkConfigurationManager.create(driver);
    const nameOf = (uuid: string) => Object.entries(lab.uuids).find(([, u]) => u === uuid)![0];
    return {
      manager,
      accessPoints: [lab.uuids["lab-a"], lab.uuids["lab-b"]],
      until,
      externalDown: async (uuid) => {
        await lab.nmcli("connection", "down", "uuid", uuid);
      },
      traffic: async (uuid) => {
        await lab.traffic(nameOf(uuid), 200_000);
      },
      remove: async (uuid) => {
        await lab.nmcli("connection", "delete", "uuid", uuid);
      },
      setReachability: async (uuid, reach) => {
        await lab.setConnectivity(nameOf(uuid), reach === "online" ? "full" : reach);
        await lab.nmcli("networking", "connectivity", "check");
      },
      close: async () => {
        try {
          await manager.close();
        } finally {
          await lab.stop();
        }
      },
    };
  } catch (error) {
    await lab.stop();
    throw error;
  }
}, { ignore: skip ?? false, sanitize: false });
