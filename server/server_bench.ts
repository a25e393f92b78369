// deno task bench:server   (= deno run -A --v8-flags=--expose-gc server/server_bench.ts; about a minute)
//
// The daemon's costs against baselines measured in the same run (issue 15); prints a markdown table. No
// assertion: these machines are noisy (2 cores, shared), a BELOW is reported, not thrown. gc() runs before each
// timed sample or round (of either side) when --expose-gc is on. `--only uncached|cached|sse` runs one part.
//
// 1. Uncached GET /v1/configurations: the first list after a world change (world.setSignal on one access
//    point: an event, so the daemon's cached answer is stale), in-process with app.request() (the daemon's
//    whole stack: guards, the JSON of every configuration, encoding, the answer, reading its body), against a
//    bare JSON.stringify of the same data (the answer parsed back), timed alternately; the ratio is the median
//    of each sample's ratio. Two sizes 10x apart: 1,000 and 10,000 access points (and one service network per
//    100 of them, and 100 daemon sessions on 10 of them); a flat ratio means the cost is linear like the
//    baseline. Target: <= 5x at 10,000.
// 2. Cached GET /v1/configurations over HTTP on loopback (fetch, 32 concurrent clients, alternating rounds;
//    the ratio is the median of each round pair's bare time / daemon time, i.e. of requests/s) against a bare
//    Hono route served by the same Deno.serve (dispatched by path) that returns the same answer (status,
//    headers and body bytes, as a clone of a made Response: the cheapest a route can answer). Target: >= 0.9x.
//    For information: the same against a bare route sending the body with its Content-Type only, and
//    in-process (app.request for both sides).
// 3. SSE fan-out of one world change to 5,000 subscribers of GET /v1/events against a bare Deno.serve
//    broadcast: scripts/bench/daemon_sse.ts (see there), in a process of its own (file descriptors, a fresh
//    heap). Target: <= 1.2x. Also at 500 subscribers, so that the cost per subscriber shows at two sizes.
import { Hono } from "hono";
import { createApp, createDefaultWorld, Daemon } from "./mod.ts";
import { SimDriver, SimWorld } from "@netsession/sim";
import type { FanOutResult } from "../scripts/bench/daemon_sse.ts";

const TOKEN = "bench-token-0123456789abcdef";
const gc = (globalThis as { gc?: () => void }).gc;

