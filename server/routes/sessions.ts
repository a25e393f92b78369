// Daemon sessions over HTTP: open, read, close, stop, roaming decisions, properties. Mounted at /v1/sessions.
import { DaemonError } from "../errors.ts";
import { CLIENT_HEADER, CLIENT_KEY_HEADER, type SessionAction } from "../protocol.ts";
import * as v from "../_validate.ts";
import { body, callerOf as namedCaller, type RouteContext, type Routes, routes } from "./_context.ts";
import type { AppEnv } from "./_context.ts";
import type { Context } from "hono";
import { claimClient } from "./auth.ts";

const ACTIONS = ["migrate", "ignore", "accept", "reject"] as const satisfies SessionAction[];

/** `/v1/sessions`, `/v1/sessions/:id`, `/v1/sessions/:id/<action>`, `/v1/sessions/:id/properties`. */
export function sessionRoutes(ctx: RouteContext): Routes {
  const { daemon } = ctx;
  const app = routes();
  /** The calling client, which must present its key. */
  const callerOf = (c: Context<AppEnv>) => {
    const id = namedCaller(c);
    claimClient(ctx, c, id);
    return id;
  };

  app.get("/", (c) => {
    const client = v.optionalId(c.req.query("client"), "client");
    return c.json({ sessions: daemon.sessions(client) });
  });

  app.post("/", async (c) => {
    const b = await body(ctx, c);
    v.onlyKeys(b, ["configuration", "need", "client", "roaming", "attach"]);
    if ((b.configuration === undefined) === (b.need === undefined)) {
      throw new DaemonError(
        400,
        "bad-request",
        'give exactly one of configuration (an identifier) and need (a NetworkNeed such as {"notMetered": true})',
        b.configuration === undefined ? "configuration" : "need",
      );
    }
    const configuration = b.need === undefined ? v.id(b.configuration, "configuration") : undefined;
    const need = b.need === undefined ? undefined : v.need(b.need, "need");
    const client = v.optionalId(b.client ?? c.req.header(CLIENT_HEADER), "client");
    const roaming = b.roaming === undefined
      ? undefined
      : v.oneOf(b.roaming, ["forced", "application"], "roaming");
    const attach = b.attach === undefined ? undefined : v.boolean(b.attach, "attach");
    // No request.signal here: Deno aborts it after every response (legacy behaviour, with a warning);
    // a client that gives up sends DELETE /v1/sessions?configuration= instead.
    const answered = client === undefined ? undefined : claimClient(ctx, c, client);
    const opening = daemon.openSession({ configuration, need, client, roaming, attach });
    answered?.(); // the client exists now (unless the request was refused at once): its key goes with any answer
    const result = await opening;
    const key = daemon.clientKey(result.session.client);
    if (key !== undefined) c.header(CLIENT_KEY_HEADER, key);
    return c.json(result, 201);
  });

  app.delete("/", async (c) => {
    const caller = callerOf(c);
    const configuration = v.id(c.req.query("configuration"), "configuration");
    return c.json(await daemon.closeClientSessions(caller, configuration));
  });

  app.get("/:id", (c) => c.json(daemon.session(c.req.param("id"))));

  app.delete("/:id", async (c) => {
    const caller = callerOf(c);
    return c.json(await daemon.closeSession(caller, c.req.param("id")));
  });

  app.post("/:id/stop", async (c) => {
    const caller = callerOf(c);
    await body(ctx, c);
    return c.json(await daemon.stopSession(caller, c.req.param("id")));
  });

  for (const action of ACTIONS) {
    app.post(`/:id/${action}`, async (c) => {
      const caller = callerOf(c);
      await body(ctx, c);
      return c.json({
        session: daemon.sessionAction(caller, c.req.param("id"), action),
        seq: daemon.bus.seq,
      });
    });
  }

  app.get("/:id/properties", (c) => c.json({ properties: daemon.properties(c.req.param("id")) }));

  app.put("/:id/properties", async (c) => {
    const caller = callerOf(c);
    const b = await body(ctx, c);
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

  return app;
}
