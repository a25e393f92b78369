// Sessions by need through the daemon (issue 13): POST /v1/sessions with `need` instead of `configuration`
// opens a daemon session on manager.configurationFor(need); the session shows the need and the access point
// in use; the open waits for a match and fails naming the need; bad needs are 400 naming the field; the need
// view is not one of the platform's configurations.
import assert from "node:assert/strict";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { RemoteDriver } from "../../server/mod.ts";
import { serveFake, waitFor } from "./_fake_daemon.ts";
import { errorOf, setup } from "./_helpers.ts";

Deno.test("POST /v1/sessions with a need opens on the best match; the info shows the need and the access point", async () => {
  const h = await setup();
  try {
    const res = await h.settle(h.req("POST", "/v1/sessions", {
      body: { need: { notMetered: true, reachability: "online", name: "free" }, client: "a" },
    }));
    assert.equal(res.status, 201);
    const { session } = await res.json();
    assert.match(session.configuration, /^need:\d+$/);
    assert.deepEqual(session.need, { notMetered: true, reachability: "online", name: "free" });
    assert.equal(session.ActiveConfiguration, "wlan");
    assert.equal(session.state, "connected");
    assert.equal(typeof session.bytesReceivedSinceOpen, "number");
    assert.ok(h.world.isUp("wlan"));

    const again = await (await h.req("GET", `/v1/sessions/${session.id}`)).json();
    assert.deepEqual([again.need.name, again.ActiveConfiguration], ["free", "wlan"]);
    // The same need again shares the view; a configuration session still shows need: null.
    const same = await (await h.settle(h.req("POST", "/v1/sessions", {
      body: { need: { notMetered: true, reachability: "online", name: "free" }, client: "b" },
    }))).json();
    assert.equal(same.session.configuration, session.configuration);
    const plain = await (await h.settle(h.req("POST", "/v1/sessions", {
      body: { configuration: "lte", client: "c" },
    }))).json();
    assert.equal(plain.session.need, null);

    const list = (await (await h.req("GET", "/v1/configurations")).json()).configurations
      .map((c: { identifier: string }) => c.identifier);
    assert.deepEqual(
      list.sort(),
      ["far", "internet", "lte", "wlan"],
      "the need view is no platform configuration",
    );
    const snap = await (await h.req("GET", "/v1/driver/snapshot")).json();
    assert.ok(!snap.configurations.some((c: { identifier: string }) => c.identifier.startsWith("need:")));
    const view = await (await h.req("GET", `/v1/configurations/${session.configuration}`)).json();
    assert.deepEqual([view.type, view.children, view.need.name], ["service-network", ["wlan"], "free"]);
  } finally {
    await h.close();
  }
});

Deno.test("a need with no match: the open waits for one (201 when it appears) or fails naming the need (409)", async () => {
  const h = await setup();
  try {
    const waiting = h.req("POST", "/v1/sessions", {
      body: { need: { bearers: ["ethernet"], timeoutMs: 5000 }, client: "a" },
    });
    let settled = false;
    waiting.then(() => settled = true);
    await h.daemon.advance(1000);
    assert.equal(settled, false, "still waiting for a match");
    h.world.addAccessPoint({ id: "eth", name: "Cable", bearer: "ethernet", activationMs: 100 });
    const res = await h.settle(waiting);
    assert.equal(res.status, 201, JSON.stringify(await res.clone().json()));
    assert.equal((await res.json()).session.ActiveConfiguration, "eth");

    const failing = await h.settle(h.req("POST", "/v1/sessions", {
      body: { need: { bearers: ["bluetooth"], timeoutMs: 2000 }, client: "b" },
    }));
    assert.equal(failing.status, 409);
    const error = await errorOf(failing);
    assert.equal(error.code, "invalid-configuration");
    assert.equal(error.field, "need");
    assert.match(error.message, /need .*bluetooth.* within 2000 ms/);
    assert.equal((await (await h.req("GET", "/v1/sessions?client=b")).json()).sessions.length, 0);

    // A client that goes away while its open waits for a match: the open ends at once.
    await h.req("POST", "/v1/clients/c/heartbeat", { body: {} }); // the client's key, as its stream would give it
    const given = h.req("POST", "/v1/sessions", { body: { need: { bearers: ["bluetooth"] }, client: "c" } });
    // The open is under way once the daemon lists the session (a few real turns of the in-process request).
    for (let i = 0; i < 200; i++) {
      await h.daemon.advance(10);
      const listed = await (await h.req("GET", "/v1/sessions?client=c")).json();
      if (listed.sessions.length === 1) break;
    }
    const released = await h.req("DELETE", "/v1/clients/c");
    assert.deepEqual((await released.json()).sessions.length, 1);
    const gone = await given;
    assert.equal(gone.status, 409);
    assert.equal(h.daemon.sessions().filter((s) => s.client === "c").length, 0);
    h.world.addAccessPoint({ id: "bt", bearer: "bluetooth", activationMs: 100 }); // the match comes too late
    await h.daemon.advance(2000);
    assert.equal(h.daemon.manager.holdCount("bt"), 0, "no hold left behind");
    assert.ok(!h.world.isUp("bt"));
  } finally {
    await h.close();
  }
});

