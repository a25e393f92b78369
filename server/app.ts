/**
 * {@linkcode createApp}: the daemon's HTTP/JSON API as a Hono app, testable
 * in-process with `app.request(...)`. Routes are documented in the README.
 *
 * Security, in order: the `Host` header must be one of the daemon's own
 * (DNS rebinding), an `Origin` header if present must be the daemon's own,
 * mutating methods need `Authorization: Bearer <token>`, bodies are limited
 * (413) and validated (400 naming the field).
 *
 * @module
 */

import { Hono } from "hono";
import type { Context } from "hono";
import {
  BEARER_TYPES,
  CONFIGURATION_STATES,
  PURPOSES,
  USAGE_POLICIES,
  type UsagePolicy,
} from "@netsession/core";
import { SCENARIO_ACTIONS } from "@netsession/sim";
import type { Daemon, SessionAction } from "./daemon.ts";
import { DaemonError } from "./errors.ts";
import type { BusItem, Subscriber } from "./event_bus.ts";
import { dashboardHtml } from "./dashboard.ts";
import * as v from "./_validate.ts";

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
}

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
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const CLIENT_HEADER = "x-netsession-client";
const encoder = new TextEncoder();

function timingSafeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a), y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function isLoopback(hostname: string | undefined): boolean {
  if (hostname === undefined) return true;
  return hostname === "::1" || hostname.startsWith("127.") || hostname === "::ffff:127.0.0.1";
}

function fail(c: Context, error: DaemonError): Response {
  return c.json(error.toJSON(), error.status as 400);
}

