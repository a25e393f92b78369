// In-process tests of the daemon's HTTP API (app.request): routes, validation, security, leases.
import assert from "node:assert/strict";
import { errorOf, setup, TOKEN } from "./_helpers.ts";

async function open(h: Awaited<ReturnType<typeof setup>>, client: string, configuration: string) {
  const res = await h.settle(h.req("POST", "/v1/sessions", { body: { configuration, client } }));
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).session as { id: string; state: string; client: string };
}

Deno.test("GET /v1/configurations lists every configuration; ?state=discovered leaves out-of-range ones", async () => {
  const h = await setup();
  try {
    const all = await (await h.req("GET", "/v1/configurations")).json();
    assert.deepEqual(
      all.configurations.map((c: { identifier: string }) => c.identifier).sort(),
      ["far", "internet", "lte", "wlan"],
    );
    const wlan = all.configurations.find((c: { identifier: string }) => c.identifier === "wlan");
    assert.equal(wlan.state, "discovered");
    assert.equal(wlan.bearerTypeName, "WLAN");
    assert.equal(wlan.signal, 80);
    const discovered = await (await h.req("GET", "/v1/configurations?state=discovered")).json();
    assert.ok(!discovered.configurations.some((c: { identifier: string }) => c.identifier === "far"));
    const bad = await h.req("GET", "/v1/configurations?state=up");
    assert.equal(bad.status, 400);
    const e = await errorOf(bad);
    assert.equal(e.field, "state");
    assert.match(e.message, /discovered/);
  } finally {
    await h.close();
  }
});

Deno.test("GET /v1/configurations/:id returns one, and 404 naming the id when unknown", async () => {
  const h = await setup();
  try {
    const ok = await h.req("GET", "/v1/configurations/internet");
    assert.equal(ok.status, 200);
    const sn = await ok.json();
    assert.equal(sn.type, "service-network");
    assert.deepEqual(sn.children, ["wlan", "lte"]);
    const missing = await h.req("GET", "/v1/configurations/no-such-ap");
    assert.equal(missing.status, 404);
    const e = await errorOf(missing);
    assert.match(e.message, /no-such-ap/);
    assert.equal(e.code, "not-found");
  } finally {
    await h.close();
  }
});

Deno.test("GET /v1/capabilities includes system-session-support; the snapshot carries raw driver data", async () => {
  const h = await setup();
  try {
    const caps = await (await h.req("GET", "/v1/capabilities")).json();
    assert.ok(caps.capabilities.includes("system-session-support"));
    assert.ok(caps.capabilities.includes("data-statistics"));
    const snap = await (await h.req("GET", "/v1/driver/snapshot")).json();
    assert.equal(typeof snap.seq, "number");
    assert.equal(typeof snap.instance, "string");
    assert.ok(snap.capabilities.includes("system-session-support"));
    const lte = snap.configurations.find((c: { identifier: string }) => c.identifier === "lte");
    assert.deepEqual(
      { type: lte.type, state: lte.state, metered: lte.metered, bearerType: lte.bearerType },
      { type: "internet-access-point", state: "discovered", metered: true, bearerType: "lte" },
    );
  } finally {
    await h.close();
  }
});

Deno.test("mutating routes need the bearer token: none or a wrong one is 401", async () => {
  const h = await setup();
  try {
    const none = await h.req("POST", "/v1/sessions", { body: { configuration: "wlan" }, token: null });
    assert.equal(none.status, 401);
    assert.equal((await errorOf(none)).field, "Authorization");
    assert.match(none.headers.get("www-authenticate") ?? "", /Bearer/);
    const wrong = await h.req("DELETE", "/v1/sessions/s-1", { token: "not-the-token", client: "a" });
    assert.equal(wrong.status, 401);
    const reading = await h.req("GET", "/v1/sessions", { token: null });
    assert.equal(reading.status, 200, "reading needs no token");
  } finally {
    await h.close();
  }
});

Deno.test("a foreign Host or Origin is refused with 403 (DNS rebinding, cross-origin pages)", async () => {
  const h = await setup();
  try {
    const host = await h.req("GET", "/v1/configurations", { headers: { Host: "evil.example:7421" } });
    assert.equal(host.status, 403);
    assert.equal((await errorOf(host)).field, "Host");
    const origin = await h.req("POST", "/v1/scan", { headers: { Origin: "http://evil.example" } });
    assert.equal(origin.status, 403);
    assert.equal((await errorOf(origin)).field, "Origin");
    const nullOrigin = await h.req("GET", "/", { headers: { Origin: "null" } });
    assert.equal(nullOrigin.status, 403);
    const own = await h.req("POST", "/v1/scan", { headers: { Origin: "http://localhost" } });
    assert.equal(own.status, 200);
  } finally {
    await h.close();
  }
});

