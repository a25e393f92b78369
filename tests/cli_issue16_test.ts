// Issue 16 as a new user met it: help, which world, list's formats, sessions for scripts, exit codes,
// completion, scenario errors with line:column, serve --scenario refused before listening.
import assert from "node:assert/strict";

const CLI = new URL("../scripts/netsession.ts", import.meta.url).pathname;
const dec = new TextDecoder();

async function run(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CLI, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** An environment where no daemon can be found. */
async function nowhere(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await Deno.makeTempDir({ prefix: "netsession-i16-" });
  return {
    dir,
    env: {
      NETSESSION_SOCKET: `${dir}/none.sock`,
      NETSESSION_URL: "http://127.0.0.1:1",
      XDG_RUNTIME_DIR: dir,
    },
  };
}

Deno.test("every command has --help (exit 0); bare netsession and help print usage with exit 0", async () => {
  for (
    const args of [
      [],
      ["help"],
      ["--help"],
      ["list", "--help"],
      ["monitor", "--help"],
      ["sim", "--help"],
      [
        "sim",
        "run",
        "--help",
      ],
      ["session", "--help"],
      ["serve", "--help"],
      ["record", "--help"],
      ["completion", "--help"],
    ]
  ) {
    const r = await run(args);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stdout, /usage: netsession/, args.join(" "));
  }
  assert.match(
    (await run([])).stdout,
    /exit codes: 0 done; 1 .*\n.*2 a usage error.*3 the daemon cannot be reached/,
  );
});

Deno.test("usage errors exit 2 and say what, where and what to do", async () => {
  const dur = await run(["monitor", "--duration", "-5"]);
  assert.equal(dur.code, 2);
  assert.match(
    dur.stderr,
    /^netsession monitor: --duration -5: expected a positive number of milliseconds$/m,
  );
  const opt = await run(["list", "--bogus"]);
  assert.equal(opt.code, 2);
  assert.match(opt.stderr, /netsession list: unknown option --bogus \(see 'netsession list --help'\)/);
  const fields = await run(["list", "--demo", "--fields", "id,colour"]);
  assert.equal(fields.code, 2);
  assert.match(fields.stderr, /--fields id,colour: unknown colour; expected some of id,type/);
  assert.equal((await run(["completion", "zsh"])).code, 2);
});

