// Reachability and captive portals on a real private NetworkManager (scripts/lab): each access point's HTTP server
// answers NetworkManager's connectivity check as full, portal or limited; the driver maps the device's connectivity
// to the configuration's reachability, live, and checkReachability() asks NetworkManager for a fresh check. A forced
// roam onto a member behind a captive portal is refused. Skipped with the reason printed only when the lab cannot
// start here; under CI=true it runs.
import assert from "node:assert/strict";
import { DriverError, NetworkConfigurationManager, type ReachabilityChange } from "../../core/mod.ts";
import { NetworkManagerDriver } from "../../drivers/linux/mod.ts";
import { type Lab, type LabOptions, labSkipReason, startLab } from "../../scripts/lab/lab.ts";
import { trace, until } from "./_helpers.ts";

const skip = await labSkipReason("tests/linux/reachability_test.ts");
const opts = { ignore: skip !== undefined, sanitizeOps: false, sanitizeResources: false };

interface Ctx {
  lab: Lab;
  manager: NetworkConfigurationManager;
  driver: NetworkManagerDriver;
  a: string;
  b: string;
}

/** A lab whose lab-a (preferred) and lab-b make up the service network "office". */
async function withLab(options: LabOptions, fn: (ctx: Ctx) => Promise<void>): Promise<void> {
  const lab = await startLab(options);
  const a = lab.uuids["lab-a"], b = lab.uuids["lab-b"];
  const file = `${lab.dir}/service-networks.json`;
  await Deno.writeTextFile(
    file,
    JSON.stringify({ serviceNetworks: [{ id: "office", name: "Office", members: [a, b].filter(Boolean) }] }),
  );
  const driver = new NetworkManagerDriver({ busAddress: lab.busAddress, serviceNetworks: file });
  let manager: NetworkConfigurationManager | undefined;
  try {
    manager = await NetworkConfigurationManager.create(driver);
    await fn({ lab, manager, driver, a, b });
  } finally {
    await manager?.close().catch(() => {});
    await lab.stop();
  }
}

/** The reachability of a configuration and whether it is behind a captive portal. */
function reach(manager: NetworkConfigurationManager, id: string): [string, boolean] {
  const c = manager.configurationFromIdentifier(id);
  return [c.reachability, c.behindCaptivePortal];
}

Deno.test({
  ...opts,
  name:
    "linux: full → online, portal → site behind a captive portal (live, on an open session), limited → site; " +
    "checkReachability() returns the fresh answer",
  fn: () =>
    withLab({ accessPoints: 2 }, async ({ lab, manager, driver, a, b }) => {
      const s = manager.createSession(manager.configurationFromIdentifier(a));
      assert.equal(await s.open(), true, s.errorString);
      // NetworkManager checks a link as it comes up: the answer arrives a few milliseconds after ACTIVATED.
      await until(() => s.reachability === "online", "lab-a online after its first check");
      assert.deepEqual(reach(manager, a), ["online", false]);
      const changes: ReachabilityChange[] = [];
      s.on("reachabilityChanged", (c) => changes.push(c));
      const seen: string[] = [];
      manager.on("configurationChanged", (c) => c.identifier === a && seen.push(c.reachability));

      // Portal, noticed by another client's check: the driver hears the device's property change at once.
      await lab.setConnectivity("lab-a", "portal");
      assert.equal((await lab.nmcli("networking", "connectivity", "check")).trim(), "portal");
      await until(() => s.behindCaptivePortal, "the captive portal to reach the session");
      assert.deepEqual(changes, [{ reachability: "site", behindCaptivePortal: true }]);
      assert.deepEqual(reach(manager, a), ["site", true]);
      assert.ok(seen.includes("site"), seen.join(","));
      assert.equal(s.state, "connected", "the link stays up");

      // Limited (the check gets no answer), asked through the session: the fresh answer, already applied.
      await lab.setConnectivity("lab-a", "limited");
      assert.equal(await s.checkReachability(), "site");
      assert.deepEqual([s.reachability, s.behindCaptivePortal], ["site", false]);
      assert.deepEqual(changes.at(-1), { reachability: "site", behindCaptivePortal: false });

      await lab.setConnectivity("lab-a", "full");
      assert.equal(await s.checkReachability(), "online");
      assert.deepEqual(changes.at(-1), { reachability: "online", behindCaptivePortal: false });
      assert.equal(changes.length, 3, JSON.stringify(changes));

      // Per access point: lab-b behind a portal while lab-a is online (the device's value, not the global one).
      assert.equal(await driver.checkReachability(b), "disconnected", "not active");
      await lab.setConnectivity("lab-b", "portal");
      await lab.nmcli("connection", "up", "lab-b");
      await until(() => reach(manager, b)[1], "lab-b's captive portal");
      assert.deepEqual(reach(manager, b), ["site", true]);
      assert.deepEqual(reach(manager, a), ["online", false]);
      assert.equal(driver.connectivity, "full", "NetworkManager's global value is its best device's");
      assert.equal(await driver.checkReachability(b), "site");
      assert.equal(
        await driver.checkReachability("office"),
        "online",
        "a service network: its active member",
      );

      s.close();
      await until(() => s.state === "disconnected", "the close");
      assert.equal(s.reachability, "disconnected");
      assert.equal(await s.checkReachability(), "disconnected");
    }),
});

