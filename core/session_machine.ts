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

import type { RoamModel, SessionEffect, SessionInput, SessionModel, Transition } from "./session_model.ts";
import type { SessionState } from "./types.ts";
import { CLOSED, IDLE, OPENED, SETTLE_FALSE, SETTLE_TRUE, STATE_EFFECTS } from "./_machine_constants.ts";

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
  return IDLE[state];
}

const NONE: Transition["effects"] = [];
/** What opening does (shared: effect lists are never changed, and a frozen one is slower to walk). */
const OPEN_EFFECTS: Transition["effects"] = [OPENED, SETTLE_TRUE];

function step(from: SessionModel, to: SessionModel, effects: readonly SessionEffect[]): Transition {
  if (to.state === from.state) return { model: to, effects };
  // One array of the right size, filled by hand: an `unshift` onto a literal allocates its store again with room
  // to grow, as a spread does; a `concat` is 7x slower.
  const out = new Array<SessionEffect>(effects.length + 1);
  out[0] = STATE_EFFECTS[to.state];
  for (let i = 0; i < effects.length; i++) out[i + 1] = effects[i];
  return { model: to, effects: out };
}

/** The release of everything `m` holds, then `a` and `b` if given, in one array of the right size. */
function releasing(m: SessionModel, a?: SessionEffect, b?: SessionEffect): SessionEffect[] {
  const ids = held(m), n = ids.length;
  const out = new Array<SessionEffect>(n + (a ? 1 : 0) + (b ? 1 : 0));
  for (let i = 0; i < n; i++) out[i] = { type: "release", identifier: ids[i] };
  if (a) out[n] = a;
  if (b) out[n + 1] = b;
  return out;
}

function idle(m: SessionModel, state: SessionState): SessionModel {
  return m.ignored === undefined ? IDLE[state] : { state, phase: "idle", ignored: m.ignored };
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
  // After roaming on loss the old access point is gone: its lease was dropped with it.
  const lostFrom = m.roam?.fromLost && m.roam.from === m.accessPoint;
  const a = m.accessPoint !== undefined && !lostFrom ? m.accessPoint : undefined;
  const r = m.roam, b = r && r.step !== "offered" && r.to !== m.accessPoint && !r.toLost ? r.to : undefined;
  return a === undefined ? (b === undefined ? [] : [b]) : b === undefined ? [a] : [a, b]; // literals: no room to grow
}

function aborted(m: SessionModel, restingState: SessionState, message: string, wasOpen: boolean): Transition {
  const error: SessionEffect = { type: "error", error: "session-aborted", message };
  return step(m, idle(m, restingState), wasOpen ? releasing(m, error, CLOSED) : releasing(m, error));
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
    case "open":
      return onOpen(m, input);
    case "activated":
      return onActivated(m, input);
    case "carrier":
      return onCarrier(m, input);
    case "activation-failed":
      return onActivationFailed(m, input);
    case "close":
      return onClose(m, input);
    case "stop":
      return onStop(m, input);
    case "released":
      return onReleased(m, input);
    case "lost":
      return onLost(m, input);
    case "observed":
      return onObserved(m, input);
    case "removed":
      return onRemoved(m, input);
    case "preferred":
      return onPreferred(m, input);
    case "migrate":
      return onMigrate(m);
    case "ignore":
      return onIgnore(m, input);
    case "accept":
      return onAccept(m);
    case "reject":
      return onReject(m, input);
  }
}

/** The input of type `T`. */
type Input<T extends SessionInput["type"]> = Extract<SessionInput, { type: T }>;

function onOpen(m: SessionModel, input: Input<"open">): Transition {
  if (m.phase === "open") return { model: m, effects: [SETTLE_TRUE] };
  if (m.phase === "opening") return { model: m, effects: NONE };
  if (input.failure !== undefined || input.target === undefined) {
    const message = input.failure ?? "nothing to connect to";
    return { model: m, effects: [{ type: "error", error: "invalid-configuration", message }, SETTLE_FALSE] };
  }
  const acquire: SessionEffect = { type: "acquire", identifier: input.target };
  // Re-opening while an earlier close is still taking the link down: that close is done for this session.
  const effects = m.phase === "closing" && m.closeEmits ? [CLOSED, acquire] : [acquire];
  const state: SessionState = input.targetActive && m.state === "connected" ? "connected" : "connecting";
  return step(m, { state, phase: "opening", accessPoint: input.target, ignored: m.ignored }, effects);
}

