import assert from "node:assert/strict";
import { main } from "../scripts/netsession.ts";
import { serveFake, waitFor } from "./server/_fake_daemon.ts";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../scripts/netsession.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("netsession list --json prints the demo world's configurations", async () => {
  const r = await run(["list", "--json", "--demo"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).world, "demo world (--demo)");
  const configs = JSON.parse(r.stdout).configurations as {
    identifier: string;
    state: string;
    type: string;
  }[];
  assert.deepEqual(configs.map((c) => c.identifier), [
    "ethernet",
    "home-wlan",
    "office-wlan",
    "lte",
    "internet",
  ]);
  assert.equal(configs.find((c) => c.identifier === "internet")?.type, "service-network");
});

Deno.test("netsession list --state filters cumulatively and rejects unknown states", async () => {
  const r = await run(["list", "--json", "--demo", "--state", "discovered"]);
  assert.deepEqual(JSON.parse(r.stdout).configurations.map((c: { identifier: string }) => c.identifier), [
    "home-wlan",
    "office-wlan",
    "lte",
    "internet",
  ]);
  const bad = await run(["list", "--state", "sideways"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--state sideways: expected one of/);
});

Deno.test("netsession monitor --fast --json streams the session roaming through the demo day", async () => {
  const r = await run(["monitor", "--demo", "--fast", "--json", "--duration", "60000"]);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const session = events.filter((e) => e.event === "session").map((e) => `${e.state}@${e.accessPoint}`);
  assert.deepEqual(session.slice(0, 2), ["connecting@-", "connected@home-wlan"]);
  assert.ok(session.includes("connected@lte"), "roams to LTE when home WLAN fades");
  assert.ok(session.includes("connected@ethernet"), "roams to Ethernet when plugged in");
  const policies = events.filter((e) => e.event === "policies").map((e) => e.policies.join(","));
  assert.deepEqual(policies.slice(0, 2), ["no-background-traffic", ""]);
  assert.ok(events.every((e, i) => i === 0 || e.at >= events[i - 1].at), "in time order");
});

Deno.test("netsession reports unknown commands and bad options with exit code 2", async () => {
  assert.equal(await main(["frobnicate"]), 2);
  assert.equal(await main(["monitor", "--fast"]), 2);
  assert.equal(await main(["monitor", "--duration", "-5"]), 2);
});

Deno.test({
  name:
    "netsession serve starts the daemon; list --url reads it through RemoteDriver; SIGTERM stops it with 0",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "netsession-cli-serve-" });
    const tokenFile = `${dir}/token`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../scripts/netsession.ts", import.meta.url).pathname,
        "serve",
        "--port",
        "0",
        "--socket",
        `${dir}/daemon.sock`,
        "--token-file",
        tokenFile,
        "--no-lively",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let printed = "";
    try {
      while (!/listening on (http:\/\/127\.0\.0\.1:\d+)/.test(printed)) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`serve exited early:\n${printed}`);
        printed += value;
      }
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(printed)![1];
      const viaSocket = await run(["list", "--json", "--socket", `${dir}/daemon.sock`]);
      assert.equal(viaSocket.code, 0, viaSocket.stderr);
      assert.ok(
        JSON.parse(viaSocket.stdout).configurations.some((c: { identifier: string }) =>
          c.identifier === "internet"
        ),
      );
      const found = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../scripts/netsession.ts", import.meta.url).pathname,
          "list",
          "--daemon",
        ],
        env: { NETSESSION_SOCKET: `${dir}/daemon.sock` },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(found.code, 0, new TextDecoder().decode(found.stderr));
      const r = await run(["list", "--json", "--url", url, "--token-file", tokenFile]);
      assert.equal(r.code, 0, r.stderr);
      const ids = JSON.parse(r.stdout).configurations.map((c: { identifier: string }) => c.identifier);
      assert.ok(ids.includes("internet") && ids.includes("home-wlan"), ids.join(","));
      const bad = await run(["list", "--url", url, "--token-file", `${dir}/missing`]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /cannot read the daemon's token file .*missing.*pass --token-file/);
    } finally {
      child.kill("SIGTERM");
      const status = await child.status;
      await reader.cancel().catch(() => {});
      await child.stderr.cancel().catch(() => {});
      await Deno.remove(dir, { recursive: true });
      assert.equal(status.code, 0, "exits 0 on SIGTERM");
    }
  },
});

