// Application-level roaming between two NetworkManager profiles on one device (as two WLAN networks on one radio),
// against a real private NetworkManager (scripts/lab): starting the new profile takes the old one down, the
// application is still asked, and reject() brings the old profile back on the device and lets the new one go.
// Skipped with the reason printed only when the lab cannot start here; under CI=true it runs.
import assert from "node:assert/strict";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { NetworkManagerDriver } from "../../drivers/linux/mod.ts";
import { labSkipReason, startLab } from "../../scripts/lab/lab.ts";
import { until } from "./_helpers.ts";
import { sessionLog } from "../../core/_session_log.ts";

const skip = await labSkipReason("tests/linux/one_device_test.ts");

for (const decision of ["reject", "accept"] as const) {
  Deno.test({
    name: `linux: ALR between two profiles of one device — ${decision}`,
    ignore: skip !== undefined,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const lab = await startLab({ accessPoints: 1 });
      const a = lab.uuids["lab-a"], a2 = crypto.randomUUID();
      const ap = lab.accessPoints[0];
      const file = `${lab.dir}/service-networks.json`;
      // "office" prefers the second profile, which does not exist yet.
      await Deno.writeTextFile(
        file,
        JSON.stringify({ serviceNetworks: [{ id: "office", name: "Office", members: [a2, a] }] }),
      );
      const driver = new NetworkManagerDriver({ busAddress: lab.busAddress, serviceNetworks: file });
      let manager: NetworkConfigurationManager | undefined;
      try {
        manager = await NetworkConfigurationManager.create(driver);
        const s = manager.createSession(manager.configurationFromIdentifier("office"));
        const log = sessionLog(s, ["stateChanged", "error", "closed"]);
        // Our activation of lab-a2 takes lab-a down: our own doing, so no `losing` (it would be in the log).
        s.on("losing", (e) => log.push(`losing:${e.msToLive}`));
        s.on("preferredConfigurationChanged", ({ configuration }) => {
          log.push(`preferred:${configuration.name}`);
          s.migrate();
        });
        let seenOnActivation: unknown[] = [];
        s.on("newConfigurationActivated", () => {
          log.push("activated");
          seenOnActivation = [
            s.sessionProperty("ActiveConfiguration"),
            manager!.configurationFromIdentifier(a).state,
            s.interface?.name,
          ];
          s[decision]();
        });
        assert.equal(await s.open(), true, s.errorString);
        assert.equal(s.sessionProperty("ActiveConfiguration"), a);
        log.length = 0;

        // Another profile for the same interface appears (a second network on the same radio).
        await lab.nmcli(
          "connection",
          "add",
          "type",
          "ethernet",
          "ifname",
          ap.interface,
          "con-name",
          "lab-a2",
          "connection.uuid",
          a2,
          "connection.autoconnect",
          "no",
          "ipv4.method",
          "manual",
          "ipv4.addresses",
          `10.77.1.3/${ap.prefix}`,
          "ipv6.method",
          "disabled",
        );
        await until(() => log.includes("activated"), "the roam to lab-a2");
        // Starting lab-a2 took lab-a down: the application decides on a link that already replaced the old one.
        assert.deepEqual(seenOnActivation, [a2, "discovered", ap.interface]);
        const expected = decision === "reject" ? a : a2;
        await until(
          () => s.state === "connected" && s.sessionProperty("ActiveConfiguration") === expected,
          `the session to settle on ${expected}`,
        );
        await until(
          () => manager!.configurationFromIdentifier(expected === a ? a2 : a).state !== "active",
          "the other profile to be down",
        );
        assert.equal(manager.configurationFromIdentifier(expected).state, "active");
        assert.deepEqual(log, ["preferred:lab-a2", "state:roaming", "activated", "state:connected"]);
        assert.ok(!log.some((l) => l.startsWith("error") || l === "closed"), log.join(","));
        const active = await lab.nmcli("-g", "UUID", "connection", "show", "--active");
        assert.deepEqual(active.trim().split("\n"), [expected]);
        assert.equal(s.interface?.name, ap.interface);
        assert.ok(s.interface?.addresses.includes(expected === a ? `${ap.address}/24` : "10.77.1.3/24"));
        s.close();
        await until(
          () => manager!.configurationFromIdentifier(expected).state !== "active",
          "down after close",
        );
      } finally {
        await manager?.close().catch(() => {});
        await lab.stop();
      }
    },
  });
}
