// deno run -A --v8-flags=--expose-gc scripts/bench/daemon_sse.ts [--subscribers N] [--json]
//
// SSE fan-out of one world change to N subscribers of the daemon's GET /v1/events (default 5,000), against a
// bare Deno.serve broadcast measured in the same run. Time = from the world change (bare: the first enqueue)
// until every subscriber has read the event.
//
// - The daemon: Daemon + createApp on Deno.serve over TCP loopback (port 0), exactly as the bare server
//   listens. Its streams are authenticated (the bearer token, as the tests do): anonymous streams are capped
//   at 64 (issue 11, `maxAnonymousStreams`), which is why the old bench's stream ended after 64. The streams
//   in total are raised to N + 16 through the documented `DaemonOptions.maxStreams` (default 4096). The
//   connection guard of `serve()` (a relay in front of the server, 1024 connections per listener) is not on
//   this path: both sides are the same Deno.serve.
// - The bare server: a handler that keeps N ReadableStream controllers and enqueues one pre-encoded event
//   to each: the same bytes as the daemon's frame of the same round (captured from the daemon's bus).
// - Clients: N fetch() streams in this process, one TCP connection each (like N EventSources), connected in
//   batches of 500. N client and N server sockets need ~2N file descriptors at a time (one side at a time).
//   Deno raises its soft `ulimit -n` to the hard limit by itself; when that is still too low, the script runs
//   itself again under `ulimit -n 2N+256` (which takes root, or a hard limit that high).
// - Phases daemon, bare, bare, daemon (each with fresh connections, a warm-up round, then ROUNDS rounds; a
//   gc() before each round when --expose-gc is on); the medians of all rounds of each side are compared.
import { createApp, createDefaultWorld, Daemon } from "../../server/mod.ts";
import { SimDriver } from "../../drivers/sim/mod.ts";

const ROUNDS = 6;
const BATCH = 500;
const TOKEN = "bench-token-0123456789abcdef";
const gc = (globalThis as { gc?: () => void }).gc;

/** The result the table is made of. */
export interface FanOutResult {
  readonly subscribers: number;
  /** Median ms, the daemon. */
  readonly daemonMs: number;
  /** Median ms, the bare broadcast. */
  readonly bareMs: number;
  readonly rounds: number;
  readonly fdLimit: number;
}

/** One subscriber's stream: reads until a needle has arrived. */
class Reader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #decoder = new TextDecoder();
  #text = "";
  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body.getReader();
  }
  async waitFor(needle: string): Promise<void> {
    for (;;) {
      const at = this.#text.indexOf(needle);
      if (at >= 0) {
        this.#text = this.#text.slice(at + needle.length);
        return;
      }
      const { done, value } = await this.#reader.read();
      if (done) throw new Error(`the stream ended before ${needle}`);
      this.#text += this.#decoder.decode(value, { stream: true });
    }
  }
  cancel(): Promise<void> {
    return this.#reader.cancel().catch(() => {});
  }
}

async function connect(n: number, url: string, headers: Record<string, string>): Promise<Reader[]> {
  const readers: Reader[] = [];
  for (let i = 0; i < n; i += BATCH) {
    readers.push(
      ...await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, async () => {
        const res = await fetch(url, { headers });
        if (res.status !== 200 || !res.body) throw new Error(`${url}: ${res.status} ${await res.text()}`);
        return new Reader(res.body);
      })),
    );
  }
  return readers;
}

/** Times `trigger` until every reader has read `needle`. */
async function round(readers: Reader[], needle: string, trigger: () => void): Promise<number> {
  gc?.();
  const all = Promise.all(readers.map((r) => r.waitFor(needle)));
  const started = performance.now();
  trigger();
  await all;
  return performance.now() - started;
}

/** One daemon phase: returns the round times and each timed round's frame (what the bare side will send). */
async function daemonPhase(
  n: number,
  first: number,
): Promise<{ times: number[]; frames: [string, string][] }> {
  const world = createDefaultWorld(1);
  const daemon = await Daemon.create({
    driver: new SimDriver(world),
    world,
    managerClock: world.clock,
    statisticsIntervalMs: 0,
    maxStreams: n + 16,
  });
  const ref: { app?: ReturnType<typeof createApp> } = {};
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => ref.app!.fetch(req, { transport: "tcp" }),
  );
  ref.app = createApp(daemon, { token: TOKEN, allowedHosts: [`127.0.0.1:${server.addr.port}`] });
  const tap = daemon.bus.subscribe(); // to learn each event's frame; one more subscriber than the N
  const readers = await connect(n, `http://127.0.0.1:${server.addr.port}/v1/events`, {
    Authorization: `Bearer ${TOKEN}`,
  });
  await Promise.all(readers.map((r) => r.waitFor('"type":"hello"')));
  const times: number[] = [];
  const frames: [string, string][] = [];
  for (let r = 0; r <= ROUNDS; r++) {
    const signal = first + r;
    const needle = `"signal":${signal}`;
    const ms = await round(readers, needle, () => world.setSignal("office-wlan", signal));
    const item = tap.poll();
    if (!item || !item.data.includes(needle) || tap.poll() !== undefined) {
      throw new Error("one world change should be one event");
    }
    if (r > 0) {
      times.push(ms);
      frames.push([needle, `id: ${item.id}\ndata: ${item.data}\n\n`]);
    }
  }
  await Promise.all(readers.map((r) => r.cancel()));
  tap.close();
  await daemon.close();
  await server.shutdown();
  return { times, frames };
}

