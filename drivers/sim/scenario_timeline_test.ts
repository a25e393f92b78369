// The timeline a play goes through is the expanded, sorted list the parser used to make (ParsedScenario.flat
// still gives it): a property over random plain steps and repeats, and a play that holds its repeat, not its
// expansion.
import assert from "node:assert/strict";
import fc from "fast-check";
import { type RepeatRun, type TimedStep, Timeline } from "./_scenario_timeline.ts";
import { parseForPlay } from "./scenario_parse.ts";

/** What the parser did before: expand every repeat, then sort by time, ties in source (then push) order. */
function expandAndSort(sources: readonly (TimedStep | RepeatRun)[]): TimedStep[] {
  const flat: TimedStep[] = [];
  for (const s of sources) {
    if ("times" in s) {
      for (let k = 0; k < s.times; k++) {
        for (const step of s.steps) {
          flat.push({ at: s.at + k * s.every + (step.at as number), source: s.source, step });
        }
      }
    } else flat.push(s);
  }
  return flat.sort((a, b) => a.at - b.at || a.source - b.source);
}

/** Steps in time order, each a plain step or a repeat whose steps are in order and before `every`. */
const sources = fc.array(
  fc.oneof(
    fc.record({ gap: fc.integer({ min: 0, max: 30 }), kind: fc.constant("plain" as const) }),
    fc.record({
      gap: fc.integer({ min: 0, max: 30 }),
      kind: fc.constant("repeat" as const),
      every: fc.integer({ min: 1, max: 40 }),
      times: fc.integer({ min: 1, max: 6 }),
      inner: fc.array(fc.integer({ min: 0, max: 39 }), { minLength: 1, maxLength: 4 }),
    }),
  ),
  { maxLength: 12 },
).map((list) => {
  let at = 0;
  return list.map((s, source): TimedStep | RepeatRun => {
    at += s.gap;
    if (s.kind === "plain") return { at, source, step: { at, n: source } };
    const ats = s.inner.map((x) => x % s.every).sort((a, b) => a - b);
    return { source, at, every: s.every, times: s.times, steps: ats.map((x, j) => ({ at: x, n: j })) };
  });
});

Deno.test("property: the timeline gives the expanded steps sorted by time, ties in source order", () => {
  fc.assert(
    fc.property(sources, (list) => {
      const plain = list.filter((s): s is TimedStep => !("times" in s));
      const repeats = list.filter((s): s is RepeatRun => "times" in s);
      const timeline = new Timeline(plain, repeats);
      const want = expandAndSort(list);
      const got = [...timeline];
      assert.deepEqual(got.map((s) => [s.at, s.source, s.step]), want.map((s) => [s.at, s.source, s.step]));
      assert.equal(timeline.count, want.length);
      assert.equal(timeline.lastAt, want.reduce((m, s) => Math.max(m, s.at), 0));
      assert.deepEqual([...timeline], got, "a timeline can be gone through again");
    }),
    { numRuns: 300 },
  );
});

Deno.test("parseScenario: flat is the timeline's list, made when asked; a play goes through the timeline", () => {
  const { parsed, timeline } = parseForPlay({
    version: 1,
    world: { accessPoints: [{ id: "a" }] },
    steps: [
      { at: 0, action: "setSignal", id: "a", signal: 10 },
      {
        at: 5,
        repeat: { every: 10, times: 1_000_000, steps: [{ at: 0, action: "setSignal", id: "a", signal: 20 }] },
      },
      { at: 7, action: "setSignal", id: "a", signal: 30 },
    ],
  });
  assert.equal(timeline.count, 1_000_002);
  assert.equal(parsed.end, 5 + 999_999 * 10);
  const firstFour: number[] = [];
  for (const s of timeline) {
    firstFour.push(s.at);
    if (firstFour.length === 4) break;
  }
  assert.deepEqual(firstFour, [0, 5, 7, 15]);
  assert.equal(parsed.flat.length, 1_000_002);
  assert.equal(parsed.flat, parsed.flat, "made once");
  assert.deepEqual(parsed.flat.slice(0, 4).map((s) => s.at), [0, 5, 7, 15]);
});
