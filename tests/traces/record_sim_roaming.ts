/**
 * Records `tests/traces/sim_roaming.jsonl` from the simulator:
 * `deno run -A tests/traces/record_sim_roaming.ts`.
 *
 * @module
 */
import { formatTrace, RecordingDriver } from "../../core/mod.ts";
import { SimDriver, SimWorld } from "../../drivers/sim/mod.ts";
import { roamingSession, roamingWorld } from "./_roaming_session.ts";

const world = new SimWorld({ seed: 1 });
roamingWorld(world);
const recording = new RecordingDriver(new SimDriver(world), {
  clock: world.clock,
  note: "tests/traces/_roaming_session.ts: open, external deactivation, carrier loss, ALR accept, reject",
});
const events = await roamingSession(recording, world.clock, world);
const trace = { ...recording.trace, recordedAt: "2025-01-01T00:00:00.000Z" }; // stable fixture
await Deno.writeTextFile(new URL("./sim_roaming.jsonl", import.meta.url), formatTrace(trace));
console.log(events.join("\n"));
