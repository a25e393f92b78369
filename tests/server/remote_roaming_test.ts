// Application-level and forced roaming through RemoteDriver: the decisions are made by the owning client's
// core; the daemon only sees lease changes (new access point acquired, old one released), so its counter stays
// right and other processes' sessions are unaffected.
import assert from "node:assert/strict";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { SimWorld } from "../../drivers/sim/mod.ts";
import { RemoteDriver } from "../../server/mod.ts";
import { drive, startDaemon, until } from "./_helpers.ts";

async function start() {
  const world = new SimWorld({ seed: 3 });
  world.addAccessPoint({ id: "wlan", bearer: "wlan", signal: 0 });
  world.addAccessPoint({ id: "lte", bearer: "lte", metered: true });
  world.addServiceNetwork({ id: "any", members: ["wlan", "lte"] });
  const d = await startDaemon({ world });
  const server = d.server;
  const manager = await NetworkConfigurationManager.create(
    new RemoteDriver({ url: server.url, token: server.token, clientId: "roamer" }),
  );
  return {
    world,
    server,
    manager,
    drive: <T>(p: Promise<T>) => drive(p, [d]),
    until: (condition: () => boolean) => until(condition, "the roam", [d], 2000),
    async close() {
      await drive(manager.close(), [d]);
      await d.stop();
    },
  };
}

Deno.test({
  name:
    "remote ALR: offer, migrate, newConfigurationActivated, accept; the daemon releases the old access point",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const ctx = await start();
    try {
      const s = ctx.manager.createSession(ctx.manager.configurationFromIdentifier("any"));
      const log: string[] = [];
      s.on("preferredConfigurationChanged", ({ configuration }) => {
        log.push(`offer:${configuration.identifier}`);
        s.migrate();
      });
      s.on("newConfigurationActivated", () => {
        log.push("activated");
        s.accept();
      });
      s.on("usagePoliciesChanged", (p) => log.push(`policies:${p.join(",") || "none"}`));
      assert.equal(await ctx.drive(s.open()), true);
      assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
      assert.deepEqual(s.usagePolicies, ["no-background-traffic"]);
      await ctx.server.daemon.exclusive(() => ctx.world.setSignal("wlan", 90));
      await ctx.until(() => s.sessionProperty("ActiveConfiguration") === "wlan" && !ctx.world.isUp("lte"));
      assert.equal(s.state, "connected");
      assert.deepEqual(log.slice(0, 3), ["policies:no-background-traffic", "offer:wlan", "activated"]);
      assert.equal(log.at(-1), "policies:none");
      assert.equal(ctx.server.daemon.manager.holdCount("wlan"), 1);
      assert.equal(ctx.server.daemon.manager.holdCount("lte"), 0);
    } finally {
      await ctx.close();
    }
  },
});

Deno.test({
  name: "remote ALR: reject returns to the old access point; the daemon releases the new one",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const ctx = await start();
    try {
      const s = ctx.manager.createSession(ctx.manager.configurationFromIdentifier("any"));
      let activated = false;
      s.on("preferredConfigurationChanged", () => s.migrate());
      s.on("newConfigurationActivated", () => {
        activated = true;
        s.reject();
      });
      assert.equal(await ctx.drive(s.open()), true);
      await ctx.server.daemon.exclusive(() => ctx.world.setSignal("wlan", 90));
      await ctx.until(() => activated && !ctx.world.isUp("wlan"));
      assert.equal(s.sessionProperty("ActiveConfiguration"), "lte");
      assert.equal(ctx.world.isUp("lte"), true);
      assert.equal(ctx.server.daemon.manager.holdCount("wlan"), 0);
      assert.equal(ctx.server.daemon.manager.holdCount("lte"), 1);
    } finally {
      await ctx.close();
    }
  },
});

Deno.test({
  name:
    "remote forced roaming: the access point lost at the daemon moves the client's session to the next member",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const ctx = await start();
    try {
      await ctx.server.daemon.exclusive(() => ctx.world.setSignal("wlan", 90));
      await ctx.until(() => ctx.manager.configurationFromIdentifier("wlan").state === "discovered");
      const s = ctx.manager.createSession(ctx.manager.configurationFromIdentifier("any"));
      const states: string[] = [];
      s.on("stateChanged", (x) => states.push(x));
      assert.equal(await ctx.drive(s.open()), true);
      assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan");
      await ctx.server.daemon.exclusive(() => ctx.world.setSignal("wlan", 0));
      await ctx.until(() => s.sessionProperty("ActiveConfiguration") === "lte" && s.state === "connected");
      assert.ok(states.includes("roaming"), states.join(","));
      assert.equal(s.isOpen, true);
      assert.equal(ctx.server.daemon.manager.holdCount("lte"), 1);
    } finally {
      await ctx.close();
    }
  },
});