interface Row {
  what: string;
  size: string;
  cost: string;
  baseline: string;
  ratio: number;
  target: string;
  ok: boolean | undefined;
}
const rows: Row[] = [];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const fmt = (n: number) => n.toLocaleString("en-US");
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 1)} ms`;
const us = (x: number) => `${x.toFixed(1)} µs`;

/**
 * The string as a flat string, as names read from a file, D-Bus or a request body are (a name made with a
 * template literal is a V8 cons string, which JSON.stringify walks again on every call: the list would be
 * slower than a JSON.stringify of the same data parsed back for a reason that is not the daemon's).
 */
function flat(s: string): string {
  return JSON.parse(JSON.stringify(s));
}

/** A daemon on a simulated world of `accessPoints` access points (with service networks and sessions). */
async function bigDaemon(accessPoints: number): Promise<{ world: SimWorld; daemon: Daemon }> {
  const world = new SimWorld({ seed: 1 });
  const bearers = ["wlan", "wlan", "lte", "ethernet"] as const;
  for (let i = 0; i < accessPoints; i++) {
    world.addAccessPoint({
      id: `ap-${i}`,
      name: flat(`Access point ${i}`),
      bearer: bearers[i % 4],
      signal: 5 + (i * 37) % 90,
      metered: i % 4 === 2,
      activationMs: 100,
    });
  }
  for (let k = 0; k < accessPoints / 100; k++) {
    world.addServiceNetwork({
      id: `sn-${k}`,
      members: [0, 1, 2, 3].map((j) => `ap-${(k * 4 + j) % accessPoints}`),
    });
  }
  const daemon = await Daemon.create({
    driver: new SimDriver(world),
    world,
    managerClock: world.clock,
    statisticsIntervalMs: 0,
  });
  const opening = [];
  for (let s = 0; s < 100; s++) {
    opening.push(daemon.openSession({ configuration: `ap-${s % 10}`, client: `client-${s % 10}` }));
  }
  let done = false;
  const all = Promise.all(opening).then(() => done = true);
  for (let i = 0; i < 100 && !done; i++) await daemon.advance(50);
  await all;
  return { world, daemon };
}

/** Target 1: the first list after a world change, against JSON.stringify of the same data. */
async function uncachedList(accessPoints: number, samples: number, warmUp: number): Promise<void> {
  const { world, daemon } = await bigDaemon(accessPoints);
  const app = createApp(daemon, { token: TOKEN });
  const daemonTimes: number[] = [];
  const bareTimes: number[] = [];
  let text = "";
  for (let k = 0; k < warmUp + samples; k++) {
    world.setSignal("ap-1", k % 2 ? 11 : 12); // an event (ap-1 has signal 42): the cached list is stale
    gc?.();
    const started = performance.now();
    const res = await app.request("/v1/configurations");
    const bytes = await res.arrayBuffer();
    const took = performance.now() - started;
    if (res.status !== 200) throw new Error(`GET /v1/configurations: ${res.status}`);
    text = new TextDecoder().decode(bytes);
    const data = JSON.parse(text);
    if (data.seq !== daemon.bus.seq || data.configurations.length !== accessPoints + accessPoints / 100) {
      throw new Error("the list is not the world's");
    }
    gc?.();
    const t0 = performance.now();
    const again = JSON.stringify(data);
    const bare = performance.now() - t0;
    if (again.length !== text.length) throw new Error("the baseline does not make the same text");
    if (k >= warmUp) {
      daemonTimes.push(took);
      bareTimes.push(bare);
    }
  }
  const cost = median(daemonTimes), base = median(bareTimes);
  const ratio = median(daemonTimes.map((d, n) => d / bareTimes[n])); // each sample against its own baseline
  rows.push({
    what: "uncached `GET /v1/configurations` (in-process) vs `JSON.stringify` of the same data",
    size: `${fmt(accessPoints + accessPoints / 100)} configurations (${(text.length / 1e6).toFixed(2)} MB)`,
    cost: ms(cost),
    baseline: ms(base),
    ratio,
    target: "≤ 5x",
    ok: ratio <= 5,
  });
  await daemon.close();
}

/**
 * The bare route of target 2: Hono, one route, the daemon's answer without any of its work. `"same"`: the
 * same answer (status, headers and body bytes, as the fastest bare route sends it: a clone of a made
 * Response); `"body"`: the same body with its Content-Type only (the price of the other headers shows).
 */
async function bareRoute(path: string, answer: Response, kind: "same" | "body"): Promise<Hono> {
  const headers: Record<string, string> = {};
  for (const name of ["Content-Type", "ETag", "Cache-Control", "X-Content-Type-Options"]) {
    headers[name] = answer.headers.get(name)!;
  }
  const body = new Uint8Array(await answer.arrayBuffer());
  const template = new Response(body, { status: 200, headers });
  return kind === "same"
    ? new Hono().get(path, () => template.clone())
    : new Hono().get(path, (c) => c.body(body, 200, { "Content-Type": "application/json" }));
}

/**
 * Target 2 over HTTP: the cached list against a bare route, `rounds` alternating rounds of `requests` each
 * (32 concurrent clients); the ratio is the median of each round pair's (bare time / daemon time).
 */
async function cachedListHttp(
  daemon: Daemon,
  label: string,
  kind: "same" | "body",
  requests: number,
  rounds: number,
): Promise<void> {
  const ref: { app?: ReturnType<typeof createApp>; bare?: Hono } = {};
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    if (req.url.endsWith("/bare")) return ref.bare!.fetch(req);
    return ref.app!.fetch(req, { transport: "tcp" });
  });
  ref.app = createApp(daemon, { token: TOKEN, allowedHosts: [`127.0.0.1:${server.addr.port}`] });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const answer = await fetch(`${base}/v1/configurations`);
  const size = Number(answer.headers.get("content-length"));
  ref.bare = await bareRoute("/bare", answer, kind);
  const load = async (path: string, total: number): Promise<number> => {
    let next = 0;
    gc?.();
    const started = performance.now();
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < total) {
        next++;
        const res = await fetch(base + path);
        if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
        await res.arrayBuffer();
      }
    }));
    return (performance.now() - started) * 1000 / total; // µs per request, all clients together
  };
  await load("/bare", requests);
  await load("/v1/configurations", requests);
  const daemonTimes: number[] = [];
  const bareTimes: number[] = [];
  for (let r = 0; r < rounds; r++) {
    bareTimes.push(await load("/bare", requests));
    daemonTimes.push(await load("/v1/configurations", requests));
  }
  const cost = median(daemonTimes), b = median(bareTimes);
  const ratio = median(daemonTimes.map((d, i) => bareTimes[i] / d));
  rows.push({
    what: `cached \`GET /v1/configurations\` (HTTP, loopback, 32 clients) vs a bare Hono route, ${
      kind === "same" ? "same answer (headers and body)" : "same body, Content-Type only"
    }`,
    size: `${label} (${fmt(size)} B)`,
    cost: `${us(cost)} (${fmt(Math.round(1e6 / cost))} req/s)`,
    baseline: `${us(b)} (${fmt(Math.round(1e6 / b))} req/s)`,
    ratio,
    target: kind === "same" ? "≥ 0.9x req/s" : "(information)",
    ok: kind === "same" ? ratio >= 0.9 : undefined,
  });
  await server.shutdown();
}

