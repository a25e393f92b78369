// The allocation measure of `deno task bench:alloc` (scripts/bench/_allocation.ts) counts what is made, garbage
// included: 10,000 arrays of 126 small integers (1,040 bytes each, and a 32-byte header) measure as that, and a
// loop that makes nothing measures as almost nothing (under 1 MiB, a tenth of the arrays, whatever else the test process runs meanwhile).
import assert from "node:assert/strict";
import { bytesAllocated } from "../../scripts/bench/_allocation.ts";

Deno.test("bytesAllocated counts the garbage a piece of work makes, and nothing for work that makes none", async () => {
  const made = (n: number) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += new Array(126).fill(i).length; // garbage at once
    return sum;
  };
  made(1000);
  const perArray = await bytesAllocated(() => made(10_000)) / 10_000;
  assert.ok(perArray > 1000 && perArray < 1200, `an array of 126 integers measured ${perArray} bytes`);
  const none = await bytesAllocated(() => {
    let sum = 0;
    for (let i = 0; i < 1_000_000; i++) sum += i;
    return sum;
  });
  assert.ok(none < 1024 * 1024, `a loop that makes nothing measured ${none} bytes (10,000 arrays: 10.8 MB)`);
});
