// The dashboard page at /: never the token (a signed-in browser's cookie authorizes its requests; without it
// the page is read-only), a strict CSP with a per-request nonce for its script (Hono's secure-headers).
import { NONCE, secureHeaders } from "hono/secure-headers";
import { dashboardHtml } from "../dashboard.ts";
import { FAVICON_SVG } from "../dashboard_style.ts";
import type { RouteContext, Routes } from "./_context.ts";
import { routes } from "./_context.ts";

const pageHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: [NONCE],
    styleSrc: ["'unsafe-inline'"],
    connectSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: true,
  crossOriginResourcePolicy: false,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  strictTransportSecurity: false,
  xContentTypeOptions: true,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  removePoweredBy: false,
});

/** `GET /`, and its icon at `GET /favicon.svg` and `GET /favicon.ico` (the page links it inline). */
export function dashboardRoutes(ctx: RouteContext): Routes {
  const app = routes();
  app.get("/", pageHeaders, (c) => {
    return c.html(dashboardHtml({
      signedIn: c.get("authority") !== undefined,
      nonce: c.get("secureHeadersNonce") ?? "",
      sim: ctx.daemon.world !== undefined,
    }));
  });
  const icon = () =>
    new Response(FAVICON_SVG, {
      headers: { "Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=86400" },
    });
  app.get("/favicon.svg", icon);
  app.get("/favicon.ico", icon);
  return app;
}
