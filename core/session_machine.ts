/**
 * The session state machine as a pure transition function:
 * `transition(model, input) -> { model, effects }`. The
 * {@linkcode NetworkSession} class feeds it inputs (API calls and what the
 * manager observed) and carries out the effects (lease acquire/release,
 * events). Nothing here does I/O, so it can be property-tested.
 *
 * Lifecycle (`phase`): `idle` -> `opening` -> `open` -> `closing` -> `idle`.
 * Roaming (service networks) is a sub-state of `open`: `offered` (the
 * application was told of a better access point) -> `migrating` (the new
 * access point is being started while the old one stays up) -> `activated`
 * (both up; waiting for `accept()`/`reject()`). Forced roaming skips
 * `offered` and `activated`. When starting the new access point took the old
 * one down (both on one device, as with two WLAN profiles on one radio under
 * NetworkManager) and the old one is still available, `activated` waits for the
 * application too, and `reject()` goes through `returning`: the old access
 * point is started again, then the new one is released.
 *
 * @module
 */

import type { SessionError, SessionState } from "./types.ts";

/**
 * Where a session is in its lifecycle.
 *
 * @example
 * ```ts
 * import type { SessionPhase } from "@netsession/core";
 * const p: SessionPhase = "open";
 * ```
 */
export type SessionPhase = "idle" | "opening" | "open" | "closing";

/**
 * A roam in progress.
 *
 * @example
 * ```ts
 * import type { RoamModel } from "@netsession/core";
 * const r: RoamModel = { from: "lte", to: "wlan", seamless: false, forced: false, step: "offered", fromLost: false };
 * ```
 */
export interface RoamModel {
  /** The access point the session is leaving. */
  readonly from: string;
  /** The access point the session is moving to. */
  readonly to: string;
  /** Whether the handover keeps the session's address. */
  readonly seamless: boolean;
  /** Forced roaming: the system decides, no application consent. */
  readonly forced: boolean;
  /** `offered`, `migrating`, `activated`, or `returning` (a reject restarting the old access point). */
  readonly step: "offered" | "migrating" | "activated" | "returning";
  /** The old access point went down (its lease went with it). */
  readonly fromLost: boolean;
  /** The old access point went down while the new one was being started (displaced by it). */
  readonly displaced?: boolean;
  /** In `returning`: the new access point went down meanwhile (displaced by the old one coming back). */
  readonly toLost?: boolean;
}

/**
 * The machine's state.
 *
 * @example
 * ```ts
 * import { initialSessionModel } from "@netsession/core";
 * console.log(initialSessionModel("disconnected").phase); // "idle"
 * ```
 */
export interface SessionModel {
  /** The public session state. */
  readonly state: SessionState;
  /** Lifecycle phase. */
  readonly phase: SessionPhase;
  /** The access point this session holds a lease on (while opening, open or closing). */
  readonly accessPoint?: string;
  /** The roam in progress, if any. */
  readonly roam?: RoamModel;
  /** An access point the application ignored or rejected; not offered again until something changes. */
  readonly ignored?: string;
  /** In `closing`: whether `closed` is emitted when done (the session was open). */
  readonly closeEmits?: boolean;
}

/**
 * What the machine reacts to: API calls and observations made by the manager.
 * `restingState` is the state the session would have if it held nothing
 * (derived from its configuration's state).
 *
 * @example
 * ```ts
 * import type { SessionInput } from "@netsession/core";
 * const i: SessionInput = { type: "close", lastHolder: true, restingState: "connected" };
 * ```
 */
