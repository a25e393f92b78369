// The Linux driver's Wi-Fi paths against python3-dbusmock's NetworkManager template on a private bus
// (tests/linux/_dbusmock.ts), through the core: live signal from the access points, an access point appearing
// (the saved network becomes discovered, a service network offers it), one whose strength falls (`losing`, a
// forced roam as the core decides), one removed mid-session, and application-level roaming between two Wi-Fi
// connections of one service network with accept and reject, on one radio and on two. The real NetworkManager
// lab has no Wi-Fi (veth links only); this is the mock, not a radio. Skipped with the reason printed only when
// python3-dbusmock or dbus-daemon is missing; under CI=true it fails instead.
import assert from "node:assert/strict";
import { type DriverEvent, NetworkConfigurationManager, type NetworkSession } from "../../core/mod.ts";
import { sessionLog } from "../../core/_session_log.ts";
import { NetworkManagerDriver } from "../../drivers/linux/mod.ts";
import { dbusmockSkipReason, MockNetworkManager } from "./_dbusmock.ts";
import { until } from "./_helpers.ts";

const skip = await dbusmockSkipReason("tests/linux/dbusmock_wifi_test.ts");
const opts = { ignore: skip !== undefined, sanitizeOps: false, sanitizeResources: false };

interface Ctx {
  nm: MockNetworkManager;
  manager: NetworkConfigurationManager;
  /** Every event the driver pushed to the core, in order. */
  events: DriverEvent[];
}

/**
 * A mock NetworkManager set up by `setup` (devices, access points, connections; it may return service networks),
 * a manager on it through the Linux driver, and a record of the driver's events. Everything is stopped after.
 */
async function withMock<T>(
  setup: (
    nm: MockNetworkManager,
  ) => Promise<T & { serviceNetworks?: Parameters<MockNetworkManager["serviceNetworks"]>[0] }>,
  fn: (ctx: Ctx, fixture: T) => Promise<void>,
): Promise<void> {
  const nm = await MockNetworkManager.start();
  let manager: NetworkConfigurationManager | undefined;
  try {
    const fixture = await setup(nm);
    const file = fixture.serviceNetworks ? await nm.serviceNetworks(fixture.serviceNetworks) : undefined;
    const driver = new NetworkManagerDriver({ busAddress: nm.busAddress, serviceNetworks: file });
    const events: DriverEvent[] = [];
    const start = driver.start.bind(driver);
    driver.start = (sink) =>
      start((e) => {
        events.push(e);
        sink(e);
      });
    manager = await NetworkConfigurationManager.create(driver);
    await fn({ nm, manager, events }, fixture);
  } catch (e) {
    const log = nm.log.join("").trim();
    if (log) console.error(`the mock's log:\n${log}`);
    throw e;
  } finally {
    await manager?.close().catch(() => {});
    await nm.stop();
  }
}

/** Records `losing` (with its msToLive), roaming offers, state changes, errors and `closed` of a session. */
function roamLog(s: NetworkSession): string[] {
  const log = sessionLog(s, ["stateChanged", "error", "closed", "newConfigurationActivated"]);
  s.on("losing", (e) => log.push(`losing:${e.msToLive}`));
  return log;
}

/** The driver's events about `id` as short strings (`losing:10000`, `changed:active:30`). */
function about(events: readonly DriverEvent[], id: string): string[] {
  return events.flatMap((e) =>
    e.type === "losing" && e.identifier === id
      ? [`losing:${e.msToLive}`]
      : e.type === "configuration-changed" && e.configuration.identifier === id
      ? [`changed:${e.configuration.state}:${e.configuration.signal}`]
      : []
  );
}

const signalOf = (m: NetworkConfigurationManager, id: string) =>
  m.configurationFromIdentifier(id).data?.signal;
const stateOf = (m: NetworkConfigurationManager, id: string) => m.configurationFromIdentifier(id).state;

