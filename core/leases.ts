/**
 * The session counter: one lease per (access point, holder). The first lease
 * on an access point activates it through the driver, the last release
 * deactivates it, `stop()` forces it down. Operations on one access point are
 * serialised so that a release racing an acquire never leaves a link up with
 * no holder or down under a holder.
 *
 * The daemon runs one of these for the whole machine; a `RemoteDriver` turns
 * each process's first acquire / last release into a lease at the daemon.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { DriverError, type NetworkDriver } from "./driver.ts";

type Status = "down" | "activating" | "up" | "lingering" | "deactivating";

interface Entry {
  holders: Holders;
  status: Status;
  /** The activation in flight (status "activating"). */
  activation?: Promise<void>;
  abort?: AbortController;
  /** The deactivation in flight (status "deactivating"). */
  deactivation?: Promise<void>;
  /** The timer that ends a linger (status "lingering"). */
  linger?: unknown;
  /** The link was reported going down while the activation was in flight (it had come up meanwhile). */
  wentDown?: boolean;
}

/**
 * How a {@linkcode LeaseTable} keeps a link up after its last holder left
 * (linger), so that a quick close/open does not take it down and up again.
 *
 * @example
 * ```ts
 * import { type LingerOptions, systemClock } from "@netsession/core";
 * const linger: LingerOptions = { ms: 5000, clock: systemClock, onLinger: (id, ms) => console.log(id, ms) };
 * ```
 */
export interface LingerOptions {
  /** How long the link stays up after its last holder left (0: it goes down at once). */
  readonly ms: number;
  /** The clock of the linger timers. */
  readonly clock: Clock;
  /** Told when a link starts to linger: it goes down in `ms` unless someone takes it back. */
  readonly onLinger?: (identifier: string, ms: number) => void;
}

/**
 * Per-access-point reference counts with driver activation at 0 -> 1 and
 * deactivation at 1 -> 0.
 *
 * @example
 * ```ts ignore
 * const leases = new LeaseTable(driver, (id) => 30000);
 * const holder = {};
 * await leases.acquire("wlan", holder); // activates
 * await leases.release("wlan", holder); // last holder: deactivates
 * ```
 */
export class LeaseTable {
  #driver: NetworkDriver;
  #timeoutOf: (identifier: string) => number | undefined;
  #entries = new Map<string, Entry>();
  #serviceNetworkOf: (holder: object) => string | undefined;
  #linger: LingerOptions | undefined;
  #isUp: ((identifier: string) => boolean) | undefined;

  /**
   * Creates an empty table.
   *
   * @param driver the driver that starts and stops access points
   * @param timeoutOf the activation time-out of an access point (its `connectTimeout`)
   * @param serviceNetworkOf the service network a holder acts for, passed on to the driver
   * @param linger how long a link stays up after its last holder left (default: not at all)
   * @param isUp whether a link is up as last reported: an activation that resolves after its link came up
   *   and went down again (see {@linkcode LeaseTable.lost}) then fails instead of leaving holders on a dead link
   */
  constructor(
    driver: NetworkDriver,
    timeoutOf: (identifier: string) => number | undefined,
    serviceNetworkOf: (holder: object) => string | undefined = () => undefined,
    linger?: LingerOptions,
    isUp?: (identifier: string) => boolean,
  ) {
    this.#isUp = isUp;
    this.#driver = driver;
    this.#timeoutOf = timeoutOf;
    this.#serviceNetworkOf = serviceNetworkOf;
    this.#linger = linger && linger.ms > 0 ? linger : undefined;
  }

