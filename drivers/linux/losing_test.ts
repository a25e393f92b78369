// The `losing` rules of the NetworkManager driver, on hand-made NetworkManager object trees (no bus): a connection
// deactivating not at our request, and an active Wi-Fi connection's access point fading below the core's WEAK_SIGNAL.
// The deactivation rule is also proven against the real NetworkManager (tests/linux/losing_test.ts); the Wi-Fi rule
// here and against python3-dbusmock's NetworkManager (tests/linux/dbusmock_wifi_test.ts; the lab has no Wi-Fi).
import assert from "node:assert/strict";
import { type DriverConfiguration, WEAK_SIGNAL } from "@netsession/core";
import {
  computeView,
  DEACTIVATING_MS_TO_LIVE,
  deactivationLosing,
  fadedBelowWeakSignal,
  IFACE,
  Mirror,
  NM_PATH,
  signalLosing,
  WEAK_SIGNAL_MS_TO_LIVE,
} from "./_model.ts";
import { NMActiveConnectionState as AC } from "./nm_enums.ts";

const S = "/org/freedesktop/NetworkManager/Settings/";
const D = "/org/freedesktop/NetworkManager/Devices/";
const A = "/org/freedesktop/NetworkManager/ActiveConnection/";
const AP = "/org/freedesktop/NetworkManager/AccessPoint/";
const ssid = [...new TextEncoder().encode("Home")];

/** A Wi-Fi connection "Home" (u-wifi), active on wlan0 with access point 1 at `strength`; an Ethernet one idle. */
function wifi(strength: number): Mirror {
  const m = new Mirror();
  m.reset({
    [NM_PATH]: { [IFACE.nm]: { PrimaryConnection: `${A}1`, Connectivity: 4, Startup: false } },
    [`${S}1`]: { [IFACE.settingsConnection]: {} },
    [`${D}1`]: {
      [IFACE.device]: { Interface: "wlan0", State: 100, Managed: true, AvailableConnections: [`${S}1`] },
      [IFACE.wireless]: { ActiveAccessPoint: `${AP}1` },
    },
    [`${AP}1`]: { [IFACE.accessPoint]: { Ssid: ssid, Strength: strength } },
    [`${A}1`]: { [IFACE.active]: { Uuid: "u-wifi", State: AC.ACTIVATED, Devices: [`${D}1`] } },
  });
  m.settings.set(`${S}1`, {
    connection: { id: "Home", uuid: "u-wifi", type: "802-11-wireless" },
    "802-11-wireless": { ssid: new Uint8Array(ssid) },
  });
  return m;
}

const reportedOf = (m: Mirror) => {
  const v = computeView(m);
  return (id: string) => v.configurations.find((c) => c.identifier === id);
};

Deno.test("losing: a connection reported active entering DEACTIVATING, not at our request", () => {
  const m = wifi(80);
  const ctx = { reportedActive: (u: string) => u === "u-wifi", ours: () => false };
  assert.deepEqual(deactivationLosing(m, `${A}1`, AC.DEACTIVATING, ctx), {
    type: "losing",
    identifier: "u-wifi",
    msToLive: DEACTIVATING_MS_TO_LIVE,
  });
  assert.equal(DEACTIVATING_MS_TO_LIVE, 0, "NetworkManager gives no deadline: now");
  // Not for other states, our own deactivations, connections the core never saw up, or unknown objects.
  assert.equal(deactivationLosing(m, `${A}1`, AC.DEACTIVATED, ctx), undefined);
  assert.equal(deactivationLosing(m, `${A}1`, AC.ACTIVATED, ctx), undefined);
  assert.equal(
    deactivationLosing(m, `${A}1`, AC.DEACTIVATING, { ...ctx, ours: (p) => p === `${A}1` }),
    undefined,
  );
  assert.equal(
    deactivationLosing(m, `${A}1`, AC.DEACTIVATING, { ...ctx, reportedActive: () => false }),
    undefined,
  );
  assert.equal(deactivationLosing(m, `${A}9`, AC.DEACTIVATING, ctx), undefined);
});

Deno.test("losing: an active Wi-Fi connection's Strength falling below WEAK_SIGNAL, once per fall", () => {
  const before = reportedOf(wifi(WEAK_SIGNAL));
  const weak = wifi(WEAK_SIGNAL - 1);
  assert.deepEqual(signalLosing(before, computeView(weak)), [
    { type: "losing", identifier: "u-wifi", msToLive: WEAK_SIGNAL_MS_TO_LIVE },
  ]);
  assert.equal(WEAK_SIGNAL_MS_TO_LIVE, 10_000);
  // Still weak, or weaker: already told. Strong again, then weak: told again.
  assert.deepEqual(signalLosing(reportedOf(weak), computeView(wifi(5))), []);
  assert.deepEqual(signalLosing(reportedOf(weak), computeView(wifi(60))), []);
  assert.equal(signalLosing(reportedOf(wifi(60)), computeView(wifi(10))).length, 1);
  // At WEAK_SIGNAL exactly it is not weak (the core's rule: signal < WEAK_SIGNAL is degraded).
  assert.deepEqual(signalLosing(reportedOf(wifi(60)), computeView(wifi(WEAK_SIGNAL))), []);
  // Never reported (just added): nothing to compare with.
  assert.deepEqual(signalLosing(() => undefined, computeView(weak)), []);
});

Deno.test("losing: only active Wi-Fi access points with a known signal fade", () => {
  const base: DriverConfiguration = {
    identifier: "x",
    name: "x",
    type: "internet-access-point",
    state: "active",
    purpose: "unknown",
    bearerType: "wlan",
    metered: false,
    signal: 50,
  };
  const weak = { ...base, signal: 3 };
  assert.equal(fadedBelowWeakSignal(base, weak), true);
  assert.equal(fadedBelowWeakSignal({ ...base, state: "discovered" }, weak), false, "it was not up");
  assert.equal(
    fadedBelowWeakSignal(base, { ...weak, state: "discovered" }),
    false,
    "already gone: no warning",
  );
  assert.equal(fadedBelowWeakSignal({ ...base, bearerType: "lte" }, { ...weak, bearerType: "lte" }), false);
  const { signal: _, ...noSignal } = base;
  assert.equal(fadedBelowWeakSignal(noSignal, weak), false, "no signal known before");
  assert.equal(fadedBelowWeakSignal(undefined, weak), false);
  // The access point leaving (Strength unknown, the SSID no longer seen) reads as 0: losing, the link is going.
  const m = wifi(70);
  const gone = wifi(70);
  gone.removeInterfaces(`${AP}1`, [IFACE.accessPoint]);
  assert.equal(signalLosing(reportedOf(m), computeView(gone)).length, 1);
});