/** The same in-process (app.request for both sides, same answer), alternating rounds. */
async function cachedListInProcess(daemon: Daemon, label: string, requests: number): Promise<void> {
  const app = createApp(daemon, { token: TOKEN });
  const answer = await app.request("/v1/configurations");
  const size = Number(
    answer.headers.get("content-length") ?? (await answer.clone().arrayBuffer()).byteLength,
  );
  const bare = await bareRoute("/v1/configurations", answer, "same");
  const time = async (a: { request(path: string): Response | Promise<Response> }) => {
    gc?.();
    const started = performance.now();
    for (let i = 0; i < requests; i++) await (await a.request("/v1/configurations")).arrayBuffer();
    return (performance.now() - started) * 1000 / requests;
  };
  await time(app);
  await time(bare);
  const daemonTimes: number[] = [];
  const bareTimes: number[] = [];
  for (let r = 0; r < 9; r++) {
    bareTimes.push(await time(bare));
    daemonTimes.push(await time(app));
  }
  const ratio = median(daemonTimes.map((d, i) => bareTimes[i] / d));
  rows.push({
    what: "cached `GET /v1/configurations` in-process (`app.request`) vs a bare Hono route, same answer",
    size: `${label} (${fmt(size)} B)`,
    cost: us(median(daemonTimes)),
    baseline: us(median(bareTimes)),
    ratio,
    target: "(information)",
    ok: undefined,
  });
}

/** Target 3: runs scripts/bench/daemon_sse.ts in a process of its own. */
async function fanOut(subscribers: number): Promise<void> {
  const script = new URL("../scripts/bench/daemon_sse.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", script, "--subscribers", String(subscribers), "--json"],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`${script} failed (exit ${out.code})`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  const r: FanOutResult = JSON.parse(lines[lines.length - 1]);
  rows.push({
    what: "SSE fan-out of one world change until every subscriber read it vs a bare `Deno.serve` broadcast",
    size: `${fmt(r.subscribers)} subscribers (TCP, ulimit -n ${r.fdLimit})`,
    cost: `${ms(r.daemonMs)} (${us(r.daemonMs * 1000 / r.subscribers)} a subscriber)`,
    baseline: `${ms(r.bareMs)} (${us(r.bareMs * 1000 / r.subscribers)} a subscriber)`,
    ratio: r.daemonMs / r.bareMs,
    // the target is at 5,000 subscribers; a smaller size shows how the cost grows (per subscriber)
    target: subscribers >= 5_000 ? "≤ 1.2x" : "(scaling)",
    ok: subscribers >= 5_000 ? r.daemonMs / r.bareMs <= 1.2 : undefined,
  });
}

async function main() {
  const started = performance.now();
  // --only uncached|cached|sse runs one part (for development; the table is made of what ran).
  const at = Deno.args.indexOf("--only");
  const only = at >= 0 ? Deno.args[at + 1] : undefined;
  if (only === undefined || only === "uncached") {
    await uncachedList(1_000, 41, 20);
    await uncachedList(10_000, 21, 4);
  }
  if (only === undefined || only === "cached") {
    const small = createDefaultWorld(1);
    const smallDaemon = await Daemon.create({
      driver: new SimDriver(small),
      world: small,
      managerClock: small.clock,
      statisticsIntervalMs: 0,
    });
    await cachedListHttp(smallDaemon, "5 configurations", "same", 2000, 11);
    const { daemon: big } = await bigDaemon(1_000);
    await cachedListHttp(big, "1,010 configurations", "same", 200, 9);
    await cachedListHttp(smallDaemon, "5 configurations", "body", 2000, 7);
    await cachedListInProcess(smallDaemon, "5 configurations", 10_000);
    await smallDaemon.close();
    await big.close();
  }
  if (only === undefined || only === "sse") {
    await fanOut(500); // two sizes 10x apart: the cost per subscriber shows in the cost column
    await fanOut(5_000);
  }

  console.log(
    `netsession daemon bench (issue 15), ${gc ? "gc() before each sample" : "without --expose-gc"}`,
  );
  console.log("");
  console.log("| what | size | cost | baseline | ratio | target | OK/BELOW |");
  console.log("| ---- | ---- | ---- | -------- | ----- | ------ | -------- |");
  for (const r of rows) {
    const verdict = r.ok === undefined ? "—" : r.ok ? "OK" : "BELOW";
    console.log(
      `| ${r.what} | ${r.size} | ${r.cost} | ${r.baseline} | ${
        r.ratio.toFixed(2)
      }x | ${r.target} | ${verdict} |`,
    );
  }
  console.log("");
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

if (import.meta.main) await main();
