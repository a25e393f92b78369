// Issue 14's fidelity check: a session script (open on a service network, external deactivation, carrier loss,
// ALR accept and reject) runs against the real NetworkManager lab while a RecordingDriver records it; the trace,
// written as JSON Lines to a temp file and read back, replays on a ReplayDriver on a virtual clock under the same
// application half (tests/traces/_lab_sessions.ts), and the application sees the same session events in the same
// order (states, opened/closed, errors, losing, roaming events). Times differ between live and replay: sequences
// are compared, not times. The world half (tests/linux/_fidelity.ts) happens only live.
// Skipped with the reason printed only when the lab cannot start here; under CI=true it runs.
import assert from "node:assert/strict";
import { formatTrace, parseTrace } from "../../core/mod.ts";
import { labSkipReason } from "../../scripts/lab/lab.ts";
import {
  ALR_ACCEPT_REJECT,
  DEACTIVATION_CARRIER_LOSS,
  type LabScript,
  replayLabScript,
} from "../traces/_lab_sessions.ts";
import { recordLabScript } from "./_fidelity.ts";

const skip = await labSkipReason("tests/linux/fidelity_test.ts");
const opts = { ignore: skip !== undefined, sanitizeOps: false, sanitizeResources: false };

async function fidelity(script: LabScript, mustSee: readonly string[]): Promise<void> {
  const live = await recordLabScript(script);
  for (const e of mustSee) assert.ok(live.log.includes(e), `live: no ${e} in ${live.log.join(", ")}`);
  const file = await Deno.makeTempFile({ suffix: ".jsonl" });
  await Deno.writeTextFile(file, formatTrace(live.trace));
  const trace = parseTrace(await Deno.readTextFile(file));
  assert.equal(trace.driver, "networkmanager");
  assert.deepEqual(trace.entries, JSON.parse(JSON.stringify(live.trace.entries))); // undefined fields drop
  const replayed = await replayLabScript(trace, script);
  // On a difference the trace file stays, named in the message.
  assert.deepEqual(
    replayed,
    live.log,
    `live and replay differ (trace kept at ${file})\nlive:   ${live.log.join(", ")}\nreplay: ${
      replayed.join(", ")
    }`,
  );
  await Deno.remove(file);
}

Deno.test({
  ...opts,
  name:
    "fidelity: ALR accept, a carrier loss's offer, reject — live on NetworkManager and replayed, same events",
  fn: () =>
    fidelity(ALR_ACCEPT_REJECT, [
      "opened@lab-b",
      "preferredConfigurationChanged:lab-a",
      "preferredConfigurationChanged:lab-b",
      "newConfigurationActivated",
      "closed",
    ]),
});

Deno.test({
  ...opts,
  name:
    "fidelity: external deactivation, reopen, carrier loss — live on NetworkManager and replayed, same events",
  fn: () =>
    fidelity(DEACTIVATION_CARRIER_LOSS, [
      "error:session-aborted",
      "preferredConfigurationChanged:lab-b",
      "stateChanged:connected@lab-b",
      "closed",
    ]),
});