  #entry(id: string): Entry {
    let e = this.#entries.get(id);
    if (!e) this.#entries.set(id, e = { holders: new Holders(), status: "down" });
    return e;
  }

  #gc(id: string, e: Entry): void {
    if (e.holders.size === 0 && e.status === "down") this.#entries.delete(id);
  }

  /** Number of holders of an access point. */
  count(identifier: string): number {
    return this.#entries.get(identifier)?.holders.size ?? 0;
  }

  /** Whether `holder` holds `identifier`. */
  holds(identifier: string, holder: object): boolean {
    return this.#entries.get(identifier)?.holders.has(holder) ?? false;
  }

  /** The holders of an access point. */
  holdersOf(identifier: string): ReadonlyHolders {
    return this.#entries.get(identifier)?.holders ?? NO_HOLDERS;
  }

  /** Access points with at least one holder, and their counts. */
  counts(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [id, e] of this.#entries) if (e.holders.size > 0) out.set(id, e.holders.size);
    return out;
  }

  /** Whether this table brought the access point up and it is believed up (lingering included). */
  isUp(identifier: string): boolean {
    const status = this.#entries.get(identifier)?.status;
    return status === "up" || status === "lingering";
  }

  /** Whether the access point has no holder left and stays up until its linger runs out. */
  isLingering(identifier: string): boolean {
    return this.#entries.get(identifier)?.status === "lingering";
  }

  /** Whether a release of the last holder keeps the link up for a while (a linger is configured). */
  get lingers(): boolean {
    return this.#linger !== undefined;
  }

  /** Whether the table is in the middle of taking the access point down itself. */
  isDeactivating(identifier: string): boolean {
    return this.#entries.get(identifier)?.status === "deactivating";
  }

  /**
   * Adds a lease; resolves when the access point is up, rejects with
   * {@linkcode DriverError} when activation fails (the lease is then dropped).
   */
  acquire(identifier: string, holder: object): Promise<void> {
    const e = this.#entry(identifier);
    e.holders.add(holder);
    if (e.status === "lingering") this.#endLinger(e, "up"); // taken back: no flap
    if (e.status === "up") return RESOLVED;
    if (e.status === "activating") return this.#join(identifier, e, holder);
    const before = e.status === "deactivating" ? e.deactivation!.catch(() => {}) : RESOLVED;
    const abort = new AbortController();
    e.status = "activating";
    e.abort = abort;
    e.wentDown = false;
    const serviceNetwork = this.#serviceNetworkOf(holder);
    const activation = before.then(() => {
      if (abort.signal.aborted) {
        throw new DriverError(
          "session-aborted",
          `activation of '${identifier}' was cancelled: no holder is left`,
        );
      }
      return this.#driver.activate(identifier, {
        signal: abort.signal,
        timeout: this.#timeoutOf(identifier),
        serviceNetwork,
      });
    });
    e.activation = activation.then(
      () => {
        if (e.activation !== tracked || e.status !== "activating") return;
        e.abort = undefined;
        if (e.wentDown && this.#isUp !== undefined && !this.#isUp(identifier)) {
          // it came up and went down before this activation's answer was handled: its holders are not on it
          e.status = "down";
          e.wentDown = false;
          e.holders.clear();
          this.#gc(identifier, e);
          throw new DriverError("session-aborted", `'${identifier}' went down as soon as it came up`);
        }
        e.wentDown = false;
        e.status = "up";
      },
      (error) => {
        if (e.activation === tracked && e.status === "activating") {
          e.status = "down";
          e.abort = undefined;
          e.holders.clear();
          this.#gc(identifier, e);
        }
        throw toDriverError(error, identifier);
      },
    );
    const tracked: Promise<void> = e.activation;
    return this.#join(identifier, e, holder);
  }

  /**
   * Adds a lease only if the access point is up (lingering included: taken back) and says whether it did; then
   * there is nothing to wait for. Otherwise nothing changes: {@linkcode LeaseTable.acquire} it.
   *
   * @example
   * ```ts ignore
   * const leases = new LeaseTable(driver, (id) => 30000);
   * console.log(leases.acquireIfUp("wlan", {})); // false: not up yet
   * await leases.acquire("wlan", {});
   * console.log(leases.acquireIfUp("wlan", {}), leases.count("wlan")); // true 2
   * ```
   */
  acquireIfUp(identifier: string, holder: object): boolean {
    const e = this.#entries.get(identifier);
    if (e === undefined || (e.status !== "up" && e.status !== "lingering")) return false;
    e.holders.add(holder);
    if (e.status === "lingering") this.#endLinger(e, "up"); // taken back: no flap
    return true;
  }

  #join(identifier: string, e: Entry, holder: object): Promise<void> {
    return e.activation!.then(() => {
      if (!e.holders.has(holder)) {
        throw new DriverError(
          "session-aborted",
          `the lease on '${identifier}' was dropped while it was activating`,
        );
      }
    });
  }

  /**
   * Drops a lease only if it is not the last one (or not held at all) and says whether it did: then there is
   * nothing to wait for. Otherwise nothing changes: {@linkcode LeaseTable.release} it.
   *
   * @example
   * ```ts ignore
   * const leases = new LeaseTable(driver, (id) => 30000);
   * const first = {}, second = {};
   * await leases.acquire("wlan", first);
   * await leases.acquire("wlan", second);
   * console.log(leases.releaseIfShared("wlan", first), leases.releaseIfShared("wlan", second)); // true false
   * ```
   */
  releaseIfShared(identifier: string, holder: object): boolean {
    const e = this.#entries.get(identifier);
    if (e === undefined || !e.holders.has(holder)) return true;
    if (e.holders.size === 1) return false;
    e.holders.delete(holder);
    return true;
  }

  /**
   * Drops a lease. When it was the last one the access point is deactivated
   * (or its activation cancelled); resolves when that is done. Releasing a
   * lease that is not held resolves at once.
   */
  release(identifier: string, holder: object): Promise<void> {
    const e = this.#entries.get(identifier);
    if (!e || !e.holders.delete(holder)) return RESOLVED;
    if (e.holders.size > 0) return RESOLVED;
    if (this.#linger && e.status === "up") {
      const { ms, clock, onLinger } = this.#linger;
      e.status = "lingering";
      e.linger = clock.setTimeout(() => {
        e.linger = undefined;
        if (e.status === "lingering") this.#down(identifier, e, false).catch(() => {});
      }, ms);
      onLinger?.(identifier, ms);
      return RESOLVED;
    }
    return this.#down(identifier, e, false);
  }

  /**
   * Forces an access point down whoever holds it (`stop()`). Returns the
   * holders it had, and a promise that settles when the link is down.
   */
  stop(identifier: string): { holders: object[]; done: Promise<void> } {
    const e = this.#entry(identifier);
    const holders = [...e.holders];
    e.holders.clear();
    return { holders, done: this.#down(identifier, e, true) };
  }

  /**
   * Records that an access point went down on its own (link lost, another
   * program). Returns its former holders, who must be told.
   */
  lost(identifier: string): object[] {
    const e = this.#entries.get(identifier);
    if (e?.status === "lingering") this.#endLinger(e, "down");
    if (e?.status === "activating") {
      // the link came up and went down before the activation's answer was handled: it fails then
      e.wentDown = true;
      return [];
    }
    if (!e || e.status !== "up") {
      if (e) this.#gc(identifier, e);
      return [];
    }
    const holders = [...e.holders];
    e.holders.clear();
    e.status = "down";
    this.#gc(identifier, e);
    return holders;
  }

  #settled(identifier: string, e: Entry, tracked: Promise<void> | undefined): void {
    if (e.deactivation !== tracked) return;
    e.deactivation = undefined;
    if (e.status === "deactivating") e.status = "down";
    this.#gc(identifier, e);
  }

  /**
   * Takes every lingering link down now (the manager closes); resolves when they are down.
   */
  endLingers(): Promise<void> {
    const downs: Promise<void>[] = [];
    for (const [id, e] of this.#entries) {
      if (e.status === "lingering") downs.push(this.#down(id, e, false).catch(() => {}));
    }
    return Promise.all(downs).then(() => {});
  }

  #endLinger(e: Entry, status: Status): void {
    if (e.linger !== undefined) this.#linger?.clock.clearTimeout(e.linger);
    e.linger = undefined;
    e.status = status;
  }

  #down(identifier: string, e: Entry, force: boolean): Promise<void> {
    if (e.status === "lingering") this.#endLinger(e, "up");
    if (e.status === "activating") {
      e.abort?.abort();
      e.abort = undefined;
    }
    const previous = e.status === "activating"
      ? e.activation!.catch(() => {})
      : e.status === "deactivating"
      ? e.deactivation!.catch(() => {})
      : RESOLVED;
    e.status = "deactivating";
    const deactivation = previous.then(() => this.#driver.deactivate(identifier, { force }));
    e.deactivation = deactivation.then(
      (): void => this.#settled(identifier, e, tracked),
      (error) => {
        this.#settled(identifier, e, tracked);
        throw toDriverError(error, identifier);
      },
    );
    const tracked: Promise<void> = e.deactivation;
    // A holder that arrives while we deactivate re-activates after it (see acquire).
    return tracked;
  }
}