function onActivated(m: SessionModel, input: Input<"activated">): Transition {
  if (m.phase === "opening" && input.identifier === m.accessPoint) {
    const verdict = input.carrier ?? "ok";
    if (verdict === "ok") return opened(m);
    if (verdict === "short") {
      return step(m, { ...m, validating: true }, [{ type: "validate", identifier: input.identifier }]);
    }
    return openRefused(m, input.identifier, "captive", input.next, input.restingState ?? "disconnected");
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
    if (r.forced) {
      // The carrier test: a forced roam commits only onto a link that reaches as far as the old one did.
      const verdict = input.carrier ?? "ok";
      if (verdict === "ok") return commitRoam(m, r);
      if (verdict === "short") {
        return step(m, { ...m, roam: { ...r, step: "validating" } }, [{
          type: "validate",
          identifier: r.to,
        }]);
      }
      return refuseRoam(m, r, "captive", input.fromAvailable, input.restingState ?? "disconnected");
    }
    if (r.fromLost && !(r.displaced && input.fromAvailable)) return commitRoam(m, r);
    return step(m, { ...m, roam: { ...r, step: "activated" } }, [
      { type: "emit", event: "newConfigurationActivated", identifier: r.to },
    ]);
  }
  return { model: m, effects: NONE };
}

function onCarrier(m: SessionModel, input: Input<"carrier">): Transition {
  if (m.phase === "opening" && m.validating && input.identifier === m.accessPoint) {
    if (input.verdict === "ok") return opened(m);
    if (input.verdict === "short") return { model: m, effects: NONE };
    const why = input.verdict === "captive" ? "captive" : "timeout";
    return openRefused(m, input.identifier, why, input.next, input.restingState);
  }
  const r = m.roam;
  if (m.phase !== "open" || !r || r.step !== "validating" || r.to !== input.identifier) {
    return { model: m, effects: NONE };
  }
  if (input.verdict === "ok") return commitRoam(m, r);
  if (input.verdict === "short") return { model: m, effects: NONE };
  return refuseRoam(
    m,
    r,
    input.verdict === "captive" ? "captive" : "timeout",
    input.fromAvailable,
    input.restingState,
  );
}

/** The link is up (and meets the need): the session is open. */
function opened(m: SessionModel): Transition {
  return step(
    m,
    { state: "connected", phase: "open", accessPoint: m.accessPoint, ignored: m.ignored },
    OPEN_EFFECTS,
  );
}

/**
 * An opening link failed its need's carrier test: it is let go and the next match tried, or, with none left,
 * `open()` fails with `invalid-configuration`.
 */
function openRefused(
  m: SessionModel,
  identifier: string,
  why: "captive" | "timeout",
  next: string | undefined,
  restingState: SessionState,
): Transition {
  const release: SessionEffect = { type: "release", identifier };
  if (next !== undefined && next !== identifier) {
    return step(m, { state: "connecting", phase: "opening", accessPoint: next, ignored: m.ignored }, [
      release,
      { type: "acquire", identifier: next },
    ]);
  }
  const what = why === "captive"
    ? `'${identifier}' is behind a captive portal`
    : `'${identifier}' did not reach far enough within its connect time-out`;
  return step(m, idle(m, restingState), [
    release,
    {
      type: "error",
      error: "invalid-configuration",
      message: `${what}, and no other access point meets the need`,
    },
    SETTLE_FALSE,
  ]);
}

/** A roam is done: the new access point is the session's; the old one is let go. */
function commitRoam(m: SessionModel, r: RoamModel, error?: SessionEffect): Transition {
  const told: SessionEffect = { type: "emit", event: "newConfigurationActivated", identifier: r.to };
  const release: SessionEffect | undefined = r.fromLost ? undefined : { type: "release", identifier: r.from };
  const effects = release
    ? (error ? [release, error, told] : [release, told])
    : error
    ? [error, told]
    : [told];
  return step(m, { state: "connected", phase: "open", accessPoint: r.to }, effects);
}

/**
 * A forced roam failed its carrier test (`captive`: the new link is behind a captive portal the old one was
 * not; `timeout`: it did not reach as far within its connect time-out): back to the old access point, as a
 * `reject()` goes. With the old one gone: started again when the new one displaced it; else a captive portal
 * ends the session and a short link is kept, with error `roaming`.
 */
function refuseRoam(
  m: SessionModel,
  r: RoamModel,
  why: "captive" | "timeout",
  fromAvailable: boolean | undefined,
  restingState: SessionState,
): Transition {
  const what = why === "captive"
    ? `'${r.to}' is behind a captive portal`
    : `'${r.to}' did not reach ${r.required?.reachability ?? "as far"} within its connect time-out`;
  if (!r.fromLost) {
    return step(m, { state: "connected", phase: "open", accessPoint: r.from, ignored: r.to }, [
      { type: "release", identifier: r.to },
      { type: "error", error: "roaming", message: `${what}: the session stays on '${r.from}'` },
    ]);
  }
  if (r.displaced && fromAvailable) {
    return step(m, { ...m, roam: { ...r, step: "returning", fromLost: false } }, [
      { type: "acquire", identifier: r.from },
    ]);
  }
  if (why === "captive") {
    return aborted(m, restingState, `${what} and the previous access point is gone`, true);
  }
  const message = `${what}; the previous access point is gone, so it is kept`;
  return commitRoam(m, r, { type: "error", error: "roaming", message });
}

