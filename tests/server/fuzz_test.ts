// Fuzzing the app as an unauthenticated peer (`app.request`, no token, no cookie): random methods, paths,
// headers and bodies. Every answer is below 500, nothing stays allocated (clients, subscriptions, leases,
// sign-ins), the session counter and the token are unchanged, and no answer carries the token.
import assert from "node:assert/strict";
import fc from "fast-check";
import { setup, TOKEN } from "./_helpers.ts";

const PATHS = [
  "/",
  "/sign-in",
  "/metrics",
  "/v1",
  "/v1/status",
  "/v1/capabilities",
  "/v1/configurations",
  "/v1/configurations/wlan",
  "/v1/configurations/wlan/budget",
  "/v1/configurations/wlan/check-reachability",
  "/v1/driver/snapshot",
  "/v1/scan",
  "/v1/sessions",
  "/v1/sessions/s-1",
  "/v1/sessions/s-1/stop",
  "/v1/sessions/s-1/properties",
  "/v1/clients",
  "/v1/clients/victim/heartbeat",
  "/v1/clients/victim",
  "/v1/events",
  "/v1/events/ws",
  "/v1/world",
  "/v1/world/signal",
  "/v1/world/scenario",
  "/v1/world/access-points",
  "/v1/sign-in",
];

const method = fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");
const path = fc.oneof(
  fc.constantFrom(...PATHS),
  fc.tuple(fc.constantFrom(...PATHS), fc.string({ maxLength: 20 })).map(([p, s]) =>
    `${p}/${encodeURIComponent(s)}`
  ),
  fc.tuple(
    fc.constantFrom(...PATHS),
    fc.constantFrom("client", "since", "key", "code", "configuration", "state"),
  )
    .chain(([p, k]) => fc.string({ maxLength: 40 }).map((v) => `${p}?${k}=${encodeURIComponent(v)}`)),
);
const header = fc.oneof(
  fc.tuple(
    fc.constantFrom(
      "X-Netsession-Client",
      "X-Netsession-Client-Key",
      "Last-Event-ID",
      "Upgrade",
      "Origin",
      "Cookie",
      "Content-Type",
    ),
    fc.oneof(
      fc.constantFrom("victim", "websocket", "http://127.0.0.1", "-1", "999999999999"),
      fc.string({ maxLength: 30 }),
    ),
  ),
  fc.tuple(
    fc.constantFrom("Authorization"),
    fc.constantFrom("Bearer", "Bearer x", "Basic eA==", `Bearer ${TOKEN}x`),
  ),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('{"configuration":"wlan","client":"victim"}', '{"id":"wlan","signal":1}', '{"steps":[]}'),
);

Deno.test("fuzz: random unauthenticated requests get no 5xx, allocate nothing, change nothing", async () => {
  const h = await setup();
  const statuses = new Map<number, number>();
  let tried = 0;
  let peak = 0;
  try {
    const snapshot = () => ({
      clients: h.daemon.clients().length,
      subscribers: h.daemon.bus.subscriberCount,
      holds: [...h.daemon.manager.holdCounts().values()].reduce((a, b) => a + b, 0),
      sessions: h.daemon.sessions().length,
      signIns: h.app.signIns(),
      signals: h.world.accessPoint("wlan").signal,
    });
    const before = snapshot();
    await fc.assert(
      fc.asyncProperty(method, path, fc.array(header, { maxLength: 4 }), body, async (m, p, hs, b) => {
        tried++;
        const headers = new Headers();
        for (const [k, v] of hs) {
          try {
            headers.set(k, v);
          } catch { /* not a valid header value: skip it */ }
        }
        const init: RequestInit = { method: m, headers };
        if (b !== undefined && m !== "GET" && m !== "HEAD") init.body = b;
        const res = await h.app.request(p, init);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok(res.status < 500, `${m} ${p}: ${res.status}`);
        // Read a bounded prefix (an anonymous event stream would go on), then let go of the answer.
        if (res.body) {
          const reader = res.body.getReader();
          let text = "";
          const first = await reader.read();
          if (!first.done) text += new TextDecoder().decode(first.value);
          await reader.cancel();
          assert.ok(!text.includes(TOKEN), `${m} ${p} gave the token away`);
        }
        peak = Math.max(peak, Deno.memoryUsage().heapUsed);
        assert.deepEqual(snapshot(), before, `${m} ${p} left something behind`);
      }),
      { numRuns: 1500 },
    );
  } finally {
    await h.close();
  }
  console.log(
    `fuzz: ${tried} requests; statuses ${
      [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(" ")
    }; peak heap ${(peak / 2 ** 20).toFixed(1)} MiB`,
  );
});