/** The calling client's id: `X-Netsession-Client` header or `?client=`; required. */
function callerOf(c: Context): string {
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
 * const app = createApp(daemon, { token: "t" });
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
  const allowedHosts = new Set(
    (options.allowedHosts ?? ["localhost", "127.0.0.1", "[::1]"]).map((h) => h.toLowerCase()),
  );
  const allowedOrigins = new Set([...allowedHosts].map((h) => `http://${h}`));
  const bodyLimit = options.bodyLimit ?? 65536;
  const keepAliveMs = options.keepAliveMs ?? 15000;
  const wsHighWater = options.webSocketHighWater ?? 1 << 20;
  const app = new Hono<AppEnv>();

  app.onError((error, c) => {
    if (error instanceof DaemonError) return fail(c, error);
    console.error("netsession daemon: request failed:", error);
    return fail(c, new DaemonError(500, "internal", `the daemon failed on this request: ${error.message}`));
  });
  app.notFound((c) =>
    fail(
      c,
      new DaemonError(404, "not-found", `no route ${c.req.method} ${c.req.path}; GET /v1 lists the routes`),
    )
  );

  // ---------------------------------------------------------------- guards
  app.use("*", async (c, next) => {
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
    if (!SAFE_METHODS.has(c.req.method)) {
      const auth = c.req.header("authorization") ?? "";
      const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
      if (!m || !timingSafeEqual(m[1], token)) {
        c.header("WWW-Authenticate", 'Bearer realm="netsession"');
        return fail(
          c,
          new DaemonError(
            401,
            "unauthorized",
            auth === ""
              ? "this route changes something: send Authorization: Bearer <token> (the token is in the daemon's token file)"
              : "the bearer token is wrong; read it again from the daemon's token file",
            "Authorization",
          ),
        );
      }
      const declared = c.req.header("content-length");
      if (declared !== undefined && Number(declared) > bodyLimit) return fail(c, v.tooLarge(bodyLimit));
    }
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Cache-Control", "no-store");
    await next();
  });

  const body = (c: Context) => v.readJson(c.req.raw, bodyLimit);

  // ---------------------------------------------------------------- index, dashboard, metrics
  app.get("/", (c) => {
    const nonce = crypto.randomUUID().replaceAll("-", "");
    const local = isLoopback(c.env?.remoteAddr?.hostname);
    c.header(
      "Content-Security-Policy",
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
    );
    c.header("X-Frame-Options", "DENY");
    c.header("Referrer-Policy", "no-referrer");
    return c.html(
      dashboardHtml({ token: local ? token : undefined, nonce, sim: daemon.world !== undefined }),
    );
  });

  app.get("/metrics", (c) => {
    c.header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return c.body(daemon.metrics());
  });

  app.get("/v1", (c) =>
    c.json({
      name: "netsession",
      version: VERSION,
      driver: daemon.driverName,
      instance: daemon.instance,
      sim: daemon.world !== undefined,
      seq: daemon.bus.seq,
      routes: ROUTES,
    }));

  // ---------------------------------------------------------------- configurations
  app.get("/v1/status", (c) =>
    c.json({
      online: daemon.manager.isOnline(),
      defaultConfiguration: daemon.manager.defaultConfiguration().identifier || null,
      driver: daemon.driverName,
      sessions: daemon.sessions().length,
      clients: daemon.clients().length,
      subscribers: daemon.bus.subscriberCount,
      seq: daemon.bus.seq,
    }));

  app.get("/v1/capabilities", (c) => c.json({ capabilities: daemon.capabilities() }));

  // Everything in this answer changes only with an event, so its text is cached per (event seq, filter).
  const listCache = new Map<string, string>();
  let listCacheSeq = -1;
  app.get("/v1/configurations", (c) => {
    const state = c.req.query("state");
    const filter = state === undefined ? undefined : v.oneOf(state, CONFIGURATION_STATES, "state");
    const seq = daemon.bus.seq;
    if (seq !== listCacheSeq) {
      listCache.clear();
      listCacheSeq = seq;
    }
    const key = filter ?? "";
    let text = listCache.get(key);
    if (text === undefined) {
      const list = daemon.manager.allConfigurations(filter).map((x) =>
        daemon.configurationInfo(x.identifier)!
      );
      text = JSON.stringify({
        configurations: list,
        defaultConfiguration: daemon.manager.defaultConfiguration().identifier || null,
        online: daemon.manager.isOnline(),
        seq,
      });
      listCache.set(key, text);
    }
    return c.body(text, 200, { "Content-Type": "application/json" });
  });

  app.get("/v1/configurations/:id", (c) => {
    const id = c.req.param("id");
    const found = daemon.configurationInfo(id);
    if (!found) {
      throw new DaemonError(
        404,
        "not-found",
        `no configuration '${id.slice(0, 128)}'; GET /v1/configurations lists them`,
        "id",
      );
    }
    return c.json(found);
  });

  app.get("/v1/driver/snapshot", (c) => c.json(daemon.snapshot()));

  app.post("/v1/scan", async (c) => {
    await body(c);
    return c.json(await daemon.scan());
  });

  // ---------------------------------------------------------------- sessions
  app.get("/v1/sessions", (c) => {
    const client = v.optionalId(c.req.query("client"), "client");
    return c.json({ sessions: daemon.sessions(client) });
  });

  app.post("/v1/sessions", async (c) => {
    const b = await body(c);
    v.onlyKeys(b, ["configuration", "client", "roaming", "attach"]);
    const configuration = v.id(b.configuration, "configuration");
    const client = v.optionalId(b.client ?? c.req.header(CLIENT_HEADER), "client");
    const roaming = b.roaming === undefined
      ? undefined
      : v.oneOf(b.roaming, ["forced", "application"], "roaming");
    const attach = b.attach === undefined ? undefined : v.boolean(b.attach, "attach");
    // No request.signal here: Deno aborts it after every response (legacy behaviour, with a warning);
    // a client that gives up sends DELETE /v1/sessions?configuration= instead.
    const result = await daemon.openSession({ configuration, client, roaming, attach });
    return c.json(result, 201);
  });

  app.delete("/v1/sessions", async (c) => {
    const caller = callerOf(c);
    const configuration = v.id(c.req.query("configuration"), "configuration");
    return c.json(await daemon.closeClientSessions(caller, configuration));
  });

  app.get("/v1/sessions/:id", (c) => c.json(daemon.session(c.req.param("id"))));

  app.delete("/v1/sessions/:id", async (c) => {
    const caller = callerOf(c);
    return c.json(await daemon.closeSession(caller, c.req.param("id")));
  });

  app.post("/v1/sessions/:id/stop", async (c) => {
    const caller = callerOf(c);
    await body(c);
    return c.json(await daemon.stopSession(caller, c.req.param("id")));
  });

  for (const action of ["migrate", "ignore", "accept", "reject"] as const satisfies SessionAction[]) {
    app.post(`/v1/sessions/:id/${action}`, async (c) => {
      const caller = callerOf(c);
      await body(c);
      return c.json({
        session: daemon.sessionAction(caller, c.req.param("id"), action),
        seq: daemon.bus.seq,
      });
    });
  }

  app.get("/v1/sessions/:id/properties", (c) => c.json({ properties: daemon.properties(c.req.param("id")) }));

  app.put("/v1/sessions/:id/properties", async (c) => {
    const caller = callerOf(c);
    const b = await body(c);
    const entries = Object.entries(b);
    if (entries.length > 32) throw v.bad("body", "at most 32 properties", `${entries.length} properties`);
    for (const [key, value] of entries) {
      if (key.length > 64) throw v.bad("body", "property names of at most 64 characters", key);
      if (typeof value === "object" && value !== null) {
        throw v.bad(key, "a string, number, boolean, or null (to remove it)", value);
      }
    }
    return c.json({ properties: daemon.setProperties(caller, c.req.param("id"), b) });
  });

  // ---------------------------------------------------------------- clients
  app.get("/v1/clients", (c) => c.json({ clients: daemon.clients() }));

  app.post("/v1/clients/:id/heartbeat", async (c) => {
    const client = v.id(c.req.param("id"), "id");
    const b = await body(c);
    v.onlyKeys(b, ["ttlMs"]);
    const ttl = b.ttlMs === undefined ? undefined : v.number(b.ttlMs, "ttlMs", 1000, 3_600_000, true);
    return c.json(daemon.heartbeat(client, ttl));
  });

  app.delete("/v1/clients/:id", async (c) => {
    const client = v.id(c.req.param("id"), "id");
    return c.json(await daemon.releaseClient(client));
  });

  // ---------------------------------------------------------------- events
  const streamOptions = (c: Context) => {
    const client = v.optionalId(c.req.query("client"), "client");
    const lastId = c.req.header("last-event-id");
    const sinceParam = c.req.query("since");
    const since = lastId !== undefined && lastId !== ""
      ? v.sequence(lastId, "Last-Event-ID")
      : sinceParam !== undefined
      ? v.sequence(sinceParam, "since")
      : undefined;
    return { client, since };
  };

  app.get("/v1/events", (c) => {
    const sub = daemon.subscribe(streamOptions(c));
    let first = true; // a client that goes away cancels the stream, which ends the subscription
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (first) {
          first = false;
          controller.enqueue(encoder.encode("retry: 1000\n\n"));
          return;
        }
        const item = await sub.next(keepAliveMs);
        if (item === null) {
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(item === undefined ? ": keep-alive\n\n" : sseFrame(item)));
      },
      cancel() {
        sub.close();
      },
    }, { highWaterMark: 0 });
    return new Response(stream, {
      headers: {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
      },
    });
  });

  app.get("/v1/events/ws", (c) => {
    if ((c.req.header("upgrade") ?? "").toLowerCase() !== "websocket") {
      throw new DaemonError(
        426,
        "upgrade-required",
        "this route speaks WebSocket: connect with a WebSocket client (Upgrade: websocket)",
        "Upgrade",
      );
    }
    const sub = daemon.subscribe(streamOptions(c));
    let socket: WebSocket, response: Response;
    try {
      ({ socket, response } = Deno.upgradeWebSocket(c.req.raw, { idleTimeout: 60 }));
    } catch (error) {
      sub.close();
      throw new DaemonError(400, "bad-request", `WebSocket upgrade failed: ${(error as Error).message}`);
    }
    socket.onopen = () => pumpWebSocket(socket, sub, keepAliveMs, wsHighWater);
    socket.onclose = () => sub.close();
    socket.onerror = () => sub.close();
    socket.onmessage = (e) => {
      // Clients have nothing to say on this socket; anything large is refused by closing.
      if (typeof e.data !== "string" || e.data.length > 4096) socket.close(1009, "messages are not accepted");
    };
    return response;
  });

  // ---------------------------------------------------------------- the simulated world
  const world = () => {
    if (!daemon.world) {
      throw new DaemonError(
        501,
        "not-implemented",
        `the world controls exist only with the simulator; this daemon runs the '${daemon.driverName}' driver`,
      );
    }
    return daemon.world;
  };
  const simCall = async <T>(field: string, fn: () => T): Promise<T> => {
    try {
      return await daemon.exclusive(fn);
    } catch (error) {
      if (error instanceof DaemonError) throw error;
      const message = (error as Error).message ?? String(error);
      const unknown = /unknown|no (access point|configuration)|not found|does not exist/i.test(message);
      throw new DaemonError(unknown ? 404 : 409, unknown ? "not-found" : "conflict", message, field);
    }
  };
  const knownAccessPoint = (id: string, field: string) => {
    const w = world();
    if (!w.has(id) || w.configuration(id).type !== "internet-access-point") {
      throw new DaemonError(404, "not-found", `no access point '${id}' in the simulated world`, field);
    }
  };

  app.get("/v1/world", (c) => {
    const w = world();
    return c.json({
      time: w.clock.now(),
      configurations: w.configurations(),
      usagePolicies: w.usagePolicies,
      defaultConfiguration: w.defaultConfiguration ?? null,
    });
  });

  app.post("/v1/world/signal", async (c) => {
    const w = world();
    const b = await body(c);
    v.onlyKeys(b, ["id", "signal"]);
    const id = v.id(b.id, "id");
    const signal = v.number(b.signal, "signal", 0, 100);
    knownAccessPoint(id, "id");
    await simCall("id", () => w.setSignal(id, signal));
    return c.json({ configuration: w.configuration(id), seq: daemon.bus.seq });
  });

  app.post("/v1/world/access-points", async (c) => {
    const w = world();
    const b = await body(c);
    v.onlyKeys(b, [
      "id",
      "name",
      "bearer",
      "signal",
      "metered",
      "purpose",
      "activationMs",
      "deactivationMs",
      "interface",
    ]);
    const options = {
      id: v.id(b.id, "id"),
      ...(b.name === undefined ? {} : { name: v.text(b.name, "name") }),
      ...(b.bearer === undefined ? {} : { bearer: v.oneOf(b.bearer, BEARER_TYPES, "bearer") }),
      ...(b.signal === undefined ? {} : { signal: v.number(b.signal, "signal", 0, 100) }),
      ...(b.metered === undefined ? {} : { metered: v.boolean(b.metered, "metered") }),
      ...(b.purpose === undefined ? {} : { purpose: v.oneOf(b.purpose, PURPOSES, "purpose") }),
      ...(b.activationMs === undefined
        ? {}
        : { activationMs: v.number(b.activationMs, "activationMs", 0, 600_000) }),
      ...(b.deactivationMs === undefined
        ? {}
        : { deactivationMs: v.number(b.deactivationMs, "deactivationMs", 0, 600_000) }),
      ...(b.interface === undefined ? {} : { interface: ifName(b.interface) }),
    };
    if (w.has(options.id)) {
      throw new DaemonError(409, "conflict", `the world already has a configuration '${options.id}'`, "id");
    }
    const configuration = await simCall("id", () => w.addAccessPoint(options));
    return c.json({ configuration, seq: daemon.bus.seq }, 201);
  });

  app.delete("/v1/world/access-points/:id", async (c) => {
    const w = world();
    const id = v.id(c.req.param("id"), "id");
    knownAccessPoint(id, "id");
    await simCall("id", () => w.removeAccessPoint(id));
    return c.json({ removed: id, seq: daemon.bus.seq });
  });

  app.post("/v1/world/access-points/:id/link", async (c) => {
    const w = world();
    const id = v.id(c.req.param("id"), "id");
    const b = await body(c);
    v.onlyKeys(b, ["up"]);
    const up = v.boolean(b.up, "up");
    knownAccessPoint(id, "id");
    await simCall("up", () => up ? w.activateExternally(id) : w.deactivateExternally(id));
    return c.json({ configuration: w.configuration(id), seq: daemon.bus.seq });
  });

  app.post("/v1/world/traffic", async (c) => {
    const w = world();
    const b = await body(c);
    v.onlyKeys(b, ["id", "rx", "tx"]);
    const id = v.id(b.id, "id");
    const rx = b.rx === undefined ? 0 : v.number(b.rx, "rx", 0, 1e12, true);
    const tx = b.tx === undefined ? 0 : v.number(b.tx, "tx", 0, 1e12, true);
    knownAccessPoint(id, "id");
    await simCall("id", () => w.traffic(id, { rx, tx }));
    daemon.publishStatistics();
    return c.json({ statistics: w.accessPoint(id), seq: daemon.bus.seq });
  });

  app.post("/v1/world/policies", async (c) => {
    const w = world();
    const b = await body(c);
    v.onlyKeys(b, ["policies"]);
    if (!Array.isArray(b.policies)) {
      throw v.bad("policies", 'an array such as ["no-background-traffic"] or []', b.policies);
    }
    const policies = b.policies.map((p, i) => v.oneOf(p, USAGE_POLICIES, `policies[${i}]`)) as UsagePolicy[];
    await simCall("policies", () => w.setUsagePolicies(policies));
    return c.json({ usagePolicies: w.usagePolicies, seq: daemon.bus.seq });
  });

  app.post("/v1/world/default", async (c) => {
    const w = world();
    const b = await body(c);
    v.onlyKeys(b, ["id"]);
    const id = b.id === null ? undefined : v.id(b.id, "id");
    if (id !== undefined && !w.has(id)) {
      throw new DaemonError(404, "not-found", `no configuration '${id}' in the simulated world`, "id");
    }
    await simCall("id", () => w.setDefault(id));
    return c.json({ defaultConfiguration: id ?? null, seq: daemon.bus.seq });
  });

  app.post("/v1/world/scenario", async (c) => {
    const w = world() as unknown as { play?: (scenario: unknown) => Promise<void> };
    const b = await body(c);
    if (typeof w.play !== "function") {
      throw new DaemonError(
        501,
        "not-implemented",
        "the simulator in this build has no scenario player (SimWorld.play); change the world with the other /v1/world routes",
      );
    }
    if (!Array.isArray(b.steps)) throw v.bad("steps", "an array of steps such as {at, action, ...}", b.steps);
    if (b.steps.length > 1000) throw v.bad("steps", "at most 1000 steps", `${b.steps.length} steps`);
    let last = 0;
    for (const [i, step] of b.steps.entries()) {
      if (typeof step !== "object" || step === null || Array.isArray(step)) {
        throw v.bad(`steps[${i}]`, "an object {at, action, ...}", step);
      }
      last = v.number((step as v.Json).at, `steps[${i}].at`, last, 86_400_000);
      v.oneOf((step as v.Json).action, SCENARIO_ACTIONS, `steps[${i}].action`);
    }
    const id = crypto.randomUUID();
    daemon.bus.publish({ type: "scenario", id, status: "started" });
    daemon.playScenario(b as { steps: v.Json[] }).then(
      () => daemon.bus.publish({ type: "scenario", id, status: "finished" }),
      (error) =>
        daemon.bus.publish({
          type: "scenario",
          id,
          status: "failed",
          message: (error as Error).message ?? "",
        }),
    );
    return c.json({ scenario: id, status: "started", seq: daemon.bus.seq }, 202);
  });

  return {
    fetch: (request, env) => app.fetch(request, env),
    request: (input, init, env) => app.request(input, init, env),
  };
}

