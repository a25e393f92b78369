/**
 * The demo world of the CLI when no daemon is named: the daemon's default world
 * (`server/default_world.ts`: unplugged Ethernet, home and office WLAN, metered LTE, in
 * the service network `internet`), with a scripted day that repeats (walk to the office, plug
 * in, walk out).
 *
 * @module
 */
import type { SimWorld } from "../drivers/sim/mod.ts";
import { createDefaultWorld } from "../server/default_world.ts";

/** The demo world: the daemon's default world (`netsession serve` shows the same one). */
export const createDemoWorld: (seed?: number) => SimWorld = createDefaultWorld;

/** One cycle of the demo day, in virtual milliseconds. */
export const DEMO_CYCLE_MS = 60_000;

/** The scripted day: signal changes at offsets within one cycle. */
const DAY: [at: number, id: string, signal: number][] = [
  [5_000, "office-wlan", 0], // the office WLAN out of range
  [10_000, "home-wlan", 15], // leaving home: the WLAN degrades, sessions roam to LTE
  [15_000, "home-wlan", 0], // out of range
  [25_000, "office-wlan", 85], // arriving at the office
  [35_000, "ethernet", 100], // cable plugged in
  [45_000, "ethernet", 0], // unplugged
  [50_000, "office-wlan", 0], // walking out
  [55_000, "home-wlan", 72], // home again
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
