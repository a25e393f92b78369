/**
 * The session machine's shared values, made once and frozen (models and effects are never mutated): the models
 * of sessions that hold nothing, and the effects that carry nothing of their own, so that a transition
 * allocates only what is its own. The machine is in `session_machine.ts`.
 *
 * @module
 */

import type { SessionEffect, SessionModel } from "./session_model.ts";
import { SESSION_STATES, type SessionState } from "./types.ts";

export const OPENED: SessionEffect = Object.freeze({ type: "emit", event: "opened" });
export const CLOSED: SessionEffect = Object.freeze({ type: "emit", event: "closed" });
export const SETTLE_TRUE: SessionEffect = Object.freeze({ type: "settle", opened: true });
export const SETTLE_FALSE: SessionEffect = Object.freeze({ type: "settle", opened: false });
export const STATE_EFFECTS = Object.fromEntries(
  SESSION_STATES.map((state) => [state, Object.freeze({ type: "state", state })]),
) as unknown as Record<SessionState, SessionEffect>;

/** The models of sessions that hold nothing, one per state. */
export const IDLE = Object.fromEntries(
  SESSION_STATES.map((state) => [state, Object.freeze({ state, phase: "idle" as const })]),
) as unknown as Record<SessionState, SessionModel>;
