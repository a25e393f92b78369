// `netsession record --driver linux` against a real private NetworkManager (scripts/lab), then `netsession sim
// replay` of what it wrote: the CLI's record → replay on the third source (the simulator and a daemon are in
// tests/cli_trace_test.ts). Skipped with the reason printed only when the lab cannot start; under CI=true it runs.
import assert from "node:assert/strict";
import { parseTrace } from "../../core/mod.ts";
import { labSkipReason, startLab } from "../../scripts/lab/lab.ts";

const skip = await labSkipReason("tests/linux/cli_record_test.ts");
const cli = new URL("../../scripts/netsession.ts", import.meta.url).pathname;

async function run(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name:
    "netsession record --driver linux records a session on the lab's NetworkManager; sim replay plays it back",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const lab = await startLab({ accessPoints: 1 });
    const dir = await Deno.makeTempDir({ prefix: "netsession-record-linux-" });
    try {
      const a = lab.uuids["lab-a"];
      const rec = await run(
        ["record", "--driver", "linux", "--session", a, "--duration", "2500", "--out", `${dir}/lab.jsonl`],
        { DBUS_SYSTEM_BUS_ADDRESS: lab.busAddress },
      );
      assert.equal(rec.code, 0, rec.stderr);
      const trace = parseTrace(await Deno.readTextFile(`${dir}/lab.jsonl`));
      assert.equal(trace.driver, "networkmanager");
      assert.ok(trace.snapshot.configurations.some((c) => c.identifier === a));
      const call = trace.entries.find((e) => "call" in e && e.call === "activate" && e.identifier === a);
      assert.ok(
        call && "outcome" in call && call.outcome.ok,
        "the session's activation is recorded, and it worked",
      );
      assert.ok(
        trace.entries.some((e) => "event" in e && e.event.type === "configuration-changed"),
        "NetworkManager's changes are recorded",
      );
      const replay = await run(["sim", "replay", `${dir}/lab.jsonl`, "--json", "--session", a]);
      assert.equal(replay.code, 0, replay.stderr);
      const lines = replay.stdout.trim().split("\n").map((l) => JSON.parse(l));
      assert.ok(lines.some((l) => l.event === "opened"), replay.stdout);
    } finally {
      await Deno.remove(dir, { recursive: true });
      await lab.stop();
    }
  },
});
