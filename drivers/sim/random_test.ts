import assert from "node:assert/strict";
import { SimRandom } from "./random.ts";

Deno.test("the same seed gives the same sequence; another seed a different one", () => {
  const a = new SimRandom(1234), b = new SimRandom(1234), c = new SimRandom(4321);
  const seqA = Array.from({ length: 20 }, () => a.next());
  const seqB = Array.from({ length: 20 }, () => b.next());
  const seqC = Array.from({ length: 20 }, () => c.next());
  assert.deepEqual(seqA, seqB);
  assert.notDeepEqual(seqA, seqC);
  assert.ok(seqA.every((x) => x >= 0 && x < 1));
});

Deno.test("mulberry32 matches its reference output for seed 1", () => {
  // the canonical mulberry32(1) starts with 0.6270739405881613
  const r = new SimRandom(1);
  assert.equal(Math.round(r.next() * 4294967296), 2693262067);
});

Deno.test("int(lo, hi) stays in range, includes both ends, and validates", () => {
  const r = new SimRandom(9);
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) {
    const n = r.int(3, 6);
    assert.ok(Number.isInteger(n) && n >= 3 && n <= 6);
    seen.add(n);
  }
  assert.deepEqual([...seen].sort(), [3, 4, 5, 6]);
  assert.throws(() => r.int(5, 1), /lo <= hi/);
  assert.throws(() => r.int(0.5, 1), /integers/);
  assert.throws(() => new SimRandom(NaN), /finite/);
  assert.throws(() => r.pick([]), /non-empty/);
  assert.throws(() => r.chance(2), /probability/);
});
