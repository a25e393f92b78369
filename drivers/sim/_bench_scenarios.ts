// The scenario the playback benchmarks play (drivers/sim/scenario_bench.ts, scripts/bench/scale.ts,
// scripts/bench/alloc.ts): an ALR session on a service network of LTE and WLAN, roaming on every step as WLAN's
// signal goes to 0 and back; and the plain-JS loop they are measured against.
import type { SimScenario } from "./scenario_types.ts";
import { SimWorld } from "./world.ts";
import { heapPop, heapPush } from "./_heap.ts";

/** A play of `steps` steps (even), each a roam of the session `app`. */
export function flappingScenario(steps: number): SimScenario {
  return {
    version: 1,
    world: {
      accessPoints: [{ id: "lte", bearer: "lte" }, { id: "wlan", bearer: "wlan" }],
      serviceNetworks: [{ id: "any", members: ["wlan", "lte"] }],
    },
    sessions: [{
      id: "app",
      configuration: "any",
      alr: true,
      auto: { preferred: "migrate", activated: "accept" },
    }],
    steps: [
      { at: 0, session: "app", do: "open" },
      {
        at: 1000,
        repeat: {
          every: 2000,
          times: steps / 2,
          steps: [
            { at: 0, action: "setSignal", id: "wlan", signal: 0 },
            { at: 1000, action: "setSignal", id: "wlan", signal: 90 },
          ],
        },
      },
    ],
  };
}

/**
 * The heap a flapping play of `steps` steps holds at each step of `marks` (bytes, after full collections,
 * against the heap just before the play, once a short play compiled the code); needs `--expose-gc`. Used by
 * `scripts/bench/scale.ts` and `tests/memory/long_play_test.ts`. The play's last step is its `steps + 1`th.
 */
export async function heapHeldDuringPlay(
  steps: number,
  marks: readonly number[],
): Promise<Map<number, number>> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("heapHeldDuringPlay needs --v8-flags=--expose-gc");
  const scenario = flappingScenario(steps);
  await new SimWorld().play(flappingScenario(1000), { timelineLimit: 0 });
  gc();
  gc();
  const before = Deno.memoryUsage().heapUsed;
  const held = new Map<number, number>();
  await new SimWorld().play(scenario, {
    timelineLimit: 0,
    onProgress: (done) => {
      if (!marks.includes(done)) return;
      gc();
      gc();
      held.set(done, Deno.memoryUsage().heapUsed - before);
    },
  });
  return held;
}

/**
 * The honest baseline: the same world mutations and callbacks as the scenario, in plain JS with a binary-heap
 * timer queue (the one the virtual clock uses, `_heap.ts`) and no framework. Each step changes wlan's signal.
 * Losing wlan (the session's link) tells the session (`roaming`, then lte offered); a better wlan coming back
 * offers wlan. The session's listener notes
 * every event and answers as the scenario's `auto` does: migrate starts the target's activation (a 100 ms timer,
 * and a 30 s time-out timer cleared when it completes); the activation tells `connected` (or, for a roam that
 * was not forced by a loss, `roaming` first) and `newConfigurationActivated`, accept lets the old link go (a
 * 50 ms deactivation timer, when it is still up). Four session events a step, as in the scenario.
 */
export function bareLoop(steps: number): number {
  const timers = new TimerQueue();
  const advance = (ms: number) => {
    const end = timers.now + ms;
    for (let t = timers.take(end); t !== undefined; t = timers.take(end)) t.fn();
    timers.now = end;
  };
  const world = flappingWorld(timers, (start, then) => start(then));
  for (let i = 0; i < steps; i++) {
    advance(1000);
    world.step(i);
  }
  advance(1000);
  return world.session.events;
}

/** The microtask turns the virtual clock's drain waits after each timer (`QUIET_TURNS` in `virtual_clock.ts`). */
const QUIET_TURNS = 8;
const SETTLED: Promise<void> = Promise.resolve();

/**
 * The floor of a play step under the driver contract: {@linkcode bareLoop}'s world and session, with what the
 * contract makes asynchronous done as the simulator must do it — an activation and a deactivation are answered
 * through a promise (the driver's), and after each timer and each step the drain waits its quiet microtask
 * turns so that promise work settles at the virtual time it belongs to. No records, no manager, no state
 * machine. Where this floor sits against {@linkcode bareLoop} shows how much of a target stated against the
 * plain loop the contract itself takes. Resolves to the session events (four a step, as in the scenario).
 */
