// deno run -A server/server_bench.ts   (loopback only, bounded loops; prints one report)
//
// 1. Requests/s of GET /v1/configurations (the daemon's full stack: Host/Origin guards, JSON of every
//    configuration) against a bare Hono route served by the same Deno.serve server, with the same client
//    concurrency. Goal: >= 0.7x.
// 2. SSE fan-out: time for 1,000 local subscribers of GET /v1/events to all receive one world change.
import { Hono } from "hono";
import { createApp, createDefaultWorld, Daemon } from "./mod.ts";
import { SimDriver } from "@netsession/sim";

const REQUESTS = 4000;
const WARMUP = 400;
const CONCURRENCY = 32;
const SUBSCRIBERS = 1000;
const ROUNDS = 3;

async function main() {
  const world = createDefaultWorld(1);
  const daemon = await Daemon.create({ driver: new SimDriver(world), world, managerClock: world.clock });
  const bare = new Hono().get("/bare", (c) => c.json({ ok: true }));
  const ref: { app?: ReturnType<typeof createApp> } = {};
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req, info) => {
    if (new URL(req.url).pathname === "/bare") return bare.fetch(req);
    return ref.app!.fetch(req, { remoteAddr: info.remoteAddr });
  });
  const port = server.addr.port;
  ref.app = createApp(daemon, { token: "bench-token-0123456789", allowedHosts: [`127.0.0.1:${port}`] });
  const base = `http://127.0.0.1:${port}`;

  const load = async (path: string, total: number): Promise<number> => {
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        next++;
        const res = await fetch(base + path);
        if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
        await res.arrayBuffer();
      }
    }));
    return total / ((performance.now() - started) / 1000);
  };

  await load("/bare", WARMUP);
  await load("/v1/configurations", WARMUP);
  const bareRps = await load("/bare", REQUESTS);
  const configsRps = await load("/v1/configurations", REQUESTS);
  const ratio = configsRps / bareRps;

  // SSE fan-out.
  const decoder = new TextDecoder();
  const readers = await Promise.all(Array.from({ length: SUBSCRIBERS }, async () => {
    const res = await fetch(`${base}/v1/events`);
    return res.body!.getReader();
  }));
  const waitFor = async (reader: ReadableStreamDefaultReader<Uint8Array>, needle: string) => {
    let text = "";
    while (!text.includes(needle)) {
      const { done, value } = await reader.read();
      if (done) throw new Error("stream ended");
      text += decoder.decode(value, { stream: true });
    }
  };
  await Promise.all(readers.map((r) => waitFor(r, '"type":"hello"')));
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const signal = 40 + round;
    const needle = `"signal":${signal}`;
    const all = Promise.all(readers.map((r) => waitFor(r, needle)));
    const started = performance.now();
    world.setSignal("office-wlan", signal);
    await all;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);

  console.log(
    `netsession server bench (loopback, ${CONCURRENCY} concurrent clients, ${REQUESTS} requests each)`,
  );
  console.log(`  bare Hono route          ${bareRps.toFixed(0).padStart(8)} req/s`);
  console.log(
    `  GET /v1/configurations   ${configsRps.toFixed(0).padStart(8)} req/s   ${
      ratio.toFixed(2)
    }x of bare (goal >= 0.7x) ${ratio >= 0.7 ? "OK" : "BELOW GOAL"}`,
  );
  console.log(
    `  SSE fan-out: ${SUBSCRIBERS} subscribers all received one world change in ${
      times[Math.floor(times.length / 2)].toFixed(1)
    } ms (median of ${ROUNDS}; min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)})`,
  );

  await Promise.all(readers.map((r) => r.cancel().catch(() => {})));
  await daemon.close();
  await server.shutdown();
}

if (import.meta.main) await main();
