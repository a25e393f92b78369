// The dashboard page at /: the token embedded only for a loopback peer, a strict CSP with a per-request
// nonce for its script (Hono's secure-headers).
import { NONCE, secureHeaders } from "hono/secure-headers";
import { dashboardHtml } from "../dashboard.ts";
import type { RouteContext, Routes } from "./_context.ts";
import { routes } from "./_context.ts";

function isLoopback(hostname: string | undefined): boolean {
  if (hostname === undefined) return true;
  return hostname === "::1" || hostname.startsWith("127.") || hostname === "::ffff:127.0.0.1";
}

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

/** `GET /`. */
export function dashboardRoutes(ctx: RouteContext): Routes {
  const app = routes();
  app.get("/", pageHeaders, (c) => {
    const local = isLoopback(c.env?.remoteAddr?.hostname);
    return c.html(dashboardHtml({
      token: local ? ctx.token : undefined,
      nonce: c.get("secureHeadersNonce") ?? "",
      sim: ctx.daemon.world !== undefined,
    }));
  });
  return app;
}
