// The cached configuration list (issue 15): its bytes and entity tag are kept per event seq, a world event
// (or budget usage moving) makes the next list new, `If-None-Match` answers 304, the answer headers stay;
// the list is made in one pass (session counts per configuration).
import assert from "node:assert/strict";
import { errorOf, makeWorld, setup, startDaemon } from "./_helpers.ts";

interface Listed {
  configurations: { identifier: string; signal: number | null; sessions: number; holds: number }[];
  seq: number;
}

Deno.test("a cached list is the same bytes and tag until a world event; the next list shows the change", async () => {
  const h = await setup();
  try {
    const first = await h.req("GET", "/v1/configurations");
    assert.equal(first.status, 200);
    const tag = first.headers.get("etag");
    assert.match(tag ?? "", /^"[^"]+"$/, "a strong entity tag");
    const firstText = await first.text();
    const again = await h.req("GET", "/v1/configurations");
    assert.equal(again.headers.get("etag"), tag);
    assert.equal(await again.text(), firstText, "the cached bytes");

    h.world.setSignal("wlan", 33);
    const changed = await h.req("GET", "/v1/configurations");
    const changedTag = changed.headers.get("etag");
    assert.notEqual(changedTag, tag, "a world event gives a new tag");
    const body: Listed = await changed.json();
    assert.equal(body.configurations.find((c) => c.identifier === "wlan")!.signal, 33);
    assert.equal(body.seq, h.daemon.bus.seq);

    h.world.setSignal("wlan", 34);
    h.world.setSignal("wlan", 35);
    const twice: Listed = await (await h.req("GET", "/v1/configurations")).json();
    assert.equal(twice.configurations.find((c) => c.identifier === "wlan")!.signal, 35);
  } finally {
    await h.close();
  }
});

Deno.test("the cached list keeps the answer headers; HEAD has them and no body", async () => {
  const h = await setup();
  try {
    for (const method of ["GET", "GET", "HEAD"]) {
      const res = await h.req(method, "/v1/configurations", { token: null });
      assert.equal(res.status, 200, method);
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.ok(res.headers.get("etag"));
      if (method === "HEAD") assert.equal(res.body, null);
      else await res.body?.cancel();
    }
    // The guards still come first on the cached path: a foreign Host, a foreign Origin, a wrong token.
    const host = await h.req("GET", "/v1/configurations", { headers: { Host: "evil.example:7421" } });
    assert.equal(host.status, 403);
    assert.equal((await errorOf(host)).field, "Host");
    const origin = await h.req("GET", "/v1/configurations", { headers: { Origin: "http://evil.example" } });
    assert.equal(origin.status, 403);
    assert.equal((await errorOf(origin)).field, "Origin");
    const token = await h.req("GET", "/v1/configurations", { token: "wrong-token-0123456789" });
    assert.equal(token.status, 401);
    assert.equal((await errorOf(token)).field, "Authorization");
  } finally {
    await h.close();
  }
});

Deno.test("If-None-Match with the list's tag answers 304 without a body until the list changes", async () => {
  const h = await setup();
  try {
    const tag = (await h.req("GET", "/v1/configurations")).headers.get("etag")!;
    for (const sent of [tag, `W/${tag}`, `"other", ${tag}`, "*"]) {
      const res = await h.req("GET", "/v1/configurations", { headers: { "If-None-Match": sent } });
      assert.equal(res.status, 304, sent);
      assert.equal(res.headers.get("etag"), tag);
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(await res.text(), "");
    }
    const other = await h.req("GET", "/v1/configurations", { headers: { "If-None-Match": '"other"' } });
    assert.equal(other.status, 200);
    await other.body?.cancel();

    h.world.setSignal("lte", 10);
    const res = await h.req("GET", "/v1/configurations", { headers: { "If-None-Match": tag } });
    assert.equal(res.status, 200, "the world changed: the old tag no longer matches");
    assert.notEqual(res.headers.get("etag"), tag);
    const body: Listed = await res.json();
    assert.equal(body.configurations.find((c) => c.identifier === "lte")!.signal, 10);
  } finally {
    await h.close();
  }
});

Deno.test("each ?state= filter is cached apart, and all of them are new after an event", async () => {
  const h = await setup();
  try {
    const ids = async (query: string) =>
      ((await (await h.req("GET", `/v1/configurations${query}`)).json()) as Listed).configurations
        .map((c) => c.identifier).sort();
    assert.deepEqual(await ids(""), ["far", "internet", "lte", "wlan"]);
    assert.deepEqual(await ids("?state=discovered"), ["internet", "lte", "wlan"]);
    assert.deepEqual(await ids("?state=active"), []);
    h.world.setSignal("far", 50); // comes into range
    assert.deepEqual(await ids("?state=discovered"), ["far", "internet", "lte", "wlan"]);
    assert.deepEqual(await ids("?state=active"), []);
    assert.equal((await h.req("GET", "/v1/configurations?state=nope")).status, 400);
  } finally {
    await h.close();
  }
});