Deno.test({
  ...opts,
  name: "linux/dbusmock: Wi-Fi configurations carry the live signal of their access points",
  fn: () =>
    withMock(async (nm) => {
      const wlan0 = await nm.addWiFiDevice("wlan0");
      const homeAp = await nm.addAccessPoint(wlan0, "home", "Home", 80);
      await nm.addAccessPoint(wlan0, "cafe", "Cafe", 45);
      const home = await nm.addWiFiConnection(wlan0, "home", "Home");
      const cafe = await nm.addWiFiConnection(wlan0, "cafe", "Cafe");
      const office = await nm.addSavedWiFi("Office", "Office");
      return { wlan0, homeAp, home, cafe, office };
    }, async ({ nm, manager }, { wlan0, homeAp, home, cafe, office }) => {
      const c = (id: string) => manager.configurationFromIdentifier(id);
      assert.deepEqual(
        [home, cafe, office].map((
          x,
        ) => [c(x.uuid).name, c(x.uuid).bearerType, c(x.uuid).state, signalOf(manager, x.uuid)]),
        [["Home", "wlan", "discovered", 80], ["Cafe", "wlan", "discovered", 45], [
          "Office",
          "wlan",
          "defined",
          0,
        ]],
      );
      // Not connected: the best access point of the SSID, followed live.
      await nm.setStrength(homeAp, 30);
      await until(() => signalOf(manager, home.uuid) === 30, "Home's signal to follow its access point (30)");
      const s = manager.createSession(c(home.uuid));
      assert.equal(await s.open(), true, s.errorString);
      assert.equal(stateOf(manager, home.uuid), "active");
      assert.equal(s.interface?.name, "wlan0");
      assert.deepEqual(await nm.activeUuids(), [home.uuid]);
      // Connected: the device's ActiveAccessPoint, not a stronger access point of the same SSID.
      const home2 = await nm.addAccessPoint(wlan0, "home2", "Home", 90);
      await nm.setStrength(homeAp, 60);
      await until(
        () => signalOf(manager, home.uuid) === 60,
        "Home's signal to follow its active access point (60)",
      );
      assert.equal(signalOf(manager, cafe.uuid), 45);
      // The supplicant moves to the other access point of the network: its signal counts from then on.
      await nm.roamTo(wlan0, home2);
      await until(() => signalOf(manager, home.uuid) === 90, "Home's signal from its new access point (90)");
      await nm.setStrength(homeAp, 20);
      await nm.setStrength(home2, 85);
      await until(() => signalOf(manager, home.uuid) === 85, "Home's signal 85");
      assert.equal(s.state, "connected");
      s.close();
      await until(() => stateOf(manager, home.uuid) === "discovered", "Home down after close");
      assert.deepEqual(await nm.activeUuids(), []);
      // Down again: the best access point of the SSID (home2) counts.
      assert.equal(signalOf(manager, home.uuid), 85);
    }),
});

Deno.test({
  ...opts,
  name:
    "linux/dbusmock: an access point appearing makes its saved network discovered, and its service network",
  fn: () =>
    withMock(async (nm) => {
      const wlan0 = await nm.addWiFiDevice("wlan0");
      const office = await nm.addSavedWiFi("Office", "Office");
      return { wlan0, office, serviceNetworks: [{ id: "work", name: "Work", members: [office.uuid] }] };
    }, async ({ nm, manager, events }, { wlan0, office }) => {
      assert.equal(stateOf(manager, office.uuid), "defined");
      assert.equal(stateOf(manager, "work"), "defined");
      // A rescan asks the radio to scan (dbusmock records the call) and re-reads the state: nothing is in range yet.
      await manager.updateConfigurations();
      const calls = (await nm.mock("GetCalls", "", [], wlan0))[0] as [bigint, string, unknown[]][];
      assert.ok(
        calls.some(([, method]) => method === "RequestScan"),
        JSON.stringify(calls, (_, v) => `${v}`),
      );
      assert.equal(stateOf(manager, office.uuid), "defined");
      await nm.addAccessPoint(wlan0, "office", "Office", 70);
      await until(() => stateOf(manager, office.uuid) === "discovered", "Office discovered");
      assert.equal(stateOf(manager, "work"), "discovered");
      assert.equal(signalOf(manager, office.uuid), 70);
      // The access point shows first (its signal), then NetworkManager lists the connection as available.
      assert.equal(about(events, office.uuid).at(-1), "changed:discovered:70");
      // The service network offers it: a session opens on it.
      const s = manager.createSession(manager.configurationFromIdentifier("work"));
      assert.equal(await s.open(), true, s.errorString);
      assert.equal(s.sessionProperty("ActiveConfiguration"), office.uuid);
      assert.equal(s.interface?.name, "wlan0");
      assert.deepEqual(await nm.activeUuids(), [office.uuid]);
      assert.equal(stateOf(manager, "work"), "active");
      s.close();
      await until(() => stateOf(manager, office.uuid) === "discovered", "Office down after close");
    }),
});

