/**
 * The demo world used by the CLI when no driver is named: a laptop with an
 * unplugged Ethernet port, home and office WLAN, and metered LTE, grouped in a
 * service network, with a scripted day that repeats (walk to the office, plug
 * in, walk out).
 *
 * @module
 */
import { SimWorld } from "../drivers/sim/mod.ts";

/** One cycle of the demo day, in virtual milliseconds. */
export const DEMO_CYCLE_MS = 60_000;

/** Builds the demo world. */
export function createDemoWorld(seed = 1): SimWorld {
  const world = new SimWorld({ seed });
  world.addAccessPoint({ id: "eth", name: "Ethernet", bearer: "ethernet", signal: 0, interface: "eth0" });
  world.addAccessPoint({
    id: "office-wlan",
    name: "Office WLAN",
    bearer: "wlan",
    signal: 0,
    interface: "wlan0",
  });
  world.addAccessPoint({
    id: "home-wlan",
    name: "Home WLAN",
    bearer: "wlan",
    signal: 80,
    interface: "wlan1",
  });
  world.addAccessPoint({
    id: "lte",
    name: "LTE",
    bearer: "lte",
    signal: 70,
    metered: true,
    interface: "wwan0",
  });
  world.addServiceNetwork({
    id: "auto",
    name: "Automatic",
    members: ["eth", "office-wlan", "home-wlan", "lte"],
  });
  return world;
}

/** The scripted day: signal changes at offsets within one cycle. */
const DAY: [at: number, id: string, signal: number][] = [
  [10_000, "home-wlan", 15], // leaving home: the WLAN degrades
  [15_000, "home-wlan", 0], // out of range: sessions roam to LTE
  [25_000, "office-wlan", 85], // arriving at the office
  [35_000, "eth", 100], // cable plugged in
  [45_000, "eth", 0], // unplugged
  [50_000, "office-wlan", 0], // walking out
  [55_000, "home-wlan", 80], // home again
];

/**
 * Plays the demo day forever on the world's clock (every `DEMO_CYCLE_MS`).
 * Returns a function that stops it.
 */
export function animateDemoWorld(world: SimWorld): () => void {
  let stopped = false;
  const handles: unknown[] = [];
  const schedule = (cycleStart: number) => {
    if (stopped) return;
    for (const [at, id, signal] of DAY) {
      handles.push(world.clock.setTimeout(() => {
        if (!stopped) world.setSignal(id, signal);
      }, cycleStart + at - world.clock.now()));
    }
    handles.push(
      world.clock.setTimeout(
        () => schedule(cycleStart + DEMO_CYCLE_MS),
        cycleStart + DEMO_CYCLE_MS - world.clock.now(),
      ),
    );
  };
  schedule(world.clock.now());
  return () => {
    stopped = true;
    for (const h of handles) world.clock.clearTimeout(h);
  };
}
