// The Linux driver losing its view of NetworkManager and getting it back, against a real private NetworkManager
// (scripts/lab): the bus connection dropping (a relay in front of the bus is cut, then refuses connections for
// a while: the driver reconnects with back-off) and NetworkManager restarting, each while something changes
// behind the driver's back. Sessions whose connection survived stay open; those whose connection went are closed.
// Skipped with the reason printed only when the lab cannot start here; under CI=true it runs.
import assert from "node:assert/strict";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { NetworkManagerDriver } from "../../drivers/linux/mod.ts";
import { type Lab, labSkipReason, startLab } from "../../scripts/lab/lab.ts";
import { BusRelay, trace, until } from "./_helpers.ts";

const skip = await labSkipReason("tests/linux/resync_test.ts");
const opts = { ignore: skip !== undefined, sanitizeOps: false, sanitizeResources: false };

/** Opens a session on lab-a and one on lab-b, each traced from then on. */
async function openBoth(lab: Lab, manager: NetworkConfigurationManager) {
  const a = lab.uuids["lab-a"], b = lab.uuids["lab-b"];
  const sa = manager.createSession(manager.configurationFromIdentifier(a));
  const sb = manager.createSession(manager.configurationFromIdentifier(b));
  assert.equal(await sa.open(), true, sa.errorString);
  assert.equal(await sb.open(), true, sb.errorString);
  return { a, b, sa, sb, logA: trace(sa), logB: trace(sb) };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  ...opts,
  name:
    "linux: the bus connection drops; the driver reconnects with back-off and resyncs what changed meanwhile",
  fn: async () => {
    const lab = await startLab({ accessPoints: 2 });
    const relay = new BusRelay(lab.busAddress, `${lab.dir}/relay`);
    const driver = new NetworkManagerDriver({
      busAddress: relay.address,
      reconnectDelay: { initial: 50, max: 400 },
    });
    let manager: NetworkConfigurationManager | undefined;
    try {
      manager = await NetworkConfigurationManager.create(driver);
      const { a, b, sa, sb, logA, logB } = await openBoth(lab, manager);

      // The bus goes away and stays away for a while; meanwhile another program takes lab-b down.
      relay.blocked = true;
      relay.cut();
      await until(() => driver.connectivity === "unknown", "the driver to notice the lost bus");
      await lab.nmcli("connection", "down", b);
      await until(() => relay.refused >= 3, "three reconnection attempts");
      await pause(300);
      // Back-off, not a busy loop: with 50 ms doubling up to 400 ms, a few attempts per second at most.
      assert.ok(relay.refused < 30, `${relay.refused} attempts`);
      // Nothing was reported while blind: the sessions still show the last known state.
      assert.equal(sa.state, "connected");
      assert.equal(sb.state, "connected");

      relay.blocked = false;
      await until(() => relay.relayed === 1, "the driver to reconnect");
      await until(() => !sb.isOpen, "the session on lab-b to learn its connection went");
      assert.equal(sb.state, "disconnected");
      assert.ok(logB.includes("closed"), logB.join(","));
      assert.ok(logB.includes("error:session-aborted"), logB.join(","));
      // lab-a survived: its session stays open, and the driver works again (a close takes it down).
      assert.equal(sa.isOpen, true);
      assert.equal(sa.state, "connected");
      assert.deepEqual(logA, []);
      await until(() => driver.connectivity !== "unknown", "connectivity read again");
      sa.close();
      await until(
        () => manager!.configurationFromIdentifier(a).state === "discovered",
        "lab-a down after close",
      );
      assert.equal((await lab.nmcli("-g", "UUID", "connection", "show", "--active")).trim(), "");
    } finally {
      await manager?.close().catch(() => {});
      relay.close();
      await lab.stop();
    }
  },
});

Deno.test({
  ...opts,
  name:
    "linux: NetworkManager restarts after a connection went while it was down; only that session is closed",
  fn: async () => {
    const lab = await startLab({ accessPoints: 2 });
    const driver = new NetworkManagerDriver({ busAddress: lab.busAddress });
    let manager: NetworkConfigurationManager | undefined;
    try {
      manager = await NetworkConfigurationManager.create(driver);
      const { a, b, sa, sb, logA, logB } = await openBoth(lab, manager);

      await lab.killNetworkManager();
      // While NetworkManager is away, lab-b's profile is deleted (an administrator removing its keyfile): the
      // restarted daemon re-assumes lab-a but no longer has lab-b.
      await Deno.remove(`${lab.dir}/connections/lab-b.nmconnection`);
      await lab.startNetworkManager();

      await until(() => !sb.isOpen, "the session on lab-b to be closed after the restart");
      assert.ok(logB.includes("closed"), logB.join(","));
      assert.equal(sb.state, "invalid");
      assert.equal(manager.configurationFromIdentifier(b).isValid, false);
      assert.equal(sa.isOpen, true, logA.join(","));
      assert.equal(manager.configurationFromIdentifier(a).state, "active");
      assert.ok(!logA.includes("closed"), logA.join(","));
      sa.close();
      await until(() => manager!.configurationFromIdentifier(a).state !== "active", "lab-a down after close");
    } finally {
      await manager?.close().catch(() => {});
      await lab.stop();
    }
  },
});
