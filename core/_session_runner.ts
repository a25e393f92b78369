/**
 * The machinery behind a `NetworkSession`: it feeds inputs to the pure
 * machine (`transition` in `session_machine.ts`) one at a time, keeps the
 * model, and carries out the effects — leases through the host, events
 * through the emitter, the carrier test's time-out, the settling of `open()`
 * promises, and the wait for the links of a closing session to go.
 *
 * @module
 */

import { CarrierTimer } from "./_carrier_timer.ts";
import { refreshLink } from "./_link_watch.ts";
import { linkReach, NO_POLICIES, NO_REACH, reachChange, roamFromAvailable } from "./_session_link.ts";
import { DEFAULT_CONNECT_TIMEOUT, type NetworkConfiguration } from "./configuration.ts";
import type { DriverError } from "./driver.ts";
import type { Emitter } from "./emitter.ts";
import type { NetworkSession } from "./network_session.ts";
import { type CarrierVerdict, carrierVerdict, type LinkReach } from "./reachability.ts";
import type { SessionEvents } from "./session_events.ts";
import type { SessionHost } from "./session_host.ts";
import { observedMoves, transition } from "./session_machine.ts";
import type { SessionEffect, SessionInput, SessionModel } from "./session_model.ts";
import type { SessionError, SessionState, UsagePolicy } from "./types.ts";

/** What the runner needs of its session. */
export interface RunnerHooks {
  /** The manager. */
  readonly host: SessionHost;
  /** The session (the holder of its leases). */
  readonly session: NetworkSession;
  /** The session's listeners, if it has any: an event is made only for a session that has some. */
  readonly emitter: Emitter<SessionEvents> | undefined;
  /** The state the session would have if it held nothing. */
  restingState(): SessionState;
  /** The access point the session's traffic uses (or observes). */
  currentAccessPoint(): NetworkConfiguration | undefined;
  /** The reachability an opening link must reach (a need's), if any. */
  openRequirement(): LinkReach | undefined;
  /** The next match to try when the opening link `identifier` fails its carrier test. */
  nextMatch(identifier: string): string | undefined;
  /** Called before each transition to `next` (the session's counters are sampled on the link it is leaving). */
  beforeTransition(next: SessionModel): void;
  /** Called after each transition, before its effects (registration follows the phase). */
  afterTransition(): void;
  /** Whether the session is registered with the manager (its listeners get change events). */
  registered(): boolean;
}

/** Runs a session's state machine. */
export class SessionRunner {
  /** The machine's model. */
  model: SessionModel;
  /** The last error. */
  error: SessionError | undefined;
  /** Its description. */
  errorString = "";
  /** When the session opened (clock time), while open. */
  openedAt: number | undefined;
  /** The usage policies the listeners were last told of. */
  policies: readonly UsagePolicy[] = NO_POLICIES;
  /** How far the link reached at the last refresh (before a loss: what it had). */
  reach: LinkReach = NO_REACH;
  #hooks: RunnerHooks;
  // Created when first needed: an idle session costs little.
  #queue: InputQueue | undefined;
  #busy = false;
  /** The first waiting `open()` (most opens have one: no list), then any others. */
  #settler: ((opened: boolean) => void) | undefined;
  #settlers: Array<(opened: boolean) => void> | undefined;
  #closingWork: Promise<unknown>[] | undefined;
  #carrierTimer: CarrierTimer | undefined;
  /** What the last {@linkcode refreshLink} computed from (nothing to do when none of it changed). */
  #refreshed:
    | {
      ap: NetworkConfiguration | undefined;
      data: unknown;
      system: readonly UsagePolicy[];
      opening: boolean;
    }
    | undefined;

  constructor(hooks: RunnerHooks, model: SessionModel) {
    this.#hooks = hooks;
    this.model = model;
  }

  /** Whether a transition and its effects are being carried out. */
  get busy(): boolean {
    return this.#busy;
  }

  /** Gives up the pending `open()` calls before the machine started: `session-aborted`, they resolve false. */
  abandon(message: string): void {
    this.#apply({ type: "error", error: "session-aborted", message });
    this.#apply({ type: "settle", opened: false });
  }

