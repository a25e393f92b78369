// The guards every request passes, in order: Host and Origin (DNS rebinding, cross-origin; not over the Unix
// socket), the request's authority (routes/auth.ts), body size for mutating methods (Hono's body-limit,
// answering with the daemon's error bodies), then the headers every answer carries (no-store, nosniff; set
// after the route, skipped for answers made complete by `routeAnswer`), and a HEAD answer's body is dropped at
// once (nothing it would stream stays allocated). They run as one middleware (`guards`): one step of Hono's
// chain on every request. The kept configuration list has a way past Hono (`cachedListPath`) for the requests
// these same checks let pass with nothing to say; every other request goes the whole way.
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { DaemonError } from "../errors.ts";
import * as v from "../_validate.ts";
import { type AppEnv, fail, type RouteContext } from "./_context.ts";
import { bearerMatches, refuseWithoutAuthority } from "./auth.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The host of a request URL (what `new URL(url).host` gives, without parsing a serialised http URL again). */
function hostOfUrl(url: string): string {
  const start = url.startsWith("http://") ? 7 : url.startsWith("https://") ? 8 : -1;
  if (start > 0) {
    const end = url.indexOf("/", start); // a serialised http(s) URL has a path after its host
    const host = end < 0 ? url.slice(start) : url.slice(start, end);
    if (!host.includes("@")) return host;
  }
  return new URL(url).host;
}

/** The request headers the guards read (a `Headers`). */
interface HeaderSource {
  get(name: string): string | null;
}

/**
 * Why a request whose `Host` (DNS rebinding) or `Origin` (cross-origin) is not the daemon's own is refused
 * (403), else undefined. Over the Unix socket no browser is involved (the filesystem decided who connected).
 */
function hostOrOriginError(
  allowedHosts: ReadonlySet<string>,
): (transport: string | undefined, headers: HeaderSource, url: string) => DaemonError | undefined {
  const allowedOrigins = new Set([...allowedHosts].map((h) => `http://${h}`));
  return (transport, headers, url) => {
    if (transport === "unix") return undefined;
    const host = (headers.get("host") ?? hostOfUrl(url)).toLowerCase();
    if (!allowedHosts.has(host)) {
      return new DaemonError(
        403,
        "forbidden",
        `Host '${host.slice(0, 100)}' is not this daemon's (expected ${
          [...allowedHosts].join(" or ")
        }); refused to prevent DNS rebinding`,
        "Host",
      );
    }
    const origin = headers.get("origin");
    if (origin !== null && !allowedOrigins.has(origin.toLowerCase())) {
      return new DaemonError(
        403,
        "forbidden",
        `Origin '${origin.slice(0, 100)}' is not this daemon's; cross-origin requests are refused`,
        "Origin",
      );
    }
    return undefined;
  };
}

/**
 * Whether a mutating request's body must be counted by Hono's body-limit (413 with the daemon's error body
 * beyond the limit): it came over HTTP with a declared `Content-Length` or a chunked body. A request that
 * declares neither has no body on the wire; Hono would still re-wrap it (and touch its abort signal), so it is
 * passed on: in-process requests (`app.request`) are counted while `readJson` reads them.
 */
function hasBody(c: Context): boolean {
  const headers = c.req.raw.headers;
  return headers.has("content-length") || headers.has("transfer-encoding");
}

/** Marks an answer that already has every header the guards add (`routeAnswer`, `answerClone`). */
const COMPLETE: unique symbol = Symbol("netsession.completeAnswer");
type Marked = Response & { [COMPLETE]?: true };

/**
 * After the route: `Cache-Control: no-store` (unless the answer chose its own) and nosniff on every answer not
 * marked complete, and a `HEAD` answer without its body.
 */
function finish(c: Context): Promise<void> | undefined {
  const res = c.res as Marked;
  if (res[COMPLETE] !== true) {
    const headers = res.headers;
    if (!headers.has("cache-control")) headers.set("Cache-Control", "no-store");
    if (!headers.has("x-content-type-options")) headers.set("X-Content-Type-Options", "nosniff");
  }
  return c.req.method === "HEAD" ? dropHeadBody(c) : undefined;
}

