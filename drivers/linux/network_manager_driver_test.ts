// NetworkManagerDriver against a real, private NetworkManager (scripts/lab). One lab for this file.
// Skipped with the reason printed when the machine cannot run the lab, except under CI=true (then it fails).
import assert from "node:assert/strict";
import { type DriverConfiguration, DriverError, type DriverEvent } from "@netsession/core";
import { type Lab, labSkipReason, startLab } from "../../scripts/lab/lab.ts";
import { type Connectivity, NetworkManagerDriver } from "./mod.ts";

const skip = await labSkipReason(
  "drivers/linux/network_manager_driver_test.ts",
);

class Recorder {
  events: DriverEvent[] = [];
  #waiters: {
    pred: (e: DriverEvent) => boolean;
    resolve: (e: DriverEvent) => void;
  }[] = [];
  sink = (e: DriverEvent) => {
    this.events.push(e);
    for (const w of [...this.#waiters]) {
      if (w.pred(e)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };
  /** The next event matching `pred` (register before acting). */
  next(
    pred: (e: DriverEvent) => boolean,
    what: string,
    ms = 5000,
  ): Promise<DriverEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.splice(
          this.#waiters.findIndex((w) => w.pred === pred),
          1,
        );
        reject(
          new Error(
            `no event: ${what} within ${ms} ms; got ${JSON.stringify(this.events.slice(-5))}`,
          ),
        );
      }, ms);
      this.#waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }
  changed(
    id: string,
    pred: (c: DriverConfiguration) => boolean,
    what: string,
    ms?: number,
  ) {
    return this.next(
      (e) =>
        e.type === "configuration-changed" &&
        e.configuration.identifier === id && pred(e.configuration),
      what,
      ms,
    ) as Promise<Extract<DriverEvent, { type: "configuration-changed" }>>;
  }
}

