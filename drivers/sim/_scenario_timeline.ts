/**
 * The steps of a checked scenario in play order, made as the play reaches them: `repeat` is not expanded into
 * a list first, so what a play holds does not grow with its length (a repeat of a million steps holds the
 * repeat). The plain steps are in time order (the checker requires it) and so is each repeat's expansion (its
 * steps are in time order, each before `every`): the timeline merges these runs by time, ties in source
 * order, which is the order of the expanded list sorted by time then source. Not re-exported by `mod.ts`.
 *
 * @module
 */

import { heapDown, heapPop, heapPush } from "./_heap.ts";

/** One step at its absolute time, with the index of its source step (see `ParsedScenario.flat`). */
export interface TimedStep {
  readonly at: number;
  readonly source: number;
  readonly step: Readonly<Record<string, unknown>>;
}

/** A `repeat` as checked: its steps run `times` times, every `every` ms from `at`. */
export interface RepeatRun {
  readonly source: number;
  readonly at: number;
  readonly every: number;
  readonly times: number;
  readonly steps: readonly Readonly<Record<string, unknown>>[];
}

/** A run being merged: its next step and the rest. */
interface Head {
  step: TimedStep;
  readonly rest: Iterator<TimedStep>;
}

/** The steps of a scenario in play order; iterating makes them one by one. */
export class Timeline implements Iterable<TimedStep> {
  /** How many steps it has. */
  readonly count: number;
  /** The time of its last step (0 without steps). */
  readonly lastAt: number;
  #plain: readonly TimedStep[];
  #repeats: readonly RepeatRun[];

  /** `plain`: the steps that are not repeats, in time order; `repeats`: the repeats. */
  constructor(plain: readonly TimedStep[], repeats: readonly RepeatRun[]) {
    this.#plain = plain;
    this.#repeats = repeats;
    let count = plain.length, lastAt = 0;
    for (const p of plain) lastAt = Math.max(lastAt, p.at);
    for (const r of repeats) {
      count += r.times * r.steps.length;
      const lastInner = r.steps[r.steps.length - 1].at as number;
      lastAt = Math.max(lastAt, r.at + (r.times - 1) * r.every + lastInner);
    }
    this.count = count;
    this.lastAt = lastAt;
  }

  *[Symbol.iterator](): Iterator<TimedStep> {
    const heap: Head[] = [];
    const runs: Iterator<TimedStep>[] = [this.#plain[Symbol.iterator](), ...this.#repeats.map(expand)];
    for (const rest of runs) {
      const first = rest.next();
      if (!first.done) heapPush(heap, { step: first.value, rest }, before);
    }
    while (heap.length > 0) {
      const top = heap[0];
      yield top.step;
      const next = top.rest.next();
      if (next.done) heapPop(heap, before);
      else {
        top.step = next.value;
        heapDown(heap, 0, before);
      }
    }
  }
}

function* expand(r: RepeatRun): Iterator<TimedStep> {
  for (let k = 0; k < r.times; k++) {
    const base = r.at + k * r.every;
    for (const step of r.steps) yield { at: base + (step.at as number), source: r.source, step };
  }
}

/** Whether `a` plays before `b`: by time, then source (no two runs share a source). */
function before(a: Head, b: Head): boolean {
  return a.step.at < b.step.at || (a.step.at === b.step.at && a.step.source < b.step.source);
}