function onActivationFailed(m: SessionModel, input: Input<"activation-failed">): Transition {
  if (m.phase === "opening" && input.identifier === m.accessPoint) {
    return step(m, idle(m, input.restingState), [
      { type: "release", identifier: input.identifier },
      { type: "error", error: input.error, message: input.message },
      SETTLE_FALSE,
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

function onClose(m: SessionModel, input: Input<"close">): Transition {
  if (m.phase === "opening") {
    const message = "the session was closed before it opened";
    const effects = releasing(m, { type: "error", error: "session-aborted", message }, SETTLE_FALSE);
    return step(m, idle(m, input.restingState), effects);
  }
  if (m.phase !== "open") return { model: m, effects: NONE };
  if (input.lastHolder) {
    const closing: SessionModel = {
      state: "closing",
      phase: "closing",
      accessPoint: m.accessPoint,
      closeEmits: true,
    };
    return step(m, closing, releasing(m));
  }
  return step(m, idle(m, input.restingState), releasing(m, CLOSED));
}

function onStop(m: SessionModel, input: Input<"stop">): Transition {
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
    effects.push(SETTLE_FALSE);
  }
  return step(m, {
    state: "closing",
    phase: "closing",
    accessPoint: target,
    closeEmits: m.phase === "open",
  }, effects);
}

function onReleased(m: SessionModel, input: Input<"released">): Transition {
  if (m.phase !== "closing") return { model: m, effects: NONE };
  return step(m, idle(m, input.restingState), m.closeEmits ? [CLOSED] : []);
}

function onLost(m: SessionModel, input: Input<"lost">): Transition {
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
    if (r && r.step === "validating") {
      // The old link went while the new one is tested: the test goes on, with nothing to return to.
      return step(m, { ...m, roam: { ...r, fromLost: true } }, []);
    }
    if (input.next) {
      const roam: RoamModel = {
        from: input.identifier,
        to: input.next.identifier,
        seamless: input.next.seamless,
        forced: !input.next.alr,
        step: input.next.alr ? "offered" : "migrating",
        fromLost: true,
        required: input.fromReach,
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

/**
 * Whether an `observed` input moves the machine (only a session holding nothing takes a new resting state).
 *
 * @example
 * ```ts
 * import { initialSessionModel, observedMoves } from "@netsession/core";
 * console.log(observedMoves(initialSessionModel("disconnected"), "connected")); // true
 * ```
 */
export function observedMoves(m: SessionModel, restingState: SessionState): boolean {
  return m.phase === "idle" && m.state !== restingState;
}

function onObserved(m: SessionModel, input: Input<"observed">): Transition {
  if (!observedMoves(m, input.restingState)) return { model: m, effects: NONE };
  return step(m, { ...m, state: input.restingState }, []);
}

function onRemoved(m: SessionModel, input: Input<"removed">): Transition {
  const error: SessionEffect = { type: "error", error: "invalid-configuration", message: input.message };
  const effects = m.phase === "opening"
    ? releasing(m, error, SETTLE_FALSE)
    : m.phase === "open" || (m.phase === "closing" && m.closeEmits)
    ? releasing(m, error, CLOSED)
    : releasing(m);
  return step(m, { state: "invalid", phase: "idle" }, effects);
}

function onPreferred(m: SessionModel, input: Input<"preferred">): Transition {
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
    required: input.fromReach,
  };
  if (input.alr) {
    return step(m, { ...m, roam }, [{ type: "preferred", identifier: roam.to, seamless: roam.seamless }]);
  }
  return step(m, { ...m, state: "roaming", roam }, [{ type: "acquire", identifier: roam.to }]);
}

function onMigrate(m: SessionModel): Transition {
  const r = m.roam;
  if (m.phase !== "open" || !r || r.step !== "offered") return { model: m, effects: NONE };
  return step(m, { ...m, state: "roaming", roam: { ...r, step: "migrating" } }, [
    { type: "acquire", identifier: r.to },
  ]);
}

function onIgnore(m: SessionModel, input: Input<"ignore">): Transition {
  const r = m.roam;
  if (m.phase !== "open" || !r || r.step !== "offered") return { model: m, effects: NONE };
  if (r.fromLost) {
    return aborted(m, input.restingState, "the access point was lost and roaming was ignored", true);
  }
  return step(m, { state: m.state, phase: "open", accessPoint: m.accessPoint, ignored: r.to }, []);
}

function onAccept(m: SessionModel): Transition {
  const r = m.roam;
  if (m.phase !== "open" || !r || r.step !== "activated") return { model: m, effects: NONE };
  const effects: SessionEffect[] = r.fromLost ? [] : [{ type: "release", identifier: r.from }];
  return step(m, { state: "connected", phase: "open", accessPoint: r.to }, effects);
}

function onReject(m: SessionModel, input: Input<"reject">): Transition {
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
