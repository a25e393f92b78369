// Reading the network: status, capabilities, configurations, the driver snapshot for RemoteDriver, rescans,
// reachability checks and data budgets.
// Mounted at /v1.
import { CONFIGURATION_STATES, type ConfigurationState } from "@netsession/core";
import type { Daemon } from "../daemon.ts";
import { budgetKey, noteBudget, setBudget } from "../budgets.ts";
import { unknownConfiguration } from "../errors.ts";
import { randomId } from "../_ids.ts";
import * as v from "../_validate.ts";
import { body, type RouteContext, type Routes, routes } from "./_context.ts";
import { answerClone, routeAnswer } from "./guards.ts";

const encoder = new TextEncoder();

/** One cached answer of `GET /v1/configurations`: its bytes and its entity tag. */
interface CachedList {
  readonly etag: string;
  /** Its 200 answer, never sent itself: each request gets a clone (the clones share the bytes). */
  readonly answer: Response;
}

/** Whether an `If-None-Match` header names `etag` (weak comparison, as RFC 9110 says), or is `*`. */
function matchesTag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  for (const part of header.split(",")) {
    const tag = part.trim();
    if (tag === "*" || tag === etag || (tag.startsWith("W/") && tag.slice(2) === etag)) return true;
  }
  return false;
}

/**
 * The answers of `GET /v1/configurations`. Everything in them changes only with an event (or a budget's
 * usage), so their bytes are kept per (event seq, filter, budgets) with an entity tag: a kept answer costs no
 * JSON and no encoding.
 */
export class ConfigurationLists {
  #daemon: Daemon;
  #kept = new Map<string, CachedList>();
  #seq = -1;
  #builds = 0;
  #tagPrefix: string;

  constructor(daemon: Daemon) {
    this.#daemon = daemon;
    this.#tagPrefix = `"${daemon.instance}-${randomId(4)}-`;
  }

  /** The kept answer of `filter`, made now if the events (or budgets) moved since. */
  list(filter: ConfigurationState | undefined): CachedList {
    const daemon = this.#daemon;
    const seq = daemon.bus.seq;
    if (seq !== this.#seq) {
      this.#kept.clear();
      this.#seq = seq;
    }
    const key = this.#key(filter);
    let list = this.#kept.get(key);
    if (list === undefined) {
      const configurations = daemon.configurationInfos(filter);
      for (const c of configurations) {
        if (c.dataBudget !== null) noteBudget(daemon.manager, c.identifier as string);
      }
      const text = JSON.stringify({
        configurations,
        defaultConfiguration: daemon.manager.defaultConfiguration().identifier || null,
        online: daemon.manager.isOnline(),
        seq,
      });
      const etag = `${this.#tagPrefix}${seq}-${++this.#builds}"`;
      const headers = { "Content-Type": "application/json", ETag: etag };
      list = { etag, answer: routeAnswer(encoder.encode(text), 200, headers) };
      if (this.#kept.size >= 8) this.#kept.clear(); // usage moving between events makes new keys: bounded
      this.#kept.set(key, list);
    }
    return list;
  }

  /** The kept 200 answer of the whole list if it is current, else undefined (nothing is made). */
  current(): Response | undefined {
    if (this.#daemon.bus.seq !== this.#seq) return undefined;
    return this.#kept.get(this.#key(undefined))?.answer;
  }

  /** What a kept answer is filed under besides the event seq: the filter and the budgets' usage (it moves without events). */
  #key(filter: ConfigurationState | undefined): string {
    return `${filter ?? ""}|${budgetKey(this.#daemon.manager)}`;
  }
}

/**
 * `GET /v1/status`, `/v1/capabilities`, `/v1/configurations[/:id]`, `/v1/driver/snapshot`, `POST /v1/scan`,
 * `POST /v1/configurations/:id/check-reachability`, `PUT|DELETE /v1/configurations/:id/budget`.
 */
export function configurationRoutes(ctx: RouteContext, lists: ConfigurationLists): Routes {
  const { daemon } = ctx;
  const app = routes();

  app.get("/status", (c) =>
    c.json({
      online: daemon.manager.isOnline(),
      defaultConfiguration: daemon.manager.defaultConfiguration().identifier || null,
      driver: daemon.driverName,
      sessions: daemon.sessions().length,
      clients: daemon.clients().length,
      subscribers: daemon.bus.subscriberCount,
      seq: daemon.bus.seq,
      ...daemon.routeReachability(),
    }));

  app.get("/capabilities", (c) => c.json({ capabilities: daemon.capabilities() }));

  app.get("/configurations", (c) => {
    const state = c.req.query("state");
    const filter = state === undefined ? undefined : v.oneOf(state, CONFIGURATION_STATES, "state");
    const list = lists.list(filter);
    if (matchesTag(c.req.header("if-none-match"), list.etag)) {
      return routeAnswer(null, 304, { ETag: list.etag });
    }
    return answerClone(list.answer);
  });

  app.get("/configurations/:id", (c) => {
    const id = c.req.param("id");
    const found = daemon.configurationInfo(id);
    if (!found) {
      throw unknownConfiguration(id);
    }
    return c.json(found);
  });

  app.post("/configurations/:id/check-reachability", async (c) => {
    await body(ctx, c);
    return c.json(await daemon.checkReachability(c.req.param("id")));
  });

  app.put("/configurations/:id/budget", async (c) => {
    const budget = v.budget(await body(ctx, c));
    return c.json(setBudget(daemon.manager, c.req.param("id"), budget, () => daemon.bus.seq));
  });

  app.delete(
    "/configurations/:id/budget",
    (c) => c.json(setBudget(daemon.manager, c.req.param("id"), undefined, () => daemon.bus.seq)),
  );

  app.get("/driver/snapshot", (c) => c.json(daemon.snapshot()));

  app.post("/scan", async (c) => {
    await body(ctx, c);
    return c.json(await daemon.scan());
  });

  return app;
}
