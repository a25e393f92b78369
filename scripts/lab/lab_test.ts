// The lab itself: starts, NetworkManager owns its bus name, the connections exist and come up, stop leaves
// nothing behind. Skipped (with the reason printed) when the machine cannot run the lab, except under CI=true.
import assert from "node:assert/strict";
import { labSkipReason, startLab } from "./lab.ts";

const skip = await labSkipReason("scripts/lab/lab_test.ts");

async function namespaces(): Promise<string[]> {
  const out = await new Deno.Command("ip", {
    args: ["netns", "list"],
    stdout: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n").map((l) => l.split(" ")[0]).filter(Boolean);
}

Deno.test(
  {
    name: "lab: starts, serves NetworkManager, stops cleanly",
    ignore: skip !== undefined,
  },
  async (t) => {
    const t0 = performance.now();
    const lab = await startLab({ accessPoints: 3 });
    const startMs = performance.now() - t0;
    try {
      await t.step(
        "NetworkManager owns its bus name on the private bus",
        async () => {
          assert.ok(lab.busAddress.startsWith("unix:path="));
          assert.ok(lab.networkManagerPid);
          const out = await new Deno.Command("dbus-send", {
            args: [
              `--bus=${lab.busAddress}`,
              "--print-reply",
              "--dest=org.freedesktop.DBus",
              "/org/freedesktop/DBus",
              "org.freedesktop.DBus.GetConnectionUnixProcessID",
              "string:org.freedesktop.NetworkManager",
            ],
            stdout: "piped",
          }).output();
          assert.match(
            new TextDecoder().decode(out.stdout),
            new RegExp(`uint32 ${lab.networkManagerPid}\\b`),
          );
        },
      );

      await t.step(
        "the connections exist with the right settings",
        async () => {
          const out = await lab.nmcli(
            "-t",
            "-f",
            "NAME,UUID,TYPE",
            "connection",
            "show",
          );
          for (const ap of lab.accessPoints) {
            assert.ok(
              out.includes(`${ap.name}:${ap.uuid}:802-3-ethernet`),
              out,
            );
          }
          assert.deepEqual(Object.keys(lab.uuids), ["lab-a", "lab-b", "lab-c"]);
          assert.deepEqual(lab.interfaces, {
            "lab-a": "ns-a",
            "lab-b": "ns-b",
            "lab-c": "ns-c",
          });
          const metered = await lab.nmcli(
            "-g",
            "connection.metered,connection.autoconnect",
            "con",
            "show",
            "lab-b",
          );
          assert.deepEqual(metered.trim().split("\n"), ["yes", "no"]);
          const unmetered = await lab.nmcli(
            "-g",
            "connection.metered",
            "con",
            "show",
            "lab-a",
          );
          assert.equal(unmetered.trim(), "no");
        },
      );

      await t.step(
        "nmcli con up works, traffic flows, connectivity is full",
        async () => {
          await lab.nmcli("connection", "up", "lab-a");
          const dev = await lab.nmcli(
            "-t",
            "-f",
            "DEVICE,STATE,CONNECTION",
            "device",
          );
          assert.match(dev, /^ns-a:connected:lab-a$/m);
          assert.equal(await lab.traffic("lab-a", 50_000), 50_000);
          const level = await lab.nmcli("networking", "connectivity", "check");
          assert.equal(level.trim(), "full");
          await lab.setConnectivity("lab-a", "portal");
          assert.equal(
            (await lab.nmcli("networking", "connectivity", "check")).trim(),
            "portal",
          );
        },
      );

      await t.step(
        "each access point answers the connectivity check of its own device",
        async () => {
          await lab.setConnectivity("lab-b", "limited");
          await lab.nmcli("connection", "up", "lab-b");
          await lab.nmcli("networking", "connectivity", "check");
          const device = async (iface: string) =>
            (await lab.nmcli("-g", "GENERAL.IP4-CONNECTIVITY", "device", "show", iface)).trim();
          assert.match(await device("ns-a"), /\(portal\)/);
          assert.match(await device("ns-b"), /\(limited\)/);
          await lab.setConnectivity("lab-a", "full");
          assert.equal((await lab.nmcli("networking", "connectivity", "check")).trim(), "full");
          assert.match(await device("ns-a"), /\(full\)/);
          await lab.nmcli("connection", "down", "lab-b");
        },
      );

      await t.step(
        "peerDown takes the carrier away, peerUp gives it back",
        async () => {
          await lab.peerDown("lab-c");
          let state = "";
          for (let i = 0; i < 100 && state !== "unavailable"; i++) {
            state = (await lab.nmcli("-g", "GENERAL.STATE", "device", "show", "ns-c"))
              .trim().replace(
                /^\d+ \(|\)$/g,
                "",
              );
            if (state !== "unavailable") {
              await new Promise((r) => setTimeout(r, 20));
            }
          }
          assert.equal(state, "unavailable");
          await lab.peerUp("lab-c");
        },
      );

      await t.step(
        "restartNetworkManager keeps the active connection",
        async () => {
          const before = lab.networkManagerPid;
          await lab.restartNetworkManager();
          assert.notEqual(lab.networkManagerPid, before);
          const dev = await lab.nmcli(
            "-t",
            "-f",
            "DEVICE,STATE,CONNECTION",
            "device",
          );
          assert.match(dev, /^ns-a:connected:lab-a$/m);
        },
      );
    } finally {
      const t1 = performance.now();
      const pids = [lab.networkManagerPid];
      await lab.stop();
      await lab.stop(); // idempotent
      console.log(
        `lab: up in ${startMs.toFixed(0)} ms, down in ${(performance.now() - t1).toFixed(0)} ms`,
      );
      const left = (await namespaces()).filter((n) => n.startsWith(`nsl-${lab.id}`));
      assert.deepEqual(left, [], "no namespace of the lab is left");
      for (const pid of pids) {
        if (pid) {
          assert.ok(
            !(await Deno.stat(`/proc/${pid}`).then(() => true, () => false)),
            `pid ${pid} gone`,
          );
        }
      }
      assert.ok(
        !(await Deno.stat(lab.dir).then(() => true, () => false)),
        "state directory removed",
      );
    }
  },
);

Deno.test({
  name: "lab: two labs side by side do not collide",
  ignore: skip !== undefined,
}, async () => {
  await using a = await startLab({ accessPoints: 1 });
  await using b = await startLab({ accessPoints: 1 });
  assert.notEqual(a.namespace, b.namespace);
  assert.notEqual(a.busAddress, b.busAddress);
  await a.nmcli("con", "up", "lab-a");
  await b.nmcli("con", "up", "lab-a");
  assert.match(
    await b.nmcli("-t", "-f", "DEVICE,STATE", "device"),
    /^ns-a:connected$/m,
  );
});