Deno.test("bodies over 64 KiB are refused with 413, declared or streamed", async () => {
  const h = await setup();
  try {
    const big = JSON.stringify({ configuration: "wlan", pad: "x".repeat(70_000) });
    const declared = await h.req("POST", "/v1/sessions", { body: big });
    assert.equal(declared.status, 413);
    assert.equal((await errorOf(declared)).code, "payload-too-large");
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode("x".repeat(8192)));
        c.close();
      },
    });
    const streamed = await h.app.request("/v1/world/signal", {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: chunks,
    });
    assert.equal(streamed.status, 413);
  } finally {
    await h.close();
  }
});

Deno.test("POST /v1/sessions validates its body and names the field", async () => {
  const h = await setup();
  try {
    const cases: [unknown, string][] = [
      [{}, "configuration"],
      [{ configuration: 42 }, "configuration"],
      [{ configuration: "a b" }, "configuration"],
      [{ configuration: "wlan", client: "" }, "client"],
      [{ configuration: "wlan", roaming: "sometimes" }, "roaming"],
      [{ configuration: "wlan", attach: "yes" }, "attach"],
      [{ configuration: "wlan", extra: 1 }, "extra"],
      ["not json", "body"],
      [[1, 2], "body"],
    ];
    for (const [body, field] of cases) {
      const res = await h.req("POST", "/v1/sessions", { body });
      assert.equal(res.status, 400, `body ${JSON.stringify(body)}`);
      const e = await errorOf(res);
      assert.equal(e.field, field, `body ${JSON.stringify(body)}: ${e.message}`);
      assert.equal(e.code, "bad-request");
      assert.ok(e.message.length > 10);
    }
    const unknown = await h.req("POST", "/v1/sessions", { body: { configuration: "nope", client: "a" } });
    assert.equal(unknown.status, 404);
    const e = await errorOf(unknown);
    assert.equal(e.code, "invalid-configuration");
    assert.equal(e.field, "configuration");
    assert.match(e.message, /nope/);
  } finally {
    await h.close();
  }
});

Deno.test("POST /v1/sessions with attach joins a link that is up and never starts one (409 not-active)", async () => {
  const h = await setup();
  try {
    const refused = await h.req("POST", "/v1/sessions", {
      body: { configuration: "wlan", client: "b", attach: true },
    });
    assert.equal(refused.status, 409);
    const e = await errorOf(refused);
    assert.equal(e.code, "not-active");
    assert.equal(e.field, "configuration");
    assert.match(e.message, /wlan/);
    assert.equal(h.world.isUp("wlan"), false);
    assert.deepEqual(h.daemon.sessions("b"), []);
    await open(h, "a", "wlan");
    const joined = await h.settle(
      h.req("POST", "/v1/sessions", { body: { configuration: "wlan", client: "b", attach: true } }),
    );
    assert.equal(joined.status, 201);
    assert.equal(h.daemon.sessions("b").length, 1);
  } finally {
    await h.close();
  }
});

Deno.test("POST /v1/sessions opens (201 when connected); GET shows the session; DELETE closes it", async () => {
  const h = await setup();
  try {
    const s = await open(h, "alpha", "wlan");
    assert.equal(s.state, "connected");
    assert.equal(s.client, "alpha");
    assert.equal(h.world.isUp("wlan"), true);
    const got = await (await h.req("GET", `/v1/sessions/${s.id}`)).json();
    assert.equal(got.ActiveConfiguration, "wlan");
    assert.equal(got.isOpen, true);
    assert.ok(got.interface.name.length > 0);
    assert.deepEqual(got.usagePolicies, []);
    for (const k of ["bytesReceived", "bytesWritten", "activeTime"]) assert.equal(typeof got[k], "number");
    const list = await (await h.req("GET", "/v1/sessions?client=alpha")).json();
    assert.equal(list.sessions.length, 1);
    const closed = await h.settle(h.req("DELETE", `/v1/sessions/${s.id}`, { client: "alpha" }));
    assert.equal(closed.status, 200);
    assert.equal(h.world.isUp("wlan"), false);
    assert.equal((await h.req("GET", `/v1/sessions/${s.id}`)).status, 404);
  } finally {
    await h.close();
  }
});