/** A `HEAD` answer never streams: whatever body a route made is cancelled, so nothing it holds stays open. */
async function dropHeadBody(c: Context): Promise<void> {
  if (c.req.method !== "HEAD" || c.res.body === null) return;
  const { status, headers } = c.res;
  await c.res.body.cancel().catch(() => {});
  c.res = new Response(null, { status, headers });
}

/**
 * The guards: Host and Origin (403), the request's authority (`authority` for the routes; 401 for a mutating
 * method without one or a wrong token), body size of mutating methods (413), `Cache-Control: no-store` (unless
 * the answer chose its own) and `X-Content-Type-Options: nosniff` on the answers of requests that passed, and a
 * `HEAD` answer without a body.
 */
export function guards(ctx: RouteContext, allowedHosts: ReadonlySet<string>): MiddlewareHandler<AppEnv> {
  const hostError = hostOrOriginError(allowedHosts);
  const limit = ctx.bodyLimit;
  const limited = bodyLimit({ maxSize: limit, onError: (c) => fail(c, v.tooLarge(limit)) });
  return (c, next) => {
    const error = hostError(c.env?.transport, c.req.raw.headers, c.req.url);
    const refused = error !== undefined ? fail(c, error) : refuseWithoutAuthority(ctx, c);
    if (refused !== undefined) return Promise.resolve(refused);
    const answer = () => next().then(() => finish(c));
    return !SAFE_METHODS.has(c.req.method) && hasBody(c) ? limited(c, answer) : answer();
  };
}

/**
 * An answer a route makes itself (not with `c.body` or `c.json`) with every header the guards add to the
 * answers of requests that passed (`Cache-Control: no-store`, nosniff), so that they need not look at it. The
 * cached configuration list keeps one and answers each request with {@linkcode answerClone}: clones share its
 * bytes, so a request costs no encoding, no copy of the body and no header to check.
 */
export function routeAnswer(
  body: Uint8Array<ArrayBuffer> | null,
  status: number,
  headers: Readonly<Record<string, string>>,
): Response {
  const res: Marked = new Response(body, {
    status,
    headers: { ...headers, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" },
  });
  res[COMPLETE] = true;
  return res;
}

/** A clone of an answer made by {@linkcode routeAnswer}, as complete as it is. */
export function answerClone(answer: Response): Response {
  const res: Marked = answer.clone();
  res[COMPLETE] = true;
  return res;
}

/**
 * The cached configuration list's way past Hono (`GET /v1/configurations` without a query): a request that
 * the guards let pass with nothing to say (its Host and Origin are the daemon's, its bearer token, if any, is
 * right, it asks no `If-None-Match`) gets a clone of the kept answer at once, as the route would give it;
 * anything else, or a list not made yet for the current events, goes the whole way (undefined), where the
 * guards and the route answer it. The checks are the guards' own functions.
 */
export function cachedListPath(
  ctx: RouteContext,
  allowedHosts: ReadonlySet<string>,
  current: () => Response | undefined,
): (request: Request, env: AppEnv["Bindings"] | undefined) => Response | undefined {
  const hostError = hostOrOriginError(allowedHosts);
  return (request, env) => {
    if (request.method !== "GET") return undefined;
    const url = request.url;
    if (!url.endsWith(LIST_PATH) || pathOf(url) !== LIST_PATH) return undefined;
    const headers = request.headers;
    if (hostError(env?.transport, headers, url) !== undefined) return undefined;
    if (headers.get("if-none-match") !== null) return undefined;
    if (env?.transport !== "unix") {
      const authorization = headers.get("authorization");
      if (authorization !== null && !bearerMatches(authorization, ctx.token)) return undefined;
    }
    const answer = current();
    return answer === undefined ? undefined : answerClone(answer);
  };
}

const LIST_PATH = "/v1/configurations";

/** The path of a serialised http(s) URL (from the first `/` after its authority). */
function pathOf(url: string): string {
  const scheme = url.indexOf("://");
  const slash = scheme < 0 ? -1 : url.indexOf("/", scheme + 3);
  return slash < 0 ? "" : url.slice(slash);
}