Deno.test("netsession sim run plays a scenario: timeline, summary, exit 0; --json for machines", async () => {
  const file = new URL("./scenarios/wlan_upgrade_accepted.json", import.meta.url).pathname;
  const r = await run(["sim", "run", file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1\.000s app\s+preferredConfigurationChanged wlan/);
  assert.match(r.stdout, /^passed: 10 steps, 12 session events/m);
  const j = await run(["sim", "run", file, "--json"]);
  const result = JSON.parse(j.stdout);
  assert.equal(result.passed, true);
  assert.ok(result.timeline.some((e: { event: string }) => e.event === "newConfigurationActivated"));
});

Deno.test("netsession sim run exits 1 on a failed expectation and 2 on a malformed scenario", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const scenario = JSON.parse(
      await Deno.readTextFile(new URL("./scenarios/wlan_upgrade_accepted.json", import.meta.url)),
    );
    scenario.steps[3].expect.state = "roaming";
    await Deno.writeTextFile(`${dir}/failing.json`, JSON.stringify(scenario));
    const failing = await run(["sim", "run", `${dir}/failing.json`]);
    assert.equal(failing.code, 1);
    assert.match(
      failing.stdout,
      /failed: steps\[3\] at 1000 ms: app: state: expected "roaming", got "connected"/,
    );
    scenario.steps[2].signal = 500;
    await Deno.writeTextFile(`${dir}/bad.json`, JSON.stringify(scenario));
    const bad = await run(["sim", "run", `${dir}/bad.json`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /steps\[2\] \(at 1000\) \.signal: expected a number 0\.\.100, got 500/);
    assert.equal(bad.stdout, "", "nothing ran");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netsession monitor prints reachability lines for configurations and its session", async () => {
  const r = await run(["monitor", "--demo", "--fast", "--json", "--duration", "20000"]);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  const reach = events.filter((e) => e.event === "reachability");
  const levels = ["unknown", "disconnected", "local", "site", "online"];
  assert.ok(
    reach.some((e) => e.id === "home-wlan" && e.reachability !== "disconnected"),
    "home WLAN comes up",
  );
  assert.ok(reach.every((e) => levels.includes(e.reachability) && typeof e.captivePortal === "boolean"));
  const mine = events.filter((e) => e.event === "session-reachability");
  assert.ok(mine.length > 0 && levels.includes(mine[0].reachability), JSON.stringify(mine));
});

/** Runs the CLI as a child; `onFirstLine` runs once it printed its first line; resolves with everything. */
async function runWatching(
  args: string[],
  onFirstLine: () => Promise<void>,
): Promise<{ code: number; out: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../scripts/netsession.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  let out = "";
  let fired = false;
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    out += chunk;
    if (!fired && out.includes("\n")) {
      fired = true;
      await onFirstLine();
    }
  }
  return { code: (await child.status).code, out };
}

