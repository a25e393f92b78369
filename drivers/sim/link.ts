/**
 * The lifecycle of an access point's link as a pure transition:
 * {@linkcode linkTransition}`(phase, event)` gives the next
 * {@linkcode SimLinkPhase} and the effects the engine carries out (timers,
 * counters, holds, reports). Every change of a link's phase goes through it.
 *
 * ```
 *            activate               activated
 *   down ──────────────▶ activating ─────────▶ up ◀─┐ bring-up
 *    ▲  ◀──────────────      │ bring-up        │    │
 *    │    failed/cancel      └────────────────▶│    │
 *    │                                release  ▼    │
 *    └──────────────── go-down ─────────── deactivating
 * ```
 *
 * @module
 */

/**
 * Where an access point's link is: `down`, `activating` (coming up), `up`, or
 * `deactivating` (still up, going down).
 *
 * @example
 * ```ts
 * import type { SimLinkPhase } from "@netsession/sim";
 * const p: SimLinkPhase = "activating";
 * ```
 */
export type SimLinkPhase = "down" | "activating" | "up" | "deactivating";

/**
 * What happens to a link. `activate`: an activation starts (a queued one waits
 * while the link is going down); `activated` / `failed`: the activation timer
 * ran out, with or without success; `cancel`: the pending activation was
 * dropped (aborted, timed out, lost range, taken over); `bring-up`: another
 * program brought the link up at once; `release`: the last holder let go;
 * `go-down`: the link is gone now (lost range, deactivated, taken down, its
 * device taken); `remove`: the access point was removed.
 */
export type LinkEvent =
  | "activate"
  | "activated"
  | "failed"
  | "cancel"
  | "bring-up"
  | "release"
  | "go-down"
  | "remove";

/**
 * What the engine does for a transition, in order. `take-device` runs before
 * the link enters its new phase (the other links of its device go down first);
 * every other effect runs after:
 * `start-activation-timer`, `start-deactivation-timer`, `finish-deactivation`
 * (cancel its timer, resolve its waiters), `reset-counters`, `hold` (the
 * requester and the activation's waiters become holders), `drop-holds`,
 * `report` (configuration-changed, with the service networks it changes) and
 * `resume-queued` (an activation that waited for the link to be down starts,
 * or fails when out of range).
 */
export type LinkEffect =
  | "take-device"
  | "start-activation-timer"
  | "start-deactivation-timer"
  | "finish-deactivation"
  | "reset-counters"
  | "hold"
  | "drop-holds"
  | "report"
  | "resume-queued";

/** The result of {@linkcode linkTransition}. */
export interface LinkTransition {
  /** The phase after the event. */
  readonly phase: SimLinkPhase;
  /** What to do, in order (`take-device` before entering `phase`). */
  readonly effects: readonly LinkEffect[];
}

/**
 * A frozen transition (each is made once: a link changes phase on every step of a long play). Its list of
 * effects is typed read-only but not frozen: V8 iterates a frozen array on a slow path that allocates.
 */
const T = (phase: SimLinkPhase, ...effects: LinkEffect[]): LinkTransition =>
  Object.freeze({ phase, effects });

const STAYS: Record<SimLinkPhase, LinkTransition> = {
  down: T("down"),
  activating: T("activating"),
  up: T("up"),
  deactivating: T("deactivating"),
};
const STAY = (phase: SimLinkPhase): LinkTransition => STAYS[phase];
const START = T("activating", "take-device", "start-activation-timer");
const COME_UP = T("up", "reset-counters", "hold", "report");
const BROUGHT_UP = T("up", "take-device", "reset-counters", "hold", "report");
const TAKEN_BACK = T("up", "finish-deactivation", "hold");
const HELD = T("up", "hold");
const RELEASED = T("deactivating", "start-deactivation-timer");
const WENT_DOWN = T("down", "reset-counters", "drop-holds", "finish-deactivation", "report", "resume-queued");
const REMOVED = T("down", "finish-deactivation", "drop-holds");

/**
 * The next phase of a link and the effects to carry out. Pure: no I/O, no
 * state; an event that does not apply to the phase leaves it as it is, with
 * no effect.
 */
export function linkTransition(phase: SimLinkPhase, event: LinkEvent): LinkTransition {
  switch (event) {
    case "activate":
      return phase === "down" ? START : STAY(phase);
    case "activated":
      return phase === "activating" ? COME_UP : STAY(phase);
    case "failed":
    case "cancel":
      return phase === "activating" ? STAY("down") : STAY(phase);
    case "bring-up":
      switch (phase) {
        case "down":
        case "activating":
          return BROUGHT_UP;
        case "deactivating":
          return TAKEN_BACK;
        case "up":
          return HELD;
      }
      break;
    case "release":
      return phase === "up" ? RELEASED : STAY(phase);
    case "go-down":
      return phase === "up" || phase === "deactivating" ? WENT_DOWN : STAY(phase);
    case "remove":
      return REMOVED;
  }
}

/** Whether a link in `phase` is up (also while it is going down). */
export function isLinkUp(phase: SimLinkPhase): boolean {
  return phase === "up" || phase === "deactivating";
}
