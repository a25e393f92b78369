// computeView on hand-made NetworkManager object trees (no bus).
import assert from "node:assert/strict";
import { AUTO_SERVICE_NETWORK, computeView, IFACE, Mirror, NM_PATH } from "./_model.ts";

const S = "/org/freedesktop/NetworkManager/Settings/";
const D = "/org/freedesktop/NetworkManager/Devices/";
const A = "/org/freedesktop/NetworkManager/ActiveConnection/";
const IP4 = "/org/freedesktop/NetworkManager/IP4Config/";

function mirror(): Mirror {
  const m = new Mirror();
  m.reset({
    [NM_PATH]: {
      [IFACE.nm]: {
        PrimaryConnection: `${A}1`,
        Metered: 1,
        Connectivity: 4,
        Startup: false,
      },
    },
    [`${S}1`]: { [IFACE.settingsConnection]: {} },
    [`${S}2`]: { [IFACE.settingsConnection]: {} },
    [`${S}3`]: { [IFACE.settingsConnection]: {} },
    [`${S}4`]: { [IFACE.settingsConnection]: {} },
    [`${D}1`]: {
      [IFACE.device]: {
        Interface: "eth0",
        State: 100,
        Managed: true,
        Metered: 0,
        AvailableConnections: [`${S}1`],
        HwAddress: "AA:BB:CC:DD:EE:FF",
        Ip4Config: `${IP4}1`,
      },
      [IFACE.statistics]: { RxBytes: 10n, TxBytes: 20n, RefreshRateMs: 1000 },
    },
    [`${D}2`]: {
      [IFACE.device]: {
        Interface: "wwan0",
        State: 30,
        Managed: true,
        Metered: 3,
        AvailableConnections: [`${S}2`],
      },
    },
    [`${D}3`]: {
      [IFACE.device]: {
        Interface: "eth1",
        State: 20,
        Managed: true,
        AvailableConnections: [`${S}4`],
      },
    },
    [`${A}1`]: {
      [IFACE.active]: {
        Uuid: "u-eth",
        State: 2,
        Devices: [`${D}1`],
        Ip4Config: `${IP4}1`,
        Ip6Config: "/",
      },
    },
    [`${IP4}1`]: {
      [IFACE.ip4]: { AddressData: [{ address: "192.168.1.5", prefix: 24 }] },
    },
  });
  m.settings.set(`${S}1`, {
    connection: {
      id: "Wired",
      uuid: "u-eth",
      type: "802-3-ethernet",
      metered: 1,
      "autoconnect-priority": 5,
    },
  });
  m.settings.set(`${S}2`, {
    connection: { id: "Mobile", uuid: "u-gsm", type: "gsm" },
  });
  m.settings.set(`${S}3`, {
    connection: { id: "VPN", uuid: "u-vpn", type: "vpn", autoconnect: false },
  });
  m.settings.set(`${S}4`, {
    connection: {
      id: "Spare",
      uuid: "u-eth1",
      type: "802-3-ethernet",
      metered: 2,
      autoconnect: false,
    },
  });
  return m;
}

Deno.test("computeView: states, bearers, metered, interface", () => {
  const v = computeView(mirror(), { ifindex: (n) => (n === "eth0" ? 2 : 0) });
  const by = new Map(v.configurations.map((c) => [c.identifier, c]));
  assert.equal(by.get("u-eth")?.state, "active");
  assert.deepEqual(by.get("u-eth")?.interface, {
    name: "eth0",
    index: 2,
    addresses: ["192.168.1.5/24"],
    hardwareAddress: "AA:BB:CC:DD:EE:FF",
  });
  assert.equal(by.get("u-eth")?.metered, true);
  assert.equal(by.get("u-gsm")?.state, "discovered"); // device available, disconnected
  assert.equal(by.get("u-gsm")?.bearerType, "2g");
  assert.equal(by.get("u-gsm")?.metered, true); // device guess-yes
  assert.equal(by.get("u-gsm")?.interface, undefined);
  assert.equal(by.get("u-vpn")?.state, "defined");
  assert.equal(by.get("u-vpn")?.purpose, "private");
  assert.equal(by.get("u-vpn")?.bearerType, "unknown");
  assert.equal(by.get("u-eth1")?.state, "defined"); // its device has no carrier (unavailable)
  assert.equal(by.get("u-eth1")?.metered, false);
  assert.equal(v.defaultConfiguration, "u-eth");
  assert.deepEqual(v.usagePolicies, ["no-background-traffic"]);
  assert.equal(v.connectivity, "full");
  assert.equal(v.devicePaths.get("u-eth"), `${D}1`);
});

