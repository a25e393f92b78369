// deno bench -A core/session_bench.ts
// Session open/close cost on one configuration against a bare stand-in (an object, two Sets, a promise, two
// emits) and the least the contract requires of it (the floor), and event dispatch per listener against a bare
// EventTarget, each baseline measured in the same run (deno bench prints the ratios of each group against its
// baseline).
import { leastOpenClose, standInOpenClose } from "./_bench_baselines.ts";
import { ap, FakeDriver } from "./_fake_driver.ts";
import { Emitter } from "./emitter.ts";
import { NetworkConfigurationManager } from "./manager.ts";

const LISTENERS = 10;

const target = new EventTarget();
let sink = 0;
for (let i = 0; i < LISTENERS; i++) target.addEventListener("state", () => sink++);
const event = new Event("state");
Deno.bench({
  name: `EventTarget dispatch to ${LISTENERS} listeners`,
  group: "dispatch",
  baseline: true,
  fn: () => {
    target.dispatchEvent(event);
  },
});

const emitter = new Emitter<{ state: (s: string) => void }>();
for (let i = 0; i < LISTENERS; i++) emitter.on("state", () => sink++);
Deno.bench({
  name: `Emitter emit to ${LISTENERS} listeners`,
  group: "dispatch",
  fn: () => {
    emitter.emit("state", "connected");
  },
});

const driver = new FakeDriver([ap("a")]);
const manager = await NetworkConfigurationManager.create(driver);
const config = manager.configurationFromIdentifier("a");
const keeper = manager.createSession(config);
await keeper.open(); // the link stays up: measures the session counter, not the driver

Deno.bench({
  name: "bare stand-in: an object, two Sets, a promise, two emits",
  group: "open-close",
  baseline: true,
  async fn() {
    await standInOpenClose();
  },
});

Deno.bench({
  name: "floor: the least the contract requires (index, lease table, clock, counters; no machine)",
  group: "open-close",
  async fn() {
    await leastOpenClose();
  },
});

Deno.bench({
  name: "Set add+delete (one lease)",
  group: "open-close",
  fn: () => {
    const s = new Set<object>();
    const o = {};
    s.add(o);
    s.delete(o);
  },
});

Deno.bench({
  name: "open() + close() of one session on an active configuration",
  group: "open-close",
  async fn() {
    const s = manager.createSession(config);
    await s.open();
    s.close();
  },
});

Deno.bench({
  name: "100,000 sessions opened then closed on one configuration",
  group: "bulk",
  n: 3,
  warmup: 1,
  async fn() {
    const sessions = [];
    for (let i = 0; i < 100_000; i++) sessions.push(manager.createSession(config));
    await Promise.all(sessions.map((s) => s.open()));
    for (const s of sessions) s.close();
  },
});

globalThis.addEventListener("unload", () => {
  if (sink < 0) console.log(sink);
});
