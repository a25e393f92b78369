// Prometheus text at /metrics (the exposition itself is in ../metrics.ts).
import type { RouteContext, Routes } from "./_context.ts";
import { routes } from "./_context.ts";

/** `GET /metrics`. */
export function metricsRoutes(ctx: RouteContext): Routes {
  const app = routes();
  app.get("/metrics", (c) => {
    c.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return c.body(ctx.daemon.metrics());
  });
  return app;
}
