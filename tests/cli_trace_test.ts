import assert from "node:assert/strict";
import { parseTrace } from "../core/mod.ts";
import { parseScenario } from "../drivers/sim/mod.ts";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../scripts/netsession.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const FIXTURE = new URL("./traces/sim_roaming.jsonl", import.meta.url).pathname;

Deno.test("netsession record --driver sim writes a trace of the demo world; sim replay and from-trace read it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/day.jsonl`;
    const r = await run(["record", "--duration", "20000", "--session", "internet", "--out", file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /entries written to/);
    const trace = parseTrace(await Deno.readTextFile(file));
    assert.equal(trace.driver, "sim");
    assert.deepEqual(
      trace.entries.filter((e) => "call" in e).map((e) => "call" in e && `${e.call} ${e.identifier}`),
      [
        "activate home-wlan",
        "activate lte",
        "deactivate home-wlan",
      ],
    );
    const replay = await run(["sim", "replay", file, "--json", "--session", "internet"]);
    assert.equal(replay.code, 0, replay.stderr);
    const lines = replay.stdout.trim().split("\n").map((l) => JSON.parse(l));
    const session = lines.filter((e) => e.event === "session").map((e) =>
      `${e.at} ${e.state}@${e.accessPoint}`
    );
    assert.deepEqual(session, [
      "0 connecting@-",
      "600 connected@home-wlan",
      "10000 roaming@home-wlan",
      "11200 connected@lte",
    ]);
    assert.ok(
      lines.some((e) => e.event === "configuration" && e.id === "office-wlan" && e.state === "defined"),
    );
    const scenarioFile = `${dir}/day.json`;
    const s = await run(["sim", "from-trace", file, "--out", scenarioFile]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stderr, /note: 0 ms: the application called activate\('home-wlan'\): ok after 600 ms/);
    parseScenario(await Deno.readTextFile(scenarioFile));
    const played = await run(["sim", "run", scenarioFile]);
    assert.equal(played.code, 0, played.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netsession sim replay prints the fixture's configuration timeline (text and JSON)", async () => {
  const text = await run(["sim", "replay", FIXTURE]);
  assert.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trimEnd().split("\n");
  assert.match(lines[0], /^\s+0\.400s {2}online\s+online=true$/);
  assert.ok(lines.some((l) => /1\.000s {2}configuration\s+id=lte state=discovered/.test(l)), text.stdout);
  const json = await run(["sim", "replay", FIXTURE, "--json"]);
  const events = json.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(events.filter((e) => e.id === "wlan").map((e) => `${e.at} ${e.state}`), [
    "3000 discovered",
    "3200 active",
    "5000 defined",
    "7000 discovered",
    "7200 active",
    "7250 discovered",
  ]);
});

Deno.test("netsession sim replay / from-trace: a bad trace gives its line and message, exit code 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lines = (await Deno.readTextFile(FIXTURE)).split("\n");
    lines[3] = '{"at":400,"event":{"type":"teleported"}}';
    await Deno.writeTextFile(`${dir}/bad.jsonl`, lines.join("\n"));
    for (const command of ["replay", "from-trace"]) {
      const r = await run(["sim", command, `${dir}/bad.jsonl`]);
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        new RegExp(`netsession sim ${command}: .*bad\\.jsonl: line 4: event\\.type: expected one of`),
      );
    }
    const missing = await run(["sim", "replay", `${dir}/none.jsonl`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read/);
    const usage = await run(["sim", "replay"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: netsession sim replay FILE/);
    const badDriver = await run(["record", "--driver", "windows"]);
    assert.equal(badDriver.code, 2);
    assert.match(badDriver.stderr, /--driver windows: use sim or linux/);
    const badDuration = await run(["record", "--duration", "soon"]);
    assert.equal(badDuration.code, 2);
    const help = await run(["help"]);
    assert.match(help.stdout, /record \[--driver sim\|linux\]/);
    assert.match(help.stdout, /sim replay FILE/);
    assert.match(help.stdout, /sim from-trace FILE/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "netsession record --url records a daemon through RemoteDriver (in real time)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { serveFake } = await import("./server/_fake_daemon.ts");
    const f = await serveFake();
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/token`, f.token);
      const args = [
        "--url",
        f.url,
        "--token-file",
        `${dir}/token`,
        "--duration",
        "1500",
        "--session",
        "wlan",
      ];
      const r = await run(["record", ...args, "--out", `${dir}/remote.jsonl`]);
      assert.equal(r.code, 0, r.stderr);
      const trace = parseTrace(await Deno.readTextFile(`${dir}/remote.jsonl`));
      assert.equal(trace.driver, "remote");
      assert.ok(trace.snapshot.configurations.some((c) => c.identifier === "wlan"));
      assert.ok(trace.entries.some((e) => "call" in e && e.call === "activate" && e.identifier === "wlan"));
      const both = await run(["record", "--url", f.url, "--driver", "linux"]);
      assert.equal(both.code, 2);
      assert.match(both.stderr, /--url records a daemon: leave out --driver/);
    } finally {
      await f.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
