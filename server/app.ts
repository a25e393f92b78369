/**
 * {@linkcode createApp}: the daemon's HTTP/JSON API as a Hono app, testable
 * in-process with `app.request(...)`. Routes are documented in the README;
 * each resource is a sub-app in `routes/`.
 *
 * Security, in order (`routes/guards.ts`, `routes/auth.ts`): over TCP the
 * `Host` header must be one of the daemon's own (DNS rebinding) and an
 * `Origin` header if present the daemon's own; mutating methods, client event
 * streams and WebSockets need authority (the Unix socket, the bearer token,
 * or a signed-in browser's cookie); acting as a client needs its key; bodies
 * are limited (413) and validated (400 naming the field).
 *
 * @module
 */

import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Daemon } from "./daemon.ts";
import { DaemonError } from "./errors.ts";
import { type AppEnv, fail, type RouteContext } from "./routes/_context.ts";
import { cachedListPath, guards } from "./routes/guards.ts";
import { signInRoutes } from "./routes/auth.ts";
import { SignIn } from "./_sign_in.ts";
import { clientRoutes } from "./routes/clients.ts";
import { ConfigurationLists, configurationRoutes } from "./routes/configurations.ts";
import { dashboardRoutes } from "./routes/dashboard.ts";
import { eventRoutes } from "./routes/events.ts";
import { indexRoutes } from "./routes/index.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { sessionRoutes } from "./routes/sessions.ts";
import { worldRoutes } from "./routes/world.ts";

export type { AppEnv };

/** The version of the HTTP API and the package. */
export const VERSION = "0.1.0";

/**
 * Options of {@linkcode createApp}.
 *
 * @example
 * ```ts
 * import type { AppOptions } from "@netsession/server";
 * const options: AppOptions = { token: "s3cret", allowedHosts: ["127.0.0.1:7421", "localhost:7421"] };
 * ```
 */
export interface AppOptions {
  /** The bearer token mutating requests must present. */
  readonly token: string;
  /**
   * `Host` values accepted (lower case, with the port unless it is 80).
   * Default: `localhost`, `127.0.0.1`, `[::1]` without a port (what `app.request` sends).
   */
  readonly allowedHosts?: readonly string[];
  /** Largest request body in bytes (default 65536). */
  readonly bodyLimit?: number;
  /** Milliseconds between keep-alive comments on idle event streams (default 15000). */
  readonly keepAliveMs?: number;
  /** Bytes a WebSocket may have buffered before the daemon stops feeding it (default 1 MiB). */
  readonly webSocketHighWater?: number;
  /** The dashboard's URL over TCP (sign-in links are made on it); its port names the sign-in cookie. */
  readonly dashboardUrl?: string;
  /** Anonymous (unauthorized, read-only) event streams at once (default 64). */
  readonly maxAnonymousStreams?: number;
}

/**
 * The daemon's HTTP app (a Hono app): `fetch` for a server, `request` for
 * in-process calls in tests.
 *
 * @example
 * ```ts ignore
 * import type { DaemonApp } from "@netsession/server";
 * const status = async (app: DaemonApp) => (await app.request("/v1/status")).status;
 * ```
 */
export interface DaemonApp {
  /** Answers a request (`Deno.serve` handler); `env.remoteAddr` is the peer's address. */
  fetch(request: Request, env?: AppEnv["Bindings"]): Response | Promise<Response>;
  /** Answers a request made in-process: a path or URL, request options, and optionally the peer. */
  request(
    input: string | URL | Request,
    init?: RequestInit,
    env?: AppEnv["Bindings"],
  ): Response | Promise<Response>;
  /** A new one-time sign-in link for the dashboard (relative when the app has no `dashboardUrl`). */
  signInLink(): string;
  /** Sign-in codes waiting and browsers signed in (bounded: 8 and 32). */
  signIns(): { codes: number; cookies: number };
}

