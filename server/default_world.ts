/**
 * The daemon's embedded simulated world, and the "lively" behaviour that
 * makes it move on its own (signals drift, links carry traffic), seeded so
 * that the same seed gives the same story.
 *
 * @module
 */

import { SimRandom, SimWorld } from "@netsession/sim";

/**
 * Builds the default world: Ethernet (cable unplugged: out of range), home
 * WLAN, office WLAN, metered LTE, and the seamless service network
 * `internet` (home WLAN over LTE), which is the default configuration.
 *
 * @example
 * ```ts
 * import { createDefaultWorld } from "@netsession/server";
 * const world = createDefaultWorld(7);
 * console.log(world.configurations().map((c) => c.identifier));
 * ```
 */
export function createDefaultWorld(seed = 1): SimWorld {
  const world = new SimWorld({ seed });
  world.addAccessPoint({
    id: "ethernet",
    name: "Wired (cable unplugged)",
    bearer: "ethernet",
    signal: 0,
    purpose: "private",
    activationMs: 300,
    interface: "eth0",
  });
  world.addAccessPoint({
    id: "home-wlan",
    name: "Home WLAN",
    bearer: "wlan",
    signal: 72,
    purpose: "private",
    activationMs: 600,
    interface: "wlan0",
  });
  world.addAccessPoint({
    id: "office-wlan",
    name: "Office WLAN",
    bearer: "wlan",
    signal: 35,
    purpose: "private",
    activationMs: 700,
    interface: "wlan1",
  });
  world.addAccessPoint({
    id: "lte",
    name: "LTE (metered)",
    bearer: "lte",
    signal: 60,
    metered: true,
    purpose: "public",
    activationMs: 1200,
    interface: "wwan0",
  });
  world.addServiceNetwork({
    id: "internet",
    name: "Internet (best available)",
    members: ["ethernet", "home-wlan", "office-wlan", "lte"],
    seamless: true,
  });
  world.setDefault("internet");
  return world;
}

/**
 * Options of {@linkcode makeLively}.
 *
 * @example
 * ```ts
 * import type { LivelyOptions } from "@netsession/server";
 * const o: LivelyOptions = { seed: 3, signalEveryMs: 4000 };
 * ```
 */
export interface LivelyOptions {
  /** Seed of the changes (default 1). */
  readonly seed?: number;
  /** Mean virtual milliseconds between signal changes (default 5000). */
  readonly signalEveryMs?: number;
  /** Virtual milliseconds between traffic bursts on active links (default 1000). */
  readonly trafficEveryMs?: number;
}

/**
 * Makes a world move by itself on its virtual clock: every few seconds a
 * wireless access point's signal drifts (sometimes out of range and back),
 * and active links carry some traffic. Deterministic for a seed. Returns a
 * function that stops it.
 *
 * @example
 * ```ts
 * import { createDefaultWorld, makeLively } from "@netsession/server";
 * const world = createDefaultWorld();
 * const stop = makeLively(world, { seed: 1 });
 * await world.advance(20_000);
 * stop();
 * ```
 */
export function makeLively(world: SimWorld, options: LivelyOptions = {}): () => void {
  const random = new SimRandom(options.seed ?? 1);
  const every = options.signalEveryMs ?? 5000;
  const trafficEvery = options.trafficEveryMs ?? 1000;
  let stopped = false;
  let signalTimer: unknown;
  let trafficTimer: unknown;
  const drift = () => {
    if (stopped) return;
    const wireless = world.configurations().filter((c) =>
      c.type === "internet-access-point" && c.bearerType !== "ethernet"
    );
    if (wireless.length > 0) {
      const ap = random.pick(wireless);
      const now = ap.signal ?? 0;
      let next: number;
      if (now === 0) next = random.int(25, 60); // back in range
      else if (random.chance(0.08)) next = 0; // walked out of range
      else next = Math.max(5, Math.min(100, now + random.int(-18, 18)));
      try {
        world.setSignal(ap.identifier, next);
      } catch {
        // removed meanwhile
      }
    }
    signalTimer = world.clock.setTimeout(drift, Math.round(every * (0.5 + random.next())));
  };
  const traffic = () => {
    if (stopped) return;
    for (const c of world.configurations()) {
      if (c.type !== "internet-access-point" || c.state !== "active") continue;
      const scale = c.bearerType === "lte" ? 40_000 : 250_000;
      try {
        world.traffic(c.identifier, {
          rx: Math.round(scale * (0.2 + random.next())),
          tx: Math.round(scale * 0.15 * random.next()),
        });
      } catch {
        // went down meanwhile
      }
    }
    trafficTimer = world.clock.setTimeout(traffic, trafficEvery);
  };
  signalTimer = world.clock.setTimeout(drift, every);
  trafficTimer = world.clock.setTimeout(traffic, trafficEvery);
  return () => {
    stopped = true;
    world.clock.clearTimeout(signalTimer);
    world.clock.clearTimeout(trafficTimer);
  };
}
