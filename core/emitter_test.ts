import assert from "node:assert/strict";
import { Emitter } from "./emitter.ts";

type Events = { ping: (n: number) => void; pong: () => void };

Deno.test("emitter: listeners run in subscription order; the same function twice runs twice and unsubscribes once each", () => {
  const e = new Emitter<Events>();
  const seen: string[] = [];
  const f = (n: number) => seen.push(`f${n}`);
  const a = e.on("ping", f);
  e.on("ping", (n) => seen.push(`g${n}`));
  e.on("ping", f);
  e.emit("ping", 1);
  a.unsubscribe();
  a.unsubscribe(); // twice is harmless
  e.emit("ping", 2);
  assert.deepEqual(seen, ["f1", "g1", "f1", "g2", "f2"]);
  assert.equal(e.count("ping"), 2);
  assert.equal(e.size, 2);
});

Deno.test("emitter: an emit walks the listeners as they were when it began", () => {
  const e = new Emitter<Events>();
  const seen: string[] = [];
  let late: { unsubscribe(): void } | undefined;
  const second = { unsubscribe: () => {} };
  e.on("ping", (n) => {
    seen.push(`first${n}`);
    if (n === 1) {
      second.unsubscribe(); // removed during the emit: still runs in this one (a snapshot), not in the next
      late = e.on("ping", (m) => seen.push(`late${m}`)); // added during the emit: runs from the next one
    }
  });
  Object.assign(second, e.on("ping", (n) => seen.push(`second${n}`)));
  e.emit("ping", 1);
  e.emit("ping", 2);
  late!.unsubscribe();
  e.emit("ping", 3);
  assert.deepEqual(seen, ["first1", "second1", "first2", "late2", "first3"]);
});

Deno.test("emitter: a throwing listener is reported and the others still run; onChange tells the counts", () => {
  const errors: string[] = [];
  const counts: string[] = [];
  const e = new Emitter<Events>(
    (error, event) => errors.push(`${event}: ${(error as Error).message}`),
    (event, count) => counts.push(`${String(event)}=${count}`),
  );
  let ran = false;
  const sub = e.on("pong", () => {
    throw new Error("boom");
  });
  e.on("pong", () => ran = true);
  e.emit("pong");
  sub.unsubscribe();
  e.clear();
  assert.deepEqual(errors, ["pong: boom"]);
  assert.equal(ran, true);
  assert.deepEqual(counts, ["pong=1", "pong=2", "pong=1", "pong=0"]);
  assert.equal(e.size, 0);
  e.emit("pong"); // nobody listens: nothing happens
});

Deno.test("emitter: many subscriptions come and go independently (each in O(1))", () => {
  const e = new Emitter<Events>();
  let total = 0;
  const subs = Array.from({ length: 20_000 }, (_, i) => e.on("ping", (n) => total += n + i - i));
  for (let i = 0; i < subs.length; i += 2) subs[i].unsubscribe();
  assert.equal(e.count("ping"), 10_000);
  e.emit("ping", 1);
  assert.equal(total, 10_000);
});
