// The kept configuration list's way past Hono (cachedListPath): it answers only what the guards would let pass
// with nothing to say, and only from a list made for the current events; anything else goes the whole way
// (undefined), where the guards refuse it or the route makes it.
import assert from "node:assert/strict";
import { answerClone, cachedListPath, routeAnswer } from "./guards.ts";
import type { RouteContext } from "./_context.ts";

const TOKEN = "fast-path-token-0123456789";
const kept = routeAnswer(new TextEncoder().encode('{"configurations":[]}'), 200, {
  "Content-Type": "application/json",
  ETag: '"t-1"',
});
let current: Response | undefined = kept;
const path = cachedListPath(
  { token: TOKEN } as unknown as RouteContext,
  new Set(["127.0.0.1:7421", "localhost"]),
  () => current,
);
const URL_ = "http://127.0.0.1:7421/v1/configurations";
const get = (init: RequestInit & { url?: string } = {}, transport?: "unix" | "tcp") =>
  path(new Request(init.url ?? URL_, init), transport === undefined ? undefined : { transport });

Deno.test("cachedListPath answers an allowed GET of the whole list with a clone of the kept answer", async () => {
  current = kept;
  for (
    const [init, transport] of [
      [{}, "tcp"],
      [{ headers: { Authorization: `Bearer ${TOKEN}` } }, "tcp"],
      [{ headers: { Origin: "http://127.0.0.1:7421" } }, "tcp"],
      [{ url: "http://localhost/v1/configurations" }, undefined], // in-process: no Host header, the URL's
      [{ headers: { Host: "evil.example" } }, "unix"], // over the socket Host does not matter
    ] as const
  ) {
    const res = get(init, transport);
    assert.ok(res, JSON.stringify(init));
    assert.notEqual(res, kept, "a clone, never the kept answer itself");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("etag"), '"t-1"');
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(await res.text(), '{"configurations":[]}');
  }
  assert.equal(await kept.clone().text(), '{"configurations":[]}', "the kept answer is still whole");
});

Deno.test("cachedListPath leaves to the guards and the route whatever they would have something to say of", () => {
  current = kept;
  const cases: [string, RequestInit & { url?: string }, "unix" | "tcp" | undefined][] = [
    ["a foreign Host", { headers: { Host: "evil.example:7421" } }, "tcp"],
    ["a foreign Origin", { headers: { Origin: "http://evil.example" } }, "tcp"],
    ["a wrong token", { headers: { Authorization: "Bearer wrong-token-0123456789" } }, "tcp"],
    ["a malformed Authorization", { headers: { Authorization: "Basic abc" } }, "tcp"],
    ["If-None-Match", { headers: { "If-None-Match": '"t-1"' } }, "tcp"],
    ["HEAD", { method: "HEAD" }, "tcp"],
    ["POST", { method: "POST" }, "tcp"],
    ["a query", { url: `${URL_}?state=active` }, "tcp"],
    ["another path", { url: "http://127.0.0.1:7421/v1/configurations/wlan" }, "tcp"],
    ["a path that only ends the same", { url: "http://127.0.0.1:7421/x/v1/configurations" }, "tcp"],
  ];
  for (const [what, init, transport] of cases) assert.equal(get(init, transport), undefined, what);
  current = undefined; // no list made for the current events: the route makes it
  assert.equal(get({}, "tcp"), undefined, "no current list");
});

Deno.test("answerClone keeps the kept answer's headers complete", () => {
  const clone = answerClone(kept);
  assert.equal(clone.headers.get("x-content-type-options"), "nosniff");
  assert.equal(clone.headers.get("cache-control"), "no-store");
});
