// The guards every request passes, in order: Host and Origin (DNS rebinding, cross-origin; not over the Unix
// socket), the request's authority (routes/auth.ts), body size for mutating methods (Hono's body-limit,
// answering with the daemon's error bodies), then the headers every answer carries (Hono's secure-headers for
// nosniff), and a HEAD answer's body is dropped at once (nothing it would stream stays allocated).
import type { Context, MiddlewareHandler, Next } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { DaemonError } from "../errors.ts";
import * as v from "../_validate.ts";
import { fail } from "./_context.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** `middleware` for POST/PUT/DELETE only: reading routes need no token. */
function mutating(middleware: MiddlewareHandler): MiddlewareHandler {
  return (c, next) => SAFE_METHODS.has(c.req.method) ? next() : middleware(c, next);
}

/** Refuses a request whose `Host` (DNS rebinding) or `Origin` (cross-origin) is not the daemon's own. */
export function hostAndOrigin(allowedHosts: ReadonlySet<string>): MiddlewareHandler {
  const allowedOrigins = new Set([...allowedHosts].map((h) => `http://${h}`));
  return async (c, next) => {
    // Over the Unix socket no browser is involved (the filesystem decided who connected): no rebinding to stop.
    if (c.env?.transport === "unix") return await next();
    const host = (c.req.header("host") ?? new URL(c.req.url).host).toLowerCase();
    if (!allowedHosts.has(host)) {
      return fail(
        c,
        new DaemonError(
          403,
          "forbidden",
          `Host '${host.slice(0, 100)}' is not this daemon's (expected ${
            [...allowedHosts].join(" or ")
          }); refused to prevent DNS rebinding`,
          "Host",
        ),
      );
    }
    const origin = c.req.header("origin");
    if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) {
      return fail(
        c,
        new DaemonError(
          403,
          "forbidden",
          `Origin '${origin.slice(0, 100)}' is not this daemon's; cross-origin requests are refused`,
          "Origin",
        ),
      );
    }
    await next();
  };
}

/**
 * Bodies of mutating requests are at most `limit` bytes (413 with the daemon's error body), by Hono's body-limit
 * for what comes over HTTP (a declared `Content-Length` or a chunked body). A request that declares neither has
 * no body on the wire; Hono would still re-wrap it (and touch its abort signal), so it is passed on: in-process
 * requests (`app.request`) are counted while `readJson` reads them.
 */
export function bodyLimited(limit: number): MiddlewareHandler {
  const limited = bodyLimit({ maxSize: limit, onError: (c) => fail(c, v.tooLarge(limit)) });
  return mutating((c, next) => {
    const headers = c.req.raw.headers;
    return headers.has("content-length") || headers.has("transfer-encoding") ? limited(c, next) : next();
  });
}

const nosniff = secureHeaders({
  crossOriginResourcePolicy: false,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  strictTransportSecurity: false,
  xContentTypeOptions: true,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  removePoweredBy: false,
});

/**
 * `Cache-Control: no-store` and (Hono's secure-headers) `X-Content-Type-Options: nosniff` on the answers of
 * requests that passed the guards.
 */
export function answerHeaders(): MiddlewareHandler {
  return async (c: Context, next: Next) => {
    c.header("Cache-Control", "no-store");
    await nosniff(c, next);
  };
}

/** A `HEAD` answer never streams: whatever body a route made is cancelled, so nothing it holds stays open. */
export function headWithoutBody(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.req.method !== "HEAD" || c.res.body === null) return;
    const { status, headers } = c.res;
    await c.res.body.cancel().catch(() => {});
    c.res = new Response(null, { status, headers });
  };
}