/**
 * Builds the HTTP app of a daemon. Serve it with
 * `Deno.serve((req, info) => app.fetch(req, { remoteAddr: info.remoteAddr }))`
 * (what `serve()` does), or call it in-process with `app.request()`.
 *
 * @example
 * ```ts
 * import { createApp, Daemon } from "@netsession/server";
 * import { SimDriver, SimWorld } from "@netsession/sim";
 * const world = new SimWorld();
 * world.addAccessPoint({ id: "wlan" });
 * const daemon = await Daemon.create({ driver: new SimDriver(world), world, managerClock: world.clock });
 * const app = createApp(daemon, { token: "t0123456" });
 * const res = await app.request("/v1/configurations");
 * console.log(res.status, (await res.json()).configurations.length); // 200 1
 * await daemon.close();
 * ```
 */
export function createApp(daemon: Daemon, options: AppOptions): DaemonApp {
  const token = options.token;
  if (typeof token !== "string" || token.length < 8) {
    throw new TypeError("createApp(): options.token must be a string of at least 8 characters");
  }
  const ctx: RouteContext = {
    daemon,
    token,
    bodyLimit: options.bodyLimit ?? 65536,
    keepAliveMs: options.keepAliveMs ?? 15000,
    webSocketHighWater: options.webSocketHighWater ?? 1 << 20,
    signIn: new SignIn(
      options.dashboardUrl === undefined ? undefined : Number(new URL(options.dashboardUrl).port),
    ),
    dashboardUrl: options.dashboardUrl?.replace(/\/$/, ""),
    maxAnonymousStreams: options.maxAnonymousStreams ?? 64,
  };
  const allowedHosts = new Set(
    (options.allowedHosts ?? ["localhost", "127.0.0.1", "[::1]"]).map((h) => h.toLowerCase()),
  );
  const app = new Hono<AppEnv>();

  app.onError((error, c) => {
    if (error instanceof DaemonError) return fail(c, error);
    if (error instanceof HTTPException) return error.getResponse(); // a guard's refusal, body already made
    console.error("netsession daemon: request failed:", error);
    return fail(c, new DaemonError(500, "internal", `the daemon failed on this request: ${error.message}`));
  });
  app.notFound((c) =>
    fail(
      c,
      new DaemonError(404, "not-found", `no route ${c.req.method} ${c.req.path}; GET /v1 lists the routes`),
    )
  );

  // Host/Origin, authority, body limit, answer headers, HEAD without a body: one middleware (routes/guards.ts).
  app.use("*", guards(ctx, allowedHosts));
  const lists = new ConfigurationLists(daemon);
  const fastList = cachedListPath(ctx, allowedHosts, () => lists.current());

  app.route("/", signInRoutes(ctx));
  app.route("/", dashboardRoutes(ctx));
  app.route("/", metricsRoutes(ctx));
  app.route("/v1", indexRoutes(ctx, VERSION));
  app.route("/v1", configurationRoutes(ctx, lists));
  app.route("/v1/sessions", sessionRoutes(ctx));
  app.route("/v1/clients", clientRoutes(ctx));
  app.route("/v1/events", eventRoutes(ctx));
  app.route("/v1/world", worldRoutes(ctx));

  const fetch = (request: Request, env?: AppEnv["Bindings"]): Response | Promise<Response> =>
    fastList(request, env) ?? app.fetch(request, env);
  return {
    fetch,
    request: (input, init, env) => {
      // as Hono's app.request makes its request, then through fetch (the kept list's way included)
      const request = input instanceof Request
        ? (init === undefined ? input : new Request(input, init))
        : new Request(
          /^https?:\/\//.test(String(input))
            ? String(input)
            : `http://localhost${String(input).startsWith("/") ? "" : "/"}${input}`,
          init,
        );
      return fetch(request, env);
    },
    signInLink: () => `${ctx.dashboardUrl ?? ""}/sign-in?code=${ctx.signIn.issue()}`,
    signIns: () => ctx.signIn.size,
  };
}
