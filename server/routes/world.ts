// Simulator control over HTTP: read the world, change signals, access points, links, traffic, policies, the
// default, and play scenarios of world changes. 501 with another driver. Mounted at /v1/world.
import { USAGE_POLICIES, type UsagePolicy } from "@netsession/core";
import {
  ACCESS_POINT_OPTION_FIELDS,
  parseAccessPointOptions,
  SCENARIO_ACTIONS,
  type SimAccessPointOptions,
  simErrorCode,
  type SimWorld,
} from "@netsession/sim";
import type { Daemon } from "../daemon.ts";
import { DaemonError } from "../errors.ts";
import { randomId } from "../_ids.ts";
import * as v from "../_validate.ts";
import { body, type RouteContext, type Routes, routes } from "./_context.ts";

/** The daemon's simulated world, or 501. */
function worldOf(daemon: Daemon): SimWorld {
  if (!daemon.world) {
    throw new DaemonError(
      501,
      "not-implemented",
      `the world controls exist only with the simulator; this daemon runs the '${daemon.driverName}' driver`,
    );
  }
  return daemon.world;
}

/** HTTP status and error code of each simulator error code. */
const SIM_REFUSALS = {
  "not-found": [404, "not-found"],
  conflict: [409, "conflict"],
  invalid: [400, "bad-request"],
} as const;

/**
 * A refusal of the simulated world as a {@linkcode DaemonError}, by its `simErrorCode` (an error without one is
 * a conflict with the world's state). An invalid input names the field the world names, else `field`.
 */
function refusal(error: unknown, field: string): DaemonError {
  if (error instanceof DaemonError) return error;
  const message = (error as Error).message ?? String(error);
  const [status, code] = SIM_REFUSALS[simErrorCode(error) ?? "conflict"];
  const named = (error as { field?: unknown }).field;
  return new DaemonError(
    status,
    code,
    message,
    code === "bad-request" && typeof named === "string" ? named : field,
  );
}

/** Runs a world change on the daemon's clock; a refusal of the world becomes 404, 409 or 400 naming `field`. */
async function simCall<T>(daemon: Daemon, field: string, fn: () => T): Promise<T> {
  try {
    return await daemon.exclusive(fn);
  } catch (error) {
    throw refusal(error, field);
  }
}

/** 404 unless `id` is an access point of the world. */
function knownAccessPoint(w: SimWorld, id: string, field: string): void {
  if (!w.has(id) || w.configuration(id).type !== "internet-access-point") {
    throw new DaemonError(404, "not-found", `no access point '${id}' in the simulated world`, field);
  }
}

/** A network interface or device name of at most 15 characters, or 400 naming `field`. */
function ifName(value: unknown, field: string): string {
  if (typeof value !== "string" || !/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/.test(value)) {
    throw v.bad(field, "an interface name of 1-15 letters, digits or _.- (starting with a letter)", value);
  }
  return value;
}

/**
 * The options of `POST /v1/world/access-points`: the simulator's one validator (`parseAccessPointOptions`), after
 * the daemon's stricter checks of hostile input (unknown fields, id pattern, name length, interface and device
 * names).
 */
function accessPointOptions(b: v.Json): SimAccessPointOptions {
  v.onlyKeys(b, ACCESS_POINT_OPTION_FIELDS);
  v.id(b.id, "id");
  if (b.name !== undefined) v.text(b.name, "name");
  if (b.interface !== undefined) ifName(b.interface, "interface");
  if (b.device !== undefined) ifName(b.device, "device");
  try {
    return parseAccessPointOptions(b, "body");
  } catch (error) {
    throw refusal(error, "body");
  }
}

/** The steps of `POST /v1/world/scenario`: at most 1000, in time order, each with a known action. */
function scenarioSteps(b: v.Json): v.Json[] {
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
  return b.steps as v.Json[];
}

