// The lab traces of issue 14's fidelity check (tests/traces/lab_*.jsonl, recorded from the real NetworkManager
// lab by tests/traces/record_lab_traces.ts, and one kept from a fidelity run that failed on a loaded machine)
// replay, under the same application half that ran live (tests/traces/_lab_sessions.ts), to these session
// events. Needs no lab: it runs everywhere.
import assert from "node:assert/strict";
import { parseTrace } from "../core/mod.ts";
import {
  ALR_ACCEPT_REJECT,
  DEACTIVATION_CARRIER_LOSS,
  type LabScript,
  replayLabScript,
} from "./traces/_lab_sessions.ts";

async function fixture(script: LabScript) {
  const trace = parseTrace(await Deno.readTextFile(new URL(`./traces/${script.fixture}`, import.meta.url)));
  assert.equal(trace.driver, "networkmanager");
  assert.equal(trace.recordedAt, "2025-01-01T00:00:00.000Z");
  assert.equal(trace.note, script.note);
  const names = trace.snapshot.configurations.map((c) => c.name).sort();
  assert.deepEqual(names, ["Office", "lab-a", "lab-b"]);
  return trace;
}

Deno.test("lab trace lab_alr_accept_reject.jsonl: ALR accept, a carrier loss's offer accepted, then reject", async () => {
  const trace = await fixture(ALR_ACCEPT_REJECT);
  assert.deepEqual(await replayLabScript(trace, ALR_ACCEPT_REJECT), [
    "stateChanged:connecting",
    "stateChanged:connected@lab-b", // lab-a out of range
    "opened@lab-b",
    "preferredConfigurationChanged:lab-a", // lab-a back → migrate
    "stateChanged:roaming",
    "newConfigurationActivated", // → accept
    "stateChanged:connected@lab-a",
    "stateChanged:roaming", // lab-a's carrier lost
    "preferredConfigurationChanged:lab-b", // → migrate
    "stateChanged:connected@lab-b",
    "newConfigurationActivated", // → accept
    "preferredConfigurationChanged:lab-a", // lab-a back → migrate
    "stateChanged:roaming",
    "newConfigurationActivated", // → reject
    "stateChanged:connected@lab-b",
    "stateChanged:closing", // lab-a down again → close
    "stateChanged:disconnected",
    "closed",
  ]);
});

Deno.test("lab trace lab_deactivation_carrier_loss.jsonl: external deactivation aborts, reopen, carrier loss roams", async () => {
  const trace = await fixture(DEACTIVATION_CARRIER_LOSS);
  assert.deepEqual(await replayLabScript(trace, DEACTIVATION_CARRIER_LOSS), [
    "stateChanged:connecting",
    "stateChanged:connected@lab-a", // lab-b out of range
    "opened@lab-a",
    "losing", // nmcli connection down lab-a
    "stateChanged:disconnected",
    "error:session-aborted",
    "closed", // → open again
    "stateChanged:connecting",
    "stateChanged:connected@lab-a",
    "opened@lab-a",
    "stateChanged:roaming", // lab-b back, then lab-a's carrier lost
    "preferredConfigurationChanged:lab-b", // → migrate
    "stateChanged:connected@lab-b",
    "newConfigurationActivated", // → accept → close
    "stateChanged:closing",
    "stateChanged:disconnected",
    "closed",
  ]);
});

Deno.test("lab trace lab_alr_accept_reject_loaded.jsonl: a replayed answer does not overtake an event recorded before it", async () => {
  // Recorded on a loaded machine: close() came 6 ms after lab-a's loss, and lab-b's down event 1.8 ms before the
  // answer to its deactivation. In replay close() comes at once, so the answer, if it only waited its recorded
  // 31 ms, would come before that event: the session would be told closed on a link still up, then disconnected.
  const trace = parseTrace(
    await Deno.readTextFile(new URL("./traces/lab_alr_accept_reject_loaded.jsonl", import.meta.url)),
  );
  const log = await replayLabScript(trace, ALR_ACCEPT_REJECT);
  assert.deepEqual(log.slice(-3), ["stateChanged:closing", "stateChanged:disconnected", "closed"]);
  assert.equal(log.length, 18, log.join(", "));
});
