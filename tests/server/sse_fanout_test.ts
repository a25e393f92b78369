// SSE fan-out (issue 15): the bus wakes a waiting stream synchronously (Subscriber.poll / onReady), every
// stream sends the same encoded frame of an event, a stream that is not read keeps its bounded queue and
// gets a gap, keep-alives still come after the idle time, and a stream ends with the daemon.
import assert from "node:assert/strict";
import { EventBus } from "../../server/mod.ts";
import { setup, TOKEN } from "./_helpers.ts";
import { createApp } from "../../server/mod.ts";

/** Reads SSE frames (text blocks) from an in-process answer. */
class Frames {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #decoder = new TextDecoder();
  #buffer = "";
  constructor(res: Response) {
    this.#reader = res.body!.getReader();
  }
  /** The next frame's text (without the blank line), or null when the stream ended. */
  async next(): Promise<string | null> {
    for (;;) {
      const cut = this.#buffer.indexOf("\n\n");
      if (cut >= 0) {
        const frame = this.#buffer.slice(0, cut);
        this.#buffer = this.#buffer.slice(cut + 2);
        return frame;
      }
      const { done, value } = await this.#reader.read();
      if (done) return null;
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }
  cancel(): Promise<void> {
    return this.#reader.cancel();
  }
}

Deno.test("Subscriber.poll and onReady: items, a gap after the bounded queue, null once closed", () => {
  const bus = new EventBus({ queueLimit: 2 });
  const sub = bus.subscribe({ greeting: '{"type":"hello"}' });
  let woken = 0;
  sub.onReady(() => woken++);
  assert.equal(sub.poll()?.data, '{"type":"hello"}');
  assert.equal(sub.poll(), undefined, "nothing waiting");
  for (let i = 0; i < 5; i++) bus.publish({ type: "t", n: i });
  assert.equal(woken, 3, "two queued, then the first drop (a gap is there to poll after them)");
  assert.deepEqual([sub.poll()?.id, sub.poll()?.id], [1, 2]);
  const gap = sub.poll()!;
  assert.equal(gap.id, 5);
  assert.deepEqual(JSON.parse(gap.data).type, "gap");
  assert.deepEqual([JSON.parse(gap.data).from, JSON.parse(gap.data).to], [3, 5]);
  assert.equal(sub.poll(), undefined);
  bus.publish({ type: "t", n: 5 });
  sub.close();
  assert.equal(woken, 5, "woken by the publish and by the close");
  assert.equal(sub.poll()?.id, 6, "closing keeps what was queued");
  assert.equal(sub.poll(), null);
  assert.equal(bus.subscriberCount, 0);
});

Deno.test("every SSE stream gets the same frame of one world change, with its id", async () => {
  const h = await setup();
  try {
    const streams = await Promise.all(Array.from({ length: 40 }, async () => {
      const res = await h.req("GET", "/v1/events");
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      const frames = new Frames(res);
      assert.equal(await frames.next(), "retry: 1000");
      assert.match((await frames.next())!, /^data: \{"type":"hello"/);
      return frames;
    }));
    assert.equal(h.daemon.bus.subscriberCount, 40);
    const reading = streams.map((s) => s.next());
    h.world.setSignal("wlan", 41);
    const got = await Promise.all(reading);
    const seq = h.daemon.bus.seq;
    for (const frame of got) assert.equal(frame, got[0]);
    assert.match(got[0]!, new RegExp(`^id: ${seq}\\ndata: \\{.*"signal":41`));
    assert.equal(JSON.parse(got[0]!.split("\ndata: ")[1]).type, "configuration-changed");
    await Promise.all(streams.map((s) => s.cancel()));
    assert.equal(h.daemon.bus.subscriberCount, 0, "a cancelled stream ends its subscription");
  } finally {
    await h.close();
  }
});

Deno.test("an SSE stream that is not read keeps a bounded queue, then gets a gap", async () => {
  const h = await setup({ queueLimit: 3 });
  try {
    const frames = new Frames(await h.req("GET", "/v1/events"));
    await frames.next(); // retry
    await frames.next(); // hello
    const first = h.daemon.bus.seq + 1;
    for (let i = 0; i < 8; i++) h.world.setSignal("wlan", 20 + i);
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push((await frames.next())!);
    // One frame waits in the stream (its highWaterMark), three in the subscriber's queue, then the gap.
    const expected = [first, first + 1, first + 2, first + 3, first + 7].map((id) => `id: ${id}`);
    assert.deepEqual(got.map((f) => f.split("\n")[0]), expected);
    assert.match(got[4], /"type":"gap","from":\d+,"to":\d+/);
    await frames.cancel();
  } finally {
    await h.close();
  }
});

Deno.test("an idle SSE stream gets keep-alives, then events, and ends when the daemon closes", async () => {
  const h = await setup();
  const app = createApp(h.daemon, { token: TOKEN, keepAliveMs: 30 });
  const res = await app.request("/v1/events", { headers: { Authorization: `Bearer ${TOKEN}` } });
  const frames = new Frames(res);
  try {
    await frames.next(); // retry
    await frames.next(); // hello
    const started = performance.now();
    assert.equal(await frames.next(), ": keep-alive");
    assert.ok(performance.now() - started >= 25, "not before the idle time");
    assert.equal(await frames.next(), ": keep-alive", "and again while idle");
    const reading = frames.next();
    h.world.setSignal("lte", 12);
    assert.match((await reading)!, /"signal":12/);
  } finally {
    await h.close();
  }
  const rest: string[] = [];
  for (let f = await frames.next(); f !== null; f = await frames.next()) rest.push(f);
  assert.ok(rest.some((f) => f.includes('"type":"shutdown"')), "the shutdown event, then the end");
});
