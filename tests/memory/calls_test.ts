// The call count of `deno task bench:alloc` (scripts/bench/_calls.ts) counts every call of the project's own
// functions made by a piece of work, exactly: a function called 1,000 times by another counts 1,001.
import assert from "node:assert/strict";
import { callsMade } from "../../scripts/bench/_calls.ts";

function leaf(i: number): number {
  return i * 2;
}
function work(n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += leaf(i);
  return sum;
}

Deno.test("callsMade counts each call of the project's functions, and none for work that calls none", async () => {
  work(10);
  assert.equal(await callsMade(() => work(1000), "file:///nothing.ts"), 1 + 1000 + 1); // the arrow, work, leaves
  assert.equal(await callsMade(() => work(1000), import.meta.url), 0, "the caller's module is left out");
  assert.equal(await callsMade(() => Math.max(1, 2), "file:///nothing.ts"), 1, "builtins are not counted");
});