Deno.test("computeView: autoconnect service network by priority, user service networks", () => {
  const v = computeView(mirror(), {
    serviceNetworks: [{
      id: "mine",
      name: "Mine",
      members: ["u-eth1", "missing", "u-eth"],
    }],
  });
  const auto = v.configurations.find((c) => c.identifier === AUTO_SERVICE_NETWORK)!;
  assert.equal(auto.type, "service-network");
  assert.deepEqual(auto.children, ["u-eth", "u-gsm"]); // priority 5 before 0; autoconnect=no left out
  assert.equal(auto.state, "active");
  const mine = v.configurations.find((c) => c.identifier === "mine")!;
  assert.deepEqual(mine.children, ["u-eth1", "u-eth"]); // unknown UUIDs dropped
  assert.equal(mine.roamingAvailable, true);
  // Service networks come after access points.
  assert.ok(
    v.configurations.findIndex((c) => c.type === "service-network") > 3,
  );
});

Deno.test("computeView: nothing active -> no policy, default is the autoconnect service network", () => {
  const m = mirror();
  m.removeInterfaces(`${A}1`, [IFACE.active]);
  m.changeProperties(NM_PATH, IFACE.nm, {
    PrimaryConnection: "/",
    Metered: 0,
    Connectivity: 1,
  });
  m.changeProperties(`${D}1`, IFACE.device, { State: 30 });
  const v = computeView(m);
  assert.equal(
    v.configurations.find((c) => c.identifier === "u-eth")?.state,
    "discovered",
  );
  assert.equal(v.defaultConfiguration, AUTO_SERVICE_NETWORK);
  assert.deepEqual(v.usagePolicies, []);
  assert.equal(v.connectivity, "none");
  assert.equal(v.activePaths.size, 0);
});

Deno.test("computeView: an activating connection is discovered, not active", () => {
  const m = mirror();
  m.changeProperties(`${A}1`, IFACE.active, { State: 1 });
  m.changeProperties(`${D}1`, IFACE.device, { State: 70 });
  const v = computeView(m);
  const c = v.configurations.find((x) => x.identifier === "u-eth")!;
  assert.equal(c.state, "discovered");
  assert.equal(c.interface, undefined);
  assert.equal(v.activePaths.get("u-eth"), `${A}1`);
});

Deno.test("computeView: a cellular connection's bearer follows the modem's access technology (ModemManager)", () => {
  const m = mirror();
  const MM = "/org/freedesktop/ModemManager1/Modem/0";
  m.changeProperties(`${D}2`, IFACE.device, { DeviceType: 8, Udi: MM });
  const bearer = () => computeView(m).configurations.find((c) => c.identifier === "u-gsm")?.bearerType;
  assert.equal(bearer(), "2g"); // ModemManager not known (yet)
  m.modems.set(MM, { AccessTechnologies: 1 << 14 }); // LTE
  assert.equal(bearer(), "lte");
  m.modems.set(MM, { AccessTechnologies: (1 << 14) | (1 << 15) }); // LTE + 5G NR (non-standalone)
  assert.equal(bearer(), "5g");
  m.modems.set(MM, { AccessTechnologies: 1 << 8 }); // HSPA
  assert.equal(bearer(), "hspa");
  m.modems.delete(MM); // ModemManager went away
  assert.equal(bearer(), "2g");
  // Not the modem of this connection: another device's Udi does not count.
  m.modems.set("/org/freedesktop/ModemManager1/Modem/9", { AccessTechnologies: 1 << 14 });
  assert.equal(bearer(), "2g");
});

Deno.test("computeView: reachability of active connections from the device's connectivity, else the global one", () => {
  const m = mirror();
  const reach = () => {
    const c = computeView(m).configurations.find((x) => x.identifier === "u-eth")!;
    return [c.reachability, c.captivePortal];
  };
  // Device values unknown (absent) and the connection is primary: the global FULL applies.
  assert.deepEqual(reach(), ["online", false]);
  m.changeProperties(`${D}1`, IFACE.device, { Ip4Connectivity: 2, Ip6Connectivity: 1 });
  assert.deepEqual(reach(), ["site", true]);
  m.changeProperties(`${D}1`, IFACE.device, { Ip4Connectivity: 3 });
  assert.deepEqual(reach(), ["site", false]);
  m.changeProperties(`${D}1`, IFACE.device, { Ip4Connectivity: 0, Ip6Connectivity: 0 });
  m.changeProperties(NM_PATH, IFACE.nm, { PrimaryConnection: "/" });
  assert.deepEqual(reach(), ["unknown", false], "not primary: the global value is not this link's");
  m.changeProperties(`${D}1`, IFACE.device, { Ip4Connectivity: 4 });
  assert.deepEqual(reach(), ["online", false]);
  m.changeProperties(NM_PATH, IFACE.nm, { ConnectivityCheckAvailable: false });
  assert.deepEqual(reach(), ["unknown", false], "checking off: NetworkManager's FULL is a guess");
  // Connections that are not active carry no reachability (the core says "disconnected").
  const gsm = computeView(m).configurations.find((x) => x.identifier === "u-gsm")!;
  assert.deepEqual([gsm.reachability, gsm.captivePortal], [undefined, undefined]);
});
