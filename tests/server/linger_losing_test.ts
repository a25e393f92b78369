// Linger and losing through the daemon (issue 13): `lingerMs` (serve --linger) keeps a link up after the last
// client closed, so a quick re-open takes it back without a flap; the driver's `losing` is published as a
// `losing` event (and `session-losing` per daemon session on that link), and RemoteDriver hands it to its core,
// so a client's sessions hear `losing` before the loss.
import assert from "node:assert/strict";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { type DaemonEvent, parseServeArgs, RemoteDriver, type Subscriber } from "../../server/mod.ts";
import { fakeDaemon, serveFake, waitFor } from "./_fake_daemon.ts";
import { setup } from "./_helpers.ts";

async function drain(sub: Subscriber): Promise<DaemonEvent[]> {
  const out: DaemonEvent[] = [];
  for (let item = await sub.next(0); item; item = await sub.next(0)) out.push(JSON.parse(item.data));
  return out;
}

Deno.test("linger: a close then a re-open within the linger keeps the link up; it goes down after the linger", async () => {
  const h = await setup({ lingerMs: 5000 });
  const events = h.daemon.bus.subscribe();
  try {
    const open = async (client: string) => {
      const res = await h.settle(h.req("POST", "/v1/sessions", { body: { configuration: "wlan", client } }));
      assert.equal(res.status, 201);
      return (await res.json()).session.id as string;
    };
    const first = await open("a");
    const closed = await h.settle(h.req("DELETE", `/v1/sessions/${first}`, { client: "a" }));
    assert.equal(closed.status, 200);
    assert.ok(h.world.isUp("wlan"), "lingering");
    await h.daemon.advance(3000);
    assert.ok(h.world.isUp("wlan"));
    const second = await open("b"); // within the linger: takes the link back
    await h.daemon.advance(10_000);
    assert.ok(h.world.isUp("wlan"), "held again: no linger running");
    const wlanStates = (await drain(events)).flatMap((e) =>
      e.type === "configuration-changed" && e.configuration.identifier === "wlan"
        ? [e.configuration.state]
        : []
    );
    assert.ok(!wlanStates.includes("discovered"), `never went down: ${wlanStates.join(",")}`);

    await h.settle(h.req("DELETE", `/v1/sessions/${second}`, { client: "b" }));
    await h.daemon.advance(4900);
    assert.ok(h.world.isUp("wlan"));
    await h.daemon.advance(400);
    assert.ok(!h.world.isUp("wlan"), "down after the linger");
    const after = await drain(events);
    assert.ok(
      after.some((e) => e.type === "configuration-changed" && e.configuration.state === "discovered"),
    );
  } finally {
    events.close();
    await h.close();
  }
});

Deno.test("linger: serve --linger MS and lingerMs are validated, naming the option", async () => {
  assert.deepEqual(parseServeArgs(["--linger", "1500"]), { lingerMs: 1500 });
  assert.deepEqual(parseServeArgs(["--linger=0"]), { lingerMs: 0 });
  for (const bad of ["-5", "1.5", "soon", "99999999999"]) {
    assert.throws(() => parseServeArgs(["--linger", bad]), /--linger must be/, bad);
  }
  assert.throws(() => parseServeArgs(["--linger"]), /--linger needs a value/);
  await assert.rejects(() => setup({ lingerMs: -1 }), /lingerMs must be a whole number/);
  await assert.rejects(() => setup({ lingerMs: 0.5 }), /lingerMs must be a whole number/);
});

Deno.test("losing: the driver's losing is published as losing, then session-losing per daemon session on that link", async () => {
  const f = await fakeDaemon();
  const events = f.daemon.bus.subscribe();
  try {
    const on = await f.daemon.openSession({ configuration: "internet", client: "app" });
    const other = await f.daemon.openSession({ configuration: "lte", client: "other" });
    await drain(events);
    f.driver.sink!({ type: "losing", identifier: "wlan", msToLive: 3000 });
    const seen = await drain(events);
    assert.deepEqual(seen.map((e) => e.type), ["losing", "session-losing"]);
    assert.deepEqual({ ...seen[0], seq: 0, time: 0 }, {
      seq: 0,
      time: 0,
      type: "losing",
      identifier: "wlan",
      msToLive: 3000,
    });
    const mine = seen[1];
    assert.ok(mine.type === "session-losing");
    assert.deepEqual(
      [mine.session, mine.client, mine.configuration, mine.activeConfiguration, mine.msToLive],
      [on.session.id, "app", "internet", "wlan", 3000],
    );
    assert.ok(!seen.some((e) => e.type === "session-losing" && e.session === other.session.id));
  } finally {
    events.close();
    await f.close();
  }
});

Deno.test({
  name: "losing through RemoteDriver: a client's session gets losing before the loss",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const f = await serveFake();
    const manager = await NetworkConfigurationManager.create(
      new RemoteDriver({ url: f.url, token: f.token, clientId: "loser" }),
    );
    try {
      const session = manager.createSession(manager.configurationFromIdentifier("wlan"));
      const log: string[] = [];
      session.on("losing", (e) => log.push(`losing ${e.msToLive}`));
      session.on("stateChanged", (s) => log.push(`state ${s}`));
      session.on("error", (e) => log.push(`error ${e}`));
      assert.equal(await session.open(), true);
      log.length = 0;
      f.driver.sink!({ type: "losing", identifier: "wlan", msToLive: 2000 });
      await waitFor(() => log.includes("losing 2000"), "losing through the daemon");
      assert.equal(session.state, "connected", "still up");
      f.driver.down("wlan");
      await waitFor(() => !session.isOpen, "the loss");
      assert.equal(log[0], "losing 2000", `losing first: ${log.join(", ")}`);
      assert.ok(log.includes("error session-aborted") || log.includes("state disconnected"), log.join(", "));
    } finally {
      await manager.close();
      await f.close();
    }
  },
});