/** The `/v1/world` routes (sim only). */
export function worldRoutes(ctx: RouteContext): Routes {
  const { daemon } = ctx;
  const app = routes();
  const seq = () => daemon.bus.seq;

  app.get("/", (c) => {
    const w = worldOf(daemon);
    return c.json({
      time: w.clock.now(),
      configurations: w.configurations(),
      usagePolicies: w.usagePolicies,
      defaultConfiguration: w.defaultConfiguration ?? null,
    });
  });

  app.post("/signal", async (c) => {
    const w = worldOf(daemon);
    const b = await body(ctx, c);
    v.onlyKeys(b, ["id", "signal"]);
    const id = v.id(b.id, "id");
    const signal = v.number(b.signal, "signal", 0, 100);
    knownAccessPoint(w, id, "id");
    await simCall(daemon, "id", () => w.setSignal(id, signal));
    return c.json({ configuration: w.configuration(id), seq: seq() });
  });

  app.post("/access-points", async (c) => {
    const w = worldOf(daemon);
    const options = accessPointOptions(await body(ctx, c));
    if (w.has(options.id)) {
      throw new DaemonError(409, "conflict", `the world already has a configuration '${options.id}'`, "id");
    }
    const configuration = await simCall(daemon, "id", () => w.addAccessPoint(options));
    return c.json({ configuration, seq: seq() }, 201);
  });

  app.delete("/access-points/:id", async (c) => {
    const w = worldOf(daemon);
    const id = v.id(c.req.param("id"), "id");
    knownAccessPoint(w, id, "id");
    await simCall(daemon, "id", () => w.removeAccessPoint(id));
    return c.json({ removed: id, seq: seq() });
  });

  app.post("/access-points/:id/link", async (c) => {
    const w = worldOf(daemon);
    const id = v.id(c.req.param("id"), "id");
    const b = await body(ctx, c);
    v.onlyKeys(b, ["up"]);
    const up = v.boolean(b.up, "up");
    knownAccessPoint(w, id, "id");
    await simCall(daemon, "up", () => up ? w.activateExternally(id) : w.deactivateExternally(id));
    return c.json({ configuration: w.configuration(id), seq: seq() });
  });

  app.post("/traffic", async (c) => {
    const w = worldOf(daemon);
    const b = await body(ctx, c);
    v.onlyKeys(b, ["id", "rx", "tx"]);
    const id = v.id(b.id, "id");
    const rx = b.rx === undefined ? 0 : v.number(b.rx, "rx", 0, 1e12, true);
    const tx = b.tx === undefined ? 0 : v.number(b.tx, "tx", 0, 1e12, true);
    knownAccessPoint(w, id, "id");
    await simCall(daemon, "id", () => w.traffic(id, { rx, tx }));
    daemon.publishStatistics();
    return c.json({ statistics: w.accessPoint(id), seq: seq() });
  });

  app.post("/policies", async (c) => {
    const w = worldOf(daemon);
    const b = await body(ctx, c);
    v.onlyKeys(b, ["policies"]);
    if (!Array.isArray(b.policies)) {
      throw v.bad("policies", 'an array such as ["no-background-traffic"] or []', b.policies);
    }
    const policies = b.policies.map((p, i) => v.oneOf(p, USAGE_POLICIES, `policies[${i}]`)) as UsagePolicy[];
    await simCall(daemon, "policies", () => w.setUsagePolicies(policies));
    return c.json({ usagePolicies: w.usagePolicies, seq: seq() });
  });

  app.post("/default", async (c) => {
    const w = worldOf(daemon);
    const b = await body(ctx, c);
    v.onlyKeys(b, ["id"]);
    const id = b.id === null ? undefined : v.id(b.id, "id");
    if (id !== undefined && !w.has(id)) {
      throw new DaemonError(404, "not-found", `no configuration '${id}' in the simulated world`, "id");
    }
    await simCall(daemon, "id", () => w.setDefault(id));
    return c.json({ defaultConfiguration: id ?? null, seq: seq() });
  });

  app.post("/scenario", async (c) => {
    const w = worldOf(daemon) as unknown as { play?: (scenario: unknown) => Promise<void> };
    const b = await body(ctx, c);
    if (typeof w.play !== "function") {
      throw new DaemonError(
        501,
        "not-implemented",
        "the simulator in this build has no scenario player (SimWorld.play); change the world with the other /v1/world routes",
      );
    }
    const steps = scenarioSteps(b);
    const id = randomId(16);
    daemon.bus.publish({ type: "scenario", id, status: "started" });
    daemon.playScenario({ ...b, steps }).then(
      () => daemon.bus.publish({ type: "scenario", id, status: "finished" }),
      (error) =>
        daemon.bus.publish({
          type: "scenario",
          id,
          status: "failed",
          message: (error as Error).message ?? "",
        }),
    );
    return c.json({ scenario: id, status: "started", seq: seq() }, 202);
  });

  return app;
}