export async function asyncFloorLoop(steps: number): Promise<number> {
  const timers = new TimerQueue();
  const drain = async () => {
    for (let i = 0; i < QUIET_TURNS; i++) await SETTLED;
  };
  const advance = async (ms: number) => {
    const end = timers.now + ms;
    await drain();
    for (let t = timers.take(end); t !== undefined; t = timers.take(end)) {
      t.fn();
      await drain();
    }
    timers.now = end;
  };
  // the driver's answer is a promise: what follows it runs a microtask later
  const world = flappingWorld(timers, (start, then) => void new Promise<void>(start).then(then));
  for (let i = 0; i < steps; i++) {
    await advance(1000);
    world.step(i);
  }
  await advance(1000);
  return world.session.events;
}

type Id = "lte" | "wlan";

/**
 * The world and session of the plain loops: lte and wlan, a session on lte whose listener notes every event and
 * answers as the scenario's `auto` does (see {@linkcode bareLoop}). `answer(start, then)` is how a driver's answer
 * reaches the session: `start(done)` does the work (timers) and calls `done`, then `then` runs — at once in the
 * plain loop, a microtask later through a promise in the floor.
 */
function flappingWorld(
  timers: TimerQueue,
  answer: (start: (done: () => void) => void, then: () => void) => void,
) {
  const aps = { lte: { signal: 50, up: true }, wlan: { signal: 50, up: false } };
  const session = { on: "lte" as Id, offered: undefined as Id | undefined, state: "connected", events: 0 };
  const log: string[] = [];
  const emit = (event: string) => {
    session.events++;
    if (log.length < 16) log.push(event);
    if (event === "preferredConfigurationChanged") migrate();
    else if (event === "newConfigurationActivated") accept();
  };
  const setState = (state: string) => {
    if (state === session.state) return;
    session.state = state;
    emit("stateChanged");
  };
  let from: Id = "lte";
  const migrate = () => {
    const to = session.offered!;
    answer((done) => {
      const timeout = timers.set(() => {}, 30_000);
      timers.set(() => {
        timeout.live = false;
        aps[to].up = true;
        done();
      }, 100);
    }, () => {
      from = session.on;
      session.on = to;
      session.offered = undefined;
      if (session.state !== "roaming") setState("roaming");
      emit("newConfigurationActivated");
    });
  };
  const accept = () => {
    setState("connected");
    const old = aps[from];
    if (old.up && from !== session.on) answer((done) => timers.set(done, 50), () => old.up = false);
  };
  /** Step `i`: wlan's signal goes to 0 (a session on wlan loses it: `roaming`, lte offered) or back to 90. */
  const step = (i: number) => {
    const signal = i % 2 === 0 ? 0 : 90;
    aps.wlan.signal = signal;
    if (signal === 0 && session.on === "wlan") {
      aps.wlan.up = false;
      setState("roaming");
      session.offered = "lte";
      emit("preferredConfigurationChanged");
    } else if (signal > 0 && session.on === "lte") {
      session.offered = "wlan";
      emit("preferredConfigurationChanged");
    }
  };
  return { session, step };
}

/** A timer of the plain loops. */
interface Timer {
  at: number;
  id: number;
  fn: () => void;
  live: boolean;
}

const earlier = (a: Timer, b: Timer) => a.at < b.at || (a.at === b.at && a.id < b.id);

/** The plain loops' timer queue: a binary heap (the one the virtual clock uses, `_heap.ts`) on (time, id). */
class TimerQueue {
  readonly #heap: Timer[] = [];
  #nextId = 0;
  /** The time of the last timer taken, or where an advance ended. */
  now = 0;

  /** A timer `ms` from now (cleared by setting `live` false: it leaves the heap when it reaches the top). */
  set(fn: () => void, ms: number): Timer {
    const t = { at: this.now + ms, id: this.#nextId++, fn, live: true };
    heapPush(this.#heap, t, earlier);
    return t;
  }

  /** The next live timer due by `end`, taken off the queue (`now` moves to its time), or undefined. */
  take(end: number): Timer | undefined {
    const heap = this.#heap;
    while (heap.length > 0 && heap[0].at <= end) {
      const t = heap[0];
      heapPop(heap, earlier);
      if (!t.live) continue;
      this.now = t.at;
      return t;
    }
    return undefined;
  }
}
