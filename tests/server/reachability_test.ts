// Reachability end to end through the daemon (issue 12): configuration JSON, the snapshot and configuration
// events carry the driver's reachability and captive portal; /v1/status has the default route's; daemon
// sessions report theirs (session-reachability); POST /v1/configurations/:id/check-reachability runs the
// driver's check; and a manager on RemoteDriver sees all of it.
import assert from "node:assert/strict";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { type DaemonEvent, RemoteDriver, type Subscriber } from "../../server/mod.ts";
import { fakeDaemon, serveFake, waitFor } from "./_fake_daemon.ts";

async function drain(sub: Subscriber): Promise<DaemonEvent[]> {
  const out: DaemonEvent[] = [];
  for (let item = await sub.next(0); item; item = await sub.next(0)) out.push(JSON.parse(item.data));
  return out;
}

Deno.test("status, configurations, snapshot, events and sessions carry reachability and captive portals", async () => {
  const f = await fakeDaemon();
  const events = f.daemon.bus.subscribe();
  try {
    const before = await (await f.req("GET", "/v1/status")).json();
    assert.deepEqual(
      [before.reachability, before.behindCaptivePortal, before.transportMedium, before.isMetered],
      ["disconnected", false, "unknown", false],
    );
    const idle = await (await f.req("GET", "/v1/configurations/wlan")).json();
    assert.deepEqual([idle.reachability, idle.behindCaptivePortal], ["disconnected", false]);

    const opened = await f.daemon.openSession({ configuration: "internet", client: "app" });
    assert.deepEqual([opened.session.reachability, opened.session.behindCaptivePortal], ["online", false]);
    const status = await (await f.req("GET", "/v1/status")).json();
    assert.deepEqual(
      [status.reachability, status.behindCaptivePortal, status.transportMedium, status.isMetered],
      ["online", false, "wifi", false],
    );

    f.driver.setReach("wlan", "local", true); // a captive portal appears
    const wlan = await (await f.req("GET", "/v1/configurations/wlan")).json();
    assert.deepEqual([wlan.reachability, wlan.behindCaptivePortal], ["local", true]);
    const internet = (await (await f.req("GET", "/v1/configurations")).json()).configurations
      .find((c: { identifier: string }) => c.identifier === "internet");
    assert.deepEqual([internet.reachability, internet.behindCaptivePortal], ["local", true]);
    const snap = await (await f.req("GET", "/v1/driver/snapshot")).json();
    const raw = snap.configurations.find((c: { identifier: string }) => c.identifier === "wlan");
    assert.deepEqual(
      [raw.reachability, raw.captivePortal],
      ["local", true],
      "the driver's fields, unchanged",
    );
    const after = await (await f.req("GET", "/v1/status")).json();
    assert.deepEqual([after.reachability, after.behindCaptivePortal], ["local", true]);
    const info = await (await f.req("GET", `/v1/sessions/${opened.session.id}`)).json();
    assert.deepEqual([info.reachability, info.behindCaptivePortal], ["local", true]);

    const seen = await drain(events);
    const changed = seen.filter((e) =>
      e.type === "configuration-changed" && e.configuration.identifier === "wlan"
    )
      .at(-1);
    assert.ok(changed?.type === "configuration-changed");
    assert.deepEqual([changed.configuration.reachability, changed.configuration.captivePortal], [
      "local",
      true,
    ]);
    const reach = seen.filter((e) => e.type === "session-reachability");
    assert.deepEqual(reach.at(-1), {
      ...reach.at(-1)!,
      type: "session-reachability",
      session: opened.session.id,
      client: "app",
      configuration: "internet",
      reachability: "local",
      behindCaptivePortal: true,
    });
  } finally {
    events.close();
    await f.close();
  }
});

Deno.test("POST /v1/configurations/:id/check-reachability: the driver's check; 401 without token, 404 unknown", async () => {
  const f = await fakeDaemon();
  try {
    const none = await f.req("POST", "/v1/configurations/wlan/check-reachability", { token: null });
    assert.equal(none.status, 401);
    const unknown = await f.req("POST", "/v1/configurations/nope/check-reachability");
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json()).error.field, "id");

    const inactive = await f.req("POST", "/v1/configurations/lte/check-reachability");
    assert.equal(inactive.status, 200);
    assert.equal((await inactive.json()).reachability, "disconnected");
    assert.ok(!f.driver.calls.includes("check lte"), "no driver check for a link that is down");

    await f.daemon.openSession({ configuration: "wlan", client: "app" });
    f.driver.configs.set("wlan", { ...f.driver.configs.get("wlan")!, reachability: "site" }); // learnt quietly
    const active = await f.req("POST", "/v1/configurations/wlan/check-reachability");
    const answer = await active.json();
    assert.equal(active.status, 200);
    assert.equal(answer.reachability, "site");
    assert.equal(typeof answer.seq, "number");
    assert.ok(f.driver.calls.includes("check wlan"));
    const sn = await (await f.req("POST", "/v1/configurations/internet/check-reachability")).json();
    assert.equal(sn.reachability, "site", "a service network: its active member's check");
  } finally {
    await f.close();
  }
});

Deno.test({
  name:
    "a manager on RemoteDriver sees reachability and captive portal changes, session reachabilityChanged, and checks",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const f = await serveFake();
    const manager = await NetworkConfigurationManager.create(
      new RemoteDriver({ url: f.url, token: f.token, clientId: "reacher" }),
    );
    try {
      const session = manager.createSession(manager.configurationFromIdentifier("internet"));
      const changes: string[] = [];
      session.on(
        "reachabilityChanged",
        (e) => changes.push(`${e.reachability}${e.behindCaptivePortal ? "+portal" : ""}`),
      );
      const routes: string[] = [];
      manager.on("behindCaptivePortalChanged", (p) => routes.push(`portal:${p}`));
      assert.equal(await session.open(), true);
      assert.deepEqual([session.reachability, session.behindCaptivePortal], ["online", false]);
      assert.equal(manager.reachability, "online");

      f.driver.setReach("wlan", "local", true);
      const wlan = manager.configurationFromIdentifier("wlan");
      await waitFor(() => wlan.behindCaptivePortal, "the captive portal through the daemon");
      assert.equal(wlan.reachability, "local");
      assert.deepEqual([session.reachability, session.behindCaptivePortal], ["local", true]);
      assert.equal(changes.at(-1), "local+portal");
      assert.ok(manager.behindCaptivePortal);
      assert.deepEqual(routes, ["portal:true"]);

      // The driver learns more without telling; the session's check asks the daemon's driver.
      f.driver.configs.set("wlan", { ...f.driver.configs.get("wlan")!, reachability: "online" });
      assert.equal(await session.checkReachability(), "online");
      assert.ok(f.driver.calls.includes("check wlan"));
      const noLink = manager.createSession(manager.configurationFromIdentifier("lte"));
      assert.equal(await noLink.checkReachability(), "disconnected");
    } finally {
      await manager.close();
      await f.close();
    }
  },
});