async function until(cond: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function deviceState(lab: Lab, iface: string): Promise<string> {
  return (await lab.nmcli("-g", "GENERAL.STATE", "device", "show", iface))
    .trim();
}

Deno.test({
  name: "NetworkManagerDriver against a private NetworkManager",
  ignore: skip !== undefined,
}, async (t) => {
  const timings: string[] = [];
  const time = async <T>(label: string, f: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings.push(`${label} ${(performance.now() - t0).toFixed(1)} ms`);
    }
  };
  const lab = await time("lab up", () => startLab({ accessPoints: 3 }));
  const rec = new Recorder();
  const driver = new NetworkManagerDriver({
    busAddress: lab.busAddress,
    statisticsRefreshMs: 100,
  });
  const A = lab.uuids["lab-a"], B = lab.uuids["lab-b"], C = lab.uuids["lab-c"];
  const connectivity: Connectivity[] = [];
  driver.onConnectivityChanged((c) => connectivity.push(c));
  try {
    const snap = await time("driver start", () => driver.start(rec.sink));

    await t.step(
      "snapshot lists the lab connections with bearer, metered and state",
      () => {
        const by = new Map(snap.configurations.map((c) => [c.identifier, c]));
        for (const [name, uuid] of Object.entries(lab.uuids)) {
          const c = by.get(uuid);
          assert.ok(c, `${name} in the snapshot`);
          assert.equal(c.name, name);
          assert.equal(c.type, "internet-access-point");
          assert.equal(c.bearerType, "ethernet");
          assert.equal(c.state, "discovered");
          assert.equal(c.metered, name === "lab-b");
          assert.equal(c.interface, undefined);
        }
        assert.deepEqual([...snap.capabilities].sort(), [
          "application-level-roaming",
          "can-start-and-stop-interfaces",
          "data-statistics",
          "direct-connection-routing",
          "forced-roaming",
        ]);
        assert.deepEqual(snap.usagePolicies, []);
        assert.equal(snap.defaultConfiguration, undefined); // nothing active, nothing autoconnects
        assert.equal(driver.connected, true);
      },
    );

    await t.step(
      "activate -> active with interface and addresses (event before resolve)",
      async () => {
        await time("activate", () => driver.activate(A, { timeout: 10000 }));
        const ev = rec.events.findLast((e) =>
          e.type === "configuration-changed" && e.configuration.identifier === A
        );
        assert.ok(ev && ev.type === "configuration-changed");
        assert.equal(ev.configuration.state, "active");
        assert.deepEqual(ev.configuration.interface?.addresses, [
          "10.77.1.2/24",
        ]);
        assert.equal(ev.configuration.interface?.name, "ns-a");
        assert.equal(ev.configuration.interface?.index, 101);
        assert.match(
          ev.configuration.interface?.hardwareAddress ?? "",
          /^([0-9A-F]{2}:){5}[0-9A-F]{2}$/,
        );
        assert.match(await deviceState(lab, "ns-a"), /^100 /);
        assert.ok(
          rec.events.some((e) => e.type === "default-changed" && e.identifier === A),
        );
        await driver.activate(A); // already active: resolves at once
      },
    );

    await t.step("statistics grow after traffic inside the lab", async () => {
      const before = driver.statistics(A);
      assert.ok(before);
      const got = await lab.traffic("lab-a", 300_000);
      assert.equal(got, 300_000);
      await until(
        () =>
          (driver.statistics(A)?.bytesReceived ?? 0) >=
            before.bytesReceived + 300_000,
        "rx bytes",
      );
      assert.ok(driver.statistics(A)!.bytesWritten > before.bytesWritten);
      assert.equal(driver.statistics(B), undefined); // not active
    });

    await t.step("connectivity level: getter and callback", async () => {
      assert.equal(driver.connectivity, "full");
      await lab.setConnectivity("lab-a", "portal");
      assert.equal(await driver.checkConnectivity(), "portal");
      assert.equal(connectivity.at(-1), "portal");
      await lab.setConnectivity("lab-a", "full");
      assert.equal(await driver.checkConnectivity(), "full");
    });

    await t.step("deactivate (ours) -> down", async () => {
      await time("deactivate", () => driver.deactivate(A));
      const ev = rec.events.findLast((e) =>
        e.type === "configuration-changed" && e.configuration.identifier === A
      );
      assert.ok(
        ev && ev.type === "configuration-changed" &&
          ev.configuration.state === "discovered",
      );
      assert.match(await deviceState(lab, "ns-a"), /^30 /);
      await driver.deactivate(A); // not active: nothing to do
    });

    await t.step(
      "brought up by someone else: kept unless forced; `nmcli con down` arrives as an event",
      async () => {
        const up = rec.changed(
          A,
          (c) => c.state === "active",
          "lab-a active after nmcli up",
        );
        await lab.nmcli("connection", "up", "lab-a");
        await up;
        await driver.activate(A); // already active, not ours
        await driver.deactivate(A); // not forced: left up
        assert.match(await deviceState(lab, "ns-a"), /^100 /);
        const down = rec.changed(
          A,
          (c) => c.state !== "active",
          "lab-a down after nmcli down",
        );
        await lab.nmcli("connection", "down", "lab-a");
        assert.equal((await down).configuration.state, "discovered");
        // And a forced deactivation takes down what others brought up.
        await lab.nmcli("connection", "up", "lab-a");
        await until(
          () =>
            rec.events.at(-1)?.type !== undefined &&
            driver.statistics(A) !== undefined,
          "lab-a up",
        );
        await driver.deactivate(A, { force: true });
        assert.match(await deviceState(lab, "ns-a"), /^30 /);
      },
    );

    await t.step(
      "peer link down -> event; link back -> discovered",
      async () => {
        await driver.activate(A);
        const lost = rec.changed(
          A,
          (c) => c.state !== "active",
          "lab-a lost on carrier loss",
        );
        const t0 = performance.now();
        await lab.peerDown("lab-a");
        assert.equal((await lost).configuration.state, "defined");
        timings.push(
          `carrier loss -> event ${(performance.now() - t0).toFixed(1)} ms`,
        );
        const back = rec.changed(
          A,
          (c) => c.state === "discovered",
          "lab-a discovered again",
        );
        await lab.peerUp("lab-a");
        await back;
      },
    );

    await t.step(
      "metered primary connection -> no-background-traffic",
      async () => {
        const on = rec.next(
          (e) =>
            e.type === "usage-policies-changed" &&
            e.policies.includes("no-background-traffic"),
          "policy on",
        );
        await driver.activate(B);
        await on;
        const off = rec.next(
          (e) => e.type === "usage-policies-changed" && e.policies.length === 0,
          "policy off",
        );
        await driver.deactivate(B);
        await off;
      },
    );

    await t.step("errors: unknown uuid, service network, aborted, no device", async () => {
      await assert.rejects(
        driver.activate("00000000-0000-0000-0000-000000000000"),
        (e: unknown) =>
          e instanceof DriverError && e.code === "invalid-configuration" &&
          /no NetworkManager connection/.test(e.message),
      );
      await assert.rejects(
        driver.deactivate("nope"),
        (e: unknown) => e instanceof DriverError && e.code === "invalid-configuration",
      );
      await assert.rejects(
        driver.activate(C, { signal: AbortSignal.abort() }),
        (e: unknown) => e instanceof DriverError && e.code === "session-aborted",
      );
      // A connection bound to an interface that does not exist: NetworkManager refuses to activate it.
      await lab.nmcli(
        "con",
        "add",
        "type",
        "ethernet",
        "ifname",
        "ns-x",
        "con-name",
        "lab-x",
        "connection.autoconnect",
        "no",
        "ipv4.method",
        "disabled",
        "ipv6.method",
        "disabled",
      );
      const x = (await lab.nmcli("-g", "connection.uuid", "con", "show", "lab-x")).trim();
      await until(
        () => rec.events.some((e) => e.type === "configuration-added" && e.configuration.identifier === x),
        "lab-x known",
      );
      await assert.rejects(driver.activate(x, { timeout: 3000 }), (e: unknown) => {
        assert.ok(e instanceof DriverError, String(e));
        assert.equal(e.code, "unknown");
        assert.match(e.message, /^activation of 'lab-x' \(.*\): .*device/i);
        assert.doesNotMatch(e.message, /org\.freedesktop\.DBus\.Error/);
        return true;
      });
      await lab.nmcli("con", "delete", "lab-x");
    });

    await t.step(
      "connections added and removed by others arrive as events; autoconnect service network",
      async () => {
        const added = rec.next(
          (e) =>
            e.type === "configuration-added" &&
            e.configuration.name === "lab-z",
          "lab-z added",
        );
        const sn = rec.next(
          (e) =>
            (e.type === "configuration-added" ||
              e.type === "configuration-changed") &&
            e.configuration.type === "service-network",
          "autoconnect service network",
        );
        // autoconnect yes on an interface that does not exist: defined, never activated.
        await lab.nmcli(
          "con",
          "add",
          "type",
          "ethernet",
          "ifname",
          "ns-z",
          "con-name",
          "lab-z",
          "ipv4.method",
          "disabled",
          "ipv6.method",
          "disabled",
          "connection.autoconnect",
          "yes",
          "connection.autoconnect-priority",
          "7",
        );
        const z = (await added) as Extract<
          DriverEvent,
          { type: "configuration-added" }
        >;
        assert.equal(z.configuration.state, "defined");
        const s = (await sn) as Extract<
          DriverEvent,
          { type: "configuration-added" }
        >;
        assert.deepEqual(s.configuration.children, [
          z.configuration.identifier,
        ]);
        const removed = rec.next(
          (e) =>
            e.type === "configuration-removed" &&
            e.identifier === z.configuration.identifier,
          "lab-z removed",
        );
        await lab.nmcli("con", "delete", "lab-z");
        await removed;
      },
    );

    await t.step(
      "NetworkManager restart: the active connection stays, the driver resyncs",
      async () => {
        await driver.activate(A);
        const mark = rec.events.length;
        await time("NetworkManager restart", () => lab.restartNetworkManager());
        // It re-assumes lab-a: no "link lost" reported meanwhile.
        const added = rec.next(
          (e) =>
            e.type === "configuration-added" &&
            e.configuration.name === "lab-y",
          "lab-y",
        );
        await lab.nmcli(
          "con",
          "add",
          "type",
          "ethernet",
          "ifname",
          "ns-y",
          "con-name",
          "lab-y",
          "connection.autoconnect",
          "no",
          "ipv4.method",
          "disabled",
          "ipv6.method",
          "disabled",
        );
        await added; // the driver listens to the new NetworkManager
        assert.equal(
          rec.events.slice(mark).some((e) =>
            e.type === "configuration-changed" &&
            e.configuration.identifier === A &&
            e.configuration.state !== "active"
          ),
          false,
          `no spurious loss of lab-a: ${JSON.stringify(rec.events.slice(mark))}`,
        );
        assert.equal(driver.connected, true);
        await driver.deactivate(A, { force: true });
      },
    );

    await t.step(
      "NetworkManager away: changes made meanwhile arrive when it is back",
      async () => {
        await driver.activate(A);
        await lab.killNetworkManager();
        await until(
          () => !driver.connected,
          "driver notices NetworkManager left",
        );
        await assert.rejects(
          driver.activate(B),
          (e: unknown) => e instanceof DriverError && /not running/.test(e.message),
        );
        // Meanwhile lab-b's profile is deleted on disk: when NetworkManager is back, the driver reports it gone.
        await Deno.remove(`${lab.dir}/connections/lab-b.nmconnection`);
        const removed = rec.next(
          (e) => e.type === "configuration-removed" && e.identifier === B,
          "lab-b removed",
        );
        await lab.startNetworkManager();
        await removed;
        assert.equal(driver.connected, true);
        await driver.deactivate(A, { force: true });
      },
    );
  } finally {
    await driver.close();
    await driver.close();
    const t0 = performance.now();
    await lab.stop();
    timings.push(`lab down ${(performance.now() - t0).toFixed(1)} ms`);
    console.log(`timings: ${timings.join(", ")}`);
  }
});

