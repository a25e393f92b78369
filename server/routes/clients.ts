// Clients and their leases over HTTP: list, heartbeat, release. Mounted at /v1/clients.
import * as v from "../_validate.ts";
import { body, type RouteContext, type Routes, routes } from "./_context.ts";
import { claimClient } from "./auth.ts";

/** `GET /v1/clients`, `POST /v1/clients/:id/heartbeat`, `DELETE /v1/clients/:id`. */
export function clientRoutes(ctx: RouteContext): Routes {
  const { daemon } = ctx;
  const app = routes();

  app.get("/", (c) => c.json({ clients: daemon.clients() }));

  app.post("/:id/heartbeat", async (c) => {
    const client = v.id(c.req.param("id"), "id");
    const b = await body(ctx, c);
    const answered = claimClient(ctx, c, client);
    v.onlyKeys(b, ["ttlMs"]);
    const ttl = b.ttlMs === undefined ? undefined : v.number(b.ttlMs, "ttlMs", 1000, 3_600_000, true);
    const answer = daemon.heartbeat(client, ttl);
    answered();
    return c.json(answer);
  });

  app.delete("/:id", async (c) => {
    const client = v.id(c.req.param("id"), "id");
    claimClient(ctx, c, client);
    return c.json(await daemon.releaseClient(client));
  });

  return app;
}
