/**
 * {@linkcode SimRandom}: a small seeded pseudo-random generator (mulberry32),
 * so that simulations are reproducible.
 *
 * @module
 */

/**
 * A seeded pseudo-random number generator (mulberry32). The same seed gives
 * the same sequence on every runtime.
 *
 * @example
 * ```ts
 * import { SimRandom } from "@netsession/sim";
 * const a = new SimRandom(42), b = new SimRandom(42);
 * console.log(a.next() === b.next()); // true
 * console.log(a.int(1, 6)); // a die roll, the same every run
 * ```
 */
export class SimRandom {
  /** The seed this generator started from. */
  readonly seed: number;
  #state: number;

  /**
   * Makes a generator from `seed`.
   *
   * @param seed any finite number; it is reduced to 32 bits (default 1)
   */
  constructor(seed = 1) {
    if (typeof seed !== "number" || !Number.isFinite(seed)) {
      throw new RangeError(`SimRandom seed must be a finite number, got ${seed}`);
    }
    this.seed = seed;
    this.#state = Math.trunc(seed) >>> 0;
  }

  /**
   * The next number in [0, 1).
   *
   * @example
   * ```ts
   * import { SimRandom } from "@netsession/sim";
   * const x = new SimRandom(7).next();
   * console.log(x >= 0 && x < 1); // true
   * ```
   */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * An integer from `lo` to `hi`, both included.
   *
   * @example
   * ```ts
   * import { SimRandom } from "@netsession/sim";
   * const n = new SimRandom(7).int(10, 20);
   * console.log(n >= 10 && n <= 20); // true
   * ```
   */
  int(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo > hi) {
      throw new RangeError(`int(lo, hi) needs integers with lo <= hi, got ${lo} and ${hi}`);
    }
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /**
   * `true` with probability `p` (0..1).
   *
   * @example
   * ```ts
   * import { SimRandom } from "@netsession/sim";
   * console.log(new SimRandom(1).chance(1)); // true
   * ```
   */
  chance(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`chance(p) needs a probability from 0 to 1, got ${p}`);
    return this.next() < p;
  }

  /**
   * One element of a non-empty list.
   *
   * @example
   * ```ts
   * import { SimRandom } from "@netsession/sim";
   * console.log(new SimRandom(3).pick(["a", "b", "c"]));
   * ```
   */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("pick() needs a non-empty list");
    return items[this.int(0, items.length - 1)];
  }
}