Deno.test({
  name: "NetworkManagerDriver: service-networks file and start errors",
  ignore: skip !== undefined,
}, async () => {
  await using lab = await startLab({ accessPoints: 2 });
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/sn.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({
        serviceNetworks: [{
          id: "office",
          name: "Office",
          members: [lab.uuids["lab-b"], lab.uuids["lab-a"]],
        }],
      }),
    );
    const driver = new NetworkManagerDriver({
      busAddress: lab.busAddress,
      serviceNetworks: file,
    });
    const snap = await driver.start(() => {});
    const office = snap.configurations.find((c) => c.identifier === "office");
    assert.equal(office?.type, "service-network");
    assert.equal(office?.name, "Office");
    assert.deepEqual(office?.children, [
      lab.uuids["lab-b"],
      lab.uuids["lab-a"],
    ]);
    assert.equal(office?.state, "discovered");
    await assert.rejects(
      driver.activate("office"),
      (e: unknown) => e instanceof DriverError && e.code === "invalid-configuration",
    );
    await driver.close();

    await Deno.writeTextFile(
      file,
      '{"serviceNetworks": [{"id": "x", "members": []}]}',
    );
    await assert.rejects(
      new NetworkManagerDriver({
        busAddress: lab.busAddress,
        serviceNetworks: file,
      }).start(() => {}),
      (e: unknown) =>
        e instanceof DriverError && e.code === "invalid-configuration" &&
        e.message.includes(file),
    );

    await lab.killNetworkManager();
    await assert.rejects(
      new NetworkManagerDriver({ busAddress: lab.busAddress }).start(() => {}),
      (e: unknown) =>
        e instanceof DriverError &&
        /NetworkManager is not running/.test(e.message),
    );
    await assert.rejects(
      new NetworkManagerDriver({ busAddress: `unix:path=${dir}/no-such-bus` })
        .start(() => {}),
      (e: unknown) =>
        e instanceof DriverError &&
        /cannot connect to the D-Bus system bus/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
