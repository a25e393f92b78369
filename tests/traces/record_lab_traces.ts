/**
 * Records `tests/traces/lab_alr_accept_reject.jsonl` and `tests/traces/lab_deactivation_carrier_loss.jsonl`
 * from the real NetworkManager lab (root and `network-manager` needed; `scripts/lab/lab.ts`):
 * `deno run -A tests/traces/record_lab_traces.ts`. Prints the session events of each live run.
 *
 * @module
 */
import { formatTrace } from "../../core/mod.ts";
import { recordLabScript } from "../linux/_fidelity.ts";
import { ALR_ACCEPT_REJECT, DEACTIVATION_CARRIER_LOSS, replayLabScript } from "./_lab_sessions.ts";

for (const script of [ALR_ACCEPT_REJECT, DEACTIVATION_CARRIER_LOSS]) {
  const { trace, log } = await recordLabScript(script);
  const replayed = await replayLabScript(trace, script);
  if (JSON.stringify(replayed) !== JSON.stringify(log)) {
    const kept = await Deno.makeTempFile({ suffix: `_${script.fixture}` });
    await Deno.writeTextFile(kept, formatTrace(trace));
    console.error(
      `${script.fixture}: the replay differs from the live run; not written (the trace: ${kept})`,
    );
    console.error(`live:   ${log.join(", ")}\nreplay: ${replayed.join(", ")}`);
    Deno.exit(1);
  }
  const stable = { ...trace, recordedAt: "2025-01-01T00:00:00.000Z" }; // stable fixture
  await Deno.writeTextFile(new URL(`./${script.fixture}`, import.meta.url), formatTrace(stable));
  console.log(`${script.fixture} (${trace.entries.length} entries):\n  ${log.join("\n  ")}`);
}