Deno.test("POST /v1/sessions: exactly one of configuration and need; a bad need is 400 naming the field", async () => {
  const h = await setup();
  try {
    const cases: [unknown, string][] = [
      [{ client: "a" }, "configuration"],
      [{ configuration: "wlan", need: {}, client: "a" }, "need"],
      [{ need: "wlan" }, "need"],
      [{ need: { minSignal: 300 } }, "need.minSignal"],
      [{ need: { bearers: ["carrier-pigeon"] } }, "need.bearers"],
      [{ need: { bearers: "wlan" } }, "need.bearers"],
      [{ need: { notMetered: "yes" } }, "need.notMetered"],
      [{ need: { reachability: "everywhere" } }, "need.reachability"],
      [{ need: { timeoutMs: -1 } }, "need.timeoutMs"],
      [{ need: { timeoutMs: 1.5 } }, "need.timeoutMs"],
      [{ need: { name: 7 } }, "need.name"],
      [{ need: { colour: "blue" } }, "need.colour"],
    ];
    for (const [body, field] of cases) {
      const res = await h.req("POST", "/v1/sessions", { body });
      assert.equal(res.status, 400, JSON.stringify(body));
      const error = await errorOf(res);
      assert.equal(error.field, field, `${JSON.stringify(body)}: ${error.message}`);
    }
    const res = await h.req("POST", "/v1/sessions", { body: { need: { minSignal: 300 } } });
    assert.match((await errorOf(res)).message, /need\.minSignal must be a number from 0 to 100, got 300/);
    assert.equal(h.daemon.sessions().length, 0);
  } finally {
    await h.close();
  }
});

Deno.test({
  name:
    "over a socket: POST /v1/sessions {need}; a RemoteDriver client's configurationFor(need) opens through the daemon",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const f = await serveFake();
    const manager = await NetworkConfigurationManager.create(
      new RemoteDriver({ url: f.url, token: f.token, clientId: "needy" }),
    );
    try {
      const res = await f.req("POST", "/v1/sessions", {
        body: { need: { bearers: ["lte"] }, client: "http" },
      });
      assert.equal(res.status, 201);
      const { session } = await res.json();
      assert.deepEqual([session.need, session.ActiveConfiguration], [{ bearers: ["lte"] }, "lte"]);

      const free = manager.configurationFor({ notMetered: true });
      assert.deepEqual(free.children.map((c) => c.identifier), ["wlan"]);
      const s = manager.createSession(free);
      assert.equal(await s.open(), true);
      assert.equal(s.sessionProperty("ActiveConfiguration"), "wlan");
      const held = f.daemon.sessions("needy");
      assert.deepEqual(held.map((x) => [x.configuration, x.ActiveConfiguration]), [["wlan", "wlan"]]);
      s.close();
      await waitFor(() => f.daemon.sessions("needy").length === 0, "the daemon session closed");
    } finally {
      await manager.close();
      await f.close();
    }
  },
});
