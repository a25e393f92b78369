// Real-socket tests of the daemon: SSE with Last-Event-ID resume and gaps, WebSocket events, a slow consumer
// bounded, stream-held leases, RemoteDriver cancellation. They wait on real events with deadlines, never on
// timed assertions.
import assert from "node:assert/strict";
import { NetworkConfigurationManager } from "../../core/mod.ts";
import { VirtualClock } from "../../drivers/sim/mod.ts";
import {
  type DaemonServer,
  type EventBus,
  parseServeArgs,
  RemoteDriver,
  serve,
  type ServeOptions,
} from "../../server/mod.ts";
import { makeWorld } from "./_helpers.ts";

interface Ctx {
  server: DaemonServer;
  leaseClock: VirtualClock;
  url: string;
  auth: Record<string, string>;
  close(): Promise<void>;
}

async function start(options: Partial<ServeOptions> = {}): Promise<Ctx> {
  const dir = await Deno.makeTempDir({ prefix: "netsession-socket-" });
  const leaseClock = new VirtualClock();
  const server = await serve({
    world: makeWorld(),
    port: 0,
    socket: `${dir}/daemon.sock`,
    tokenFile: `${dir}/token`,
    realtime: false,
    lively: false,
    leaseClock,
    log: () => {},
    ...options,
  });
  return {
    server,
    leaseClock,
    url: server.url,
    auth: { Authorization: `Bearer ${server.token}`, "Content-Type": "application/json" },
    close: async () => {
      const down = server.shutdown();
      for (let i = 0; i < 400; i++) {
        let done = false;
        down.then(() => done = true);
        await new Promise((r) => setTimeout(r, 0));
        if (done) break;
      }
      await down;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Reads SSE frames from a response body. */
class SseReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buffer = "";
  #decoder = new TextDecoder();
  constructor(res: Response) {
    this.#reader = res.body!.getReader();
  }
  /** The next frame with data: { id, data }. Throws after `deadlineMs` of real time. */
  async next(deadlineMs = 5000): Promise<{ id?: number; event: Record<string, unknown> }> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const cut = this.#buffer.indexOf("\n\n");
      if (cut >= 0) {
        const block = this.#buffer.slice(0, cut);
        this.#buffer = this.#buffer.slice(cut + 2);
        const lines = block.split("\n");
        const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
        if (!data) continue;
        const idLine = lines.find((l) => l.startsWith("id: "));
        return { id: idLine ? Number(idLine.slice(4)) : undefined, event: JSON.parse(data) };
      }
      if (Date.now() > deadline) throw new Error("no SSE frame before the deadline");
      const { done, value } = await this.#reader.read();
      if (done) throw new Error("the stream ended");
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }
  /** Frames until one of type `type`. */
  async until(type: string): Promise<{ id?: number; event: Record<string, unknown> }> {
    for (;;) {
      const f = await this.next();
      if (f.event.type === type) return f;
    }
  }
  async cancel() {
    await this.#reader.cancel().catch(() => {});
  }
}

async function signal(ctx: Ctx, id: string, value: number) {
  const res = await fetch(`${ctx.url}/v1/world/signal`, {
    method: "POST",
    headers: ctx.auth,
    body: JSON.stringify({ id, signal: value }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  await res.body?.cancel();
}

Deno.test("SSE: events carry increasing ids; a reconnect with Last-Event-ID resumes without loss or repeats", async () => {
  const ctx = await start();
  try {
    const first = new SseReader(await fetch(`${ctx.url}/v1/events`));
    assert.equal((await first.next()).event.type, "hello");
    await signal(ctx, "wlan", 50);
    const a = await first.until("configuration-changed");
    assert.equal((a.event.configuration as { signal: number }).signal, 50);
    assert.equal(a.id, a.event.seq);
    await first.cancel();
    // Changes while disconnected:
    await signal(ctx, "wlan", 40);
    await signal(ctx, "lte", 30);
    const resumed = new SseReader(
      await fetch(`${ctx.url}/v1/events`, { headers: { "Last-Event-ID": String(a.id) } }),
    );
    assert.equal((await resumed.next()).event.type, "hello");
    const b = await resumed.next();
    const c = await resumed.next();
    assert.equal(b.id, a.id! + 1);
    assert.equal(c.id, a.id! + 2);
    assert.equal((b.event.configuration as { signal: number }).signal, 40);
    assert.equal((c.event.configuration as { identifier: string }).identifier, "lte");
    await resumed.cancel();
  } finally {
    await ctx.close();
  }
});

Deno.test("SSE: resuming from an event no longer buffered starts with a gap naming what was missed", async () => {
  const ctx = await start();
  try {
    // Filler events of a kind outside the protocol: the bus itself carries any body.
    const filler = ctx.server.daemon.bus as unknown as EventBus;
    for (let i = 0; i < 1100; i++) filler.publish({ type: "test", i });
    const res = await fetch(`${ctx.url}/v1/events?since=1`);
    const r = new SseReader(res);
    assert.equal((await r.next()).event.type, "hello");
    const gap = await r.next();
    assert.equal(gap.event.type, "gap");
    assert.equal(gap.event.from, 2);
    assert.ok((gap.event.to as number) >= 2);
    const after = await r.next();
    assert.equal(after.id, (gap.event.to as number) + 1);
    await r.cancel();
    const bad = await fetch(`${ctx.url}/v1/events`, { headers: { "Last-Event-ID": "yesterday" } });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.field, "Last-Event-ID");
  } finally {
    await ctx.close();
  }
});

Deno.test("WebSocket: /v1/events/ws delivers the same typed events", async () => {
  const ctx = await start();
  try {
    // A WebSocket needs authority (here the token).
    const ws = new WebSocket(`${ctx.url.replace("http", "ws")}/v1/events/ws`, {
      headers: { Authorization: ctx.auth.Authorization },
    });
    const messages: Record<string, unknown>[] = [];
    const waiters: (() => void)[] = [];
    ws.onmessage = (e) => {
      messages.push(JSON.parse(e.data));
      for (const w of waiters.splice(0)) w();
    };
    const until = async (type: string) => {
      const deadline = Date.now() + 5000;
      while (!messages.some((m) => m.type === type)) {
        if (Date.now() > deadline) throw new Error(`no ${type} on the WebSocket`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      return messages.find((m) => m.type === type)!;
    };
    await until("hello");
    await signal(ctx, "lte", 12);
    const changed = await until("configuration-changed");
    assert.equal((changed.configuration as { signal: number }).signal, 12);
    assert.equal(typeof changed.seq, "number");
    const closed = new Promise((r) => ws.onclose = r);
    ws.close();
    await closed;
  } finally {
    await ctx.close();
  }
});

Deno.test("a slow consumer is bounded: its queue stays at the limit, the excess is dropped, it then gets a gap", async () => {
  const ctx = await start();
  try {
    const bus = ctx.server.daemon.bus as unknown as EventBus; // filler events of a kind outside the protocol
    const res = await fetch(`${ctx.url}/v1/events`); // never read while we publish
    const r = new SseReader(res);
    assert.equal((await r.next()).event.type, "hello");
    const pad = "x".repeat(2000);
    for (let i = 0; i < 20_000; i++) {
      bus.publish({ type: "test", i, pad });
      if (i % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 0)); // let the socket fill
    }
    assert.ok(bus.dropped > 0, "something was dropped for the stalled reader");
    let sawGap = false;
    for (let i = 0; i < 25_000 && !sawGap; i++) {
      const f = await r.next();
      if (f.event.type === "gap") sawGap = true;
    }
    assert.ok(sawGap, "the reader was told about the gap");
    await r.cancel();
  } finally {
    await ctx.close();
  }
});

Deno.test("an open event stream holds the client's leases past the TTL; closing it releases them at once", async () => {
  const ctx = await start({ leaseTtlMs: 1000 });
  try {
    const stream = await fetch(`${ctx.url}/v1/events?client=streamer`, { headers: ctx.auth });
    const key = stream.headers.get("X-Netsession-Client-Key")!;
    const r = new SseReader(stream);
    await r.next();
    const opening = fetch(`${ctx.url}/v1/sessions`, {
      method: "POST",
      headers: { ...ctx.auth, "X-Netsession-Client-Key": key },
      body: JSON.stringify({ configuration: "wlan", client: "streamer" }),
    });
    let opened: Response | undefined;
    opening.then((x) => opened = x);
    for (let i = 0; i < 500 && !opened; i++) {
      await ctx.server.daemon.advance(20);
      await new Promise((res) => setTimeout(res, 0));
    }
    assert.equal(opened?.status, 201);
    const { session } = await opened!.json();
    await ctx.leaseClock.advance(5000);
    assert.equal((await (await fetch(`${ctx.url}/v1/sessions/${session.id}`)).json()).state, "connected");
    await r.cancel();
    // The connection closed: the client's holds go at once (no TTL on the lease clock, which stays put).
    for (let i = 0; i < 500 && ctx.server.daemon.clients().some((c) => c.id === "streamer"); i++) {
      await new Promise((res) => setTimeout(res, 2));
    }
    assert.ok(
      !ctx.server.daemon.clients().some((c) => c.id === "streamer"),
      "released when its stream closed",
    );
    await ctx.server.daemon.advance(500);
    assert.equal((await fetch(`${ctx.url}/v1/sessions/${session.id}`)).status, 404);
  } finally {
    await ctx.close();
  }
});

Deno.test("too many event streams for one client is 429", async () => {
  const ctx = await start();
  try {
    const readers: SseReader[] = [];
    let key = "";
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${ctx.url}/v1/events?client=greedy`, {
        headers: { ...ctx.auth, "X-Netsession-Client-Key": key },
      });
      key = res.headers.get("X-Netsession-Client-Key") ?? key;
      readers.push(new SseReader(res));
    }
    const ninth = await fetch(`${ctx.url}/v1/events?client=greedy`, {
      headers: { ...ctx.auth, "X-Netsession-Client-Key": key },
    });
    assert.equal(ninth.status, 429);
    assert.equal((await ninth.json()).error.field, "client");
    for (const r of readers) await r.cancel();
  } finally {
    await ctx.close();
  }
});

Deno.test("RemoteDriver: a cancelled activation leaves no daemon session behind", async () => {
  const ctx = await start();
  try {
    const driver = new RemoteDriver({ url: ctx.url, token: ctx.server.token, clientId: "quitter" });
    await driver.start(() => {});
    const abort = new AbortController();
    const activation = driver.activate("lte", { signal: abort.signal });
    // Wait until the daemon has the session opening, then cancel.
    const deadline = Date.now() + 5000;
    while (ctx.server.daemon.sessions("quitter").length === 0) {
      if (Date.now() > deadline) throw new Error("the daemon never saw the activation");
      await new Promise((r) => setTimeout(r, 5));
    }
    abort.abort();
    await assert.rejects(activation, (e: Error & { code?: string }) => e.code === "session-aborted");
    for (let i = 0; i < 500 && ctx.server.daemon.sessions("quitter").length > 0; i++) {
      await ctx.server.daemon.advance(20);
      await new Promise((r) => setTimeout(r, 0));
    }
    assert.deepEqual(ctx.server.daemon.sessions("quitter"), []);
    assert.equal(ctx.server.daemon.world!.isUp("lte"), false);
    await driver.close();
  } finally {
    await ctx.close();
  }
});

Deno.test("two processes' managers share the daemon's counter through RemoteDriver", async () => {
  const ctx = await start();
  try {
    const one = await NetworkConfigurationManager.create(
      new RemoteDriver({ url: ctx.url, token: ctx.server.token }),
    );
    const two = await NetworkConfigurationManager.create(
      new RemoteDriver({ url: ctx.url, token: ctx.server.token }),
    );
    const drive = async <T>(p: Promise<T>): Promise<T> => {
      let done = false;
      p.then(() => done = true, () => done = true);
      for (let i = 0; i < 1000 && !done; i++) {
        await ctx.server.daemon.advance(10);
        await new Promise((r) => setTimeout(r, 0));
      }
      return p;
    };
    const s1 = one.createSession(one.configurationFromIdentifier("wlan"));
    const s2 = two.createSession(two.configurationFromIdentifier("wlan"));
    assert.equal(await drive(s1.open()), true);
    assert.equal(await drive(s2.open()), true);
    assert.equal(ctx.server.daemon.manager.holdCount("wlan"), 2);
    const closed = new Promise<void>((r) => s1.on("closed", () => r()));
    s1.close();
    await drive(closed);
    assert.equal(ctx.server.daemon.world!.isUp("wlan"), true, "the other process still holds the link");
    assert.equal(s2.state, "connected");
    await drive(one.close());
    await drive(two.close());
    assert.equal(ctx.server.daemon.manager.holdCount("wlan"), 0);
  } finally {
    await ctx.close();
  }
});

Deno.test("serve --max-streams and --max-connections: parsed, and a stream past the limit gets 429 naming it", async () => {
  assert.deepEqual(parseServeArgs(["--max-streams", "5000", "--max-connections=6000"]), {
    maxStreams: 5000,
    limits: { maxConnections: 6000 },
  });
  assert.throws(() => parseServeArgs(["--max-streams", "0"]), /--max-streams must be at least 1/);
  assert.throws(
    () => parseServeArgs(["--max-connections", "many"]),
    /--max-connections must be a non-negative/,
  );
  const ctx = await start({ maxStreams: 1 });
  try {
    const first = await fetch(`${ctx.url}/v1/events`, { headers: ctx.auth });
    assert.equal(first.status, 200);
    const second = await fetch(`${ctx.url}/v1/events`, { headers: ctx.auth });
    assert.equal(second.status, 429);
    assert.match((await second.json()).error.message, /serves 1 event streams already/);
    await first.body!.cancel();
  } finally {
    await ctx.close();
  }
});
