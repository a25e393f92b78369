// The index at GET /v1: name, version, driver, instance and the route list. Mounted at /v1.
import type { RouteContext, Routes } from "./_context.ts";
import { routes } from "./_context.ts";

/** `GET /v1`. */
export function indexRoutes(ctx: RouteContext, version: string): Routes {
  const { daemon } = ctx;
  const app = routes();
  app.get("/", (c) =>
    c.json({
      name: "netsession",
      version,
      driver: daemon.driverName,
      instance: daemon.instance,
      sim: daemon.world !== undefined,
      seq: daemon.bus.seq,
      routes: ROUTES,
    }));
  return app;
}

/** Route table served at `GET /v1` (documentation; the README has the details). */
const ROUTES = [
  "GET    /                                   dashboard (HTML)",
  "GET    /metrics                            Prometheus text",
  "GET    /v1                                 this index",
  "GET    /v1/status                          online, default, counts, the default route's reachability",
  "GET    /v1/capabilities",
  "GET    /v1/configurations[?state=defined|discovered|active|undefined]",
  "GET    /v1/configurations/:id",
  "POST   /v1/configurations/:id/check-reachability  test the active link now: {reachability, seq}",
  "PUT    /v1/configurations/:id/budget       {bytes, warnAt?}: the access point's data budget",
  "DELETE /v1/configurations/:id/budget       remove it",
  "GET    /v1/driver/snapshot                 raw driver data for RemoteDriver",
  "POST   /v1/scan",
  "GET    /v1/sessions[?client=]",
  "POST   /v1/sessions                        {configuration | need, client?, roaming?, attach?}",
  "GET    /v1/sessions/:id",
  "DELETE /v1/sessions/:id                    close (X-Netsession-Client)",
  "DELETE /v1/sessions?configuration=ID       close the caller's sessions on ID (opening ones too)",
  "POST   /v1/sessions/:id/stop|migrate|ignore|accept|reject",
  "GET    /v1/sessions/:id/properties",
  "PUT    /v1/sessions/:id/properties         {key: value|null}",
  "GET    /v1/clients",
  "POST   /v1/clients/:id/heartbeat           {ttlMs?}",
  "DELETE /v1/clients/:id                     close all its sessions",
  "GET    /v1/events[?client=&since=]         Server-Sent Events (Last-Event-ID)",
  "GET    /v1/events/ws[?client=&since=]      WebSocket events",
  "GET    /v1/world                           (sim)",
  "POST   /v1/world/signal                    {id, signal} (sim)",
  "POST   /v1/world/access-points             {id, name?, bearer?, signal?, ...} (sim)",
  "DELETE /v1/world/access-points/:id         (sim)",
  "POST   /v1/world/access-points/:id/link    {up} (sim)",
  "POST   /v1/world/traffic                   {id, rx?, tx?} (sim)",
  "POST   /v1/world/policies                  {policies} (sim)",
  "POST   /v1/world/default                   {id|null} (sim)",
  "POST   /v1/world/scenario                  scenario JSON (sim)",
];
