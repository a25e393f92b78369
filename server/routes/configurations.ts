// Reading the network: status, capabilities, configurations, the driver snapshot for RemoteDriver, rescans,
// reachability checks and data budgets.
// Mounted at /v1.
import { CONFIGURATION_STATES } from "@netsession/core";
import { budgetKey, setBudget } from "../budgets.ts";
import { unknownConfiguration } from "../errors.ts";
import * as v from "../_validate.ts";
import { body, type RouteContext, type Routes, routes } from "./_context.ts";

/**
 * `GET /v1/status`, `/v1/capabilities`, `/v1/configurations[/:id]`, `/v1/driver/snapshot`, `POST /v1/scan`,
 * `POST /v1/configurations/:id/check-reachability`, `PUT|DELETE /v1/configurations/:id/budget`.
 */
export function configurationRoutes(ctx: RouteContext): Routes {
  const { daemon } = ctx;
  const app = routes();

  app.get("/status", (c) =>
    c.json({
      online: daemon.manager.isOnline(),
      defaultConfiguration: daemon.manager.defaultConfiguration().identifier || null,
      driver: daemon.driverName,
      sessions: daemon.sessions().length,
      clients: daemon.clients().length,
      subscribers: daemon.bus.subscriberCount,
      seq: daemon.bus.seq,
      ...daemon.routeReachability(),
    }));

  app.get("/capabilities", (c) => c.json({ capabilities: daemon.capabilities() }));

  // Everything in this answer changes only with an event, so its text is cached per (event seq, filter).
  const listCache = new Map<string, string>();
  let listCacheSeq = -1;
  app.get("/configurations", (c) => {
    const state = c.req.query("state");
    const filter = state === undefined ? undefined : v.oneOf(state, CONFIGURATION_STATES, "state");
    const seq = daemon.bus.seq;
    if (seq !== listCacheSeq) {
      listCache.clear();
      listCacheSeq = seq;
    }
    const key = `${filter ?? ""}|${budgetKey(daemon.manager)}`; // budget usage moves without events
    let text = listCache.get(key);
    if (text === undefined) {
      const list = daemon.manager.allConfigurations(filter).map((x) =>
        daemon.configurationInfo(x.identifier)!
      );
      text = JSON.stringify({
        configurations: list,
        defaultConfiguration: daemon.manager.defaultConfiguration().identifier || null,
        online: daemon.manager.isOnline(),
        seq,
      });
      listCache.set(key, text);
    }
    return c.body(text, 200, { "Content-Type": "application/json" });
  });

  app.get("/configurations/:id", (c) => {
    const id = c.req.param("id");
    const found = daemon.configurationInfo(id);
    if (!found) {
      throw unknownConfiguration(id);
    }
    return c.json(found);
  });

  app.post("/configurations/:id/check-reachability", async (c) => {
    await body(ctx, c);
    return c.json(await daemon.checkReachability(c.req.param("id")));
  });

  app.put("/configurations/:id/budget", async (c) => {
    const budget = v.budget(await body(ctx, c));
    return c.json(setBudget(daemon.manager, c.req.param("id"), budget, () => daemon.bus.seq));
  });

  app.delete(
    "/configurations/:id/budget",
    (c) => c.json(setBudget(daemon.manager, c.req.param("id"), undefined, () => daemon.bus.seq)),
  );

  app.get("/driver/snapshot", (c) => c.json(daemon.snapshot()));

  app.post("/scan", async (c) => {
    await body(ctx, c);
    return c.json(await daemon.scan());
  });

  return app;
}
