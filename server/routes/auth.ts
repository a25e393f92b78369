// Who may change things, and who may act as which client. The authority of a request: "socket" (it came over
// the Unix socket: the filesystem let it connect), "token" (Authorization: Bearer), "cookie" (a browser signed
// in through a one-time link), or none (an anonymous TCP peer: it may read, nothing else). Client ids are
// bound to a per-client key the daemon issues with the client.
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { DaemonError } from "../errors.ts";
import { sameSecret } from "../_sign_in.ts";
import { CLIENT_KEY_HEADER } from "../protocol.ts";
import type { AppEnv, RouteContext, Routes } from "./_context.ts";
import { routes } from "./_context.ts";

/**
 * Why a request may change things, if it may: it came over the Unix socket, it has the bearer token, or it
 * has a signed-in browser's cookie (looked at only without an `Authorization` header).
 */
export type Authority = "socket" | "token" | "cookie";

/** Refuses a request without authority with 401 (the daemon's error body and challenge). */
export function unauthorized(what: string): DaemonError {
  return new DaemonError(
    401,
    "unauthorized",
    `${what}: send Authorization: Bearer <token> (the token is in the daemon's token file), sign in with the link 'netsession serve' printed, or use the daemon's Unix socket`,
    "Authorization",
  );
}

/**
 * Sets `authority` for the routes (the guards call it for every request); answers 401 (undefined: go on) for
 * a mutating method without one, and for a wrong bearer token even on a reading route (a program with a stale
 * token hears of it). Client streams and WebSockets without authority are refused by their routes.
 */
export function refuseWithoutAuthority(ctx: RouteContext, c: Context<AppEnv>): Response | undefined {
  let authority: Authority | undefined;
  if (c.env?.transport === "unix") {
    authority = "socket";
  } else {
    const header = c.req.header("authorization");
    if (header !== undefined) {
      if (!bearerMatches(header, ctx.token)) {
        const e = new DaemonError(
          401,
          "unauthorized",
          "the bearer token is wrong; read it again from the daemon's token file",
          "Authorization",
        );
        const res = c.json(e.toJSON(), 401);
        res.headers.set("WWW-Authenticate", 'Bearer realm="netsession"');
        return res;
      }
      authority = "token";
    } else if (ctx.signIn.valid(getCookie(c, ctx.signIn.cookieName))) {
      authority = "cookie";
    }
  }
  c.set("authority", authority);
  const method = c.req.method;
  if (authority === undefined && method !== "GET" && method !== "HEAD" && method !== "OPTIONS") {
    const res = c.json(unauthorized("this route changes something").toJSON(), 401);
    res.headers.set("WWW-Authenticate", 'Bearer realm="netsession"');
    return res;
  }
  return undefined;
}

/** Whether an `Authorization` header is `Bearer <token>` with the daemon's token (compared in constant time). */
export function bearerMatches(header: string, token: string): boolean {
  const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  return m !== null && sameSecret(m[1], token);
}

/** The client key the request presents (`X-Netsession-Client-Key`, or `?key=` for an EventSource). */
export function presentedKey(c: Context<AppEnv>): string | undefined {
  return c.req.header(CLIENT_KEY_HEADER) ?? c.req.query("key");
}

/**
 * Checks that the caller may act as client `id`: an unknown id is free (the operation creates it and the
 * answer carries its new key); a known one needs its key (403 otherwise). Returns what to put in the answer.
 */
export function claimClient(ctx: RouteContext, c: Context<AppEnv>, id: string): () => void {
  const known = ctx.daemon.clientKey(id);
  if (known !== undefined) {
    const key = presentedKey(c);
    if (key === undefined || !sameSecret(key, known)) {
      throw new DaemonError(
        403,
        "forbidden",
        `client '${id}' exists and belongs to whoever holds its key: send it as ${CLIENT_KEY_HEADER} (the daemon gave it with the client's first answer), or use another client id`,
        "client",
      );
    }
  }
  return () => {
    const key = ctx.daemon.clientKey(id);
    if (key !== undefined) c.header(CLIENT_KEY_HEADER, key);
  };
}

/** `GET /sign-in?code=` (the printed one-time link) and `POST /v1/sign-in` (a new link, for an authorized caller). */
export function signInRoutes(ctx: RouteContext): Routes {
  const app = routes();
  app.get("/sign-in", (c) => {
    const code = c.req.query("code");
    const cookie = code === undefined || code.length > 100 ? undefined : ctx.signIn.redeem(code);
    if (cookie === undefined) {
      return c.text(
        "This sign-in link is not valid (each link works once). Get a new one: POST /v1/sign-in with the token or over the daemon's socket.\n",
        403,
      );
    }
    c.header(
      "Set-Cookie",
      `${ctx.signIn.cookieName}=${cookie}; Path=/; HttpOnly; SameSite=Strict`,
    );
    c.header("Location", "/");
    c.header("Referrer-Policy", "no-referrer");
    return c.body(null, 303);
  });
  app.post("/v1/sign-in", (c) => {
    const code = ctx.signIn.issue();
    const base = ctx.dashboardUrl ?? "";
    return c.json({ url: `${base}/sign-in?code=${code}` });
  });
  return app;
}
