/**
 * A binary min-heap on an array, ordered by `before` (the virtual clock's timers, the scenario timeline's
 * runs). Not re-exported by `mod.ts`.
 *
 * @module
 */

/** Adds `item`. */
export function heapPush<T>(heap: T[], item: T, before: (a: T, b: T) => boolean): void {
  let i = heap.push(item) - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i], heap[parent])) break;
    [heap[i], heap[parent]] = [heap[parent], heap[i]];
    i = parent;
  }
}

/** Removes the first item (the heap is not empty). */
export function heapPop<T>(heap: T[], before: (a: T, b: T) => boolean): void {
  const last = heap.pop()!;
  if (heap.length === 0) return;
  heap[0] = last;
  heapDown(heap, 0, before);
}

/** Moves the item at `i` down to its place (after it became later). */
export function heapDown<T>(heap: T[], i: number, before: (a: T, b: T) => boolean): void {
  for (;;) {
    const l = 2 * i + 1, r = l + 1;
    let m = i;
    if (l < heap.length && before(heap[l], heap[m])) m = l;
    if (r < heap.length && before(heap[r], heap[m])) m = r;
    if (m === i) return;
    [heap[i], heap[m]] = [heap[m], heap[i]];
    i = m;
  }
}
