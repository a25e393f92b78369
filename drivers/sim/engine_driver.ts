/**
 * The driver side of the engine: what a {@linkcode SimDriver} asks of a world
 * (activate, deactivate, statistics, reachability, holds, release on close), with the
 * driver as the holder of the links it brought up. Phases change only through
 * `LinkRunner.send`. Not re-exported by `mod.ts`.
 *
 * @module
 */

import { DriverError, type DriverStatistics, type Reachability } from "@netsession/core";
import { type Activation, type ApRecord, KIND_NAMES, removeWaiter, type Waiter } from "./_records.ts";
import type { SimEngine } from "./engine.ts";
import { isLinkUp } from "./link.ts";

/** A waiter's cleanup before it has one of its own. */
const NOTHING = () => {};
/** The options of an abort listener (one object for all). */
const ONCE: AddEventListenerOptions = Object.freeze({ once: true });

/** Options of {@linkcode activateLink}. */
export interface EngineActivateOptions {
  readonly signal?: AbortSignal;
  readonly timeout?: number;
}

/** Options of {@linkcode deactivateLink}. */
export interface EngineDeactivateOptions {
  readonly force?: boolean;
  readonly signal?: AbortSignal;
}

/** The record of an id for a driver call: a `DriverError` (`invalid-configuration`) unless it is an access point. */
function apForDriver(engine: SimEngine, id: string): ApRecord {
  const e = typeof id === "string" ? engine.entryOrUndefined(id) : undefined;
  if (e === undefined) {
    throw new DriverError(
      "invalid-configuration",
      `unknown configuration '${id}': the simulated world has no such access point`,
    );
  }
  if (e.kind !== "ap") {
    throw new DriverError(
      "invalid-configuration",
      `'${id}' is ${KIND_NAMES[e.kind]}, not an access point: only access points can be activated`,
    );
  }
  return e;
}