Deno.test("leases: two clients on one access point; one closing keeps the link up, the last takes it down", async () => {
  const h = await setup();
  try {
    const a = await open(h, "a", "wlan");
    const b = await open(h, "b", "wlan");
    const holds = await (await h.req("GET", "/v1/configurations/wlan")).json();
    assert.equal(holds.holds, 2);
    await h.settle(h.req("DELETE", `/v1/sessions/${a.id}`, { client: "a" }));
    assert.equal(h.world.isUp("wlan"), true, "b still holds the link");
    assert.equal((await (await h.req("GET", `/v1/sessions/${b.id}`)).json()).state, "connected");
    await h.settle(h.req("DELETE", `/v1/sessions/${b.id}`, { client: "b" }));
    assert.equal(h.world.isUp("wlan"), false);
  } finally {
    await h.close();
  }
});

Deno.test("a client cannot act on another client's session (403), nor without saying who it is (400)", async () => {
  const h = await setup();
  try {
    const a = await open(h, "a", "wlan");
    for (
      const [method, path] of [
        ["DELETE", `/v1/sessions/${a.id}`],
        ["POST", `/v1/sessions/${a.id}/stop`],
        ["POST", `/v1/sessions/${a.id}/migrate`],
        ["PUT", `/v1/sessions/${a.id}/properties`],
      ]
    ) {
      const res = await h.req(method, path, { client: "mallory", body: {} });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.match((await errorOf(res)).message, /another client/);
    }
    const anonymous = await h.req("DELETE", `/v1/sessions/${a.id}`);
    assert.equal(anonymous.status, 400);
    assert.equal((await errorOf(anonymous)).field, "client");
    assert.equal(h.world.isUp("wlan"), true);
    const missing = await h.req("DELETE", "/v1/sessions/s-999", { client: "a" });
    assert.equal(missing.status, 404);
  } finally {
    await h.close();
  }
});

Deno.test("a client that stops heartbeating loses its sessions after the TTL; heartbeats keep them", async () => {
  const h = await setup({ leaseTtlMs: 10_000 });
  try {
    const events = h.daemon.bus.subscribe();
    const s = await open(h, "ghost", "wlan");
    await h.leaseClock.advance(9_000);
    const beat = await h.req("POST", "/v1/clients/ghost/heartbeat", { body: {} });
    assert.equal(beat.status, 200);
    assert.equal((await beat.json()).ttlMs, 10_000);
    await h.leaseClock.advance(9_000);
    assert.equal((await h.req("GET", `/v1/sessions/${s.id}`)).status, 200, "heartbeat renewed the lease");
    await h.leaseClock.advance(1_000);
    const closing = (await (await h.req("GET", `/v1/sessions/${s.id}`)).json()).state;
    assert.equal(closing, "closing", "closed at the TTL");
    await h.daemon.advance(1_000); // the simulated link takes its deactivation time
    assert.equal(h.world.isUp("wlan"), false);
    assert.equal((await h.req("GET", `/v1/sessions/${s.id}`)).status, 404);
    const types: string[] = [];
    for (let item = await events.next(0); item; item = await events.next(0)) {
      types.push(JSON.parse(item.data).type);
    }
    assert.ok(types.includes("client-expired"), types.join(","));
    events.close();
  } finally {
    await h.close();
  }
});

Deno.test("heartbeat validates ttlMs and the client id", async () => {
  const h = await setup();
  try {
    const bad = await h.req("POST", "/v1/clients/x/heartbeat", { body: { ttlMs: 5 } });
    assert.equal(bad.status, 400);
    assert.equal((await errorOf(bad)).field, "ttlMs");
    const badId = await h.req("POST", "/v1/clients/%20bad/heartbeat", { body: {} });
    assert.equal(badId.status, 400);
    assert.equal((await errorOf(badId)).field, "id");
    const ok = await h.req("POST", "/v1/clients/x/heartbeat", { body: { ttlMs: 60_000 } });
    assert.equal((await ok.json()).ttlMs, 60_000);
  } finally {
    await h.close();
  }
});

