// Data budgets through the daemon (issue 13): PUT/DELETE /v1/configurations/:id/budget set and remove the
// daemon manager's budget of an access point; configuration JSON carries `dataBudget`; daemon sessions publish
// `session-data-budget`; /metrics shows the budgets and their usage.
import assert from "node:assert/strict";
import type { DaemonEvent, Subscriber } from "../../server/mod.ts";
import { errorOf, setup } from "./_helpers.ts";

async function drain(sub: Subscriber): Promise<DaemonEvent[]> {
  const out: DaemonEvent[] = [];
  for (let item = await sub.next(0); item; item = await sub.next(0)) out.push(JSON.parse(item.data));
  return out;
}

Deno.test("PUT /v1/configurations/:id/budget: token, 400 naming the field, 404 unknown, 400 for a service network", async () => {
  const h = await setup();
  try {
    assert.equal(
      (await h.req("PUT", "/v1/configurations/wlan/budget", { body: { bytes: 1 }, token: null })).status,
      401,
    );
    assert.equal((await h.req("DELETE", "/v1/configurations/wlan/budget", { token: null })).status, 401);
    const cases: [unknown, string][] = [
      [{}, "bytes"],
      [{ bytes: 0 }, "bytes"],
      [{ bytes: -5 }, "bytes"],
      [{ bytes: "lots" }, "bytes"],
      [{ bytes: 1.5 }, "bytes"],
      [{ bytes: 1000, warnAt: 2 }, "warnAt"],
      [{ bytes: 1000, warnAt: "half" }, "warnAt"],
      [{ bytes: 1000, limit: 1 }, "limit"],
      ["[1]", "body"],
    ];
    for (const [body, field] of cases) {
      const res = await h.req("PUT", "/v1/configurations/wlan/budget", { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal((await errorOf(res)).field, field, JSON.stringify(body));
    }
    const unknown = await h.req("PUT", "/v1/configurations/nope/budget", { body: { bytes: 1000 } });
    assert.equal(unknown.status, 404);
    assert.equal((await errorOf(unknown)).field, "id");
    assert.equal((await h.req("DELETE", "/v1/configurations/nope/budget")).status, 404);
    const service = await h.req("PUT", "/v1/configurations/internet/budget", { body: { bytes: 1000 } });
    assert.equal(service.status, 400);
    const e = await errorOf(service);
    assert.equal(e.field, "id");
    assert.match(e.message, /'internet' is a service-network: budgets are per access point.*wlan, lte/);
    assert.equal((await (await h.req("GET", "/v1/configurations/wlan")).json()).dataBudget, null);
  } finally {
    await h.close();
  }
});

Deno.test("a budget through the daemon: configuration JSON, session-data-budget events, policies, metrics, removal", async () => {
  const h = await setup();
  const events = h.daemon.bus.subscribe();
  try {
    const set = await h.req("PUT", "/v1/configurations/wlan/budget", {
      body: { bytes: 10_000, warnAt: 0.5 },
    });
    assert.equal(set.status, 200);
    const answer = await set.json();
    assert.deepEqual([answer.identifier, answer.dataBudget], ["wlan", {
      bytes: 10_000,
      used: 0,
      warnAt: 0.5,
    }]);
    assert.equal(typeof answer.seq, "number");
    const opened = await (await h.settle(h.req("POST", "/v1/sessions", {
      body: { configuration: "wlan", client: "app" },
    }))).json();
    const id = opened.session.id;
    const listed = async () =>
      (await (await h.req("GET", "/v1/configurations")).json()).configurations
        .find((c: { identifier: string }) => c.identifier === "wlan").dataBudget;
    assert.deepEqual(await listed(), { bytes: 10_000, used: 0, warnAt: 0.5 });

    h.world.traffic("wlan", { rx: 5000, tx: 1000 });
    await h.daemon.advance(1000);
    assert.deepEqual(
      await listed(),
      { bytes: 10_000, used: 6000, warnAt: 0.5 },
      "usage, not a stale cached list",
    );
    let budgetEvents = (await drain(events)).filter((e) => e.type === "session-data-budget");
    assert.deepEqual(budgetEvents.map((e) => ({ ...e, seq: 0, time: 0 })), [{
      seq: 0,
      time: 0,
      type: "session-data-budget",
      session: id,
      client: "app",
      configuration: "wlan",
      identifier: "wlan",
      used: 6000,
      bytes: 10_000,
      exhausted: false,
    }]);
    const metrics = await (await h.req("GET", "/metrics")).text();
    assert.match(metrics, /^netsession_data_budget_bytes\{configuration="wlan"\} 10000$/m);
    assert.match(metrics, /^netsession_data_budget_used_bytes\{configuration="wlan"\} 6000$/m);

    h.world.traffic("wlan", { rx: 4500 });
    await h.daemon.advance(1000);
    budgetEvents = (await drain(events)).filter((e) => e.type === "session-data-budget");
    assert.equal(budgetEvents.length, 1);
    assert.ok(budgetEvents[0].type === "session-data-budget" && budgetEvents[0].exhausted);
    const info = await (await h.req("GET", `/v1/sessions/${id}`)).json();
    assert.ok(info.usagePolicies.includes("no-background-traffic"), "while the budget is used up");
    assert.ok(info.bytesReceivedSinceOpen >= 9500, `bytesReceivedSinceOpen ${info.bytesReceivedSinceOpen}`);

    const removed = await h.req("DELETE", "/v1/configurations/wlan/budget");
    assert.equal(removed.status, 200);
    assert.equal((await removed.json()).dataBudget, null);
    assert.equal(await listed(), null);
    const after = await (await h.req("GET", `/v1/sessions/${id}`)).json();
    assert.ok(!after.usagePolicies.includes("no-background-traffic"));
    assert.doesNotMatch(await (await h.req("GET", "/metrics")).text(), /netsession_data_budget_bytes\{/);
  } finally {
    events.close();
    await h.close();
  }
});
