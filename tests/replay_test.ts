import assert from "node:assert/strict";
import { formatTrace, parseTrace, RecordingDriver } from "../core/mod.ts";
import { ReplayDriver, SimDriver, SimWorld, VirtualClock } from "../drivers/sim/mod.ts";
import { roamingSession, roamingWorld } from "./traces/_roaming_session.ts";

const EXPECTED = [
  "0 stateChanged:connecting",
  "400 stateChanged:connected",
  "400 opened",
  "1000 losing:50",
  "1000 stateChanged:disconnected",
  "1000 error:session-aborted",
  "1000 closed",
  "2000 stateChanged:connecting",
  "2400 stateChanged:connected",
  "2400 opened",
  "3000 preferredConfigurationChanged:wlan",
  "3000 stateChanged:roaming",
  "3200 newConfigurationActivated",
  "3200 stateChanged:connected",
  "5000 stateChanged:roaming",
  "5000 preferredConfigurationChanged:lte",
  "5400 stateChanged:connected",
  "5400 newConfigurationActivated",
  "7000 preferredConfigurationChanged:wlan",
  "7000 stateChanged:roaming",
  "7200 newConfigurationActivated",
  "7200 stateChanged:connected",
  "9000 stateChanged:closing",
  "9050 stateChanged:disconnected",
  "9050 closed",
];

Deno.test("sim → record → replay: the application sees the same session events (ALR accept and reject, external deactivation, carrier loss)", async () => {
  const world = new SimWorld({ seed: 3 });
  roamingWorld(world);
  const recording = new RecordingDriver(new SimDriver(world), { clock: world.clock });
  const live = await roamingSession(recording, world.clock, world);
  assert.deepEqual(live, EXPECTED);
  const trace = parseTrace(formatTrace(recording.trace));
  const clock = new VirtualClock(12_345); // the replay's clock need not start where the recording's did
  const replayed = await roamingSession(new ReplayDriver(trace, { clock }), clock);
  assert.deepEqual(replayed, live);
});

Deno.test("the fixture tests/traces/sim_roaming.jsonl replays to the recorded session events", async () => {
  const trace = parseTrace(await Deno.readTextFile(new URL("./traces/sim_roaming.jsonl", import.meta.url)));
  assert.equal(trace.driver, "sim");
  const clock = new VirtualClock();
  assert.deepEqual(await roamingSession(new ReplayDriver(trace, { clock }), clock), EXPECTED);
});

Deno.test("ReplayDriver: a call the trace cannot answer rejects with operation-not-supported, saying what to do", async () => {
  const trace = parseTrace(await Deno.readTextFile(new URL("./traces/sim_roaming.jsonl", import.meta.url)));
  const clock = new VirtualClock();
  const driver = new ReplayDriver(trace, { clock });
  await driver.start(() => {});
  await assert.rejects(driver.scan(), (e: Error & { code: string }) => {
    assert.equal(e.code, "operation-not-supported");
    assert.match(
      e.message,
      /no answer for scan\(\) \(it recorded 0 such calls, all used\); record a trace that includes it/,
    );
    return true;
  });
  const first = driver.activate("wlan");
  const second = driver.activate("wlan");
  const third = driver.activate("wlan").catch((e) => e);
  await clock.advance(200);
  await Promise.all([first, second]);
  assert.match(
    (await third).message,
    /no answer for activate\('wlan'\) \(it recorded 2 such calls, all used\)/,
  );
  await driver.close();
});

Deno.test("ReplayDriver: events at their offsets, failures with the recorded code, abort, reachability, close", async () => {
  const wlan = {
    identifier: "wlan",
    name: "wlan",
    type: "internet-access-point" as const,
    state: "discovered" as const,
    purpose: "unknown" as const,
    bearerType: "wlan" as const,
    metered: false,
  };
  const trace = {
    version: 1,
    driver: "networkmanager",
    snapshot: { configurations: [wlan], capabilities: [], usagePolicies: [] },
    entries: [
      {
        at: 10,
        call: "activate" as const,
        identifier: "wlan",
        ms: 90,
        outcome: { ok: false as const, error: "unknown" as const, message: "secrets were required" },
      },
      { at: 100, call: "activate" as const, identifier: "wlan", ms: 300, outcome: { ok: true as const } },
      {
        at: 400,
        event: {
          type: "configuration-changed" as const,
          configuration: { ...wlan, state: "active" as const, reachability: "site" as const },
        },
      },
      { at: 500, call: "activate" as const, identifier: "wlan", ms: 500, outcome: { ok: true as const } },
    ],
  };
  const clock = new VirtualClock();
  const driver = new ReplayDriver(trace, { clock });
  assert.equal(driver.name, "replay:networkmanager");
  assert.equal(driver.durationMs, 1000);
  const seen: string[] = [];
  const snapshot = await driver.start((e) => seen.push(`${clock.now()} ${e.type}`));
  assert.deepEqual(snapshot, trace.snapshot);
  assert.equal(await driver.checkReachability("wlan"), "disconnected");
  await assert.rejects(driver.checkReachability("nope"), /no configuration 'nope'/);
  const failed = driver.activate("wlan").catch((e) => `${clock.now()} ${e.code}: ${e.message}`);
  await clock.advance(90);
  assert.equal(await failed, "90 unknown: secrets were required");
  const up = driver.activate("wlan").then(() => `${clock.now()} ok`);
  await clock.advance(300);
  assert.equal(await up, "390 ok"); // after its recorded duration, the event comes on its own offset
  await clock.advance(10);
  assert.deepEqual(seen, ["400 configuration-changed"]);
  assert.equal(await driver.checkReachability("wlan"), "site");
  const abort = new AbortController();
  const cancelled = driver.activate("wlan", { signal: abort.signal }).catch((e) => e.code);
  abort.abort();
  assert.equal(await cancelled, "session-aborted");
  await driver.close();
  await clock.runAll();
  assert.throws(() => new ReplayDriver(trace, {} as never), /clock must be a VirtualClock/);
});

Deno.test("drivers/sim/README.md#record-and-replay: the replay test example passes as written", async () => {
  const root = new URL("../", import.meta.url);
  const readme = await Deno.readTextFile(new URL("drivers/sim/README.md", root));
  const section = readme.slice(readme.indexOf("## Record and replay"), readme.indexOf("## Where things are"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1];
  const file = new URL(`tests/.replay_example_${crypto.randomUUID()}_test.ts`, root);
  await Deno.writeTextFile(file, code);
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", file.pathname],
      cwd: root.pathname,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const dec = new TextDecoder();
    assert.equal(out.code, 0, dec.decode(out.stdout) + dec.decode(out.stderr));
    assert.match(dec.decode(out.stdout), /1 passed/);
  } finally {
    await Deno.remove(file);
  }
});