Deno.test({
  ...opts,
  name: "linux/dbusmock: a connected access point fading below WEAK_SIGNAL warns its sessions once per fall",
  fn: () =>
    withMock(async (nm) => {
      const wlan0 = await nm.addWiFiDevice("wlan0");
      const homeAp = await nm.addAccessPoint(wlan0, "home", "Home", 80);
      const home = await nm.addWiFiConnection(wlan0, "home", "Home");
      return { homeAp, home };
    }, async ({ nm, manager, events }, { homeAp, home }) => {
      const s = manager.createSession(manager.configurationFromIdentifier(home.uuid));
      assert.equal(await s.open(), true, s.errorString);
      const log = roamLog(s);
      const seen = events.length;
      for (const [strength, expect] of [[15, 15], [5, 5], [50, 50], [10, 10]]) {
        await nm.setStrength(homeAp, strength);
        await until(() => signalOf(manager, home.uuid) === expect, `Home at ${expect}`);
      }
      assert.deepEqual(log, ["losing:10000", "losing:10000"]);
      // The driver's `losing` comes before the change that shows the weak signal.
      assert.deepEqual(about(events.slice(seen), home.uuid), [
        "losing:10000",
        "changed:active:15",
        "changed:active:5",
        "changed:active:50",
        "losing:10000",
        "changed:active:10",
      ]);
      assert.equal(s.state, "connected");
      s.close();
    }),
});

Deno.test({
  ...opts,
  name:
    "linux/dbusmock: the service network's member fading below WEAK_SIGNAL is left by force for a better one",
  fn: () =>
    withMock(async (nm) => {
      const wlan0 = await nm.addWiFiDevice("wlan0");
      const homeAp = await nm.addAccessPoint(wlan0, "home", "Home", 80);
      await nm.addAccessPoint(wlan0, "cafe", "Cafe", 50);
      const home = await nm.addWiFiConnection(wlan0, "home", "Home");
      const cafe = await nm.addWiFiConnection(wlan0, "cafe", "Cafe");
      return {
        homeAp,
        home,
        cafe,
        serviceNetworks: [{ id: "sn", name: "SN", members: [home.uuid, cafe.uuid] }],
      };
    }, async ({ nm, manager }, { homeAp, home, cafe }) => {
      const s = manager.createSession(manager.configurationFromIdentifier("sn"));
      assert.equal(await s.open(), true, s.errorString);
      assert.equal(s.sessionProperty("ActiveConfiguration"), home.uuid);
      const log = roamLog(s);
      await nm.setStrength(homeAp, 10);
      await until(
        () => s.sessionProperty("ActiveConfiguration") === cafe.uuid && s.state === "connected",
        "the forced roam to Cafe",
      );
      assert.deepEqual(await nm.activeUuids(), [cafe.uuid]);
      assert.equal(stateOf(manager, home.uuid), "discovered");
      // A forced roam: the session is moved (no accept()); it is connected again before it hears "activated".
      assert.deepEqual(log, ["losing:10000", "state:roaming", "state:connected", "activated"]);
      s.close();
    }),
});