function ifName(value: unknown): string {
  if (typeof value !== "string" || !/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/.test(value)) {
    throw v.bad(
      "interface",
      "an interface name of 1-15 letters, digits or _.- (starting with a letter)",
      value,
    );
  }
  return value;
}

function sseFrame(item: BusItem): string {
  return `${item.id === undefined ? "" : `id: ${item.id}\n`}data: ${item.data}\n\n`;
}

async function pumpWebSocket(socket: WebSocket, sub: Subscriber, keepAliveMs: number, highWater: number) {
  try {
    for (;;) {
      // Feed the socket only while it drains: a stalled peer fills its bounded queue and gets a gap.
      while (socket.readyState === WebSocket.OPEN && socket.bufferedAmount > highWater) {
        await new Promise((r) => setTimeout(r, 25));
      }
      if (socket.readyState !== WebSocket.OPEN) break;
      const item = await sub.next(keepAliveMs);
      if (socket.readyState !== WebSocket.OPEN) break;
      if (item === null) {
        socket.close(1001, "the daemon is shutting down");
        break;
      }
      if (item === undefined) socket.send('{"type":"keep-alive"}');
      else socket.send(item.data);
    }
  } catch {
    // the peer went away
  } finally {
    sub.close();
  }
}

/** Route table served at `GET /v1` (documentation; the README has the details). */
const ROUTES = [
  "GET    /                                   dashboard (HTML)",
  "GET    /metrics                            Prometheus text",
  "GET    /v1                                 this index",
  "GET    /v1/status                          online, default, counts",
  "GET    /v1/capabilities",
  "GET    /v1/configurations[?state=defined|discovered|active|undefined]",
  "GET    /v1/configurations/:id",
  "GET    /v1/driver/snapshot                 raw driver data for RemoteDriver",
  "POST   /v1/scan",
  "GET    /v1/sessions[?client=]",
  "POST   /v1/sessions                        {configuration, client?, roaming?, attach?}",
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
