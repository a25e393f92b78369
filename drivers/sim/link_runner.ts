/**
 * {@linkcode LinkRunner}: carries out the link lifecycle of `link.ts` on the
 * records of access points: it asks {@linkcode linkTransition} for the next
 * phase and runs the effects (timers, counters, holds, reports, the device
 * taken over). Not re-exported by `mod.ts`.
 *
 * @module
 */

import { DriverError } from "@netsession/core";
import type { Activation, ApRecord, Deactivation } from "./_records.ts";
import { type LinkEffect, type LinkEvent, linkTransition } from "./link.ts";
import type { VirtualClock } from "./virtual_clock.ts";

/** What a link transition's effects act on besides the access point. */
export interface LinkContext {
  /** Becomes a holder on `hold`. */
  readonly holder?: object;
  /** The activation whose timer starts, or whose waiters become holders. */
  readonly activation?: Activation;
}

const NO_CONTEXT: LinkContext = Object.freeze({});

/** The error of an activation whose access point went out of range. */
export function outOfRange(ap: ApRecord): DriverError {
  return new DriverError(
    "invalid-configuration",
    `access point '${ap.id}' went out of range while it was being activated`,
  );
}

/** Runs link transitions and their effects. */
export class LinkRunner {
  readonly #clock: VirtualClock;
  readonly #sameDevice: (ap: ApRecord) => Iterable<ApRecord>;
  readonly #report: (ap: ApRecord) => void;

  /**
   * @param clock the world's clock, for the activation and deactivation timers
   * @param sameDevice the access points of an access point's device (itself among them)
   * @param report reports an access point's change (effect `report`)
   */
  constructor(
    clock: VirtualClock,
    sameDevice: (ap: ApRecord) => Iterable<ApRecord>,
    report: (ap: ApRecord) => void,
  ) {
    this.#clock = clock;
    this.#sameDevice = sameDevice;
    this.#report = report;
  }

  /**
   * The one place a link's phase changes: asks {@linkcode linkTransition} for
   * the next phase and carries out its effects (`take-device` before entering it).
   */
  send(ap: ApRecord, event: LinkEvent, context: LinkContext = NO_CONTEXT): void {
    const { phase, effects } = linkTransition(ap.phase, event);
    if (effects.includes("take-device")) this.#displaceOthers(ap);
    ap.phase = phase;
    for (const effect of effects) if (effect !== "take-device") this.#run(ap, effect, context);
  }

  #run(ap: ApRecord, effect: Exclude<LinkEffect, "take-device">, context: LinkContext): void {
    switch (effect) {
      // The timers are started in methods of their own: a closure made here would make every effect
      // allocate the function's context.
      case "start-activation-timer":
        return this.#startActivationTimer(ap, context.activation!);
      case "start-deactivation-timer":
        return this.#startDeactivationTimer(ap);
      case "finish-deactivation":
        return this.#finishDeactivation(ap);
      case "reset-counters": // a new link, or none: counters and the fade warning start over
        ap.rx = 0;
        ap.tx = 0;
        ap.fading = false;
        return;
      case "hold":
        if (context.holder !== undefined) ap.holders.add(context.holder);
        if (context.activation !== undefined) {
          for (const w of context.activation.waiters) ap.holders.add(w.holder);
        }
        return;
      case "drop-holds":
        ap.holders.clear();
        return;
      case "report":
        return this.#report(ap);
      case "resume-queued": {
        const queued = ap.activation;
        if (queued === undefined || ap.phase !== "down" || queued.timer !== undefined) return;
        if (ap.signal > 0) this.send(ap, "activate", { activation: queued });
        else this.failActivation(ap, outOfRange(ap));
        return;
      }
    }
  }

  #startActivationTimer(ap: ApRecord, act: Activation): void {
    act.timer = this.#clock.setTimeout(() => this.#completeActivation(ap, act), ap.activationMs);
  }

  #startDeactivationTimer(ap: ApRecord): void {
    const deact: Deactivation = {
      waiters: [],
      timer: this.#clock.setTimeout(() => {
        if (ap.deactivation === deact) this.send(ap, "go-down");
      }, ap.deactivationMs),
    };
    ap.deactivation = deact;
  }

  /** One device, one link: whatever else runs on `ap`'s device goes down first (as NetworkManager does). */
  #displaceOthers(ap: ApRecord): void {
    for (const other of this.#sameDevice(ap)) {
      if (other === ap) continue;
      if (other.phase === "activating") {
        this.failActivation(
          other,
          new DriverError(
            "session-aborted",
            `activation of '${other.id}' was cancelled: '${ap.id}' took device '${ap.device}'`,
          ),
        );
      } else this.send(other, "go-down");
    }
  }

  #completeActivation(ap: ApRecord, act: Activation): void {
    if (ap.activation !== act) return;
    ap.activation = undefined;
    act.timer = undefined;
    const failure = ap.failures.shift();
    if (failure !== undefined) {
      this.send(ap, "failed");
      this.settle(act, new DriverError("unknown", failure));
      return;
    }
    this.send(ap, "activated", { activation: act });
    this.settle(act, undefined);
  }

  clearTimer(act: Activation): void {
    if (act.timer !== undefined) this.#clock.clearTimeout(act.timer);
    act.timer = undefined;
  }

  /** Settles every waiter of an activation (resolve when `error` is undefined). */
  settle(act: Activation, error: DriverError | undefined): void {
    const waiters = act.waiters.splice(0);
    for (const w of waiters) {
      w.cleanup();
      if (error === undefined) w.resolve();
      else w.reject(error);
    }
  }

  /** Cancels a pending activation (any phase), rejecting its waiters. */
  failActivation(ap: ApRecord, error: DriverError): void {
    const act = ap.activation;
    if (act === undefined) return;
    ap.activation = undefined;
    this.clearTimer(act);
    this.send(ap, "cancel");
    this.settle(act, error);
  }

  /** Resolves the waiters of a pending deactivation and cancels its timer. */
  #finishDeactivation(ap: ApRecord): void {
    const deact = ap.deactivation;
    if (deact === undefined) return;
    ap.deactivation = undefined;
    this.#clock.clearTimeout(deact.timer);
    for (const w of deact.waiters) {
      w.cleanup();
      w.resolve();
    }
    deact.waiters.length = 0;
  }
}
