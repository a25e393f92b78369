/**
 * {@linkcode RankIndex}: configurations filed by rank (`rankOf` in `_ranking.ts`), so
 * that "the best one" is found without a scan of every configuration: the
 * lowest rank that has any, and in it the one added first (as a scan in
 * insertion order finds it). Moving a view costs O(log n); asking costs
 * O(ranks + log n), about a hundred ranks at most.
 *
 * @module
 */

import type { NetworkConfiguration } from "./configuration.ts";

/** Whether a rank is that of an active access point (state active, not a service network). */
export function isActiveAccessPointRank(rank: number): boolean {
  return rank < 64 && rank % 2 === 0;
}

interface Entry {
  readonly order: number;
  readonly view: NetworkConfiguration;
}

/** The views of one rank, and a min-heap on their order (entries of views that left are dropped lazily). */
interface Bucket {
  readonly members: Set<NetworkConfiguration>;
  heap: Entry[];
}

/** Views filed by rank; see the module documentation. */
export class RankIndex {
  #buckets = new Map<number, Bucket>();
  #placed = new Map<NetworkConfiguration, { rank: number; order: number }>();

  /** Files `view` at `rank` (`order`: when it was added; it never changes for a view). */
  place(view: NetworkConfiguration, rank: number, order: number): void {
    const now = this.#placed.get(view);
    if (now?.rank === rank) return;
    if (now) this.#buckets.get(now.rank)!.members.delete(view);
    this.#placed.set(view, { rank, order });
    let bucket = this.#buckets.get(rank);
    if (!bucket) this.#buckets.set(rank, bucket = { members: new Set(), heap: [] });
    bucket.members.add(view);
    if (bucket.heap.length > 2 * bucket.members.size + 16) this.#rebuild(bucket);
    else push(bucket.heap, { order, view });
  }

  /** Forgets `view`. */
  drop(view: NetworkConfiguration): void {
    const now = this.#placed.get(view);
    if (!now) return;
    this.#buckets.get(now.rank)!.members.delete(view);
    this.#placed.delete(view);
  }

  /** The best view whose rank `accept` takes: the lowest such rank, then the one added first. */
  best(accept: (rank: number) => boolean = () => true): NetworkConfiguration | undefined {
    let rank = Infinity;
    for (const [r, b] of this.#buckets) if (r < rank && b.members.size > 0 && accept(r)) rank = r;
    if (rank === Infinity) return undefined;
    const bucket = this.#buckets.get(rank)!;
    const heap = bucket.heap;
    for (;;) {
      const top = heap[0];
      if (bucket.members.has(top.view) && this.#placed.get(top.view)!.order === top.order) return top.view;
      pop(heap); // a view that left this rank (or an entry made twice)
    }
  }

  #rebuild(bucket: Bucket): void {
    bucket.heap = [];
    for (const view of bucket.members) push(bucket.heap, { order: this.#placed.get(view)!.order, view });
  }
}

function push(heap: Entry[], e: Entry): void {
  let i = heap.push(e) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent].order <= heap[i].order) break;
    [heap[i], heap[parent]] = [heap[parent], heap[i]];
    i = parent;
  }
}

function pop(heap: Entry[]): void {
  const last = heap.pop()!;
  if (heap.length === 0) return;
  heap[0] = last;
  for (let i = 0;;) {
    const l = 2 * i + 1, r = l + 1;
    let m = i;
    if (l < heap.length && heap[l].order < heap[m].order) m = l;
    if (r < heap.length && heap[r].order < heap[m].order) m = r;
    if (m === i) return;
    [heap[i], heap[m]] = [heap[m], heap[i]];
    i = m;
  }
}
