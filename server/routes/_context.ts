// What every route module shares: the daemon and the app's settings, the Hono env, and the helpers that turn
// a request into validated input or a DaemonError into its JSON body.
import { Hono } from "hono";
import type { Context } from "hono";
import type { Daemon } from "../daemon.ts";
import { DaemonError } from "../errors.ts";
import { CLIENT_HEADER } from "../protocol.ts";
import * as v from "../_validate.ts";

/**
 * What the app expects in Hono's `c.env` when served by `Deno.serve`
 * (`app.fetch(request, { remoteAddr: info.remoteAddr })`).
 *
 * @example
 * ```ts
 * import type { AppEnv } from "@netsession/server";
 * const env: AppEnv["Bindings"] = { remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 5000 } };
 * ```
 */
export interface AppEnv {
  /** Per-request bindings. */
  Bindings: {
    /** The peer's address; absent in-process (`app.request`), where the peer counts as local. */
    remoteAddr?: { transport: string; hostname: string; port: number };
  };
}

/** The daemon and the app's settings, for the route modules. */
export interface RouteContext {
  readonly daemon: Daemon;
  readonly token: string;
  readonly bodyLimit: number;
  readonly keepAliveMs: number;
  readonly webSocketHighWater: number;
}

/** A sub-app of one resource. */
export type Routes = Hono<AppEnv>;

/** A new, empty sub-app. */
export function routes(): Routes {
  return new Hono<AppEnv>();
}

/** The error as its JSON body with its status. */
export function fail(c: Context, error: DaemonError): Response {
  return c.json(error.toJSON(), error.status as 400);
}

/** The request's JSON object body (400 if it is not one; its size is limited by the guards). */
export function body(ctx: RouteContext, c: Context): Promise<v.Json> {
  return v.readJson(c.req.raw, ctx.bodyLimit);
}

/** The calling client's id: `X-Netsession-Client` header or `?client=`; required. */
export function callerOf(c: Context): string {
  const value = c.req.header(CLIENT_HEADER) ?? c.req.query("client");
  if (value === undefined) {
    throw new DaemonError(
      400,
      "bad-request",
      "say which client you are: an X-Netsession-Client header or a ?client= parameter",
      "client",
    );
  }
  return v.id(value, "client");
}
