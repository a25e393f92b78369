// Unit tests of the event bus: sequence numbers, replay, gaps, bounded per-subscriber queues.
import assert from "node:assert/strict";
import { EventBus } from "../../server/mod.ts";

const types = async (sub: ReturnType<EventBus["subscribe"]>) => {
  const out: string[] = [];
  for (let item = await sub.next(0); item; item = await sub.next(0)) out.push(JSON.parse(item.data).type);
  return out;
};

Deno.test("events get increasing sequence numbers and are replayed after `since`", async () => {
  const bus = new EventBus({ bufferSize: 10 });
  for (const t of ["a", "b", "c"]) bus.publish({ type: t });
  assert.equal(bus.seq, 3);
  const sub = bus.subscribe({ since: 1 });
  assert.deepEqual(await types(sub), ["b", "c"]);
  sub.close();
});

Deno.test("a resume from before the buffer starts with a gap; a future `since` (another daemon) too", async () => {
  const bus = new EventBus({ bufferSize: 2 });
  for (const t of ["a", "b", "c", "d"]) bus.publish({ type: t });
  const old = bus.subscribe({ since: 0 });
  const first = JSON.parse((await old.next(0))!.data);
  assert.deepEqual([first.type, first.from, first.to], ["gap", 1, 2]);
  assert.deepEqual(await types(old), ["c", "d"]);
  const future = bus.subscribe({ since: 99 });
  assert.equal(JSON.parse((await future.next(0))!.data).type, "gap");
  old.close();
  future.close();
});

Deno.test("a subscriber that does not read keeps at most queueLimit items, then gets one gap and live events", async () => {
  const bus = new EventBus({ queueLimit: 5 });
  const sub = bus.subscribe();
  for (let i = 0; i < 1000; i++) bus.publish({ type: "e", i });
  assert.equal(sub.pending, 5);
  assert.equal(sub.dropped, 995);
  assert.equal(bus.dropped, 995);
  const seen = await types(sub);
  assert.deepEqual(seen, ["e", "e", "e", "e", "e", "gap"]);
  bus.publish({ type: "live" });
  assert.equal(JSON.parse((await sub.next(0))!.data).type, "live");
  sub.close();
});

Deno.test("close() ends subscriptions after their queued items; next() then returns null", async () => {
  const bus = new EventBus();
  const sub = bus.subscribe();
  bus.publish({ type: "last" });
  bus.close();
  assert.equal(JSON.parse((await sub.next())!.data).type, "last");
  assert.equal(await sub.next(), null);
  assert.equal(bus.subscriberCount, 0);
});