Deno.test({
  name: "list --url has a REACHABILITY column; monitor --url prints reachability changes (text and --json)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const f = await serveFake();
    const dir = await Deno.makeTempDir({ prefix: "netsession-cli-reach-" });
    const tokenFile = `${dir}/token`;
    await Deno.writeTextFile(tokenFile, f.token);
    const remote = ["--url", f.url, "--token-file", tokenFile];
    try {
      const watched = await runWatching(["monitor", "--json", "--duration", "2500", ...remote], async () => {
        await f.daemon.openSession({ configuration: "internet", client: "app" });
        f.driver.setReach("wlan", "local", true);
      });
      assert.equal(watched.code, 0);
      const lines = watched.out.trim().split("\n").map((l) => JSON.parse(l));
      const wlan = lines.filter((e) => e.event === "reachability" && e.id === "wlan")
        .map((e) => `${e.reachability}/${e.captivePortal}`);
      assert.deepEqual(wlan, ["online/false", "local/true"]);
      assert.ok(lines.some((e) => e.event === "reachability" && e.id === "internet" && e.captivePortal));

      const listed = await run(["list", ...remote]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /^daemon at http:\/\/127\.0\.0\.1:\d+\n/);
      assert.match(listed.stdout, /^ID\s+TYPE\s+STATE\s+BEARER\s+REACHABILITY\s+METERED\s+NAME$/m);
      assert.match(
        listed.stdout,
        /^wlan\s+internet-access-point\s+active\s+WLAN\s+local\+portal\s+no\s+WLAN$/m,
      );
      assert.match(listed.stdout, /^lte\s+.*\s+disconnected\s+yes\s+LTE$/m);
      const listedJson = JSON.parse((await run(["list", "--json", ...remote])).stdout).configurations;
      const w = listedJson.find((c: { identifier: string }) => c.identifier === "wlan");
      assert.deepEqual([w.reachability, w.behindCaptivePortal], ["local", true]);

      const text = await runWatching(["monitor", "--duration", "2500", ...remote], () => {
        f.driver.setReach("wlan", "online", false);
        return Promise.resolve();
      });
      assert.match(text.out, /reachability\s+id=wlan reachability=online captivePortal=false/);
    } finally {
      await f.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("netsession serve --linger: named in --help; a bad value exits 2 naming --linger", async () => {
  const help = await run(["serve", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--linger MS/);
  const bad = await run(["serve", "--linger", "soon", "--port", "0"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--linger must be a non-negative integer, got 'soon'/);
  assert.match(
    (await run(["serve", "--linger", "99999999999"])).stderr,
    /--linger must be at most 2147483647 ms/,
  );
  assert.equal(await main(["monitor", "--budget", "lte"]), 2);
  assert.equal(await main(["monitor", "--no-session", "--session", "lte"]), 2);
});

Deno.test({
  name: "monitor --url --session prints its session's losing and dataBudget lines (text and --json)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const f = await serveFake();
    const dir = await Deno.makeTempDir({ prefix: "netsession-cli-losing-" });
    const tokenFile = `${dir}/token`;
    await Deno.writeTextFile(tokenFile, f.token);
    const remote = ["--url", f.url, "--token-file", tokenFile, "--session", "wlan"];
    // Once the monitor's session holds wlan: traffic past its budget (the monitor's own), then the driver's losing.
    const provoke = async () => {
      while (f.daemon.manager.holdCount("wlan") === 0) await new Promise((r) => setTimeout(r, 20));
      f.driver.stats.set("wlan", { bytesReceived: 900, bytesWritten: 0 });
      f.daemon.publishStatistics();
      await new Promise((r) => setTimeout(r, 1300)); // the monitor's manager samples every second
      f.driver.stats.set("wlan", { bytesReceived: 1200, bytesWritten: 0 });
      f.daemon.publishStatistics();
      await new Promise((r) => setTimeout(r, 1300));
      f.driver.sink!({ type: "losing", identifier: "wlan", msToLive: 4000 });
    };
    try {
      const watched = await runWatching(
        ["monitor", "--json", "--duration", "4000", "--budget", "wlan=1000", ...remote],
        () => (provoke(), Promise.resolve()),
      );
      assert.equal(watched.code, 0);
      const lines = watched.out.trim().split("\n").map((l) => JSON.parse(l));
      const budget = lines.filter((e) => e.event === "dataBudget");
      assert.deepEqual(budget.map((e) => [e.id, e.used, e.bytes, e.exhausted]), [
        ["wlan", 900, 1000, false],
        ["wlan", 1200, 1000, true],
      ], watched.out);
      const losing = lines.filter((e) => e.event === "losing");
      assert.deepEqual(losing.map((e) => [e.accessPoint, e.msToLive]), [["wlan", 4000]], watched.out);

      await waitFor(() => f.daemon.manager.holdCount("wlan") === 0, "the first monitor's session closed");
      f.driver.stats.delete("wlan");
      const text = await runWatching(
        ["monitor", "--duration", "4000", "--budget", "wlan=1000", ...remote],
        () => (provoke(), Promise.resolve()),
      );
      assert.match(text.out, /losing\s+accessPoint=wlan msToLive=4000/);
      assert.match(text.out, /dataBudget\s+id=wlan used=900 bytes=1000 exhausted=false/);
    } finally {
      await f.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