Deno.test("budget usage that moves without an event gives a new list and tag", async () => {
  const h = await setup(); // statistics events off: only the budget meter sees the traffic
  try {
    await h.settle(h.req("POST", "/v1/sessions", { body: { configuration: "wlan", client: "app" } }));
    assert.equal(
      (await h.req("PUT", "/v1/configurations/wlan/budget", { body: { bytes: 100_000 } })).status,
      200,
    );
    const before = await h.req("GET", "/v1/configurations");
    const tag = before.headers.get("etag");
    await before.body?.cancel();
    const seq = h.daemon.bus.seq;
    h.world.traffic("wlan", { rx: 4000, tx: 1000 });
    await h.daemon.advance(1000);
    const after = await h.req("GET", "/v1/configurations");
    assert.notEqual(after.headers.get("etag"), tag);
    const wlan = ((await after.json()) as { configurations: { identifier: string; dataBudget: unknown }[] })
      .configurations.find((c) => c.identifier === "wlan")!;
    assert.deepEqual(wlan.dataBudget, { bytes: 100_000, used: 5000, warnAt: 0.8 });
    assert.equal(h.daemon.bus.seq, seq, "no event told of it");
  } finally {
    await h.close();
  }
});

Deno.test("a budget set on the daemon's manager directly shows in the list from the next event on", async () => {
  const h = await setup();
  try {
    await (await h.req("GET", "/v1/configurations")).body?.cancel();
    h.daemon.manager.setDataBudget("lte", { bytes: 5000 });
    h.world.setSignal("lte", 61);
    const lte = ((await (await h.req("GET", "/v1/configurations")).json()) as {
      configurations: { identifier: string; dataBudget: unknown }[];
    }).configurations.find((c) => c.identifier === "lte")!;
    assert.deepEqual(lte.dataBudget, { bytes: 5000, used: 0, warnAt: 0.8 });
  } finally {
    await h.close();
  }
});

Deno.test("the list counts each configuration's daemon sessions (one pass) as configurationInfo does", async () => {
  const h = await setup();
  try {
    const open = (configuration: string, client: string) =>
      h.settle(h.req("POST", "/v1/sessions", { body: { configuration, client } }));
    for (const [configuration, client] of [["wlan", "a"], ["wlan", "b"], ["lte", "a"], ["internet", "c"]]) {
      assert.equal((await open(configuration, client)).status, 201);
    }
    const listed: Listed = await (await h.req("GET", "/v1/configurations")).json();
    const counts = Object.fromEntries(listed.configurations.map((c) => [c.identifier, c.sessions]));
    assert.deepEqual(counts, { far: 0, internet: 1, lte: 1, wlan: 2 });
    for (const c of listed.configurations) {
      assert.deepEqual(c, h.daemon.configurationInfo(c.identifier), c.identifier);
    }
    assert.deepEqual(listed.configurations, h.daemon.configurationInfos());
  } finally {
    await h.close();
  }
});

Deno.test("over TCP and the socket, every answer of the cached list carries its whole body and headers", async () => {
  const world = makeWorld();
  const d = await startDaemon({ world });
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path: d.server.socket! } });
  try {
    const read = async (url: string, init?: RequestInit & { client?: Deno.HttpClient }) => {
      const res = await fetch(url, init);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("content-type"), "application/json");
      return { tag: res.headers.get("etag"), text: await res.text() };
    };
    const tcp = `${d.server.url}/v1/configurations`;
    const answers = await Promise.all(
      Array.from(
        { length: 12 },
        (_, i) => i % 2 ? read(tcp) : read("http://localhost/v1/configurations", { client }),
      ),
    );
    for (const a of answers) assert.deepEqual(a, answers[0]);
    assert.equal((JSON.parse(answers[0].text) as Listed).configurations.length, 4);
    world.setSignal("wlan", 12);
    const after = await read(tcp);
    assert.notEqual(after.tag, answers[0].tag);
    assert.equal(
      (JSON.parse(after.text) as Listed).configurations.find((c) => c.identifier === "wlan")!.signal,
      12,
    );
  } finally {
    client.close();
    await d.stop();
  }
});

Deno.test("configuration JSON copies the driver's frozen records into plain values (V8's fast JSON path)", async () => {
  const h = await setup();
  try {
    await h.settle(h.req("POST", "/v1/sessions", { body: { configuration: "wlan", client: "app" } }));
    const data = h.daemon.manager.configurationFromIdentifier("wlan").data!;
    assert.ok(Object.isFrozen(data.interface), "the simulator freezes its records");
    const info = h.daemon.configurationInfo("wlan")!;
    assert.deepEqual(info.interface, data.interface);
    assert.ok(!Object.isFrozen(info.interface));
    const listed = h.daemon.configurationInfos().find((c) => c.identifier === "wlan")!;
    assert.ok(!Object.isFrozen((listed.interface as { addresses: unknown }).addresses));
  } finally {
    await h.close();
  }
});

Deno.test("every answer of a request that passed the guards is no-store and nosniff, unless it chose its own caching", async () => {
  const h = await setup();
  try {
    for (
      const [method, path, status] of [
        ["GET", "/v1/status", 200], // made by c.json
        ["GET", "/v1/no-such-route", 404], // the not-found answer
        ["GET", "/v1/configurations/no-such-id", 404], // an error thrown by a route
        ["POST", "/v1/scan", 200], // a mutating route
        ["HEAD", "/v1/status", 200],
      ] as const
    ) {
      const res = await h.req(method, path, method === "POST" ? { body: {} } : {});
      assert.equal(res.status, status, `${method} ${path}`);
      assert.equal(res.headers.get("cache-control"), "no-store", `${method} ${path}`);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", `${method} ${path}`);
      await res.body?.cancel();
    }
    const icon = await h.req("GET", "/favicon.svg");
    assert.equal(icon.headers.get("cache-control"), "public, max-age=86400", "the icon keeps its own");
    assert.equal(icon.headers.get("x-content-type-options"), "nosniff");
    await icon.body?.cancel();
  } finally {
    await h.close();
  }
});