Deno.test({
  ...opts,
  name:
    "linux/dbusmock: an access point removed mid-session: losing, then closed; a service network moves on",
  fn: () =>
    withMock(async (nm) => {
      const wlan0 = await nm.addWiFiDevice("wlan0");
      const wlan1 = await nm.addWiFiDevice("wlan1");
      const homeAp = await nm.addAccessPoint(wlan0, "home", "Home", 80);
      await nm.addAccessPoint(wlan1, "cafe", "Cafe", 50);
      const home = await nm.addWiFiConnection(wlan0, "home", "Home");
      const cafe = await nm.addWiFiConnection(wlan1, "cafe", "Cafe");
      return {
        wlan0,
        homeAp,
        home,
        cafe,
        serviceNetworks: [{ id: "sn", name: "SN", members: [home.uuid, cafe.uuid] }],
      };
    }, async ({ nm, manager }, { wlan0, homeAp, home, cafe }) => {
      const plain = manager.createSession(manager.configurationFromIdentifier(home.uuid));
      assert.equal(await plain.open(), true, plain.errorString);
      const sn = manager.createSession(manager.configurationFromIdentifier("sn"));
      assert.equal(await sn.open(), true, sn.errorString);
      assert.equal(sn.sessionProperty("ActiveConfiguration"), home.uuid);
      const plainLog = roamLog(plain), snLog = roamLog(sn);
      // The access point leaves the scan list: the link is going (signal 0).
      await nm.removeAccessPoint(wlan0, homeAp);
      await until(() => signalOf(manager, home.uuid) === 0, "Home's signal 0");
      await until(
        () => sn.sessionProperty("ActiveConfiguration") === cafe.uuid,
        "the service network on Cafe",
      );
      assert.equal(stateOf(manager, home.uuid), "active");
      // Then the supplicant gives up: NetworkManager takes the connection down.
      await nm.deviceLost(wlan0);
      await until(
        () => plain.state === "not-available" || plainLog.includes("closed"),
        "the plain session closed",
      );
      await until(() => stateOf(manager, home.uuid) === "defined", "Home gone");
      assert.deepEqual(plainLog, [
        "losing:10000",
        "losing:0",
        "state:not-available",
        "error:session-aborted",
        "closed",
      ]);
      assert.deepEqual(snLog, ["losing:10000", "state:roaming", "state:connected", "activated"]);
      assert.equal(sn.state, "connected");
      assert.deepEqual(await nm.activeUuids(), [cafe.uuid]);
      sn.close();
    }),
});

for (const radios of [1, 2] as const) {
  for (const decision of ["accept", "reject"] as const) {
    Deno.test({
      ...opts,
      name:
        `linux/dbusmock: ALR between two Wi-Fi networks of a service network, ${radios} radio(s): ${decision}`,
      fn: () =>
        withMock(async (nm) => {
          const wlan0 = await nm.addWiFiDevice("wlan0");
          const wlanB = radios === 2 ? await nm.addWiFiDevice("wlan1") : wlan0;
          await nm.addAccessPoint(wlan0, "home", "Home", 60);
          const home = await nm.addWiFiConnection(wlan0, "home", "Home");
          const office = await nm.addSavedWiFi("Office", "Office");
          return {
            wlanB,
            home,
            office,
            serviceNetworks: [{ id: "work", name: "Work", members: [office.uuid, home.uuid] }],
          };
        }, async ({ nm, manager }, { wlanB, home, office }) => {
          const s = manager.createSession(manager.configurationFromIdentifier("work"));
          const log = roamLog(s);
          s.on("preferredConfigurationChanged", ({ configuration }) => {
            log.push(`preferred:${configuration.name}`);
            s.migrate();
          });
          let seenOnActivation: unknown[] = [];
          s.on("newConfigurationActivated", () => {
            seenOnActivation = [s.sessionProperty("ActiveConfiguration"), stateOf(manager, home.uuid)];
            s[decision]();
          });
          assert.equal(await s.open(), true, s.errorString);
          assert.equal(s.sessionProperty("ActiveConfiguration"), home.uuid);
          log.length = 0;
          // The preferred network's access point appears.
          await nm.addAccessPoint(wlanB, "office", "Office", 70);
          await until(() => log.includes("activated"), "the roam to Office");
          // One radio: starting Office took Home down (our own doing: no `losing`), the session is already on
          // Office when asked; two radios: both are up and the session is on Home until it accepts.
          assert.deepEqual(
            seenOnActivation,
            radios === 1 ? [office.uuid, "discovered"] : [home.uuid, "active"],
          );
          const expected = decision === "accept" ? office : home;
          const other = decision === "accept" ? home : office;
          await until(
            () => s.state === "connected" && s.sessionProperty("ActiveConfiguration") === expected.uuid,
            `the session to settle on ${expected.name}`,
          );
          await until(() => stateOf(manager, other.uuid) !== "active", `${other.name} down`);
          assert.deepEqual(await nm.activeUuids(), [expected.uuid]);
          assert.deepEqual(log, ["preferred:Office", "state:roaming", "activated", "state:connected"]);
          assert.equal(s.interface?.name, expected === home || radios === 1 ? "wlan0" : "wlan1");
          s.close();
          await until(() => stateOf(manager, expected.uuid) !== "active", "down after close");
        }),
    });
  }
}
