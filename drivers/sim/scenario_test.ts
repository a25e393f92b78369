import assert from "node:assert/strict";
import { describe, setup } from "./_helpers_test.ts";

Deno.test("play runs each step at its virtual time, then runs to the duration", async () => {
  const { world, events } = await setup();
  const seen: string[] = [];
  world.clock.setTimeout(
    () => seen.push(`signal ${world.configuration("wlan").signal} @${world.clock.now()}`),
    750,
  );
  await world.play(JSON.stringify({
    name: "fade",
    steps: [
      { at: 0, action: "addAccessPoint", id: "wlan", signal: 90 },
      { at: 0, action: "addAccessPoint", id: "lte", bearer: "lte" },
      { at: 0, action: "addServiceNetwork", id: "sn", members: ["wlan", "lte"] },
      { at: 500, action: "setSignal", id: "wlan", signal: 40 },
      { at: 1000, action: "setSignal", id: "wlan", signal: 0 },
      { at: 1000, action: "setDefault", id: "lte" },
    ],
    duration: 3000,
  }));
  assert.equal(world.clock.now(), 3000);
  assert.deepEqual(seen, ["signal 40 @750"]);
  assert.deepEqual(describe(events), [
    "added:wlan:discovered",
    "added:lte:discovered",
    "added:sn:discovered",
    "changed:wlan:discovered",
    "changed:wlan:defined",
    "default:lte",
  ]);
});

Deno.test("play checks the scenario's shape before running anything and names the step and field", async () => {
  const { world } = await setup();
  await assert.rejects(
    world.play({ steps: [{ at: 0, action: "explode" }] } as never),
    /steps\[0\] \(at 0\) \.action: expected one of addAccessPoint, .*got "explode"/,
  );
  await assert.rejects(
    world.play({
      steps: [{ at: 10, action: "addUserChoice", id: "a" }, { at: 5, action: "addUserChoice", id: "b" }],
    }),
    /steps\[1\] \(at 5\) \.at: 5 is before the previous step's 10/,
  );
  await assert.rejects(world.play("{}"), /steps: expected an array of steps/);
  assert.equal(world.has("a"), false, "nothing ran");
  await assert.rejects(
    world.play({ name: "bad", steps: [{ at: 20, action: "setSignal", id: "ghost", signal: 3 }] }),
    /steps\[0\] \(at 20\) \.id: unknown access point 'ghost'/,
  );
});
