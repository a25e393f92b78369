// deno run -A --v8-flags=--expose-gc scripts/bench/core_memory.ts
// Memory per session: 100,000 idle sessions, then 100,000 opened on one configuration; heap bytes per session,
// then closes them and prints what is left (should be near zero: no leaked holders or listeners).
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { ap, FakeDriver } from "../../core/_fake_driver.ts";

const N = 100_000;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const heap = () => {
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
};

const manager = await NetworkConfigurationManager.create(new FakeDriver([ap("a")]));
const config = manager.configurationFromIdentifier("a");
const base = heap();
// Baseline in the same run: N bare objects in a Set (the least a lease table could cost).
const bare = new Set<object>();
for (let i = 0; i < N; i++) bare.add({ i });
const bareBytes = heap() - base;
bare.clear();

// Idle sessions: created, never opened, nobody listening (issue target: ≤ 400 B each).
const beforeIdle = heap();
let idle = [];
for (let i = 0; i < N; i++) idle.push(manager.createSession(config));
const idleBytes = heap() - beforeIdle;
if (idle.length !== N) throw new Error("lost idle sessions"); // keeps them alive across the measurement
idle = [];
console.log(
  `heap per idle session: ${(idleBytes / N).toFixed(0)} bytes (bare object in a Set: ${
    (bareBytes / N).toFixed(0)
  } bytes, ratio ${(idleBytes / bareBytes).toFixed(1)}x; target ≤ 400 bytes)`,
);

const before = heap();
let sessions = [];
for (let i = 0; i < N; i++) sessions.push(manager.createSession(config));
await Promise.all(sessions.map((s) => s.open()));
const open = heap() - before;
for (const s of sessions) s.close();
await new Promise((r) => setTimeout(r, 0));
sessions = [];
const after = heap() - before;
console.log(`sessions open: ${N}`);
console.log(
  `heap per open session: ${(open / N).toFixed(0)} bytes (bare object in a Set: ${
    (bareBytes / N).toFixed(0)
  } bytes, ratio ${(open / bareBytes).toFixed(1)}x)`,
);
console.log(
  `heap left after closing all: ${(after / 1024).toFixed(0)} KiB; holders left: ${manager.holdCount("a")}`,
);
