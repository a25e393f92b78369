// A cellular connection's bearer follows its modem's access technology, live, against a real private
// NetworkManager (scripts/lab) and a stand-in ModemManager on the lab's bus (the lab has no modem hardware).
// Skipped with the reason printed only when the lab cannot start here; under CI=true it runs.
import assert from "node:assert/strict";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { NetworkManagerDriver } from "../../drivers/linux/mod.ts";
import { labSkipReason, startLab } from "../../scripts/lab/lab.ts";
import { until } from "./_helpers.ts";
import { startFakeModemManager } from "./_fake_modem_manager.ts";

const skip = await labSkipReason("tests/linux/modem_test.ts");

Deno.test({
  name: "linux: a gsm connection's bearer follows ModemManager's access technology (2g → lte → 5g → 2g)",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const lab = await startLab({ accessPoints: 1 });
    let manager: NetworkConfigurationManager | undefined;
    let mm: Awaited<ReturnType<typeof startFakeModemManager>> | undefined;
    try {
      await lab.nmcli(
        "connection",
        "add",
        "type",
        "gsm",
        "ifname",
        "*",
        "con-name",
        "mobile",
        "gsm.apn",
        "internet",
        "connection.autoconnect",
        "no",
      );
      manager = await NetworkConfigurationManager.create(
        new NetworkManagerDriver({ busAddress: lab.busAddress }),
      );
      const mobile = manager.allConfigurations().find((c) => c.name === "mobile");
      assert.ok(mobile, "the gsm profile is a configuration");
      assert.equal(mobile.bearerType, "2g"); // no ModemManager: the connection type alone
      const changes: string[] = [];
      manager.on("configurationChanged", (c) => {
        if (c === mobile && changes.at(-1) !== c.bearerType) changes.push(c.bearerType);
      });

      mm = await startFakeModemManager(lab.busAddress, 1 << 14); // LTE
      await until(() => mobile.bearerType === "lte", "the bearer to follow the modem (LTE)");
      assert.equal(mobile.bearerTypeName, "LTE");
      mm.setAccessTechnologies((1 << 14) | (1 << 15)); // 5G NR joins
      await until(() => mobile.bearerType === "5g", "the bearer to follow the modem (5G)");
      mm.stop(); // ModemManager leaves
      mm = undefined;
      await until(() => mobile.bearerType === "2g", "the bearer to fall back without ModemManager");
      assert.deepEqual(changes, ["lte", "5g", "2g"]);
    } finally {
      mm?.stop();
      await manager?.close().catch(() => {});
      await lab.stop();
    }
  },
});