Deno.test("without a daemon list says it shows the demo world; --terse, --fields, --json; a named daemon unreachable exits 3", async () => {
  const { dir, env } = await nowhere();
  try {
    const r = await run(["list"], env);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines[0], "demo world (no daemon running; start one with netsession serve)");
    assert.match(lines[1], /^ID\s+TYPE\s+STATE\s+BEARER\s+REACHABILITY\s+METERED\s+NAME$/);
    assert.match(
      r.stdout,
      /^lte\s+internet-access-point\s+discovered\s+LTE\s+disconnected\s+yes\s+LTE \(metered\)$/m,
    );
    const terse = await run(["list", "--terse", "--fields", "id,metered,bearer"], env);
    assert.deepEqual(terse.stdout.trim().split("\n"), [
      "ethernet:no:Ethernet",
      "home-wlan:no:WLAN",
      "office-wlan:no:WLAN",
      "lte:yes:LTE",
      "internet:no:-",
    ]);
    const json = JSON.parse((await run(["list", "--json"], env)).stdout);
    assert.match(json.world, /^demo world/);
    assert.equal(json.configurations.length, 5);
    const gone = await run(["list", "--socket", `${dir}/none.sock`], env);
    assert.equal(gone.code, 3, gone.stderr);
    assert.match(
      gone.stderr,
      /cannot reach the daemon at unix:.*none\.sock.*start one with 'netsession serve'/,
    );
    const session = await run(["session", "open", "internet"], env);
    assert.equal(session.code, 3);
    assert.match(session.stderr, /no daemon running; start one with 'netsession serve'/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netsession completion bash prints scripts/completion.bash", async () => {
  const r = await run(["completion", "bash"]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, await Deno.readTextFile(new URL("../scripts/completion.bash", import.meta.url)));
  assert.match(r.stdout, /complete -F _netsession netsession/);
});

Deno.test({
  name: "with a daemon running: list and monitor find it, say so; session open|stop|close script it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const { dir, env } = await nowhere();
    const sock = `${dir}/daemon.sock`;
    env.NETSESSION_SOCKET = sock;
    env.NETSESSION_CLI_STATE = `${dir}/cli.json`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        CLI,
        "serve",
        "--port",
        "0",
        "--socket",
        sock,
        "--token-file",
        `${dir}/token`,
        "--no-lively",
      ],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      let printed = "";
      while (!printed.includes("token file:")) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`serve exited early:\n${printed}`);
        printed += value;
      }
      const listed = await run(["list"], env);
      assert.equal(listed.code, 0, listed.stderr);
      assert.equal(listed.stdout.split("\n")[0], `daemon at unix:${sock}`);
      assert.equal(JSON.parse((await run(["list", "--json"], env)).stdout).world, `daemon at unix:${sock}`);

      const opened = await run(["session", "open", "home-wlan"], env);
      assert.equal(opened.code, 0, opened.stderr);
      const id = opened.stdout.trim();
      assert.match(id, /^\S+$/);
      const watching = run(["monitor", "--json", "--duration", "1500"], env);
      await new Promise((r) => setTimeout(r, 700));
      const stopped = await run(["session", "stop", id], env);
      assert.equal(stopped.code, 0, stopped.stderr);
      const lines = (await watching).stdout.trim().split("\n").map((l) => JSON.parse(l));
      assert.deepEqual(lines[0], { at: lines[0].at, event: "world", world: `daemon at unix:${sock}` });
      assert.ok(lines.some((e) => e.event.startsWith("session") && e.session === id), JSON.stringify(lines));
      const keys = lines.filter((e) => e.event === "configuration").map((e) =>
        JSON.stringify([e.id, e.state, e.signal])
      );
      assert.ok(
        keys.every((k, i) => keys.indexOf(k) === i || keys[i - 1] !== k),
        "no repeated identical line",
      );
      const second = (await run(["session", "open", "office-wlan"], env)).stdout.trim();
      const closed = await run(["session", "close", second], env);
      assert.equal(closed.stdout.trim(), second);
      assert.equal(closed.code, 0, closed.stderr);
      const again = await run(["session", "close", second, "--client", "cli-x", "--key", "wrong"], env);
      assert.equal(again.code, 1, again.stderr);
      assert.match(again.stderr, /^netsession session close: s-\S+: the daemon refused \(\d+ [a-z-]+\): /m);
      const unknown = await run(["session", "accept", "s-nope"], env);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /no client key for 's-nope'.*pass --client ID --key KEY/);
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await reader.cancel().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("sim run lists every problem of a scenario with FILE:LINE:COLUMN, the typo'd session configuration too", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/bad.json`,
      `{
  "world": { "accessPoints": [{ "id": "wlan", "signal": 500 }] },
  "sessions": [{ "id": "app", "configuration": "wlna" }],
  "steps": [
    { "at": 0, "session": "app", "do": "open" },
    { "at": 10, "action": "setSignl", "id": "wlan" }
  ]
}
`,
    );
    const r = await run(["sim", "run", `${dir}/bad.json`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid scenario .*bad\.json \(3 problems\)/);
    assert.match(r.stderr, /bad\.json:2:57: world\.accessPoints\[0\]\.signal: expected a number/);
    assert.match(r.stderr, /bad\.json:6:27: steps\[1\] \(at 10\) \.action: expected one of .*got "setSignl"/);
    assert.match(
      r.stderr,
      /bad\.json:3:48: sessions\[0\]\.configuration: unknown configuration 'wlna'; known: wlan/,
    );
    assert.equal(r.stdout, "");
    await Deno.writeTextFile(`${dir}/syntax.json`, '{\n  "steps": [\n    { "at": 0, }\n  ]\n}\n');
    const s = await run(["sim", "run", `${dir}/syntax.json`]);
    assert.equal(s.code, 2);
    assert.match(s.stderr, /syntax\.json:3:16: \(root\): not valid JSON: expected a string, got "}"/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve --scenario refuses before listening: exit 2 naming --scenario and the file", async () => {
  const { dir } = await nowhere();
  try {
    const common = [
      "serve",
      "--port",
      "0",
      "--socket",
      `${dir}/s.sock`,
      "--token-file",
      `${dir}/tok`,
      "--no-lively",
    ];
    const shipped = new URL("./scenarios/wlan_upgrade_accepted.json", import.meta.url).pathname;
    const own = await run([...common, "--scenario", shipped]);
    assert.equal(own.code, 2, own.stderr);
    assert.doesNotMatch(own.stdout, /listening/);
    assert.match(own.stderr, /--scenario .*wlan_upgrade_accepted\.json: the daemon plays world changes only/);
    assert.match(own.stderr, /Play it with 'netsession sim run /);
    const missing = await run([...common, "--scenario", `${dir}/missing.json`]);
    assert.equal(missing.code, 2);
    assert.doesNotMatch(missing.stdout, /listening/);
    assert.match(missing.stderr, /--scenario .*missing\.json: cannot read it/);
    await Deno.writeTextFile(
      `${dir}/typo.json`,
      '{"steps": [{"at": 0, "action": "setSignal", "id": "hom-wlan", "signal": 5}]}',
    );
    const typo = await run([...common, "--scenario", `${dir}/typo.json`]);
    assert.equal(typo.code, 2);
    assert.match(
      typo.stderr,
      /--scenario .*typo\.json: invalid scenario:\n {2}1:\d+: steps\[0\] \(at 0\) \.id: unknown access point 'hom-wlan'; known: .*home-wlan/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