export type SessionInput =
  | {
    readonly type: "open";
    readonly target?: string;
    readonly targetActive: boolean;
    readonly failure?: string;
  }
  | {
    readonly type: "activated";
    readonly identifier: string;
    /** Whether the roam's old access point could be started again now (in range, still configured). */
    readonly fromAvailable?: boolean;
  }
  | {
    readonly type: "activation-failed";
    readonly identifier: string;
    readonly error: SessionError;
    readonly message: string;
    readonly restingState: SessionState;
  }
  | { readonly type: "close"; readonly lastHolder: boolean; readonly restingState: SessionState }
  | { readonly type: "stop"; readonly target?: string; readonly restingState: SessionState }
  | { readonly type: "released"; readonly restingState: SessionState }
  | {
    readonly type: "lost";
    readonly identifier: string;
    readonly message: string;
    readonly restingState: SessionState;
    readonly next?: { readonly identifier: string; readonly seamless: boolean; readonly alr: boolean };
  }
  | { readonly type: "observed"; readonly restingState: SessionState }
  | { readonly type: "removed"; readonly message: string }
  | {
    readonly type: "preferred";
    readonly identifier: string;
    readonly seamless: boolean;
    readonly alr: boolean;
  }
  | { readonly type: "migrate" }
  | { readonly type: "ignore"; readonly restingState: SessionState }
  | { readonly type: "accept" }
  | { readonly type: "reject"; readonly fromAvailable?: boolean };

/**
 * What the session class must do after a transition, in order.
 *
 * @example
 * ```ts
 * import type { SessionEffect } from "@netsession/core";
 * const e: SessionEffect = { type: "acquire", identifier: "wlan" };
 * ```
 */
export type SessionEffect =
  | { readonly type: "acquire"; readonly identifier: string }
  | { readonly type: "release"; readonly identifier: string }
  | { readonly type: "stop"; readonly identifier: string }
  | { readonly type: "state"; readonly state: SessionState }
  | { readonly type: "emit"; readonly event: "opened" | "closed" | "newConfigurationActivated" }
  | { readonly type: "error"; readonly error: SessionError; readonly message: string }
  | { readonly type: "preferred"; readonly identifier: string; readonly seamless: boolean }
  | { readonly type: "settle"; readonly opened: boolean };

/**
 * The result of {@linkcode transition}.
 *
 * @example
 * ```ts
 * import { initialSessionModel, transition } from "@netsession/core";
 * const { model, effects } = transition(initialSessionModel("disconnected"), { type: "open", target: "a", targetActive: false });
 * console.log(model.state, effects.map((e) => e.type)); // "connecting" ["state", "acquire"]
 * ```
 */
export interface Transition {
  /** The next model. */
  readonly model: SessionModel;
  /** Effects to carry out, in order. */
  readonly effects: readonly SessionEffect[];
}

/**
 * The model of a session that holds nothing.
 *
 * @example
 * ```ts
 * import { initialSessionModel } from "@netsession/core";
 * console.log(initialSessionModel("not-available").state); // "not-available"
 * ```
 */
export function initialSessionModel(state: SessionState): SessionModel {
  return { state, phase: "idle" };
}

const NONE: Transition["effects"] = [];

function step(from: SessionModel, to: SessionModel, effects: SessionEffect[]): Transition {
  if (to.state !== from.state) effects.unshift({ type: "state", state: to.state });
  return { model: to, effects };
}

function idle(m: SessionModel, state: SessionState): SessionModel {
  return { state, phase: "idle", ignored: m.ignored };
}

/** A reject could not bring the old access point back: stay on the new one, or end if it is gone too. */
function cannotReturn(
  m: SessionModel,
  r: RoamModel,
  restingState: SessionState,
  message: string,
): Transition {
  if (r.toLost) {
    return aborted(m, restingState, `could not return to the previous access point: ${message}`, true);
  }
  // The failed old access point's lease is dropped (it is not up); the session keeps the new one.
  return step(m, { state: "connected", phase: "open", accessPoint: r.to }, [
    { type: "release", identifier: r.from },
    { type: "error", error: "roaming", message: `could not return to the previous access point: ${message}` },
  ]);
}

/** Everything this session holds a lease on. */
function held(m: SessionModel): string[] {
  const out: string[] = [];
  // After roaming on loss the old access point is gone: its lease was dropped with it.
  const lostFrom = m.roam?.fromLost && m.roam.from === m.accessPoint;
  if (m.accessPoint !== undefined && !lostFrom) out.push(m.accessPoint);
  if (m.roam && m.roam.step !== "offered" && m.roam.to !== m.accessPoint && !m.roam.toLost) {
    out.push(m.roam.to);
  }
  return out;
}