Deno.test("DELETE /v1/clients/:id closes every session of the client", async () => {
  const h = await setup();
  try {
    await open(h, "c", "wlan");
    await open(h, "c", "lte");
    const res = await h.settle(h.req("DELETE", "/v1/clients/c"));
    assert.equal((await res.json()).sessions.length, 2);
    assert.equal(h.world.isUp("wlan"), false);
    assert.equal(h.world.isUp("lte"), false);
  } finally {
    await h.close();
  }
});

Deno.test("stop aborts the other clients' sessions on the access point", async () => {
  const h = await setup();
  try {
    const a = await open(h, "a", "wlan");
    const b = await open(h, "b", "wlan");
    const res = await h.settle(h.req("POST", `/v1/sessions/${a.id}/stop`, { client: "a" }));
    assert.equal(res.status, 200);
    assert.equal(h.world.isUp("wlan"), false);
    assert.equal((await h.req("GET", `/v1/sessions/${b.id}`)).status, 404, "b was aborted and closed");
  } finally {
    await h.close();
  }
});

Deno.test("a failed activation answers 409 with the session error code and message", async () => {
  const h = await setup();
  try {
    h.world.failNextActivation("wlan", "the radio is broken");
    const res = await h.settle(
      h.req("POST", "/v1/sessions", { body: { configuration: "wlan", client: "a" } }),
    );
    assert.equal(res.status, 409);
    const e = await errorOf(res);
    assert.equal(e.code, "unknown");
    assert.match(e.message, /radio is broken/);
    assert.deepEqual((await (await h.req("GET", "/v1/sessions")).json()).sessions, []);
    const out = await h.settle(
      h.req("POST", "/v1/sessions", { body: { configuration: "far", client: "a" } }),
    );
    assert.equal(out.status, 409, "out of range");
  } finally {
    await h.close();
  }
});

Deno.test("session properties: read, set, validate, remove", async () => {
  const h = await setup();
  try {
    const s = await open(h, "p", "wlan");
    const props = await (await h.req("GET", `/v1/sessions/${s.id}/properties`)).json();
    assert.equal(props.properties.ActiveConfiguration, "wlan");
    assert.equal(props.properties.AutoCloseSessionTimeout, -1);
    const set = await h.req("PUT", `/v1/sessions/${s.id}/properties`, {
      client: "p",
      body: { ConnectInBackground: true, "x-app": "mail" },
    });
    assert.equal(set.status, 200);
    const after = (await set.json()).properties;
    assert.equal(after.ConnectInBackground, true);
    assert.equal(after["x-app"], "mail");
    const bad = await h.req("PUT", `/v1/sessions/${s.id}/properties`, {
      client: "p",
      body: { AutoCloseSessionTimeout: "soon" },
    });
    assert.equal(bad.status, 400);
    assert.equal((await errorOf(bad)).field, "AutoCloseSessionTimeout");
    const ro = await h.req("PUT", `/v1/sessions/${s.id}/properties`, {
      client: "p",
      body: { ActiveConfiguration: "lte" },
    });
    assert.equal(ro.status, 400);
    assert.match((await errorOf(ro)).message, /read-only/);
    const nested = await h.req("PUT", `/v1/sessions/${s.id}/properties`, {
      client: "p",
      body: { a: { b: 1 } },
    });
    assert.equal((await errorOf(nested)).field, "a");
    const removed = await h.req("PUT", `/v1/sessions/${s.id}/properties`, {
      client: "p",
      body: { "x-app": null },
    });
    assert.equal((await removed.json()).properties["x-app"], undefined);
  } finally {
    await h.close();
  }
});