/** One bare phase: a Deno.serve broadcast of the daemon's frames, pre-encoded. */
async function barePhase(n: number, frames: [string, string][]): Promise<number[]> {
  const encoder = new TextEncoder();
  const controllers = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const retry = encoder.encode("retry: 1000\n\n");
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    let mine: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        mine = controller;
        controllers.add(controller);
        controller.enqueue(retry);
      },
      cancel() {
        controllers.delete(mine);
      },
    });
    return new Response(body, { headers: { "Content-Type": "text/event-stream; charset=utf-8" } });
  });
  const readers = await connect(n, `http://127.0.0.1:${server.addr.port}/`, {});
  await Promise.all(readers.map((r) => r.waitFor("retry: 1000")));
  const times: number[] = [];
  for (let r = 0; r <= frames.length; r++) {
    const [needle, frame] = frames[Math.max(0, r - 1)];
    const bytes = encoder.encode(r === 0 ? frame.replace(needle, '"signal":-1') : frame);
    const ms = await round(readers, r === 0 ? '"signal":-1' : needle, () => {
      for (const c of controllers) c.enqueue(bytes);
    });
    if (r > 0) times.push(ms);
  }
  await Promise.all(readers.map((r) => r.cancel()));
  await server.shutdown();
  return times;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The soft and hard limits of open files (from /proc; undefined where there is none). */
async function fileLimits(): Promise<{ soft: number; hard: number } | undefined> {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(
      await Deno.readTextFile("/proc/self/limits"),
    );
    if (!m) return undefined;
    const n = (x: string) => x === "unlimited" ? Infinity : Number(x);
    return { soft: n(m[1]), hard: n(m[2]) };
  } catch {
    return undefined;
  }
}

/** Measures the fan-out to `n` subscribers (this process needs ~2n + 200 file descriptors). */
export async function measureFanOut(n: number, fdLimit: number): Promise<FanOutResult> {
  const daemonTimes: number[] = [];
  const bareTimes: number[] = [];
  // In the order daemon, bare, bare, daemon: a drift of the machine's load weighs on both sides alike.
  const first = await daemonPhase(n, 40);
  daemonTimes.push(...first.times);
  bareTimes.push(...await barePhase(n, first.frames));
  bareTimes.push(...await barePhase(n, first.frames));
  daemonTimes.push(...(await daemonPhase(n, 50)).times);
  return {
    subscribers: n,
    daemonMs: median(daemonTimes),
    bareMs: median(bareTimes),
    rounds: daemonTimes.length,
    fdLimit,
  };
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--subscribers");
  const n = at >= 0 ? Number(Deno.args[at + 1]) : 5000;
  if (!Number.isInteger(n) || n < 1) throw new RangeError("--subscribers N: a positive whole number");
  const need = 2 * n + 256;
  const limits = await fileLimits(); // Deno has raised its soft limit to the hard one already
  if (limits && limits.soft < need) {
    if (Deno.env.get("NETSESSION_BENCH_ULIMIT") !== undefined) {
      throw new Error(
        `${n} subscribers need ${need} open files; the limit is ${limits.soft}: raise ulimit -n`,
      );
    }
    // Run again under a higher limit (raising the hard limit takes root, or CAP_SYS_RESOURCE).
    const script = new URL(import.meta.url).pathname;
    const refuse =
      `echo "daemon_sse: cannot raise ulimit -n to ${need}: use fewer --subscribers" >&2; exit 2`;
    const command = `ulimit -n ${need} 2>/dev/null || { ${refuse}; }; exec "$@"`;
    const flags = ["run", "-A", "--v8-flags=--expose-gc", script, ...Deno.args];
    const child = new Deno.Command("sh", {
      args: ["-c", command, "sh", Deno.execPath(), ...flags],
      env: { NETSESSION_BENCH_ULIMIT: String(need) },
    }).spawn();
    Deno.exit((await child.status).code);
  }
  const result = await measureFanOut(n, limits?.soft ?? Infinity);
  if (Deno.args.includes("--json")) {
    console.log(JSON.stringify(result));
  } else {
    console.log(
      `SSE fan-out to ${n} subscribers: daemon ${result.daemonMs.toFixed(1)} ms, bare Deno.serve ${
        result.bareMs.toFixed(1)
      } ms, ${(result.daemonMs / result.bareMs).toFixed(2)}x (median of ${result.rounds} rounds each)`,
    );
  }
}
