// The scenario player lets promise work settle in a few microtask turns (QUIET_TURNS in virtual_clock.ts)
// instead of real macrotasks. These tests hold that number to what the code needs: every shipped scenario
// plays with the longest quiet run of turns (before the clock was used again) at most half of it, and a
// chain that waits almost that long before it sets a timer still has its timer run in the same advance.
import assert from "node:assert/strict";
import { SimWorld, VirtualClock } from "./mod.ts";

const LONGEST_QUIET = Symbol.for("netsession.sim.longestQuiet");
const ADVANCE_IN_TURNS = Symbol.for("netsession.sim.advanceInTurns");
const QUIET_TURNS = 8;

type Internals = Record<symbol, number> & Record<symbol, (ms: number) => Promise<void>>;

Deno.test("every shipped scenario settles with quiet runs of at most half the player's quiet turns", async () => {
  const dir = new URL("../../tests/scenarios/", import.meta.url);
  const files = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".json")).map((e) => e.name);
  assert.ok(files.length >= 10, "the shipped scenarios are found");
  let longest = 0;
  for (const name of files) {
    const world = new SimWorld();
    const result = await world.play(await Deno.readTextFile(new URL(name, dir)));
    assert.equal(result.passed, true, `${name}: ${JSON.stringify(result.failures)}`);
    longest = Math.max(longest, (world.clock as unknown as Internals)[LONGEST_QUIET] as number);
  }
  assert.ok(longest >= 1, "the drains were measured");
  assert.ok(
    longest <= QUIET_TURNS / 2,
    `a promise chain waited ${longest} quiet turns before it used the clock: raise QUIET_TURNS in virtual_clock.ts`,
  );
});

Deno.test("a timer's promise chain that waits QUIET_TURNS - 1 turns before it sets a timer has it run in the same advance", async () => {
  const clock = new VirtualClock();
  const seen: string[] = [];
  clock.setTimeout(async () => {
    seen.push(`a@${clock.now()}`);
    for (let i = 0; i < QUIET_TURNS - 1; i++) await undefined; // quiet turns: nothing uses the clock
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 10);
  }, 100);
  clock.setTimeout(() => seen.push(`c@${clock.now()}`), 500);
  await (clock as unknown as Internals)[ADVANCE_IN_TURNS](1000);
  assert.deepEqual(seen, ["a@100", "b@110", "c@500"]);
  assert.equal(clock.now(), 1000);
});