/** The access point a driver call names, or the rejection to return. */
function lookup(engine: SimEngine, id: string): ApRecord | Promise<never> {
  try {
    return apForDriver(engine, id);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Drops one waiter; the activation is cancelled when none is left. */
function dropWaiter(engine: SimEngine, ap: ApRecord, waiter: Waiter, error: DriverError): void {
  const act = ap.activation;
  if (act === undefined || !removeWaiter(act.waiters, waiter)) return;
  waiter.cleanup();
  waiter.reject(error);
  if (act.waiters.length === 0) {
    ap.activation = undefined;
    engine.links.clearTimer(act);
    engine.links.send(ap, "cancel");
  }
}

/** Brings an access point up for `holder`; see {@linkcode SimDriver.activate}. */
export function activateLink(
  engine: SimEngine,
  holder: object,
  id: string,
  options: EngineActivateOptions,
): Promise<void> {
  const ap = lookup(engine, id);
  if (ap instanceof Promise) return ap;
  const { signal, timeout } = options;
  if (signal?.aborted) {
    return Promise.reject(
      new DriverError("session-aborted", `activation of '${id}' was aborted before it started`),
    );
  }
  if (ap.phase === "up") {
    ap.holders.add(holder);
    return SETTLED;
  }
  if (ap.signal === 0) {
    return Promise.reject(
      new DriverError(
        "invalid-configuration",
        `access point '${id}' is out of range (signal 0): it cannot be activated now`,
      ),
    );
  }
  return new Promise<void>((resolve, reject) => {
    let act = ap.activation;
    if (act === undefined) {
      act = { waiters: [], timer: undefined } satisfies Activation;
      ap.activation = act;
      // while deactivating, the activation starts when the link is down (effect resume-queued)
      engine.links.send(ap, "activate", { activation: act });
    }
    const waiter: Waiter = { holder, resolve, reject, cleanup: NOTHING };
    act.waiters.push(waiter);
    let timer: unknown;
    if (timeout !== undefined && Number.isFinite(timeout) && timeout >= 0) {
      timer = engine.clock.setTimeout(
        () =>
          dropWaiter(
            engine,
            ap,
            waiter,
            new DriverError("unknown", `activation of '${id}' timed out after ${timeout} ms`),
          ),
        timeout,
      );
    }
    const onAbort = () =>
      dropWaiter(engine, ap, waiter, new DriverError("session-aborted", `activation of '${id}' was aborted`));
    signal?.addEventListener("abort", onAbort, ONCE);
    waiter.cleanup = () => {
      if (timer !== undefined) engine.clock.clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
  });
}

/** Drops `holder`'s hold (or every hold, with `force`); see {@linkcode SimDriver.deactivate}. */
export function deactivateLink(
  engine: SimEngine,
  holder: object,
  id: string,
  options: EngineDeactivateOptions,
): Promise<void> {
  const ap = lookup(engine, id);
  if (ap instanceof Promise) return ap;
  const force = options.force === true;
  // a pending activation requested by this driver (or by anyone, when forced) is cancelled
  const act = ap.activation;
  if (act !== undefined) {
    const error = new DriverError("session-aborted", `activation of '${id}' was cancelled by a deactivation`);
    if (force) engine.links.failActivation(ap, error);
    else for (const w of act.waiters.slice()) if (w.holder === holder) dropWaiter(engine, ap, w, error);
  }
  if (!isLinkUp(ap.phase)) return SETTLED;
  if (force) ap.holders.clear();
  else ap.holders.delete(holder);
  if (ap.phase === "up") {
    if (ap.holders.size > 0) return SETTLED;
    engine.links.send(ap, "release");
  }
  const deact = ap.deactivation!;
  const { signal } = options;
  if (signal?.aborted) {
    return Promise.reject(new DriverError("session-aborted", `waiting for '${id}' to go down was aborted`));
  }
  return new Promise<void>((resolve, reject) => {
    const waiter: Waiter = { holder, resolve, reject, cleanup: NOTHING };
    const onAbort = () => {
      if (!removeWaiter(deact.waiters, waiter)) return;
      waiter.cleanup();
      reject(new DriverError("session-aborted", `waiting for '${id}' to go down was aborted`));
    };
    signal?.addEventListener("abort", onAbort, ONCE);
    waiter.cleanup = () => signal?.removeEventListener("abort", onAbort);
    deact.waiters.push(waiter);
  });
}

/** Counters of an access point: live while up, zeros while down, undefined for other ids. */
export function linkStatistics(engine: SimEngine, id: string): DriverStatistics | undefined {
  const e = engine.entryOrUndefined(id);
  if (e?.kind !== "ap") return undefined;
  return isLinkUp(e.phase)
    ? { bytesReceived: e.rx, bytesWritten: e.tx }
    : { bytesReceived: 0, bytesWritten: 0 };
}

/**
 * How far an access point's link reaches now: its reachability while up, `"disconnected"` while down.
 * Rejects with `invalid-configuration` for an unknown id or another kind of configuration.
 */
export function linkReachability(engine: SimEngine, id: string): Promise<Reachability> {
  const e = typeof id === "string" ? engine.entryOrUndefined(id) : undefined;
  if (e?.kind !== "ap") {
    const what = e === undefined ? "unknown configuration" : `${KIND_NAMES[e.kind]}, not an access point:`;
    return Promise.reject(
      new DriverError(
        "invalid-configuration",
        `checkReachability('${id}'): ${what} ${
          e === undefined ? "in the simulated world" : "only links reach"
        }`,
      ),
    );
  }
  return Promise.resolve(isLinkUp(e.phase) ? e.reachability : "disconnected");
}

/** Whether `holder` holds an access point's link up. */
export function holdsLink(engine: SimEngine, holder: object, id: string): boolean {
  const e = engine.entryOrUndefined(id);
  return e?.kind === "ap" && e.holders.has(holder);
}

/** A closing driver: its holds are dropped (links stay up), its pending activations fail. */
export function releaseHolder(engine: SimEngine, holder: object): void {
  for (const ap of engine.aps()) {
    ap.holders.delete(holder);
    const act = ap.activation;
    if (act === undefined) continue;
    for (const w of act.waiters.slice()) {
      if (w.holder === holder) {
        dropWaiter(
          engine,
          ap,
          w,
          new DriverError("session-aborted", `activation of '${ap.id}' was aborted: the driver was closed`),
        );
      }
    }
  }
}

/** What a call with nothing to wait for answers (settled; one for all). */
const SETTLED: Promise<void> = Promise.resolve();