/**
 * The holders of a link, as {@linkcode LeaseTable.holdersOf} answers them: how many, whether one is, and each in
 * the order it came.
 *
 * @example
 * ```ts ignore
 * for (const holder of manager.leases.holdersOf("wlan")) console.log(holder);
 * ```
 */
export interface ReadonlyHolders extends Iterable<object> {
  /** How many hold the link. */
  readonly size: number;
  /** Whether `holder` holds it. */
  has(holder: object): boolean;
}

/** Up to this many holders are kept in a list; more, in a Set. */
const FEW = 8;

/**
 * A link's holders in the order they came: a short list while they are few (most links have one or two: filing a
 * holder in a Set hashes it and, as holders come and go, rebuilds the Set's table), a Set once they are many.
 */
class Holders implements ReadonlyHolders {
  #few: object[] | undefined = [];
  #many: Set<object> | undefined;

  get size(): number {
    return this.#few !== undefined ? this.#few.length : this.#many!.size;
  }

  has(holder: object): boolean {
    return this.#few !== undefined ? this.#few.includes(holder) : this.#many!.has(holder);
  }

  add(holder: object): void {
    const few = this.#few;
    if (few === undefined) this.#many!.add(holder);
    else if (few.includes(holder)) return;
    else if (few.length < FEW) few.push(holder);
    else {
      this.#many = new Set(few).add(holder);
      this.#few = undefined;
    }
  }

  /** Drops `holder`; whether it held the link. */
  delete(holder: object): boolean {
    const few = this.#few;
    if (few === undefined) return this.#many!.delete(holder);
    const i = few.indexOf(holder);
    if (i < 0) return false;
    if (i === few.length - 1) few.pop();
    else few.splice(i, 1);
    return true;
  }

  clear(): void {
    this.#few = [];
    this.#many = undefined;
  }

  [Symbol.iterator](): Iterator<object> {
    return this.#few !== undefined ? this.#few.values() : this.#many!.values();
  }
}

/** The holders of a link nobody holds. */
const NO_HOLDERS: ReadonlyHolders = new Holders();

/**
 * A settled promise: what is answered when there is nothing to wait for (one for all: nothing is made for it), and
 * what the activation of a link that is down waits for (it starts in the next microtask turn).
 */
const RESOLVED: Promise<void> = Promise.resolve();

function toDriverError(error: unknown, identifier: string): DriverError {
  if (error instanceof DriverError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DriverError("unknown", `driver failure on '${identifier}': ${message}`, { cause: error });
}