Deno.test("world routes change the simulator and validate their input", async () => {
  const h = await setup();
  try {
    const bad = await h.req("POST", "/v1/world/signal", { body: { id: "wlan", signal: 101 } });
    assert.equal(bad.status, 400);
    assert.equal((await errorOf(bad)).field, "signal");
    const unknown = await h.req("POST", "/v1/world/signal", { body: { id: "nope", signal: 10 } });
    assert.equal(unknown.status, 404);
    const ok = await h.req("POST", "/v1/world/signal", { body: { id: "wlan", signal: 0 } });
    assert.equal(ok.status, 200);
    assert.equal((await (await h.req("GET", "/v1/configurations/wlan")).json()).state, "defined");

    const added = await h.req("POST", "/v1/world/access-points", {
      body: { id: "cafe", name: "Café", bearer: "wlan", signal: 40, metered: false },
    });
    assert.equal(added.status, 201);
    assert.equal((await (await h.req("GET", "/v1/configurations/cafe")).json()).state, "discovered");
    const dup = await h.req("POST", "/v1/world/access-points", { body: { id: "cafe" } });
    assert.equal(dup.status, 409);
    const badBearer = await h.req("POST", "/v1/world/access-points", { body: { id: "x", bearer: "pigeon" } });
    assert.equal((await errorOf(badBearer)).field, "bearer");
    const gone = await h.req("DELETE", "/v1/world/access-points/cafe");
    assert.equal(gone.status, 200);
    assert.equal((await h.req("GET", "/v1/configurations/cafe")).status, 404);

    const policies = await h.req("POST", "/v1/world/policies", {
      body: { policies: ["no-background-traffic"] },
    });
    assert.equal(policies.status, 200);
    const snap = await (await h.req("GET", "/v1/driver/snapshot")).json();
    assert.deepEqual(snap.usagePolicies, ["no-background-traffic"]);
    const badPolicy = await h.req("POST", "/v1/world/policies", { body: { policies: ["never"] } });
    assert.equal((await errorOf(badPolicy)).field, "policies[0]");

    const link = await h.req("POST", "/v1/world/access-points/lte/link", { body: { up: true } });
    assert.equal(link.status, 200);
    assert.equal(h.world.isUp("lte"), true);
  } finally {
    await h.close();
  }
});

Deno.test("/metrics is Prometheus text with sessions, holds, roams, errors and subscribers", async () => {
  const h = await setup();
  try {
    await open(h, "m", "wlan");
    const res = await h.req("GET", "/metrics");
    assert.match(res.headers.get("content-type") ?? "", /text\/plain/);
    const text = await res.text();
    assert.match(text, /^netsession_sessions_open 1$/m);
    assert.match(text, /^netsession_holds\{configuration="wlan"\} 1$/m);
    for (
      const name of [
        "netsession_roams_total",
        "netsession_session_errors_total",
        "netsession_event_subscribers",
      ]
    ) {
      assert.match(text, new RegExp(`# TYPE ${name} `));
    }
  } finally {
    await h.close();
  }
});