  /** Adds a settler of the pending `open()` promises. */
  onSettle(settle: (opened: boolean) => void): void {
    if (this.#settler === undefined) this.#settler = settle;
    else if (this.#settlers === undefined) this.#settlers = [settle]; // made at its size: no room to grow
    else this.#settlers.push(settle);
  }

  /** Feeds `input` to the machine (queued while a transition's effects run). */
  dispatch(input: SessionInput): void {
    if (this.#busy) {
      (this.#queue ??= new InputQueue()).add(input); // an effect's listener fed another: it waits its turn
      return;
    }
    this.#busy = true;
    try {
      for (let next: SessionInput | undefined = input; next !== undefined; next = this.#queue?.take()) {
        const before = this.model;
        const { model, effects } = transition(before, next);
        if (model === before && effects.length === 0) {
          this.#unmoved();
          continue;
        }
        this.#hooks.beforeTransition(model); // samples the counters while the old model still says which link is in use
        this.model = model;
        if (model.phase !== "closing") this.#closingWork = undefined;
        this.#hooks.afterTransition();
        for (const e of effects) this.#apply(e);
        if (before.phase !== "closing" && model.phase === "closing") this.#awaitClosing();
        this.#refreshIfHeard();
        if (model.roam?.step !== "validating" && !model.validating) this.#carrierTimer?.stop();
      }
    } finally {
      this.#busy = false;
    }
  }

  /** An observed change of the world: the machine moves only if {@linkcode observedMoves} says so. */
  observed(restingState: SessionState): void {
    if (this.#busy || observedMoves(this.model, restingState)) {
      this.dispatch({ type: "observed", restingState });
      return;
    }
    this.#unmoved(); // what dispatch does for a transition that moves nothing, without making one
  }

  /** After an input that moved nothing (most observed changes): only the link's policies and reach may have. */
  #unmoved(): void {
    if (this.model.phase !== "closing") this.#closingWork = undefined;
    this.#refreshIfHeard();
  }

  /** Refreshes a registered session's link; one that is not (idle, nobody listens) computes it when read. */
  #refreshIfHeard(): void {
    if (this.#hooks.registered()) this.refreshLink(true);
    else this.#refreshed = undefined;
  }

  /** Recomputes policies and reach; their listeners are told when `notify`. */
  refreshLink(notify = this.#hooks.registered()): void {
    const ap = this.#hooks.currentAccessPoint();
    const system = this.#hooks.host.usagePolicies();
    const opening = this.model.phase === "opening";
    // Policies and reach are made of the link's record (replaced on every report), the system policies (a list
    // replaced on a change), whether the link is the session's yet, and a data budget (which moves in place).
    const data = ap?.data;
    const budget = ap !== undefined && this.#hooks.host.budgeted ? ap.dataBudget : undefined;
    const seen = this.#refreshed;
    if (
      seen !== undefined && seen.ap === ap && seen.data === data && seen.system === system &&
      seen.opening === opening && budget === undefined
    ) return;
    // the reach is made of the link's record alone: unchanged when only the policies' other inputs moved
    const sameLink = seen !== undefined && seen.ap === ap && seen.data === data;
    refreshLink(this, system, ap, opening, budget, notify, this.#hooks, !sameLink);
    // Kept only for a registered session: an idle one that nobody listens to computes them when they are read.
    if (budget !== undefined || (!notify && !this.#hooks.registered())) { // notify: registered
      this.#refreshed = undefined;
    } else if (seen === undefined) this.#refreshed = { ap, data, system, opening };
    else {
      seen.ap = ap;
      seen.data = data;
      seen.system = system;
      seen.opening = opening;
    }
  }

  /** How a roam target (or an opening link) fares in the carrier test against what is required. */
  carrier(identifier: string): CarrierVerdict {
    const required = this.#opening() ?? this.model.roam?.required ?? NO_REACH;
    return carrierVerdict(linkReach(this.#hooks.host.lookup(identifier)), required);
  }

  /** While opening on a need with a reachability: what the link must reach. */
  #opening(): LinkReach | undefined {
    return this.model.phase === "opening" ? this.#hooks.openRequirement() : undefined;
  }

  /** A carrier input for `identifier` with `verdict` (the next match named when it fails). */
  carrierInput(identifier: string, verdict: CarrierVerdict | "timeout"): SessionInput {
    const next = verdict === "ok" || verdict === "short" || this.model.phase !== "opening"
      ? undefined
      : this.#hooks.nextMatch(identifier);
    return { type: "carrier", identifier, verdict, next, ...this.returnInfo() };
  }

  /** What a transition back to a roam's old access point needs to know. */
  returnInfo(): { fromAvailable: boolean; restingState: SessionState } {
    const fromAvailable = roamFromAvailable(this.model, this.#hooks.host);
    return { fromAvailable, restingState: this.#hooks.restingState() };
  }

  #apply(e: SessionEffect): void {
    const hooks = this.#hooks;
    switch (e.type) {
      // Closures are made in methods of their own (#acquire, #release, #stop, #validate): one made here would
      // make every effect allocate this function's context.
      case "acquire":
        this.#acquire(e.identifier);
        break;
      case "release":
        this.#release(e.identifier);
        break;
      case "stop":
        this.#stop(e.identifier);
        break;
      case "state":
        hooks.emitter?.emit("stateChanged", e.state);
        break;
      case "emit":
        if (e.event === "opened") this.openedAt = hooks.host.clock.now();
        if (e.event === "closed") this.openedAt = undefined;
        if (e.event === "newConfigurationActivated") {
          hooks.emitter?.emit(e.event, reachChange(linkReach(hooks.host.lookup(e.identifier ?? ""))));
        } else hooks.emitter?.emit(e.event);
        break;
      case "validate":
        this.#validate(e.identifier);
        break;
      case "error":
        this.error = e.error;
        this.errorString = e.message;
        hooks.emitter?.emit("error", e.error);
        break;
      case "preferred": {
        const configuration = hooks.host.lookup(e.identifier);
        if (configuration) {
          hooks.emitter?.emit("preferredConfigurationChanged", { configuration, isSeamless: e.seamless });
        }
        break;
      }
      case "settle": {
        const first = this.#settler, more = this.#settlers;
        this.#settler = this.#settlers = undefined;
        if (first !== undefined) first(e.opened);
        if (more !== undefined) { for (const s of more) s(e.opened); }
        break;
      }
    }
  }

  /** Acquires `identifier` for this session through its activation. */
  #acquire(identifier: string): void {
    const { host, session } = this.#hooks;
    // A link already up needs no promise chain: the answer comes one microtask later all the same.
    if (host.leases.acquireIfUp(identifier, session)) {
      queueMicrotask(() => this.#activated(identifier));
      return;
    }
    host.leases.acquire(identifier, session).then(
      () => this.#activated(identifier),
      (error: DriverError) =>
        this.dispatch({
          type: "activation-failed",
          identifier,
          error: error.code ?? "unknown",
          message: error.message,
          restingState: this.#hooks.restingState(),
        }),
    );
  }

  /** Drops this session's lease on `identifier`. */
  #release(identifier: string): void {
    const { host, session } = this.#hooks;
    // Another holder keeps the link: nothing to wait for (a closing session waits only for its links to go).
    if (host.leases.releaseIfShared(identifier, session)) return;
    this.#closing(host.leases.release(identifier, session).catch((error) => this.#failed(error)));
  }

  /** Forces `identifier` down (`stop()`). */
  #stop(identifier: string): void {
    const { host, session } = this.#hooks;
    this.#closing(host.stopAccessPoint(identifier, session).catch((error) => this.#failed(error)));
  }

  /** Adds work a closing session waits for (most close one link: a list of one, with no room to grow). */
  #closing(work: Promise<unknown>): void {
    if (this.#closingWork === undefined) this.#closingWork = [work];
    else this.#closingWork.push(work);
  }

  /** Starts the carrier test of `identifier`: `timeout` after its connect time-out. */
  #validate(identifier: string): void {
    const { host } = this.#hooks;
    const timeout = host.lookup(identifier)?.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
    (this.#carrierTimer ??= new CarrierTimer(host.clock)).start(
      timeout,
      () => this.dispatch(this.carrierInput(identifier, "timeout")),
    );
  }

  /** The link `identifier` this session acquired is up. */
  #activated(identifier: string): void {
    const roam = this.model.roam;
    const carrier = roam?.forced || this.#opening() ? this.carrier(identifier) : undefined;
    if (roam === undefined && (carrier === undefined || carrier === "ok")) {
      // An opening link that passes (most opens): the machine opens the session and needs no way back.
      this.dispatch({ type: "activated", identifier, carrier });
      return;
    }
    const next = carrier && carrier !== "ok" ? this.#hooks.nextMatch(identifier) : undefined;
    this.dispatch({ type: "activated", identifier, carrier, next, ...this.returnInfo() });
  }

  #failed(error: DriverError): void {
    this.error = error.code ?? "unknown";
    this.errorString = error.message;
    this.#hooks.emitter?.emit("error", this.error);
  }

  #awaitClosing(): void {
    Promise.allSettled(this.#closingWork ?? []).then(() => {
      if (this.model.phase === "closing") {
        this.dispatch({ type: "released", restingState: this.#hooks.restingState() });
      }
    });
  }
}

/**
 * The inputs waiting for a transition, first in first out. Unlike an array used with `push` and `shift`,
 * emptying it frees nothing, so filling it again allocates nothing (a session's queue empties after every input).
 */
class InputQueue {
  /** One slot to start with (a session rarely has more than one input waiting): grown only when needed. */
  #items: (SessionInput | undefined)[] = [undefined];
  #head = 0;
  #tail = 0;

  add(input: SessionInput): void {
    this.#items[this.#tail++] = input;
  }

  /** The oldest input, or undefined when none waits. */
  take(): SessionInput | undefined {
    if (this.#head === this.#tail) return undefined;
    const input = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head === this.#tail) this.#head = this.#tail = 0; // empty: its slots are used again
    return input;
  }
}