function aborted(m: SessionModel, restingState: SessionState, message: string, wasOpen: boolean): Transition {
  const effects: SessionEffect[] = [];
  for (const id of held(m)) effects.push({ type: "release", identifier: id });
  effects.push({ type: "error", error: "session-aborted", message });
  if (wasOpen) effects.push({ type: "emit", event: "closed" });
  return step(m, idle(m, restingState), effects);
}

/**
 * The pure transition function. Inputs that make no sense in the current
 * phase (accept with nothing to accept, migrate with no candidate, close of a
 * session that is not open) leave the model unchanged and have no effects.
 *
 * @example
 * ```ts
 * import { initialSessionModel, transition } from "@netsession/core";
 * let m = initialSessionModel("disconnected");
 * m = transition(m, { type: "open", target: "a", targetActive: false }).model;
 * const t = transition(m, { type: "activated", identifier: "a" });
 * console.log(t.model.state, t.model.phase); // "connected" "open"
 * ```
 */
export function transition(m: SessionModel, input: SessionInput): Transition {
  switch (input.type) {
    case "open": {
      if (m.phase === "open") return { model: m, effects: [{ type: "settle", opened: true }] };
      if (m.phase === "opening") return { model: m, effects: NONE };
      if (input.failure !== undefined || input.target === undefined) {
        return {
          model: m,
          effects: [
            {
              type: "error",
              error: "invalid-configuration",
              message: input.failure ?? "nothing to connect to",
            },
            { type: "settle", opened: false },
          ],
        };
      }
      const effects: SessionEffect[] = [];
      // Re-opening while an earlier close is still taking the link down: that close is done for this session.
      if (m.phase === "closing" && m.closeEmits) effects.push({ type: "emit", event: "closed" });
      effects.push({ type: "acquire", identifier: input.target });
      const state: SessionState = input.targetActive && m.state === "connected" ? "connected" : "connecting";
      return step(m, { state, phase: "opening", accessPoint: input.target, ignored: m.ignored }, effects);
    }

    case "activated": {
      if (m.phase === "opening" && input.identifier === m.accessPoint) {
        return step(m, { ...m, state: "connected", phase: "open" }, [
          { type: "emit", event: "opened" },
          { type: "settle", opened: true },
        ]);
      }
      const r = m.roam;
      if (m.phase === "open" && r && r.step === "returning" && r.from === input.identifier) {
        // Back on the old access point: let go of the rejected one.
        return step(
          m,
          { state: "connected", phase: "open", accessPoint: r.from, ignored: r.to },
          r.toLost ? [] : [{ type: "release", identifier: r.to }],
        );
      }
      if (m.phase === "open" && r && r.step === "migrating" && r.to === input.identifier) {
        if (r.forced || (r.fromLost && !(r.displaced && input.fromAvailable))) {
          const effects: SessionEffect[] = [];
          if (!r.fromLost) effects.push({ type: "release", identifier: r.from });
          effects.push({ type: "emit", event: "newConfigurationActivated" });
          return step(m, { state: "connected", phase: "open", accessPoint: r.to }, effects);
        }
        return step(m, { ...m, roam: { ...r, step: "activated" } }, [
          { type: "emit", event: "newConfigurationActivated" },
        ]);
      }
      return { model: m, effects: NONE };
    }

    case "activation-failed": {
      if (m.phase === "opening" && input.identifier === m.accessPoint) {
        return step(m, idle(m, input.restingState), [
          { type: "release", identifier: input.identifier },
          { type: "error", error: input.error, message: input.message },
          { type: "settle", opened: false },
        ]);
      }
      const r = m.roam;
      if (m.phase === "open" && r && r.step === "returning" && r.from === input.identifier) {
        return cannotReturn(m, r, input.restingState, input.message);
      }
      if (m.phase === "open" && r && r.step === "migrating" && r.to === input.identifier) {
        if (r.fromLost) {
          return aborted(
            m,
            input.restingState,
            `roaming failed and the previous access point is gone: ${input.message}`,
            true,
          );
        }
        return step(m, { state: "connected", phase: "open", accessPoint: r.from, ignored: r.to }, [
          { type: "release", identifier: r.to },
          { type: "error", error: "roaming", message: input.message },
        ]);
      }
      return { model: m, effects: NONE };
    }

    case "close": {
      if (m.phase === "opening") {
        return step(m, idle(m, input.restingState), [
          ...held(m).map((id): SessionEffect => ({ type: "release", identifier: id })),
          { type: "error", error: "session-aborted", message: "the session was closed before it opened" },
          { type: "settle", opened: false },
        ]);
      }
      if (m.phase !== "open") return { model: m, effects: NONE };
      const effects: SessionEffect[] = held(m).map((id) => ({ type: "release", identifier: id }));
      if (input.lastHolder) {
        return step(
          m,
          { state: "closing", phase: "closing", accessPoint: m.accessPoint, closeEmits: true },
          effects,
        );
      }
      effects.push({ type: "emit", event: "closed" });
      return step(m, idle(m, input.restingState), effects);
    }

    case "stop": {
      const target = m.accessPoint ?? input.target;
      if (target === undefined || m.phase === "closing") return { model: m, effects: NONE };
      const effects: SessionEffect[] = [];
      if (m.roam && m.roam.step !== "offered" && m.roam.to !== target) {
        effects.push({ type: "stop", identifier: m.roam.to });
      }
      effects.push({ type: "stop", identifier: target });
      if (m.phase === "opening") {
        effects.push({
          type: "error",
          error: "session-aborted",
          message: "the session was stopped before it opened",
        });
        effects.push({ type: "settle", opened: false });
      }
      return step(m, {
        state: "closing",
        phase: "closing",
        accessPoint: target,
        closeEmits: m.phase === "open",
      }, effects);
    }

    case "released": {
      if (m.phase !== "closing") return { model: m, effects: NONE };
      return step(m, idle(m, input.restingState), m.closeEmits ? [{ type: "emit", event: "closed" }] : []);
    }

    case "lost": {
      const r = m.roam;
      if (m.phase === "open" && r && r.step === "returning") {
        if (input.identifier === r.to) return step(m, { ...m, roam: { ...r, toLost: true } }, []);
        if (input.identifier === r.from) return cannotReturn(m, r, input.restingState, input.message);
        return { model: m, effects: NONE };
      }
      if (m.phase === "open" && input.identifier === m.accessPoint) {
        if (r && r.step === "activated") {
          // The old link died while the new one is up: the only way is forward.
          return step(m, { state: "connected", phase: "open", accessPoint: r.to }, []);
        }
        if (r && r.step === "migrating") {
          return step(m, { ...m, roam: { ...r, fromLost: true, displaced: true } }, []);
        }
        if (input.next) {
          const roam: RoamModel = {
            from: input.identifier,
            to: input.next.identifier,
            seamless: input.next.seamless,
            forced: !input.next.alr,
            step: input.next.alr ? "offered" : "migrating",
            fromLost: true,
          };
          const effects: SessionEffect[] = input.next.alr
            ? [{ type: "preferred", identifier: roam.to, seamless: roam.seamless }]
            : [{ type: "acquire", identifier: roam.to }];
          return step(m, { state: "roaming", phase: "open", accessPoint: input.identifier, roam }, effects);
        }
        return aborted(m, input.restingState, input.message, true);
      }
      if (m.phase === "open" && r && r.step !== "offered" && r.to === input.identifier) {
        if (r.fromLost) return aborted(m, input.restingState, input.message, true);
        return step(m, { state: "connected", phase: "open", accessPoint: r.from, ignored: r.to }, [
          { type: "release", identifier: r.to },
          { type: "error", error: "roaming", message: input.message },
        ]);
      }
      if (m.phase === "open" && r && r.step === "offered" && r.to === input.identifier) {
        // The candidate vanished before the application decided: withdraw the offer.
        if (r.fromLost) return aborted(m, input.restingState, input.message, true);
        return step(
          m,
          { state: "connected", phase: "open", accessPoint: m.accessPoint, ignored: m.ignored },
          [],
        );
      }
      return { model: m, effects: NONE };
    }

    case "observed": {
      if (m.phase !== "idle" || m.state === input.restingState) return { model: m, effects: NONE };
      return step(m, { ...m, state: input.restingState }, []);
    }

    case "removed": {
      const effects: SessionEffect[] = held(m).map((id) => ({ type: "release", identifier: id }));
      if (m.phase === "opening") {
        effects.push({ type: "error", error: "invalid-configuration", message: input.message });
        effects.push({ type: "settle", opened: false });
      } else if (m.phase === "open" || (m.phase === "closing" && m.closeEmits)) {
        effects.push({ type: "error", error: "invalid-configuration", message: input.message });
        effects.push({ type: "emit", event: "closed" });
      }
      return step(m, { state: "invalid", phase: "idle" }, effects);
    }

    case "preferred": {
      if (m.phase !== "open" || m.roam) return { model: m, effects: NONE };
      if (input.identifier === m.accessPoint || input.identifier === m.ignored) {
        return { model: m, effects: NONE };
      }
      const roam: RoamModel = {
        from: m.accessPoint!,
        to: input.identifier,
        seamless: input.seamless,
        forced: !input.alr,
        step: input.alr ? "offered" : "migrating",
        fromLost: false,
      };
      if (input.alr) {
        return step(m, { ...m, roam }, [{ type: "preferred", identifier: roam.to, seamless: roam.seamless }]);
      }
      return step(m, { ...m, state: "roaming", roam }, [{ type: "acquire", identifier: roam.to }]);
    }

    case "migrate": {
      const r = m.roam;
      if (m.phase !== "open" || !r || r.step !== "offered") return { model: m, effects: NONE };
      return step(m, { ...m, state: "roaming", roam: { ...r, step: "migrating" } }, [
        { type: "acquire", identifier: r.to },
      ]);
    }

    case "ignore": {
      const r = m.roam;
      if (m.phase !== "open" || !r || r.step !== "offered") return { model: m, effects: NONE };
      if (r.fromLost) {
        return aborted(m, input.restingState, "the access point was lost and roaming was ignored", true);
      }
      return step(m, { state: m.state, phase: "open", accessPoint: m.accessPoint, ignored: r.to }, []);
    }

    case "accept": {
      const r = m.roam;
      if (m.phase !== "open" || !r || r.step !== "activated") return { model: m, effects: NONE };
      const effects: SessionEffect[] = r.fromLost ? [] : [{ type: "release", identifier: r.from }];
      return step(m, { state: "connected", phase: "open", accessPoint: r.to }, effects);
    }

    case "reject": {
      const r = m.roam;
      if (m.phase !== "open" || !r || r.step !== "activated") return { model: m, effects: NONE };
      if (r.fromLost) {
        if (input.fromAvailable) {
          // The old access point was displaced by the new one: start it again, then release the new one.
          return step(m, { ...m, roam: { ...r, step: "returning", fromLost: false } }, [
            { type: "acquire", identifier: r.from },
          ]);
        }
        // Nothing to go back to: the session stays on the new access point.
        return step(m, { state: "connected", phase: "open", accessPoint: r.to }, [
          { type: "error", error: "roaming", message: "cannot reject: the previous access point is gone" },
        ]);
      }
      return step(m, { state: "connected", phase: "open", accessPoint: r.from, ignored: r.to }, [
        { type: "release", identifier: r.to },
      ]);
    }
  }
}

/**
 * The access points a model holds leases on (the current one and a roam target).
 *
 * @example
 * ```ts
 * import { heldAccessPoints, initialSessionModel } from "@netsession/core";
 * console.log(heldAccessPoints(initialSessionModel("disconnected"))); // []
 * ```
 */
export function heldAccessPoints(m: SessionModel): string[] {
  return m.phase === "idle" || m.phase === "closing" ? [] : held(m);
}
