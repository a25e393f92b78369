// What every route module shares: the daemon and the app's settings, the Hono env, and the helpers that turn
// a request into validated input or a DaemonError into its JSON body.
import { Hono } from "hono";
import type { Context } from "hono";
import type { Daemon } from "../daemon.ts";
import { DaemonError } from "../errors.ts";
import { CLIENT_HEADER } from "../protocol.ts";
import * as v from "../_validate.ts";
import type { SignIn } from "../_sign_in.ts";

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
    /** The peer's address, when known. */
    remoteAddr?: { transport: string; hostname: string; port: number };
    /**
     * How the request came: `"unix"` over the daemon's Unix socket (the filesystem decided who may connect:
     * no token needed), else TCP (in-process `app.request` counts as TCP).
     */
    transport?: "unix" | "tcp";
  };
  /** Set by the guards for the routes. */
  Variables: {
    /** Why the request may change things (`"socket"`, `"token"`, `"cookie"`), or undefined: read only. */
    authority: "socket" | "token" | "cookie" | undefined;
  };
}

/** The daemon and the app's settings, for the route modules. */
export interface RouteContext {
  readonly daemon: Daemon;
  readonly token: string;
  readonly bodyLimit: number;
  readonly keepAliveMs: number;
  readonly webSocketHighWater: number;
  /** Sign-in codes and signed-in browsers. */
  readonly signIn: SignIn;
  /** The dashboard's URL (for sign-in links), when served over TCP. */
  readonly dashboardUrl: string | undefined;
  /** Anonymous (unauthorized) event streams at most. */
  readonly maxAnonymousStreams: number;
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

/** The calling client's id: `X-Netsession-Client` header or `?client=`; required (its key is checked by the routes). */
export function callerOf(c: Context<AppEnv>): string {
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