Deno.test("no page carries the token; the one-time sign-in link sets an HttpOnly cookie that enables the controls", async () => {
  const h = await setup();
  try {
    const anonymous = await h.app.request("/");
    const html = await anonymous.text();
    assert.doesNotMatch(html, new RegExp(TOKEN));
    assert.match(html, /name="netsession-signed-in" content=""/);
    assert.match(anonymous.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    const link = new URL(h.app.signInLink(), "http://127.0.0.1");
    const signIn = await h.app.request(link.pathname + link.search);
    assert.equal(signIn.status, 303);
    const cookie = signIn.headers.get("set-cookie") ?? "";
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\//);
    const again = await h.app.request(link.pathname + link.search);
    assert.equal(again.status, 403, "the link works once");
    await again.body?.cancel();
    const jar = cookie.split(";")[0];
    const page = await (await h.app.request("/", { headers: { Cookie: jar } })).text();
    assert.match(page, /name="netsession-signed-in" content="1"/);
    assert.doesNotMatch(page, new RegExp(TOKEN));
    const change = await h.app.request("/v1/scan", { method: "POST", headers: { Cookie: jar } });
    assert.equal(change.status, 200, "the cookie authorizes the page's changes");
    await change.body?.cancel();
    const forged = await h.app.request("/v1/scan", { method: "POST", headers: { Cookie: `${jar}x` } });
    assert.equal(forged.status, 401);
    await forged.body?.cancel();
  } finally {
    await h.close();
  }
});

Deno.test("unknown routes and methods answer JSON 404; GET /v1 lists the routes", async () => {
  const h = await setup();
  try {
    const res = await h.req("GET", "/v2/whatever");
    assert.equal(res.status, 404);
    assert.match((await errorOf(res)).message, /GET \/v1/);
    const index = await (await h.req("GET", "/v1")).json();
    assert.ok(index.routes.length > 20);
    const ws = await h.req("GET", "/v1/events/ws");
    assert.equal(ws.status, 426);
  } finally {
    await h.close();
  }
});

Deno.test("nothing a client sends makes the daemon fail: garbage to every route gets a JSON 4xx, never a 5xx", async () => {
  const h = await setup();
  try {
    const routes: [string, string][] = [
      ["POST", "/v1/sessions"],
      ["POST", "/v1/sessions/s-1/stop"],
      ["PUT", "/v1/sessions/s-1/properties"],
      ["POST", "/v1/clients/x/heartbeat"],
      ["POST", "/v1/world/signal"],
      ["POST", "/v1/world/access-points"],
      ["POST", "/v1/world/policies"],
      ["POST", "/v1/world/default"],
      ["POST", "/v1/world/traffic"],
      ["POST", "/v1/world/access-points/wlan/link"],
      ["POST", "/v1/configurations/wlan/check-reachability"],
      ["GET", "/v1/configurations?state=%00"],
      ["GET", "/v1/events?since=-1"],
      ["GET", "/v1/events?client=%20"],
    ];
    const bodies: unknown[] = [
      "",
      "{",
      "null",
      "[]",
      "123",
      { configuration: null },
      { id: { $gt: "" }, signal: "NaN" },
      { policies: "all" },
      { id: "wlan", signal: 1e309 },
      { ttlMs: -1 },
      '{"__proto__": {"polluted": true}, "configuration": 5}',
      { constructor: { prototype: { x: 1 } } },
      { id: "x".repeat(500) },
      { up: "yes" },
      { id: "wlan", rx: -5 },
    ];
    for (const [method, path] of routes) {
      for (const body of method === "GET" ? [undefined] : bodies) {
        const res = await h.req(method, path, { body, client: "fuzz" });
        assert.ok(res.status < 500, `${method} ${path} ${JSON.stringify(body)} -> ${res.status}`);
        if (res.status >= 400) assert.ok((await errorOf(res)).message.length > 0);
        else await res.body?.cancel();
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  } finally {
    await h.close();
  }
});

Deno.test("POST /v1/world/access-points takes device and connectTimeout and refuses a bad one naming the field", async () => {
  const h = await setup();
  try {
    const added = await h.req("POST", "/v1/world/access-points", {
      body: { id: "cafe", bearer: "wlan", signal: 40, device: "wlan7", connectTimeout: 5000 },
    });
    assert.equal(added.status, 201);
    const cafe = await (await h.req("GET", "/v1/configurations/cafe")).json();
    assert.equal(cafe.connectTimeout, 5000);

    const badTimeout = await h.req("POST", "/v1/world/access-points", {
      body: { id: "bar", connectTimeout: "soon" },
    });
    assert.equal(badTimeout.status, 400);
    const timeoutError = await errorOf(badTimeout);
    assert.equal(timeoutError.code, "bad-request");
    assert.equal(timeoutError.field, "connectTimeout");
    assert.match(timeoutError.message, /connectTimeout/);

    const badDevice = await h.req("POST", "/v1/world/access-points", { body: { id: "bar", device: "" } });
    assert.equal(badDevice.status, 400);
    assert.equal((await errorOf(badDevice)).field, "device");
    assert.equal((await h.req("GET", "/v1/configurations/bar")).status, 404);
  } finally {
    await h.close();
  }
});

Deno.test("POST /v1/world/scenario validates the steps and plays them on the virtual clock", async () => {
  const h = await setup();
  try {
    const bad = await h.req("POST", "/v1/world/scenario", {
      body: { steps: [{ at: 0, action: "explode" }] },
    });
    assert.equal(bad.status, 400);
    assert.equal((await errorOf(bad)).field, "steps[0].action");
    const backwards = await h.req("POST", "/v1/world/scenario", {
      body: {
        steps: [{ at: 500, action: "setSignal", id: "wlan", signal: 10 }, { at: 100, action: "setSignal" }],
      },
    });
    assert.equal((await errorOf(backwards)).field, "steps[1].at");
    const events = h.daemon.bus.subscribe();
    const ok = await h.req("POST", "/v1/world/scenario", {
      body: { steps: [{ at: 1000, action: "setSignal", id: "lte", signal: 0 }] },
    });
    assert.equal(ok.status, 202);
    // The play runs on the virtual clock (no real-time ticker in tests), a slice per turn: bounded wait.
    const seen: string[] = [];
    for (let i = 0; i < 200 && !seen.includes("finished"); i++) {
      const item = await events.next(50);
      if (!item) continue;
      const e = JSON.parse(item.data);
      if (e.type === "scenario") seen.push(e.status);
    }
    assert.equal(h.world.accessPoint("lte").state, "defined");
    assert.deepEqual(seen, ["started", "finished"]);
    events.close();
  } finally {
    await h.close();
  }
});
