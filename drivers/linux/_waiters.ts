// Internal: operations waiting for NetworkManager's state to reach a condition (an activation until ACTIVATED, a
// deactivation until gone, start-up until finished). Each condition is re-checked after every change (`kick`),
// with a time-out and an optional AbortSignal; `failAll` ends them all when NetworkManager or the bus goes away.
import { DriverError } from "@netsession/core";
import { toDriverError } from "./_dbus.ts";

interface Waiter {
  check(): void;
  fail(e: DriverError): void;
}

/** A pending wait: `promise` settles when the condition holds or fails; `cancel()` resolves it quietly. */
export interface Pending {
  promise: Promise<void>;
  cancel(): void;
}

/** The set of pending waits of one driver. */
export class Waiters {
  #waiters = new Set<Waiter>();

  /** A promise settled by `check` (true: done, DriverError: failed) re-run after every change. */
  waitFor(
    what: string,
    timeout: number,
    signal: AbortSignal | undefined,
    check: () => boolean | DriverError,
  ): Pending {
    let resolve!: () => void, reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Nobody may await it (cancelled early): never an unhandled rejection.
    promise.catch(() => {});
    const onAbort = () => finish(new DriverError("session-aborted", `${what} was aborted`));
    const finish = (e?: DriverError) => {
      if (!this.#waiters.delete(waiter)) return;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (e) reject(e);
      else resolve();
    };
    const waiter: Waiter = {
      check: () => {
        let r: boolean | DriverError;
        try {
          r = check();
        } catch (e) {
          r = toDriverError(e, what);
        }
        if (r === true) finish();
        else if (r instanceof DriverError) finish(r);
      },
      fail: (e) => finish(e),
    };
    this.#waiters.add(waiter);
    const timer = setTimeout(
      () =>
        finish(
          new DriverError("unknown", `${what} timed out after ${timeout} ms`),
        ),
      Math.max(0, timeout),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    return { promise, cancel: () => finish() };
  }

  /** Re-checks every pending condition. */
  kick(): void {
    for (const w of [...this.#waiters]) w.check();
  }

  /** Fails every pending wait with `e`. */
  failAll(e: DriverError): void {
    for (const w of [...this.#waiters]) w.fail(e);
  }
}