Deno.test({
  ...opts,
  name: "linux: NetworkManager's periodic check shows a changed answer with no one asking",
  fn: () =>
    withLab({ accessPoints: 1, connectivityInterval: 1 }, async ({ lab, manager, a }) => {
      const s = manager.createSession(manager.configurationFromIdentifier(a));
      assert.equal(await s.open(), true, s.errorString);
      await until(() => s.reachability === "online", "lab-a online");
      const changes: ReachabilityChange[] = [];
      s.on("reachabilityChanged", (c) => changes.push(c));
      await lab.setConnectivity("lab-a", "portal");
      await until(() => s.behindCaptivePortal, "the periodic check to find the portal");
      await lab.setConnectivity("lab-a", "full");
      await until(() => s.reachability === "online", "the periodic check to find the way out");
      assert.deepEqual(changes, [
        { reachability: "site", behindCaptivePortal: true },
        { reachability: "online", behindCaptivePortal: false },
      ]);
    }),
});

Deno.test({
  ...opts,
  name:
    "linux: with connectivity checking off, reachability is unknown and checkReachability says how to enable it",
  fn: () =>
    withLab({ accessPoints: 1, connectivityInterval: 0 }, async ({ manager, driver, a }) => {
      const s = manager.createSession(manager.configurationFromIdentifier(a));
      assert.equal(await s.open(), true, s.errorString);
      // NetworkManager itself says FULL here (its guess for a link with a default route): not reported as online.
      assert.deepEqual(reach(manager, a), ["unknown", false]);
      await assert.rejects(driver.checkReachability(a), (e) => {
        assert.ok(e instanceof DriverError);
        assert.equal(e.code, "operation-not-supported");
        assert.match(e.message, /connectivity checking is disabled in NetworkManager's configuration/);
        assert.match(e.message, /\[connectivity\] section with uri=/);
        return true;
      });
    }),
});

Deno.test({
  ...opts,
  name: "linux: a forced roam onto a preferred member behind a captive portal is refused; the session stays",
  fn: () =>
    withLab({ accessPoints: 2 }, async ({ lab, manager, a, b }) => {
      await lab.peerDown("lab-a");
      await until(() => manager.configurationFromIdentifier(a).state === "defined", "lab-a out of range");
      const s = manager.createSession(manager.configurationFromIdentifier("office"));
      assert.equal(await s.open(), true, s.errorString);
      assert.equal(s.sessionProperty("ActiveConfiguration"), b);
      await until(() => s.reachability === "online", "lab-b online");
      await lab.setConnectivity("lab-a", "portal");
      const log = trace(s);
      await lab.peerUp("lab-a"); // the preferred member is back: a forced roam tries it
      await until(() => log.includes("error:roaming"), "the roam to be refused");
      assert.deepEqual(log, ["state:roaming", "state:connected", "error:roaming"]);
      assert.match(s.errorString, /behind a captive portal/);
      assert.equal(s.sessionProperty("ActiveConfiguration"), b);
      assert.deepEqual([s.reachability, s.behindCaptivePortal], ["online", false]);
      await until(() => manager.configurationFromIdentifier(a).state !== "active", "lab-a to be let go");
      assert.equal(manager.configurationFromIdentifier(a).state, "discovered");
      assert.equal(s.interface?.name, lab.interfaces["lab-b"]);
    }),
});
