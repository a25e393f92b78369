// `losing` on a real private NetworkManager (scripts/lab): a connection that is up going to DEACTIVATING not at our
// request (`nmcli connection down`, `nmcli device disconnect`) warns its sessions before they are closed; our own
// deactivations (close, stop) do not, nor a lost carrier (NetworkManager skips DEACTIVATING then). The Wi-Fi rule (an access point fading below WEAK_SIGNAL) is unit-tested only
// (drivers/linux/losing_test.ts): the lab has veth links, no Wi-Fi. Skipped with the reason printed only when the
// lab cannot start here; under CI=true it runs.
import assert from "node:assert/strict";
import { type DriverEvent, NetworkConfigurationManager, type NetworkSession } from "../../core/mod.ts";
import { sessionLog } from "../../core/_session_log.ts";
import { NetworkManagerDriver } from "../../drivers/linux/mod.ts";
import { type Lab, labSkipReason, startLab } from "../../scripts/lab/lab.ts";
import { until } from "./_helpers.ts";

const skip = await labSkipReason("tests/linux/losing_test.ts");
const opts = { ignore: skip !== undefined, sanitizeOps: false, sanitizeResources: false };

interface Ctx {
  lab: Lab;
  manager: NetworkConfigurationManager;
  /** Every event the driver pushed to the core, in order. */
  events: DriverEvent[];
  a: string;
  b: string;
}

/** A lab of lab-a and lab-b, a manager on it, and a record of the driver's events. */
async function withLab(fn: (ctx: Ctx) => Promise<void>): Promise<void> {
  const lab = await startLab({ accessPoints: 2 });
  const driver = new NetworkManagerDriver({ busAddress: lab.busAddress });
  const events: DriverEvent[] = [];
  const start = driver.start.bind(driver);
  driver.start = (sink) =>
    start((e) => {
      events.push(e);
      sink(e);
    });
  let manager: NetworkConfigurationManager | undefined;
  try {
    manager = await NetworkConfigurationManager.create(driver);
    await fn({ lab, manager, events, a: lab.uuids["lab-a"], b: lab.uuids["lab-b"] });
  } finally {
    await manager?.close().catch(() => {});
    await lab.stop();
  }
}

/** Records `losing` (with its msToLive), errors and `closed` of a session. */
function losingLog(s: NetworkSession): string[] {
  const log = sessionLog(s, ["error", "closed"]);
  s.on("losing", (e) => log.push(`losing:${e.msToLive}`));
  return log;
}

/** The driver's events about `id` as short strings (`losing:0`, `changed:discovered`). */
function about(events: readonly DriverEvent[], id: string): string[] {
  return events.flatMap((e) =>
    e.type === "losing" && e.identifier === id
      ? [`losing:${e.msToLive}`]
      : e.type === "configuration-changed" && e.configuration.identifier === id
      ? [`changed:${e.configuration.state}`]
      : []
  );
}

for (
  const [how, down] of [
    ["nmcli connection down", (lab: Lab) => lab.nmcli("connection", "down", "lab-a")],
    ["nmcli device disconnect", (lab: Lab) => lab.nmcli("device", "disconnect", lab.interfaces["lab-a"])],
  ] as const
) {
  Deno.test({
    ...opts,
    name:
      `linux: losing — ${how} warns the open session (msToLive 0) before it is closed; others hear nothing`,
    fn: () =>
      withLab(async ({ lab, manager, events, a, b }) => {
        const s = manager.createSession(manager.configurationFromIdentifier(a));
        const other = manager.createSession(manager.configurationFromIdentifier(b));
        assert.equal(await s.open(), true, s.errorString);
        assert.equal(await other.open(), true, other.errorString);
        const log = losingLog(s), otherLog = losingLog(other);
        const from = events.length;
        await down(lab);
        await until(() => log.includes("closed"), "the session on lab-a to close");
        assert.deepEqual(log, ["losing:0", "error:session-aborted", "closed"]);
        // NetworkManager may still report properties of the up link (its IP configuration, its default route)
        // after open() resolved: those come as `changed:active`. The warning comes before the link leaves active.
        const driverSaid = about(events.slice(from), a);
        const warned = driverSaid.indexOf("losing:0");
        const left = driverSaid.findIndex((e) => e.startsWith("changed:") && e !== "changed:active");
        assert.ok(warned >= 0 && left > warned, `losing before the link leaves active: ${driverSaid}`);
        assert.deepEqual(
          driverSaid.filter((e) => e.startsWith("losing:")),
          ["losing:0"],
          driverSaid.join(","),
        );
        assert.deepEqual(otherLog, [], "the session on lab-b is not warned");
        assert.equal(other.state, "connected");
      }),
  });
}

Deno.test({
  ...opts,
  name:
    "linux: losing — a lost carrier gives no warning: NetworkManager goes from ACTIVATED to DEACTIVATED at once",
  fn: () =>
    withLab(async ({ lab, manager, events, a }) => {
      const s = manager.createSession(manager.configurationFromIdentifier(a));
      assert.equal(await s.open(), true, s.errorString);
      const log = losingLog(s);
      const from = events.length;
      await lab.peerDown("lab-a");
      await until(() => log.includes("closed"), "the session on lab-a to close");
      assert.deepEqual(log, ["error:session-aborted", "closed"]);
      assert.deepEqual(events.slice(from).filter((e) => e.type === "losing"), []);
    }),
});

Deno.test({
  ...opts,
  name: "linux: losing — our own deactivations (the last close, stop()) are not announced by the driver",
  fn: () =>
    withLab(async ({ manager, events, a, b }) => {
      const from = events.length;
      const s = manager.createSession(manager.configurationFromIdentifier(a));
      assert.equal(await s.open(), true, s.errorString);
      s.close();
      await until(() => manager.configurationFromIdentifier(a).state !== "active", "lab-a down after close");
      const t = manager.createSession(manager.configurationFromIdentifier(b));
      assert.equal(await t.open(), true, t.errorString);
      const log = losingLog(t);
      t.stop();
      await until(() => log.includes("closed"), "the stopped session to close");
      assert.deepEqual(log, ["closed"]);
      const losing = events.slice(from).filter((e) => e.type === "losing");
      assert.deepEqual(losing, [], "no losing for what we took down");
    }),
});
